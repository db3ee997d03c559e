"""ARIMARegressor against statsmodels: per-origin dynamic prediction, forecast, append."""

import re
import warnings

import numpy as np
import pytest
from statsmodels.tsa.statespace.sarimax import SARIMAX

from narxcast import ARIMARegressor


def _series(rng, n=420):
    """Regression on X with ARMA(2, 1) errors and a linear trend: SARIMAX's own model."""
    X = rng.normal(size=(n, 2))
    e = rng.normal(size=n)
    u = np.zeros(n)
    for t in range(2, n):
        u[t] = 0.6 * u[t - 1] - 0.2 * u[t - 2] + e[t] + 0.3 * e[t - 1]
    return X, 5 + 0.02 * np.arange(n) + X @ [1.0, -0.5] + u


SPECS = [
    dict(order=(2, 0, 1)),
    dict(order=(1, 1, 1), trend="t"),
    dict(order=(1, 0, 0), seasonal_order=(1, 0, 1, 12), trend="c"),
]


@pytest.mark.parametrize("spec", SPECS)
@pytest.mark.parametrize("exogenous", [True, False])
def test_segment_forecasts_equal_statsmodels_dynamic_prediction(rng, spec, exogenous):
    X, y = _series(rng)
    X_fit = X[:300] if exogenous else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ARIMARegressor(**spec).fit(X_fit, y[:300])
    X_test, y_test = (X[300:] if exogenous else None), y[300:]
    horizon = 6
    forecasts = model.predict(X_test, y_test, horizon=horizon, all_horizons=True)
    filtered = SARIMAX(y_test, exog=X_test, **spec).filter(model.params_)
    for origin in range(0, len(y_test) - 1, 7):
        expected = filtered.predict(start=origin + 1, end=min(origin + horizon, len(y_test) - 1),
                                    dynamic=True)
        got = forecasts[origin + 1 + np.arange(expected.size), np.arange(expected.size)]
        np.testing.assert_allclose(got, expected, rtol=1e-6)
    assert np.isnan(forecasts[0]).all()
    assert np.isnan(forecasts[:horizon, horizon - 1]).all()


def test_continuation_is_statsmodels_forecast_and_update_appends(rng):
    X, y = _series(rng)
    model = ARIMARegressor(order=(2, 0, 1)).fit(X[:300], y[:300])
    np.testing.assert_allclose(model.predict(X[300:310]),
                               model.results_.forecast(10, exog=X[300:310]), rtol=1e-12)
    reference = model.results_.append(y[300:350], exog=X[300:350])
    params = model.params_.copy()
    model.update(X[300:350], y[300:350])
    np.testing.assert_array_equal(model.params_, params)  # no re-estimation
    np.testing.assert_allclose(model.predict(X[350:360]),
                               reference.forecast(10, exog=X[350:360]), rtol=1e-12)


def test_recovers_the_exogenous_effect(rng):
    X, y = _series(rng, 2000)
    model = ARIMARegressor(order=(2, 0, 1), trend="ct").fit(X, y)
    named = dict(zip(model.param_names_, model.params_))
    assert named["x1"] == pytest.approx(1.0, abs=0.1)
    assert named["x2"] == pytest.approx(-0.5, abs=0.1)
    assert 0 < named["drift"] < 0.05  # SARIMAX's trend acts inside the AR recursion


def test_bad_input(rng):
    X, y = _series(rng)
    with pytest.raises(ValueError, match=re.escape("`order` must be 3 non-negative integers. "
                                                   "Got (1, -1, 0).")):
        ARIMARegressor(order=(1, -1, 0)).fit(X, y)
    with pytest.raises(ValueError, match="y should be a 1d array"):
        ARIMARegressor().fit(X, np.column_stack([y, y]))
    with pytest.raises(ValueError, match="The 'trend' parameter of ARIMARegressor must be"):
        ARIMARegressor(trend="quadratic").fit(X, y)
