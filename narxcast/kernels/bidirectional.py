"""Bidirectional recurrent kernels (Elman, LSTM, GRU): the stack's outputs at every step of a
sequence, each seeing the whole sequence, and the gradient of their squared error by
backpropagation through time in both directions. A layout of one direction is the
unidirectional stack (``nn.RNN/LSTM/GRU(..., bidirectional=False)``) with a head at every
step, through the same code.

θ holds, per layer ``l``, the forward direction's PyTorch ``weight_ih_l{l}``,
``weight_hh_l{l}``, ``bias_ih_l{l}``, ``bias_hh_l{l}``, then the reverse direction's
``..._l{l}_reverse`` (``nn.RNN/LSTM/GRU(..., bidirectional=True)``'s ``state_dict`` order):
row ``2 l + d`` of ``offsets`` (``d`` 0 forward, 1 reverse) in the columns of
:mod:`.recurrent` (``W_IH..B_HH``; no peepholes). Layer ``l > 0`` reads the forward and the
reverse states of the layer below at the same step, concatenated (``2 h_{l-1}`` inputs); the
linear head reads the top layer's two states (``n_outputs x 2 h_L``). With one direction, rows
``l`` of ``offsets``, ``h_{l-1}`` inputs, a head of ``n_outputs x h_L``. Each direction's step is
:func:`.recurrent._layer`, so a direction is the unidirectional cell to the bit.
"""

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from .blas import gemm
from .bptt import _accumulate_transposed, _layer_backward, _outer, weight_gradients
from .config import GRADIENT_JIT_OPTIONS, JIT_OPTIONS
from .recurrent import (
    B_HH,
    B_IH,
    CELL_BLOCKS,
    GATE_BLOCKS,
    GRU,
    HEAD_BIAS,
    HEAD_WEIGHT,
    LSTM,
    SCRATCH_BLOCKS,
    W_HH,
    W_IH,
    _layer,
    uses_blas,
)

PART = 8  # sequences a thread takes of a batch (batch_loss_gradient)


class BidirectionalLayout(NamedTuple):
    """θ's layout of a bidirectional stack (see the module), one argument of its kernels."""

    sizes: np.ndarray  # [n_inputs, hidden..., n_outputs]
    offsets: np.ndarray  # (directions x layers, 5): per layer and direction, as .recurrent's
    head: np.ndarray  # HEAD_WEIGHT, HEAD_BIAS in θ
    cell: int  # .recurrent.ELMAN, LSTM or GRU
    directions: int  # 2, or 1 (forward only)

    @property
    def n_params(self):
        return int(self.head[HEAD_BIAS] + self.sizes[-1])


