"""What several kernel modules share: the NARX regressor gathered open or closed loop, the
windows' squared error and the feedback path of its gradient, and the chunks of a batch.

Notation. ``inputs_t`` is ``(n_features, n_times)`` and ``targets_t`` ``(n_targets, n_times)``
(time innermost, scaled units). The regressor of target time ``t`` is, row by row,
``x[f, t - d]`` for ``d`` in ``input_delays`` (then ``f``), followed by ``y[i, t - k]`` for ``k``
in ``feedback_delays`` (then ``i``). A forecast made at origin ``o`` knows ``y`` up to time ``o``
and ``x`` up to the target time; step ``j`` of it (target ``o + j + 1``) reads measured ``y``
where ``t - k <= o`` and, in closed loop, its own forecasts otherwise.
"""

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic, overload

from .config import GRADIENT_JIT_OPTIONS, INTERNAL, JIT_OPTIONS


@njit(**JIT_OPTIONS, inline="always")
def n_chunks(n_batch, chunk_size):
    """Parallel tasks of ``chunk_size`` batch columns (the last one shorter)."""
    return (n_batch + chunk_size - 1) // chunk_size


@njit(**JIT_OPTIONS, inline="always")
def chunk_bounds(chunk, chunk_size, n_batch):
    """``(start, width)`` of task ``chunk`` among :func:`n_chunks` tasks."""
    start = chunk * chunk_size
    left = n_batch - start
    return start, chunk_size if chunk_size < left else left


def claim_chunk(counter):
    """The next chunk of a batch for the calling thread: ``counter[0]``, incremented
    atomically in compiled code, so threads sharing ``counter`` take every chunk once, each
    as soon as it is free (:mod:`.threads`). Python (``NUMBA_DISABLE_JIT=1``, one thread):
    the same without atomicity."""
    chunk = counter[0]
    counter[0] += 1
    return chunk


@intrinsic
def _fetch_add(typingctx, counter):
    """``counter[0]++`` as one atomic instruction (LLVM's ``atomicrmw add``)."""
    if not (isinstance(counter, types.Array) and counter.dtype == types.int64):
        return None

    def codegen(context, builder, signature, args):
        array = context.make_array(signature.args[0])(context, builder, args[0])
        return builder.atomic_rmw("add", array.data, ir.Constant(ir.IntType(64), 1),
                                  "monotonic")

    return types.int64(counter), codegen


@overload(claim_chunk, inline="always")
def _claim_chunk_compiled(counter):
    return lambda counter: _fetch_add(counter)


@njit(**JIT_OPTIONS, **INTERNAL)
def no_forecasts():
    """The closed-loop buffer of :func:`gather_regressors` for open-loop gathers (never read)."""
    return np.empty((0, 0, 0))


@njit(**JIT_OPTIONS, **INTERNAL)
def gather_regressors(inputs_t, targets_t, forecasts, origins, start, n_batch, step,
                      input_delays, feedback_delays, closed, units):
    """Write into ``units[:, :n_batch]`` the regressors of forecast step ``step`` (target
    ``origin + step + 1``) of ``origins[start:start + n_batch]``; with ``closed`` the fed-back
    rows of leads already forecast come from ``forecasts`` (step, target, origin: column
    ``start + b`` for batch column ``b``).

    Callers pass the scalars as run-time values (``np.int64(0)``, ``np.bool_(True)``), not
    literals: Numba compiles a function once per literal it is called with."""
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
                    units[row, b] = forecasts[lead - 1, i, start + b]
            else:
                for b in range(n_batch):
                    units[row, b] = targets_t[i, origins[start + b] + step + 1 - k]
            row += 1


@njit(**JIT_OPTIONS, inline="always")
def widest_layer(sizes):
    """The largest layer, at least 1 (a loop with a comparison: ``sizes.max()`` compiles
    NumPy's generic reduction and ``max`` its builtin, tenths of a second of a cold start)."""
    widest = 1
    for size in sizes:
        if size > widest:
            widest = size
    return widest


@njit(**JIT_OPTIONS, **INTERNAL)
def store_bounded(outputs, first_row, lower, upper, forecasts, start, n_batch):
    """``forecasts[i, start:start + n_batch] = outputs[first_row + i, :n_batch]`` held within
    ``[lower[i], upper[i]]`` for every target ``i``: a closed loop feeds these values back, so
    bounds keep a run-away forecast within the range the model was trained on (NaN stays
    NaN; infinite bounds leave every value as it is)."""
    for i in range(forecasts.shape[0]):
        low, high = lower[i], upper[i]
        for b in range(n_batch):
            value = outputs[first_row + i, b]
            forecasts[i, start + b] = low if value < low else (high if value > high else value)


@njit(**GRADIENT_JIT_OPTIONS, **INTERNAL)
def squared_error(forecasts, targets_t, origins, weights, start, n_batch, scale, d_forecasts):
    """Squared error / 2 of the window forecasts (window, n_targets, origin) of
    ``origins[start:start + n_batch]`` against ``targets_t[:, origins + step + 1]``, step
    ``j``'s errors weighted by ``weights[j]``, times ``scale`` (1 / the number of terms of the
    mean); its gradient goes into ``d_forecasts[:, :, :n_batch]``."""
    window, n_outputs = forecasts.shape[0], forecasts.shape[1]
    loss = 0.0
    for step in range(window):
        weight = weights[step]
        step_scale = weight * scale
        for i in range(n_outputs):
            series = targets_t[i]
            for b in range(n_batch):
                error = forecasts[step, i, start + b] - series[origins[start + b] + step + 1]
                loss += weight * (error * error)
                d_forecasts[step, i, b] = error * step_scale
    return 0.5 * loss * scale


@njit(**GRADIENT_JIT_OPTIONS, **INTERNAL)
def route_feedback_gradient(d_inputs, first_row, feedback_delays, step, d_forecasts):
    """Closed loop: the gradient reaching the fed-back rows of step ``step``'s input (from
    ``first_row`` on, delay-major) belongs to the forecasts they were: add it there."""
    n_outputs = d_forecasts.shape[1]
    row = first_row
    for k in feedback_delays:
        lead = step + 1 - k
        for i in range(n_outputs):
            if lead >= 1:
                for b in range(d_forecasts.shape[2]):
                    d_forecasts[lead - 1, i, b] += d_inputs[row, b]
            row += 1
