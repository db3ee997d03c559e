"""BLAS's general matrix product for the kernels, accumulating in place.

``np.dot`` in Numba always allocates its result, so ``grad += np.dot(d, h.T)`` costs a
temporary and a second pass as large as the product itself (half the time of a 128-unit
LSTM's weight-gradient update; ``benchmarks/NOTES.md``). :func:`gemm` calls the same BLAS
(SciPy's, through Numba's ``numba_xxgemm``) accumulating (``beta = 1``), transposing by flags, on
row-major arrays whose rows may be strided (views into larger arrays).

Where OpenBLAS has small-matrix kernels (its AVX-512 targets), a product with few columns (a
batch) and more than ``BLOCK_WORK`` multiply-adds is cut into blocks of rows of ``c`` (or,
for a long inner dimension, of terms, accumulated): OpenBLAS packs both operands on every
call, which for a 512 x 128 weight by a batch of 16 cost as much as the arithmetic, and the
small-matrix kernels (no packing) take blocks up to about 100^3. A 128-unit LSTM's gate
product ran 1.4x (float32) to 2x (float64) faster in four blocks there. Elsewhere (AVX2
targets such as Haswell and Zen) every call packs, and blocks only add calls: the whole
product was 5% faster on a 128-unit float32 LSTM (``benchmarks/NOTES.md``).
"""

import functools

import numpy as np
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic, overload
from numba.np.linalg import ensure_blas
from threadpoolctl import ThreadpoolController

from .config import BLOCK_COLUMNS, BLOCK_WORK, INTERNAL, SMALL_MATRIX_TARGETS

_xxgemm = types.ExternalFunction("numba_xxgemm", types.intc(
    types.char, types.char, types.char,  # kind ('d' / 's'), transa, transb
    types.intp, types.intp, types.intp,  # m, n, k
    types.voidptr, types.voidptr, types.intp,  # alpha, a, lda
    types.voidptr, types.intp, types.voidptr,  # b, ldb, beta
    types.voidptr, types.intp))  # c, ldc
_xxgemv = types.ExternalFunction("numba_xxgemv", types.intc(
    types.char, types.char, types.intp, types.intp,  # kind, trans, m, n
    types.voidptr, types.voidptr, types.intp,  # alpha, a, lda
    types.voidptr, types.voidptr, types.voidptr))  # x, beta, y (unit strides)


@functools.cache
def small_matrix_kernels():
    """Whether the OpenBLAS that SciPy (and so Numba) loaded runs an AVX-512 target, where
    it multiplies small matrices without packing them. Asked when :func:`gemm` compiles, not
    at import (threadpoolctl scans the loaded libraries: ~20 ms)."""
    import scipy.linalg  # noqa: F401 -- loads SciPy's BLAS
    from threadpoolctl import threadpool_info

    return any(info.get("internal_api") == "openblas"
               and str(info.get("architecture")).lower() in SMALL_MATRIX_TARGETS
               for info in threadpool_info())


# BLAS's alpha and beta, passed by pointer: 1 (alpha; beta when accumulating) and 0 (beta
# otherwise). Constants rather than a small array allocated per call, which cost ~100 ns of a
# 300 ns product at an 8-unit LSTM's sizes (benchmarks/NOTES.md).
_ONE_ZERO_64 = np.array([1.0, 0.0])
_ONE_ZERO_32 = np.array([1.0, 0.0], dtype=np.float32)
_TRANSPOSE, _NO_TRANSPOSE = ord("t"), ord("n")  # BLAS's flags (compiled `ord` is a call)


def gemm(transpose_a, transpose_b, a, b, c, accumulate):
    """``c = op(a) @ op(b)``, or ``c += op(a) @ op(b)`` with ``accumulate``, in place,
    ``op(m)`` being ``m.T`` if its flag is set; 2-D arrays with unit column stride. Without
    ``accumulate`` the old ``c`` is not read.

    Examples
    --------
    >>> import numpy as np
    >>> c = np.ones((2, 2))
    >>> gemm(False, True, np.eye(2), np.array([[1.0, 2.0], [3.0, 4.0]]), c, True)
    >>> c
    array([[2., 4.],
           [3., 5.]])
    """
    if a.size and b.size and c.size and any(m.strides[1] != m.itemsize for m in (a, b, c)):
        raise ValueError("gemm needs unit column strides")
    product = (a.T if transpose_a else a) @ (b.T if transpose_b else b)
    if accumulate:
        c += product
    else:
        c[...] = product


@intrinsic
def _pointer(typingctx, address):
    """An address (an integer) as the ``void *`` BLAS takes."""
    def codegen(context, builder, signature, args):
        return builder.inttoptr(args[0], cgutils.voidptr_t)

    return types.voidptr(types.intp), codegen


# The BLAS calls below take addresses and leading dimensions, not arrays: they compile once,
# whatever the layouts and dtypes of the operands and the options of the kernel calling
# ``gemm`` (an array argument would compile them again for each; benchmarks/NOTES.md). The
# caller's arrays outlive the call. Each product is row-major c (m x n) = op(a) (m x k)
# op(b) (k x n), ``alpha`` the address of the constants (1, 0) in c's dtype, ``item`` its size.
@njit(cache=True, **INTERNAL)
def _call(kind, transpose_a, transpose_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate, alpha,
          item):
    """BLAS's gemm: ``c (+)= op(a) op(b)``."""
    # row-major c = op(a) op(b) is column-major c^T = op(b)^T op(a)^T: swap operands
    status = _xxgemm(kind, _TRANSPOSE if transpose_b else _NO_TRANSPOSE,
                     _TRANSPOSE if transpose_a else _NO_TRANSPOSE, n, m, k, _pointer(alpha),
                     _pointer(b), ldb, _pointer(a), lda,
                     _pointer(alpha + (0 if accumulate else item)), _pointer(c), ldc)
    if status != 0:
        raise RuntimeError("BLAS gemm failed")


