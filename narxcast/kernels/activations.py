"""Activation functions for the hot loops, written so that LLVM vectorises them.

libm's ``tanh`` and ``exp`` are scalar calls that stop a loop from vectorising (Numba's
SVML path is off in the PyPI llvmlite), so ``tanh`` here is built from arithmetic only:

    tanh(x) = sign(x) * m / (m + 2),   m = expm1(2|x|)

with ``expm1`` evaluated as a Taylor polynomial at ``2|x| / 128`` and brought back by seven
doublings ``u <- u (2 + u)`` (``e^{2a} - 1 = (e^a - 1)(e^a + 1)``). Every step is
relative-error preserving, so the result agrees with ``np.tanh`` to a few units in the last
place over the whole real line (tested in ``tests/test_activations.py``). Derivatives are
computed from the activation's output, so gradients are exact for the function computed.

Codes (ints, so kernels never see strings): 0 identity, 1 tanh, 2 logistic, 3 relu.
"""

import numpy as np
from numba import njit

# error_model="numpy": a float division must not branch to raise ZeroDivisionError, which
# stops vectorisation; "contract" lets LLVM fuse multiply-adds. No "nnan": NaN must propagate.
JIT_OPTIONS = {"cache": True, "error_model": "numpy", "fastmath": {"contract"}}
# Gradient sums over the batch may be reassociated so that the reductions vectorise.
GRADIENT_JIT_OPTIONS = {"cache": True, "error_model": "numpy", "fastmath": {"contract", "reassoc"}}

IDENTITY, TANH, LOGISTIC, RELU = 0, 1, 2, 3
ACTIVATION_CODES = {"identity": IDENTITY, "tanh": TANH, "logistic": LOGISTIC, "relu": RELU}

_SATURATION = 20.0  # tanh(20) rounds to 1.0 in float64


@njit(**JIT_OPTIONS, inline="always")
def tanh(x):
    """Hyperbolic tangent to a few ulp, vectorisable (no libm call)."""
    a = x if x >= 0.0 else -x
    a = a if a < _SATURATION else _SATURATION
    y = a * (2.0 / 128.0)
    # expm1(y) for 0 <= y <= 0.3125: Taylor to degree 13, error below 1e-17 relative
    u = y * (1.0 + y * (1.0 / 2.0 + y * (1.0 / 6.0 + y * (1.0 / 24.0 + y * (
        1.0 / 120.0 + y * (1.0 / 720.0 + y * (1.0 / 5040.0 + y * (1.0 / 40320.0 + y * (
            1.0 / 362880.0 + y * (1.0 / 3628800.0 + y * (1.0 / 39916800.0 + y * (
                1.0 / 479001600.0 + y * (1.0 / 6227020800.0)))))))))))))
    u = u * (2.0 + u)
    u = u * (2.0 + u)
    u = u * (2.0 + u)
    u = u * (2.0 + u)
    u = u * (2.0 + u)
    u = u * (2.0 + u)
    u = u * (2.0 + u)
    t = u / (u + 2.0)
    t = t if x == x else x  # NaN stays NaN (the clamp above would make it 20)
    return t if x >= 0.0 else -t


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
