"""Multilayer-perceptron layers over a flat parameter vector, batch innermost.

A network with layer sizes ``sizes = [n_inputs, h_1, ..., h_L, n_outputs]`` keeps, for layer
transition ``l``, the weight matrix ``W_l`` of shape ``(sizes[l], sizes[l + 1])`` (row-major,
as scikit-learn's ``coefs_``) at ``theta[weight_offsets[l]:]`` and the bias ``b_l`` at
``theta[bias_offsets[l]:]``. Activations of one step live in a buffer ``units`` of shape
``(sum(sizes), batch)``: rows ``unit_offsets[l]:unit_offsets[l + 1]`` hold layer ``l``, row 0
onwards the network's inputs. Hidden layers use the activation ``code``; the output is linear.
"""

from typing import NamedTuple

import numpy as np
from numba import njit

from .activations import ACTIVATION_CODES, activate_inplace, derivative_from_output
from .config import GRADIENT_JIT_OPTIONS, INTERNAL, JIT_OPTIONS


class MLPLayout(NamedTuple):
    """θ's layout and the regressor of an MLP-based network (NARX, TDNN), computed once per
    fit and handed to its kernels as one argument (a Numba named tuple: ``layout.sizes``)."""

    sizes: np.ndarray  # [n_regressors, hidden..., n_outputs]
    weight_offsets: np.ndarray  # where each layer's weights start in θ
    bias_offsets: np.ndarray  # ... and its biases
    unit_offsets: np.ndarray  # rows of each layer in the kernels' unit buffer
    activation: int  # kernels.activations code of the hidden layers
    input_delays: np.ndarray
    target_delays: np.ndarray  # fed back (NARX) or measured (TDNN)

    @property
    def n_params(self):
        return int(self.bias_offsets[-1] + self.sizes[-1])


