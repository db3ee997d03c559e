"""Meta-estimators: forecast a transformed target with any narxcast forecaster."""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.metrics import r2_score
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import check_is_fitted

from .features import DAYTIME_CLEARSKY, daytime_mask


class ClearSkyIndexRegressor(RegressorMixin, BaseEstimator):
    """Forecast irradiance through its clear-sky index ``k = y / y_clearsky``.

    The inner forecaster learns and forecasts ``k``, which carries the weather without the
    daily and seasonal cycle of the sun; forecasts are ``k_hat * y_clearsky`` at the target
    time (``k_hat`` clipped to ``[0, max_index]``), with the clear-sky irradiance read from a
    column of ``X`` (known in advance: it is geometry). Where the clear-sky irradiance is at or
    below ``min_clearsky`` (night, low sun: not daytime in the sense of
    :func:`narxcast.features.daytime_mask`) the index is set to 0 and the forecast is 0.

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

    def __init__(self, estimator, clearsky="clearsky_ghi", min_clearsky=DAYTIME_CLEARSKY,
                 max_index=1.5):
        self.estimator = estimator
        self.clearsky = clearsky
        self.min_clearsky = min_clearsky
        self.max_index = max_index

    def _clearsky(self, X):
        if X is None:
            raise ValueError("`X` is required: the clear-sky irradiance at the target times "
                             f"comes from its column {self.clearsky!r}.")
        if isinstance(self.clearsky, str):
            if not hasattr(X, "columns") or self.clearsky not in X.columns:
                raise ValueError(f"`X` must be a DataFrame with the clear-sky column "
                                 f"{self.clearsky!r} (parameter `clearsky`).")
            values = X[self.clearsky]
        else:
            array = np.asarray(X)
            if array.ndim != 2 or self.clearsky >= array.shape[1]:
                raise ValueError(f"`clearsky`={self.clearsky} is not a column of `X` with "
                                 f"shape {array.shape}.")
            values = array[:, self.clearsky]
        return np.asarray(values, dtype=float)

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

    def _check_fitted_state(self):
        """The inner forecaster (checked when it was loaded) is a narxcast forecaster."""
        from ._forecaster import BaseForecaster

        if not isinstance(self.estimator_, BaseForecaster):
            raise ValueError("`estimator_` must be a fitted narxcast forecaster.")

    def fit(self, X, y):
        """Fit a clone of ``estimator`` to the clear-sky index of ``y``."""
        self._validate_params()
        self.estimator_ = clone(self.estimator).fit(X, self._index(X, y))
        return self

    def predict(self, X=None, y=None, horizon=None, all_horizons=False):
        """As the inner forecaster's ``predict``, in irradiance units."""
        check_is_fitted(self, "estimator_")
        clearsky_rows = self._clearsky(X)  # checked before any work
        index_y = None if y is None else self._index(X, y)
        index = self.estimator_.predict(X, y=index_y, horizon=horizon,
                                        all_horizons=all_horizons)
        if index.shape[0] != clearsky_rows.shape[0]:
            raise ValueError("The forecasts do not line up with the rows of `X`.")
        return self._irradiance(X, index)

    def update(self, X, y):
        """Append measurements (as clear-sky indices) to the inner forecaster's history."""
        check_is_fitted(self, "estimator_")
        self.estimator_.update(X, self._index(X, y))
        return self

    def score(self, X, y, sample_weight=None):
        """R^2 of ``predict(X)`` (forecasts continuing from the data seen)."""
        return r2_score(y, self.predict(X), sample_weight=sample_weight)
