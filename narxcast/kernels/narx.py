"""NARX kernels: forecasts from many origins at once and BPTT loss gradients.

Notation. ``inputs_t`` is ``(n_features, n_times)`` and ``targets_t`` ``(n_targets, n_times)``
(time innermost, scaled units). The regressor for target time ``t`` is, row by row,
``x[f, t - d]`` for ``d`` in ``input_delays`` (then ``f``), followed by ``y[i, t - k]`` for ``k``
in ``feedback_delays`` (then ``i``). A forecast made at origin ``o`` knows ``y`` up to time ``o``
and ``x`` up to the target time; the forecast of step ``j`` (target ``o + j + 1``) feeds back
measured ``y`` where ``t - k <= o`` and its own forecasts otherwise (closed loop).

The batch (origins, training windows) is innermost in every buffer, so each arithmetic loop
vectorises, and independent chunks of origins run in parallel.
"""

import numpy as np
from numba import njit, prange

from .activations import GRADIENT_JIT_OPTIONS, JIT_OPTIONS
from .mlp import backward, forward, output_jacobian

CHUNK = 256  # origins per parallel task: keeps one chunk's buffers in L1/L2


@njit(**JIT_OPTIONS)
def _gather_regressors(inputs_t, targets_t, predictions, origins, start, n_batch, step,
                       input_delays, feedback_delays, closed, units):
    """Write the regressors for forecast step ``step`` of origins[start:start + n_batch]."""
    n_features = inputs_t.shape[0]
    n_targets = targets_t.shape[0]
    row = 0
    for d in input_delays:
        for f in range(n_features):
            for b in range(n_batch):
                units[row, b] = inputs_t[f, origins[start + b] + step + 1 - d]
            row += 1
    for k in feedback_delays:
        lead = step + 1 - k  # >= 1: the value is the model's own forecast of that lead
        for i in range(n_targets):
            if closed and lead >= 1:
                for b in range(n_batch):
                    units[row, b] = predictions[lead - 1, i, b]
            else:
                for b in range(n_batch):
                    units[row, b] = targets_t[i, origins[start + b] + step + 1 - k]
            row += 1


@njit(**JIT_OPTIONS, parallel=True)
def forecast(theta, sizes, weight_offsets, bias_offsets, unit_offsets, code,
             input_delays, feedback_delays, inputs_t, targets_t, origins, horizon, out):
    """Closed-loop forecasts of ``horizon`` steps from every origin.

    ``out`` is ``(horizon, n_targets, n_origins)``; ``out[j, :, b]`` is the forecast of the target
    at ``origins[b] + j + 1``. The caller guarantees every index is inside the arrays (pad with
    NaN for targets past the end); NaN inputs give NaN forecasts.
    """
    n_origins = origins.shape[0]
    n_outputs = sizes[-1]
    out_row = unit_offsets[-1]
    n_units = unit_offsets[-1] + n_outputs
    n_chunks = (n_origins + CHUNK - 1) // CHUNK
    for chunk in prange(n_chunks):
        start = chunk * CHUNK
        n_batch = min(CHUNK, n_origins - start)
        units = np.empty((n_units, n_batch))
        predictions = out[:, :, start:start + n_batch]
        for step in range(horizon):
            _gather_regressors(inputs_t, targets_t, predictions, origins, start, n_batch, step,
                               input_delays, feedback_delays, True, units)
            forward(theta, sizes, weight_offsets, bias_offsets, unit_offsets, code, units,
                    n_batch)
            for i in range(n_outputs):
                predictions[step, i, :] = units[out_row + i, :n_batch]


@njit(**GRADIENT_JIT_OPTIONS)
def squared_error(predictions, targets_t, origins, d_predictions):
    """Mean squared error / 2 of window forecasts (horizon, n_targets, n_windows) against
    ``targets_t[:, origins + step + 1]``; its gradient goes into ``d_predictions``."""
    horizon, n_outputs, n_batch = predictions.shape
    scale = 1.0 / (n_batch * horizon * n_outputs)
    loss = 0.0
    for step in range(horizon):
        for i in range(n_outputs):
            series = targets_t[i]
            for b in range(n_batch):
                error = predictions[step, i, b] - series[origins[b] + step + 1]
                loss += error * error
                d_predictions[step, i, b] = error * scale
    return 0.5 * loss * scale


