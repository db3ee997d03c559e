"""Recurrent kernels (Elman): open-loop state runs, forecasts from many origins, BPTT.

θ holds, per layer ``l``, PyTorch's ``weight_ih_l{l}`` (gates x inputs, row-major),
``weight_hh_l{l}`` (gates x hidden), ``bias_ih_l{l}`` and ``bias_hh_l{l}``, at the offsets
``offsets[l, 0..3]``, then the linear head's weight (outputs x hidden) and bias at
``head[0..1]``. ``sizes`` is ``[n_inputs, h_1, ..., h_L, n_outputs]``.

States are ``(n_layers, max_hidden, batch)`` with the batch innermost; the network's input at
target time ``t`` is the NARX regressor of ``t`` (delayed exogenous inputs, then fed-back
targets: measured in open loop, the model's own forecasts in closed loop), gathered by
:func:`narxcast.kernels.narx._gather_regressors`.
"""

import numpy as np
from numba import njit, prange

from .activations import GRADIENT_JIT_OPTIONS, JIT_OPTIONS, TANH, activate_inplace
from .narx import CHUNK, _gather_regressors


@njit(**JIT_OPTIONS)
def _accumulate(theta, offset, n_columns, row_index, source, n_rows, row, n_batch):
    """``row[:n_batch] += W[row_index, :n_rows] @ source[:n_rows, :n_batch]``."""
    base = offset + row_index * n_columns
    for i in range(n_rows):
        w = theta[base + i]
        column = source[i]
        for b in range(n_batch):
            row[b] += w * column[b]


@njit(**JIT_OPTIONS)
def _elman_layer(theta, offsets, layer, n_in, n_hidden, x, h_previous, h, n_batch):
    """h = tanh(W_ih x + b_ih + W_hh h_previous + b_hh)."""
    w_ih, w_hh, b_ih, b_hh = offsets[layer, 0], offsets[layer, 1], offsets[layer, 2], offsets[
        layer, 3]
    for g in range(n_hidden):
        row = h[g]
        bias = theta[b_ih + g] + theta[b_hh + g]
        for b in range(n_batch):
            row[b] = bias
        _accumulate(theta, w_ih, n_in, g, x, n_in, row, n_batch)
        _accumulate(theta, w_hh, n_hidden, g, h_previous, n_hidden, row, n_batch)
        activate_inplace(row, n_batch, TANH)


@njit(**JIT_OPTIONS)
def _step(theta, sizes, offsets, x, h_previous, h, n_batch):
    """One time step of the stack: ``h[l]`` from ``h_previous[l]`` and the layer below."""
    n_layers = sizes.shape[0] - 2
    for layer in range(n_layers):
        below = x if layer == 0 else h[layer - 1]
        _elman_layer(theta, offsets, layer, sizes[layer], sizes[layer + 1], below,
                     h_previous[layer], h[layer], n_batch)


@njit(**JIT_OPTIONS)
def _head(theta, head, n_hidden, n_outputs, top, out, n_batch):
    """out[k] = head.bias[k] + head.weight[k] @ top."""
    for k in range(n_outputs):
        row = out[k]
        bias = theta[head[1] + k]
        for b in range(n_batch):
            row[b] = bias
        _accumulate(theta, head[0], n_hidden, k, top, n_hidden, row, n_batch)


@njit(**JIT_OPTIONS)
def open_loop_states(theta, sizes, offsets, input_delays, target_delays, inputs_t, targets_t,
                     first, initial, states):
    """Run the stack over measured data from ``initial`` (layers x width) at the step of
    target ``first``: ``states[:, :, t]`` is the state after the step of target ``t``, and
    ``initial`` before ``first``."""
    n = states.shape[2]
    n_layers, width = states.shape[0], states.shape[1]
    origin = np.empty(1, dtype=np.int64)
    units = np.empty((sizes[0], 1))
    h_previous = np.empty((n_layers, width, 1))
    h_previous[:, :, 0] = initial
    h = np.zeros((n_layers, width, 1))
    unused = np.empty((0, 0, 0))
    for t in range(first):
        states[:, :, t] = initial
    for t in range(first, n):
        origin[0] = t - 1
        _gather_regressors(inputs_t, targets_t, unused, origin, 0, 1, 0, input_delays,
                           target_delays, False, units)
        _step(theta, sizes, offsets, units, h_previous, h, 1)
        states[:, :, t] = h[:, :, 0]
        h_previous, h = h, h_previous


