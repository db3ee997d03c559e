"""Meta-estimators over narxcast forecasters: a transformed target (the clear-sky index),
physical bounds for irradiance, ensembles (over seeds, or of several forecasters: from
:mod:`narxcast.ensembles`), and one global model over many series."""

from __future__ import annotations

import numbers
from typing import Any, Self

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import check_is_fitted

from ._delegating import DelegatingForecaster as _DelegatingForecaster
from ._forecaster import (
    Forecaster as _Forecaster,
    is_forecaster as _is_forecaster,
)
from ._rows import (
    as_pandas as _as_pandas,
    column_of as _column_of,
    groups_keyword as _groups_keyword,
    groups_of as _groups_of,
    keep_target_names as _keep_target_names,
    record_bounds as _record_bounds,
    series_rows as _series_rows,
    take as _take,
    wrapped_target_names as _wrapped_target_names,
)
from ._typing import Forecasts, Groups, Rows
from ._validation import (
    as_floats as _as_floats,
    check_horizon as _check_horizon,
)
from .ensembles import EnsembleRegressor, VotingRegressor
from .features import DAYTIME_CLEARSKY, daytime_mask

__all__ = ["ClearSkyIndexRegressor", "EnsembleRegressor", "GlobalRegressor", "IrradianceRegressor",
           "VotingRegressor"]


