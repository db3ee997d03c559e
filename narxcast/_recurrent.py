"""Recurrent networks (Elman, LSTM, GRU): stacked recurrent layers and a linear head over a
flat θ in PyTorch's layout, the state carried from step to step and kept after fit/update."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Self

import numpy as np
from numpy.typing import ArrayLike
from sklearn.utils.validation import check_is_fitted

from ._network import _UNUSABLE, FeedbackMixin, NetworkForecaster
from ._typing import Auto, Delays, Horizons, Loop, RandomState, Solver
from ._validation import RECURRENT_PARAMETER_CONSTRAINTS, check_hidden_layer_sizes
from .kernels import bptt, population as population_kernels, recurrent as recurrent_kernels
from .kernels.blas import single_threaded_blas
from .kernels.recurrent import (
    B_HH,
    B_IH,
    CELL_BLOCKS,
    GATE_BLOCKS,
    HEAD_BIAS,
    HEAD_WEIGHT,
    LSTM,
    PEEPHOLE,
    W_HH,
    W_IH,
    RecurrentLayout,
)
from .training.stages import TrainingProblem


class RecurrentForecaster(FeedbackMixin, NetworkForecaster):
    """Stacked recurrent layers and a linear head over θ in PyTorch's layout.

    The network's input at target time ``t`` is the NARX regressor of ``t``; its state is
    carried from step to step. ``fit``/``update`` leave ``state_``, the state after the last
    row seen, from which ``predict(X_future)`` continues; a segment's forecasts start from a
    zero state and run open loop over measured targets up to each origin.
    """

    _parameter_constraints = RECURRENT_PARAMETER_CONSTRAINTS
    _solvers = frozenset({"adam", "sgd", "ga", "cmaes"})
    _auto_delays = (0, 1)  # input and feedback delays "auto" stand for with prediction focus
    _cell = 0  # kernels.recurrent.ELMAN, LSTM or GRU
    _kernel_module = recurrent_kernels

    def _check_fit_usable(self, data):
        """θ finite here; the states over the data are checked as they are stored (a finite
        state and θ give finite outputs: the states are bounded by 1)."""
        if not np.isfinite(self.theta_).all():
            raise FloatingPointError(_UNUSABLE)

    def _has_peepholes(self):
        """Whether the layers have peephole weights (LSTMRegressor's ``peephole``)."""
        return False

    def _check_regressors(self):
        if not check_hidden_layer_sizes(self.hidden_layer_sizes):
            raise ValueError(f"`hidden_layer_sizes` of {type(self).__name__} must give at least "
                             "one recurrent layer. Got ().")
        super()._check_regressors()

    def __init__(self, input_delays: Delays = "auto", feedback_delays: Delays = "auto",
                 hidden_layer_sizes: int | Sequence[int] = (10,), loop: Loop = "auto",
                 bptt_steps: int | Auto = "auto", burn_in: int = 24, washout: int = 0,
                 solver: Solver = "auto", alpha: float = 1e-4, batch_size: int | Auto = "auto",
                 learning_rate_init: float = 1e-3, max_iter: int | Auto = "auto",
                 tol: float = 1e-4, clip_norm: float | None = 5.0, early_stopping: bool = False,
                 validation_fraction: float = 0.1, n_iter_no_change: int | Auto = "auto",
                 momentum: float = 0.9, nesterovs_momentum: bool = True, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-8,
                 dtype: Literal["float64", "float32"] = "float64", population_size: int = 100,
                 n_generations: int = 50, crossover_rate: float = 0.5,
                 mutation_rate: float = 0.3, sigma: float = 0.1,
                 fitness: Literal["closed", "open"] = "closed", scale: bool = True,
                 random_state: RandomState = None, verbose: bool = False,
                 warm_start: bool = False, n_init: int | Literal["auto"] = "auto",
                 clip_forecasts: float | None = 0.25,
                 validation_horizons: Horizons = None,
                 horizon_weights: Literal["persistence"] | ArrayLike | None = None,
                 n_jobs: int | None = None,
                 focus: Literal["prediction", "simulation"] = "prediction") -> None:
        self.input_delays = input_delays
        self.feedback_delays = feedback_delays
        self.hidden_layer_sizes = hidden_layer_sizes
        self.loop = loop
        self.bptt_steps = bptt_steps
        self.burn_in = burn_in
        self.washout = washout
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.tol = tol
        self.clip_norm = clip_norm
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.dtype = dtype
        self.population_size = population_size
        self.n_generations = n_generations
        self.crossover_rate = crossover_rate
        self.mutation_rate = mutation_rate
        self.sigma = sigma
        self.fitness = fitness
        self.scale = scale
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        self.n_init = n_init
        self.clip_forecasts = clip_forecasts
        self.validation_horizons = validation_horizons
        self.horizon_weights = horizon_weights
        self.n_jobs = n_jobs
        self.focus = focus

    def _first_origin(self):
        return self.max_delay_ - 1 + self.washout

    # ------------------------------------------------------------------- θ's layout
    def _check_fitted_state(self):
        super()._check_fitted_state()
        state = self.state_
        if state is not None and not (
                isinstance(state, np.ndarray) and state.dtype == np.float64
                and state.shape == (self.layout_.n_layers, self.layout_.state_width)
                and np.isfinite(state).all()):
            raise ValueError(f"`state_` must be None or finite float64 of shape "
                             f"{(self.layout_.n_layers, self.layout_.state_width)}. Got "
                             f"{getattr(state, 'shape', state)!r}.")

    def _make_layout(self):
        """Per layer ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh`` in PyTorch's order,
        then the peepholes; the head after the last layer."""
        sizes = np.array([self._n_regressors(),
                          *check_hidden_layer_sizes(self.hidden_layer_sizes), self.n_targets_],
                         dtype=np.int64)
        gates = int(CELL_BLOCKS[self._cell, GATE_BLOCKS])
        offsets = np.full((sizes.size - 2, 5), -1, dtype=np.int64)
        offset = 0
        for layer in range(sizes.size - 2):
            n_in, n_hidden = sizes[layer], sizes[layer + 1]
            blocks = {W_IH: gates * n_hidden * n_in, W_HH: gates * n_hidden * n_hidden,
                      B_IH: gates * n_hidden, B_HH: gates * n_hidden}
            if self._has_peepholes():
                blocks[PEEPHOLE] = 3 * n_hidden  # diagonal i, f, o peepholes
            for column, size in blocks.items():
                offsets[layer, column] = offset
                offset += size
        head = np.empty(2, dtype=np.int64)
        head[HEAD_WEIGHT], head[HEAD_BIAS] = offset, offset + sizes[-1] * sizes[-2]
        return RecurrentLayout(sizes, offsets, head, self._cell, self.input_delays_,
                               self.target_delays_)

    def _weight_names(self):
        """(name, offset, shape) of every tensor, named as PyTorch's state_dict."""
        sizes, offsets, head = self.layout_.sizes, self.layout_.offsets, self.layout_.head
        gates = int(CELL_BLOCKS[self._cell, GATE_BLOCKS])
        names = []
        for layer in range(self.layout_.n_layers):
            n_in, n_hidden = int(sizes[layer]), int(sizes[layer + 1])
            rows = gates * n_hidden
            names += [(f"weight_ih_l{layer}", offsets[layer, W_IH], (rows, n_in)),
                      (f"weight_hh_l{layer}", offsets[layer, W_HH], (rows, n_hidden)),
                      (f"bias_ih_l{layer}", offsets[layer, B_IH], (rows,)),
                      (f"bias_hh_l{layer}", offsets[layer, B_HH], (rows,))]
            if offsets[layer, PEEPHOLE] >= 0:
                names.append((f"weight_peephole_l{layer}", offsets[layer, PEEPHOLE],
                              (3, n_hidden)))
        names += [("head.weight", head[HEAD_WEIGHT], (int(sizes[-1]), int(sizes[-2]))),
                  ("head.bias", head[HEAD_BIAS], (int(sizes[-1]),))]
        return names

    def get_weights(self) -> dict[str, np.ndarray]:
        """The parameters as PyTorch names and shapes (scaled units), as copies.

        ``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``, ``bias_hh_l{k}`` per layer
        (as ``nn.RNN``/``nn.LSTM``/``nn.GRU``'s ``state_dict``), ``weight_peephole_l{k}``
        (i, f, o rows) for an LSTM with peepholes, ``head.weight`` and ``head.bias`` for the
        linear output layer.

        Returns
        -------
        dict of str to ndarray
        """
        check_is_fitted(self, "theta_")
        return {name: self.theta_[offset:offset + int(np.prod(shape))].reshape(shape).copy()
                for name, offset, shape in self._weight_names()}

    def set_weights(self, weights: dict[str, ArrayLike]) -> Self:
        """Load parameters given as :meth:`get_weights` returns them; returns ``self``.

        Parameters
        ----------
        weights : dict of str to array-like
            Every name :meth:`get_weights` gives, with its shape.

        Returns
        -------
        self
        """
        check_is_fitted(self, "theta_")
        expected = {name: shape for name, _, shape in self._weight_names()}
        if set(weights) != set(expected):
            raise ValueError(f"`weights` must have the keys {sorted(expected)}. Got "
                             f"{sorted(weights)}.")
        theta = self.theta_.copy()
        for name, offset, shape in self._weight_names():
            value = np.asarray(weights[name], dtype=np.float64)
            if value.shape != shape:
                raise ValueError(f"`weights[{name!r}]` must have shape {shape}. Got "
                                 f"{value.shape}.")
            theta[offset:offset + value.size] = value.ravel()
        self.theta_ = theta
        self.state_ = None  # computed with the old parameters; `update` restarts it
        return self

    def _initial_theta(self, rng):
        """PyTorch's initialisation: U(-1/sqrt(h), 1/sqrt(h)) for every recurrent tensor."""
        sizes, offsets, head = self.layout_.sizes, self.layout_.offsets, self.layout_.head
        n_layers, n_params = self.layout_.n_layers, self.layout_.n_params
        theta = np.empty(n_params)
        for layer in range(n_layers):
            bound = 1.0 / np.sqrt(sizes[layer + 1])
            start = offsets[layer, W_IH]
            end = offsets[layer + 1, W_IH] if layer + 1 < n_layers else head[HEAD_WEIGHT]
            theta[start:end] = rng.uniform(-bound, bound, end - start)
        bound = 1.0 / np.sqrt(sizes[-2])
        theta[head[HEAD_WEIGHT]:] = rng.uniform(-bound, bound, n_params - head[HEAD_WEIGHT])
        if self._cell == LSTM:
            for layer in range(n_layers):  # forget gates open: total bias 1
                n_hidden = sizes[layer + 1]
                b_ih, b_hh = offsets[layer, B_IH], offsets[layer, B_HH]
                theta[b_ih + n_hidden:b_ih + 2 * n_hidden] = 1.0
                theta[b_hh + n_hidden:b_hh + 2 * n_hidden] = 0.0
        return theta

    def _weight_mask(self):
        sizes, offsets, head = self.layout_.sizes, self.layout_.offsets, self.layout_.head
        mask = np.zeros(self.layout_.n_params)
        for layer in range(self.layout_.n_layers):
            mask[offsets[layer, W_IH]:offsets[layer, B_IH]] = 1.0  # weight_ih, weight_hh
            peephole = offsets[layer, PEEPHOLE]
            if peephole >= 0:
                mask[peephole:peephole + 3 * sizes[layer + 1]] = 1.0
        mask[head[HEAD_WEIGHT]:head[HEAD_BIAS]] = 1.0
        return mask

    # ------------------------------------------------------------------ states
    def _states(self, theta, inputs_t, targets_t, initial=None, first=None, records=None):
        """Open-loop states (layers, width, n) over a segment, from ``initial`` (zero if None)
        at the step of target ``first`` (the first complete regressor if None). Over several
        ``records`` ((start, end) rows) the state restarts from zero at each one's start (the
        last one runs on to the end of the arrays, past any padding)."""
        layout = self.layout_
        self._check_theta(theta)
        if records and len(records) > 1 and initial is None and first is None:
            states = np.zeros((layout.n_layers, layout.state_width, targets_t.shape[1]))
            ends = [end for _, end in records[1:]] + [targets_t.shape[1]]
            for (start, _), end in zip(records, ends):
                if end - start > self.max_delay_:
                    states[:, :, start:end] = self._states(
                        theta, np.ascontiguousarray(inputs_t[:, start:end]),
                        np.ascontiguousarray(targets_t[:, start:end]))
            return states
        first = self.max_delay_ if first is None else first
        if initial is None:
            initial = np.zeros((layout.n_layers, layout.state_width))
        if (initial.shape != (layout.n_layers, layout.state_width) or first < self.max_delay_
                or inputs_t.shape != (self.n_features_in_, targets_t.shape[1])):
            raise ValueError("The state pass's arrays do not match the fitted model.")
        # in the model's precision: a float32 model's pass over a year at batch 1 is most of
        # a small fit's one-off work, and its products (gemv) run twice as fast in float32
        dtype = np.dtype(self.dtype)
        states = np.empty((layout.n_layers, layout.state_width, targets_t.shape[1]), dtype)
        with single_threaded_blas():
            recurrent_kernels.open_loop_states(theta.astype(dtype, copy=False), layout, inputs_t,
                                               targets_t, first, initial.astype(dtype, copy=False),
                                               states)
        return states

    def _forecast_theta(self, theta, inputs_t, targets_t, origins, horizon, initial=None,
                        bounded=True, records=None):
        with single_threaded_blas():
            return self._recurrent_forecast(theta, inputs_t, targets_t, origins, horizon,
                                            initial, bounded, records=records)

    def _recurrent_forecast(self, theta, inputs_t, targets_t, origins, horizon, initial,
                            bounded, residuals_t=None, seed=0, records=None):
        self._check_forecast_arrays(theta, inputs_t, targets_t, origins, horizon)
        if initial is None:
            states = self._states(theta, inputs_t, targets_t, records=records)
            initial = np.ascontiguousarray(states[:, :, np.maximum(origins, 0)])
            initial[:, :, origins < 0] = 0.0  # origin -1: nothing seen yet
        if initial.shape != (self.layout_.n_layers, self.layout_.state_width, origins.size):
            raise ValueError("The initial states do not match the fitted model.")
        out = np.empty((horizon, self.n_targets_, origins.size))
        if residuals_t is None:
            residuals_t = np.empty((0, self.n_targets_))
        recurrent_kernels.forecast(theta, self.layout_, inputs_t, targets_t, initial, origins,
                                   horizon, *self._forecast_bounds(bounded), residuals_t, seed,
                                   out)
        return out

    def _sample_scaled(self, inputs_t, targets_t, origins, horizon, residuals_t, seed,
                       initial=None):
        with single_threaded_blas():
            return self._recurrent_forecast(self.theta_, inputs_t, targets_t, origins, horizon,
                                            initial, True, residuals_t, seed)

    def _sample_continuation(self, inputs_t, targets_t, origin, horizon, n_paths, residuals_t,
                             seed):
        """Paths continuing from the stored state (as ``predict(X_future)``)."""
        if self.state_ is None:
            self._forecast_continuation(inputs_t, targets_t, origin, horizon)  # its error
        initial = np.ascontiguousarray(np.repeat(self.state_[:, :, None], n_paths, axis=2))
        origins = np.full(n_paths, origin, dtype=np.int64)
        return self._sample_scaled(inputs_t, targets_t, origins, horizon, residuals_t, seed,
                                   initial)

    def _forecast_continuation(self, inputs_t, targets_t, origin, horizon):
        if self.state_ is None:
            raise ValueError("`set_weights` replaced the parameters after the state was "
                             "computed: call `update(X, y)` with recent measurements (the "
                             "state restarts from zero over them) before `predict(X)`.")
        origins = np.array([origin], dtype=np.int64)
        return self._forecast_theta(self.theta_, inputs_t, targets_t, origins, horizon,
                                    initial=self.state_[:, :, None].copy())[:, :, 0]

    def _store_history(self, inputs, targets, reset):
        """Keep the last rows, and the state after them in ``state_``: a fit runs from a zero
        state over its data, an update continues from ``state_`` (or from zero after
        ``set_weights``) over the new rows."""
        if reset or self.state_ is None:
            first = self.max_delay_
            initial = None
        else:
            first = len(self.history_y_)  # the kept rows only give the new rows' regressors
            initial = self.state_
            inputs = np.concatenate([self.history_X_, inputs])
            targets = np.concatenate([self.history_y_, targets])
        states = self._states(self.theta_, *self._scaled_t(inputs, targets), initial, first)
        if not np.isfinite(states).all():
            raise FloatingPointError(_UNUSABLE if reset else (
                "The state is not finite over the new rows (the network runs away on them); "
                "the model was left as it was."))
        self.state_ = states[:, :, -1].astype(np.float64)
        keep = self._history_rows()
        self.history_X_ = inputs[len(inputs) - keep:].copy()
        self.history_y_ = targets[len(targets) - keep:].copy()

    def _training_problem(self, data, first_target, closed):
        """Windows of ``bptt_steps`` scored steps after ``burn_in`` unscored ones."""
        inputs_t, targets_t, end = data.inputs_t, data.targets_t, data.training_end
        window = min(self._window(data, first_target, closed), end - first_target)
        burn_in = min(self.burn_in, max(0, end - first_target - window))
        origins = data.origins(first_target - 1 + burn_in, end, self.max_delay_ - 1 + burn_in,
                               window)
        layout = self.layout_
        weights = self._horizon_weights(window, closed, targets_t, first_target, end)
        dtype = np.dtype(self.dtype)  # the kernels follow θ's type; the trainer keeps float64
        kernel = (bptt.batch_loss_gradient if bptt.runs_in_parts(layout.sizes, layout.cell)
                  else bptt.loss_gradient)

        def loss_gradient(theta, batch, grad):
            out = grad if grad.dtype == dtype else np.empty(grad.shape, dtype)
            value = kernel(theta.astype(dtype, copy=False), layout, inputs_t, targets_t, batch,
                           burn_in, window, closed, weights, out)
            if out is not grad:
                grad[:] = out
            return value

        return TrainingProblem(window, origins, loss_gradient, window if closed else 1)

    def _population_problem(self, inputs_t, targets_t, first_target, closed):
        layout = self.layout_

        def loss(thetas, chunk_size, losses):
            population_kernels.recurrent_loss(thetas, layout, inputs_t, targets_t,
                                              first_target, self.washout, closed, chunk_size,
                                              losses)

        return loss
