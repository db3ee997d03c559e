"""Population kernels: the loss of many parameter vectors at once (GA, CMA-ES fitness).

``thetas`` is ``(n_params, n_individuals)``: row ``k`` holds parameter ``k`` of every
individual, so the individuals are innermost and every arithmetic loop vectorises over them;
one chunk of individuals per thread (:mod:`.threads`). Each individual simulates the segment
from target ``first`` to the end, from a zero state, feeding back its own outputs
(``closed``: free run, MATLAB's closed-loop simulation) or the measured targets (open loop).
Its loss is half the
mean squared error over the targets from ``first + skip`` on (``skip``: a recurrent model's
washout), the unit of the gradient trainers' loss. θ's layout per model is the single-model
kernels' (:mod:`.mlp` for NARX, :mod:`.recurrent`).
"""

import numpy as np
from numba import get_num_threads, njit

from .activations import activate_inplace
from .config import INTERNAL, JIT_OPTIONS, POPULATION_VECTOR
from .core import chunk_bounds, claim_chunk, n_chunks
from .recurrent import (
    B_HH,
    B_IH,
    CELL_BLOCKS,
    FUSED_BLOCKS,
    GATE_BLOCKS,
    HEAD_BIAS,
    HEAD_WEIGHT,
    PEEPHOLE,
    W_HH,
    W_IH,
    cell_update,
    scratch_rows,
    state_width,
)
from .threads import run_in_chunks


