"""Rolling-origin backtests (:func:`backtest`, public as
:func:`narxcast.model_selection.backtest`): the arguments checked and the fits laid out
(:func:`_plan`), every entry fitted and its origins forecast (:func:`_forecast`), the
forecasts scored against the best persistence (:func:`_score`), and the result assembled."""

from __future__ import annotations

import numbers
import time
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator

from ._rows import (
    groups_keyword as _groups_keyword,
    groups_of as _groups_of,
    index_of as _index_of,
    record_bounds as _record_bounds,
    take as _take,
)
from ._typing import Groups, Rows
from ._validation import (
    check_coverage as _check_coverage,
    check_horizon as _check_horizon,
)
from .metrics import METRICS


class SplitError(ValueError):
    """A backtest's rows cannot be split as asked: a ``train_size`` that leaves no training or
    no test rows, or ``horizons`` longer than the test rows (the command line reports it as
    bad input)."""


class BacktestResult(NamedTuple):
    """What :func:`backtest` returns.

    Parameters
    ----------
    scores : pandas.DataFrame
        Tidy scores: columns ``estimator``, ``horizon``, ``metric``, ``value``.
    forecasts : pandas.DataFrame
        Forecasts indexed like ``y``, columns (estimator, horizon); NaN where none was made.
    fit_seconds : pandas.Series
        Total fitting time per estimator (every refit included).
    reference : pandas.Series or None
        The reference of the skill at each horizon.
    """

    scores: pd.DataFrame
    """Tidy scores: columns ``estimator``, ``horizon``, ``metric``, ``value``."""
    forecasts: pd.DataFrame
    """Forecasts indexed like ``y``, columns (estimator, horizon); NaN where none was made."""
    fit_seconds: pd.Series
    """Total fitting time per estimator (every refit included)."""
    reference: pd.Series = None
    """The reference of the skill at each horizon (with ``reference="persistence"``: which
    persistence was best there)."""


def _has_column(X, column):
    """Whether ``column`` (a name, or a position) is a column of ``X``."""
    if column is None or X is None:
        return False
    if isinstance(column, str):
        return column in getattr(X, "columns", ())
    if isinstance(column, numbers.Integral) and not isinstance(column, bool):
        return np.ndim(X) == 2 and 0 <= column < np.shape(X)[1]
    raise TypeError(f"`clearsky_column` must be a column name, a position or None. Got "
                    f"{column!r}.")


def _record_blocks(bounds, train_size):
    """One fit over several records (``bounds``: their (start, end) rows): the first
    ``train_size`` of each record trains, and each record's later origins are forecast from
    its own rows. Returns ``[(train rows, [(first, end) per record])]``."""
    train, origins = [], []
    for start, end in bounds:
        (rows, first, last), = _origin_blocks(end - start, train_size, False, None)
        train.append(start + rows)
        origins.append((start + first, start + last))
    return [(np.concatenate(train), origins)]


def _origin_blocks(n, train_size, refit, cv):
    """(train rows, first origin, end origin) per fit: origins o in [first, end) are forecast
    by a model fitted on the rows before ``first + 1``."""
    if cv is not None:
        blocks = []
        for train, test in cv.split(np.arange(n)):
            blocks.append((np.asarray(train), int(test[0]) - 1, int(test[-1])))
        return blocks
    if isinstance(train_size, numbers.Real) and not isinstance(train_size, numbers.Integral):
        if not 0 < train_size < 1:
            raise SplitError(f"`train_size` as a fraction must be in (0, 1). Got {train_size}.")
        train_size = int(round(train_size * n))
    if not 2 <= train_size < n:
        raise SplitError(f"`train_size` must leave training and test rows in a series of {n}. "
                         f"Got {train_size}.")
    if refit is False or refit is None:
        return [(np.arange(train_size), train_size - 1, n - 1)]
    if isinstance(refit, bool) or not isinstance(refit, numbers.Integral) or refit < 1:
        raise ValueError(f"`refit` must be False or a positive int (steps between refits). "
                         f"Got {refit!r}.")
    return [(np.arange(start + 1), start, min(start + refit, n - 1))
            for start in range(train_size - 1, n - 1, refit)]