@njit(**JIT_OPTIONS, parallel=True)
def forecast(theta, sizes, offsets, head, input_delays, target_delays, inputs_t, targets_t,
             initial_states, origins, horizon, out):
    """Closed-loop forecasts of ``horizon`` steps from every origin.

    ``initial_states[:, :, b]`` is the state at ``origins[b]``; ``out`` is
    ``(horizon, n_targets, n_origins)`` with ``out[j, :, b]`` the forecast of the target at
    ``origins[b] + j + 1``. Indices must stay inside the arrays (pad with NaN).
    """
    n_origins = origins.shape[0]
    n_layers = sizes.shape[0] - 2
    n_outputs = sizes[-1]
    width = initial_states.shape[1]
    n_chunks = (n_origins + CHUNK - 1) // CHUNK
    for chunk in prange(n_chunks):
        start = chunk * CHUNK
        n_batch = min(CHUNK, n_origins - start)
        h_previous = np.ascontiguousarray(initial_states[:, :, start:start + n_batch])
        h = np.empty((n_layers, width, n_batch))
        units = np.empty((sizes[0], n_batch))
        predictions = out[:, :, start:start + n_batch]
        head_out = np.empty((n_outputs, n_batch))
        for step in range(horizon):
            _gather_regressors(inputs_t, targets_t, predictions, origins, start, n_batch, step,
                               input_delays, target_delays, True, units)
            _step(theta, sizes, offsets, units, h_previous, h, n_batch)
            _head(theta, head, sizes[-2], n_outputs, h[n_layers - 1], head_out, n_batch)
            predictions[step] = head_out
            h_previous, h = h, h_previous


@njit(**GRADIENT_JIT_OPTIONS)
def _accumulate_transposed(theta, offset, n_columns, n_rows, delta, n_batch, column_index,
                           out):
    """``out[:n_batch] += W[:n_rows, column_index] @ delta[:n_rows, :n_batch]``."""
    for g in range(n_rows):
        w = theta[offset + g * n_columns + column_index]
        row = delta[g]
        for b in range(n_batch):
            out[b] += w * row[b]


@njit(**GRADIENT_JIT_OPTIONS)
def _outer(grad, offset, n_columns, row_index, delta_row, source, n_rows, n_batch):
    """``grad[W[row_index, :n_rows]] += delta_row @ source[:n_rows].T``."""
    base = offset + row_index * n_columns
    for i in range(n_rows):
        column = source[i]
        s = 0.0
        for b in range(n_batch):
            s += delta_row[b] * column[b]
        grad[base + i] += s


