"""Recurrent kernels (Elman, LSTM, GRU): the step, open-loop state runs, forecasts from
origins (training by backpropagation through time: :mod:`.bptt`).

θ holds, per layer ``l``, PyTorch's ``weight_ih_l{l}`` (gates x inputs, row-major),
``weight_hh_l{l}`` (gates x hidden), ``bias_ih_l{l}`` and ``bias_hh_l{l}``, at the offsets
``offsets[l, W_IH..B_HH]``, and for an LSTM with peepholes the diagonal peephole weights
(i, f, o) x hidden at ``offsets[l, PEEPHOLE]`` (-1: none); then the linear head's weight
(outputs x hidden) and bias at ``head[HEAD_WEIGHT]``, ``head[HEAD_BIAS]``. ``sizes`` is
``[n_inputs, h_1, ..., h_L, n_outputs]``.

Cells (``cell``): 0 Elman (tanh), 1 LSTM (gates i, f, g, o as PyTorch), 2 GRU (r, z, n as
PyTorch: ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``, ``h = (1 - z) n + z h_prev``).
States are ``(n_layers, width, batch)`` with the batch innermost: rows ``0..h`` hold ``h``, and
for the LSTM rows ``width / 2 ..`` hold the cell state ``c``. The network's input at
target time ``t`` is the NARX regressor of ``t`` (delayed exogenous inputs, then fed-back
targets: measured in open loop, the model's own forecasts in closed loop), gathered by
:func:`.core.gather_regressors`.
"""

from typing import NamedTuple

import numpy as np
from numba import njit

from .activations import LOGISTIC, TANH, activate_inplace, cast_like, tanh
from .blas import gemm
from .config import (
    BLAS_MIN_WORK,
    CHUNK,
    INTERNAL,
    JIT_OPTIONS,
)
from .core import (
    chunk_bounds,
    claim_chunk,
    gather_regressors,
    n_chunks,
    store_bounded,
)
from .threads import run_in_chunks

ELMAN, LSTM, GRU = 0, 1, 2
# One row per cell type (the codes above), one column per count of row blocks of n_hidden:
# GATE_BLOCKS in weight_ih / weight_hh (Elman 1; LSTM i, f, g, o; GRU r, z, n); FUSED_BLOCKS,
# the leading ones whose hidden-side pre-activation is added to the input side (the GRU keeps
# ``W_hn h + b_hn`` apart: r multiplies it); SCRATCH_BLOCKS kept per step for the backward
# pass (the gates, and the LSTM's tanh(c) or the GRU's ``W_hn h + b_hn``).
CELL_BLOCKS = np.array([[1, 1, 1],   # Elman
                        [4, 4, 5],   # LSTM
                        [3, 2, 4]],  # GRU
                       dtype=np.int64)
GATE_BLOCKS, FUSED_BLOCKS, SCRATCH_BLOCKS = 0, 1, 2
# Columns of the per-layer offsets (layers x 5) into θ, and of the head's offsets (2,);
# PEEPHOLE is -1 for a layer without peepholes.
W_IH, W_HH, B_IH, B_HH, PEEPHOLE = 0, 1, 2, 3, 4
HEAD_WEIGHT, HEAD_BIAS = 0, 1


class RecurrentLayout(NamedTuple):
    """θ's layout and the regressor of an Elman, LSTM or GRU stack, computed once per fit and
    handed to its kernels as one argument (a Numba named tuple: ``layout.sizes``)."""

    sizes: np.ndarray  # [n_regressors, hidden..., n_outputs]
    offsets: np.ndarray  # (layers, 5): W_IH, W_HH, B_IH, B_HH, PEEPHOLE (-1: none) in θ
    head: np.ndarray  # HEAD_WEIGHT, HEAD_BIAS in θ
    cell: int  # kernels.recurrent.ELMAN, LSTM or GRU
    input_delays: np.ndarray
    feedback_delays: np.ndarray

    @property
    def n_params(self):
        return int(self.head[HEAD_BIAS] + self.sizes[-1])

    @property
    def n_layers(self):
        return self.sizes.size - 2

    @property
    def state_width(self):
        """Rows of a layer's state: the widest layer's ``h`` (and ``c`` for the LSTM)."""
        return int(self.sizes[1:-1].max()) * (2 if self.cell == LSTM else 1)


