"""NARX kernels: closed-loop forecasts from many origins at once, the loss gradient of
training windows (open loop or BPTT) and Levenberg–Marquardt's residuals and Jacobian.

The regressor and the open/closed-loop feedback are :mod:`.core`'s; the MLP is :mod:`.mlp`'s.
The batch (origins, training windows) is innermost in every buffer, so each arithmetic loop
vectorises, and independent chunks of origins run in parallel.
"""

import numpy as np
from numba import njit

from .config import CHUNK, GRADIENT_JIT_OPTIONS, JIT_OPTIONS
from .core import (
    chunk_bounds,
    claim_chunk,
    gather_regressors,
    n_chunks,
    route_feedback_gradient,
    squared_error,
    store_bounded,
    widest_layer,
)
from .mlp import backward, forward, output_jacobian
from .threads import run_in_chunks


def forecast(theta, sizes, weight_offsets, bias_offsets, unit_offsets, code,
             input_delays, feedback_delays, inputs_t, targets_t, origins, horizon, lower, upper,
             residuals, seed, out):
    """Closed-loop forecasts of ``horizon`` steps from every origin.

    ``out`` is ``(horizon, n_targets, n_origins)``; ``out[j, :, b]`` is the forecast of the target
    at ``origins[b] + j + 1``, held within ``[lower, upper]`` (per target) before it is fed back.
    The caller guarantees every index is inside the arrays (pad with NaN for targets past the
    end); NaN inputs give NaN forecasts.

    With ``residuals`` (n_residuals, n_targets; none: shape (0, n_targets)) each forecast is a
    sample path instead: a row of ``residuals`` drawn at random (a residual bootstrap) is added
    to every step's output before it is stored and fed back, so the spread grows through the
    model's own dynamics; repeat an origin in ``origins`` for several paths from it. Draws
    are seeded per chunk of origins from ``seed``: the same call gives the same paths.

    Chunks of ``CHUNK`` origins run on Numba's threads (:func:`.threads.run_in_chunks`).
    """
    kernel = sample_chunks if residuals.shape[0] else forecast_chunks
    run_in_chunks(kernel, -(-origins.shape[0] // CHUNK), theta, sizes, weight_offsets,
                  bias_offsets, unit_offsets, code, input_delays, feedback_delays, inputs_t,
                  targets_t, origins, horizon, lower, upper, residuals, seed, out)


@njit(**JIT_OPTIONS, nogil=True)
def forecast_chunks(theta, sizes, weight_offsets, bias_offsets, unit_offsets, code,
                    input_delays, feedback_delays, inputs_t, targets_t, origins, horizon, lower,
                    upper, residuals, seed, out, counter):
    """:func:`forecast` without residuals, of the chunks of ``CHUNK`` origins
    this thread claims from ``counter`` (no random generator to compile for a plain forecast)."""
    n_origins = origins.shape[0]
    out_row = unit_offsets[-1]
    units = np.empty((unit_offsets[-1] + sizes[-1], CHUNK))
    while True:
        chunk = claim_chunk(counter)
        if chunk >= n_chunks(n_origins, CHUNK):
            break
        start, n_batch = chunk_bounds(chunk, CHUNK, n_origins)
        for step in range(horizon):
            gather_regressors(inputs_t, targets_t, out, origins, start, n_batch, step,
                              input_delays, feedback_delays, np.bool_(True), units)
            forward(theta, sizes, weight_offsets, bias_offsets, unit_offsets, code, units,
                    n_batch)
            store_bounded(units, out_row, lower, upper, out[step], start, n_batch)


@njit(**JIT_OPTIONS, nogil=True)
def sample_chunks(theta, sizes, weight_offsets, bias_offsets, unit_offsets, code,
                  input_delays, feedback_delays, inputs_t, targets_t, origins, horizon, lower,
                  upper, residuals, seed, out, counter):
    """:func:`forecast` with residuals (sample paths), of the chunks this thread claims
    from ``counter``: each chunk's draws from its own seed, whichever thread runs it."""
    n_origins = origins.shape[0]
    n_residuals = residuals.shape[0]
    n_targets = out.shape[1]
    out_row = unit_offsets[-1]
    units = np.empty((unit_offsets[-1] + sizes[-1], CHUNK))
    while True:
        chunk = claim_chunk(counter)
        if chunk >= n_chunks(n_origins, CHUNK):
            break
        start, n_batch = chunk_bounds(chunk, CHUNK, n_origins)
        np.random.seed(seed + chunk)  # this thread's generator, for this chunk's draws
        for step in range(horizon):
            gather_regressors(inputs_t, targets_t, out, origins, start, n_batch, step,
                              input_delays, feedback_delays, np.bool_(True), units)
            forward(theta, sizes, weight_offsets, bias_offsets, unit_offsets, code, units,
                    n_batch)
            for b in range(n_batch):
                drawn = np.random.randint(n_residuals)
                for i in range(n_targets):
                    units[out_row + i, b] += residuals[drawn, i]
            store_bounded(units, out_row, lower, upper, out[step], start, n_batch)


@njit(**GRADIENT_JIT_OPTIONS)
def loss_gradient(theta, sizes, weight_offsets, bias_offsets, unit_offsets, code,
                  input_delays, feedback_delays, inputs_t, targets_t, origins, window, closed,
                  weights, grad):
    """Mean squared error / 2 over windows and its gradient (BPTT), written into ``grad``.

    Window ``b`` forecasts targets ``origins[b] + 1 .. origins[b] + window``. With ``closed``
    the model's outputs are fed back inside the window and the gradient flows through that
    feedback (backpropagation through time); otherwise measured targets are fed back (teacher
    forcing, open loop). Step ``j``'s errors are weighted by ``weights[j]``. Returns the loss;
    ``grad`` is overwritten.
    """
    n_batch = origins.shape[0]
    n_outputs = sizes[-1]
    out_row = unit_offsets[-1]
    n_rows_input = input_delays.shape[0] * inputs_t.shape[0]
    units = np.empty((window, unit_offsets[-1] + sizes[-1], n_batch))
    forecasts = np.empty((window, n_outputs, n_batch))
    for step in range(window):
        gather_regressors(inputs_t, targets_t, forecasts, origins, np.int64(0), n_batch, step,
                          input_delays, feedback_delays, closed, units[step])
        forward(theta, sizes, weight_offsets, bias_offsets, unit_offsets, code, units[step],
                n_batch)
        for i in range(n_outputs):  # element loops, not slice copies: see config.py
            for b in range(n_batch):
                forecasts[step, i, b] = units[step, out_row + i, b]

    d_forecasts = np.empty((window, n_outputs, n_batch))
    loss = squared_error(forecasts, targets_t, origins, weights, d_forecasts)
    for k in range(grad.shape[0]):  # a loop: a slice fill compiles NumPy's broadcasting
        grad[k] = 0.0
    width = widest_layer(sizes)
    delta = np.empty((width, n_batch))
    scratch = np.empty((width, n_batch))
    for step in range(window - 1, -1, -1):
        for i in range(n_outputs):
            for b in range(n_batch):
                delta[i, b] = d_forecasts[step, i, b]
        d_inputs = backward(theta, sizes, weight_offsets, bias_offsets, unit_offsets, code,
                            units[step], n_batch, delta, scratch, grad)
        if closed:
            route_feedback_gradient(d_inputs, n_rows_input, feedback_delays, step,
                                    d_forecasts)
    return loss


def residuals_jacobian(theta, sizes, weight_offsets, bias_offsets, unit_offsets, code,
                       input_delays, feedback_delays, inputs_t, targets_t, origins, window,
                       closed, residuals, jacobian):
    """Residuals of window forecasts and their Jacobian, for Levenberg–Marquardt.

    ``residuals[j, i, b]`` is the forecast of target ``i`` at ``origins[b] + j + 1`` minus the
    measurement; ``jacobian[k, j, i, b]`` its derivative in ``theta[k]``. In closed loop the
    derivative includes the path through the fed-back forecasts (forward sensitivities:
    ``dy_j = df/dtheta + sum_d df/dy_{j-d} dy_{j-d}``). Chunks of ``CHUNK`` origins run on
    Numba's threads (:func:`.threads.run_in_chunks`).
    """
    run_in_chunks(residuals_jacobian_chunks, -(-origins.shape[0] // CHUNK), theta, sizes,
                  weight_offsets, bias_offsets, unit_offsets, code, input_delays,
                  feedback_delays, inputs_t, targets_t, origins, window, closed, residuals,
                  jacobian)


@njit(**JIT_OPTIONS, nogil=True)
def residuals_jacobian_chunks(theta, sizes, weight_offsets, bias_offsets, unit_offsets, code,
                              input_delays, feedback_delays, inputs_t, targets_t, origins,
                              window, closed, residuals, jacobian, counter):
    """:func:`residuals_jacobian` of the chunks this thread claims from ``counter``."""
    n_origins = origins.shape[0]
    n_outputs = sizes[-1]
    n_params = jacobian.shape[0]
    out_row = unit_offsets[-1]
    n_rows_input = input_delays.shape[0] * inputs_t.shape[0]
    width = widest_layer(sizes)
    while True:
        chunk = claim_chunk(counter)
        if chunk >= n_chunks(n_origins, CHUNK):
            break
        start, n_batch = chunk_bounds(chunk, CHUNK, n_origins)
        units = np.empty((unit_offsets[-1] + sizes[-1], n_batch))
        delta = np.empty((width, n_batch))
        scratch = np.empty((width, n_batch))
        for step in range(window):
            gather_regressors(inputs_t, targets_t, residuals, origins, start, n_batch,
                              step, input_delays, feedback_delays, closed, units)
            forward(theta, sizes, weight_offsets, bias_offsets, unit_offsets, code, units,
                    n_batch)
            for i in range(n_outputs):
                for b in range(n_batch):
                    residuals[step, i, start + b] = units[out_row + i, b]
                block = jacobian[:, step, i, start:start + n_batch]
                d_inputs = output_jacobian(theta, sizes, weight_offsets, bias_offsets,
                                           unit_offsets, code, units, n_batch, i, delta,
                                           scratch, block)
                if not closed:
                    continue
                row = n_rows_input
                for d in feedback_delays:
                    for fed in range(n_outputs):
                        if step - d >= 0:  # a fed-back forecast of this window
                            sensitivity = d_inputs[row]
                            earlier = jacobian[:, step - d, fed, start:start + n_batch]
                            for k in range(n_params):
                                for b in range(n_batch):
                                    block[k, b] += sensitivity[b] * earlier[k, b]
                        row += 1
        for step in range(window):
            for i in range(n_outputs):
                series = targets_t[i]
                for b in range(n_batch):
                    residuals[step, i, start + b] -= series[origins[start + b] + step + 1]