def _probabilistic_scores(name, horizon, truth, quantiles, levels, coverage):
    """Score records of quantile forecasts (rows, levels): coverage, width and interval score
    of each central interval, and the CRPS from the quantiles."""
    from .metrics import (
        coverage as empirical_coverage,
        crps_quantiles,
        interval_score,
        interval_width,
    )

    formed = ~np.isnan(quantiles).any(axis=1)
    if not formed.any():
        return []
    truth, quantiles = truth[formed], quantiles[formed]
    records = []
    for c in coverage:
        lower = quantiles[:, np.argmin(np.abs(levels - (1 - c) / 2))]
        upper = quantiles[:, np.argmin(np.abs(levels - (1 + c) / 2))]
        tag = f"{100 * c:g}"
        records += [(name, horizon, f"coverage_{tag}", empirical_coverage(truth, lower, upper)),
                    (name, horizon, f"width_{tag}", interval_width(lower, upper)),
                    (name, horizon, f"interval_score_{tag}",
                     interval_score(truth, lower, upper, c))]
    records.append((name, horizon, "crps", crps_quantiles(truth, quantiles, levels)))
    return records


def backtest(estimators: Mapping[Any, BaseEstimator], X: Rows | None, y: Rows,
             horizons: Sequence[int] = (1, 6, 24), train_size: float | int = 0.75,
             refit: bool | int = False, cv: object | None = None,
             metrics: Sequence[str] = ("rmse", "mae"), reference: str | None = "persistence",
             mask: ArrayLike | None = None, coverage: Sequence[float] = (),
             progress: bool = True, groups: Groups = None,
             clearsky_column: str | int | None = "clearsky_ghi") -> BacktestResult:
    """Rolling-origin evaluation of several forecasters at several lead times.

    Every forecast is made at an origin ``o`` in the test period by a model fitted only on the
    rows up to ``o``: with ``refit=False`` one model fitted on the first ``train_size`` rows;
    with ``refit=k`` a model refitted on all rows before each block of ``k`` origins; with
    ``cv`` (e.g. ``TimeSeriesSplit(n_splits, gap=...)``) one model per split, fitted on its
    training rows and forecasting from the origins of its test rows. The forecasts read the
    measurements up to their origin (``predict(X, y, horizon=h)`` over the series so far), so
    the future never leaks in.

    Parameters
    ----------
    estimators : dict of str to estimator
        Forecasters with narxcast's ``predict(X, y, horizon, all_horizons)``; they are cloned,
        never modified.
    X : array-like of shape (n_samples, n_features) or None
    y : array-like of shape (n_samples,)
    horizons : sequence of int, default=(1, 6, 24)
    train_size : int or float, default=0.75
        Rows (int) or fraction (float) of the first training period; ignored with ``cv``.
    refit : False or int, default=False
    cv : cross-validation splitter, optional
        An object with ``split(X)`` yielding contiguous (train, test) index arrays in time
        order, such as :class:`sklearn.model_selection.TimeSeriesSplit`.
    metrics : sequence of str or callable, default=("rmse", "mae")
        Names in :data:`narxcast.metrics.METRICS` or callables ``f(y_true, y_pred)``.
    reference : str or None, default="persistence"
        What the metric ``"skill"`` (``1 - RMSE / RMSE_reference``) compares with: an
        estimator's name; "persistence" (unless an estimator has that name) the best, at each
        horizon, of naive, seasonal (24 steps) and, when ``X`` has the clear-sky column
        ``clearsky_column``, clear-sky persistence (:class:`~narxcast.PersistenceRegressor`,
        forecast alongside and scored on the same rows), so that no skill is measured against
        a weak persistence; None: no skill. Every skill row of ``scores`` names its reference
        (column ``reference``), as ``BacktestResult.reference`` does per horizon.
    mask : array-like of bool, optional
        Rows to score (e.g. :func:`narxcast.metrics.daytime_mask`). At each horizon every
        estimator is scored on the same rows: masked in, and forecast by all of them.
    coverage : sequence of float, default=()
        Nominal coverages of central intervals to score for the estimators that forecast
        quantiles (:class:`narxcast.intervals.ConformalRegressor`): at each horizon the
        metrics ``coverage_80`` (empirical coverage of the 80% interval), ``width_80`` (mean
        width), ``interval_score_80`` (Winkler), and ``crps`` (from the 5%, 10%, ..., 95%
        quantiles and the intervals' bounds). The intervals, like the forecasts, read only
        measurements up to their origin, from a model calibrated on its training rows.
    progress : bool, default=True
        Show a progress bar (tqdm) over the fits.
    groups : array-like of shape (n_samples,), optional
        Series (or record) ids, one contiguous run of rows each; None reads the first level
        of a pandas MultiIndex. Each estimator is fitted once on the first ``train_size`` of
        every series together (``fit(X, y, groups=...)``: one global model, as
        :class:`~narxcast.compose.GlobalRegressor`), each series' later rows are forecast from
        its own measurements, and every score is per series (a column ``series``, and the
        reference chosen per series). Not with ``refit``, ``cv`` or ``coverage``.
    clearsky_column : str, int or None, default="clearsky_ghi"
        The clear-sky column of ``X`` for the clear-sky persistence reference: a column name
        of a DataFrame ``X``, or a position (for arrays); None leaves that reference out.

    Returns
    -------
    BacktestResult
        ``scores`` (tidy DataFrame: estimator, horizon, metric, value, and the ``reference``
        of each skill), ``forecasts`` (DataFrame, columns (estimator, horizon)),
        ``fit_seconds`` (Series), ``reference`` (Series: the skill's reference per horizon).

    Examples
    --------
    >>> import numpy as np
    >>> from narxcast import NARXRegressor, PersistenceRegressor
    >>> from narxcast.model_selection import backtest
    >>> hour = np.arange(24 * 30) % 24
    >>> X = np.column_stack([np.sin(2 * np.pi * hour / 24), np.cos(2 * np.pi * hour / 24)])
    >>> y = np.maximum(X[:, 0], 0) + 0.05 * np.random.default_rng(0).normal(size=hour.size)
    >>> result = backtest({"narx": NARXRegressor(input_delays=0, learning_rate_init=0.01,
    ...                                          random_state=0),
    ...                    "persistence": PersistenceRegressor()},
    ...                   X, y, horizons=(1, 6), reference="persistence", progress=False)
    >>> result.scores.query("metric == 'skill' and estimator == 'narx'")["value"].gt(0).all()
    np.True_
    >>> result.forecasts.columns.tolist()
    [('narx', 1), ('narx', 6), ('persistence', 1), ('persistence', 6)]
    """
    plan = _plan(estimators, X, y, horizons, train_size, refit, cv, metrics, reference, mask,
                 coverage, groups, clearsky_column)
    forecasts, quantiles, fit_seconds = _forecast(estimators, plan, X, y, progress)
    scores, used = _score(estimators, plan, forecasts, quantiles, reference)
    frame = pd.DataFrame({key: values for key, values in forecasts.items()
                          if key[0] in estimators}, index=plan.index)
    frame.columns = pd.MultiIndex.from_tuples(frame.columns, names=["estimator", "horizon"])
    chosen = pd.Series(list(used.values()), name="reference", dtype=object,
                       index=pd.Index(list(used), name="horizon") if plan.ids is None else
                       pd.MultiIndex.from_tuples(list(used), names=["series", "horizon"]))
    return BacktestResult(scores, frame, pd.Series({name: fit_seconds[name] for name in
                                                    estimators}, name="fit_seconds"), chosen)