@njit(**GRADIENT_JIT_OPTIONS)
def loss_gradient(theta, sizes, offsets, head, input_delays, target_delays, inputs_t, targets_t,
                  origins, burn_in, horizon, closed, grad):
    """Mean squared error / 2 of windows and its gradient by backpropagation through time.

    Window ``b`` starts from a zero state at target ``origins[b] - burn_in + 1``, runs
    ``burn_in`` unscored steps on measured data, then ``horizon`` scored steps for the targets
    ``origins[b] + 1 ..``, fed back from measurements (open loop) or from its own forecasts
    (``closed``). Returns the loss; ``grad`` is overwritten.
    """
    n_batch = origins.shape[0]
    n_layers = sizes.shape[0] - 2
    n_inputs = sizes[0]
    n_outputs = sizes[-1]
    width = 1
    for layer in range(n_layers):
        width = max(width, sizes[layer + 1])
    top = sizes[-2]
    steps = burn_in + horizon
    starts = origins - burn_in
    xs = np.empty((steps, n_inputs, n_batch))
    hs = np.zeros((steps + 1, n_layers, width, n_batch))
    predictions = np.empty((horizon, n_outputs, n_batch))
    for k in range(steps):
        scored = k - burn_in
        if scored >= 0:
            _gather_regressors(inputs_t, targets_t, predictions, origins, 0, n_batch, scored,
                               input_delays, target_delays, closed, xs[k])
        else:
            _gather_regressors(inputs_t, targets_t, predictions, starts, 0, n_batch, k,
                               input_delays, target_delays, False, xs[k])
        _step(theta, sizes, offsets, xs[k], hs[k], hs[k + 1], n_batch)
        if scored >= 0:
            _head(theta, head, top, n_outputs, hs[k + 1, n_layers - 1], predictions[scored],
                  n_batch)

    scale = 1.0 / (n_batch * horizon * n_outputs)
    loss = 0.0
    d_predictions = np.empty((horizon, n_outputs, n_batch))
    for j in range(horizon):
        for i in range(n_outputs):
            series = targets_t[i]
            for b in range(n_batch):
                error = predictions[j, i, b] - series[origins[b] + j + 1]
                loss += error * error
                d_predictions[j, i, b] = error * scale

    grad[:] = 0.0
    dh = np.zeros((n_layers, width, n_batch))  # dLoss/dh of the current step
    dh_next = np.zeros((n_layers, width, n_batch))  # carried to the previous step
    dz = np.empty((width, n_batch))
    dx = np.empty((n_inputs, n_batch))
    n_input_rows = input_delays.shape[0] * inputs_t.shape[0]
    for k in range(steps - 1, -1, -1):
        scored = k - burn_in
        dh[:] = dh_next
        dh_next[:] = 0.0
        if scored >= 0:
            d_out = d_predictions[scored]
            h_top = hs[k + 1, n_layers - 1]
            for o in range(n_outputs):
                s = 0.0
                for b in range(n_batch):
                    s += d_out[o, b]
                grad[head[1] + o] += s
                _outer(grad, head[0], top, o, d_out[o], h_top, top, n_batch)
            for j in range(top):
                _accumulate_transposed(theta, head[0], top, n_outputs, d_out, n_batch, j,
                                       dh[n_layers - 1, j])
        for layer in range(n_layers - 1, -1, -1):
            n_hidden = sizes[layer + 1]
            n_in = sizes[layer]
            h = hs[k + 1, layer]
            h_previous = hs[k, layer]
            below = xs[k] if layer == 0 else hs[k + 1, layer - 1]
            w_ih, w_hh, b_ih, b_hh = (offsets[layer, 0], offsets[layer, 1], offsets[layer, 2],
                                      offsets[layer, 3])
            for g in range(n_hidden):
                dh_g = dh[layer, g]
                h_g = h[g]
                dz_g = dz[g]
                s = 0.0
                for b in range(n_batch):
                    dz_g[b] = dh_g[b] * (1.0 - h_g[b] * h_g[b])
                    s += dz_g[b]
                grad[b_ih + g] += s
                grad[b_hh + g] += s
                _outer(grad, w_ih, n_in, g, dz_g, below, n_in, n_batch)
                _outer(grad, w_hh, n_hidden, g, dz_g, h_previous, n_hidden, n_batch)
            for j in range(n_hidden):
                _accumulate_transposed(theta, w_hh, n_hidden, n_hidden, dz, n_batch, j,
                                       dh_next[layer, j])
            if layer > 0:
                for i in range(n_in):
                    _accumulate_transposed(theta, w_ih, n_in, n_hidden, dz, n_batch, i,
                                           dh[layer - 1, i])
            elif closed and scored >= 1:
                dx[:] = 0.0
                for i in range(n_input_rows, n_inputs):
                    _accumulate_transposed(theta, w_ih, n_in, n_hidden, dz, n_batch, i, dx[i])
                row = n_input_rows
                for delay in target_delays:
                    lead = scored + 1 - delay
                    for i in range(n_outputs):
                        if lead >= 1:
                            d_predictions[lead - 1, i] += dx[row]
                        row += 1
    return 0.5 * loss * scale
