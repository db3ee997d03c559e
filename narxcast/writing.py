"""Outputs written whole or not at all: a temporary file beside the target, renamed over it
once complete (several files as a set), only where a regular file may go. The command's
model files, forecasts and metrics, and :func:`narxcast.serialization.dump`, write through
here."""

import os
import tempfile
from pathlib import Path

from .tables import InputError


def check_replaceable(path, label=""):
    """Refuse ``path`` when it exists and is not a regular file (a directory, device, FIFO or
    socket): a rename would replace it. ``label`` prefixes the message (e.g. "--out ")."""
    if os.path.lexists(path) and not Path(path).is_file():
        raise InputError(f"{label}{path}: exists and is not a regular file (a directory, "
                         "device, FIFO or socket); outputs replace regular files only.")


def write_atomically(path, write):
    """``write(temporary_path)``, then rename over ``path``: a failed run leaves no partial
    file and an existing file untouched; the file gets the permissions of a new file (the
    umask), not the temporary file's 0600. Temporary files start with a dot and end in
    ``.tmp``, so that a later run's directory listings skip any left by a crash."""
    write_set({path: write})


def write_set(writers):
    """Write several files as a set: ``writers`` is ``{path: write(temporary_path)}``. Every
    file is written to a temporary first, then all are renamed into place; if a write fails,
    no file is replaced, and if a rename fails, the files already renamed are removed, so that
    no new file of the set stands beside an old one."""
    for path in writers:
        check_replaceable(path)
    temporaries = {}
    try:
        for path, write in writers.items():
            path = Path(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                                 dir=path.parent)
            os.close(handle)
            temporaries[path] = Path(temporary)
            write(temporary)
            os.chmod(temporary, 0o666 & ~_umask())
        renamed = []
        try:
            for path, temporary in temporaries.items():
                os.replace(temporary, path)
                renamed.append(path)
        except BaseException:
            for path in renamed:
                path.unlink(missing_ok=True)
            raise
    finally:
        for temporary in temporaries.values():
            temporary.unlink(missing_ok=True)


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask
