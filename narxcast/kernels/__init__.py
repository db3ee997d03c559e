"""Numba kernels: pure functions over contiguous float64 arrays and ints (see DESIGN.md).

On CPUs with AVX-512, LLVM's default tuning for recent Intel server parts prefers 256-bit
vectors. narxcast's kernels run 2-4x faster with 512-bit vectors (``benchmarks/NOTES.md``),
so on import, unless ``NUMBA_CPU_FEATURES`` is set or ``NARXCAST_VECTOR_WIDTH=256``, this
module asks Numba for the host's features minus ``prefer-256-bit``. The setting is Numba's
process-wide one: it applies to code compiled after the first import of narxcast (Numba code
compiled before keeps its width), and on-disk caches are keyed by it.
"""

import os

import numba
from numba.core.codegen import get_host_cpu_features


def _prefer_512_bit_vectors():
    if numba.config.CPU_FEATURES is not None or os.environ.get("NARXCAST_VECTOR_WIDTH") == "256":
        return
    features = get_host_cpu_features()
    if "+avx512f" in features.split(","):
        numba.config.CPU_FEATURES = features + ",-prefer-256-bit"


_prefer_512_bit_vectors()
