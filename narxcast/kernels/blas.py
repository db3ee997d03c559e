"""BLAS's general matrix product for the kernels, accumulating in place.

``np.dot`` in Numba always allocates its result, so ``grad += np.dot(d, h.T)`` costs a
temporary and a second pass as large as the product itself (half the time of a 128-unit
LSTM's weight-gradient update; ``benchmarks/NOTES.md``). :func:`gemm` calls the same BLAS
(SciPy's, through Numba's ``numba_xxgemm``) with ``beta = 1`` and transposes by flags, on
row-major arrays whose rows may be strided (views into larger arrays).

A product with few columns (a batch) and more than ``BLOCK_WORK`` multiply-adds is cut into
blocks of rows of ``c`` (or, for a long inner dimension, of terms, accumulated): OpenBLAS
packs both operands on every call, which for a 512 x 128 weight by a batch of 16 cost as
much as the arithmetic, and its small-matrix kernels (no packing) take blocks up to about
100^3. A 128-unit LSTM's gate product ran 1.4x (float32) to 2x (float64) faster in four
blocks, ``W^T d`` 2-2.7x (``benchmarks/NOTES.md``).
"""

import numpy as np
from numba import types
from numba.extending import overload
from numba.np.linalg import ensure_blas

_xxgemm = types.ExternalFunction("numba_xxgemm", types.intc(
    types.char, types.char, types.char,  # kind ('d' / 's'), transa, transb
    types.intp, types.intp, types.intp,  # m, n, k
    types.voidptr, types.voidptr, types.intp,  # alpha, a, lda
    types.voidptr, types.intp, types.voidptr,  # b, ldb, beta
    types.voidptr, types.intp))  # c, ldc
BLOCK_WORK = 1 << 18  # multiply-adds per call for products of at most BLOCK_COLUMNS columns
BLOCK_COLUMNS = 64


def gemm(transpose_a, transpose_b, alpha, a, b, beta, c):
    """``c = alpha * op(a) @ op(b) + beta * c`` in place, ``op(m)`` being ``m.T`` if its flag
    is set; 2-D arrays with unit column stride. With ``beta = 0`` the old ``c`` is not read.

    Examples
    --------
    >>> import numpy as np
    >>> c = np.ones((2, 2))
    >>> gemm(False, True, 1.0, np.eye(2), np.array([[1.0, 2.0], [3.0, 4.0]]), 1.0, c)
    >>> c
    array([[2., 4.],
           [3., 5.]])
    """
    if a.size and b.size and c.size and any(m.strides[1] != m.itemsize for m in (a, b, c)):
        raise ValueError("gemm needs unit column strides")
    product = alpha * ((a.T if transpose_a else a) @ (b.T if transpose_b else b))
    if beta == 0.0:
        c[...] = product
    else:
        c *= beta
        c += product


@overload(gemm)
def _gemm_compiled(transpose_a, transpose_b, alpha, a, b, beta, c):
    ensure_blas()
    kind = ord("d") if c.dtype == types.float64 else ord("s")

    def impl(transpose_a, transpose_b, alpha, a, b, beta, c):
        m, n = c.shape
        k = a.shape[0] if transpose_a else a.shape[1]
        if m == 0 or n == 0:
            return
        if k == 0:  # op(a) op(b) is zero; as BLAS, beta = 0 does not read c
            if beta == 0.0:
                c[:, :] = 0.0
            else:
                c *= beta
            return
        item = c.itemsize
        if a.strides[1] != item or b.strides[1] != item or c.strides[1] != item:
            raise ValueError("gemm needs unit column strides")
        scalars = np.empty(3, dtype=c.dtype)  # alpha, beta, 1 (later blocks of terms)
        scalars[0] = alpha
        scalars[1] = beta
        scalars[2] = 1.0
        n_blocks = 1
        if n <= BLOCK_COLUMNS:
            n_blocks = min(max(m, k), -(-(m * n * k) // BLOCK_WORK))
        split_terms = k > m
        extent = k if split_terms else m
        for block in range(n_blocks):
            first = block * extent // n_blocks
            last = (block + 1) * extent // n_blocks
            if split_terms:  # c (+)= op(a)[:, first:last] op(b)[first:last]
                a_block = a[first:last] if transpose_a else a[:, first:last]
                b_block = b[:, first:last] if transpose_b else b[first:last]
                c_block = c
                rows, terms = m, last - first
                beta_at = 1 if block == 0 else 2
            else:  # c[first:last] (+)= op(a)[first:last] op(b)
                a_block = a[:, first:last] if transpose_a else a[first:last]
                b_block = b
                c_block = c[first:last]
                rows, terms = last - first, k
                beta_at = 1
            # row-major c = op(a) op(b) is column-major c^T = op(b)^T op(a)^T: swap operands
            status = _xxgemm(kind, ord("t") if transpose_b else ord("n"),
                             ord("t") if transpose_a else ord("n"), n, rows, terms,
                             scalars.ctypes, b_block.ctypes, b_block.strides[0] // item,
                             a_block.ctypes, a_block.strides[0] // item,
                             scalars[beta_at:].ctypes, c_block.ctypes,
                             c_block.strides[0] // item)
            if status != 0:
                raise RuntimeError("BLAS gemm failed")

    return impl
