"""Activation functions for the hot loops, written so that LLVM vectorises them.

libm's ``tanh`` and ``exp`` are scalar calls that stop a loop from vectorising (Numba's
SVML path is off in the PyPI llvmlite), so ``tanh`` here is built from arithmetic only:

    tanh(x) = sign(x) * -m / (2 + m),   m = expm1(-2|x|) = 2^k (1 + p) - 1

with ``-2|x| = k ln 2 + r`` (Cody–Waite reduction, ``|r| <= ln(2) / 2``), ``p = expm1(r)`` a
Taylor polynomial of degree 13, and ``2^k`` made from its bits (``(k + 1023) << 52``, a
bit cast that vectorises). ``m = 2^k p + (2^k - 1)`` has one rounding, so the result agrees
with ``np.tanh`` to 3 units in the last place over the whole real line (tested in
``tests/test_kernels.py``). Derivatives are computed from the activation's output, so
gradients are exact for the function computed.

Codes (ints, so kernels never see strings): 0 identity, 1 tanh, 2 logistic, 3 relu.
"""

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic, overload

# error_model="numpy": a float division must not branch to raise ZeroDivisionError, which
# stops vectorisation; "contract" lets LLVM fuse multiply-adds. No "nnan": NaN must propagate.
JIT_OPTIONS = {"cache": True, "error_model": "numpy", "fastmath": {"contract"}}
# Gradient sums over the batch may be reassociated so that the reductions vectorise.
GRADIENT_JIT_OPTIONS = {"cache": True, "error_model": "numpy", "fastmath": {"contract", "reassoc"}}

IDENTITY, TANH, LOGISTIC, RELU = 0, 1, 2, 3
ACTIVATION_CODES = {"identity": IDENTITY, "tanh": TANH, "logistic": LOGISTIC, "relu": RELU}

_SATURATION = 20.0  # tanh(20) rounds to 1.0 in float64
_INV_LN2 = 1.4426950408889634
_LN2_HIGH = 6.93147180369123816490e-01  # ln 2 in two parts: k * _LN2_HIGH is exact
_LN2_LOW = 1.90821492927058770002e-10


def _float_from_bits(bits):
    """The float64 whose IEEE-754 bits are the int64 ``bits`` (Python, for
    ``NUMBA_DISABLE_JIT=1``; compiled code uses the bit cast below)."""
    return float(np.array(bits, dtype=np.int64).view(np.float64))


@intrinsic
def _bit_cast(typingctx, bits):
    if not isinstance(bits, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


@overload(_float_from_bits, inline="always")
def _float_from_bits_compiled(bits):
    return lambda bits: _bit_cast(bits)


@njit(**JIT_OPTIONS, inline="always")
def tanh(x):
    """Hyperbolic tangent to 3 ulp, vectorisable (no libm call)."""
    a = x if x >= 0.0 else -x
    a = a if a < _SATURATION else _SATURATION
    z = -2.0 * a
    k = np.floor(z * _INV_LN2 + 0.5)
    r = (z - k * _LN2_HIGH) - k * _LN2_LOW
    # expm1(r) for |r| <= 0.347: Taylor to degree 13, error below 2e-17 relative
    p = r * (1.0 + r * (1.0 / 2.0 + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (
        1.0 / 120.0 + r * (1.0 / 720.0 + r * (1.0 / 5040.0 + r * (1.0 / 40320.0 + r * (
            1.0 / 362880.0 + r * (1.0 / 3628800.0 + r * (1.0 / 39916800.0 + r * (
                1.0 / 479001600.0 + r * (1.0 / 6227020800.0)))))))))))))
    scale = _float_from_bits((np.int64(k) + 1023) << 52)  # 2^k, k in [-58, 0]
    m = scale * p + (scale - 1.0)
    t = -m / (2.0 + m)
    t = t if x == x else x  # NaN stays NaN (the clamp above would make it 20)
    return np.copysign(t, x)  # tanh(-0.0) is -0.0


@njit(**JIT_OPTIONS, inline="always")
def activate(x, code):
    """Hidden-unit activation ``code`` applied to a scalar."""
    if code == TANH:
        return tanh(x)
    if code == LOGISTIC:
        return 0.5 + 0.5 * tanh(0.5 * x)
    if code == RELU:
        return 0.0 if x < 0.0 else x  # NaN stays NaN
    return x


@njit(**JIT_OPTIONS, inline="always")
def derivative_from_output(a, code):
    """Derivative of activation ``code`` expressed through its output ``a``."""
    if code == TANH:
        return 1.0 - a * a
    if code == LOGISTIC:
        return a * (1.0 - a)
    if code == RELU:
        return 1.0 if a > 0.0 else 0.0
    return 1.0


@njit(**JIT_OPTIONS)
def activate_inplace(row, n, code):
    """Apply activation ``code`` to ``row[:n]``, with the branch outside the loop."""
    if code == TANH:
        for b in range(n):
            row[b] = tanh(row[b])
    elif code == LOGISTIC:
        for b in range(n):
            row[b] = 0.5 + 0.5 * tanh(0.5 * row[b])
    elif code == RELU:
        for b in range(n):
            row[b] = 0.0 if row[b] < 0.0 else row[b]


@njit(**JIT_OPTIONS)
def activate_array(x, code):
    """Elementwise ``activate`` over a 1-D array (for tests and Python-side callers)."""
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        out[i] = activate(x[i], code)
    return out
