"""Backpropagation through time of the recurrent stacks (:mod:`.recurrent`): the loss of
training windows and its gradient, in one call per mini-batch or in parallel parts of it.

A window runs ``burn_in`` unscored steps from a zero state, then ``window`` scored ones fed
back from measurements (open loop) or from its own forecasts (closed loop); the forward pass
keeps every step's input, states and gates, the backward pass walks them in reverse.
"""

import numpy as np
from numba import njit, prange

from .activations import cast_like
from .blas import gemm
from .config import GRADIENT_JIT_OPTIONS, INTERNAL, PARALLEL_MIN_WORK, PART
from .core import gather_regressors, route_feedback_gradient, squared_error
from .recurrent import (
    B_HH,
    B_IH,
    CELL_BLOCKS,
    ELMAN,
    GATE_BLOCKS,
    GRU,
    HEAD_BIAS,
    HEAD_WEIGHT,
    LSTM,
    PEEPHOLE,
    W_HH,
    W_IH,
    _blocks5,
    _head,
    _step,
    _transposed_weights,
    scratch_rows,
    state_width,
    uses_blas,
)


def runs_in_parts(sizes, cell):
    """Whether training mini-batches of this network run as parallel parts
    (:func:`batch_loss_gradient`) rather than in one call (:func:`loss_gradient`)."""
    gate_blocks = int(CELL_BLOCKS[cell, GATE_BLOCKS])
    work = sum(gate_blocks * int(sizes[k + 1]) * int(sizes[k] + sizes[k + 1])
               for k in range(len(sizes) - 2))
    return work >= PARALLEL_MIN_WORK


@njit(**GRADIENT_JIT_OPTIONS, **INTERNAL)
def _accumulate_transposed(theta, offset, n_columns, column, n_terms, delta, out, out_row,
                           n_batch):
    """``out[out_row, :n_batch] += W[:n_terms, column] @ delta[:n_terms, :n_batch]`` (the
    weight as in :func:`_accumulate`)."""
    for g in range(n_terms):
        w = theta[offset + g * n_columns + column]
        for b in range(n_batch):
            out[out_row, b] += w * delta[g, b]


@njit(**GRADIENT_JIT_OPTIONS, **INTERNAL)
def _outer(grad, offset, n_columns, row, n_terms, delta, source, n_batch):
    """``grad[W[row, :n_terms]] += delta[row] @ source[:n_terms].T`` (the weight's gradient
    laid out as the weight in :func:`_accumulate`)."""
    base = offset + row * n_columns
    for i in range(n_terms):
        s = 0.0
        for b in range(n_batch):
            s += delta[row, b] * source[i, b]
        grad[base + i] += s


