"""BLAS's general matrix product for the kernels, accumulating in place.

``np.dot`` in Numba always allocates its result, so ``grad += np.dot(d, h.T)`` costs a
temporary and a second pass as large as the product itself (half the time of a 128-unit
LSTM's weight-gradient update; ``benchmarks/NOTES.md``). :func:`gemm` calls the same BLAS
(SciPy's, through Numba's ``numba_xxgemm``) with ``beta = 1`` and transposes by flags, on
row-major arrays whose rows may be strided (views into larger arrays).
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
        scalars = np.empty(2, dtype=c.dtype)
        scalars[0] = alpha
        scalars[1] = beta
        # row-major c = op(a) op(b) is column-major c^T = op(b)^T op(a)^T: swap the operands
        status = _xxgemm(kind, ord("t") if transpose_b else ord("n"),
                         ord("t") if transpose_a else ord("n"), n, m, k, scalars.ctypes,
                         b.ctypes, b.strides[0] // item, a.ctypes, a.strides[0] // item,
                         scalars[1:].ctypes, c.ctypes, c.strides[0] // item)
        if status != 0:
            raise RuntimeError("BLAS gemm failed")

    return impl
