"""The kernels' compilation: where the compiled code is kept, one line saying that it is being
compiled, and no garbage collection while it is.

Numba compiles a kernel on its first call and caches it on disk (``cache=True``): the first
fit and forecast of a fresh install spend under 3 s compiling for a NARX, about 17 s for an
LSTM (``benchmarks/bench_narx.py``, ``bench_rnn.py``); later runs load the cache in a
fraction of a second. The cache is kept in the user's cache directory (on Linux
``~/.cache/narxcast/<version>/<cpu>``; :func:`kernel_cache_dir`), never inside the installed
package, which may be read-only, shared between users or replaced by pip; ``NUMBA_CACHE_DIR``,
when set, is honoured as Numba honours it. :func:`announce_compilation` says once per process,
on standard error, that kernels are being compiled when a kernel module has no cache yet;
``NARXCAST_QUIET=1`` silences it.

Numba's compiler allocates hundreds of thousands of small objects, which set off Python's
cyclic garbage collector, full collections over the whole heap included (~0.25 s of a first
NARX fit's 3 s without this pause). While a narxcast kernel compiles,
:class:`CollectorPause` holds the collector off; reference counting frees memory as usual,
and the collector is back on (if it was on) as soon as the compilation ends, failed or not.
"""

import functools
import gc
import os
import sys
import tempfile
from importlib import metadata
from pathlib import Path

from numba.core import caching, config, event
from numba.misc.appdirs import AppDirs

_announced = False
_checked = set()


@functools.cache
def kernel_cache_dir():
    """The folder under which narxcast's compiled kernels are kept when ``NUMBA_CACHE_DIR`` is
    not set: the user's cache directory, one folder per narxcast version and CPU (a copy of
    the folder to another machine is then never read there), or the system's temporary folder
    when the user has no writable cache directory."""
    try:
        version = metadata.version("narxcast")
    except metadata.PackageNotFoundError:  # run from a source tree that is not installed
        version = "source"
    from llvmlite import binding

    leaf = Path(version) / binding.get_host_cpu_name()
    home = Path(AppDirs(appname="narxcast", appauthor=False).user_cache_dir)
    user = os.getuid() if hasattr(os, "getuid") else os.environ.get("USERNAME", "user")
    for root in (home, Path(tempfile.gettempdir()) / f"narxcast-{user}"):
        try:
            (root / leaf).mkdir(parents=True, exist_ok=True)
            tempfile.TemporaryFile(dir=root / leaf).close()
        except OSError:
            continue
        return root / leaf
    return None


class KernelCacheLocator(caching.UserProvidedCacheLocator):
    """Numba cache locator for narxcast's kernels: their cache goes to
    :func:`kernel_cache_dir`, in a folder per source folder (as Numba names them under
    ``NUMBA_CACHE_DIR``), so a checkout and an installed copy do not overwrite each other's.
    It steps aside for ``NUMBA_CACHE_DIR`` and for other packages' functions."""

    def __init__(self, py_func, py_file):
        self._py_file = py_file
        self._lineno = py_func.__code__.co_firstlineno
        self._cache_path = str(kernel_cache_dir() / self.get_suitable_cache_subpath(py_file))

    @classmethod
    def from_function(cls, py_func, py_file):
        module = getattr(py_func, "__module__", None) or ""
        if config.CACHE_DIR or not module.startswith("narxcast.") or kernel_cache_dir() is None:
            return None
        return super(caching.UserProvidedCacheLocator, cls).from_function(py_func, py_file)


def _register_locator():
    """Put :class:`KernelCacheLocator` right after Numba's ``NUMBA_CACHE_DIR`` locator, ahead of
    the one that writes beside the source file (once per process)."""
    impl = getattr(caching, "CacheImpl", None) or caching._CacheImpl
    locators = impl._locator_classes
    if KernelCacheLocator not in locators:
        locators.insert(1, KernelCacheLocator)


def cache_root():
    """The folder the kernels' caches are kept under: ``NUMBA_CACHE_DIR`` when set, else
    :func:`kernel_cache_dir` (None: neither, Numba's own folders)."""
    return Path(config.CACHE_DIR) if config.CACHE_DIR else kernel_cache_dir()


def cache_dirs(module_file):
    """Where the compiled kernels of the module at ``module_file`` are kept."""
    subpath = caching.UserProvidedCacheLocator.get_suitable_cache_subpath(str(module_file))
    root = cache_root()
    return [] if root is None else [root / subpath]


def is_cached(module_file, dirs=None):
    """Whether any kernel of the module at ``module_file`` has a cache index (``.nbi``)."""
    stem = Path(module_file).stem
    for folder in cache_dirs(module_file) if dirs is None else dirs:
        if folder.is_dir() and next(folder.glob(f"{stem}.*.nbi"), None) is not None:
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


_register_locator()
event.register("numba:compile", CollectorPause())