@njit(**GRADIENT_JIT_OPTIONS, **INTERNAL)
def _layer_backward(theta, grad, offsets, layer, cell, n_hidden, state_previous, state, gates,
                    d_state, d_input_side, d_hidden_side, d_state_previous, n_batch):
    """Pre-activation gradients of one layer's step.

    ``d_state`` holds dLoss/d(state) (h rows, and c rows for the LSTM). Writes the gradient of
    the input-side pre-activations (``W_ih x + b_ih``) into ``d_input_side`` and, for the GRU,
    of the hidden-side ones (``W_hh h + b_hh``) into ``d_hidden_side`` (Elman and LSTM: the
    same as the input side's), adds to ``d_state_previous`` what flows to the previous state
    other than through ``W_hh``, and accumulates the LSTM's peephole gradients into ``grad``.
    The arrays' rows are ``n_batch`` long: blocks of rows are flat runs.
    """
    one, zero = cast_like(1.0, gates), cast_like(0.0, gates)
    size = n_hidden * n_batch
    flat_state, flat_d_state = state.reshape(-1), d_state.reshape(-1)
    flat_d_input = d_input_side.reshape(-1)
    if cell == ELMAN:
        for j in range(size):
            flat_d_input[j] = flat_d_state[j] * (one - flat_state[j] * flat_state[j])
    elif cell == LSTM and offsets[layer, PEEPHOLE] < 0:  # no peepholes: one flat loop
        c0 = (state.shape[0] // 2) * n_batch
        gate_i, gate_f, gate_g, gate_o, tanh_c = _blocks5(gates.reshape(-1), size)
        d_i, d_f, d_g, d_o, _ = _blocks5(flat_d_input, size)
        dh, dc_carried = flat_d_state[:size], flat_d_state[c0:c0 + size]
        c_previous = state_previous.reshape(-1)[c0:c0 + size]
        dc_previous = d_state_previous.reshape(-1)[c0:c0 + size]
        for j in range(size):
            i, f, g, o, t = gate_i[j], gate_f[j], gate_g[j], gate_o[j], tanh_c[j]
            dc = dh[j] * o * (one - t * t) + dc_carried[j]
            d_i[j] = dc * g * i * (one - i)
            d_f[j] = dc * c_previous[j] * f * (one - f)
            d_g[j] = dc * i * (one - g * g)
            d_o[j] = dh[j] * t * o * (one - o)
            dc_previous[j] += dc * f
    elif cell == LSTM:
        half = state.shape[0] // 2
        peephole = offsets[layer, PEEPHOLE]
        for u in range(n_hidden):
            i, f, g, o = gates[u], gates[n_hidden + u], gates[2 * n_hidden + u], gates[
                3 * n_hidden + u]
            tanh_c = gates[4 * n_hidden + u]
            c_previous, c = state_previous[half + u], state[half + u]
            dh, dc_carried = d_state[u], d_state[half + u]
            di, df = d_input_side[u], d_input_side[n_hidden + u]
            dg, do = d_input_side[2 * n_hidden + u], d_input_side[3 * n_hidden + u]
            dc_previous = d_state_previous[half + u]
            p_i, p_f = theta[peephole + u], theta[peephole + n_hidden + u]
            p_o = theta[peephole + 2 * n_hidden + u]
            s_i = s_f = s_o = zero
            for b in range(n_batch):
                do[b] = dh[b] * tanh_c[b] * o[b] * (one - o[b])
                dc = (dh[b] * o[b] * (one - tanh_c[b] * tanh_c[b]) + dc_carried[b]
                      + do[b] * p_o)
                di[b] = dc * g[b] * i[b] * (one - i[b])
                df[b] = dc * c_previous[b] * f[b] * (one - f[b])
                dg[b] = dc * i[b] * (one - g[b] * g[b])
                dc_previous[b] += dc * f[b] + di[b] * p_i + df[b] * p_f
                s_i += di[b] * c_previous[b]
                s_f += df[b] * c_previous[b]
                s_o += do[b] * c[b]
            grad[peephole + u] += s_i
            grad[peephole + n_hidden + u] += s_f
            grad[peephole + 2 * n_hidden + u] += s_o
    else:
        r, z, n, hidden_n, _ = _blocks5(gates.reshape(-1), size)
        dr_in, dz_in, dn_in, _, _ = _blocks5(flat_d_input, size)
        dr_hidden, dz_hidden, dn_hidden, _, _ = _blocks5(d_hidden_side.reshape(-1), size)
        h_previous, dh = state_previous.reshape(-1)[:size], flat_d_state[:size]
        dh_previous = d_state_previous.reshape(-1)[:size]
        for j in range(size):
            dn = dh[j] * (one - z[j]) * (one - n[j] * n[j])
            dn_in[j] = dn
            dn_hidden[j] = dn * r[j]
            dr = dn * hidden_n[j] * r[j] * (one - r[j])
            dr_in[j] = dr
            dr_hidden[j] = dr
            dz = dh[j] * (h_previous[j] - n[j]) * z[j] * (one - z[j])
            dz_in[j] = dz
            dz_hidden[j] = dz
            dh_previous[j] += dh[j] * z[j]


# The three parts of loss_gradient are inlined into it (Numba IR): as calls, an 8-unit Elman
# mini-batch of 32 windows took 99-107 us against 94-96 us for the same code in one function
# (alternating processes, best of 60; benchmarks/NOTES.md).
@njit(**GRADIENT_JIT_OPTIONS, inline="always")
def _forward_windows(theta, layout, inputs_t, targets_t, origins, burn_in, window, closed, xs,
                     states, gates, forecasts):
    """The forward pass of BPTT: for step ``k`` of every window its input ``xs[k]``, the
    states before and after it (``states[k]``, ``states[k + 1]``, from zero), the gate scratch
    ``gates[k]``, and the forecasts of the scored steps."""
    sizes, offsets, head, cell, input_delays, target_delays = layout
    n_batch = origins.shape[0]
    n_layers = sizes.shape[0] - 2
    starts = origins - burn_in
    for k in range(burn_in + window):
        scored = k - burn_in
        if scored >= 0:
            gather_regressors(inputs_t, targets_t, forecasts, origins, np.int64(0), n_batch,
                              scored, input_delays, target_delays, closed, xs[k])
        else:
            gather_regressors(inputs_t, targets_t, forecasts, starts, np.int64(0), n_batch, k,
                              input_delays, target_delays, np.bool_(False), xs[k])
        _step(theta, sizes, offsets, cell, xs[k], states[k], states[k + 1], gates[k], n_batch)
        if scored >= 0:
            _head(theta, head, sizes[-2], sizes[-1], states[k + 1, n_layers - 1],
                  forecasts[scored], n_batch)


@njit(**GRADIENT_JIT_OPTIONS, **INTERNAL)
def weight_gradients(grad, w_ih, w_hh, n_rows, n_in, n_hidden, d_input_side, hidden_side,
                     source, h_previous):
    """A layer's step of weight gradients through BLAS: ``grad[W_ih] += d_input_side @
    source.T`` and ``grad[W_hh] += hidden_side @ h_previous.T`` (the first ``n_rows`` gate
    rows; the weights at ``w_ih``, ``w_hh`` in θ, row-major as PyTorch's)."""
    gemm(False, True, d_input_side[:n_rows], source[:n_in],
         grad[w_ih:w_ih + n_rows * n_in].reshape((n_rows, n_in)), True)
    gemm(False, True, hidden_side[:n_rows], h_previous[:n_hidden],
         grad[w_hh:w_hh + n_rows * n_hidden].reshape((n_rows, n_hidden)), True)


@njit(**GRADIENT_JIT_OPTIONS, inline="always")
def _weights_backward(theta, weights_t, grad, sizes, offsets, cell, layer, below, h_previous,
                      d_input_side, hidden_side, d_state, d_state_next, dx, feedback,
                      n_input_rows, n_batch):
    """A layer's weight gradients from its pre-activation gradients, and what flows on: to
    its previous state (``d_state_next``), to the layer below (``d_state``) or, for layer 0
    in closed loop (``feedback``), to the input rows that were fed back (``dx``)."""
    n_in, n_hidden = sizes[layer], sizes[layer + 1]
    n_rows = CELL_BLOCKS[cell, GATE_BLOCKS] * n_hidden
    w_ih, w_hh = offsets[layer, W_IH], offsets[layer, W_HH]
    if uses_blas(n_rows, n_in + n_hidden, n_batch):
        w_input_t = weights_t[w_ih:w_ih + n_rows * n_in].reshape((n_in, n_rows))
        w_hidden_t = weights_t[w_hh:w_hh + n_rows * n_hidden].reshape((n_hidden, n_rows))
        weight_gradients(grad, w_ih, w_hh, n_rows, n_in, n_hidden, d_input_side, hidden_side,
                         below, h_previous)
        gemm(False, False, w_hidden_t, hidden_side[:n_rows], d_state_next[layer, :n_hidden],
             True)
        if layer > 0:
            gemm(False, False, w_input_t, d_input_side[:n_rows], d_state[layer - 1, :n_in],
                 True)
        elif feedback:
            gemm(False, False, w_input_t, d_input_side[:n_rows], dx, False)
        return
    for r in range(n_rows):
        _outer(grad, w_ih, n_in, r, n_in, d_input_side, below, n_batch)
        _outer(grad, w_hh, n_hidden, r, n_hidden, hidden_side, h_previous, n_batch)
    d_previous = d_state_next[layer]
    for j in range(n_hidden):
        _accumulate_transposed(theta, w_hh, n_hidden, j, n_rows, hidden_side, d_previous, j,
                               n_batch)
    if layer > 0:
        d_below = d_state[layer - 1]
        for i in range(n_in):
            _accumulate_transposed(theta, w_ih, n_in, i, n_rows, d_input_side, d_below, i,
                                   n_batch)
    elif feedback:
        dx[:] = 0.0
        for i in range(n_input_rows, n_in):
            _accumulate_transposed(theta, w_ih, n_in, i, n_rows, d_input_side, dx, i, n_batch)


@njit(**GRADIENT_JIT_OPTIONS, inline="always")
def _backward_windows(theta, sizes, offsets, head, cell, target_delays, n_input_rows, burn_in,
                      closed, xs, states, gates, d_forecasts, grad):
    """The backward pass of BPTT over the forward pass's ``xs``, ``states`` and ``gates``,
    from the forecasts' gradient ``d_forecasts`` (to which, in closed loop, the gradient of
    each fed-back input is added as the pass reaches it); accumulates into ``grad``."""
    window, n_outputs, n_batch = d_forecasts.shape
    n_layers = sizes.shape[0] - 2
    n_inputs, top = sizes[0], sizes[-2]
    n_gates = CELL_BLOCKS[cell, GATE_BLOCKS]
    width = states.shape[2]
    hidden_width = width // 2 if cell == LSTM else width
    dtype = theta.dtype
    d_state = np.zeros((n_layers, width, n_batch), dtype)  # dLoss/d(state) of the current step
    d_state_next = np.zeros((n_layers, width, n_batch), dtype)  # carried to the previous step
    d_input_side = np.empty((n_gates * hidden_width, n_batch), dtype)
    d_hidden_side = np.empty((n_gates * hidden_width, n_batch), dtype)
    dx = np.empty((n_inputs, n_batch), dtype)
    weights_t = _transposed_weights(theta, sizes, offsets, cell, n_batch, np.bool_(True))
    # Bias and head-weight gradients are summed per batch column over the steps and over the
    # batch only at the end: a sum over each row's n_batch columns every step was ~5% of a
    # 128-unit LSTM part (hundreds of short horizontal reductions a step).
    bias_sums = np.zeros((n_layers, 2, n_gates * hidden_width * n_batch), dtype)
    head_sums = np.zeros((n_outputs, top * n_batch), dtype)
    for k in range(burn_in + window - 1, -1, -1):
        scored = k - burn_in
        flat, flat_next = d_state.reshape(-1), d_state_next.reshape(-1)
        for e in range(flat.size):  # element loops, not slice copies: see config.py
            flat[e] = flat_next[e]
            flat_next[e] = 0.0
        if scored >= 0:
            d_out = d_forecasts[scored]
            h_top = states[k + 1, n_layers - 1]
            for o in range(n_outputs):
                sums = head_sums[o]
                for j in range(top):
                    for b in range(n_batch):
                        sums[j * n_batch + b] += d_out[o, b] * h_top[j, b]
            d_top = d_state[n_layers - 1]
            for j in range(top):
                _accumulate_transposed(theta, head[HEAD_WEIGHT], top, j, n_outputs, d_out,
                                       d_top, j, n_batch)
        for layer in range(n_layers - 1, -1, -1):
            n_rows = n_gates * sizes[layer + 1]
            below = xs[k] if layer == 0 else states[k + 1, layer - 1]
            _layer_backward(theta, grad, offsets, layer, cell, sizes[layer + 1],
                            states[k, layer], states[k + 1, layer], gates[k, layer],
                            d_state[layer], d_input_side, d_hidden_side, d_state_next[layer],
                            n_batch)
            # Elman and LSTM: both sides of a pre-activation have the same gradient
            hidden_side = d_hidden_side if cell == GRU else d_input_side
            _add_flat(bias_sums[layer, 0], d_input_side.reshape(-1), n_rows * n_batch)
            if cell == GRU:
                _add_flat(bias_sums[layer, 1], d_hidden_side.reshape(-1), n_rows * n_batch)
            feedback = layer == 0 and closed and scored >= 1
            _weights_backward(theta, weights_t, grad, sizes, offsets, cell, layer, below,
                              states[k, layer], d_input_side, hidden_side, d_state,
                              d_state_next, dx, feedback, n_input_rows, n_batch)
            if feedback:
                route_feedback_gradient(dx, n_input_rows, target_delays, scored, d_forecasts)
    for o in range(n_outputs):
        for scored in range(window):  # final: feedback only adds to earlier forecasts
            grad[head[HEAD_BIAS] + o] += _row_sum(d_forecasts[scored, o], 0, n_batch)
        for j in range(top):
            grad[head[HEAD_WEIGHT] + o * top + j] += _row_sum(head_sums[o], j * n_batch,
                                                              n_batch)
    for layer in range(n_layers):
        n_rows = n_gates * sizes[layer + 1]
        b_ih, b_hh = offsets[layer, B_IH], offsets[layer, B_HH]
        for r in range(n_rows):
            grad[b_ih + r] += _row_sum(bias_sums[layer, 0], r * n_batch, n_batch)
            grad[b_hh + r] += _row_sum(bias_sums[layer, 1 if cell == GRU else 0], r * n_batch,
                                       n_batch)


@njit(**GRADIENT_JIT_OPTIONS)
def loss_gradient(theta, layout, inputs_t, targets_t, origins, burn_in, window, closed, weights,
                  grad):
    """Mean squared error / 2 of windows and its gradient by backpropagation through time.

    Window ``b`` starts from a zero state at target ``origins[b] - burn_in + 1``, runs
    ``burn_in`` unscored steps on measured data, then ``window`` scored steps for the targets
    ``origins[b] + 1 ..``, fed back from measurements (open loop) or from its own forecasts
    (``closed``), scored step ``j`` weighted by ``weights[j]``. Returns the loss; ``grad``
    (θ's dtype) is overwritten. The arithmetic is in
    θ's precision: float32 θ, float32 states, gates and products.
    """
    sizes, offsets, head, cell, input_delays, target_delays = layout
    n_batch = origins.shape[0]
    n_layers = sizes.shape[0] - 2
    width = state_width(sizes, cell)
    steps = burn_in + window
    dtype = theta.dtype  # float32 parameters: float32 arithmetic throughout
    xs = np.empty((steps, sizes[0], n_batch), dtype)
    states = np.zeros((steps + 1, n_layers, width, n_batch), dtype)
    gates = np.empty((steps, n_layers, scratch_rows(cell, width), n_batch), dtype)
    forecasts = np.empty((window, sizes[-1], n_batch), dtype)
    _forward_windows(theta, layout, inputs_t, targets_t, origins, burn_in, window, closed, xs,
                     states, gates, forecasts)
    d_forecasts = np.empty((window, sizes[-1], n_batch), dtype)
    loss = squared_error(forecasts, targets_t, origins, weights, np.int64(0), n_batch,
                         1.0 / (n_batch * window * sizes[-1]), d_forecasts)
    grad[:] = 0.0
    _backward_windows(theta, sizes, offsets, head, cell, target_delays,
                      input_delays.shape[0] * inputs_t.shape[0], burn_in, closed, xs, states,
                      gates, d_forecasts, grad)
    return loss


@njit(**GRADIENT_JIT_OPTIONS, **INTERNAL)
def _add_flat(total, values, n):
    """``total[:n] += values[:n]``."""
    for j in range(n):
        total[j] += values[j]


@njit(**GRADIENT_JIT_OPTIONS, inline="always")
def _row_sum(flat, first, n):
    """``flat[first:first + n].sum()`` in ``flat``'s precision."""
    s = cast_like(0.0, flat)
    for j in range(first, first + n):
        s += flat[j]
    return s


@njit(**GRADIENT_JIT_OPTIONS, parallel=True)
def batch_loss_gradient(theta, layout, inputs_t, targets_t, origins, burn_in, window, closed,
                        weights, grad):
    """:func:`loss_gradient` of a mini-batch cut into parts of ``PART`` windows on parallel
    threads; the same loss and gradient, summed part by part in order.

    The one kernel left with ``parallel=True``: a call is one mini-batch (about a
    millisecond), where Python threads' hand-over (:mod:`.threads`) cost 1-8% of a fit
    (``benchmarks/NOTES.md``, 'rolling calibration'); it compiles only for networks that
    run in parts."""
    n_batch = origins.shape[0]
    n_parts = (n_batch + PART - 1) // PART
    losses = np.empty(n_parts)
    grads = np.empty((n_parts, grad.shape[0]), grad.dtype)
    for part in prange(n_parts):
        start = part * PART
        stop = min(start + PART, n_batch)
        # θ and the gradient as this thread's own arrays: every view of an array shared by
        # the threads (a weight block for BLAS, ~10 a step) updates its reference count
        # atomically on one cache line, which the cores then pass back and forth; 2 threads
        # ran a 128-unit LSTM's batch 1.4x faster than one instead of 1.9x (NOTES.md)
        part_grad = np.empty(grad.shape[0], grad.dtype)
        losses[part] = (stop - start) * loss_gradient(theta.copy(), layout, inputs_t, targets_t,
                                                      origins[start:stop], burn_in, window, closed,
                                                      weights, part_grad)
        grads[part] = part_grad
    loss = 0.0
    grad[:] = 0.0
    for part in range(n_parts):
        weight = min(PART, n_batch - part * PART) / n_batch
        loss += losses[part] / n_batch
        for i in range(grad.shape[0]):
            grad[i] += weight * grads[part, i]
    return loss
