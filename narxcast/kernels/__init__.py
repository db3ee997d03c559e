"""Numba kernels: pure functions over contiguous float64 arrays and ints (ARCHITECTURE.md).

Importing the package registers where the kernels' compiled code is cached
(:mod:`.compilation`) before any kernel is defined.
"""

from . import compilation  # noqa: F401