class _Plan(NamedTuple):
    """A backtest's checked arguments: what is forecast from where, scored how."""

    horizons: list
    scorers: dict  # metric name -> f(y_true, y_pred)
    references: dict  # the persistence entries forecast beside the estimators
    y_values: np.ndarray
    index: object  # type: ignore[assignment]  # y's pandas index, or None (shadows tuple.index)
    mask: np.ndarray  # rows that may be scored
    ids: np.ndarray  # series ids per row, or None
    bounds: list  # (start, end) rows of each series (with ids)
    blocks: list  # [(training rows, [(first origin, end origin) per series])] per fit
    coverage: list
    levels: np.ndarray  # quantile levels forecast for the probabilistic scores
    probabilistic: set  # estimators whose quantiles are scored

    @property
    def n(self):
        return self.y_values.size

    def record_end(self, row):
        """The end of the record (series) of ``row``."""
        if self.ids is None:
            return self.n
        return next(end for start, end in self.bounds if start <= row < end)


def _plan(estimators, X, y, horizons, train_size, refit, cv, metrics, reference, mask, coverage,
          groups, clearsky_column):
    """Check the arguments (before any fit) and lay out the fits, origins and scores."""
    if not isinstance(estimators, dict) or not estimators:
        raise TypeError("`estimators` must be a non-empty dict of name -> estimator. Got "
                        f"{type(estimators).__name__}.")
    horizons = sorted({_check_horizon(h) for h in horizons})
    references = _references(estimators, X, reference, clearsky_column)
    scorers = {}
    for metric in metrics:
        if isinstance(metric, str):
            if metric not in METRICS:
                raise ValueError(f"`metrics` must hold names in {sorted(METRICS)} or "
                                 f"callables. Got {metric!r}.")
            scorers[metric] = METRICS[metric]
        elif callable(metric):
            scorers[getattr(metric, "__name__", repr(metric))] = metric
        else:
            raise TypeError(f"`metrics` must hold names or callables. Got {metric!r}.")
    index = _index_of(y)
    y_values = np.asarray(y, dtype=float)
    if y_values.ndim != 1:
        raise ValueError(f"`y` must be 1-D for backtest. Got shape {y_values.shape}.")
    n = y_values.size
    if X is not None and len(X) != n:
        raise ValueError(f"`X` and `y` must have the same number of rows. Got {len(X)} and {n}.")
    if mask is None:
        mask = np.ones(n, dtype=bool)
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != (n,):
        raise ValueError(f"`mask` must have one entry per row of `y` ({n}). Got {mask.shape}.")
    ids = _groups_of(groups, X, y)
    bounds = _record_bounds(ids, n, 3)
    if ids is not None:
        if refit not in (False, None) or cv is not None or coverage:
            raise ValueError("`groups` backtests one fit over every series: not with "
                             "`refit`, `cv` or `coverage`.")
        ids = np.asarray(ids)
        bounds = bounds or [(0, n)]
        blocks = _record_blocks(bounds, train_size)
    else:
        blocks = [(train, [(first, end)])
                  for train, first, end in _origin_blocks(n, train_size, refit, cv)]
    coverage = [_check_coverage(c) for c in coverage]
    levels = np.unique(np.round(np.concatenate(
        [np.arange(1, 20) / 20, *[[(1 - c) / 2, (1 + c) / 2] for c in coverage]]), 10))
    probabilistic = {name for name, estimator in estimators.items()
                     if coverage and hasattr(estimator, "predict_quantiles")}
    plan = _Plan(horizons, scorers, references, y_values, index, mask, ids, bounds, blocks,
                 coverage, levels, probabilistic)
    longest = min(plan.record_end(first) - 1 - first
                  for _, origins in blocks for first, _ in origins)
    if max(horizons) > longest:
        raise SplitError(f"`horizons` must be at most {longest}, the rows after the first "
                         f"forecast origin: no target lies {max(horizons)} steps ahead. Got "
                         f"{list(horizons)}.")
    return plan


