"""Model selection for forecasters: rolling-origin backtests, horizon scorers, and a grid
search over delays and sizes on training data alone, over seeds."""

import numbers
import time
from typing import NamedTuple

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils._param_validation import HasMethods, Interval

from ._forecaster import DelegatingForecaster
from ._rows import groups_keyword, groups_of, index_of, segment_bounds, take
from ._validation import check_coverage, check_horizon
from .metrics import GREATER_IS_BETTER, METRICS


class _HorizonScorer:
    """Scores ``estimator.predict(X, y, horizon=h)`` against ``y`` (NaN rows skipped)."""

    def __init__(self, metric, horizon, sign):
        self.metric = metric
        self.horizon = horizon
        self.sign = sign

    def __call__(self, estimator, X, y):
        # keywords: a Pipeline passes them on to its final step's predict
        return self.sign * self.metric(y, estimator.predict(X, y=y, horizon=self.horizon))

    def __repr__(self):
        name = getattr(self.metric, "__name__", repr(self.metric))
        return f"make_horizon_scorer({name}, horizon={self.horizon})"


def make_horizon_scorer(metric="rmse", horizon=1, greater_is_better=None):
    """A scorer of ``horizon``-step-ahead forecasts for GridSearchCV and cross_validate.

    Each test fold is forecast as a segment on its own: its first rows are the initial
    conditions, every later row is forecast from the origin ``horizon`` steps before it.

    Parameters
    ----------
    metric : {"rmse", "mae", "nrmse", "r2"} or callable, default="rmse"
        A callable takes ``(y_true, y_pred)`` and must skip NaN forecasts.
    horizon : int, default=1
    greater_is_better : bool, optional
        Needed for a callable metric; errors are negated so that greater is better.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import TimeSeriesSplit, cross_val_score
    >>> from narxcast import NARXRegressor
    >>> from narxcast.model_selection import make_horizon_scorer
    >>> hour = np.arange(480) % 24
    >>> X = np.column_stack([np.sin(2 * np.pi * hour / 24), np.cos(2 * np.pi * hour / 24)])
    >>> y = np.maximum(X[:, 0], 0) + 0.1 * np.random.default_rng(0).normal(size=480)
    >>> model = NARXRegressor(input_delays=0, feedback_delays=2, learning_rate_init=0.01,
    ...                       max_iter=100, random_state=0)
    >>> scores = cross_val_score(model, X, y, cv=TimeSeriesSplit(3),
    ...                          scoring=make_horizon_scorer("rmse", horizon=6))
    >>> bool(np.all(-scores < 0.15))       # 6 h ahead RMSE close to the noise level 0.1
    True
    """
    horizon = check_horizon(horizon)
    if isinstance(metric, str):
        if metric not in GREATER_IS_BETTER:
            raise ValueError(f"`metric` must be one of {sorted(GREATER_IS_BETTER)} or a "
                             f"callable. Got {metric!r}.")
        greater = GREATER_IS_BETTER[metric]
        metric = METRICS[metric]
    elif callable(metric):
        if greater_is_better is None:
            raise ValueError("`greater_is_better` is required with a callable `metric`.")
        greater = greater_is_better
    else:
        raise TypeError(f"`metric` must be a name or a callable. Got {metric!r}.")
    return _HorizonScorer(metric, horizon, 1 if greater else -1)


class SplitError(ValueError):
    """A backtest's rows cannot be split as asked: a ``train_size`` that leaves no training or
    no test rows, or ``horizons`` longer than the test rows (the command line reports it as
    bad input)."""


class BacktestResult(NamedTuple):
    """What :func:`backtest` returns."""

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
    from .metrics import coverage as empirical_coverage
    from .metrics import crps_quantiles, interval_score, interval_width

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


