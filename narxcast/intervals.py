"""Probabilistic forecasts for any narxcast forecaster: intervals and quantiles at every lead
time, calibrated on a block of data the model was not fitted on.

:class:`ConformalRegressor` wraps a forecaster. ``fit`` trains it on all but the last rows,
forecasts those rows from every origin (``predict(X, y, horizon=max_horizon,
all_horizons=True)``: each forecast reads only measurements up to its origin) and keeps the
errors per lead time; it then refits on every row. Quantiles are the forecast plus the
order statistics of those errors with the split-conformal finite-sample correction
("conformal"), or the quantiles of closed-loop sample paths through a NARX whose one-step
errors are bootstrapped and fed back ("bootstrap"). Irradiance errors grow with the sun:
``conditional="clearsky_ghi"`` keeps separate errors per clear-sky level.
"""

from __future__ import annotations

import numbers
from typing import Literal, Self

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._delegating import DelegatingForecaster as _DelegatingForecaster
from ._forecaster import (
    is_forecaster as _is_forecaster,
)
from ._quantiles import QuantileForecaster
from ._rows import (
    column_of as _column_of,
    groups_keyword as _groups_keyword,
    groups_of as _groups_of,
    index_of as _index_of,
    last_index_label as _last_index_label,
    last_row_at as _last_row_at,
    record_bounds as _record_bounds,
    record_tails as _record_tails,
    series_rows as _series_rows,
    take as _take,
)
from ._typing import Groups, RandomState, Rows
from ._validation import (
    as_floats as _as_floats,
)

__all__ = ["ConformalRegressor"]

MIN_BIN_ERRORS = 30  # a bin with fewer errors at a lead time uses every bin's errors


def conformal_offsets(errors, quantiles):
    """The offsets to add to a forecast for its ``quantiles``: order statistics of the
    calibration ``errors`` (``y - forecast``, NaN dropped) with the split-conformal
    correction, so that ``P(y <= forecast + offset) >= q`` for ``q >= 0.5`` (and ``<= q`` below)
    when the errors are exchangeable with the new one: the ``ceil((n + 1) q)``-th smallest
    error above the median, the ``floor((n + 1) q)``-th below; ``+-inf`` where ``n`` errors
    cannot support the level. Non-decreasing in ``q``.

    Examples
    --------
    >>> conformal_offsets(np.arange(1.0, 20.0), [0.05, 0.5, 0.95]).tolist()   # n = 19
    [1.0, 10.0, 19.0]
    >>> conformal_offsets(np.arange(1.0, 10.0), [0.05, 0.95]).tolist()   # too few for 90%
    [-inf, inf]
    """
    errors = np.asarray(errors, dtype=float)
    return _order_statistics(np.sort(errors)[:, None], np.array([np.sum(~np.isnan(errors))]),
                             np.asarray(quantiles, dtype=float))[0]


def _order_statistics(ordered, counts, quantiles):
    """:func:`conformal_offsets` of every column of ``ordered`` (sorted along axis 0, NaN
    last; ``counts`` valid values per column) at once: (n_columns, n_quantiles)."""
    n = counts[:, None]
    rank = np.where(quantiles >= 0.5, np.ceil((n + 1) * quantiles - 1e-9),
                    np.floor((n + 1) * quantiles + 1e-9)).astype(np.int64)
    inside = (rank >= 1) & (rank <= n)
    columns = np.broadcast_to(np.arange(ordered.shape[1])[:, None], rank.shape)
    offsets = np.where(rank < 1, -np.inf, np.inf)
    offsets[inside] = ordered[rank[inside] - 1, columns[inside]]
    return offsets


