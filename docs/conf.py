"""Sphinx configuration of narxcast's documentation (see docs/README.md for the build)."""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # the local extension that writes the benchmark pages
os.environ.setdefault("MPLBACKEND", "Agg")

import narxcast  # noqa: E402

project = "narxcast"
author = "narxcast developers"
copyright = "narxcast developers"
release = version = narxcast.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
    "benchmark_pages",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "README.md", "examples/README.rst"]
myst_heading_anchors = 3
suppress_warnings = ["myst.header"]  # the benchmark results' own heading levels

# the API reference: one page per public object, from its docstring
autosummary_generate = True
autodoc_typehints = "none"  # the numpydoc sections give the types, in words
templates_path = ["_templates"]
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# every public class, function and method has a docstring whose Parameters and Returns
# sections cover its signature
numpydoc_validation_checks = {"GL08", "PR01", "RT01"}
numpydoc_validation_exclude = {r"\.__init__$", r"\.set_\w+_request$", r"\.get_params$",
                               r"\.set_params$", r"\.BacktestResult\.\w+$"}

# cross-links to the libraries narxcast builds on, from inventories written from the
# installed libraries (the build runs offline): docs/inventories.py
from inventories import write as write_inventories  # noqa: E402

_inventories = write_inventories(HERE / "_build" / "inventories")
intersphinx_mapping = {
    name: (url, str(_inventories[name]))
    for name, url in {
        "python": "https://docs.python.org/3/",
        "numpy": "https://numpy.org/doc/stable/",
        "pandas": "https://pandas.pydata.org/docs/",
        "sklearn": "https://scikit-learn.org/stable/",
    }.items()
}
numpydoc_xref_param_type = True
numpydoc_xref_aliases = {
    "DataFrame": "pandas.DataFrame", "Series": "pandas.Series",
    "ndarray": "numpy.ndarray", "array-like": ":term:`array-like <sklearn:array-like>`",
    "RandomState": "numpy.random.RandomState", "Path": "pathlib.Path",
}
numpydoc_xref_ignore = {"of", "or", "shape", "default", "optional", "instance", "and", "to",
                        "n_samples", "n_features", "n_targets", "n_horizons", "the", "a", "an"}

sphinx_gallery_conf = {
    "examples_dirs": str(HERE / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "within_subsection_order": "FileNameSortKey",
}

html_theme = "pydata_sphinx_theme"
html_title = f"narxcast {release}"
html_theme_options = {
    "navigation_depth": 2,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
}
html_show_sourcelink = False


def _skip_routing(app, what, name, obj, skip, options):
    """scikit-learn's metadata-routing methods (``set_fit_request``, ...,
    ``get_metadata_routing``) and ``set_output`` are not narxcast's API: leave them out of
    the reference."""
    if name in ("get_metadata_routing", "set_output") or (name.startswith("set_")
                                                           and name.endswith("_request")):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_routing)
