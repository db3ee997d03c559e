"""Activation functions for the hot loops, written so that LLVM vectorises them.

libm's ``tanh`` and ``exp`` are scalar calls that stop a loop from vectorising (Numba's
SVML path is off in the PyPI llvmlite), so ``tanh`` here is built from arithmetic only:

    tanh(x) = sign(x) * -m / (2 + m),   m = expm1(-2|x|) = 2^k (1 + p) - 1

with ``-2|x| = k ln 2 + r`` (Cody–Waite reduction, ``|r| <= ln(2) / 2``), ``p = expm1(r)`` a
Taylor polynomial of degree 13, and ``2^k`` made from its bits (``(k + 1023) << 52``, a
bit cast that vectorises, through 32-bit integers so that it does on AVX2 too).
``m = 2^k p + (2^k - 1)`` has one rounding, so the result agrees with ``np.tanh`` to 3 units
in the last place over the whole real line (tested in
``tests/test_kernels.py``). Derivatives are computed from the activation's output, so
gradients are exact for the function computed.

Kernels run in the precision of their arrays: on float32 arrays ``tanh`` takes a float32
version of the same algorithm (degree 8, ``2^k`` from float32 bits; within 3 units in the
last float32 place), and constants go through :func:`cast_like` so that a float64 literal does
not widen the arithmetic to float64.

Codes (ints, so kernels never see strings): 0 identity, 1 tanh, 2 logistic, 3 relu.
"""

import math

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic, overload

from .config import INTERNAL, JIT_OPTIONS

IDENTITY, TANH, LOGISTIC, RELU = 0, 1, 2, 3
ACTIVATION_CODES = {"identity": IDENTITY, "tanh": TANH, "logistic": LOGISTIC, "relu": RELU}

_SATURATION = 20.0  # tanh(20) rounds to 1.0 in float64
_INV_LN2 = 1.4426950408889634
_LN2_HIGH = 6.93147180369123816490e-01  # ln 2 in two parts: k * _LN2_HIGH is exact
_LN2_LOW = 1.90821492927058770002e-10
_K_MIN = -58.0  # the exponent k of a saturated tanh; a NaN's k is clamped to it


def _pow2(k):
    """``2.0 ** k`` for an integral float ``k`` in the normal exponent range (Python, for
    ``NUMBA_DISABLE_JIT=1``; compiled code builds it from the exponent bits below)."""
    return math.ldexp(1.0, int(k))


@intrinsic
def _pow2_bits(typingctx, k):
    """``2^k`` made from its exponent bits, ``(k + bias) << mantissa``, in the type of ``k``.

    The conversion goes through 32-bit integers in both precisions: AVX2 has no vector
    conversion from floats to 64-bit integers, and a conversion to int64 (Numba's integer
    arithmetic) left that step scalar, ~30% of a tanh on an AVX2 machine
    (benchmarks/NOTES.md). A float64 ``2^k`` widens the int32 to int64 before the shift.
    """
    int32, int64 = ir.IntType(32), ir.IntType(64)
    if k == types.float32:
        def codegen(context, builder, signature, args):
            bits = builder.add(builder.fptosi(args[0], int32), ir.Constant(int32, 127))
            return builder.bitcast(builder.shl(bits, ir.Constant(int32, 23)), ir.FloatType())

        return types.float32(types.float32), codegen
    if k == types.float64:
        def codegen(context, builder, signature, args):
            bits = builder.sext(builder.fptosi(args[0], int32), int64)
            bits = builder.add(bits, ir.Constant(int64, 1023))
            return builder.bitcast(builder.shl(bits, ir.Constant(int64, 52)), ir.DoubleType())

        return types.float64(types.float64), codegen
    return None


@overload(_pow2, inline="always")
def _pow2_compiled(k):
    return lambda k: _pow2_bits(k)


def cast_like(value, like):
    """``value`` in the floating type of ``like`` (a scalar or an array): a kernel's constant
    that keeps float32 arithmetic in float32 (Python: ``value`` unchanged)."""
    return value


@overload(cast_like, inline="always")
def _cast_like_compiled(value, like):
    dtype = like.dtype if isinstance(like, types.Array) else like
    if dtype == types.float32:
        return lambda value, like: np.float32(value)
    return lambda value, like: value