def backtest(estimators, X, y, horizons=(1, 6, 24), train_size=0.75, refit=False, cv=None,
             metrics=("rmse", "mae"), reference="persistence", mask=None, coverage=(),
             progress=True, groups=None, clearsky_column="clearsky_ghi"):
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
    from sklearn.base import clone

    if progress:
        from tqdm.auto import tqdm
    else:  # tqdm.auto warns in a notebook without ipywidgets, even for a disabled bar
        from tqdm import tqdm

    from .metrics import rmse, skill_score

    if not isinstance(estimators, dict) or not estimators:
        raise TypeError("`estimators` must be a non-empty dict of name -> estimator. Got "
                        f"{type(estimators).__name__}.")
    horizons = sorted({check_horizon(h) for h in horizons})
    references = {}
    if reference == "persistence" and reference not in estimators:
        from .persistence import PersistenceRegressor

        references = {"naive persistence": PersistenceRegressor(kind="naive"),
                      "seasonal persistence": PersistenceRegressor(kind="seasonal")}
        if _has_column(X, clearsky_column):
            references["clear-sky persistence"] = PersistenceRegressor(
                kind="clearsky", clearsky_column=clearsky_column)
    elif reference is not None and reference not in estimators:
        raise ValueError(f"`reference` must name one of the estimators {list(estimators)} "
                         f"or be 'persistence'. Got {reference!r}.")
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
    index = index_of(y)
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
    ids = groups_of(groups, X, y)
    bounds = segment_bounds(ids, n, 3)
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

    def record_end(row):
        """The end of the record (series) of ``row``."""
        return n if ids is None else next(end for start, end in bounds if start <= row < end)

    longest = min(record_end(first) - 1 - first for _, origins in blocks for first, _ in origins)
    if max(horizons) > longest:
        raise SplitError(f"`horizons` must be at most {longest}, the rows after the first "
                         f"forecast origin: no target lies {max(horizons)} steps ahead. Got "
                         f"{list(horizons)}.")

    coverage = [check_coverage(c) for c in coverage]
    levels = np.unique(np.round(np.concatenate(
        [np.arange(1, 20) / 20, *[[(1 - c) / 2, (1 + c) / 2] for c in coverage]]), 10))
    probabilistic = {name for name, estimator in estimators.items()
                     if coverage and hasattr(estimator, "predict_quantiles")}
    quantile_forecasts = {name: np.full((n, len(horizons), levels.size), np.nan)
                          for name in probabilistic}
    horizon = max(horizons)
    every = {**estimators, **references}
    forecasts = {(name, h): np.full(n, np.nan) for name in every for h in horizons}
    fit_seconds = dict.fromkeys(every, 0.0)
    bar = tqdm(total=len(every) * len(blocks), desc="backtest", disable=not progress)
    for name, estimator in every.items():
        for train, origins in blocks:
            model = clone(estimator)
            started = time.perf_counter()
            if ids is None:
                model.fit(take(X, train), take(y, train))
            else:
                model.fit(take(X, train), take(y, train), groups=ids[train])
            fit_seconds[name] += time.perf_counter() - started
            stop = n if ids is not None else min(n, origins[0][1] + horizon)
            segment = np.arange(stop)
            extra = groups_keyword(ids)
            predicted = np.asarray(model.predict(take(X, segment), y=take(y, segment),
                                                 horizon=horizon, all_horizons=True, **extra))
            quantiles = None if name not in probabilistic else np.asarray(
                model.predict_quantiles(take(X, segment), y=take(y, segment),
                                        horizon=horizon, quantiles=levels, all_horizons=True)
            ).reshape(stop, horizon, levels.size)  # pandas gives (horizon, level) columns
            for first, end in origins:
                for k, h in enumerate(horizons):
                    targets = np.arange(first + h, min(end + h, stop, record_end(first)))
                    forecasts[name, h][targets] = predicted[targets, h - 1]
                    if quantiles is not None:
                        quantile_forecasts[name][targets, k] = quantiles[targets, h - 1]
            bar.update()
    bar.close()

    records, used = [], {}
    parts = [(None, np.ones(n, dtype=bool))] if ids is None else [
        (str(ids[start]), (np.arange(n) >= start) & (np.arange(n) < end))
        for start, end in bounds]
    for series, rows in parts:
        for k, h in enumerate(horizons):
            scored = mask & rows & np.isfinite(y_values)
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
                         for metric, scorer in scorers.items()]
                if key in used:
                    found.append((name, h, "skill", skill_score(
                        truth, predicted, forecasts[used[key], h][scored]), used[key]))
                if name in probabilistic:
                    found += [(*record, None) for record in _probabilistic_scores(
                        name, h, truth, quantile_forecasts[name][scored, k], levels, coverage)]
                records += [(series, *record) for record in found]
    scores = pd.DataFrame.from_records(records, columns=["series", "estimator", "horizon",
                                                         "metric", "value", "reference"])
    if ids is None:
        scores = scores.drop(columns="series")
    frame = pd.DataFrame({key: values for key, values in forecasts.items()
                          if key[0] in estimators}, index=index)
    frame.columns = pd.MultiIndex.from_tuples(frame.columns, names=["estimator", "horizon"])
    chosen = pd.Series(list(used.values()), name="reference", dtype=object,
                       index=pd.Index(list(used), name="horizon") if ids is None else
                       pd.MultiIndex.from_tuples(list(used), names=["series", "horizon"]))
    return BacktestResult(scores, frame, pd.Series({name: fit_seconds[name] for name in
                                                    estimators}, name="fit_seconds"), chosen)


