"""The forecaster contract: fit, every predict mode (ARCHITECTURE.md), update and score, over
scaled, time-innermost arrays; the scaler; the rows kept to continue a series.

A model family implements a handful of hooks (``_delays``, ``_fit_scaled``,
``_forecast_scaled`` and the optional ones below); this module maps every ``predict`` mode
onto them and owns validation, scaling and the transactional fit.
"""

from __future__ import annotations

import warnings
from abc import ABCMeta, abstractmethod
from typing import Self

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils import check_array
from sklearn.utils.validation import _num_samples, check_is_fitted, validate_data

from ._rows import (
    as_pandas,
    groups_keyword,
    groups_of,
    keep_target_names,
    record_bounds,
    take,
)
from ._simulation import FreeRunMixin
from ._typing import Forecasts, Groups, Rows
from ._validation import check_horizon, check_time_order
from .training.stages import TrainingData


class Scaler:
    """Column-wise standardisation kept with the model (identity when ``enabled`` is False).

    Examples
    --------
    >>> scaler = Scaler(np.array([[1.0], [3.0]]), enabled=True)
    >>> scaler.transform(np.array([[3.0]])), scaler.inverse(np.array([[0.0]]))
    (array([[1.]]), array([[2.]]))
    """

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


class Forecaster:
    """The mark of a narxcast forecaster: an estimator with the package's ``predict(X, y,
    horizon, all_horizons)``, ``update`` and ``score``. The estimators and the meta-estimators
    that wrap them derive from it, so that a wrapper can check what it is given without
    importing every other wrapper."""


def is_forecaster(estimator):
    """Whether ``estimator`` is a narxcast forecaster (see :class:`Forecaster`)."""
    return isinstance(estimator, Forecaster)