class ClearSkyIndexRegressor(_DelegatingForecaster, RegressorMixin, BaseEstimator):
    """Forecast irradiance through its clear-sky index ``k = y / y_clearsky``.

    The inner forecaster learns and forecasts ``k``, which carries the weather without the
    daily and seasonal cycle of the sun; forecasts are ``k_hat * y_clearsky`` at the target
    time (``k_hat`` clipped to ``[0, max_index]``), with the clear-sky irradiance read from a
    column of ``X`` (known in advance: it is geometry). Where the clear-sky irradiance is at or
    below ``min_clearsky`` (night, low sun: not daytime in the sense of
    :func:`narxcast.features.daytime_mask`) the index is set to 0 and the forecast is 0.

    When to use it: the index's squared error weighs every daytime hour alike, while an error
    in ``k`` costs irradiance in proportion to the clear-sky value; on the bundled sites the
    index target forecasts low-sun hours 25-33% better than the raw irradiance and noon no
    better, with three times the seed-to-seed spread there, so its daytime RMSE is about the
    same (``benchmarks/NOTES.md``, 'the restructuring', item 11). Use it where low-sun hours or the
    index itself matter; for the RMSE in W/m2 the raw target is as good and steadier.

    Parameters
    ----------
    estimator : narxcast forecaster
        Fitted (as a clone, ``estimator_``) on ``(X, k)``; ``X`` keeps the clear-sky column, so
        the model may use it as an input too.
    clearsky : str or int, default="clearsky_ghi"
        The clear-sky column of ``X``: a name (``X`` a DataFrame) or a position.
    min_clearsky : float, default=DAYTIME_CLEARSKY (10.0)
    max_index : float, default=1.5
        Upper clip of the index, measured and forecast (cloud enhancement rarely exceeds it;
        low-sun ratios do).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from narxcast import NARXRegressor
    >>> from narxcast.compose import ClearSkyIndexRegressor
    >>> hour = np.arange(24 * 60) % 24
    >>> clearsky = np.maximum(800 * np.sin(np.pi * (hour - 6) / 12), 0)
    >>> k = np.clip(0.7 + 0.2 * np.sin(np.arange(hour.size) / 40), 0, 1)
    >>> X, y = pd.DataFrame({"clearsky_ghi": clearsky}), k * clearsky
    >>> model = ClearSkyIndexRegressor(NARXRegressor(input_delays=0, feedback_delays=[1, 24],
    ...                                              random_state=0)).fit(X[:1200], y[:1200])
    >>> forecasts = model.predict(X[1200:], y[1200:], horizon=6)
    >>> float(np.nanmax(forecasts[clearsky[1200:] < 10]))   # night stays dark
    0.0
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "predict"])],
        "clearsky": [str, Interval(numbers.Integral, 0, None, closed="left")],
        "min_clearsky": [Interval(numbers.Real, 0, None, closed="left")],
        "max_index": [Interval(numbers.Real, 0, None, closed="neither")],
    }

    def __init__(self, estimator: BaseEstimator, clearsky: str | int = "clearsky_ghi",
                 min_clearsky: float = DAYTIME_CLEARSKY, max_index: float = 1.5) -> None:
        self.estimator = estimator
        self.clearsky = clearsky
        self.min_clearsky = min_clearsky
        self.max_index = max_index

    def _clearsky(self, X):
        return _column_of(X, self.clearsky, "clearsky",
                         "the clear-sky irradiance at the target times", "clear-sky column")

    def _index(self, X, y):
        clearsky = self._clearsky(X)
        y = np.asarray(y, dtype=float)
        if y.ndim != 1 or y.shape[0] != clearsky.shape[0]:
            raise ValueError(f"`y` must be 1-D with one value per row of `X` ({clearsky.size}). "
                             f"Got shape {y.shape}.")
        day = daytime_mask(clearsky, self.min_clearsky)
        index = np.zeros_like(y)
        np.divide(y, clearsky, out=index, where=day)
        index[np.isnan(y)] = np.nan
        return np.clip(index, 0.0, self.max_index)

    def _irradiance(self, X, index):
        clearsky = self._clearsky(X)
        clearsky = np.where(daytime_mask(clearsky, self.min_clearsky), clearsky, 0.0)
        index = np.clip(index, 0.0, self.max_index)
        return index * (clearsky[:, None] if index.ndim == 2 else clearsky)

    def physical_bounds(self, X: Rows) -> tuple[np.ndarray, np.ndarray]:
        """The bounds of a forecast at each row of ``X``: ``(lower, upper)``, 0 and ``max_index``
        times the clear-sky irradiance (0 where it is not daytime).

        Parameters
        ----------
        X : array-like or pandas.DataFrame
            Rows holding the clear-sky column.

        Returns
        -------
        lower, upper : ndarray of shape (n_samples,)
        """
        clearsky = self._clearsky(X)
        upper = np.where(daytime_mask(clearsky, self.min_clearsky), self.max_index * clearsky,
                         0.0)
        return np.zeros_like(upper), upper

    def _check_fitted_state(self):
        """The inner forecaster (checked when it was loaded) is a narxcast forecaster."""
        if not _is_forecaster(self.estimator_):
            raise ValueError("`estimator_` must be a fitted narxcast forecaster.")

    def fit(self, X: Rows | None, y: Rows, groups: Groups = None) -> Self:
        """Fit a clone of ``estimator`` to the clear-sky index of ``y`` (``groups``: its
        records, as the estimator's ``fit``).

        Parameters
        ----------
        X, y, groups
            As :meth:`narxcast.NARXRegressor.fit`.

        Returns
        -------
        self
        """
        self._validate_params()
        X, y = _series_rows(X, y, type(self).__name__)
        self.estimator_ = clone(self.estimator).fit(X, self._index(X, y), **_groups_keyword(groups))
        _keep_target_names(self, y)
        return self

    def predict(self, X: Rows | None = None, y: Rows | None = None, horizon: int | None = None,
                all_horizons: bool = False, groups: Groups = None) -> Forecasts:
        """As the inner forecaster's ``predict``, in irradiance units.

        Parameters
        ----------
        X, y, horizon, all_horizons, groups
            As :meth:`narxcast.NARXRegressor.predict`.

        Returns
        -------
        ndarray, pandas.Series or pandas.DataFrame
            The forecasts (pandas in, pandas out).
        """
        check_is_fitted(self, "estimator_")
        clearsky_rows = self._clearsky(X)  # checked before any work
        index_y = None if y is None else self._index(X, y)
        index = np.asarray(self.estimator_.predict(X, y=index_y, horizon=horizon,
                                                   all_horizons=all_horizons,
                                                   **_groups_keyword(groups)))
        if index.shape[0] != clearsky_rows.shape[0]:
            raise ValueError("The forecasts do not line up with the rows of `X`.")
        return _as_pandas(self._irradiance(X, index), X, y, all_horizons,
                          _wrapped_target_names(self))

    def simulate(self, X: Rows | None, y_initial: Rows, **options: Any) -> Forecasts:
        """The inner forecaster's free-run simulation (``options`` as its ``simulate``: a
        global model's ``series``) from the clear-sky indices of ``y_initial`` (the first
        rows of ``X``), in irradiance units.

        Parameters
        ----------
        X, y_initial, **options
            As :meth:`narxcast.NARXRegressor.simulate`.

        Returns
        -------
        ndarray or pandas.Series
            The initial rows (NaN), then the simulation.
        """
        check_is_fitted(self, "estimator_")
        self._clearsky(X)  # checked before any work
        n_initial = np.shape(y_initial)[0] if np.ndim(y_initial) else 0
        initial = self._index(_take(X, slice(n_initial)), y_initial)
        index = np.asarray(self.estimator_.simulate(X, initial, **options))
        return _as_pandas(self._irradiance(X, index), X, None, names=_wrapped_target_names(self))

    def update(self, X: Rows | None, y: Rows, groups: Groups = None) -> Self:
        """Append measurements (as clear-sky indices) to the inner forecaster's history
        (``groups``: new records).

        Parameters
        ----------
        X, y, groups
            As :meth:`narxcast.NARXRegressor.update`.

        Returns
        -------
        self
        """
        check_is_fitted(self, "estimator_")
        self.estimator_.update(X, self._index(X, y), **_groups_keyword(groups))
        return self


class IrradianceRegressor(ClearSkyIndexRegressor):
    """Forecast irradiance with any forecaster, kept physical: never negative, zero where it
    is not daytime (clear-sky irradiance at or below ``min_clearsky``), and at most
    ``max_index`` times the clear-sky irradiance at the target time.

    Unlike :class:`ClearSkyIndexRegressor` the inner forecaster learns the irradiance itself;
    only its forecasts are bounded, in every predict mode, with the clear-sky irradiance read
    from a column of ``X`` (known in advance: it is geometry).

    Parameters
    ----------
    estimator, clearsky, min_clearsky, max_index
        As in :class:`ClearSkyIndexRegressor`; ``max_index`` bounds the forecasts (at most
        that many times the clear-sky irradiance).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from narxcast import NARXRegressor
    >>> from narxcast.compose import IrradianceRegressor
    >>> hour = np.arange(24 * 60) % 24
    >>> clearsky = np.maximum(800 * np.sin(np.pi * (hour - 6) / 12), 0)
    >>> X, y = pd.DataFrame({"clearsky_ghi": clearsky}), 0.8 * clearsky
    >>> model = IrradianceRegressor(NARXRegressor(input_delays=0, feedback_delays=[1, 24],
    ...                                           max_iter=20, random_state=0))
    >>> forecasts = model.fit(X[:1200], y[:1200]).predict(X[1200:], y[1200:], horizon=6)
    >>> float(np.nanmin(forecasts)), float(np.nanmax(forecasts[clearsky[1200:] <= 10]))
    (0.0, 0.0)
    """

    def fit(self, X: Rows | None, y: Rows, groups: Groups = None) -> Self:
        """Fit a clone of ``estimator`` to ``y`` (the clear-sky column is checked first).

        Parameters
        ----------
        X, y, groups
            As :meth:`narxcast.NARXRegressor.fit`.

        Returns
        -------
        self
        """
        self._validate_params()
        X, y = _series_rows(X, y, type(self).__name__)
        self._clearsky(X)
        self.estimator_ = clone(self.estimator).fit(X, y, **_groups_keyword(groups))
        return self

    def predict(self, X: Rows | None = None, y: Rows | None = None, horizon: int | None = None,
                all_horizons: bool = False, groups: Groups = None) -> Forecasts:
        """As the inner forecaster's ``predict``, held within the physical bounds.

        Parameters
        ----------
        X, y, horizon, all_horizons, groups
            As :meth:`narxcast.NARXRegressor.predict`.

        Returns
        -------
        ndarray, pandas.Series or pandas.DataFrame
            The forecasts (pandas in, pandas out).
        """
        check_is_fitted(self, "estimator_")
        clearsky = self._clearsky(X)  # checked before any work
        forecasts = np.asarray(self.estimator_.predict(X, y=y, horizon=horizon,
                                                       all_horizons=all_horizons,
                                                       **_groups_keyword(groups)))
        if forecasts.shape[0] != clearsky.shape[0]:
            raise ValueError("The forecasts do not line up with the rows of `X`.")
        lower, upper = self.physical_bounds(X)
        shape = (-1, *[1] * (forecasts.ndim - 1))
        return _as_pandas(np.clip(forecasts, lower.reshape(shape), upper.reshape(shape)), X, y,
                         all_horizons, _wrapped_target_names(self))

    def update(self, X: Rows | None, y: Rows, groups: Groups = None) -> Self:
        """Append measurements to the inner forecaster's history (``groups``: new records).

        Parameters
        ----------
        X, y, groups
            As :meth:`narxcast.NARXRegressor.update`.

        Returns
        -------
        self
        """
        check_is_fitted(self, "estimator_")
        self.estimator_.update(X, y, **_groups_keyword(groups))
        return self


class GlobalRegressor(_Forecaster, RegressorMixin, BaseEstimator):
    """One forecaster trained across many series (a global model), each series standardised by
    its own statistics.

    Sites with a short history have too little data for a network of their own; series that
    share their dynamics up to a gain and an offset (one plant at several operating points,
    wind at several sites) can share one model. ``fit(X, y, groups)`` standardises the target
    (and, with ``scale_inputs``, the inputs) of each series by its own mean and standard
    deviation, optionally appends the series' one-hot id as inputs (``series_inputs``: a
    learned per-series offset), and fits ``estimator`` on all series as separate records
    (:meth:`narxcast.NARXRegressor.fit`'s ``groups``: no window crosses from one series into
    the next). ``predict(X, y, horizon=..., groups=...)`` forecasts each series from its
    own measurements, in its own units.

    Parameters
    ----------
    estimator : narxcast forecaster
        Fitted (as a clone, ``estimator_``) on the standardised series.
    scale_inputs : bool, default=True
        Standardise each series' inputs by their own statistics too.
    series_inputs : bool, default=False
        Append the one-hot series id to the inputs.

    Attributes
    ----------
    series_ : ndarray of str
        The series ids seen by ``fit``, in order.
    target_mean_, target_scale_ : ndarray of shape (n_series,)
    input_mean_, input_scale_ : ndarray of shape (n_series, n_features)

    Examples
    --------
    >>> import numpy as np
    >>> from narxcast import NARXRegressor
    >>> from narxcast.compose import GlobalRegressor
    >>> rng = np.random.default_rng(0)
    >>> X, y, ids = [], [], []
    >>> for site, (gain, offset) in enumerate([(1.0, 0.0), (3.0, 10.0), (0.5, -2.0)]):
    ...     u = rng.uniform(-1, 1, 80)
    ...     z = np.zeros(80)
    ...     for k in range(79):
    ...         z[k + 1] = 0.6 * z[k] + np.tanh(u[k])
    ...     X.append(u)
    ...     y.append(gain * z + offset)
    ...     ids += [f"site {site}"] * 80
    >>> model = GlobalRegressor(NARXRegressor(input_delays=[1], feedback_delays=[1],
    ...                                       max_iter=30, random_state=0))
    >>> model = model.fit(np.concatenate(X)[:, None], np.concatenate(y), groups=ids)
    >>> model.series_.tolist()
    ['site 0', 'site 1', 'site 2']
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "predict"])],
        "scale_inputs": ["boolean"],
        "series_inputs": ["boolean"],
    }

    def __init__(self, estimator: BaseEstimator, scale_inputs: bool = True,
                 series_inputs: bool = False) -> None:
        self.estimator = estimator
        self.scale_inputs = scale_inputs
        self.series_inputs = series_inputs

    def _series(self, groups, X, y, n_rows, known):
        """Each row's series index (into ``series_``), checked."""
        ids = _groups_of(groups, X, y)
        if ids is None:
            raise ValueError("`groups` (one series id per row, or a pandas MultiIndex whose "
                             "first level is the series) is required.")
        _record_bounds(ids, n_rows, 1)  # one contiguous run per series
        ids = np.asarray(ids).astype(str)
        if known is None:
            return ids, np.unique(ids, return_inverse=True)[1]
        lookup = {name: k for k, name in enumerate(known)}
        unknown = [str(name) for name in dict.fromkeys(ids) if name not in lookup]
        if unknown:
            raise ValueError(f"`groups`: series {unknown[0]!r} was not seen by fit; a global "
                             "model forecasts the series it was fitted on.")
        return ids, np.array([lookup[name] for name in ids])

    def _inputs(self, X, rows, n_rows):
        inputs = np.zeros((n_rows, 0)) if X is None else np.asarray(X, dtype=float)
        if inputs.ndim != 2 or inputs.shape[0] != n_rows:
            raise ValueError(f"`X` must be 2-D with one row per row of `y` ({n_rows}).")
        if self.scale_inputs and inputs.shape[1]:
            inputs = (inputs - self.input_mean_[rows]) / self.input_scale_[rows]
        if self.series_inputs:
            inputs = np.hstack([inputs, np.eye(len(self.series_))[rows]])
        return inputs if inputs.shape[1] else None

    def fit(self, X: Rows | None, y: Rows, groups: Groups = None) -> Self:
        """Standardise each series by its own statistics and fit one model on all of them.

        Parameters
        ----------
        X, y, groups
            As :meth:`narxcast.NARXRegressor.fit`.

        Returns
        -------
        self
        """
        self._validate_params()
        X, y = _series_rows(X, y, "GlobalRegressor", finite=False)  # names the series below
        targets = np.asarray(y, dtype=float)
        ids, rows = self._series(groups, X, y, targets.size, None)
        self.series_ = np.unique(ids).astype(object)  # strings, as feature_names_in_
        n_series = len(self.series_)
        for name, part in (("y", targets), ("X", None if X is None else np.asarray(X, float))):
            if part is not None and not np.isfinite(part).all():  # say which series
                row = int(np.flatnonzero(~np.isfinite(part.reshape(len(part), -1)).all(
                    axis=1))[0])
                raise ValueError(f"`{name}` of series {self.series_[rows[row]]!r} holds NaN or "
                                 f"infinite values (first at row {row}).")
        frame = pd.DataFrame({"series": rows, "y": targets})
        stats = frame.groupby("series")["y"].agg(["mean", "std"]).reindex(range(n_series))
        self.target_mean_ = stats["mean"].to_numpy()
        self.target_scale_ = np.where(stats["std"].to_numpy() > 0, stats["std"].to_numpy(), 1.0)
        n_features = 0 if X is None else np.asarray(X).shape[1]
        self.input_mean_ = np.zeros((n_series, n_features))
        self.input_scale_ = np.ones((n_series, n_features))
        if self.scale_inputs and n_features:
            inputs = pd.DataFrame(np.asarray(X, dtype=float)).groupby(rows)
            self.input_mean_ = inputs.mean().to_numpy()
            spread = inputs.std().fillna(0.0).to_numpy()
            self.input_scale_ = np.where(spread > 0, spread, 1.0)
        standardised = (targets - self.target_mean_[rows]) / self.target_scale_[rows]
        self.estimator_ = clone(self.estimator).fit(self._inputs(X, rows, targets.size),
                                                    standardised, groups=ids)
        return self

    def predict(self, X: Rows | None = None, y: Rows | None = None, horizon: int | None = None,
                all_horizons: bool = False, groups: Groups = None) -> Forecasts:
        """Forecasts of each series' segment ``(X, y)`` from its own measurements (as a
        forecaster's ``predict`` with ``y``), in each series' units.

        Parameters
        ----------
        X, y, horizon, all_horizons, groups
            As :meth:`narxcast.NARXRegressor.predict`.

        Returns
        -------
        ndarray, pandas.Series or pandas.DataFrame
            The forecasts (pandas in, pandas out).
        """
        check_is_fitted(self, "estimator_")
        if y is None:
            raise ValueError("`y` is required: a global model forecasts each series from its "
                             "own recent measurements (give them as a segment).")
        targets = np.asarray(y, dtype=float)
        ids, rows = self._series(groups, X, y, targets.size, self.series_)
        standardised = (targets - self.target_mean_[rows]) / self.target_scale_[rows]
        forecasts = np.asarray(self.estimator_.predict(
            self._inputs(X, rows, targets.size), standardised, horizon=horizon,
            all_horizons=all_horizons, groups=ids))
        shape = (-1,) + (1,) * (forecasts.ndim - 1)
        forecasts = (forecasts * self.target_scale_[rows].reshape(shape)
                     + self.target_mean_[rows].reshape(shape))
        return _as_pandas(forecasts, X, y, all_horizons, _wrapped_target_names(self))

    def simulate(self, X: Rows | None, y_initial: Rows, series: object,
                 horizon: int | None = None) -> Forecasts:
        """Free-run simulation of one series (an id seen by ``fit``) over the inputs ``X``
        from its first measured rows ``y_initial``, in the series' units: the way to forecast
        a series after its latest measurements (give them as ``y_initial`` and the future
        inputs after them in ``X``; without inputs, X=None and ``horizon`` steps). See
        :meth:`narxcast.NARXRegressor.simulate`.

        Parameters
        ----------
        X, y_initial, series, horizon
            As :meth:`narxcast.NARXRegressor.simulate`.

        Returns
        -------
        ndarray or pandas.Series
            The initial rows (NaN), then the simulation.
        """
        check_is_fitted(self, "estimator_")
        initial = _as_floats(y_initial, "y_initial",
                            "finite numbers: the measured initial rows")
        if X is None:
            if horizon is None:
                raise ValueError("`X` is required, or `horizon` for a model without inputs.")
            n_rows = len(initial) + _check_horizon(horizon)
        else:
            n_rows = np.shape(X)[0]
        _, rows = self._series([str(series)] * n_rows, None, None, n_rows, self.series_)
        k = rows[0]
        inputs = self._inputs(X, rows, n_rows)
        simulated = self.estimator_.simulate(
            inputs, (initial - self.target_mean_[k]) / self.target_scale_[k],
            **({"horizon": n_rows - len(initial)} if inputs is None else {}))
        simulated = np.asarray(simulated) * self.target_scale_[k] + self.target_mean_[k]
        return _as_pandas(simulated, X, None, names=_wrapped_target_names(self))

    def score(self, X: Rows | None, y: Rows, sample_weight: ArrayLike | None = None,
              horizon: int = 1, groups: Groups = None) -> float:
        """R^2 of the ``horizon``-step forecasts of every series' segment.

        Parameters
        ----------
        X, y, sample_weight, horizon, groups
            As :meth:`narxcast.NARXRegressor.score`.

        Returns
        -------
        float
            R^2 of the forecasts.
        """
        from sklearn.metrics import r2_score

        forecasts = np.asarray(self.predict(X, y, horizon=horizon, groups=groups))
        formed = np.isfinite(forecasts)
        weights = None if sample_weight is None else np.asarray(sample_weight)[formed]
        return r2_score(np.asarray(y, dtype=float)[formed], forecasts[formed],
                        sample_weight=weights)

    def _check_fitted_state(self):
        if not _is_forecaster(self.estimator_):
            raise ValueError("`estimator_` must be a fitted narxcast forecaster.")
        if not (isinstance(self.series_, np.ndarray) and self.series_.ndim == 1
                and all(isinstance(name, str) for name in self.series_)):
            raise ValueError("`series_` must list the series ids as strings.")
        n_series = len(self.series_)
        arrays = (self.target_mean_, self.target_scale_, self.input_mean_, self.input_scale_)
        if not (all(isinstance(a, np.ndarray) and np.isfinite(a).all() for a in arrays)
                and self.target_mean_.shape == self.target_scale_.shape == (n_series,)
                and self.input_mean_.shape == self.input_scale_.shape
                and self.input_mean_.shape[0] == n_series
                and (self.target_scale_ > 0).all() and (self.input_scale_ > 0).all()):
            raise ValueError("The series statistics do not describe the fitted series.")




