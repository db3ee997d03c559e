"""Compilation options and tuning constants of the kernels, with the measurements behind them.

Every constant here was chosen by timing on the 2-core benchmark machines (an Intel Xeon with
AVX-512, then an AMD EPYC with AVX2); ``benchmarks/NOTES.md`` has the runs. Kernels read them
as compile-time constants: after changing one, clear the compiled kernels' cache
(:func:`narxcast.kernels.compilation.kernel_cache_dir`, or ``NUMBA_CACHE_DIR``).
"""

# error_model="numpy": a float division must not branch to raise ZeroDivisionError, which
# stops vectorisation; "contract" lets LLVM fuse multiply-adds. No "nnan": NaN must propagate.
# Kernels copy arrays element by element, never ``a[...] = b[...]``: a slice copy makes Numba
# compile its shape-mismatch error (string formatting: ~3 s of a first NARX fit's 10 s).
# No kernel is handed to C as a function pointer, so none gets Numba's C wrapper.
JIT_OPTIONS = {"cache": True, "error_model": "numpy", "fastmath": {"contract"},
               "no_cfunc_wrapper": True}
# Gradient sums over the batch may be reassociated so that the reductions vectorise.
GRADIENT_JIT_OPTIONS = {**JIT_OPTIONS, "fastmath": {"contract", "reassoc"}}
# The optimiser steps repeat NumPy's expressions in NumPy's order, without fused
# multiply-adds, so that a compiled step equals the NumPy formula.
OPTIMIZER_JIT_OPTIONS = {"cache": True, "error_model": "numpy", "no_cfunc_wrapper": True}
# Helpers that only compiled code calls: no CPython wrapper either. Each wrapper is a function
# of its own to lower, optimise and turn into machine code; without them a first NARX fit
# compiles ~0.5 s sooner (benchmarks/NOTES.md, 'the 3 s cold start'). Such a helper cannot be called
# from Python (outside ``NUMBA_DISABLE_JIT=1``).
INTERNAL = {"no_cpython_wrapper": True}

# Origins per chunk of the forecast kernels (each claimed by one thread): keeps one chunk's
# buffers in L1/L2.
CHUNK = 256

# A recurrent layer's step multiplies through BLAS (gemm) once gate rows x (inputs + hidden)
# x batch reach this; below, loops with the batch innermost beat a BLAS call's 0.3-0.8 us. In
# 16-window training parts an 8-unit Elman layer (1152) loops faster, a 4-unit LSTM (1280)
# multiplies faster.
BLAS_MIN_WORK = 1200

# Recurrent training mini-batches are cut into parts of this many windows, run in parallel
# (each part's windows are independent sequences) and summed in a fixed order: results do not
# depend on the number of threads.
PART = 16
# ... but only for networks of this many multiply-adds per window and step (gate rows x
# (inputs + hidden), summed over layers): smaller ones run a mini-batch in one call, whose
# wider products and loops beat parallel parts of 16 on the 2-core benchmark machine (batch
# of 128: Elman 8 0.41 against 0.92 ms, LSTM 8 0.96 against 1.23, GRU 32 3.9 against 4.2;
# LSTM 32, 4224 a step, ran faster in parts: 0.80 against 1.09 ms for 32 windows).
PARALLEL_MIN_WORK = 4096

# Population chunks (one per thread) are rounded up to a multiple of this many individuals so
# that the loops over a chunk end without scalar iterations (100 individuals on two threads:
# 52 + 48 ran ~1.1x faster than 50 + 50).
POPULATION_VECTOR = 4

# Where OpenBLAS has small-matrix kernels (its AVX-512 targets), products of at most
# BLOCK_COLUMNS columns and more than BLOCK_WORK multiply-adds run in blocks (kernels.blas):
# a 128-unit LSTM's gate product 1.4x (float32) to 2x (float64) faster in four blocks there;
# on AVX2 targets whole products were 5% faster.
BLOCK_WORK = 1 << 18
BLOCK_COLUMNS = 64
SMALL_MATRIX_TARGETS = frozenset({"skylakex", "cooperlake", "sapphirerapids"})
