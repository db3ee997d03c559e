"""Shared estimator machinery: delays, validation, scaling, stored history, predict modes."""

import numbers
from abc import ABCMeta, abstractmethod

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils import check_array, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _num_samples, check_is_fitted, validate_data
from threadpoolctl import threadpool_limits

from .kernels import population as population_kernels
from .kernels import recurrent as recurrent_kernels
from .kernels.activations import ACTIVATION_CODES
from .kernels.mlp import layout
from .training import SGD, Adam, train_evolution, train_gradient, train_levenberg_marquardt


def normalize_delays(delays, name, minimum):
    """Return ``delays`` as a sorted int64 array, checking the rule for argument ``name``.

    An int ``k`` means ``minimum..k`` (so ``0..k`` for input delays, ``1..k`` for feedback
    delays); a sequence lists the delays. Each delay is an integer ``>= minimum``, without
    repeats.

    Examples
    --------
    >>> normalize_delays(2, "input_delays", 0)
    array([0, 1, 2])
    >>> normalize_delays([24, 1, 2], "feedback_delays", 1)
    array([ 1,  2, 24])
    >>> normalize_delays(0, "feedback_delays", 1)
    array([], dtype=int64)
    """
    if isinstance(delays, (numbers.Integral, np.integer)) and not isinstance(delays, bool):
        if delays < 0:
            raise ValueError(f"`{name}` as an int k means delays {minimum}..k and must be "
                             f">= 0. Got {delays!r}.")
        return np.arange(minimum, int(delays) + 1, dtype=np.int64)
    if isinstance(delays, (str, bytes, bool, float)) or not np.iterable(delays):
        raise TypeError(f"`{name}` must be an int or a sequence of ints. Got {delays!r}.")
    values = list(delays)
    for value in values:
        if (isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer))
                or value < minimum):
            raise ValueError(f"`{name}` must hold integers >= {minimum}. Got {delays!r}.")
    if len(set(values)) != len(values):
        raise ValueError(f"`{name}` must not repeat a delay. Got {delays!r}.")
    return np.array(sorted(int(v) for v in values), dtype=np.int64)


def check_horizon(horizon):
    """Return ``horizon`` as an int >= 1 or raise naming the argument."""
    if (isinstance(horizon, bool) or not isinstance(horizon, (numbers.Integral, np.integer))
            or horizon < 1):
        raise ValueError(f"`horizon` must be an integer >= 1. Got {horizon!r}.")
    return int(horizon)


class Scaler:
    """Column-wise standardisation kept with the model (identity when ``enabled`` is False)."""

    def __init__(self, data, enabled):
        if enabled:
            self.mean = data.mean(axis=0)
            scale = data.std(axis=0)
        else:
            self.mean = np.zeros(data.shape[1])
            scale = np.ones(data.shape[1])
        self.scale = np.where(scale > 0, scale, 1.0)

    def transform(self, data):
        return (data - self.mean) / self.scale

    def inverse(self, data):
        return data * self.scale + self.mean


