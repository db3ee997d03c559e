"""One mini-batch's update in one call: penalty and clipping of the gradient, Adam and SGD steps.

In NumPy each of these is a handful of passes over θ at ~1-2 us a call, ~50 us a mini-batch:
an eighth of a small LSTM's epoch (benchmarks/NOTES.md). The expressions are NumPy's, in the
same order, without fused multiply-adds.
"""

import numpy as np
from numba import njit

from .config import OPTIMIZER_JIT_OPTIONS as OPTIONS


@njit(**OPTIONS, inline="always")
def penalise_and_clip(theta, grad, weight_mask, alpha, clip_norm):
    """Add the L2 penalty ``alpha / 2 * ||theta[weight_mask]||^2``'s gradient to ``grad``,
    rescale ``grad`` to norm ``clip_norm`` when it is longer (``inf``: never); return the
    penalty, or NaN when ``grad`` is not finite (then ``grad`` is left unclipped)."""
    squares = 0.0
    norm2 = 0.0
    for i in range(theta.shape[0]):
        if weight_mask[i]:
            squares += theta[i] * theta[i]
            grad[i] += alpha * theta[i]
        norm2 += grad[i] * grad[i]
    if not np.isfinite(norm2):
        return np.nan
    norm = np.sqrt(norm2)
    if norm > clip_norm:
        scale = clip_norm / norm
        for i in range(grad.shape[0]):
            grad[i] *= scale
    return 0.5 * alpha * squares


@njit(**OPTIONS)
def adam_step(theta, grad, weight_mask, alpha, clip_norm, first_moment, second_moment, beta_1,
              beta_2, epsilon, rate):
    """:func:`penalise_and_clip`, then Adam's moment updates and step
    ``theta -= rate * m / (sqrt(v) + epsilon)`` in place. Returns the penalty; NaN, and no
    step, when ``grad`` is not finite."""
    penalty = penalise_and_clip(theta, grad, weight_mask, alpha, clip_norm)
    if np.isnan(penalty):
        return penalty
    for i in range(theta.shape[0]):
        g = grad[i]
        first_moment[i] = beta_1 * first_moment[i] + (1 - beta_1) * g
        second_moment[i] = beta_2 * second_moment[i] + (1 - beta_2) * g * g
        theta[i] -= rate * first_moment[i] / (np.sqrt(second_moment[i]) + epsilon)
    return penalty


@njit(**OPTIONS)
def sgd_step(theta, grad, weight_mask, alpha, clip_norm, velocity, learning_rate, momentum,
             nesterov):
    """:func:`penalise_and_clip`, then momentum SGD's velocity update and step in place
    (Nesterov's form if ``nesterov``). Returns the penalty; NaN, and no step, when ``grad`` is
    not finite."""
    penalty = penalise_and_clip(theta, grad, weight_mask, alpha, clip_norm)
    if np.isnan(penalty):
        return penalty
    for i in range(theta.shape[0]):
        velocity[i] = momentum * velocity[i] - learning_rate * grad[i]
        if nesterov:
            theta[i] += momentum * velocity[i] - learning_rate * grad[i]
        else:
            theta[i] += velocity[i]
    return penalty
