"""ARIMA baseline: statsmodels' SARIMAX with exogenous regressors, forecast from every origin."""

from __future__ import annotations

import numbers
import warnings
from typing import NamedTuple

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_array, column_or_1d
from sklearn.utils._param_validation import Interval, StrOptions

from ._forecaster import BaseForecaster
from ._quantiles import QuantileForecaster, gaussian_quantiles


class ARIMARegressor(QuantileForecaster, BaseForecaster):
    """Seasonal ARIMA with exogenous regressors (statsmodels SARIMAX) as a forecaster.

    The parameters are estimated once, by maximum likelihood on the data given to ``fit``.
    ``predict(X_future)`` is SARIMAX's forecast with the exogenous inputs of the future rows,
    continuing after the data seen by ``fit``/``update`` (``update`` appends measurements
    without re-estimating). ``predict(X, y, horizon=h)`` runs the Kalman filter with the fitted
    parameters over the segment once, then forms the ``h``-step forecasts from every origin in
    one vectorised pass over the filtered states (``a_{o+1|o}``, then ``a_{o+j|o} =
    c_{o+j-1} + T a_{o+j-1|o}``, ``y_{o+j|o} = Z a_{o+j|o} + d_{o+j}``), which equals
    statsmodels' dynamic prediction from each origin.

    ``predict_interval`` and ``predict_quantiles`` (every predict mode) are Gaussian with
    the model's own state-space forecast variance at each lead time (statsmodels'
    ``get_forecast(...).var_pred_mean``): exact when continuing from the data seen; for the
    forecasts of a segment from every origin, the variance from the end of the data seen is
    used at every origin (the Kalman filter's steady state, reached after a few dozen rows of
    a stationary model).

    Parameters
    ----------
    order : tuple of 3 int, default=(1, 0, 0)
        (p, d, q).
    seasonal_order : tuple of 4 int, default=(0, 0, 0, 0)
        (P, D, Q, s).
    trend : {None, "n", "c", "t", "ct"}, default=None
        Deterministic trend; a time trend counts from each segment's first row.
    enforce_stationarity, enforce_invertibility : bool, default=True
    maxiter : int, default=50
        Iterations of the likelihood optimiser (L-BFGS).

    Attributes
    ----------
    n_fit_rows_ : int
        Rows the parameters were estimated on.
    params_ : ndarray
        Estimated parameters, named in ``param_names_``.
    results_ : statsmodels SARIMAXResults
        The fitted results, extended by ``update``.

    Methods
    -------
    fit(X, y, groups=None)
        Train on a series, or on several records of one system.
    predict(X=None, y=None, horizon=None, all_horizons=False, groups=None)
        Forecast: continue after the data seen, or from every origin of a segment.
    simulate(X, y_initial, horizon=None)
        A free run over a new record from its first measured rows.
    update(X, y, groups=None)
        Append new measurements without refitting.
    score(X, y, sample_weight=None, horizon=None, groups=None)
        R^2 of the forecasts.

    Examples
    --------
    >>> import numpy as np
    >>> from narxcast import ARIMARegressor
    >>> rng = np.random.default_rng(0)
    >>> y = np.zeros(300)
    >>> for t in range(1, 300):
    ...     y[t] = 0.8 * y[t - 1] + rng.normal()
    >>> model = ARIMARegressor(order=(1, 0, 0)).fit(None, y[:200])
    >>> round(float(model.params_[0]), 1)
    0.8
    >>> model.predict(None, y[200:], horizon=3).shape
    (100,)
    """

    _parameter_constraints = {
        "order": [tuple, list],
        "seasonal_order": [tuple, list],
        "trend": [StrOptions({"n", "c", "t", "ct"}), None],
        "enforce_stationarity": ["boolean"],
        "enforce_invertibility": ["boolean"],
        "maxiter": [Interval(numbers.Integral, 1, None, closed="left")],
    }

    def __init__(self, order: tuple[int, int, int] = (1, 0, 0),
                 seasonal_order: tuple[int, int, int, int] = (0, 0, 0, 0),
                 trend: str | None = None, enforce_stationarity: bool = True,
                 enforce_invertibility: bool = True, maxiter: int = 50) -> None:
        self.order = order
        self.seasonal_order = seasonal_order
        self.trend = trend
        self.enforce_stationarity = enforce_stationarity
        self.enforce_invertibility = enforce_invertibility
        self.maxiter = maxiter

    _fits_records = False  # one likelihood over one record: fit one model per record

    def _delays(self, rows=None):
        return np.empty(0, dtype=np.int64), np.array([1], dtype=np.int64)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = False
        return tags

    def _check_orders(self):
        for name, value, length in (("order", self.order, 3),
                                    ("seasonal_order", self.seasonal_order, 4)):
            if len(value) != length or any(
                    isinstance(v, bool) or not isinstance(v, (numbers.Integral, np.integer))
                    or v < 0 for v in value):
                raise ValueError(f"`{name}` must be {length} non-negative integers. Got "
                                 f"{value!r}.")

    def _model(self, targets, inputs):
        from statsmodels.tsa.statespace.sarimax import SARIMAX

        return SARIMAX(targets[:, 0], exog=inputs if inputs.shape[1] else None,
                       order=tuple(self.order), seasonal_order=tuple(self.seasonal_order),
                       trend=self.trend, enforce_stationarity=self.enforce_stationarity,
                       enforce_invertibility=self.enforce_invertibility)

    def _validate_targets(self, y, reset):
        if y is not None:
            y = check_array(y, ensure_2d=False, dtype=np.float64, input_name="y")
            if y.ndim == 2:
                # SARIMAX is univariate: a column vector is raveled with scikit-learn's
                # DataConversionWarning, several columns are an error
                y = column_or_1d(y, warn=True)
        return super()._validate_targets(y, reset)

    def _prepare(self, inputs):
        self._check_orders()

    def __getstate__(self):
        """Pickle the statsmodels results as the data they were computed from: statsmodels'
        Cython objects cannot be unpickled from a read-only memory map (joblib's
        ``mmap_mode="r"``), and rebuilding them gives the same forecasts bit for bit."""
        state = dict(super().__getstate__())  # a copy: the live estimator keeps its results
        results = state.get("results_")
        if results is not None:
            exog = results.model.exog
            state["results_"] = _ResultsData(np.array(results.model.endog[:, 0]),
                                             None if exog is None else np.array(exog))
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        data = self.__dict__.get("results_")
        if isinstance(data, _ResultsData):
            self.results_ = self._rebuild_results(
                np.array(data.endog), None if data.exog is None else np.array(data.exog))

    def _rebuild_results(self, endog, exog):
        """The fitted results over ``endog`` (and ``exog``) with the estimated parameters, by
        the calls ``fit`` and ``update`` made (the smoother over the fit's rows, then an
        ``append`` of the later rows), so that forecasts are bit-identical."""
        # statsmodels' products follow the memory order of exog, and its results differ in the
        # last bit between orders: fit passes (time, features) views of (features, time)
        # arrays, Fortran order, and so does the rebuild
        exog = np.asfortranarray(exog if exog is not None else np.empty((len(endog), 0)))
        first = self.n_fit_rows_
        results = self._model(np.asfortranarray(endog[:first, None]),
                              np.asfortranarray(exog[:first])).smooth(self.params_)
        if len(endog) > first:
            results = results.append(endog[first:], exog=exog[first:] if exog.shape[1] else None)
        return results

    def _check_fitted_state(self):
        """A model file stores the results as the data they were computed from (``results_`` =
        ``(endog, exog)``): checked here, then rebuilt."""
        super()._check_fitted_state()
        self._check_orders()
        params = self.params_
        if not (isinstance(params, np.ndarray) and params.ndim == 1
                and params.dtype == np.float64 and np.isfinite(params).all()
                and isinstance(self.param_names_, list)
                and len(self.param_names_) == params.size):
            raise ValueError("`params_` must be finite, one per name in `param_names_`.")
        endog, exog = self.results_
        if not (isinstance(self.n_fit_rows_, int) and 1 <= self.n_fit_rows_ <= len(endog)):
            raise ValueError("`n_fit_rows_` must count rows of the stored series.")
        if not (endog.ndim == 1 and endog.dtype == np.float64 and endog.size >= 1
                and (exog is None if self.n_features_in_ == 0 else
                     exog.dtype == np.float64 and exog.shape == (endog.size, self.n_features_in_))):
            raise ValueError("`results_` must hold the series and exogenous rows it was "
                             "computed from.")
        self.results_ = self._rebuild_results(endog, exog)
        if list(self.results_.model.param_names) != self.param_names_:
            raise ValueError("`param_names_` are not those of the orders.")

    def _fit_scaled(self, data, warm):
        """Maximum likelihood; statsmodels' convergence warnings become scikit-learn's."""
        inputs_t, targets_t = data.inputs_t, data.targets_t
        from statsmodels.tools.sm_exceptions import ConvergenceWarning as StatsmodelsWarning

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            results = self._model(targets_t.T, inputs_t.T).fit(disp=False, maxiter=self.maxiter)
        for warning in caught:
            if issubclass(warning.category, StatsmodelsWarning):
                warnings.warn(str(warning.message), ConvergenceWarning, stacklevel=4)
        self.results_ = results
        self.n_fit_rows_ = targets_t.shape[1]
        self.params_ = np.asarray(results.params)
        self.param_names_ = list(results.model.param_names)

    def _forecast_scaled(self, inputs_t, targets_t, origins, horizon):
        """Forecasts (horizon, 1, n_origins) over a segment padded with ``horizon`` NaN rows
        (a simulation's rows after its initial ones are NaN targets with given inputs: the
        filter runs over them without updates, the inputs driving the state)."""
        from statsmodels.tsa.statespace import kalman_filter as kf

        given = np.isfinite(inputs_t).all(axis=0)  # inputs past the segment's end are NaN
        model = self._model(targets_t.T, np.where(given, inputs_t, 0.0).T)
        # keep only the predicted states, and take the bare filter output: the results
        # wrapper would estimate the parameters' covariance with 8 more filter passes
        model.ssm.set_conserve_memory(
            kf.MEMORY_NO_FORECAST | kf.MEMORY_NO_PREDICTED_COV | kf.MEMORY_NO_FILTERED
            | kf.MEMORY_NO_LIKELIHOOD | kf.MEMORY_NO_GAIN | kf.MEMORY_NO_SMOOTHING
            | kf.MEMORY_NO_STD_FORECAST)
        filtered = model.filter(self.params_, return_ssm=True)
        transition = filtered.transition[:, :, 0]
        design = filtered.design[:, :, 0]
        state = filtered.predicted_state[:, origins + 1]  # a_{o+1|o}
        out = np.empty((horizon, 1, origins.size))
        for step in range(horizon):
            if step:
                state = transition @ state + _at(filtered.state_intercept, origins + step)
            out[step] = design @ state + _at(filtered.obs_intercept, origins + step + 1)
            out[step][:, ~given[np.minimum(origins + step + 1, given.size - 1)]] = np.nan
        return out

    def _check_quantiles_fitted(self):
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "results_")

    def _quantiles(self, X, y, horizon, quantiles, all_horizons):
        point, leads = self._point_and_leads(X, y, horizon, all_horizons)
        n_leads = int(leads.max())
        exog = np.zeros((n_leads, self.n_features_in_)) if self.n_features_in_ else None
        variance = self.results_.get_forecast(n_leads, exog=exog).var_pred_mean
        return gaussian_quantiles(point, np.broadcast_to(leads, point.shape),
                                  np.sqrt(np.asarray(variance, dtype=float)).ravel(), quantiles)

    def _forecast_continuation(self, inputs_t, targets_t, origin, horizon):
        future = inputs_t[:, origin + 1:].T
        forecast = self.results_.forecast(horizon, exog=future if future.shape[1] else None)
        return np.asarray(forecast, dtype=float)[:, None]

    def _store_history(self, inputs, targets, reset):
        """The fitted results hold the history; ``update`` appends to them (no re-estimation)."""
        super()._store_history(inputs, targets, reset)
        if not reset:
            self.results_ = self.results_.append(targets[:, 0],
                                                 exog=inputs if inputs.shape[1] else None)


class _ResultsData(NamedTuple):
    """The rows fitted results were computed over, as ARIMARegressor pickles them."""

    endog: np.ndarray
    exog: np.ndarray


def _at(array, columns):
    """Columns of a statsmodels system array (rows, 1 or n): the constant one, or the given
    columns with NaN past the end."""
    if array.shape[1] == 1:
        return array
    inside = columns < array.shape[1]
    return np.where(inside, array[:, np.where(inside, columns, 0)], np.nan)