class BaseForecaster(RegressorMixin, BaseEstimator, metaclass=ABCMeta):
    """Fit/predict/update machinery for models forecasting from delayed inputs and targets.

    A subclass provides ``_fit_scaled`` (train on scaled, time-innermost arrays) and
    ``_forecast_scaled`` (closed-loop forecasts of ``horizon`` steps from a set of origins);
    this class validates, scales, keeps the history needed to continue, and maps every
    ``predict`` mode of DESIGN.md onto those two.
    """

    def __setstate__(self, state):
        """Unpickle; read-only arrays (joblib's ``mmap_mode="r"``) become writable copies:
        Numba compiles every kernel again for read-only arguments (15 s for an Elman net),
        and a model's arrays (parameters, delays, the rows kept) are small."""
        super().__setstate__({
            key: np.array(value) if isinstance(value, np.ndarray) and not value.flags.writeable
            else value for key, value in state.items()})

    # ----------------------------------------------------------------------------- delays
    @abstractmethod
    def _delays(self):
        """``(input_delays, target_delays)``: the delays of X and of y a forecast reads."""

    @property
    def max_delay_(self):
        """Rows of initial conditions a forecast needs (the largest delay)."""
        return int(max(self.input_delays_.max(initial=0), self.target_delays_.max(initial=0)))

    def _history_rows(self):
        """Rows of X and y kept after fit/update for ``predict(X_future)`` to continue from."""
        return self.max_delay_

    def _first_origin(self):
        """The first origin of a segment whose forecasts are formed (recurrent models add
        their washout)."""
        return self.max_delay_ - 1

    def _check_regressors(self, inputs):
        """Raise when the delays give the model nothing to read (networks override)."""

    def _check_forecast_horizon(self, horizon):
        """Raise when ``horizon`` is beyond what the model forecasts (direct models override)."""

    # ------------------------------------------------------------------------- validation
    def _validate_inputs(self, X, n_samples, reset):
        """Check X (or None) and return it as a float64 array of shape (n_samples, n_features)."""
        name = type(self).__name__
        if X is None:
            if not reset and self.n_features_in_ > 0:
                raise ValueError(f"`X` is required: {name} was fitted with "
                                 f"{self.n_features_in_} exogenous features.")
            return np.empty((n_samples, 0))
        if not reset and self.n_features_in_ == 0:
            raise ValueError(f"`X` must be None: {name} was fitted without exogenous "
                             f"inputs. Got an array of shape {np.shape(X)}.")
        return validate_data(self, X, reset=reset, dtype=np.float64, ensure_min_samples=1)

    def _validate_targets(self, y, reset):
        name = type(self).__name__
        if y is None:
            raise ValueError(f"{name} requires y to be passed, but the target y is None.")
        y = check_array(y, ensure_2d=False, dtype=np.float64, input_name="y")
        if y.ndim not in (1, 2):
            raise ValueError(f"`y` must be 1-D or 2-D. Got an array of shape {y.shape}.")
        if reset:
            self._y_ndim = y.ndim
        targets = y.reshape(len(y), -1)
        if not reset and targets.shape[1] != self.n_targets_:
            raise ValueError(f"`y` must have {self.n_targets_} target columns as in fit. "
                             f"Got {targets.shape[1]}.")
        return targets

    def _validate_segment(self, X, y, reset, max_delay, extra_rows):
        """Validate a segment (X, y) of at least ``max_delay + extra_rows`` rows."""
        if y is not None and X is not None and _num_samples(X) != _num_samples(y):
            raise ValueError("`X` and `y` must have the same number of rows. Got "
                             f"{_num_samples(X)} and {_num_samples(y)}.")
        targets = self._validate_targets(y, reset)
        inputs = self._validate_inputs(X, len(targets), reset)
        if len(targets) < max_delay + extra_rows:
            raise ValueError(
                f"`y` needs at least {max_delay + extra_rows} rows here (the largest delay is "
                f"{max_delay}). Got n_samples={len(targets)}.")
        return inputs, targets

    # ------------------------------------------------------------------------------- fit
    def fit(self, X, y):
        """Fit the model to a series.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or None
            Exogenous inputs at the target times; None for a purely autoregressive model.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            The series to forecast, in time order at a regular step.

        Returns
        -------
        self
        """
        self._validate_params()
        fitted_state = self.__dict__.copy()
        try:
            return self._fit(X, y)
        except BaseException:
            # a rejected or failed fit leaves a previously fitted model exactly as it was
            self.__dict__.clear()
            self.__dict__.update(fitted_state)
            raise

    def _fit(self, X, y):
        # models that learn nothing (persistence) or restart their estimation (ARIMA) have
        # no warm_start parameter
        warm = getattr(self, "warm_start", False) and hasattr(self, "input_scaler_")
        input_delays, target_delays = self._delays()
        max_delay = int(max(input_delays.max(initial=0), target_delays.max(initial=0)))
        if warm:
            if not (np.array_equal(input_delays, self.input_delays_)
                    and np.array_equal(target_delays, self.target_delays_)):
                raise ValueError("`warm_start=True` needs the delays of the fitted model.")
            inputs, targets = self._validate_segment(X, y, reset=False, max_delay=max_delay,
                                                     extra_rows=2)
        else:
            inputs, targets = self._validate_segment(X, y, reset=True, max_delay=max_delay,
                                                     extra_rows=2)
            self.n_targets_ = targets.shape[1]
            if X is None:
                self.n_features_in_ = 0
            self.input_delays_ = input_delays
            self.target_delays_ = target_delays
            self._check_regressors(inputs)
            scale = getattr(self, "scale", False)
            self.input_scaler_ = Scaler(inputs, scale)
            self.target_scaler_ = Scaler(targets, scale)
        constant = np.ptp(targets, axis=0) == 0
        if constant.any():
            raise ValueError(f"`y` is constant (target columns {np.flatnonzero(constant)}); "
                             "there is nothing to forecast.")
        self._fit_scaled(*self._scaled_t(inputs, targets), warm)
        self._store_history(inputs, targets, reset=True)
        return self

    @abstractmethod
    def _fit_scaled(self, inputs_t, targets_t, warm):
        """Learn from scaled (features, time) arrays; set the fitted attributes."""

    @abstractmethod
    def _forecast_scaled(self, inputs_t, targets_t, origins, horizon):
        """Closed-loop forecasts, shape (horizon, n_targets, n_origins), scaled units."""

    def _store_history(self, inputs, targets, reset):
        keep = self._history_rows()
        if not reset:
            inputs = np.concatenate([self.history_X_, inputs])
            targets = np.concatenate([self.history_y_, targets])
        self.history_X_ = inputs[len(inputs) - keep:].copy()
        self.history_y_ = targets[len(targets) - keep:].copy()

    # --------------------------------------------------------------------------- predict
    def predict(self, X=None, y=None, horizon=None, all_horizons=False):
        """Forecast, continuing from the stored history or over a segment of measurements.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or None
            Exogenous inputs at the target times.
        y : array-like of shape (n_samples,) or (n_samples, n_targets), optional
            Measured targets of a self-contained segment. Without ``y`` the forecast is closed
            loop, continuing from the end of the data seen by ``fit``/``update``, one row per
            row of ``X`` (or ``horizon`` rows when the model has no exogenous inputs).
        horizon : int, optional
            With ``y``: the lead time; row ``t`` is the forecast of ``y_t`` made at origin
            ``t - horizon`` (default 1: open loop, one step ahead). Rows whose origin lacks the
            initial conditions are NaN.
        all_horizons : bool, default False
            With ``y``: return every lead time ``1..horizon``, shape (n_samples, horizon[,
            n_targets]); column ``j - 1`` of row ``t`` is the forecast of ``y_t`` from ``t - j``.

        Returns
        -------
        ndarray
            Forecasts in the units of ``y``; 1-D targets give 1-D rows.
        """
        check_is_fitted(self, "input_scaler_")
        if y is None:
            if all_horizons:
                raise ValueError("`all_horizons=True` needs a segment: pass `y`.")
            forecasts = self._continue(X, horizon)
        else:
            horizon = 1 if horizon is None else check_horizon(horizon)
            self._check_forecast_horizon(horizon)
            forecasts = self._predict_segment(X, y, horizon)
            if not all_horizons:
                forecasts = forecasts[:, -1]
        if self._y_ndim == 1:
            forecasts = forecasts[..., 0]
        return forecasts

    def _continue(self, X, horizon):
        if X is None:
            if horizon is None:
                raise ValueError("`horizon` is required when `X` is None.")
            n_steps = check_horizon(horizon)
        else:
            n_steps = _num_samples(X)
            if horizon is not None and check_horizon(horizon) != n_steps:
                raise ValueError(f"`horizon` must equal the rows of `X` ({n_steps}) when "
                                 f"forecasting from the stored history. Got {horizon}.")
        future = self._validate_inputs(X, n_steps, reset=False)
        inputs = np.concatenate([self.history_X_, future])
        targets = np.concatenate([self.history_y_, np.full((n_steps, self.n_targets_), np.nan)])
        out = self._forecast_continuation(*self._scaled_t(inputs, targets),
                                          len(self.history_y_) - 1, n_steps)
        return self.target_scaler_.inverse(out)

    def _forecast_continuation(self, inputs_t, targets_t, origin, n_steps):
        """Forecasts (n_steps, n_targets) from one origin; recursive models in one call."""
        origins = np.array([origin], dtype=np.int64)
        return self._forecast_scaled(inputs_t, targets_t, origins, n_steps)[:, :, 0]

    def _predict_segment(self, X, y, horizon):
        inputs, targets = self._validate_segment(X, y, reset=False, max_delay=self.max_delay_,
                                                  extra_rows=1)
        n = len(targets)
        # pad with NaN so that forecasts past the end stay inside the arrays (and are NaN)
        inputs = np.concatenate([inputs, np.full((horizon, inputs.shape[1]), np.nan)])
        targets = np.concatenate([targets, np.full((horizon, targets.shape[1]), np.nan)])
        origins = np.arange(self._first_origin(), n - 1, dtype=np.int64)
        out = self._forecast_scaled(*self._scaled_t(inputs, targets), origins, horizon)
        out *= self.target_scaler_.scale[:, None]
        out += self.target_scaler_.mean[:, None]
        forecasts = np.full((n, horizon, self.n_targets_), np.nan)
        for step in range(horizon):
            first = self._first_origin() + step + 1  # the row forecast from the first origin
            if first < n:
                forecasts[first:, step] = out[step, :, :n - first].T
        return forecasts

    def _scaled_t(self, inputs, targets):
        inputs_t = np.ascontiguousarray(self.input_scaler_.transform(inputs).T)
        targets_t = np.ascontiguousarray(self.target_scaler_.transform(targets).T)
        return inputs_t, targets_t

    # ---------------------------------------------------------------------- update/score
    def update(self, X, y):
        """Append new measurements to the stored history without refitting.

        ``predict(X_future)`` then continues from the end of ``y``.

        Parameters
        ----------
        X : array-like of shape (n_new, n_features) or None
        y : array-like of shape (n_new,) or (n_new, n_targets)

        Returns
        -------
        self
        """
        check_is_fitted(self, "input_scaler_")
        inputs, targets = self._validate_segment(X, y, reset=False, max_delay=0, extra_rows=1)
        self._store_history(inputs, targets, reset=False)
        return self

    def score(self, X, y, sample_weight=None):
        """R^2 of the closed-loop forecast ``predict(X)`` (``horizon=len(y)`` if X is None)."""
        horizon = _num_samples(y) if X is None else None
        return r2_score(y, self.predict(X, horizon=horizon), sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.regressor_tags.poor_score = True
        return tags


def _single_threaded_blas():
    """BLAS on one thread: the kernels' products are small (a few hundred rows by a batch of
    windows or a chunk of origins), where OpenBLAS's threads cost 2-5x (benchmarks/NOTES.md),
    and the forecast kernels already run in parallel over origins."""
    return threadpool_limits(limits=1, user_api="blas")


NETWORK_PARAMETER_CONSTRAINTS = {
    "hidden_layer_sizes": [numbers.Integral, "array-like"],
    "activation": [StrOptions(set(ACTIVATION_CODES))],
    "solver": [StrOptions({"adam", "sgd"})],
    "alpha": [Interval(numbers.Real, 0, None, closed="left")],
    "batch_size": [StrOptions({"auto"}), Interval(numbers.Integral, 1, None, closed="left")],
    "learning_rate_init": [Interval(numbers.Real, 0, None, closed="neither")],
    "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
    "tol": [Interval(numbers.Real, 0, None, closed="left")],
    "clip_norm": [Interval(numbers.Real, 0, None, closed="neither"), None],
    "early_stopping": ["boolean"],
    "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
    "n_iter_no_change": [Interval(numbers.Integral, 1, None, closed="left")],
    "momentum": [Interval(numbers.Real, 0, 1, closed="both")],
    "nesterovs_momentum": ["boolean"],
    "beta_1": [Interval(numbers.Real, 0, 1, closed="left")],
    "beta_2": [Interval(numbers.Real, 0, 1, closed="left")],
    "epsilon": [Interval(numbers.Real, 0, None, closed="neither")],
    "scale": ["boolean"],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
    "warm_start": ["boolean"],
}


class NetworkForecaster(BaseForecaster):
    """A model over a flat θ trained by the trainers of :mod:`narxcast.training`.

    A subclass gives θ's layout and initialisation (``_initial_theta``, ``_weight_mask``), its
    kernels (``_forecast_theta``, ``_training_problem``; ``_least_squares_problem`` for
    Levenberg–Marquardt, ``_population_problem`` for evolution), the ``_solvers`` it supports
    and its parameters; this class owns training, hybrids (a sequence of solvers run in turn,
    each from the parameters the one before left), validation and the stopping rules.
    """

    _parameter_constraints = NETWORK_PARAMETER_CONSTRAINTS
    _solvers = frozenset({"adam", "sgd"})

    def _check_regressors(self, inputs):
        if self._n_regressors() == 0:
            raise ValueError("The model has no regressors: give it fed-back target delays "
                             "(`feedback_delays` / `target_delays`), or `X` with `input_delays`.")

    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, (numbers.Integral, np.integer)):
            sizes = (sizes,)
        sizes = list(sizes)
        if any(isinstance(s, bool) or not isinstance(s, (numbers.Integral, np.integer)) or s < 1
               for s in sizes):
            raise ValueError("`hidden_layer_sizes` must be a sequence of positive ints. Got "
                             f"{self.hidden_layer_sizes!r}.")
        return sizes

    def _n_regressors(self):
        return (self.input_delays_.size * self.n_features_in_
                + self.target_delays_.size * self.n_targets_)

    def _forecast_scaled(self, inputs_t, targets_t, origins, horizon):
        return self._forecast_theta(self.theta_, inputs_t, targets_t, origins, horizon)

    def _stages(self):
        """``(solver, closed)`` of each training stage, run in turn.

        ``solver`` and ``loop`` are each one name or a sequence; one name repeats to the
        other's length, so ``loop=("open", "closed")`` is MATLAB's "train open, close the
        loop, retrain" in one fit. Evolution stages use ``fitness`` instead of ``loop``.
        """
        solvers = (self.solver,) if isinstance(self.solver, str) else tuple(self.solver)
        loop = getattr(self, "loop", "open")
        loops = (loop,) if isinstance(loop, str) else tuple(loop)
        if not solvers or any(stage not in self._solvers for stage in solvers):
            raise ValueError(f"`solver` must be one of {sorted(self._solvers)} or a sequence of "
                             f"them (a hybrid, run in turn) for {type(self).__name__}. Got "
                             f"{self.solver!r}.")
        if not loops or any(stage not in ("open", "closed") for stage in loops):
            raise ValueError(f"`loop` must be 'open', 'closed' or a sequence of them. Got "
                             f"{loop!r}.")
        if len(solvers) == 1:
            solvers *= len(loops)
        if len(loops) == 1:
            loops *= len(solvers)
        if len(solvers) != len(loops):
            raise ValueError(f"`loop` must give one loop, or one per `solver` stage. Got "
                             f"solver={self.solver!r} and loop={loop!r}.")
        if "ga" in solvers and self.crossover_rate + self.mutation_rate > 1:
            raise ValueError("`crossover_rate` + `mutation_rate` must be <= 1 (each offspring "
                             f"is crossed, mutated or copied). Got {self.crossover_rate} + "
                             f"{self.mutation_rate}.")
        return [(solver, stage == "closed") for solver, stage in zip(solvers, loops)]

    def _fit_scaled(self, inputs_t, targets_t, warm):
        self._hidden_sizes()
        stages = self._stages()
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        rng = np.random.default_rng(seed)
        n = targets_t.shape[1]
        first_target = self.max_delay_
        end = n
        if self.early_stopping:
            n_validation = int(np.ceil(self.validation_fraction * (n - first_target)))
            end = n - n_validation
            if n_validation < 1 or end - first_target < 1:
                raise ValueError("`validation_fraction` leaves no training or no validation "
                                 f"targets with n_samples={n}.")
        problems = [self._training_problem(inputs_t, targets_t, first_target, end, closed)
                    for _, closed in stages]
        if not warm:
            self.theta_ = self._initial_theta(rng)
        self.fitness_curve_ = []
        for index, ((stage, closed), problem) in enumerate(zip(stages, problems)):
            if index > 0:  # each later stage draws as a warm-started fit of its own would
                rng = np.random.default_rng(seed)
            if stage in ("ga", "cmaes"):
                self._evolve(stage, inputs_t, targets_t, first_target, end, rng,
                             around_theta=warm or index > 0)
                continue
            validation_score = None
            if self.early_stopping:
                validation_score = self._validation_scorer(inputs_t, targets_t, end, problem[3])
            if stage == "lm":
                residuals_jacobian, residuals = self._least_squares_problem(
                    inputs_t, targets_t, first_target, end, closed)
                with _single_threaded_blas():
                    result = train_levenberg_marquardt(
                        residuals_jacobian, residuals, self.theta_, max_iter=self.max_iter,
                        tol=self.tol, n_iter_no_change=self.n_iter_no_change, alpha=self.alpha,
                        weight_mask=self._weight_mask(), validation_score=validation_score,
                        verbose=self.verbose)
            else:
                result = self._train_gradient(stage, problem, rng, validation_score)
            self.theta_ = result.theta
            self.loss_curve_ = result.loss_curve
            self.validation_scores_ = result.validation_scores
            self.best_loss_ = result.best_loss
            self.best_validation_score_ = (result.best_validation_score if self.early_stopping
                                           else None)
            self.n_iter_ = result.n_iter
            self.stopped_by_ = result.stopped_by

    def _train_gradient(self, solver, problem, rng, validation_score):
        window, origins, loss, _ = problem
        grad = np.empty_like(self.theta_)

        def loss_gradient(theta, batch):
            return loss(theta, batch, grad), grad.copy()

        if solver == "adam":
            optimizer = Adam(self.theta_.size, self.learning_rate_init, self.beta_1,
                             self.beta_2, self.epsilon)
        else:
            optimizer = SGD(self.theta_.size, self.learning_rate_init, self.momentum,
                            self.nesterovs_momentum)
        batch_size = max(1, 200 // window) if self.batch_size == "auto" else self.batch_size
        with _single_threaded_blas():
            return train_gradient(
                loss_gradient, self.theta_, origins, window=window, optimizer=optimizer,
                batch_size=batch_size, max_iter=self.max_iter, tol=self.tol,
                n_iter_no_change=self.n_iter_no_change, clip_norm=self.clip_norm,
                alpha=self.alpha, weight_mask=self._weight_mask(), rng=rng,
                validation_score=validation_score, verbose=self.verbose)

    def _evolve(self, method, inputs_t, targets_t, first_target, end, rng, around_theta):
        """GA or CMA-ES on the free-run (``fitness="closed"``) or one-step-ahead loss of the
        training rows, a generation per parallel kernel call; the first generation is
        ``theta_`` and fresh initialisations (``around_theta``: ``theta_`` plus noise)."""
        inputs_t = np.ascontiguousarray(inputs_t[:, :end])
        targets_t = np.ascontiguousarray(targets_t[:, :end])
        kernel_loss = self._population_problem(inputs_t, targets_t, first_target,
                                               self.fitness == "closed")
        chunk = population_kernels.chunk_size(self.population_size)

        def population_loss(thetas):
            losses = np.empty(thetas.shape[0])
            kernel_loss(np.ascontiguousarray(thetas.T), chunk, losses)
            return losses

        initial = np.empty((self.population_size, self.theta_.size))
        initial[0] = self.theta_
        for k in range(1, self.population_size):
            initial[k] = (self.theta_ + rng.normal(scale=self.sigma, size=self.theta_.size)
                          if around_theta else self._initial_theta(rng))
        result = train_evolution(
            population_loss, initial, method=method, n_generations=self.n_generations,
            sigma=self.sigma, crossover_rate=self.crossover_rate,
            mutation_rate=self.mutation_rate, seed=int(rng.integers(np.iinfo(np.int32).max)),
            verbose=self.verbose)
        self.theta_ = result.theta
        self.fitness_curve_ = result.fitness_curve
        self.loss_curve_ = result.fitness_curve
        self.validation_scores_ = []
        self.best_loss_ = result.fitness_curve[-1] if result.fitness_curve else np.inf
        self.best_validation_score_ = None
        self.n_iter_ = result.n_generations
        self.stopped_by_ = result.stopped_by

    def _validation_scorer(self, inputs_t, targets_t, start, horizon):
        """R^2 of ``horizon``-step forecasts from every ``horizon``-th origin of [start, n)."""
        n = targets_t.shape[1]
        inputs_padded = np.ascontiguousarray(
            np.hstack([inputs_t, np.full((inputs_t.shape[0], horizon), np.nan)]))
        targets_padded = np.ascontiguousarray(
            np.hstack([targets_t, np.full((targets_t.shape[0], horizon), np.nan)]))
        origins = np.arange(start - 1, n - 1, horizon, dtype=np.int64)
        truth = targets_t[:, start:]
        total = np.sum((truth - truth.mean(axis=1, keepdims=True)) ** 2)

        def score(theta):
            out = self._forecast_theta(theta, inputs_padded, targets_padded, origins, horizon)
            forecasts = out.transpose(1, 2, 0).reshape(self.n_targets_, -1)[:, :n - start]
            return 1.0 - np.sum((forecasts - truth) ** 2) / total

        return score


class MLPForecaster(NetworkForecaster):
    """An MLP over a flat θ (NARX, TDNN): layer ``l`` holds its weights (fan_in, fan_out)
    row-major, then its biases; the subclass gives the output size (``_n_outputs``)."""

    def _layout(self):
        """Layer sizes and the offsets of each layer's weights, biases and units."""
        return layout([self._n_regressors(), *self._hidden_sizes(), self._n_outputs()])

    def _kernel_args(self):
        sizes, weight_offsets, bias_offsets, unit_offsets, _ = self._layout()
        return (sizes, weight_offsets, bias_offsets, unit_offsets,
                ACTIVATION_CODES[self.activation], self.input_delays_, self.target_delays_)

    def _initial_theta(self, rng):
        """Glorot-uniform weights and biases, as scikit-learn's MLP."""
        sizes, weight_offsets, bias_offsets, _, n_params = self._layout()
        theta = np.empty(n_params)
        for layer in range(sizes.size - 1):
            fan_in, fan_out = sizes[layer], sizes[layer + 1]
            factor = 2.0 if self.activation == "logistic" else 6.0
            bound = np.sqrt(factor / (fan_in + fan_out))
            theta[weight_offsets[layer]:bias_offsets[layer]] = rng.uniform(
                -bound, bound, fan_in * fan_out)
            theta[bias_offsets[layer]:bias_offsets[layer] + fan_out] = rng.uniform(
                -bound, bound, fan_out)
        return theta

    def _weight_mask(self):
        sizes, weight_offsets, bias_offsets, _, n_params = self._layout()
        mask = np.zeros(n_params)
        for layer in range(sizes.size - 1):
            mask[weight_offsets[layer]:bias_offsets[layer]] = 1.0
        return mask

    @property
    def coefs_(self):
        """Weight matrices per layer, shape (fan_in, fan_out), views of ``theta_``."""
        sizes, weight_offsets, _, _, _ = self._layout()
        return [self.theta_[w:w + sizes[k] * sizes[k + 1]].reshape(sizes[k], sizes[k + 1])
                for k, w in enumerate(weight_offsets)]

    @property
    def intercepts_(self):
        """Bias vectors per layer, views of ``theta_``."""
        sizes, _, bias_offsets, _, _ = self._layout()
        return [self.theta_[b:b + sizes[k + 1]] for k, b in enumerate(bias_offsets)]


EVOLUTION_PARAMETER_CONSTRAINTS = {
    "solver": [StrOptions({"adam", "sgd", "lm", "ga", "cmaes"}), tuple, list],
    "population_size": [Interval(numbers.Integral, 3, None, closed="left")],
    "n_generations": [Interval(numbers.Integral, 1, None, closed="left")],
    "crossover_rate": [Interval(numbers.Real, 0, 1, closed="both")],
    "mutation_rate": [Interval(numbers.Real, 0, 1, closed="both")],
    "sigma": [Interval(numbers.Real, 0, None, closed="neither")],
    "fitness": [StrOptions({"closed", "open"})],
}

RECURRENT_PARAMETER_CONSTRAINTS = {
    **{k: v for k, v in NETWORK_PARAMETER_CONSTRAINTS.items() if k != "activation"},
    **EVOLUTION_PARAMETER_CONSTRAINTS,
    "input_delays": [numbers.Integral, "array-like"],
    "feedback_delays": [numbers.Integral, "array-like"],
    "loop": [StrOptions({"open", "closed"}), tuple, list],
    "bptt_steps": [Interval(numbers.Integral, 1, None, closed="left")],
    "burn_in": [Interval(numbers.Integral, 0, None, closed="left")],
    "washout": [Interval(numbers.Integral, 0, None, closed="left")],
    "dtype": [StrOptions({"float64", "float32"})],
}


class FeedbackDelaysMixin:
    """Delays read from ``input_delays`` and ``feedback_delays`` (NARX-style models)."""

    def _delays(self):
        return (normalize_delays(self.input_delays, "input_delays", 0),
                normalize_delays(self.feedback_delays, "feedback_delays", 1))

    @property
    def feedback_delays_(self):
        """The fitted feedback delays (``target_delays_``), sorted."""
        return self.target_delays_


class RecurrentForecaster(FeedbackDelaysMixin, NetworkForecaster):
    """Stacked recurrent layers and a linear head over θ in PyTorch's layout.

    The network's input at target time ``t`` is the NARX regressor of ``t``; its state is
    carried from step to step. ``fit``/``update`` leave ``state_``, the state after the last
    row seen, from which ``predict(X_future)`` continues; a segment's forecasts start from a
    zero state and run open loop over measured targets up to each origin.
    """

    _parameter_constraints = RECURRENT_PARAMETER_CONSTRAINTS
    _solvers = frozenset({"adam", "sgd", "ga", "cmaes"})
    _cell = 0  # kernels.recurrent.ELMAN, LSTM or GRU

    @property
    def _gates(self):
        """Gate blocks per layer in weight_ih / weight_hh (1, 4 for LSTM, 3 for GRU)."""
        return recurrent_kernels.GATES[self._cell]

    def __init__(self, input_delays=0, feedback_delays=1, hidden_layer_sizes=(10,), loop="open",
                 bptt_steps=24, burn_in=24, washout=0, solver="adam", alpha=1e-4,
                 batch_size="auto", learning_rate_init=1e-3, max_iter=200, tol=1e-4,
                 clip_norm=5.0, early_stopping=False, validation_fraction=0.1,
                 n_iter_no_change=10, momentum=0.9, nesterovs_momentum=True, beta_1=0.9,
                 beta_2=0.999, epsilon=1e-8, dtype="float64", population_size=100,
                 n_generations=50, crossover_rate=0.5, mutation_rate=0.3, sigma=0.1,
                 fitness="closed", scale=True, random_state=None, verbose=False,
                 warm_start=False):
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

    def _first_origin(self):
        return self.max_delay_ - 1 + self.washout

    # ------------------------------------------------------------------- θ's layout
    def _layout(self):
        """``(sizes, offsets (layers x 5), head (2,), n_params)`` in PyTorch's order, then the
        peepholes (offsets[:, 4], -1 without)."""
        sizes = np.array([self._n_regressors(), *self._hidden_sizes(), self.n_targets_],
                         dtype=np.int64)
        n_layers = sizes.size - 2
        offsets = np.full((n_layers, 5), -1, dtype=np.int64)
        offset = 0
        for layer in range(n_layers):
            n_in, n_hidden = sizes[layer], sizes[layer + 1]
            blocks = [self._gates * n_hidden * n_in, self._gates * n_hidden * n_hidden,
                      self._gates * n_hidden, self._gates * n_hidden]
            if getattr(self, "peephole", False):
                blocks.append(3 * n_hidden)  # diagonal i, f, o peepholes
            for k, size in enumerate(blocks):
                offsets[layer, k] = offset
                offset += size
        head = np.array([offset, offset + sizes[-1] * sizes[-2]], dtype=np.int64)
        return sizes, offsets, head, int(head[1] + sizes[-1])

    def _weight_names(self):
        """(name, offset, shape) of every tensor, named as PyTorch's state_dict."""
        sizes, offsets, head, _ = self._layout()
        names = []
        for layer in range(sizes.size - 2):
            n_in, n_hidden = int(sizes[layer]), int(sizes[layer + 1])
            rows = self._gates * n_hidden
            names += [(f"weight_ih_l{layer}", offsets[layer, 0], (rows, n_in)),
                      (f"weight_hh_l{layer}", offsets[layer, 1], (rows, n_hidden)),
                      (f"bias_ih_l{layer}", offsets[layer, 2], (rows,)),
                      (f"bias_hh_l{layer}", offsets[layer, 3], (rows,))]
            if offsets[layer, 4] >= 0:
                names.append((f"weight_peephole_l{layer}", offsets[layer, 4], (3, n_hidden)))
        names += [("head.weight", head[0], (int(sizes[-1]), int(sizes[-2]))),
                  ("head.bias", head[1], (int(sizes[-1]),))]
        return names

    def get_weights(self):
        """The parameters as PyTorch names and shapes (scaled units), as copies.

        ``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``, ``bias_hh_l{k}`` per layer
        (as ``nn.RNN``/``nn.LSTM``/``nn.GRU``'s ``state_dict``), ``weight_peephole_l{k}``
        (i, f, o rows) for an LSTM with peepholes, ``head.weight`` and ``head.bias`` for the
        linear output layer.
        """
        check_is_fitted(self, "theta_")
        return {name: self.theta_[offset:offset + int(np.prod(shape))].reshape(shape).copy()
                for name, offset, shape in self._weight_names()}

    def set_weights(self, weights):
        """Load parameters given as :meth:`get_weights` returns them; returns ``self``."""
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
        sizes, offsets, head, n_params = self._layout()
        theta = np.empty(n_params)
        for layer in range(sizes.size - 2):
            bound = 1.0 / np.sqrt(sizes[layer + 1])
            end = offsets[layer + 1, 0] if layer + 1 < sizes.size - 2 else head[0]
            theta[offsets[layer, 0]:end] = rng.uniform(-bound, bound, end - offsets[layer, 0])
        bound = 1.0 / np.sqrt(sizes[-2])
        theta[head[0]:] = rng.uniform(-bound, bound, n_params - head[0])
        if self._cell == recurrent_kernels.LSTM:
            for layer in range(sizes.size - 2):  # forget gates open: total bias 1
                n_hidden = sizes[layer + 1]
                theta[offsets[layer, 2] + n_hidden:offsets[layer, 2] + 2 * n_hidden] = 1.0
                theta[offsets[layer, 3] + n_hidden:offsets[layer, 3] + 2 * n_hidden] = 0.0
        return theta

    def _weight_mask(self):
        sizes, offsets, head, n_params = self._layout()
        mask = np.zeros(n_params)
        for layer in range(sizes.size - 2):
            mask[offsets[layer, 0]:offsets[layer, 2]] = 1.0
            if offsets[layer, 4] >= 0:
                mask[offsets[layer, 4]:offsets[layer, 4] + 3 * sizes[layer + 1]] = 1.0
        mask[head[0]:head[1]] = 1.0
        return mask

    def _kernel_args(self):
        sizes, offsets, head, _ = self._layout()
        return sizes, offsets, head

    # ------------------------------------------------------------------ states
    def _states(self, theta, inputs_t, targets_t, initial=None, first=None):
        """Open-loop states (layers, width, n) over a segment, from ``initial`` (zero if None)
        at the step of target ``first`` (the first complete regressor if None)."""
        sizes, offsets, _ = self._kernel_args()
        width = int(sizes[1:-1].max()) * (2 if self._cell == recurrent_kernels.LSTM else 1)
        if initial is None:
            initial = np.zeros((sizes.size - 2, width))
        states = np.empty((sizes.size - 2, width, targets_t.shape[1]))
        with _single_threaded_blas():
            recurrent_kernels.open_loop_states(
                theta, sizes, offsets, self._cell, self.input_delays_, self.target_delays_,
                inputs_t, targets_t, self.max_delay_ if first is None else first, initial,
                states)
        return states

    def _forecast_theta(self, theta, inputs_t, targets_t, origins, horizon, initial=None):
        with _single_threaded_blas():
            return self._recurrent_forecast(theta, inputs_t, targets_t, origins, horizon,
                                            initial)

    def _recurrent_forecast(self, theta, inputs_t, targets_t, origins, horizon, initial):
        sizes, offsets, head = self._kernel_args()
        if initial is None:
            states = self._states(theta, inputs_t, targets_t)
            initial = np.ascontiguousarray(states[:, :, np.maximum(origins, 0)])
            initial[:, :, origins < 0] = 0.0  # origin -1: nothing seen yet
        out = np.empty((horizon, self.n_targets_, origins.size))
        recurrent_kernels.forecast(theta, sizes, offsets, head, self._cell, self.input_delays_,
                                   self.target_delays_, inputs_t, targets_t, initial, origins,
                                   horizon, out)
        return out

    def _forecast_continuation(self, inputs_t, targets_t, origin, n_steps):
        if self.state_ is None:
            raise ValueError("`set_weights` replaced the parameters after the state was "
                             "computed: call `update(X, y)` with recent measurements (the "
                             "state restarts from zero over them) before `predict(X)`.")
        origins = np.array([origin], dtype=np.int64)
        return self._forecast_theta(self.theta_, inputs_t, targets_t, origins, n_steps,
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
        self.state_ = states[:, :, -1].copy()
        keep = self._history_rows()
        self.history_X_ = inputs[len(inputs) - keep:].copy()
        self.history_y_ = targets[len(targets) - keep:].copy()

    def _training_problem(self, inputs_t, targets_t, first_target, end, closed):
        """Windows of ``bptt_steps`` scored steps after ``burn_in`` unscored ones."""
        window = min(self.bptt_steps, end - first_target)
        burn_in = min(self.burn_in, max(0, end - first_target - window))
        origins = np.arange(first_target - 1 + burn_in, end - window, dtype=np.int64)
        sizes, offsets, head = self._kernel_args()
        cell = self._cell
        dtype = np.dtype(self.dtype)  # the kernels follow θ's type; the trainer keeps float64
        kernel = (recurrent_kernels.batch_loss_gradient
                  if recurrent_kernels.runs_in_parts(sizes, cell)
                  else recurrent_kernels.loss_gradient)

        def loss(theta, batch, grad):
            out = grad if grad.dtype == dtype else np.empty(grad.shape, dtype)
            value = kernel(theta.astype(dtype, copy=False), sizes, offsets, head, cell,
                           self.input_delays_, self.target_delays_, inputs_t, targets_t, batch,
                           burn_in, window, closed, out)
            if out is not grad:
                grad[:] = out
            return value

        return window, origins, loss, (window if closed else 1)

    def _population_problem(self, inputs_t, targets_t, first_target, closed):
        sizes, offsets, head = self._kernel_args()

        def loss(thetas, chunk_size, losses):
            population_kernels.recurrent_loss(
                thetas, sizes, offsets, head, self._cell, self.input_delays_,
                self.target_delays_, inputs_t, targets_t, first_target, self.washout, closed,
                chunk_size, losses)

        return loss