def _scaled(errors, scale):
    """``errors / scale`` where ``scale`` is positive, NaN elsewhere (left out)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(scale > 0, errors / scale, np.nan)


class ConformalRegressor(QuantileForecaster, _DelegatingForecaster, RegressorMixin,
                         BaseEstimator):
    """Intervals, quantiles and sample paths from any narxcast forecaster, calibrated per
    lead time on the last block of the training rows (split conformal prediction).

    Parameters
    ----------
    estimator : narxcast forecaster
        Any estimator of the package or meta-estimator (ensembles, irradiance wrappers: GHI
        intervals are then held within ``[0, max_index * clear-sky]`` and zero at night).
    max_horizon : int, default=24
        The longest lead time calibrated; quantiles further ahead are refused.
    calibration_fraction : float, default=0.2
        The last fraction of the rows given to ``fit`` that calibrates: the model fitted on
        the rows before forecasts them from every origin, and its errors per lead time are
        kept (``errors_``).
    refit : bool, default=True
        Refit the estimator on every row after calibrating (``estimator_``), as a
        deployed model would be; its errors are, if anything, smaller than the calibrated
        ones, so intervals err on the wide side. False keeps the model that was calibrated.
    conditional : str, int or None, default=None
        A column of ``X`` (name or position) whose value at the target time the errors are
        conditioned on: its calibration values are cut into ``n_bins`` bins of equal counts,
        and each forecast uses the errors of its bin (irradiance errors grow with the sun:
        ``"clearsky_ghi"``). Bins with fewer than 30 errors at a lead time use all bins'.
    n_bins : int, default=4
    scale : str, int or None, default=None
        A column of ``X`` the errors are proportional to (locally weighted conformal): each
        error is divided by its value at the target time (rows where it is not positive are
        left out), and the offsets are multiplied by it again, so intervals widen and narrow
        with it (irradiance: ``"clearsky_ghi"``, zero-width at night).
    window : int or None, default=None
        Rolling calibration: from every origin of a segment given as pandas whose index
        continues the training data's (a backtest over the whole series, or new data), the
        offsets come from the last ``window`` errors verified by that origin (target time at
        or before it): the calibration block's, then the forecasts' own after the data
        fitted on, so the intervals follow the season (with ``conditional``, those of the
        row's bin; a bin with fewer than 30 in the window keeps the calibration block's).
        Rows the model was fitted on, numpy segments and continuations use the last
        ``window`` errors of ``errors_``, which :meth:`update` keeps current.
    method : {"conformal", "bootstrap"}, default="conformal"
        "conformal": the forecast plus conformal order statistics of the calibration errors
        at that lead (:func:`conformal_offsets`); "bootstrap": quantiles of ``n_paths``
        closed-loop sample paths (:meth:`sample_paths`, NARX only), which spread through the
        model's dynamics from the one-step errors alone.
    n_paths : int, default=200
        Paths per origin for "bootstrap".
    random_state : int, RandomState instance or None, default=None
        Draws the bootstrap's residuals.

    Attributes
    ----------
    estimator_ : fitted forecaster
    errors_ : ndarray of shape (n_calibration, max_horizon)
        ``y - forecast`` of each calibration row at each lead (NaN where none was formed),
        in time order; :meth:`update` appends the newest rows' and drops the oldest.
    bin_edges_ : ndarray
        The inner edges of the ``conditional`` bins (empty without ``conditional``).
    calibration_bins_ : ndarray of int
        The bin of each calibration row.
    calibration_scale_ : ndarray
        The ``scale`` column at each calibration row (empty without ``scale``).
    fitted_until_ : str, int or None
        The index label of the last row of ``errors_`` (of ``fit`` or the last ``update``;
        ISO time for a DatetimeIndex), which places a pandas segment for ``window``; None for
        arrays.
    recent_X_, recent_y_ : ndarray
        The last rows measured (``recent_X_`` None without inputs): the initial conditions
        of the forecasts whose errors :meth:`update` adds.

    Examples
    --------
    >>> import numpy as np
    >>> from narxcast import NARXRegressor
    >>> from narxcast.intervals import ConformalRegressor
    >>> rng = np.random.default_rng(0)
    >>> u = rng.uniform(-1, 1, 1500)
    >>> y = np.zeros(1500)
    >>> for k in range(1499):
    ...     y[k + 1] = 0.6 * y[k] + np.tanh(u[k]) + 0.1 * rng.normal()
    >>> model = ConformalRegressor(NARXRegressor(input_delays=[1], feedback_delays=[1],
    ...                                          max_iter=30, random_state=0), max_horizon=6)
    >>> model = model.fit(u[:1200, None], y[:1200])
    >>> bounds = model.predict_interval(u[1200:, None], y[1200:], horizon=6, coverage=0.9)
    >>> inside = (bounds[:, 0] <= y[1200:]) & (y[1200:] <= bounds[:, 1])
    >>> bool(0.85 < inside[6:].mean() < 0.97)
    True
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "predict"])],
        "max_horizon": [Interval(numbers.Integral, 1, 10_000, closed="both")],
        "calibration_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "refit": ["boolean"],
        "conditional": [str, Interval(numbers.Integral, 0, None, closed="left"), None],
        "n_bins": [Interval(numbers.Integral, 1, 100, closed="both")],
        "scale": [str, Interval(numbers.Integral, 0, None, closed="left"), None],
        "window": [Interval(numbers.Integral, 10, None, closed="left"), None],
        "method": [StrOptions({"conformal", "bootstrap"})],
        "n_paths": [Interval(numbers.Integral, 1, 100_000, closed="both")],
        "random_state": ["random_state"],
    }

    def __init__(self, estimator: BaseEstimator, max_horizon: int = 24,
                 calibration_fraction: float = 0.2, refit: bool = True,
                 conditional: str | int | None = None, n_bins: int = 4,
                 scale: str | int | None = None, window: int | None = None,
                 method: Literal["conformal", "bootstrap"] = "conformal", n_paths: int = 200,
                 random_state: RandomState = None) -> None:
        self.estimator = estimator
        self.max_horizon = max_horizon
        self.calibration_fraction = calibration_fraction
        self.refit = refit
        self.conditional = conditional
        self.n_bins = n_bins
        self.scale = scale
        self.window = window
        self.method = method
        self.n_paths = n_paths
        self.random_state = random_state

    # ------------------------------------------------------------------------------ fit
    def _column(self, X, n_rows, name):
        """The column of ``X`` that parameter ``name`` ("conditional", "scale") names, checked
        before any work, or None."""
        column = getattr(self, name)
        if column is None:
            return None
        values = _column_of(X, column, name, f"the `{name}` value of each row")
        if values.shape[0] != n_rows:
            raise ValueError("`X` and the forecasts do not have the same rows.")
        return values

    def fit(self, X: Rows | None, y: Rows, groups: Groups = None) -> Self:
        """Fit on the rows before the calibration block, keep the errors of its forecasts of
        the block at every lead time, then (``refit``) fit on every row. With ``groups``
        (records, or series of a global model) the calibration block is the last
        ``calibration_fraction`` of every record, each forecast from its own rows.

        Parameters
        ----------
        X, y, groups
            The training rows, as :meth:`narxcast.NARXRegressor.fit` takes them.

        Returns
        -------
        self
        """
        self._validate_params()
        X, y = _series_rows(X, y, "ConformalRegressor")
        targets = np.asarray(y, dtype=float)
        n = targets.size
        ids = _groups_of(groups, X, y)
        bounds = _record_bounds(ids, n, 3)
        ids = None if bounds is None else np.asarray(ids)
        train, block, shortest = _record_tails(bounds, n, self.calibration_fraction)
        n_calibration = targets[block].size
        last = 0 if bounds is None else bounds[-1][0]
        if n_calibration < 20 or shortest < 2:
            raise ValueError(f"`calibration_fraction`={self.calibration_fraction} of {n} rows "
                             "leaves too few rows to fit or to calibrate (at least 20).")
        condition = self._column(X, n, "conditional")
        scale = self._column(X, n, "scale")
        model = clone(self.estimator).fit(_take(X, train), _take(y, train), **_groups_keyword(
            None if ids is None else ids[train]))
        forecasts = np.asarray(model.predict(X, y, horizon=self.max_horizon, all_horizons=True,
                                             **_groups_keyword(ids)), dtype=float)
        self.errors_ = (targets[:, None] - forecasts)[block]
        if condition is None:
            self.bin_edges_ = np.zeros(0)
        else:
            levels = np.linspace(0, 1, self.n_bins + 1)[1:-1]
            self.bin_edges_ = np.unique(np.nanquantile(condition[block], levels))
        self.calibration_bins_ = self._bins(None if condition is None else condition[block],
                                            n_calibration)
        self.calibration_scale_ = np.zeros(0) if scale is None else scale[block].copy()
        self.fitted_until_ = _last_index_label(_index_of(y))
        # the rows a forecast of the next row at every lead reaches back to (in the last
        # record): the first origin formed (the initial conditions, a recurrent washout) plus
        # max_horizon - 1
        formed = last + np.flatnonzero(np.isfinite(forecasts[last:, 0]))
        context = (formed[0] - last if formed.size else n - last) + self.max_horizon - 1
        start = max(last, n - context)
        self.recent_X_ = None if X is None else _as_floats(X, "X")[start:]
        self.recent_y_ = targets[start:].copy()
        self.estimator_ = (clone(self.estimator).fit(X, y, **_groups_keyword(ids))
                           if self.refit else model)
        return self

    def update(self, X: Rows | None, y: Rows) -> Self:  # type: ignore[override]  # (no records)
        """Append measurements (rolling calibration). The fitted forecaster continues from
        them, and the errors of its forecasts of the new rows at every lead (from origins
        reaching back into the rows before) join ``errors_``, whose oldest errors drop out:
        the calibration keeps its length (``window`` if longer), so continuations'
        intervals follow the latest errors, as the pandas segments' do with ``window``.

        Parameters
        ----------
        X, y
            As :meth:`narxcast.NARXRegressor.update`.

        Returns
        -------
        self

        Examples
        --------
        >>> import numpy as np
        >>> from narxcast import PersistenceRegressor
        >>> y = np.sin(np.arange(300) / 5)
        >>> model = ConformalRegressor(PersistenceRegressor(), max_horizon=3).fit(None, y)
        >>> model = model.update(None, 3 * np.sin(np.arange(300, 320) / 5))
        >>> model.errors_.shape   # the same length, the newest 20 rows' errors last
        (60, 3)
        """
        check_is_fitted(self, "estimator_")

        targets = _as_floats(y, "y")
        if targets.ndim != 1 or not targets.size:
            raise ValueError(f"`y` must be 1-D with at least one row. Got shape "
                             f"{targets.shape}.")
        n = targets.size
        if (X is None) != (self.recent_X_ is None):
            raise ValueError("`X` must be given when the model was fitted with inputs, and "
                             "only then.")
        inputs = None if X is None else _as_floats(X, "X")
        width = None if self.recent_X_ is None else self.recent_X_.shape[1]
        if inputs is not None and (inputs.ndim != 2 or inputs.shape[0] != n
                                   or inputs.shape[1] != width):
            raise ValueError(f"`X` must have {n} rows (those of `y`) and {width} columns. Got "
                             f"shape {inputs.shape}.")
        condition = self._column(X, n, "conditional")
        scale = self._column(X, n, "scale")
        segment_y = np.concatenate([self.recent_y_, targets])
        segment_X = None if X is None else np.concatenate([self.recent_X_, inputs])
        if isinstance(X, pd.DataFrame):  # named columns (an irradiance wrapper's clear-sky)
            segment_X = pd.DataFrame(segment_X, columns=X.columns)
        forecasts = np.asarray(self.estimator_.predict(segment_X, segment_y,
                                                       horizon=self.max_horizon,
                                                       all_horizons=True), dtype=float)
        self.estimator_.update(X, y)
        keep = max(self.errors_.shape[0], self.window or 0)
        self.errors_ = np.concatenate([self.errors_, targets[:, None] - forecasts[-n:]])[-keep:]
        self.calibration_bins_ = np.concatenate(
            [self.calibration_bins_, self._bins(condition, n)])[-keep:]
        if scale is not None:
            self.calibration_scale_ = np.concatenate([self.calibration_scale_, scale])[-keep:]
        context = self.recent_y_.size
        self.recent_y_ = segment_y[-context:].copy()
        if inputs is not None:
            self.recent_X_ = np.asarray(segment_X, dtype=float)[-context:].copy()
        self.fitted_until_ = _last_index_label(_index_of(y))
        return self

    def _bins(self, condition, n_rows):
        if condition is None:
            return np.zeros(n_rows, dtype=np.int64)
        return np.searchsorted(self.bin_edges_, condition, side="right").astype(np.int64)

    def _check_fitted_state(self):
        if not _is_forecaster(self.estimator_):
            raise ValueError("`estimator_` must be a fitted narxcast forecaster.")
        errors, bins = self.errors_, self.calibration_bins_
        if not (isinstance(errors, np.ndarray) and errors.ndim == 2
                and errors.shape[1] == self.max_horizon and errors.dtype == np.float64
                and isinstance(bins, np.ndarray) and bins.shape == (errors.shape[0],)
                and bins.dtype.kind == "i" and isinstance(self.bin_edges_, np.ndarray)
                and self.bin_edges_.ndim == 1 and np.isfinite(self.bin_edges_).all()
                and (bins.size == 0 or 0 <= bins.min() <= bins.max() <= self.bin_edges_.size)):
            raise ValueError("`errors_`, `calibration_bins_` and `bin_edges_` do not describe "
                             "a calibration of this estimator.")
        scale = self.calibration_scale_
        if not (isinstance(scale, np.ndarray) and scale.dtype == np.float64 and scale.ndim == 1
                and scale.size in (0, errors.shape[0])
                and (scale.size == 0) == (self.scale is None)
                and (self.fitted_until_ is None
                     or isinstance(self.fitted_until_, (str, int)))):
            raise ValueError("`calibration_scale_` and `fitted_until_` do not describe a "
                             "calibration of this estimator.")
        recent_y, recent_X = self.recent_y_, self.recent_X_
        if not (isinstance(recent_y, np.ndarray) and recent_y.ndim == 1
                and recent_y.dtype == np.float64 and recent_y.size >= 1
                and (recent_X is None
                     or (isinstance(recent_X, np.ndarray) and recent_X.dtype == np.float64
                         and recent_X.ndim == 2 and recent_X.shape[0] == recent_y.size))):
            raise ValueError("`recent_X_` and `recent_y_` must be the last rows measured.")

    # -------------------------------------------------------------------------- predict
    # predict and score: estimator_'s (DelegatingForecaster)

    @property
    def _max_lead(self):
        return self.max_horizon

    def _check_quantiles_fitted(self):
        check_is_fitted(self, "estimator_")

    def _offsets(self, quantiles, leads):
        """Conformal offsets of the ``leads`` (an array of lead times), shape (*leads.shape,
        n_bins, n_quantiles): the errors of every lead used (and bin) sorted at once."""
        def offsets(errors):
            return _order_statistics(np.sort(errors, axis=0), np.sum(~np.isnan(errors), axis=0),
                                     quantiles)

        used, where = np.unique(leads, return_inverse=True)
        recent = slice(-self.window if self.window else None, None)
        errors = self._scores()[recent, used - 1]
        pooled = offsets(errors)
        n_bins = self.bin_edges_.size + 1
        table = np.repeat(pooled[:, None, :], n_bins, axis=1)
        for b in range(n_bins if n_bins > 1 else 0):
            in_bin = errors[self.calibration_bins_[recent] == b]
            enough = np.sum(~np.isnan(in_bin), axis=0) >= MIN_BIN_ERRORS
            table[enough, b] = offsets(in_bin)[enough]
        return table[where.reshape(leads.shape)]

    def _scores(self):
        """The calibration errors, divided by the ``scale`` column where it is positive (NaN
        elsewhere)."""
        if not self.calibration_scale_.size:
            return self.errors_
        return _scaled(self.errors_, self.calibration_scale_[:, None])

    def _rolling(self, offsets, point, leads, y, scale, bins, quantiles):
        """Replace the offsets of the rows after the data fitted on with those of the last
        ``window`` errors verified at each one's origin (see ``window``), in the row's bin."""
        from numpy.lib.stride_tricks import sliding_window_view

        last = _last_row_at(_index_of(y), self.fitted_until_)
        if last is None:
            return offsets
        n, n_calibration = point.shape[0], self.errors_.shape[0]
        targets = np.arange(max(last + 1, 0), n)
        measured = np.asarray(y, dtype=float)
        calibration = self._scores()
        offsets = np.array(np.broadcast_to(offsets, (*point.shape, quantiles.size)))
        # one timeline: the calibration rows, then the segment's rows after them; row r of
        # the segment sits at n_calibration - 1 + r - last
        timeline_bins = np.concatenate([np.full(self.window - 1, -1), self.calibration_bins_,
                                        bins[last + 1:]])
        for j, lead in enumerate(leads[0]):
            errors = measured - point[:, j]
            if scale is not None:
                errors = _scaled(errors, scale)
            timeline = np.concatenate([np.full(self.window - 1, np.nan),
                                       calibration[:, lead - 1], errors[last + 1:]])
            ends = n_calibration - 1 + targets - lead - last  # the last error verified
            for b in np.unique(bins[targets]):
                in_bin = np.where(timeline_bins == b, timeline, np.nan)
                chosen = (ends >= 0) & (bins[targets] == b)
                pools = np.sort(sliding_window_view(in_bin, self.window)[ends[chosen]], axis=1)
                counts = np.sum(~np.isnan(pools), axis=1)
                enough = counts >= MIN_BIN_ERRORS if self.bin_edges_.size else counts > 0
                rows = targets[chosen][enough]
                offsets[rows, j] = _order_statistics(pools[enough].T, counts[enough],
                                                     quantiles)
        return offsets

    def _bounded(self, X, values):
        """Held within the physical bounds of an irradiance wrapper, if ``estimator_`` is one
        (``values`` has rows first)."""
        bounds = getattr(self.estimator_, "physical_bounds", None)
        if bounds is None:
            return values
        lower, upper = bounds(X)
        shape = (-1,) + (1,) * (values.ndim - 1)
        return np.clip(values, lower.reshape(shape), upper.reshape(shape))

    def _quantiles(self, X, y, horizon, quantiles, all_horizons):
        """Quantiles (n, m, n_quantiles), m leads (1 unless all_horizons)."""
        if self.method == "bootstrap":
            paths = self.sample_paths(X, y, horizon=horizon, n_paths=self.n_paths,
                                      random_state=self.random_state)
            if y is None:
                paths = paths[:, None, :]
            elif not all_horizons:
                paths = paths[:, -1:, :]
            formed = ~np.isnan(paths).all(axis=-1)
            values = np.full((*paths.shape[:2], quantiles.size), np.nan)
            values[formed] = np.quantile(paths[formed], quantiles, axis=-1).T
        else:
            point, leads = self._point_and_leads(X, y, horizon, all_horizons)
            condition = self._column(X, point.shape[0], "conditional")
            scale = self._column(X, point.shape[0], "scale")
            table = self._offsets(quantiles, leads)  # (*leads.shape, n_bins, n_quantiles)
            bins = self._bins(condition, point.shape[0])
            if condition is None:  # one bin: the same offsets for every row
                offsets = table[..., 0, :]
            else:
                rows = np.arange(leads.shape[0])[:, None] if leads.shape[0] > 1 else 0
                offsets = table[rows, np.arange(leads.shape[1])[None, :], bins[:, None]]
            if self.window and y is not None:
                offsets = self._rolling(offsets, point, leads, y, scale, bins, quantiles)
            if scale is not None:  # no spread where the scale is not positive (night)
                positive = (scale > 0)[:, None, None]
                with np.errstate(invalid="ignore"):
                    offsets = np.where(positive, offsets * np.where(positive, scale[:, None, None],
                                                                    1.0), 0.0)
            values = np.empty((*point.shape, quantiles.size))
            for k in range(quantiles.size):  # per level: numpy's inner loop runs long
                np.add(point, offsets[..., k], out=values[..., k])
        return self._bounded(X, values)

    def sample_paths(self, X: Rows | None = None, y: Rows | None = None,
                     horizon: int | None = None, n_paths: int = 100,
                     random_state: RandomState = None) -> np.ndarray:
        """Closed-loop sample paths of ``estimator_`` (a NARX or recurrent network) with the
        one-step errors of
        the calibration block (centred) bootstrapped and fed back: see
        :meth:`narxcast.NARXRegressor.sample_paths` (shapes, modes).

        Parameters
        ----------
        X, y, horizon, n_paths, random_state
            As :meth:`narxcast.NARXRegressor.sample_paths`.

        Returns
        -------
        ndarray
            The paths (see :meth:`narxcast.NARXRegressor.sample_paths`).
        """
        check_is_fitted(self, "estimator_")
        if not hasattr(self.estimator_, "_sample_scaled"):
            raise ValueError(f"{type(self.estimator_).__name__} has no sample paths; "
                             "`method='bootstrap'` needs a NARX, Elman, LSTM or GRU.")
        one_step = self.errors_[:, 0][~np.isnan(self.errors_[:, 0])]
        # centred, as a residual bootstrap's are: the paths spread by the errors' noise
        # without compounding the calibration block's bias step after step
        return self.estimator_.sample_paths(X, y, horizon=horizon, n_paths=n_paths,
                                            residuals=one_step - one_step.mean(),
                                            random_state=random_state)