def _references(estimators, X, reference, clearsky_column):
    """The persistence entries the skill may be measured against (``reference="persistence"``:
    naive, seasonal and, with a clear-sky column, clear-sky persistence)."""
    if reference == "persistence" and reference not in estimators:
        from .persistence import PersistenceRegressor

        references = {"naive persistence": PersistenceRegressor(kind="naive"),
                      "seasonal persistence": PersistenceRegressor(kind="seasonal")}
        if _has_column(X, clearsky_column):
            references["clear-sky persistence"] = PersistenceRegressor(
                kind="clearsky", clearsky_column=clearsky_column)
        return references
    if reference is not None and reference not in estimators:
        raise ValueError(f"`reference` must name one of the estimators {list(estimators)} "
                         f"or be 'persistence'. Got {reference!r}.")
    return {}


def _forecast(estimators, plan, X, y, progress):
    """Fit every estimator (and reference) on each block's training rows and forecast its
    origins: ``(forecasts {(name, h): values per row}, quantile forecasts {name: (rows,
    horizons, levels)}, fit seconds {name: total})``."""
    from sklearn.base import clone

    if progress:
        from tqdm.auto import tqdm
    else:  # tqdm.auto warns in a notebook without ipywidgets, even for a disabled bar
        from tqdm import tqdm

    n, horizons, levels, ids = plan.n, plan.horizons, plan.levels, plan.ids
    quantile_forecasts = {name: np.full((n, len(horizons), levels.size), np.nan)
                          for name in plan.probabilistic}
    horizon = max(horizons)
    every = {**estimators, **plan.references}
    forecasts = {(name, h): np.full(n, np.nan) for name in every for h in horizons}
    fit_seconds = dict.fromkeys(every, 0.0)
    bar = tqdm(total=len(every) * len(plan.blocks), desc="backtest", disable=not progress)
    for name, estimator in every.items():
        for train, origins in plan.blocks:
            model = clone(estimator)
            started = time.perf_counter()
            if ids is None:
                model.fit(_take(X, train), _take(y, train))
            else:
                model.fit(_take(X, train), _take(y, train), groups=ids[train])
            fit_seconds[name] += time.perf_counter() - started
            stop = n if ids is not None else min(n, origins[0][1] + horizon)
            segment = np.arange(stop)
            predicted = np.asarray(model.predict(_take(X, segment), y=_take(y, segment),
                                                 horizon=horizon, all_horizons=True,
                                                 **_groups_keyword(ids)))
            quantiles = None if name not in plan.probabilistic else np.asarray(
                model.predict_quantiles(_take(X, segment), y=_take(y, segment),
                                        horizon=horizon, quantiles=levels, all_horizons=True)
            ).reshape(stop, horizon, levels.size)  # pandas gives (horizon, level) columns
            for first, end in origins:
                for k, h in enumerate(horizons):
                    targets = np.arange(first + h, min(end + h, stop, plan.record_end(first)))
                    forecasts[name, h][targets] = predicted[targets, h - 1]
                    if quantiles is not None:
                        quantile_forecasts[name][targets, k] = quantiles[targets, h - 1]
            bar.update()
    bar.close()
    return forecasts, quantile_forecasts, fit_seconds


