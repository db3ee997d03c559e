"""The processed data files, installed as the package ``narxcast.data`` (see ../README.md)."""