@njit(**JIT_OPTIONS, **INTERNAL)
def _tanh64(x):
    """Hyperbolic tangent to 3 ulp, vectorisable (no libm call)."""
    a = x if x >= 0.0 else -x
    # clamped so that NaN passes (comparisons with NaN are false) and propagates: cheaper
    # than a select at the end (float32 tanh 1.31 -> 0.99 ns; benchmarks/NOTES.md)
    a = _SATURATION if a > _SATURATION else a
    z = -2.0 * a
    k = np.floor(z * _INV_LN2 + 0.5)
    r = (z - k * _LN2_HIGH) - k * _LN2_LOW
    # expm1(r) for |r| <= 0.347: Taylor to degree 13, error below 2e-17 relative
    p = r * (1.0 + r * (1.0 / 2.0 + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (
        1.0 / 120.0 + r * (1.0 / 720.0 + r * (1.0 / 5040.0 + r * (1.0 / 40320.0 + r * (
            1.0 / 362880.0 + r * (1.0 / 3628800.0 + r * (1.0 / 39916800.0 + r * (
                1.0 / 479001600.0 + r * (1.0 / 6227020800.0)))))))))))))
    scale = _pow2(k if k >= _K_MIN else _K_MIN)  # k in [-58, 0]; NaN must not reach an int
    m = scale * p + (scale - 1.0)
    return np.copysign(-m / (2.0 + m), x)  # tanh(-0.0) is -0.0


# float32 constants (a float64 literal would widen the arithmetic)
_F32 = np.float32
_SATURATION_32 = _F32(10.0)  # tanh(10) rounds to 1.0 in float32
_INV_LN2_32 = _F32(_INV_LN2)
_LN2_HIGH_32 = _F32(0.693145751953125)  # 16 significant bits: k * _LN2_HIGH_32 is exact
_LN2_LOW_32 = _F32(np.log(2.0) - 0.693145751953125)
_C2, _C3, _C4, _C5, _C6, _C7, _C8 = (_F32(1.0 / c) for c in (2, 6, 24, 120, 720, 5040, 40320))
_ZERO_32, _HALF_32, _ONE_32, _TWO_32, _MINUS_TWO_32 = (_F32(v) for v in (0, 0.5, 1, 2, -2))
_K_MIN_32 = _F32(-29.0)


@njit(**JIT_OPTIONS, **INTERNAL)
def _tanh32(x):
    """:func:`_tanh64` in float32: Taylor to degree 8 (error below 1e-9 relative)."""
    a = x if x >= _ZERO_32 else -x
    z = _MINUS_TWO_32 * (_SATURATION_32 if a > _SATURATION_32 else a)  # NaN passes
    k = np.floor(z * _INV_LN2_32 + _HALF_32)
    r = (z - k * _LN2_HIGH_32) - k * _LN2_LOW_32
    p = r * (_ONE_32 + r * (_C2 + r * (_C3 + r * (_C4 + r * (_C5 + r * (_C6 + r * (
        _C7 + r * _C8)))))))
    scale = _pow2(k if k >= _K_MIN_32 else _K_MIN_32)  # k in [-29, 0]
    m = scale * p + (scale - _ONE_32)
    return np.copysign(-m / (_TWO_32 + m), x)


def tanh(x):
    """Hyperbolic tangent, vectorisable (no libm call): to 3 units in the last place in
    float64, in float32 arithmetic for float32 ``x`` (Python: always the float64 one)."""
    return _tanh64(float(x))


@overload(tanh)
def _tanh_compiled(x):
    if x == types.float32:
        return lambda x: _tanh32(x)
    return lambda x: _tanh64(x)


@njit(**JIT_OPTIONS, **INTERNAL)
def derivative_from_output(a, code):
    """Derivative of activation ``code`` expressed through its output ``a``."""
    one = cast_like(1.0, a)
    if code == TANH:
        return one - a * a
    if code == LOGISTIC:
        return a * (one - a)
    if code == RELU:
        return one if a > 0.0 else cast_like(0.0, a)
    return one


@njit(**JIT_OPTIONS, **INTERNAL)
def activate_inplace(row, n, code):
    """Apply activation ``code`` to ``row[:n]``, with the branch outside the loops."""
    if code == TANH:
        for b in range(n):
            row[b] = tanh(row[b])
    elif code == LOGISTIC:
        half = cast_like(0.5, row)
        for b in range(n):
            row[b] = half + half * tanh(half * row[b])
    elif code == RELU:
        zero = cast_like(0.0, row)
        for b in range(n):
            row[b] = zero if row[b] < 0.0 else row[b]  # NaN stays NaN


@njit(**JIT_OPTIONS)
def activate_array(x, code):
    """Activation ``code`` over a 1-D array, as a new array (tests, Python-side callers)."""
    out = x.copy()
    activate_inplace(out, out.shape[0], code)
    return out
