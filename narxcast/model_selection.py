"""Model selection for forecasters: rolling-origin backtests (:func:`backtest`, from
:mod:`narxcast.backtesting`), horizon scorers, a grid search over delays and sizes on
training data alone, over seeds, and the automatic model builder (:class:`AutoForecaster`,
from :mod:`narxcast.auto`)."""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Self

import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import _num_samples

from ._delegating import DelegatingForecaster as _DelegatingForecaster
from ._rows import (
    series_rows as _series_rows,
)
from ._typing import Rows
from ._validation import (
    check_horizon as _check_horizon,
)
from .auto import AutoForecaster  # noqa: F401 (public here)
from .backtesting import BacktestResult, SplitError, backtest  # noqa: F401 (public here)
from .metrics import GREATER_IS_BETTER, METRICS

__all__ = ["AutoForecaster", "BacktestResult", "ForecastingGridSearch", "SplitError", "backtest",
           "make_horizon_scorer"]


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


def make_horizon_scorer(metric: str | Callable[..., float] = "rmse", horizon: int = 1,
                        greater_is_better: bool | None = None) -> Callable[..., float]:
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

    Returns
    -------
    callable
        ``scorer(estimator, X, y)``, as scikit-learn's scorers (greater is better).

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
    horizon = _check_horizon(horizon)
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


class ForecastingGridSearch(_DelegatingForecaster, RegressorMixin, BaseEstimator):
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

    def __init__(self, estimator: BaseEstimator, param_grid: dict[str, list] | None = None,
                 horizons: Sequence[int] = (1,), seeds: Sequence[int] = (0, 1, 2),
                 validation_fraction: float = 0.2, season: int | None = None,
                 ensemble: bool = False) -> None:
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

    def fit(self, X: Rows | None, y: Rows) -> Self:
        """Search on the rows given, then refit the best configuration on all of them.

        Parameters
        ----------
        X, y
            The training rows, as :meth:`narxcast.NARXRegressor.fit` takes them.

        Returns
        -------
        self
        """
        from sklearn.base import clone
        from sklearn.model_selection import ParameterGrid

        self._validate_params()
        horizons = [_check_horizon(h) for h in self.horizons]
        seeds = [int(s) for s in self.seeds]
        if not horizons or not seeds:
            raise ValueError("`horizons` and `seeds` must not be empty.")
        X, y = _series_rows(X, y, "ForecastingGridSearch")
        n = _num_samples(y)
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