def layout(sizes, cell, directions=2):
    """The layout of a stack of ``sizes`` (``[n_inputs, h_1, ..., h_L, n_outputs]``) of
    ``cell`` in ``directions`` (2: bidirectional, 1: forward only), in PyTorch's order.

    Examples
    --------
    >>> from narxcast.kernels.recurrent import GRU
    >>> layout([3, 4, 1], GRU).n_params   # 2 x (12 x 3 + 12 x 4 + 12 + 12) + 8 + 1
    225
    >>> layout([3, 4, 1], GRU, directions=1).n_params   # 12 x 3 + 12 x 4 + 24 + 4 + 1
    113
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    gates = int(CELL_BLOCKS[cell, GATE_BLOCKS])
    offsets = np.full((directions * (sizes.size - 2), 5), -1, dtype=np.int64)
    offset = 0
    for layer in range(sizes.size - 2):
        n_in = sizes[0] if layer == 0 else directions * sizes[layer]
        n_hidden = sizes[layer + 1]
        for direction in range(directions):
            for column, size in ((W_IH, gates * n_hidden * n_in),
                                 (W_HH, gates * n_hidden * n_hidden),
                                 (B_IH, gates * n_hidden), (B_HH, gates * n_hidden)):
                offsets[directions * layer + direction, column] = offset
                offset += size
    head = np.array([offset, offset + sizes[-1] * directions * sizes[-2]], dtype=np.int64)
    return BidirectionalLayout(sizes, offsets, head, int(cell), int(directions))


def weight_names(layout):
    """``(name, offset, shape)`` of every tensor of θ, named as PyTorch's ``state_dict``
    (and ``head.weight``, ``head.bias``)."""
    sizes, gates = layout.sizes, int(CELL_BLOCKS[layout.cell, GATE_BLOCKS])
    directions = layout.directions
    names = []
    for layer in range(sizes.size - 2):
        n_in = int(sizes[0] if layer == 0 else directions * sizes[layer])
        n_hidden = int(sizes[layer + 1])
        for direction, suffix in ((0, ""), (1, "_reverse"))[:directions]:
            row = layout.offsets[directions * layer + direction]
            names += [(f"weight_ih_l{layer}{suffix}", row[W_IH], (gates * n_hidden, n_in)),
                      (f"weight_hh_l{layer}{suffix}", row[W_HH], (gates * n_hidden, n_hidden)),
                      (f"bias_ih_l{layer}{suffix}", row[B_IH], (gates * n_hidden,)),
                      (f"bias_hh_l{layer}{suffix}", row[B_HH], (gates * n_hidden,))]
    names += [("head.weight", layout.head[HEAD_WEIGHT],
               (int(sizes[-1]), directions * int(sizes[-2]))),
              ("head.bias", layout.head[HEAD_BIAS], (int(sizes[-1]),))]
    return names


def buffers(layout, n_steps, n_batch):
    """Zeroed ``states`` (directions x layers, n_steps + 1, width, n_batch), ``gates`` (as many,
    n_steps, rows, n_batch) and ``outputs`` (n_steps, n_outputs, n_batch) for
    :func:`sequence_outputs`."""
    hidden = int(layout.sizes[1:-1].max())
    width = 2 * hidden if layout.cell == LSTM else hidden  # (.recurrent's state_width)
    rows = int(CELL_BLOCKS[layout.cell, SCRATCH_BLOCKS]) * hidden  # (and scratch_rows)
    n_virtual = layout.offsets.shape[0]
    return (np.zeros((n_virtual, n_steps + 1, width, n_batch)),
            np.zeros((n_virtual, n_steps, rows, n_batch)),
            np.zeros((n_steps, int(layout.sizes[-1]), n_batch)))


@njit(**JIT_OPTIONS)
def sequence_outputs(theta, layout, inputs, states, gates, outputs):
    """The stack's outputs at every step of a batch of sequences ``inputs`` (n_steps,
    n_inputs, n_batch), from zero states, into ``outputs`` (n_steps, n_outputs, n_batch).

    ``states[2 l + d, s]`` is direction ``d``'s state after its ``s``-th step (``s = 0``: the
    zero state before the first): the forward direction's step ``s`` reads time ``s - 1``,
    the reverse one's time ``n_steps - s``; ``gates`` keeps each step's scratch (for the
    backward pass). Buffers as :func:`buffers` makes them.
    """
    sizes, offsets, head, cell, directions = layout
    n_steps, _, n_batch = inputs.shape
    n_layers = sizes.shape[0] - 2
    below = np.empty((directions * sizes[1:-1].max() if n_layers else 1, n_batch))
    for layer in range(n_layers):
        n_hidden = sizes[layer + 1]
        n_in = sizes[0] if layer == 0 else directions * sizes[layer]
        for direction in range(directions):
            k = directions * layer + direction
            for s in range(1, n_steps + 1):
                t = s - 1 if direction == 0 else n_steps - s
                if layer == 0:
                    x = inputs[t]
                else:
                    h_below, first = sizes[layer], directions * (layer - 1)
                    forward = states[first, t + 1]
                    reverse = states[first + directions - 1, n_steps - t]
                    for r in range(h_below):
                        for b in range(n_batch):
                            below[r, b] = forward[r, b]
                            if directions == 2:
                                below[h_below + r, b] = reverse[r, b]
                    x = below
                _layer(theta, offsets, cell, k, n_in, n_hidden, x, states[k, s - 1],
                       states[k, s], gates[k, s - 1], n_batch)
    top, n_outputs = sizes[-2], sizes[-1]
    w, bias = head[HEAD_WEIGHT], head[HEAD_BIAS]
    k = directions * (n_layers - 1)
    for t in range(n_steps):
        forward, reverse = states[k, t + 1], states[k + directions - 1, n_steps - t]
        for o in range(n_outputs):
            row = w + o * directions * top
            for b in range(n_batch):
                total = theta[bias + o]
                if directions == 2:
                    for j in range(top):
                        total += (theta[row + j] * forward[j, b]
                                  + theta[row + top + j] * reverse[j, b])
                else:
                    for j in range(top):
                        total += theta[row + j] * forward[j, b]
                outputs[t, o, b] = total
    return outputs


@njit(**GRADIENT_JIT_OPTIONS)
def loss_gradient(theta, layout, inputs, targets, weights, grad):
    """The weighted mean squared error / 2 of the stack's outputs over a batch of sequences
    (``sum(weights * (outputs - targets) ** 2) / (2 sum(weights))``; ``targets`` and
    ``weights`` of the outputs' shape, a weight 0 leaves a value out) and its gradient by
    backpropagation through time in both directions, into ``grad`` (overwritten). Returns
    the loss (0 when every weight is 0)."""
    sizes, offsets, head, cell, directions = layout
    n_steps, _, n_batch = inputs.shape
    n_layers = sizes.shape[0] - 2
    top, n_outputs = sizes[-2], sizes[-1]
    hidden = sizes[1:-1].max()
    width = 2 * hidden if cell == LSTM else hidden
    n_gates = CELL_BLOCKS[cell, GATE_BLOCKS]
    states = np.zeros((directions * n_layers, n_steps + 1, width, n_batch))
    gates = np.zeros((directions * n_layers, n_steps,
                      CELL_BLOCKS[cell, SCRATCH_BLOCKS] * hidden, n_batch))
    outputs = np.empty((n_steps, n_outputs, n_batch))
    sequence_outputs(theta, layout, inputs, states, gates, outputs)
    grad[:] = 0.0
    total = 0.0
    for value in weights.ravel():
        total += value
    if total == 0.0:
        return 0.0
    d_out = np.empty_like(outputs)
    loss = 0.0
    for t in range(n_steps):
        for o in range(n_outputs):
            for b in range(n_batch):
                error = outputs[t, o, b] - targets[t, o, b]
                loss += weights[t, o, b] * error * error
                d_out[t, o, b] = weights[t, o, b] * error / total
    # dLoss/dh of each layer's direction at each time, from the head or the layer above
    d_above = np.zeros((directions * n_layers, n_steps, hidden, n_batch))
    w_head, b_head = head[HEAD_WEIGHT], head[HEAD_BIAS]
    k_top = directions * (n_layers - 1)
    for t in range(n_steps):
        forward = states[k_top, t + 1]
        reverse = states[k_top + directions - 1, n_steps - t]
        for o in range(n_outputs):
            row = w_head + o * directions * top
            for b in range(n_batch):
                g = d_out[t, o, b]
                grad[b_head + o] += g
                for j in range(top):
                    grad[row + j] += g * forward[j, b]
                    d_above[k_top, t, j, b] += theta[row + j] * g
                    if directions == 2:
                        grad[row + top + j] += g * reverse[j, b]
                        d_above[k_top + 1, t, j, b] += theta[row + top + j] * g
    d_state = np.zeros((width, n_batch))
    d_previous = np.zeros((width, n_batch))
    d_input_side = np.zeros((CELL_BLOCKS[cell, SCRATCH_BLOCKS] * hidden, n_batch))
    d_hidden_side = np.zeros_like(d_input_side)
    x = np.empty((directions * hidden if n_layers > 1 else sizes[0], n_batch))
    d_below = np.empty((directions * hidden, n_batch))
    for layer in range(n_layers - 1, -1, -1):
        n_hidden = sizes[layer + 1]
        n_in = sizes[0] if layer == 0 else directions * sizes[layer]
        n_rows = n_gates * n_hidden
        first = directions * (layer - 1)  # the layer below's first row of states
        for direction in range(directions):
            k = directions * layer + direction
            d_previous[:] = 0.0
            for s in range(n_steps, 0, -1):
                t = s - 1 if direction == 0 else n_steps - s
                for r in range(width):
                    for b in range(n_batch):
                        d_state[r, b] = d_previous[r, b]
                        d_previous[r, b] = 0.0
                for j in range(n_hidden):
                    for b in range(n_batch):
                        d_state[j, b] += d_above[k, t, j, b]
                _layer_backward(theta, grad, offsets, k, cell, n_hidden, states[k, s - 1],
                                states[k, s], gates[k, s - 1], d_state, d_input_side,
                                d_hidden_side, d_previous, n_batch)
                hidden_side = d_hidden_side if cell == GRU else d_input_side
                if layer == 0:
                    source = inputs[t]
                else:
                    h_below = sizes[layer]
                    for j in range(h_below):
                        for b in range(n_batch):
                            x[j, b] = states[first, t + 1, j, b]
                            if directions == 2:
                                x[h_below + j, b] = states[first + 1, n_steps - t, j, b]
                    source = x
                _direction_backward(theta, grad, offsets[k], n_rows, n_in, n_hidden, source,
                                    states[k, s - 1], d_input_side, hidden_side, d_previous,
                                    d_below, layer > 0, n_batch)
                if layer > 0:  # the layer below's two directions read the halves of x
                    h_below = sizes[layer]
                    for j in range(h_below):
                        for b in range(n_batch):
                            d_above[first, t, j, b] += d_below[j, b]
                            if directions == 2:
                                d_above[first + 1, t, j, b] += d_below[h_below + j, b]
    return 0.5 * loss / total


@njit(**GRADIENT_JIT_OPTIONS, inline="always")
def _direction_backward(theta, grad, row, n_rows, n_in, n_hidden, source, h_previous,
                        d_input_side, hidden_side, d_previous, d_below, below, n_batch):
    """One step of one direction's weight and bias gradients from its pre-activation
    gradients, the gradient carried to its previous state (``d_previous +=``) and, with
    ``below``, the one to its input (``d_below =``): products through BLAS from the
    unidirectional kernels' size on (:func:`.recurrent.uses_blas`), vectorised loops below it
    (as :func:`.bptt._weights_backward`)."""
    w_ih, w_hh, b_ih, b_hh = row[W_IH], row[W_HH], row[B_IH], row[B_HH]
    for r in range(n_rows):
        in_sum, hidden_sum = 0.0, 0.0
        for b in range(n_batch):
            in_sum += d_input_side[r, b]
            hidden_sum += hidden_side[r, b]
        grad[b_ih + r] += in_sum
        grad[b_hh + r] += hidden_sum
    if uses_blas(n_rows, n_in + n_hidden, n_batch):
        w_input = theta[w_ih:w_ih + n_rows * n_in].reshape((n_rows, n_in))
        w_hidden = theta[w_hh:w_hh + n_rows * n_hidden].reshape((n_rows, n_hidden))
        weight_gradients(grad, w_ih, w_hh, n_rows, n_in, n_hidden, d_input_side, hidden_side,
                         source, h_previous)
        gemm(True, False, w_hidden, hidden_side[:n_rows], d_previous[:n_hidden], True)
        if below:
            gemm(True, False, w_input, d_input_side[:n_rows], d_below[:n_in], False)
        return
    for r in range(n_rows):
        _outer(grad, w_ih, n_in, r, n_in, d_input_side, source, n_batch)
        _outer(grad, w_hh, n_hidden, r, n_hidden, hidden_side, h_previous, n_batch)
    for j in range(n_hidden):
        _accumulate_transposed(theta, w_hh, n_hidden, j, n_rows, hidden_side, d_previous, j,
                               n_batch)
    if below:
        for i in range(n_in):
            for b in range(n_batch):
                d_below[i, b] = 0.0
            _accumulate_transposed(theta, w_ih, n_in, i, n_rows, d_input_side, d_below, i,
                                   n_batch)


@njit(**GRADIENT_JIT_OPTIONS, parallel=True)
def batch_loss_gradient(theta, layout, inputs, targets, weights, grad):
    """:func:`loss_gradient` of a batch cut into parts of :data:`PART` sequences, the parts on
    parallel threads: the same loss and gradient, each part's weighted by its share of the
    weights (to rounding; the parts do not depend on the number of threads, so neither do
    the results)."""
    n_batch = inputs.shape[2]
    n_parts = (n_batch + PART - 1) // PART
    losses = np.zeros(n_parts)
    totals = np.zeros(n_parts)
    grads = np.zeros((n_parts, grad.shape[0]))
    for part in prange(n_parts):
        start, stop = part * n_batch // n_parts, (part + 1) * n_batch // n_parts
        part_weights = np.ascontiguousarray(weights[:, :, start:stop])
        totals[part] = part_weights.sum()
        part_grad = np.empty(grad.shape[0])
        losses[part] = loss_gradient(theta.copy(), layout,
                                     np.ascontiguousarray(inputs[:, :, start:stop]),
                                     np.ascontiguousarray(targets[:, :, start:stop]),
                                     part_weights, part_grad)
        grads[part] = part_grad
    total = totals.sum()
    grad[:] = 0.0
    if total == 0.0:
        return 0.0
    loss = 0.0
    for part in range(n_parts):
        share = totals[part] / total
        loss += share * losses[part]
        for i in range(grad.shape[0]):
            grad[i] += share * grads[part, i]
    return loss

