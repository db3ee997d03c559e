"""Many records, one model (issue 20): free-run simulation from a record's initial conditions."""

import copy

import numpy as np
import pandas as pd
import pytest

from narxcast import GRURegressor, NARXRegressor, TDNNRegressor

from .conftest import narendra_plant


def _records(seed=0, n=600):
    rng = np.random.default_rng(seed)
    u = rng.uniform(-1, 1, n)
    return u[:, None], narendra_plant(u, noise=0.0, rng=rng)


def test_narx_simulation_is_the_update_then_predict_recipe_without_touching_the_model():
    X, y = _records()
    model = NARXRegressor(input_delays=[1], feedback_delays=[1, 2], solver="lm",
                          random_state=0).fit(X[:400], y[:400])
    kept = (model.history_X_.copy(), model.history_y_.copy())
    simulated = model.simulate(X[400:], y[400:403])
    np.testing.assert_array_equal(model.history_y_, kept[1])  # the model is as it was
    np.testing.assert_array_equal(model.history_X_, kept[0])
    assert np.isnan(simulated[:3]).all() and np.isfinite(simulated[3:]).all()
    two_step = copy.deepcopy(model).update(X[400:403], y[400:403])
    np.testing.assert_allclose(simulated[3:], two_step.predict(X[403:]), rtol=1e-12)
    # a noiseless known plant, identified by LM open then closed loop: a close free run
    error = np.sqrt(np.mean((simulated[3:] - y[403:]) ** 2)) / np.std(y[403:])
    assert error < 0.05


def test_recurrent_simulation_warms_its_state_up_on_the_initial_rows():
    """The state runs from zero over y_initial, then the loop closes: the segment forecasts
    from the last initial row, lead by lead."""
    X, y = _records(1)
    model = GRURegressor(input_delays=0, feedback_delays=[1], hidden_layer_sizes=(6,),
                         max_iter=5, random_state=0).fit(X[:400], y[:400])
    state = model.state_.copy()
    index = pd.date_range("2024-01-01", periods=200, freq="h")
    frame = pd.DataFrame(X[400:], index=index, columns=["u"])
    simulated = model.simulate(frame, pd.Series(y[400:424], index=index[:24], name="y"))
    assert simulated.index.equals(index) and simulated.name == "y"
    np.testing.assert_array_equal(model.state_, state)
    segment = y[400:].copy()
    segment[24:] = np.nan
    leads = model.predict(X[400:], y[400:], horizon=176, all_horizons=True)
    expected = leads[np.arange(24, 200), np.arange(176)]  # row t from origin 23: lead t - 23
    np.testing.assert_allclose(simulated.to_numpy()[24:], expected, rtol=1e-10)


def test_simulation_arguments_are_checked_before_any_work():
    X, y = _records()
    model = NARXRegressor(input_delays=[1], feedback_delays=[1, 2], max_iter=3,
                          random_state=0).fit(X[:400], y[:400])
    with pytest.raises(ValueError, match="`y_initial` must hold at least the largest delay"):
        model.simulate(X[400:], y[400:401])
    with pytest.raises(ValueError, match="more rows"):
        model.simulate(X[400:402], y[400:402])
    with pytest.raises(ValueError, match="`y_initial` must be finite"):
        model.simulate(X[400:], [0.0, np.nan])
    with pytest.raises(ValueError, match="`X` is required"):
        model.simulate(None, y[400:402])
    tdnn = TDNNRegressor(input_delays=1, target_delays=2, max_horizon=6, max_iter=3,
                         random_state=0).fit(X[:400], y[:400])
    with pytest.raises(ValueError, match="horizon"):
        tdnn.simulate(X[400:], y[400:402])  # a direct model forecasts at most max_horizon