@njit(cache=True, **INTERNAL)
def _call_gemv(kind, transpose_a, m, k, a, lda, b, c, accumulate, alpha, item):
    """BLAS's gemv for a product of one column: ``c[:, 0] (+)= op(a) @ op(b)[:, 0]``, both
    columns with unit strides. A single-column gemm packs all of ``a`` on every call: a 512 x
    129 float64 weight times a state took 4x longer that way than as a gemv
    (benchmarks/NOTES.md)."""
    # row-major a (m x k) is column-major k x m: op(a) = a is its transpose
    status = _xxgemv(kind, _NO_TRANSPOSE if transpose_a else _TRANSPOSE,
                     m if transpose_a else k, k if transpose_a else m, _pointer(alpha),
                     _pointer(a), lda, _pointer(b),
                     _pointer(alpha + (0 if accumulate else item)), _pointer(c))
    if status != 0:
        raise RuntimeError("BLAS gemv failed")


@njit(cache=True)
def call_in_blocks(kind, transpose_a, transpose_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate,
                   alpha, item, n_blocks):
    """:func:`gemm`'s product as ``n_blocks`` BLAS calls over blocks of rows of ``c``, or of
    terms when the inner dimension is the longer (the first block overwriting ``c`` unless
    accumulating); operands by address, as ``_call``."""
    split_terms = k > m
    extent = k if split_terms else m
    for block in range(n_blocks):
        first = block * extent // n_blocks
        last = (block + 1) * extent // n_blocks
        if split_terms:  # c (+)= op(a)[:, first:last] op(b)[first:last]
            _call(kind, transpose_a, transpose_b, m, n, last - first,
                  a + first * (lda if transpose_a else 1) * item, lda,
                  b + first * (1 if transpose_b else ldb) * item, ldb, c, ldc,
                  accumulate or block > 0, alpha, item)
        else:  # c[first:last] (+)= op(a)[first:last] op(b)
            _call(kind, transpose_a, transpose_b, last - first, n, k,
                  a + first * (1 if transpose_a else lda) * item, lda, b, ldb,
                  c + first * ldc * item, ldc, accumulate, alpha, item)


@njit(cache=True, **INTERNAL)
def _product(kind, transpose_a, transpose_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate,
             alpha, item, block_work):
    """:func:`gemm` on addresses: as one gemv, in blocks, or as one gemm."""
    if n == 1 and (transpose_b or k == 1 or ldb == 1) and (m == 1 or ldc == 1):
        _call_gemv(kind, transpose_a, m, k, a, lda, b, c, accumulate, alpha, item)
    elif block_work > 0 and n <= BLOCK_COLUMNS and m * n * k > block_work:
        n_blocks = min(max(m, k), -(-(m * n * k) // block_work))
        call_in_blocks(kind, transpose_a, transpose_b, m, n, k, a, lda, b, ldb, c, ldc,
                       accumulate, alpha, item, n_blocks)
    else:  # the operands themselves
        _call(kind, transpose_a, transpose_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate,
              alpha, item)


@overload(gemm)
def _gemm_compiled(transpose_a, transpose_b, a, b, c, accumulate):
    ensure_blas()
    double = c.dtype == types.float64
    kind = ord("d") if double else ord("s")
    one_zero = _ONE_ZERO_64 if double else _ONE_ZERO_32
    block_work = BLOCK_WORK if small_matrix_kernels() else 0  # 0: whole products

    def impl(transpose_a, transpose_b, a, b, c, accumulate):
        m, n = c.shape
        k = a.shape[0] if transpose_a else a.shape[1]
        if m == 0 or n == 0:
            return
        if k == 0:  # op(a) op(b) is zero
            if not accumulate:
                c[:, :] = 0.0
            return
        item = c.itemsize
        if a.strides[1] != item or b.strides[1] != item or c.strides[1] != item:
            raise ValueError("gemm needs unit column strides")
        # every argument a run-time integer or flag: one compilation of what follows
        _product(np.intp(kind), bool(transpose_a), bool(transpose_b), m, n, k,
                 np.intp(a.ctypes.data), a.strides[0] // item, np.intp(b.ctypes.data),
                 b.strides[0] // item, np.intp(c.ctypes.data), c.strides[0] // item,
                 bool(accumulate), np.intp(one_zero.ctypes.data), item, np.intp(block_work))

    return impl


@functools.cache
def _blas_controller():
    """threadpoolctl's controller of the BLAS libraries loaded with NumPy and SciPy (the
    kernels call SciPy's), found once: ``threadpool_limits`` scans the process's libraries on
    every call, 2 ms of a small recurrent fit's 30 (benchmarks/NOTES.md, 'rolling calibration')."""
    import scipy.linalg  # noqa: F401 -- loads SciPy's BLAS

    return ThreadpoolController()


def single_threaded_blas():
    """A context in which BLAS runs on one thread: the kernels' products are small (a few
    hundred rows by a batch of windows or a chunk of origins), where OpenBLAS's threads cost
    2-5x (benchmarks/NOTES.md), and the forecast kernels already run in parallel over origins."""
    return _blas_controller().limit(limits=1, user_api="blas")
