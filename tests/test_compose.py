"""ClearSkyIndexRegressor: the index by hand, forecasts = the inner model's times clear sky."""

import pickle

import numpy as np
import pandas as pd
import pytest

from narxcast import NARXRegressor, PersistenceRegressor
from narxcast.compose import ClearSkyIndexRegressor
from narxcast.model_selection import backtest

from .conftest import solar_like


def test_index_and_forecasts_are_the_inner_model_times_clear_sky(rng):
    X, y = solar_like(rng, days=40)
    inner = NARXRegressor(input_delays=0, feedback_delays=[1, 24], max_iter=30, random_state=0)
    model = ClearSkyIndexRegressor(inner, min_clearsky=20.0).fit(X[:700], y[:700])
    clearsky = X["clearsky_ghi"].to_numpy()
    expected_index = np.where(clearsky >= 20.0, y / np.where(clearsky > 0, clearsky, 1), 0.0)
    expected_index = np.clip(expected_index, 0, 1.5)
    np.testing.assert_allclose(model._index(X, y), expected_index)
    by_hand = NARXRegressor(input_delays=0, feedback_delays=[1, 24], max_iter=30,
                            random_state=0).fit(X[:700], expected_index[:700])
    day = np.where(clearsky[700:] >= 20.0, clearsky[700:], 0.0)
    forecasts = model.predict(X[700:], y[700:], horizon=6, all_horizons=True)
    inner_forecasts = by_hand.predict(X[700:], expected_index[700:], horizon=6, all_horizons=True)
    np.testing.assert_allclose(forecasts, np.clip(inner_forecasts, 0, 1.5) * day[:, None])
    continued = model.predict(X[700:724])
    np.testing.assert_allclose(continued, np.clip(by_hand.predict(X[700:724]), 0, 1.5) * day[:24])
    model.update(X[700:710], y[700:710])
    by_hand.update(X[700:710], expected_index[700:710])
    np.testing.assert_allclose(model.predict(X[710:720]),
                               np.clip(by_hand.predict(X[710:720]), 0, 1.5) * day[10:20])
    assert np.nanmax(np.abs(forecasts[clearsky[700:] < 20.0])) == 0.0


def test_clear_sky_index_in_backtest_and_pickle(rng):
    X, y = solar_like(rng, days=40)
    model = ClearSkyIndexRegressor(NARXRegressor(input_delays=0, feedback_delays=[1, 24],
                                                 max_iter=30, random_state=0))
    result = backtest({"csi narx": model, "persistence": PersistenceRegressor()}, X, y,
                      horizons=(1, 6), progress=False)
    assert not hasattr(model, "estimator_")  # backtest cloned it
    assert result.forecasts[("csi narx", 6)].notna().sum() > 200
    fitted = model.fit(X, y)
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict(X[:50], y[:50], horizon=3),
                                  fitted.predict(X[:50], y[:50], horizon=3))


def test_clear_sky_column_errors_are_named(rng):
    X, y = solar_like(rng, days=5)
    model = ClearSkyIndexRegressor(NARXRegressor(max_iter=2), clearsky="cs")
    with pytest.raises(ValueError, match="clear-sky column 'cs' \\(parameter `clearsky`\\)"):
        model.fit(X, y)
    with pytest.raises(ValueError, match="`clearsky`=5 is not a column of `X`"):
        ClearSkyIndexRegressor(NARXRegressor(max_iter=2), clearsky=5).fit(X.to_numpy(), y)
    fitted = ClearSkyIndexRegressor(NARXRegressor(max_iter=2)).fit(X, y)
    with pytest.raises(ValueError, match="`X` is required"):
        fitted.predict(None, horizon=3)


def test_meta_estimators_return_pandas_with_the_input_index(rng):
    from narxcast.compose import EnsembleRegressor, IrradianceRegressor

    X, y = solar_like(rng, days=20)
    X.index = y.index = pd.date_range("2024-06-01", periods=len(y), freq="h")
    y.name = "ghi"
    inner = NARXRegressor(input_delays=0, feedback_delays=[1, 24], max_iter=5)
    for model in (IrradianceRegressor(inner.set_params(random_state=0)),
                  ClearSkyIndexRegressor(inner.set_params(random_state=0)),
                  EnsembleRegressor(inner, n_estimators=2, random_state=0)):
        model.fit(X[:400], y[:400])
        leads = model.predict(X[400:], y[400:], horizon=3, all_horizons=True)
        assert leads.index.equals(X.index[400:]) and leads.columns.tolist() == [1, 2, 3]
        step = model.predict(X[400:], y[400:], horizon=3)
        assert step.name == "ghi"
        np.testing.assert_array_equal(step.to_numpy(), leads[3].to_numpy())
        continued = model.predict(X[400:410])
        assert continued.index.equals(X.index[400:410])
        np.testing.assert_array_equal(
            model.predict(X[400:410].to_numpy() if isinstance(model, EnsembleRegressor)
                          else X[400:410]), continued)
