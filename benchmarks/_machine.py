"""Describe the machine a benchmark ran on, for the committed results."""

import os
import platform
import sys
from datetime import date


def describe():
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import numba
    import numpy
    import sklearn

    return (f"{date.today()}, {cpu}, {os.cpu_count()} logical CPUs, {platform.system()} "
            f"{platform.machine()}, Python {sys.version.split()[0]}, NumPy {numpy.__version__}, "
            f"Numba {numba.__version__} ({numba.config.NUMBA_NUM_THREADS} threads), scikit-learn "
            f"{sklearn.__version__}")
