"""Quantile forecasts and central intervals in every predict mode, for a forecaster that
gives quantiles at each lead time (:class:`QuantileForecaster`: ARIMA's state-space
quantiles, :class:`~narxcast.intervals.ConformalRegressor`'s calibrated ones)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from ._rows import as_pandas as _as_pandas
from ._typing import Rows
from ._validation import (
    check_coverage as _check_coverage,
    check_horizon as _check_horizon,
)


def _check_quantiles(quantiles):
    try:
        quantiles = np.atleast_1d(np.asarray(quantiles, dtype=float))
    except (TypeError, ValueError):
        raise ValueError(f"`quantiles` must be levels in (0, 1). Got {quantiles!r}.") from None
    if quantiles.ndim != 1 or not quantiles.size or not ((quantiles > 0) & (quantiles < 1)).all():
        raise ValueError(f"`quantiles` must be levels in (0, 1). Got {quantiles!r}.")
    return np.sort(quantiles)



class QuantileForecaster:
    """``predict_quantiles`` and ``predict_interval`` in every predict mode, for a forecaster
    that gives ``_quantiles(X, y, horizon, quantiles, all_horizons)``: (n, n_leads,
    n_quantiles) arrays, n_leads 1 unless ``all_horizons``. ``_max_lead`` (None: no limit) is
    the longest lead time it can give."""

    _max_lead = None
    _quantiles: Callable[..., np.ndarray]  # (given by the class it is mixed into)
    _check_quantiles_fitted: Callable[[], None]

    def _point_and_leads(self, X, y, horizon, all_horizons):
        """Point forecasts (n, m) and the lead time of each of their columns (m,) or, for a
        continuation, of each row ((n, 1))."""
        if y is None:
            if all_horizons:
                raise ValueError("`all_horizons=True` needs a segment: pass `y`.")
            point = np.asarray(self.predict(X, horizon=horizon), dtype=float)
            leads = np.arange(1, point.shape[0] + 1)[:, None]
            point = point[:, None]
        else:
            horizon = 1 if horizon is None else _check_horizon(horizon)
            if self._max_lead is not None and horizon > self._max_lead:
                raise ValueError(f"`horizon` must be at most max_horizon={self._max_lead}, "
                                 f"the longest lead calibrated. Got {horizon}.")
            point = np.asarray(self.predict(X, y=y, horizon=horizon,
                                                       all_horizons=True), dtype=float)
            leads = np.arange(1, horizon + 1)[None, :]
            if not all_horizons:
                point, leads = point[:, -1:], leads[:, -1:]
        if self._max_lead is not None and leads.max() > self._max_lead:
            raise ValueError(f"Forecasts {leads.max()} steps ahead; the calibration covers "
                             f"max_horizon={self._max_lead}.")
        return point, leads

    def predict_quantiles(self, X: Rows | None = None, y: Rows | None = None,
                          horizon: int | None = None,
                          quantiles: Sequence[float] = (0.05, 0.5, 0.95),
                          all_horizons: bool = False) -> np.ndarray | pd.DataFrame:
        """Forecast quantiles in every predict mode (as :meth:`predict`).

        Parameters
        ----------
        X, y, horizon, quantiles, all_horizons
            As :meth:`narxcast.NARXRegressor.predict`; ``coverage`` is the intervals'
            nominal coverage, ``quantiles`` the levels, each in (0, 1).

        Returns
        -------
        ndarray of shape (n_samples, n_quantiles), or (n_samples, horizon, n_quantiles) with
        ``all_horizons``
            Non-decreasing along the quantiles; NaN where the point forecast is NaN. Given
            pandas, a DataFrame with the input's index and a column per level (``(horizon,
            quantile)`` with ``all_horizons``).
        """
        self._check_quantiles_fitted()
        quantiles = _check_quantiles(quantiles)
        values = self._quantiles(X, y, horizon, quantiles, all_horizons)
        values = values if all_horizons else values[:, 0]
        return self._frame(values, X, y, quantiles, "quantile")

    def predict_interval(self, X: Rows | None = None, y: Rows | None = None,
                         horizon: int | None = None, coverage: float = 0.9,
                         all_horizons: bool = False) -> np.ndarray | pd.DataFrame:
        """Central intervals of nominal ``coverage`` (the ``(1 - coverage) / 2`` and ``(1 +
        coverage) / 2`` quantiles) in every predict mode.

        Parameters
        ----------
        X, y, horizon, coverage, all_horizons
            As :meth:`narxcast.NARXRegressor.predict`; ``coverage`` is the intervals'
            nominal coverage, ``quantiles`` the levels, each in (0, 1).

        Returns
        -------
        ndarray of shape (n_samples, 2), or (n_samples, horizon, 2) with ``all_horizons``
            Lower and upper bounds; a DataFrame with columns ``lower``, ``upper`` (``(horizon,
            bound)`` with ``all_horizons``) when given pandas.
        """
        self._check_quantiles_fitted()
        coverage = _check_coverage(coverage)
        levels = np.array([(1 - coverage) / 2, (1 + coverage) / 2])
        values = self._quantiles(X, y, horizon, levels, all_horizons)
        values = values if all_horizons else values[:, 0]
        return self._frame(values, X, y, np.array(["lower", "upper"]), "bound")

    @staticmethod
    def _frame(values, X, y, labels, name):
        import pandas as pd

        framed = _as_pandas(values.reshape(values.shape[0], -1), X, y, all_horizons=False)
        if isinstance(framed, np.ndarray):
            return values
        if values.ndim == 3:
            framed.columns = pd.MultiIndex.from_product(
                [range(1, values.shape[1] + 1), labels.tolist()], names=["horizon", name])
        else:
            framed.columns = pd.Index(labels.tolist(), name=name)
        return framed


def gaussian_quantiles(point, leads, std, quantiles):
    """Quantiles of ``N(point, std[lead - 1]^2)`` for point forecasts (n, m) at ``leads``
    (broadcast to (n, m)): (n, m, n_quantiles)."""
    from scipy.stats import norm

    return point[:, :, None] + std[leads - 1][:, :, None] * norm.ppf(quantiles)