class BaseForecaster(Forecaster, FreeRunMixin, RegressorMixin, BaseEstimator, metaclass=ABCMeta):
    """Fit/predict/update machinery for models forecasting from delayed inputs and targets.

    A subclass provides ``_delays``, ``_fit_scaled`` (train on scaled, time-innermost arrays)
    and ``_forecast_scaled`` (closed-loop forecasts of ``horizon`` steps from a set of origins),
    and declares what it has through the optional hooks (``_warm_started``, ``_standardises``,
    ``_prepare``, ...); this class validates, scales, keeps the history needed to continue, and
    maps every ``predict`` mode onto them.
    """

    def __setstate__(self, state):
        """Unpickle; read-only arrays (joblib's ``mmap_mode="r"``) become writable copies:
        Numba compiles every kernel again for read-only arguments (15 s for an Elman net),
        and a model's arrays (parameters, delays, the rows kept) are small."""
        super().__setstate__({key: _writable(value) for key, value in state.items()})

    # ----------------------------------------------------------------------------- delays
    @abstractmethod
    def _delays(self, rows=None):
        """``(input_delays, target_delays)``: the delays of X and of y a forecast reads (a
        family may choose them from the training ``rows``, ``(inputs, targets)``)."""

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

    def _warn_if_held(self, forecasts, lowest, highest):
        """Warn when forecasts (targets last; ``lowest`` and ``highest`` per target, NaN
        ignored) were held at bounds (models that bound them override)."""

    def _warm_started(self):
        """Whether ``fit`` continues from the fitted state (models with ``warm_start``)."""
        return False

    def _standardises(self):
        """Whether inputs and targets are standardised inside (models with ``scale``)."""
        return False

    def _prepare(self, inputs):
        """Check the settings against the data of a cold fit and record what follows from
        them, before any scaling or training (the families override)."""

    def _check_forecast_horizon(self, horizon):
        """Raise when ``horizon`` is beyond what the model forecasts (direct models override)."""

    # --------------------------------------------------------------- fitted-state checks
    def _check_fitted_state(self):
        """Check the fitted attributes against each other and the parameters (a model file
        sets them one by one); raise ValueError naming the first that does not fit."""
        _require(isinstance(self.n_targets_, int) and self.n_targets_ >= 1, "n_targets_",
                 "an int >= 1", self.n_targets_)
        _require(isinstance(self.n_features_in_, int) and self.n_features_in_ >= 0,
                 "n_features_in_", "an int >= 0", self.n_features_in_)
        _require(self._y_ndim in (1, 2) and (self._y_ndim == 2 or self.n_targets_ == 1),
                 "_y_ndim", "1 (one target) or 2", self._y_ndim)
        names = getattr(self, "feature_names_in_", None)
        _require(names is None or names.shape == (self.n_features_in_,), "feature_names_in_",
                 f"{self.n_features_in_} names", names)
        input_delays, target_delays = self._delays()
        for name, expected in (("input_delays_", input_delays),
                               ("target_delays_", target_delays)):
            value = getattr(self, name)
            _require(isinstance(value, np.ndarray) and np.array_equal(value, expected)
                     and value.dtype == np.int64, name, f"the delays {expected.tolist()} of "
                     "the parameters", value)
        for name, width in (("input_scaler_", self.n_features_in_),
                            ("target_scaler_", self.n_targets_)):
            scaler = getattr(self, name)
            _require(isinstance(scaler, Scaler) and all(
                isinstance(a, np.ndarray) and a.shape == (width,) and a.dtype == np.float64
                and np.isfinite(a).all() for a in (scaler.mean, scaler.scale))
                and (scaler.scale > 0).all(), name,
                f"finite float64 means and positive scales of {width} columns", scaler)
        for name, width in (("history_X_", self.n_features_in_),
                            ("history_y_", self.n_targets_)):
            rows = getattr(self, name)
            _require(isinstance(rows, np.ndarray) and rows.dtype == np.float64
                     and rows.ndim == 2 and rows.shape[1] == width and np.isfinite(rows).all()
                     and self.max_delay_ <= len(rows) <= max(self._history_rows(), 1),
                     name, f"between {self.max_delay_} and {self._history_rows()} finite rows "
                     f"of {width} columns", getattr(rows, "shape", rows))

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
        given = y
        y = check_array(y, ensure_2d=False, dtype=np.float64, input_name="y")
        if y.ndim not in (1, 2):
            raise ValueError(f"`y` must be 1-D or 2-D. Got an array of shape {y.shape}.")
        if reset:
            self._y_ndim = y.ndim
            keep_target_names(self, given)
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
        check_time_order(X, y)
        targets = self._validate_targets(y, reset)
        inputs = self._validate_inputs(X, len(targets), reset)
        if len(targets) < max_delay + extra_rows:
            raise ValueError(
                f"`y` needs at least {max_delay + extra_rows} rows here (the largest delay is "
                f"{max_delay}). Got n_samples={len(targets)}.")
        return inputs, targets

    # ------------------------------------------------------------------------------- fit
    def fit(self, X: Rows | None, y: Rows, groups: Groups = None) -> Self:
        """Fit the model to a series, or to several records of one system (``groups``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or None
            Exogenous inputs at the target times; None for a purely autoregressive model.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            The series to forecast, in time order at a regular step.
        groups : array-like of shape (n_samples,), optional
            Segment ids: several independent records (experiments of one plant, say) given
            one after the other, each a contiguous run of rows with one id. No training
            window, regressor, free run or recurrent state crosses from one record into the
            next: each starts from its own first rows (its initial conditions), as MATLAB's
            ``catsamples`` and fastcan's ``session_sizes``. None (the default) reads the
            first level of a pandas MultiIndex of ``y`` (or ``X``) as the ids when there is
            one, else one record. The history kept for ``predict(X_future)`` is the last
            record's.

        Returns
        -------
        self
        """
        self._validate_params()
        fitted_state = self.__dict__.copy()
        try:
            return self._fit(X, y, groups)
        except BaseException:
            # a rejected or failed fit leaves a previously fitted model exactly as it was
            self.__dict__.clear()
            self.__dict__.update(fitted_state)
            raise

    def _fit(self, X, y, groups=None):
        warm = self._warm_started()
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
            input_delays, target_delays = self._delays((inputs, targets))  # data's orders
            max_delay = int(max(input_delays.max(initial=0), target_delays.max(initial=0)))
            self.n_targets_ = targets.shape[1]
            if X is None:
                self.n_features_in_ = 0
            self.input_delays_ = input_delays
            self.target_delays_ = target_delays
            self._prepare(inputs)
            self.input_scaler_ = Scaler(inputs, self._standardises())
            self.target_scaler_ = Scaler(targets, self._standardises())
            for name, scaler, values in (("X", self.input_scaler_, inputs),
                                         ("y", self.target_scaler_, targets)):
                if not (np.isfinite(scaler.mean).all() and np.isfinite(scaler.scale).all()):
                    raise ValueError(f"`{name}` holds values too large to standardise (up to "
                                     f"{np.abs(values).max():.3g} in magnitude): their mean "
                                     "or spread overflows. Rescale them (e.g. to other "
                                     "units).")
        constant = np.ptp(targets, axis=0) == 0
        if constant.any():
            raise ValueError(f"`y` is constant (target columns {np.flatnonzero(constant)}); "
                             "there is nothing to forecast.")
        records = record_bounds(groups_of(groups, X, y), len(targets), max_delay + 2)
        if records is not None and not self._fits_records:
            raise ValueError(f"{type(self).__name__} cannot be fitted on several records "
                             "(`groups`): fit one model per record.")
        self._fit_scaled(TrainingData.of(*self._scaled_t(inputs, targets), records), warm)
        last = records[-1][0] if records else 0
        self._store_history(inputs[last:], targets[last:], reset=True)
        return self

    _fits_records = True  # False: the family cannot be fitted on several records

    @abstractmethod
    def _fit_scaled(self, data, warm):
        """Learn from :class:`~narxcast.training.stages.TrainingData` (scaled (features, time)
        arrays and their records); set the fitted attributes."""

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
    def predict(self, X: Rows | None = None, y: Rows | None = None, horizon: int | None = None,
                all_horizons: bool = False, groups: Groups = None) -> Forecasts:
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
        groups : array-like of shape (n_samples,), optional
            With ``y``: several records one after the other (as in :meth:`fit`; a pandas
            MultiIndex's first level by default): each is forecast from its own initial
            conditions, as if given alone.

        Returns
        -------
        ndarray, or pandas Series / DataFrame
            Forecasts in the units of ``y``; 1-D targets give 1-D rows. Given pandas (``y``
            with a segment, else ``X``), the forecasts come back with its index: a Series
            named as ``y``, a DataFrame of ``y``'s columns, or with ``all_horizons`` a
            DataFrame with a column per lead time (``1..horizon``; ``(target, lead)`` for
            several targets). NumPy in, NumPy out.
        """
        check_is_fitted(self, "input_scaler_")
        records = None if y is None else record_bounds(groups_of(groups, X, y),
                                                         _num_samples(y), 1)
        if groups is not None and y is None:
            raise ValueError("`groups` needs the records' measurements: pass `y`.")
        if records is not None:  # each record on its own, put back in order
            parts = [self.predict(take(X, slice(start, end)), take(y, slice(start, end)),
                                  horizon=horizon, all_horizons=all_horizons)
                     for start, end in records]
            if all(isinstance(part, np.ndarray) for part in parts):
                return np.concatenate(parts)
            return pd.concat(parts)
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
        # two NaN-ignoring reductions per target, then counts only when something is wrong
        # (counting held or infinite values over all-origin forecasts cost ~0.4 ms a call)
        flat = forecasts.reshape(-1, forecasts.shape[-1])
        lowest, highest = ((np.fmin.reduce(flat, axis=0), np.fmax.reduce(flat, axis=0))
                           if flat.size else (np.zeros(0), np.zeros(0)))
        self._warn_if_held(forecasts, lowest, highest)
        if np.isinf(lowest).any() or np.isinf(highest).any():
            warnings.warn(f"{np.isinf(forecasts).sum()} forecasts overflowed to infinity: the "
                          "model runs away on these inputs (closed loop, or inputs far outside "
                          "the training range).", RuntimeWarning, stacklevel=2)
        if self._y_ndim == 1:
            forecasts = forecasts[..., 0]
        return as_pandas(forecasts, X, y, all_horizons, getattr(self, "target_names_in_", None))

    def _continuation(self, X, horizon):
        """The stored history followed by the future inputs ``X`` (targets NaN): ``(inputs,
        targets, origin, horizon)``, the horizon being ``X``'s rows when it is given."""
        if X is None:
            if horizon is None:
                raise ValueError("`horizon` is required when `X` is None.")
            horizon = check_horizon(horizon)
        else:
            rows = _num_samples(X)
            if horizon is not None and check_horizon(horizon) != rows:
                raise ValueError(f"`horizon` must equal the rows of `X` ({rows}) when "
                                 f"forecasting from the stored history. Got {horizon}.")
            horizon = rows
        future = self._validate_inputs(X, horizon, reset=False)
        inputs = np.concatenate([self.history_X_, future])
        targets = np.concatenate([self.history_y_, np.full((horizon, self.n_targets_), np.nan)])
        return inputs, targets, len(self.history_y_) - 1, horizon

    def _continue(self, X, horizon):
        inputs, targets, origin, horizon = self._continuation(X, horizon)
        out = self._forecast_continuation(*self._scaled_t(inputs, targets), origin, horizon)
        return self.target_scaler_.inverse(out)

    def _forecast_continuation(self, inputs_t, targets_t, origin, horizon):
        """Forecasts (horizon, n_targets) from one origin; recursive models in one call."""
        origins = np.array([origin], dtype=np.int64)
        return self._forecast_scaled(inputs_t, targets_t, origins, horizon)[:, :, 0]

    def _predict_segment(self, X, y, horizon, forecast=None):
        """Forecasts (n, horizon, n_targets, ...) of the segment from every origin, by
        ``forecast`` (default ``_forecast_scaled``; its output (horizon, n_targets, n_origins,
        ...) may carry trailing axes, such as sample paths)."""
        inputs, targets = self._validate_segment(X, y, reset=False, max_delay=self.max_delay_,
                                                  extra_rows=1)
        n = len(targets)
        # pad with NaN so that forecasts past the end stay inside the arrays (and are NaN)
        inputs = np.concatenate([inputs, np.full((horizon, inputs.shape[1]), np.nan)])
        targets = np.concatenate([targets, np.full((horizon, targets.shape[1]), np.nan)])
        origins = np.arange(self._first_origin(), n - 1, dtype=np.int64)
        out = (forecast or self._forecast_scaled)(*self._scaled_t(inputs, targets), origins,
                                                  horizon)
        per_target = (1, -1) + (1,) * (out.ndim - 2)
        out *= self.target_scaler_.scale.reshape(per_target)
        out += self.target_scaler_.mean.reshape(per_target)
        forecasts = np.full((n, horizon, self.n_targets_, *out.shape[3:]), np.nan)
        for step in range(horizon):
            first = self._first_origin() + step + 1  # the row forecast from the first origin
            if first < n:
                forecasts[first:, step] = np.moveaxis(out[step, :, :n - first], 1, 0)
        return forecasts

    def _scaled_t(self, inputs, targets):
        inputs_t = np.ascontiguousarray(self.input_scaler_.transform(inputs).T)
        targets_t = np.ascontiguousarray(self.target_scaler_.transform(targets).T)
        return inputs_t, targets_t

    # ---------------------------------------------------------------------- update/score
    def update(self, X: Rows | None, y: Rows, groups: Groups = None) -> Self:
        """Append new measurements to the stored history without refitting.

        ``predict(X_future)`` then continues from the end of ``y``.

        Parameters
        ----------
        X : array-like of shape (n_new, n_features) or None
        y : array-like of shape (n_new,) or (n_new, n_targets)
        groups : array-like of shape (n_new,), optional
            Record ids, as in :meth:`fit`: the rows are new records, not a continuation of
            the stored history, which becomes the last record's (it needs at least the
            largest delay's rows). None reads a pandas MultiIndex as ``fit`` does.

        Returns
        -------
        self

        Examples
        --------
        >>> import numpy as np
        >>> from narxcast import NARXRegressor
        >>> y = np.sin(np.arange(200) / 4)
        >>> model = NARXRegressor(feedback_delays=[1, 2], max_iter=5, random_state=0)
        >>> model = model.fit(None, y).update(None, y[:5], groups=["a", "a", "b", "b", "b"])
        >>> model.history_y_[:, 0].tolist() == y[3:5].tolist()   # record "b"'s last rows
        True
        """
        check_is_fitted(self, "input_scaler_")
        inputs, targets = self._validate_segment(X, y, reset=False, max_delay=0, extra_rows=1)
        records = record_bounds(groups_of(groups, X, y), len(targets), 1)
        if records is not None and not self._fits_records:
            raise ValueError(f"{type(self).__name__} cannot take several records (`groups`): "
                             "update it with the rows that continue its series.")
        if records is not None:
            last = records[-1][0]
            if len(targets) - last < max(self.max_delay_, 1):
                raise ValueError(f"`groups`: the last record has {len(targets) - last} rows; "
                                 f"the stored history needs {max(self.max_delay_, 1)} (the "
                                 "largest delay).")
            self._store_history(inputs[last:], targets[last:], reset=True)
            return self
        self._store_history(inputs, targets, reset=False)
        return self

    def score(self, X: Rows | None, y: Rows, sample_weight: ArrayLike | None = None,
              horizon: int | None = None, groups: Groups = None) -> float:
        """R^2 of forecasts of ``y`` (:func:`forecast_r2`): without ``horizon``, of the
        closed-loop continuation ``predict(X)`` after the data seen (scikit-learn's
        convention); with it, of the ``horizon``-step forecasts of the segment ``(X, y)``
        from every origin, as ``predict(X, y, horizon=horizon, groups=groups)``, over the
        rows formed.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or None
            Exogenous inputs of the rows scored.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Their measurements.
        sample_weight : array-like of shape (n_samples,), optional
        horizon : int, optional
            Score the ``horizon``-step forecasts of the segment; None: the continuation.
        groups : array-like of shape (n_samples,), optional
            Records of the segment (as :meth:`predict`).

        Returns
        -------
        float
            R^2 of the forecasts.
        """
        return forecast_r2(self, X, y, horizon, sample_weight, groups)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.regressor_tags.poor_score = True
        return tags


def forecast_r2(estimator, X, y, horizon=None, sample_weight=None, groups=None):
    """R^2 of ``estimator``'s forecasts of ``y``: the continuation ``predict(X)`` (``horizon``
    rows when ``X`` is None), or with ``horizon`` the ``horizon``-step forecasts of the
    segment ``(X, y)`` over the rows whose forecast is formed (the first rows, the initial
    conditions, are NaN and left out)."""
    from sklearn.metrics import r2_score  # (at first use: sklearn.metrics takes 70 ms to import)

    if horizon is None:
        steps = _num_samples(y) if X is None else None
        return r2_score(y, estimator.predict(X, horizon=steps), sample_weight=sample_weight)
    extra = groups_keyword(groups)
    forecasts = np.asarray(estimator.predict(X, y, horizon=horizon, **extra))
    truth = np.asarray(y, dtype=float)
    formed = np.isfinite(forecasts.reshape(len(forecasts), -1)).all(axis=1)
    weights = None if sample_weight is None else np.asarray(sample_weight)[formed]
    return r2_score(truth[formed], forecasts[formed], sample_weight=weights)


def _require(condition, name, rule, value):
    """Raise unless ``condition``: the fitted attribute ``name`` must be ``rule``."""
    if not condition:
        raise ValueError(f"`{name}` must be {rule}. Got {value!r}.")


def _writable(value):
    """Read-only arrays (joblib's ``mmap_mode="r"``), also inside a named tuple, as writable
    copies: Numba compiles every kernel again for read-only arguments."""
    if isinstance(value, np.ndarray) and not value.flags.writeable:
        return np.array(value)
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)._make(_writable(item) for item in value)
    return value