def _score(estimators, plan, forecasts, quantile_forecasts, reference):
    """Tidy scores of every estimator at every horizon (per series with ids), on the rows
    every entry forecast; the skill against the best reference there. Returns ``(scores,
    {horizon or (series, horizon): reference used})``."""
    from .metrics import rmse, skill_score

    n, ids, y_values, references = plan.n, plan.ids, plan.y_values, plan.references
    every = [*estimators, *references]
    records, used = [], {}
    parts = [(None, np.ones(n, dtype=bool))] if ids is None else [
        (str(ids[start]), (np.arange(n) >= start) & (np.arange(n) < end))
        for start, end in plan.bounds]
    for series, rows in parts:
        for k, h in enumerate(plan.horizons):
            scored = plan.mask & rows & np.isfinite(y_values)
            scored &= np.all([np.isfinite(forecasts[name, h]) for name in every], axis=0)
            if not scored.any():
                continue
            truth = y_values[scored]
            key = h if series is None else (series, h)
            if references:  # the best persistence on these rows
                used[key] = min(references,
                                key=lambda name: rmse(truth, forecasts[name, h][scored]))
            elif reference is not None:
                used[key] = reference
            for name in estimators:
                predicted = forecasts[name, h][scored]
                found = [(name, h, metric, scorer(truth, predicted), None)
                         for metric, scorer in plan.scorers.items()]
                if key in used:
                    found.append((name, h, "skill", skill_score(
                        truth, predicted, forecasts[used[key], h][scored]), used[key]))
                if name in plan.probabilistic:
                    found += [(*record, None) for record in _probabilistic_scores(
                        name, h, truth, quantile_forecasts[name][scored, k], plan.levels,
                        plan.coverage)]
                records += [(series, *record) for record in found]
    scores = pd.DataFrame.from_records(records, columns=["series", "estimator", "horizon",
                                                         "metric", "value", "reference"])
    if ids is None:
        scores = scores.drop(columns="series")
    return scores, used
