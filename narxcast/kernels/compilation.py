"""One line on the first compilation of the kernels, so that a first run is not silent.

Numba compiles a kernel on its first call and caches it on disk (``cache=True``): the first
fit and forecast of a fresh install spend about 4 s compiling for a NARX, about 20 s for an
LSTM (``benchmarks/bench_narx.py``, ``bench_rnn.py``); later runs load the cache in a fraction
of a second. :func:`announce_compilation` says so once per process, on standard error, when a
kernel module has no cache yet; ``NARXCAST_QUIET=1`` silences it.
"""

import os
import sys
from pathlib import Path

_announced = False
_checked = set()


def cache_dirs(module_file):
    """Where Numba may keep the cache of the kernel module at ``module_file``: beside it,
    under ``NUMBA_CACHE_DIR``, or in the user's cache directory (a read-only install)."""
    import numba
    from numba.misc.appdirs import AppDirs

    dirs = [Path(module_file).parent / "__pycache__"]
    if numba.config.CACHE_DIR:
        dirs.append(Path(numba.config.CACHE_DIR))
    dirs.append(Path(AppDirs(appname="numba", appauthor=False).user_cache_dir))
    return dirs


def is_cached(module_file, dirs=None):
    """Whether any kernel of the module at ``module_file`` has a cache index (``.nbi``)."""
    stem = Path(module_file).stem
    for folder in cache_dirs(module_file) if dirs is None else dirs:
        if folder.is_dir() and next(folder.rglob(f"{stem}.*.nbi"), None) is not None:
            return True
    return False


def announce_compilation(module, out=None):
    """Once per process: say on standard error that the kernels of ``module`` are being
    compiled, when they have no cache yet."""
    global _announced
    if _announced or module.__name__ in _checked or os.environ.get("NARXCAST_QUIET"):
        return
    _checked.add(module.__name__)
    if not is_cached(module.__file__):
        _announced = True
        print("narxcast: compiling the Numba kernels for their first use (seconds for a NARX, "
              "up to half a minute for an LSTM); they are cached for later runs "
              "(NARXCAST_QUIET=1 hides this line)",
              file=sys.stderr if out is None else out)
