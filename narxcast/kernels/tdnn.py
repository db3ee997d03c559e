"""TDNN kernels: direct multi-horizon outputs from one window of delayed inputs and targets.

The regressor of origin ``o`` is the NARX regressor of target ``o + 1`` (``x[f, o + 1 - d]``
for ``d`` in ``input_delays``, then ``y[i, o + 1 - k]`` for ``k`` in ``target_delays``), always
from measurements. Output ``j * n_targets + i`` is the forecast of ``y[i, o + 1 + j]``.
"""

import numpy as np
from numba import njit

from .config import CHUNK, GRADIENT_JIT_OPTIONS, JIT_OPTIONS
from .core import (
    chunk_bounds,
    claim_chunk,
    gather_regressors,
    n_chunks,
    no_forecasts,
    widest_layer,
)
from .mlp import backward, forward
from .threads import run_in_chunks


def predict(theta, layout, inputs_t, targets_t, origins, out):
    """All outputs for every origin: ``out`` is ``(n_outputs, n_origins)``. Chunks of
    ``CHUNK`` origins run on Numba's threads (:func:`.threads.run_in_chunks`)."""
    run_in_chunks(predict_chunks, -(-origins.shape[0] // CHUNK), theta, layout, inputs_t, targets_t,
                  origins, out)


@njit(**JIT_OPTIONS, nogil=True)
def predict_chunks(theta, layout, inputs_t, targets_t, origins, out, counter):
    """:func:`predict` of the chunks this thread claims from ``counter``."""
    sizes, unit_offsets = layout.sizes, layout.unit_offsets
    input_delays, target_delays = layout.input_delays, layout.target_delays
    n_origins = origins.shape[0]
    n_outputs = sizes[-1]
    out_row = unit_offsets[-1]
    while True:
        chunk = claim_chunk(counter)
        if chunk >= n_chunks(n_origins, CHUNK):
            break
        start, n_batch = chunk_bounds(chunk, CHUNK, n_origins)
        units = np.empty((unit_offsets[-1] + sizes[-1], n_batch))
        gather_regressors(inputs_t, targets_t, no_forecasts(), origins, start, n_batch,
                          np.int64(0), input_delays, target_delays, np.bool_(False), units)
        forward(theta, layout, units, n_batch)
        for k in range(n_outputs):
            for b in range(n_batch):
                out[k, start + b] = units[out_row + k, b]


@njit(**GRADIENT_JIT_OPTIONS)
def loss_gradient(theta, layout, inputs_t, targets_t, origins, grad):
    """Mean squared error / 2 over every output of every origin; gradient into ``grad``."""
    sizes, unit_offsets = layout.sizes, layout.unit_offsets
    input_delays, target_delays = layout.input_delays, layout.target_delays
    n_batch = origins.shape[0]
    n_outputs = sizes[-1]
    n_targets = targets_t.shape[0]
    out_row = unit_offsets[-1]
    units = np.empty((unit_offsets[-1] + sizes[-1], n_batch))
    gather_regressors(inputs_t, targets_t, no_forecasts(), origins, np.int64(0), n_batch,
                      np.int64(0), input_delays, target_delays, np.bool_(False), units)
    forward(theta, layout, units, n_batch)
    width = widest_layer(sizes)
    delta = np.empty((width, n_batch))
    scale = 1.0 / (n_batch * n_outputs)
    loss = 0.0
    for k in range(n_outputs):
        lead, i = divmod(k, n_targets)
        series = targets_t[i]
        for b in range(n_batch):
            error = units[out_row + k, b] - series[origins[b] + lead + 1]
            loss += error * error
            delta[k, b] = error * scale
    grad[:] = 0.0
    backward(theta, layout, units, n_batch, delta, np.empty((width, n_batch)), grad)
    return 0.5 * loss * scale
