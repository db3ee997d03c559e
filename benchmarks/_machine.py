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

    threads = numba.config.NUMBA_NUM_THREADS
    return (f"{date.today()}, {cpu_name()}, {os.cpu_count()} logical CPUs, {platform.system()} "
            f"{platform.machine()}, SIMD {simd_level()}, BLAS {blas_cores()}, Python "
            f"{sys.version.split()[0]}, NumPy {numpy.__version__}, Numba {numba.__version__} "
            f"({threads} thread{'s' * (threads != 1)}), scikit-learn {sklearn.__version__}")


def simd_level():
    """The widest x86 vector extension the CPU reports (Linux), else the machine name."""
    try:
        with open("/proc/cpuinfo") as info:
            flags = next(line for line in info if line.startswith("flags")).split()
    except (OSError, StopIteration):
        return platform.machine()
    for flag, name in (("avx512f", "AVX-512"), ("avx2", "AVX2"), ("avx", "AVX"),
                       ("sse4_2", "SSE4.2")):
        if flag in flags:
            return name
    return "baseline"


def blas_cores():
    """The BLAS libraries loaded and the core type each chose (threadpoolctl)."""
    import numpy  # noqa: F401  (loads its BLAS)
    import scipy.linalg  # noqa: F401
    from threadpoolctl import threadpool_info

    found = [f"{info.get('internal_api')} {info.get('version')} {info.get('architecture')}"
             for info in threadpool_info() if info.get("user_api") == "blas"]
    return "; ".join(dict.fromkeys(found)) or "unknown"


def best_of(function, repeats=5):
    """The shortest of ``repeats`` timed calls of ``function`` (seconds)."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


RUNS = 3  # every figure is its range over this many runs of the whole measurement


def over_runs(measure, runs=RUNS):
    """``measure()`` called ``runs`` times, one after the other; returns its result's
    structure (dicts and lists) with every number, string or flag replaced by the list of
    its values over the runs."""
    return collect([measure() for _ in range(runs)])


def collect(results):
    """The results of several runs (one structure each) as one structure of lists."""
    first = results[0]
    if isinstance(first, dict):
        return {key: collect([r[key] for r in results]) for key in first}
    if isinstance(first, (list, tuple)):
        return [collect([r[k] for r in results]) for k in range(len(first))]
    return list(results)


def span(values, scale=1.0, digits=1, unit=""):
    """``low-high`` of ``values`` times ``scale`` (one number when they round alike)."""
    low, high = (f"{v * scale:.{digits}f}" for v in (min(values), max(values)))
    return f"{low}{unit}" if low == high else f"{low}-{high}{unit}"


def ratio_span(numerators, denominators, digits=1):
    """The range of the per-run ratios ``numerator / denominator`` (same run each), as
    ``low-highx``."""
    return span([n / d for n, d in zip(numerators, denominators)], digits=digits, unit="x")