@njit(**JIT_OPTIONS, **INTERNAL)
def scratch_rows(cell, width):
    """Rows of a layer's per-step gate scratch for states of ``width`` rows (the LSTM's
    state holds ``h`` and ``c``; its gates are sized by ``h``)."""
    return CELL_BLOCKS[cell, SCRATCH_BLOCKS] * (width // 2 if cell == LSTM else width)


@njit(**JIT_OPTIONS)
def uses_blas(n_rows, n_columns, n_batch):
    """Whether a layer of ``n_rows`` gate rows over ``n_columns`` inputs multiplies a batch
    of ``n_batch`` through BLAS."""
    return n_rows * n_columns * n_batch >= BLAS_MIN_WORK


@njit(**JIT_OPTIONS, **INTERNAL)
def _accumulate(theta, offset, n_columns, row, n_terms, source, out, out_row, n_batch):
    """``out[out_row, :n_batch] += W[row, :n_terms] @ source[:n_terms, :n_batch]`` for the
    weight ``W`` (``n_columns`` wide) at ``theta[offset:]``.

    The helpers index rows instead of slicing them: every row view costs an atomic
    reference-count pair, which was ~40% of an 8-unit LSTM's training (benchmarks/NOTES.md).
    """
    base = offset + row * n_columns
    if n_batch == 1:  # the state pass over a series: a sum in a register, not in out
        total = out[out_row, 0]
        for i in range(n_terms):
            total += theta[base + i] * source[i, 0]
        out[out_row, 0] = total
        return
    for i in range(n_terms):
        w = theta[base + i]
        for b in range(n_batch):
            out[out_row, b] += w * source[i, b]


@njit(**JIT_OPTIONS, **INTERNAL)
def _preactivations(theta, offsets, layer, n_in, n_hidden, n_rows, x, h_previous, gates,
                    n_batch, split):
    """gates[r] = b_ih + W_ih x (+ b_hh + W_hh h_previous, for rows r < split; rows from
    ``split`` on get the hidden part in ``gates[n_rows + r - split]``, GRU's W_hn h + b_hn)."""
    w_ih, w_hh = offsets[layer, W_IH], offsets[layer, W_HH]
    b_ih, b_hh = offsets[layer, B_IH], offsets[layer, B_HH]
    if uses_blas(n_rows, n_in + n_hidden, n_batch):
        for r in range(n_rows):
            bias = theta[b_ih + r]
            if r >= split:
                hidden_bias = theta[b_hh + r]
                for b in range(n_batch):
                    gates[n_rows + r - split, b] = hidden_bias
            else:
                bias += theta[b_hh + r]
            for b in range(n_batch):
                gates[r, b] = bias
        w_input = theta[w_ih:w_ih + n_rows * n_in].reshape((n_rows, n_in))
        w_hidden = theta[w_hh:w_hh + n_rows * n_hidden].reshape((n_rows, n_hidden))
        h = h_previous[:n_hidden, :n_batch]
        gemm(False, False, w_input, x[:n_in, :n_batch], gates[:n_rows, :n_batch], True)
        gemm(False, False, w_hidden[:split], h, gates[:split, :n_batch], True)
        if split < n_rows:
            gemm(False, False, w_hidden[split:], h, gates[n_rows:2 * n_rows - split, :n_batch],
                 True)
        return
    if n_batch == 1:  # a state pass over a series: each row's sums in registers, inline
        for r in range(n_rows):  # (a call to _accumulate per row cost 4x the arithmetic)
            total = theta[b_ih + r]
            for i in range(n_in):
                total += theta[w_ih + r * n_in + i] * x[i, 0]
            if r >= split:
                gates[r, 0] = total
                total = theta[b_hh + r]
            else:
                total += theta[b_hh + r]
            for j in range(n_hidden):
                total += theta[w_hh + r * n_hidden + j] * h_previous[j, 0]
            gates[n_rows + r - split if r >= split else r, 0] = total
        return
    for r in range(n_rows):
        bias = theta[b_ih + r]
        for b in range(n_batch):
            gates[r, b] = bias
        _accumulate(theta, w_ih, n_in, r, n_in, x, gates, r, n_batch)
        row = n_rows + r - split if r >= split else r
        bias = theta[b_hh + r]
        if r >= split:
            for b in range(n_batch):
                gates[row, b] = bias
        else:
            for b in range(n_batch):
                gates[row, b] += bias
        _accumulate(theta, w_hh, n_hidden, r, n_hidden, h_previous, gates, row, n_batch)


@njit(**JIT_OPTIONS, inline="always")
def _activate_rows(flat_gates, n_batch, first, last, code):
    """Activation ``code`` over rows ``first..last`` of the gates, flattened (the drivers
    allocate exactly ``n_batch`` columns, so the rows are one contiguous run)."""
    activate_inplace(flat_gates[first * n_batch:], (last - first) * n_batch, code)


@njit(**JIT_OPTIONS, **INTERNAL)
def _blocks5(flat, size):
    """The first five runs of ``size`` of ``flat`` as separate views: LLVM vectorises a loop
    over several runs of one array only if each is its own view (with the same array at
    symbolic offsets it reports an unknown dependence and leaves the loop scalar, 4-7 ns an
    element; benchmarks/NOTES.md)."""
    return (flat[:size], flat[size:2 * size], flat[2 * size:3 * size],
            flat[3 * size:4 * size], flat[4 * size:5 * size])


@njit(**JIT_OPTIONS, **INTERNAL)
def _layer(theta, offsets, cell, layer, n_in, n_hidden, x, state_previous, state, gates,
           n_batch):
    """One layer's step; ``gates`` (rows x batch) keeps what the backward pass reads."""
    n_rows = CELL_BLOCKS[cell, GATE_BLOCKS] * n_hidden
    split = CELL_BLOCKS[cell, FUSED_BLOCKS] * n_hidden
    _preactivations(theta, offsets, layer, n_in, n_hidden, n_rows, x, state_previous, gates,
                    n_batch, split)
    peephole = offsets[layer, PEEPHOLE]
    if peephole >= 0:
        peep = theta[peephole:peephole + 3 * n_hidden].reshape((3 * n_hidden, 1))
    else:
        peep = theta[:0].reshape((0, 1))
    cell_update(cell, n_hidden, state_previous, state, gates, peep, n_batch)


@njit(**JIT_OPTIONS, **INTERNAL)
def cell_update(cell, n_hidden, state_previous, state, gates, peep, n_batch):
    """The gates' activations and the new state from the pre-activations in ``gates``.

    ``peep`` holds an LSTM's peephole weights (i, f, o rows x hidden): one column shared by
    the batch, or one column per batch entry (a population of parameter vectors); no rows
    without peepholes. The GRU's ``W_hn h + b_hn`` is in rows ``3h..4h`` of ``gates``.
    """
    one = cast_like(1.0, gates)
    flat_gates = gates.reshape(-1)
    if cell == ELMAN:
        _activate_rows(flat_gates, n_batch, 0, n_hidden, TANH)
        for r in range(n_hidden):
            for b in range(n_batch):
                state[r, b] = gates[r, b]
    elif cell == LSTM:
        half = state.shape[0] // 2
        shared = peep.shape[1] == 1
        if peep.shape[0] > 0:  # i and f see c_{t-1}
            for u in range(n_hidden):
                i, f, c_previous = gates[u], gates[n_hidden + u], state_previous[half + u]
                if shared:
                    p_i, p_f = peep[u, 0], peep[n_hidden + u, 0]
                    for b in range(n_batch):
                        i[b] += p_i * c_previous[b]
                        f[b] += p_f * c_previous[b]
                else:
                    p_i, p_f = peep[u], peep[n_hidden + u]
                    for b in range(n_batch):
                        i[b] += p_i[b] * c_previous[b]
                        f[b] += p_f[b] * c_previous[b]
        _activate_rows(flat_gates, n_batch, 0, 2 * n_hidden, LOGISTIC)  # i, f
        _activate_rows(flat_gates, n_batch, 2 * n_hidden, 3 * n_hidden, TANH)  # g
        # gate blocks and state halves as flat runs of n_hidden x n_batch (rows are n_batch
        # long): one long loop instead of a short one and a set of row views per unit
        size, c0 = n_hidden * n_batch, half * n_batch
        flat_state = state.reshape(-1)
        gate_i, gate_f, gate_g, gate_o, tanh_c = _blocks5(flat_gates, size)
        c, c_previous = flat_state[c0:c0 + size], state_previous.reshape(-1)[c0:c0 + size]
        for j in range(size):
            c[j] = gate_f[j] * c_previous[j] + gate_i[j] * gate_g[j]
            tanh_c[j] = c[j]
        _activate_rows(flat_gates, n_batch, 4 * n_hidden, 5 * n_hidden, TANH)  # tanh(c)
        if peep.shape[0] > 0:  # o sees c_t
            for u in range(n_hidden):
                o, c = gates[3 * n_hidden + u], state[half + u]
                if shared:
                    p_o = peep[2 * n_hidden + u, 0]
                    for b in range(n_batch):
                        o[b] += p_o * c[b]
                else:
                    p_o_row = peep[2 * n_hidden + u]
                    for b in range(n_batch):
                        o[b] += p_o_row[b] * c[b]
        _activate_rows(flat_gates, n_batch, 3 * n_hidden, 4 * n_hidden, LOGISTIC)  # o
        h = flat_state[:size]
        for j in range(size):
            h[j] = gate_o[j] * tanh_c[j]
    else:
        _activate_rows(flat_gates, n_batch, 0, 2 * n_hidden, LOGISTIC)  # r, z
        size = n_hidden * n_batch
        r, z, n, hidden_n, _ = _blocks5(flat_gates, size)
        for j in range(size):
            n[j] += r[j] * hidden_n[j]
        _activate_rows(flat_gates, n_batch, 2 * n_hidden, 3 * n_hidden, TANH)  # n
        h, h_old = state.reshape(-1)[:size], state_previous.reshape(-1)[:size]
        for j in range(size):
            h[j] = (one - z[j]) * n[j] + z[j] * h_old[j]


@njit(**JIT_OPTIONS, **INTERNAL)
def _step(theta, sizes, offsets, cell, x, state_previous, state, gates, n_batch):
    """One time step of the stack: layer ``l`` from its previous state and the layer below."""
    n_layers = sizes.shape[0] - 2
    for layer in range(n_layers):
        below = x if layer == 0 else state[layer - 1]
        _layer(theta, offsets, cell, layer, sizes[layer], sizes[layer + 1], below,
               state_previous[layer], state[layer], gates[layer], n_batch)


@njit(**JIT_OPTIONS, **INTERNAL)
def _head(theta, head, n_hidden, n_outputs, top, out, n_batch):
    """out[k] = head.bias[k] + head.weight[k] @ top."""
    for k in range(n_outputs):
        bias = theta[head[HEAD_BIAS] + k]
        for b in range(n_batch):
            out[k, b] = bias
        _accumulate(theta, head[HEAD_WEIGHT], n_hidden, k, n_hidden, top, out, k, n_batch)


def open_loop_states(theta, layout, inputs_t, targets_t, first, initial, states):
    """Run the stack over measured data from ``initial`` (layers x width) at the step of
    target ``first``: ``states[:, :, t]`` is the state after the step of target ``t``, and
    ``initial`` before ``first``. The arithmetic is in ``theta``'s precision.

    A network whose layers all multiply in loops at batch 1 runs :func:`_states_in_loops`;
    one with a layer that multiplies through BLAS there, :func:`_states_by_step`. The two
    give the same states to the bit; apart, a small network's first pass compiles none of
    the BLAS path (about a second of an 8-unit LSTM's first fit: ``benchmarks/NOTES.md``,
    'a small network's state pass without the BLAS path').
    """
    sizes, gate_blocks = layout.sizes, int(CELL_BLOCKS[layout.cell, GATE_BLOCKS])
    through_blas = any(  # uses_blas at batch 1, asked in Python (no dispatch to compiled code)
        gate_blocks * int(sizes[layer + 1]) * int(sizes[layer] + sizes[layer + 1])
        >= BLAS_MIN_WORK for layer in range(sizes.size - 2))
    kernel = _states_by_step if through_blas else _states_in_loops
    kernel(theta, layout, inputs_t, targets_t, first, initial, states)


@njit(**JIT_OPTIONS)
def _states_by_step(theta, layout, inputs_t, targets_t, first, initial, states):
    """:func:`open_loop_states` by :func:`_step` at batch 1: a layer that multiplies
    through BLAS there does so, the others sum in loops in :func:`_states_in_loops`' order
    (the same states to the bit)."""
    sizes, offsets, _, cell, input_delays, target_delays = layout
    n = states.shape[2]
    n_layers, width = states.shape[0], states.shape[1]
    dtype = theta.dtype
    units = np.empty((sizes[0], 1), dtype)
    state_previous = np.empty((n_layers, width, 1), dtype)
    state = np.zeros((n_layers, width, 1), dtype)
    gates = np.empty((n_layers, scratch_rows(cell, width), 1), dtype)
    _start_states(initial, first, state_previous.reshape((n_layers, width)), states)
    origin, no_forecasts = np.empty(1, np.int64), np.empty((1, 1, 1), dtype)
    for t in range(first, n):
        origin[0] = t - 1  # the regressor of target t: the first step from origin t - 1
        gather_regressors(inputs_t, targets_t, no_forecasts, origin, np.int64(0), np.int64(1),
                          np.int64(0), input_delays, target_delays, np.bool_(False), units)
        _step(theta, sizes, offsets, cell, units, state_previous, state, gates, np.int64(1))
        for layer in range(n_layers):
            for r in range(width):
                states[layer, r, t] = state[layer, r, 0]
        state_previous, state = state, state_previous


@njit(**JIT_OPTIONS)
def _states_in_loops(theta, layout, inputs_t, targets_t, first, initial, states):
    """:func:`open_loop_states` of a network whose layers all multiply in loops at batch 1:
    :func:`_step` at batch 1, written out in plain loops over the arrays' elements: no calls
    with arrays nor array views, each of which costs an atomic reference-count pair per array
    (most of an 8-unit LSTM's pass over a year went there; benchmarks/NOTES.md, 'the 3 s
    cold start').
    A layer's pre-activations add a column of its transposed weights (``weights_t``,
    :func:`_transposed_weights`) per input to every gate row at once, each row's terms in
    :func:`_preactivations`' order, and the cell update is :func:`cell_update`'s arithmetic:
    the states are those of :func:`_step` to the bit.
    """
    sizes, offsets, _, cell, input_delays, target_delays = layout
    n = states.shape[2]
    n_layers, width = states.shape[0], states.shape[1]
    n_features, n_targets = inputs_t.shape[0], targets_t.shape[0]
    dtype = theta.dtype
    one, half = cast_like(1.0, theta), cast_like(0.5, theta)
    units = np.empty((sizes[0], 1), dtype)
    # the states before and after a step, and the gates: layers x rows, so that a loop over
    # rows runs over consecutive elements (and vectorises)
    n_scratch = scratch_rows(cell, width)
    h_previous = np.empty((n_layers, width), dtype)
    h = np.zeros((n_layers, width), dtype)
    g = np.empty((n_layers, n_scratch), dtype)
    weights_t = _transposed_weights(theta, sizes, offsets, cell, np.int64(1), np.bool_(False))
    _start_states(initial, first, h_previous, states)
    for t in range(first, n):
        row = 0  # the regressor of target t (gather_regressors' open loop at batch 1)
        for d in input_delays:
            for f in range(n_features):
                units[row, 0] = inputs_t[f, t - d]
                row += 1
        for k in target_delays:
            for i in range(n_targets):
                units[row, 0] = targets_t[i, t - k]
                row += 1
        for layer in range(n_layers):
            n_in, n_hidden = sizes[layer], sizes[layer + 1]
            n_rows = CELL_BLOCKS[cell, GATE_BLOCKS] * n_hidden
            split = CELL_BLOCKS[cell, FUSED_BLOCKS] * n_hidden
            w_ih, w_hh = offsets[layer, W_IH], offsets[layer, W_HH]
            b_ih, b_hh = offsets[layer, B_IH], offsets[layer, B_HH]
            for r in range(n_rows):
                g[layer, r] = theta[b_ih + r]
            for i in range(n_in):
                value = units[i, 0] if layer == 0 else h[layer - 1, i]
                column = w_ih + i * n_rows
                for r in range(n_rows):
                    g[layer, r] += weights_t[column + r] * value
            for r in range(split):
                g[layer, r] += theta[b_hh + r]
            for r in range(split, n_rows):
                g[layer, n_rows + r - split] = theta[b_hh + r]
            for j in range(n_hidden):
                value = h_previous[layer, j]
                column = w_hh + j * n_rows
                for r in range(split):
                    g[layer, r] += weights_t[column + r] * value
                for r in range(split, n_rows):
                    g[layer, n_rows + r - split] += weights_t[column + r] * value
            if cell == ELMAN:
                for u in range(n_hidden):
                    h[layer, u] = tanh(g[layer, u])
            elif cell == LSTM:  # gate blocks i, f, g, o, then tanh(c); c: the state's 2nd half
                c0 = width // 2
                peephole = offsets[layer, PEEPHOLE]
                if peephole >= 0:  # i and f see c_{t-1}
                    for u in range(n_hidden):
                        c_previous = h_previous[layer, c0 + u]
                        g[layer, u] += theta[peephole + u] * c_previous
                        g[layer, n_hidden + u] += theta[peephole + n_hidden + u] * c_previous
                # i, f, g and (without peepholes) o in one loop: a loop of 8 or 16 elements
                # costs nearly what one of 32 does (benchmarks/NOTES.md, 'the 3 s cold start')
                for r in range(3 * n_hidden if peephole >= 0 else 4 * n_hidden):
                    if 2 * n_hidden <= r < 3 * n_hidden:  # g: tanh
                        g[layer, r] = tanh(g[layer, r])
                    else:  # logistic
                        g[layer, r] = half + half * tanh(half * g[layer, r])
                for u in range(n_hidden):
                    c = (g[layer, n_hidden + u] * h_previous[layer, c0 + u]
                         + g[layer, u] * g[layer, 2 * n_hidden + u])
                    h[layer, c0 + u] = c
                    g[layer, 4 * n_hidden + u] = tanh(c)
                if peephole >= 0:  # o sees c_t
                    for u in range(n_hidden):
                        o = g[layer, 3 * n_hidden + u] + (theta[peephole + 2 * n_hidden + u]
                                                          * h[layer, c0 + u])
                        g[layer, 3 * n_hidden + u] = half + half * tanh(half * o)
                for u in range(n_hidden):
                    h[layer, u] = g[layer, 3 * n_hidden + u] * g[layer, 4 * n_hidden + u]
            else:  # gate blocks r, z, n, then W_hn h + b_hn
                for r in range(2 * n_hidden):  # r, z
                    g[layer, r] = half + half * tanh(half * g[layer, r])
                for u in range(n_hidden):
                    g[layer, 2 * n_hidden + u] += (g[layer, u]
                                                      * g[layer, 3 * n_hidden + u])
                for r in range(2 * n_hidden, 3 * n_hidden):  # n
                    g[layer, r] = tanh(g[layer, r])
                for u in range(n_hidden):
                    z = g[layer, n_hidden + u]
                    h[layer, u] = ((one - z) * g[layer, 2 * n_hidden + u]
                                      + z * h_previous[layer, u])
        for layer in range(n_layers):
            for r in range(width):
                states[layer, r, t] = h[layer, r]
        h_previous, h = h, h_previous


@njit(**JIT_OPTIONS, inline="always")
def _start_states(initial, first, state, states):
    """The state pass's start: ``state`` (layers x width) and ``states[:, :, :first]``
    set to ``initial``, in element loops (not slice copies: see config.py)."""
    for layer in range(state.shape[0]):
        for r in range(state.shape[1]):
            state[layer, r] = initial[layer, r]
            for t in range(first):
                states[layer, r, t] = initial[layer, r]


def forecast(theta, layout, inputs_t, targets_t, initial_states, origins, horizon, lower, upper,
             residuals, seed, out):
    """Closed-loop forecasts of ``horizon`` steps from every origin, each held within
    ``[lower, upper]`` (per target) before it is fed back.

    ``initial_states[:, :, b]`` is the state at ``origins[b]``; ``out`` is
    ``(horizon, n_targets, n_origins)`` with ``out[j, :, b]`` the forecast of the target at
    ``origins[b] + j + 1``. Indices must stay inside the arrays (pad with NaN). With
    ``residuals`` (n_residuals, n_targets), sample paths as :func:`.narx.forecast`'s: a
    drawn row added to every step's output before it is stored and fed back. Chunks of
    ``CHUNK`` origins run on Numba's threads (:func:`.threads.run_in_chunks`).
    """
    run_in_chunks(forecast_chunks, -(-origins.shape[0] // CHUNK), theta, layout, inputs_t,
                  targets_t, initial_states, origins, horizon, lower, upper, residuals, seed, out)


@njit(**JIT_OPTIONS, nogil=True)
def forecast_chunks(theta, layout, inputs_t, targets_t, initial_states, origins, horizon, lower,
                    upper, residuals, seed, out, counter):
    """:func:`forecast` of the chunks of ``CHUNK`` origins this thread claims from ``counter``."""
    sizes, offsets, head, cell, input_delays, target_delays = layout
    n_residuals = residuals.shape[0]
    n_origins = origins.shape[0]
    n_layers = sizes.shape[0] - 2
    n_outputs = sizes[-1]
    width = initial_states.shape[1]
    own_theta = theta.copy()  # views of a shared θ contend (batch_loss_gradient)
    while True:
        chunk = claim_chunk(counter)
        if chunk >= n_chunks(n_origins, CHUNK):
            break
        start, n_batch = chunk_bounds(chunk, CHUNK, n_origins)
        # rows exactly n_batch long: the cell updates treat blocks of rows as flat runs
        state_previous = np.empty((n_layers, width, n_batch))
        for layer in range(n_layers):
            for r in range(width):
                for b in range(n_batch):
                    state_previous[layer, r, b] = initial_states[layer, r, start + b]
        state = np.empty((n_layers, width, n_batch))
        gates = np.empty((n_layers, scratch_rows(cell, width), n_batch))
        units = np.empty((sizes[0], n_batch))
        head_out = np.empty((n_outputs, n_batch))
        if n_residuals:
            np.random.seed(seed + chunk)  # this thread's generator, for this chunk's draws
        for step in range(horizon):
            gather_regressors(inputs_t, targets_t, out, origins, start, n_batch, step,
                              input_delays, target_delays, np.bool_(True), units)
            _step(own_theta, sizes, offsets, cell, units, state_previous, state, gates, n_batch)
            _head(own_theta, head, sizes[-2], n_outputs, state[n_layers - 1], head_out, n_batch)
            if n_residuals:
                for b in range(n_batch):
                    drawn = np.random.randint(n_residuals)
                    for i in range(n_outputs):
                        head_out[i, b] += residuals[drawn, i]
            store_bounded(head_out, 0, lower, upper, out[step], start, n_batch)
            state_previous, state = state, state_previous


@njit(**JIT_OPTIONS, **INTERNAL)
def _transposed_weights(theta, sizes, offsets, cell, n_batch, through_blas):
    """θ with the ``W_ih`` and ``W_hh`` of every layer that multiplies a batch of ``n_batch``
    through BLAS (``through_blas``) or in loops (not) stored transposed (inputs x gates) at
    their own offsets; nothing else is written.

    Through BLAS, the backward products ``W^T d`` then run untransposed: OpenBLAS packs its
    operands on every call, and packing a transposed 512 x 128 weight each step made a
    128-unit LSTM's ``W_hh^T d`` 1.5x slower than ``(W_hh^T) d`` from this copy
    (benchmarks/NOTES.md). In loops at batch 1, :func:`open_loop_states`' columns.
    """
    weights_t = np.empty_like(theta)
    for layer in range(sizes.shape[0] - 2):
        n_in, n_hidden = sizes[layer], sizes[layer + 1]
        n_rows = CELL_BLOCKS[cell, GATE_BLOCKS] * n_hidden
        if uses_blas(n_rows, n_in + n_hidden, n_batch) != through_blas:
            continue
        for offset, n_columns in ((offsets[layer, W_IH], n_in), (offsets[layer, W_HH], n_hidden)):
            for i in range(n_columns):
                for r in range(n_rows):
                    weights_t[offset + i * n_rows + r] = theta[offset + r * n_columns + i]
    return weights_t


@njit(**JIT_OPTIONS, **INTERNAL)
def state_width(sizes, cell):
    """Rows of a layer's state: the widest layer's ``h`` (and ``c`` for the LSTM)."""
    hidden_width = 1
    for layer in range(sizes.shape[0] - 2):
        hidden_width = max(hidden_width, sizes[layer + 1])
    return 2 * hidden_width if cell == LSTM else hidden_width
