"""NARX kernels: closed-loop forecasts from many origins at once, the loss gradient of
training windows (open loop or BPTT) and Levenberg–Marquardt's residuals and Jacobian.

The regressor and the open/closed-loop feedback are :mod:`.core`'s; the MLP is :mod:`.mlp`'s.
The batch (origins, training windows) is innermost in every buffer, so each arithmetic loop
vectorises, and independent chunks of origins run in parallel. Forecasts and the loss gradient
are one kernel (:func:`windows_chunks`), so that a first fit compiles the network's step once.
"""

import functools

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


def forecast(theta, layout, inputs_t, targets_t, origins, horizon, lower, upper, residuals, seed,
             out):
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
    chunks = -(-origins.shape[0] // CHUNK)
    if residuals.shape[0]:
        run_in_chunks(sample_chunks, chunks, theta, layout, inputs_t, targets_t, origins, horizon,
                      lower, upper, residuals, seed, out)
    else:
        run_in_chunks(windows_chunks, chunks, theta, layout, inputs_t, targets_t, origins, horizon,
                      True, lower, upper, _NONE, _NONE, out)


def loss_gradient(theta, layout, inputs_t, targets_t, origins, window, closed, weights, grad):
    """Mean squared error / 2 over windows and its gradient (BPTT), written into ``grad``.

    Window ``b`` forecasts targets ``origins[b] + 1 .. origins[b] + window``. With ``closed``
    the model's outputs are fed back inside the window and the gradient flows through that
    feedback (backpropagation through time); otherwise measured targets are fed back (teacher
    forcing, open loop). Step ``j``'s errors are weighted by ``weights[j]``. Returns the loss;
    ``grad`` is overwritten. Runs on the calling thread.
    """
    lower, upper = _unbounded(targets_t.shape[0])
    return windows_chunks(theta, layout, inputs_t, targets_t, origins, window, closed, lower, upper,
                          weights, grad, _NO_FORECASTS, _UNCLAIMED)


_NONE = np.empty(0)  # no weights, no gradient: a forecast
_NO_FORECASTS = np.empty((0, 0, 0))  # training: the kernel keeps its own
_UNCLAIMED = np.zeros(1, dtype=np.int64)  # training takes every chunk itself: never written


@functools.cache
def _unbounded(n_targets):
    """Bounds that hold nothing back (training sees the model as it is)."""
    return np.full(n_targets, -np.inf), np.full(n_targets, np.inf)


@njit(**GRADIENT_JIT_OPTIONS, nogil=True)
def windows_chunks(theta, layout, inputs_t, targets_t, origins, window, closed, lower, upper,
                   weights, grad, out, counter):
    """The network run over ``window`` steps from the chunks of ``CHUNK`` origins this thread
    claims from ``counter``: forecasts into ``out[:, :, chunk]`` held within ``[lower,
    upper]``, fed back in ``closed`` loop (:func:`forecast`); with a ``grad`` to fill (one
    thread, every chunk in turn, ``counter`` unused), also the loss of :func:`loss_gradient`
    (returned) and its gradient, the forecasts then in a buffer of its own (``out`` unused).

    Forecasting and training share this one kernel, so that the network's step (gather,
    layers, activations) is compiled once for both: a second kernel with the same step
    inlined cost ~0.5 s of a first fit's compilation (benchmarks/NOTES.md, 'the 3 s cold start').
    """
    sizes, unit_offsets = layout.sizes, layout.unit_offsets
    input_delays, feedback_delays = layout.input_delays, layout.target_delays
    n_origins = origins.shape[0]
    n_outputs = sizes[-1]
    out_row = unit_offsets[-1]
    n_rows = unit_offsets[-1] + sizes[-1]
    n_rows_input = input_delays.shape[0] * inputs_t.shape[0]
    training = grad.shape[0] > 0
    if training:
        out = np.empty((window, n_outputs, n_origins))
    scale = 1.0 / (n_origins * window * n_outputs)
    width = widest_layer(sizes)
    loss = 0.0
    for k in range(grad.shape[0]):  # a loop: a slice fill compiles NumPy's broadcasting
        grad[k] = 0.0
    chunk = -1
    while True:
        chunk = chunk + 1 if training else claim_chunk(counter)
        if chunk >= n_chunks(n_origins, CHUNK):
            break
        start, n_batch = chunk_bounds(chunk, CHUNK, n_origins)
        # training keeps every step's units for backpropagation; a forecast reuses one
        units = np.empty((window if training else 1, n_rows, n_batch))
        for step in range(window):
            step_units = units[step if training else 0]
            gather_regressors(inputs_t, targets_t, out, origins, start, n_batch, step,
                              input_delays, feedback_delays, closed, step_units)
            forward(theta, layout, step_units, n_batch)
            store_bounded(step_units, out_row, lower, upper, out[step], start, n_batch)
        if not training:
            continue
        d_forecasts = np.empty((window, n_outputs, n_batch))
        loss += squared_error(out, targets_t, origins, weights, start, n_batch, scale,
                              d_forecasts)
        delta = np.empty((width, n_batch))
        scratch = np.empty((width, n_batch))
        for step in range(window - 1, -1, -1):
            for i in range(n_outputs):  # element loops, not slice copies: see config.py
                for b in range(n_batch):
                    delta[i, b] = d_forecasts[step, i, b]
            d_inputs = backward(theta, layout, units[step], n_batch, delta, scratch, grad)
            if closed:
                route_feedback_gradient(d_inputs, n_rows_input, feedback_delays, step,
                                        d_forecasts)
    return loss


@njit(**JIT_OPTIONS, nogil=True)
def sample_chunks(theta, layout, inputs_t, targets_t, origins, horizon, lower, upper, residuals,
                  seed, out, counter):
    """:func:`forecast` with residuals (sample paths), of the chunks this thread claims
    from ``counter``: each chunk's draws from its own seed, whichever thread runs it (a kernel
    of its own, so that a plain forecast does not compile the random generator)."""
    sizes, unit_offsets = layout.sizes, layout.unit_offsets
    input_delays, feedback_delays = layout.input_delays, layout.target_delays
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
            forward(theta, layout, units, n_batch)
            for b in range(n_batch):
                drawn = np.random.randint(n_residuals)
                for i in range(n_targets):
                    units[out_row + i, b] += residuals[drawn, i]
            store_bounded(units, out_row, lower, upper, out[step], start, n_batch)


def residuals_jacobian(theta, layout, inputs_t, targets_t, origins, window, closed, residuals,
                       jacobian):
    """Residuals of window forecasts and their Jacobian, for Levenberg–Marquardt.

    ``residuals[j, i, b]`` is the forecast of target ``i`` at ``origins[b] + j + 1`` minus the
    measurement; ``jacobian[k, j, i, b]`` its derivative in ``theta[k]``. In closed loop the
    derivative includes the path through the fed-back forecasts (forward sensitivities:
    ``dy_j = df/dtheta + sum_d df/dy_{j-d} dy_{j-d}``). Chunks of ``CHUNK`` origins run on
    Numba's threads (:func:`.threads.run_in_chunks`).
    """
    run_in_chunks(residuals_jacobian_chunks, -(-origins.shape[0] // CHUNK), theta, layout, inputs_t,
                  targets_t, origins, window, closed, residuals, jacobian)


@njit(**JIT_OPTIONS, nogil=True)
def residuals_jacobian_chunks(theta, layout, inputs_t, targets_t, origins, window, closed,
                              residuals, jacobian, counter):
    """:func:`residuals_jacobian` of the chunks this thread claims from ``counter``."""
    sizes, unit_offsets = layout.sizes, layout.unit_offsets
    input_delays, feedback_delays = layout.input_delays, layout.target_delays
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
            forward(theta, layout, units, n_batch)
            for i in range(n_outputs):
                for b in range(n_batch):
                    residuals[step, i, start + b] = units[out_row + i, b]
                block = jacobian[:, step, i, start:start + n_batch]
                d_inputs = output_jacobian(theta, layout, units, n_batch, i, delta, scratch, block)
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