class ForecastingGridSearch(DelegatingForecaster, RegressorMixin, BaseEstimator):
    """Choose a forecaster's delays and size on its training data alone, over several seeds.

    ``fit(X, y)`` holds out the last ``validation_fraction`` of the rows it is given (time
    order: never a later row to train an earlier forecast), fits every configuration of
    ``param_grid`` once per seed on the rows before, scores the forecasts of the held-out
    rows at ``horizons`` (closed loop from each origin, as :func:`backtest`), ranks the
    configurations by the mean over seeds and horizons, and refits the best on all the rows
    (seed ``seeds[0]``, or an :class:`~narxcast.compose.EnsembleRegressor` over the seeds with
    ``ensemble=True``). The rows given to ``fit`` are the only data it sees: a test block
    after them plays no part in the choice.

    Parameters
    ----------
    estimator : narxcast forecaster
    param_grid : dict or None, default=None
        Parameter name to candidate values (scikit-learn's ``ParameterGrid``). None: for a
        network with feedback, ``feedback_delays`` among ``1``, ``2``, ``3`` (and
        ``[1, 2, 3, season]`` with ``season``), ``hidden_layer_sizes`` among ``(5,)``, ``(10,)``,
        ``(20,)``, and with exogenous inputs ``input_delays`` among ``0`` and ``1``.
    horizons : sequence of int, default=(1,)
        The lead times the model is for.
    seeds : sequence of int, default=(0, 1, 2)
    validation_fraction : float, default=0.2
    season : int or None, default=None
        Steps per season (24 for hourly data with a daily cycle) for the default grid.
    ensemble : bool, default=False

    Attributes
    ----------
    best_params_ : dict
    best_estimator_ : fitted forecaster
    cv_results_ : pandas.DataFrame
        One row per configuration: ``params``, the mean RMSE per horizon over seeds,
        ``mean_rmse`` (over horizons) and ``std_rmse`` (over seeds, of the horizon mean),
        ranked.

    Examples
    --------
    >>> import numpy as np
    >>> from narxcast import NARXRegressor
    >>> from narxcast.model_selection import ForecastingGridSearch
    >>> rng = np.random.default_rng(0)
    >>> u = rng.uniform(-1, 1, 500)
    >>> y = np.zeros(500)
    >>> for k in range(2, 499):
    ...     y[k + 1] = 0.5 * y[k] - 0.3 * y[k - 2] + np.tanh(u[k])
    >>> search = ForecastingGridSearch(
    ...     NARXRegressor(input_delays=[1], max_iter=30, learning_rate_init=0.01),
    ...     param_grid={"feedback_delays": [1, 3]}, horizons=(1, 3), seeds=(0, 1))
    >>> search = search.fit(u[:, None], y)
    >>> search.best_params_
    {'feedback_delays': 3}
    """

    _delegate = "best_estimator_"
    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "predict"])],
        "param_grid": [dict, None],
        "horizons": ["array-like"],
        "seeds": ["array-like"],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "season": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "ensemble": ["boolean"],
    }

    def __init__(self, estimator, param_grid=None, horizons=(1,), seeds=(0, 1, 2),
                 validation_fraction=0.2, season=None, ensemble=False):
        self.estimator = estimator
        self.param_grid = param_grid
        self.horizons = horizons
        self.seeds = seeds
        self.validation_fraction = validation_fraction
        self.season = season
        self.ensemble = ensemble

    def _grid(self, has_inputs):
        if self.param_grid is not None:
            return self.param_grid
        params = self.estimator.get_params()
        grid = {}
        if "feedback_delays" in params:
            grid["feedback_delays"] = [1, 2, 3] + ([[1, 2, 3, self.season]] if self.season
                                                   else [])
        if "hidden_layer_sizes" in params:
            grid["hidden_layer_sizes"] = [(5,), (10,), (20,)]
        if has_inputs and "input_delays" in params:
            grid["input_delays"] = [0, 1]
        if not grid:
            raise ValueError(f"`param_grid` is needed for {type(self.estimator).__name__}: "
                             "it has none of the parameters of the default grid.")
        return grid

    def fit(self, X, y):
        """Search on the rows given, then refit the best configuration on all of them."""
        from sklearn.base import clone
        from sklearn.model_selection import ParameterGrid

        self._validate_params()
        horizons = [check_horizon(h) for h in self.horizons]
        seeds = [int(s) for s in self.seeds]
        if not horizons or not seeds:
            raise ValueError("`horizons` and `seeds` must not be empty.")
        n = len(y)
        n_train = int(round((1 - self.validation_fraction) * n))
        rows = []
        for params in ParameterGrid(self._grid(X is not None)):
            model = clone(self.estimator).set_params(**params)
            entries = {seed: clone(model).set_params(random_state=seed) for seed in seeds}
            result = backtest(entries, X, y, horizons=horizons, train_size=n_train,
                              metrics=("rmse",), reference=None, progress=False)
            rmse = result.scores.pivot(index="estimator", columns="horizon", values="value")
            per_seed = rmse.mean(axis=1)
            rows.append({"params": params,
                         **{f"rmse h={h}": rmse[h].mean() for h in horizons},
                         "mean_rmse": per_seed.mean(),
                         "std_rmse": per_seed.std(ddof=1) if len(seeds) > 1 else 0.0})
        self.cv_results_ = pd.DataFrame(rows).sort_values("mean_rmse", ignore_index=True)
        self.best_params_ = self.cv_results_.loc[0, "params"]
        best = clone(self.estimator).set_params(**self.best_params_)
        if self.ensemble:
            from .compose import EnsembleRegressor

            best = EnsembleRegressor(best, n_estimators=len(seeds), random_state=seeds[0])
        else:
            best.set_params(random_state=seeds[0])
        self.best_estimator_ = best.fit(X, y)
        return self