def layout(sizes, activation="tanh", input_delays=(), target_delays=()):
    """The :class:`MLPLayout` of layer sizes ``sizes`` (``[n_regressors, hidden...,
    n_outputs]``), hidden activation ``activation`` (a name of
    :data:`.activations.ACTIVATION_CODES`) and the regressor's delays.

    Examples
    --------
    >>> mlp = layout([3, 4, 1])
    >>> mlp.weight_offsets.tolist(), mlp.bias_offsets.tolist(), mlp.unit_offsets.tolist()
    ([0, 16], [12, 20], [0, 3, 7])
    >>> mlp.n_params
    21
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    weight_offsets = np.zeros(sizes.size - 1, dtype=np.int64)
    bias_offsets = np.zeros(sizes.size - 1, dtype=np.int64)
    offset = 0
    for layer in range(sizes.size - 1):
        weight_offsets[layer] = offset
        offset += sizes[layer] * sizes[layer + 1]
        bias_offsets[layer] = offset
        offset += sizes[layer + 1]
    unit_offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    return MLPLayout(sizes, weight_offsets, bias_offsets, unit_offsets,
                     ACTIVATION_CODES[activation], np.asarray(input_delays, dtype=np.int64),
                     np.asarray(target_delays, dtype=np.int64))


@njit(**JIT_OPTIONS, **INTERNAL)
def forward(theta, layout, units, n_batch):
    """Fill the hidden and output rows of ``units[:, :n_batch]`` from its input rows."""
    sizes, weight_offsets, bias_offsets = layout.sizes, layout.weight_offsets, layout.bias_offsets
    unit_offsets = layout.unit_offsets
    code = layout.activation
    n_layers = sizes.shape[0] - 1
    for layer in range(n_layers):
        fan_in = sizes[layer]
        fan_out = sizes[layer + 1]
        w0 = weight_offsets[layer]
        b0 = bias_offsets[layer]
        in0 = unit_offsets[layer]
        out0 = unit_offsets[layer + 1]
        hidden = layer < n_layers - 1
        for o in range(fan_out):
            row = units[out0 + o]
            bias = theta[b0 + o]
            for b in range(n_batch):
                row[b] = bias
            # four inputs per pass: one load and store of the output row per four
            # multiply-adds instead of per one (the loop is load/store-bound)
            i = 0
            while i + 4 <= fan_in:
                wa = theta[w0 + i * fan_out + o]
                wb = theta[w0 + (i + 1) * fan_out + o]
                wc = theta[w0 + (i + 2) * fan_out + o]
                wd = theta[w0 + (i + 3) * fan_out + o]
                sa = units[in0 + i]
                sb = units[in0 + i + 1]
                sc = units[in0 + i + 2]
                sd = units[in0 + i + 3]
                for b in range(n_batch):
                    row[b] += (wa * sa[b] + wb * sb[b]) + (wc * sc[b] + wd * sd[b])
                i += 4
            while i < fan_in:
                w = theta[w0 + i * fan_out + o]
                source = units[in0 + i]
                for b in range(n_batch):
                    row[b] += w * source[b]
                i += 1
            if hidden:
                activate_inplace(row, n_batch, code)


@njit(**GRADIENT_JIT_OPTIONS, **INTERNAL)
def backward(theta, layout, units, n_batch, delta, delta_below, grad):
    """Accumulate into ``grad`` the gradient for one step and return the input gradient.

    ``delta[:n_outputs, :n_batch]`` holds dLoss/d(output) on entry. On return
    ``delta[:n_inputs, :n_batch]`` holds dLoss/d(input rows); ``delta_below`` is scratch of the
    same shape (``(max(sizes), batch)``).
    """
    sizes, weight_offsets, bias_offsets = layout.sizes, layout.weight_offsets, layout.bias_offsets
    unit_offsets = layout.unit_offsets
    code = layout.activation
    n_layers = sizes.shape[0] - 1
    for layer in range(n_layers - 1, -1, -1):
        fan_in = sizes[layer]
        fan_out = sizes[layer + 1]
        w0 = weight_offsets[layer]
        b0 = bias_offsets[layer]
        in0 = unit_offsets[layer]
        for o in range(fan_out):
            d = delta[o]
            s = 0.0
            for b in range(n_batch):
                s += d[b]
            grad[b0 + o] += s
        for i in range(fan_in):
            source = units[in0 + i]
            below = delta_below[i]
            for b in range(n_batch):
                below[b] = 0.0
            for o in range(fan_out):
                w = theta[w0 + i * fan_out + o]
                d = delta[o]
                s = 0.0
                for b in range(n_batch):
                    s += source[b] * d[b]
                    below[b] += w * d[b]
                grad[w0 + i * fan_out + o] += s
            if layer > 0:
                for b in range(n_batch):
                    below[b] *= derivative_from_output(source[b], code)
        delta, delta_below = delta_below, delta
    return delta


@njit(**JIT_OPTIONS, **INTERNAL)
def output_jacobian(theta, layout, units, n_batch, output, delta, delta_below, jacobian):
    """Per-sample derivatives of output ``output`` (no sum over the batch, as
    Levenberg–Marquardt needs): ``jacobian[k, b] = d out[b] / d theta[k]``, and returns
    ``d out[b] / d input[i]`` in the first ``sizes[0]`` rows of a scratch buffer (``delta``
    and ``delta_below`` are ``(max(sizes), batch)`` scratch)."""
    sizes, weight_offsets, bias_offsets = layout.sizes, layout.weight_offsets, layout.bias_offsets
    unit_offsets = layout.unit_offsets
    code = layout.activation
    n_layers = sizes.shape[0] - 1
    n_outputs = sizes[-1]
    for o in range(n_outputs):
        value = 1.0 if o == output else 0.0
        for b in range(n_batch):
            delta[o, b] = value
    for layer in range(n_layers - 1, -1, -1):
        fan_in, fan_out = sizes[layer], sizes[layer + 1]
        w0, b0, in0 = weight_offsets[layer], bias_offsets[layer], unit_offsets[layer]
        for o in range(fan_out):
            for b in range(n_batch):
                jacobian[b0 + o, b] = delta[o, b]
        for i in range(fan_in):
            source = units[in0 + i]
            below = delta_below[i]
            for b in range(n_batch):
                below[b] = 0.0
            for o in range(fan_out):
                w = theta[w0 + i * fan_out + o]
                d = delta[o]
                row = jacobian[w0 + i * fan_out + o]
                for b in range(n_batch):
                    row[b] = source[b] * d[b]
                    below[b] += w * d[b]
            if layer > 0:
                for b in range(n_batch):
                    below[b] *= derivative_from_output(source[b], code)
        delta, delta_below = delta_below, delta
    return delta