def chunk_size(n_individuals):
    """Individuals per parallel task: one chunk per thread (long vectors amortise the loops;
    each individual's loss is computed alone, so the split does not change results), rounded
    up to a multiple of ``POPULATION_VECTOR`` (:mod:`.config`)."""
    per_thread = -(-n_individuals // get_num_threads())
    return min(n_individuals, -(-per_thread // POPULATION_VECTOR) * POPULATION_VECTOR)


@njit(**JIT_OPTIONS, **INTERNAL)
def _regressors(inputs_t, targets_t, own, t, first, n_batch, input_delays, feedback_delays,
                closed, units):
    """The regressor of target ``t`` for every individual: exogenous rows (shared), then
    fed-back targets, each individual's own output (``own``, a ring over time) where ``closed``
    and the target time is simulated, the measurement otherwise."""
    n_features, n_targets = inputs_t.shape[0], targets_t.shape[0]
    n_ring = own.shape[0]
    row = 0
    for d in input_delays:
        for f in range(n_features):
            value = inputs_t[f, t - d]
            for b in range(n_batch):
                units[row, b] = value
            row += 1
    for k in feedback_delays:
        for i in range(n_targets):
            if closed and t - k >= first:
                slot = (t - k) % n_ring
                for b in range(n_batch):
                    units[row, b] = own[slot, i, b]
            else:
                value = targets_t[i, t - k]
                for b in range(n_batch):
                    units[row, b] = value
            row += 1


@njit(**JIT_OPTIONS, inline="always")
def _weighted_sum(thetas, bias, offset, stride, source, first_source, n_terms, sums, row,
                  n_batch):
    """``sums[row, b] = thetas[bias, b] + sum_i thetas[offset + i * stride, b] *
    source[first_source + i, b]`` (``bias < 0``: ``+=`` the sum instead), four terms per pass
    and the bias in the first, in :func:`.mlp.forward`'s order of additions.

    Rows are indexed, never sliced: a row view costs an atomic reference-count pair, which
    made the NARX generation 1.35x slower (benchmarks/NOTES.md)."""
    i = 0
    if bias >= 0 and n_terms < 4:
        for b in range(n_batch):
            sums[row, b] = thetas[bias, b]
    while i + 4 <= n_terms:
        ka, s = offset + i * stride, first_source + i
        kb, kc, kd = ka + stride, ka + 2 * stride, ka + 3 * stride
        if bias >= 0 and i == 0:
            for b in range(n_batch):
                sums[row, b] = thetas[bias, b] + (
                    (thetas[ka, b] * source[s, b] + thetas[kb, b] * source[s + 1, b])
                    + (thetas[kc, b] * source[s + 2, b] + thetas[kd, b] * source[s + 3, b]))
        else:
            for b in range(n_batch):
                sums[row, b] += (
                    (thetas[ka, b] * source[s, b] + thetas[kb, b] * source[s + 1, b])
                    + (thetas[kc, b] * source[s + 2, b] + thetas[kd, b] * source[s + 3, b]))
        i += 4
    while i < n_terms:
        k, s = offset + i * stride, first_source + i
        for b in range(n_batch):
            sums[row, b] += thetas[k, b] * source[s, b]
        i += 1


@njit(**JIT_OPTIONS, **INTERNAL)
def _mlp_forward(thetas, layout, units, n_batch):
    """:func:`.mlp.forward` with one parameter vector per batch column (unit ``o``'s
    weights ``W[:, o]`` are every ``fan_out``-th row of ``thetas``); ``units`` is
    ``n_batch`` wide, so a layer's rows are one run that is activated in one loop."""
    sizes, weight_offsets, bias_offsets = layout.sizes, layout.weight_offsets, layout.bias_offsets
    unit_offsets = layout.unit_offsets
    code = layout.activation
    n_layers = sizes.shape[0] - 1
    flat = units.reshape(-1)
    for layer in range(n_layers):
        fan_in, fan_out = sizes[layer], sizes[layer + 1]
        w0, b0 = weight_offsets[layer], bias_offsets[layer]
        in0, out0 = unit_offsets[layer], unit_offsets[layer + 1]
        for o in range(fan_out):
            _weighted_sum(thetas, b0 + o, w0 + o, fan_out, units, in0, fan_in, units, out0 + o,
                          n_batch)
        if layer < n_layers - 1:
            activate_inplace(flat[out0 * n_batch:], fan_out * n_batch, code)


@njit(**JIT_OPTIONS, **INTERNAL)
def _score(out, first_out, targets_t, t, own, sse, scored, n_batch):
    """Keep the outputs of target ``t`` (rows ``first_out`` on of ``out``) in the ring and add
    their squared errors."""
    slot = t % own.shape[0]
    for i in range(targets_t.shape[0]):
        measured = targets_t[i, t]
        for b in range(n_batch):
            own[slot, i, b] = out[first_out + i, b]
        if scored:
            for b in range(n_batch):
                error = out[first_out + i, b] - measured
                sse[b] += error * error


@njit(**JIT_OPTIONS, **INTERNAL)
def _ring_size(feedback_delays):
    """Past outputs an individual must keep: its largest feedback delay."""
    return 1 if feedback_delays.shape[0] == 0 else feedback_delays.max()


def narx_loss(thetas, layout, inputs_t, targets_t, first, skip, closed, chunk_size, losses):
    """Loss of every NARX parameter vector (columns of ``thetas``) into ``losses``, chunks of
    ``chunk_size`` individuals on Numba's threads (:func:`.threads.run_in_chunks`)."""
    run_in_chunks(narx_loss_chunks, -(-thetas.shape[1] // chunk_size), thetas, layout, inputs_t,
                  targets_t, first, skip, closed, chunk_size, losses)


@njit(**JIT_OPTIONS, nogil=True)
def narx_loss_chunks(thetas, layout, inputs_t, targets_t, first, skip, closed, chunk_size, losses,
                     counter):
    """:func:`narx_loss` of the chunks this thread claims from ``counter``."""
    sizes, unit_offsets = layout.sizes, layout.unit_offsets
    input_delays, feedback_delays = layout.input_delays, layout.target_delays
    n_individuals = thetas.shape[1]
    n = targets_t.shape[1]
    n_outputs = sizes[-1]
    out_row = unit_offsets[-1]
    n_ring = _ring_size(feedback_delays)
    n_scored = (n - first - skip) * n_outputs
    while True:
        chunk = claim_chunk(counter)
        if chunk >= n_chunks(n_individuals, chunk_size):
            break
        start, n_batch = chunk_bounds(chunk, chunk_size, n_individuals)
        chunk_thetas = np.ascontiguousarray(thetas[:, start:start + n_batch])
        units = np.empty((unit_offsets[-1] + sizes[-1], n_batch))
        own = np.empty((n_ring, n_outputs, n_batch))
        sse = np.zeros(n_batch)
        for t in range(first, n):
            _regressors(inputs_t, targets_t, own, t, first, n_batch, input_delays,
                        feedback_delays, closed, units)
            _mlp_forward(chunk_thetas, layout, units, n_batch)
            _score(units, out_row, targets_t, t, own, sse, t >= first + skip, n_batch)
        for b in range(n_batch):
            losses[start + b] = 0.5 * sse[b] / n_scored


@njit(**JIT_OPTIONS, **INTERNAL)
def _preactivations(thetas, offsets, layer, n_in, n_hidden, n_rows, x, h_previous, gates,
                    n_batch, split):
    """:func:`.recurrent._preactivations` with one parameter vector per batch column."""
    w_ih, w_hh = offsets[layer, W_IH], offsets[layer, W_HH]
    b_ih, b_hh = offsets[layer, B_IH], offsets[layer, B_HH]
    for r in range(n_rows):
        _weighted_sum(thetas, b_ih + r, w_ih + r * n_in, 1, x, 0, n_in, gates, r, n_batch)
        if r >= split:  # the GRU's candidate keeps its hidden side apart
            _weighted_sum(thetas, b_hh + r, w_hh + r * n_hidden, 1, h_previous, 0, n_hidden,
                          gates, n_rows + r - split, n_batch)
        else:
            for b in range(n_batch):
                gates[r, b] += thetas[b_hh + r, b]
            _weighted_sum(thetas, -1, w_hh + r * n_hidden, 1, h_previous, 0, n_hidden, gates,
                          r, n_batch)


def recurrent_loss(thetas, layout, inputs_t, targets_t, first, skip, closed, chunk_size, losses):
    """Loss of every Elman / LSTM / GRU parameter vector (columns of ``thetas``), chunks of
    ``chunk_size`` individuals on Numba's threads (:func:`.threads.run_in_chunks`)."""
    run_in_chunks(recurrent_loss_chunks, -(-thetas.shape[1] // chunk_size), thetas, layout,
                  inputs_t, targets_t, first, skip, closed, chunk_size, losses)


@njit(**JIT_OPTIONS, nogil=True)
def recurrent_loss_chunks(thetas, layout, inputs_t, targets_t, first, skip, closed, chunk_size,
                          losses, counter):
    """:func:`recurrent_loss` of the chunks this thread claims from ``counter``."""
    sizes, offsets, head, cell, input_delays, feedback_delays = layout
    n_individuals = thetas.shape[1]
    n = targets_t.shape[1]
    n_layers = sizes.shape[0] - 2
    n_outputs, top = sizes[-1], sizes[-2]
    width = state_width(sizes, cell)
    n_ring = _ring_size(feedback_delays)
    n_scored = (n - first - skip) * n_outputs
    while True:
        chunk = claim_chunk(counter)
        if chunk >= n_chunks(n_individuals, chunk_size):
            break
        start, n_batch = chunk_bounds(chunk, chunk_size, n_individuals)
        chunk_thetas = np.ascontiguousarray(thetas[:, start:start + n_batch])
        state_previous = np.zeros((n_layers, width, n_batch))
        state = np.zeros((n_layers, width, n_batch))
        gates = np.empty((n_layers, scratch_rows(cell, width), n_batch))
        units = np.empty((sizes[0], n_batch))
        out = np.empty((n_outputs, n_batch))
        own = np.empty((n_ring, n_outputs, n_batch))
        sse = np.zeros(n_batch)
        for t in range(first, n):
            _regressors(inputs_t, targets_t, own, t, first, n_batch, input_delays,
                        feedback_delays, closed, units)
            for layer in range(n_layers):
                n_hidden = sizes[layer + 1]
                below = units if layer == 0 else state[layer - 1]
                _preactivations(chunk_thetas, offsets, layer, sizes[layer], n_hidden,
                                CELL_BLOCKS[cell, GATE_BLOCKS] * n_hidden, below,
                                state_previous[layer], gates[layer], n_batch,
                                CELL_BLOCKS[cell, FUSED_BLOCKS] * n_hidden)
                peephole = offsets[layer, PEEPHOLE]
                if peephole >= 0:
                    peep = chunk_thetas[peephole:peephole + 3 * n_hidden]
                else:
                    peep = chunk_thetas[:0]
                cell_update(cell, n_hidden, state_previous[layer], state[layer], gates[layer],
                            peep, n_batch)
            for k in range(n_outputs):
                _weighted_sum(chunk_thetas, head[HEAD_BIAS] + k, head[HEAD_WEIGHT] + k * top, 1,
                              state[n_layers - 1], 0, top, out, k, n_batch)
            _score(out, 0, targets_t, t, own, sse, t >= first + skip, n_batch)
            state_previous, state = state, state_previous
        for b in range(n_batch):
            losses[start + b] = 0.5 * sse[b] / n_scored