@njit(**GRADIENT_JIT_OPTIONS)
def route_feedback_gradient(d_inputs, first_row, feedback_delays, step, d_predictions):
    """Closed loop: the gradient reaching the fed-back rows of step ``step``'s input (from
    ``first_row`` on, delay-major) belongs to the forecasts they were: add it there."""
    n_outputs = d_predictions.shape[1]
    row = first_row
    for k in feedback_delays:
        lead = step + 1 - k
        for i in range(n_outputs):
            if lead >= 1:
                d_predictions[lead - 1, i] += d_inputs[row]
            row += 1


@njit(**GRADIENT_JIT_OPTIONS)
def loss_gradient(theta, sizes, weight_offsets, bias_offsets, unit_offsets, code,
                  input_delays, feedback_delays, inputs_t, targets_t, origins, horizon, closed,
                  grad):
    """Mean squared error / 2 over windows and its gradient (BPTT), written into ``grad``.

    Window ``b`` forecasts targets ``origins[b] + 1 .. origins[b] + horizon``. With ``closed``
    the model's outputs are fed back inside the window and the gradient flows through that
    feedback (backpropagation through time); otherwise measured targets are fed back (teacher
    forcing, open loop). Returns the loss; ``grad`` is overwritten.
    """
    n_batch = origins.shape[0]
    n_outputs = sizes[-1]
    out_row = unit_offsets[-1]
    n_units = unit_offsets[-1] + n_outputs
    n_rows_input = input_delays.shape[0] * inputs_t.shape[0]
    units = np.empty((horizon, n_units, n_batch))
    predictions = np.empty((horizon, n_outputs, n_batch))
    for step in range(horizon):
        _gather_regressors(inputs_t, targets_t, predictions, origins, 0, n_batch, step,
                           input_delays, feedback_delays, closed, units[step])
        forward(theta, sizes, weight_offsets, bias_offsets, unit_offsets, code, units[step],
                n_batch)
        predictions[step] = units[step, out_row:out_row + n_outputs]

    d_predictions = np.empty((horizon, n_outputs, n_batch))
    loss = squared_error(predictions, targets_t, origins, d_predictions)
    grad[:] = 0.0
    width = max(sizes.max(), 1)
    delta = np.empty((width, n_batch))
    scratch = np.empty((width, n_batch))
    for step in range(horizon - 1, -1, -1):
        delta[:n_outputs] = d_predictions[step]
        d_inputs = backward(theta, sizes, weight_offsets, bias_offsets, unit_offsets, code,
                            units[step], n_batch, delta, scratch, grad)
        if closed:
            route_feedback_gradient(d_inputs, n_rows_input, feedback_delays, step,
                                    d_predictions)
    return loss


@njit(**JIT_OPTIONS, parallel=True)
def residuals_jacobian(theta, sizes, weight_offsets, bias_offsets, unit_offsets, code,
                       input_delays, feedback_delays, inputs_t, targets_t, origins, horizon,
                       closed, residuals, jacobian):
    """Residuals of window forecasts and their Jacobian, for Levenberg–Marquardt.

    ``residuals[j, i, b]`` is the forecast of target ``i`` at ``origins[b] + j + 1`` minus the
    measurement; ``jacobian[k, j, i, b]`` its derivative in ``theta[k]``. In closed loop the
    derivative includes the path through the fed-back forecasts (forward sensitivities:
    ``dy_j = df/dtheta + sum_d df/dy_{j-d} dy_{j-d}``).
    """
    n_origins = origins.shape[0]
    n_outputs = sizes[-1]
    n_params = jacobian.shape[0]
    out_row = unit_offsets[-1]
    n_units = unit_offsets[-1] + n_outputs
    n_rows_input = input_delays.shape[0] * inputs_t.shape[0]
    width = max(sizes.max(), 1)
    for chunk in prange((n_origins + CHUNK - 1) // CHUNK):
        start = chunk * CHUNK
        n_batch = min(CHUNK, n_origins - start)
        units = np.empty((n_units, n_batch))
        delta = np.empty((width, n_batch))
        scratch = np.empty((width, n_batch))
        predictions = residuals[:, :, start:start + n_batch]
        for step in range(horizon):
            _gather_regressors(inputs_t, targets_t, predictions, origins, start, n_batch,
                               step, input_delays, feedback_delays, closed, units)
            forward(theta, sizes, weight_offsets, bias_offsets, unit_offsets, code, units,
                    n_batch)
            for i in range(n_outputs):
                predictions[step, i] = units[out_row + i, :n_batch]
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
        for step in range(horizon):
            for i in range(n_outputs):
                series = targets_t[i]
                for b in range(n_batch):
                    predictions[step, i, b] -= series[origins[start + b] + step + 1]
