"""Shared estimator machinery: delays, validation, scaling, stored history, predict modes."""

import numbers
from abc import ABCMeta, abstractmethod

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.metrics import r2_score
from sklearn.utils import check_array
from sklearn.utils.validation import _num_samples, check_is_fitted, validate_data


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

    # ----------------------------------------------------------------------------- delays
    def _delays(self):
        input_delays = normalize_delays(self.input_delays, "input_delays", 0)
        feedback_delays = normalize_delays(self.feedback_delays, "feedback_delays", 1)
        return input_delays, feedback_delays

    @property
    def max_delay_(self):
        """Rows of initial conditions a forecast needs (the largest delay)."""
        return int(max(self.input_delays_.max(initial=0), self.feedback_delays_.max(initial=0)))

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
        warm = self.warm_start and hasattr(self, "theta_")
        input_delays, feedback_delays = self._delays()
        max_delay = int(max(input_delays.max(initial=0), feedback_delays.max(initial=0)))
        if warm:
            if not (np.array_equal(input_delays, self.input_delays_)
                    and np.array_equal(feedback_delays, self.feedback_delays_)):
                raise ValueError("`warm_start=True` needs the delays of the fitted model.")
            inputs, targets = self._validate_segment(X, y, reset=False, max_delay=max_delay,
                                                     extra_rows=2)
        else:
            inputs, targets = self._validate_segment(X, y, reset=True, max_delay=max_delay,
                                                     extra_rows=2)
            self.n_targets_ = targets.shape[1]
            if X is None:
                self.n_features_in_ = 0
            if input_delays.size * inputs.shape[1] + feedback_delays.size == 0:
                raise ValueError("The model has no regressors: give `feedback_delays`, or `X` "
                                 "with `input_delays`.")
            self.input_delays_ = input_delays
            self.feedback_delays_ = feedback_delays
            self.input_scaler_ = Scaler(inputs, self.scale)
            self.target_scaler_ = Scaler(targets, self.scale)
        constant = np.ptp(targets, axis=0) == 0
        if constant.any():
            raise ValueError(f"`y` is constant (target columns {np.flatnonzero(constant)}); "
                             "there is nothing to forecast.")
        inputs_t = np.ascontiguousarray(self.input_scaler_.transform(inputs).T)
        targets_t = np.ascontiguousarray(self.target_scaler_.transform(targets).T)
        self._fit_scaled(inputs_t, targets_t, warm)
        self._store_history(inputs, targets, reset=True)
        return self

    @abstractmethod
    def _fit_scaled(self, inputs_t, targets_t, warm):
        """Set ``theta_`` and the training attributes from scaled (features, time) arrays."""

    @abstractmethod
    def _forecast_scaled(self, inputs_t, targets_t, origins, horizon):
        """Closed-loop forecasts, shape (horizon, n_targets, n_origins), scaled units."""

    def _store_history(self, inputs, targets, reset):
        keep = self.max_delay_
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
        check_is_fitted(self, "theta_")
        if y is None:
            if all_horizons:
                raise ValueError("`all_horizons=True` needs a segment: pass `y`.")
            forecasts = self._continue(X, horizon)
        else:
            horizon = 1 if horizon is None else check_horizon(horizon)
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
        origin = np.array([len(self.history_y_) - 1], dtype=np.int64)
        out = self._forecast_scaled(*self._scaled_t(inputs, targets), origin, n_steps)
        return self.target_scaler_.inverse(out[:, :, 0])

    def _predict_segment(self, X, y, horizon):
        inputs, targets = self._validate_segment(X, y, reset=False, max_delay=self.max_delay_,
                                                  extra_rows=1)
        n = len(targets)
        # pad with NaN so that forecasts past the end stay inside the arrays (and are NaN)
        inputs = np.concatenate([inputs, np.full((horizon, inputs.shape[1]), np.nan)])
        targets = np.concatenate([targets, np.full((horizon, targets.shape[1]), np.nan)])
        origins = np.arange(self.max_delay_ - 1, n - 1, dtype=np.int64)
        out = self._forecast_scaled(*self._scaled_t(inputs, targets), origins, horizon)
        out *= self.target_scaler_.scale[:, None]
        out += self.target_scaler_.mean[:, None]
        forecasts = np.full((n, horizon, self.n_targets_), np.nan)
        for step in range(horizon):
            first = origins[0] + step + 1  # the row forecast from the first origin
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
        check_is_fitted(self, "theta_")
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
