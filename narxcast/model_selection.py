"""Model selection for forecasters: horizon scorers for scikit-learn's search tools."""

from .metrics import GREATER_IS_BETTER, METRICS


class _HorizonScorer:
    """Scores ``estimator.predict(X, y, horizon=h)`` against ``y`` (NaN rows skipped)."""

    def __init__(self, metric, horizon, sign):
        self.metric = metric
        self.horizon = horizon
        self.sign = sign

    def __call__(self, estimator, X, y):
        return self.sign * self.metric(y, estimator.predict(X, y, horizon=self.horizon))

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
    from ._base import check_horizon

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
