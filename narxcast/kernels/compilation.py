"""The kernels' first compilation: one line saying so, and no garbage collection during it.

Numba compiles a kernel on its first call and caches it on disk (``cache=True``): the first
fit and forecast of a fresh install spend under 3 s compiling for a NARX, about 17 s for an
LSTM (``benchmarks/bench_narx.py``, ``bench_rnn.py``); later runs load the cache in a
fraction of a second. :func:`announce_compilation` says so once per process, on standard
error, when a kernel module has no cache yet; ``NARXCAST_QUIET=1`` silences it.

Numba's compiler allocates hundreds of thousands of small objects, which set off Python's
cyclic garbage collector, full collections over the whole heap included (~0.25 s of a first
NARX fit's 3 s without this pause). While a narxcast kernel compiles,
:class:`CollectorPause` holds the collector off; reference counting frees memory as usual,
and the collector is back on (if it was on) as soon as the compilation ends, failed or not.
"""

import gc
import os
import sys
from pathlib import Path

from numba.core import event

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


class CollectorPause(event.Listener):
    """Numba compile-event listener: Python's cyclic garbage collector is off from the start
    of the outermost compilation of a narxcast kernel to its end. Numba emits these events
    under its global compiler lock, one compilation at a time."""

    def __init__(self):
        self._depth = 0
        self._paused = False

    def on_start(self, event):
        self._depth += 1
        dispatcher = event.data.get("dispatcher") if isinstance(event.data, dict) else None
        module = getattr(getattr(dispatcher, "py_func", None), "__module__", "") or ""
        if self._depth == 1 and module.startswith("narxcast.") and gc.isenabled():
            gc.disable()
            self._paused = True

    def on_end(self, event):
        self._depth -= 1
        if self._depth == 0 and self._paused:
            self._paused = False
            gc.enable()


event.register("numba:compile", CollectorPause())
