"""The machine a benchmark ran on, for the committed results, and best-of-N timing."""

import os
import platform
import sys
import time
from datetime import date


def describe():
    import numba
    import numpy
    import sklearn

    from narxcast.benchmark import cpu_name

    return (f"{date.today()}, {cpu_name()}, {os.cpu_count()} logical CPUs, {platform.system()} "
            f"{platform.machine()}, Python {sys.version.split()[0]}, NumPy {numpy.__version__}, "
            f"Numba {numba.__version__} ({numba.config.NUMBA_NUM_THREADS} threads), scikit-learn "
            f"{sklearn.__version__}")


def best_of(function, repeats=5):
    """The shortest of ``repeats`` timed calls of ``function`` (seconds)."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)
