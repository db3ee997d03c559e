"""NARXRegressor: predict modes, history, scaling, training behaviour, known systems."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from narxcast import NARXRegressor
from narxcast.kernels import narx as narx_kernels

from .conftest import narendra_plant
from .naive import narx_forecast


def _data(rng, n=300, n_features=2, n_targets=1):
    X = rng.normal(size=(n, n_features))
    y = np.zeros((n, n_targets))
    for t in range(2, n):
        y[t] = 0.5 * y[t - 1] - 0.2 * y[t - 2] + np.tanh(X[t, 0] - X[t - 1, -1])
    y += 0.05 * rng.normal(size=y.shape)
    return X, (y[:, 0] if n_targets == 1 else y)


def _fitted(rng, **params):
    X, y = _data(rng)
    defaults = dict(loop="open", input_delays=1, feedback_delays=2, hidden_layer_sizes=(5,),
                    max_iter=5, random_state=0)
    defaults.update(params)
    return NARXRegressor(**defaults).fit(X, y), X, y


def _scaled_naive(model, X, y, origins, horizon):
    """narx_forecast in user units, from the fitted scaling and θ."""
    Xs = model.input_scaler_.transform(X)
    Ys = model.target_scaler_.transform(y.reshape(len(y), -1))
    # forecasts past the end of the segment are NaN, as in the estimator
    Xs = np.vstack([Xs, np.full((horizon, Xs.shape[1]), np.nan)])
    Ys = np.vstack([Ys, np.full((horizon, Ys.shape[1]), np.nan)])
    sizes = [model.input_delays_.size * X.shape[1] + model.feedback_delays_.size * Ys.shape[1],
             *model.hidden_layer_sizes, Ys.shape[1]]
    out = narx_forecast(model.theta_, sizes, model.activation, model.input_delays_,
                        model.feedback_delays_, Xs, Ys, origins, horizon)
    return model.target_scaler_.inverse(out)


def test_delay_regressors_on_arange_match_hand_written_matrix():
    # with no hidden layer, identity output and θ a unit vector, the output is one regressor
    X = 100.0 + np.arange(10.0)[:, None]
    y = np.arange(10.0)
    model = NARXRegressor(input_delays=[0, 2], feedback_delays=[1, 3], hidden_layer_sizes=(),
                          scale=False, clip_forecasts=None, max_iter=1).fit(X, y)
    columns = []
    for i in range(4):
        model.theta_ = np.zeros(5)
        model.theta_[i] = 1.0
        columns.append(model.predict(X, y, horizon=1))
    got = np.column_stack(columns)
    expected = np.array([  # x_t, x_{t-2}, y_{t-1}, y_{t-3} for t = 3..9
        [103, 101, 2, 0], [104, 102, 3, 1], [105, 103, 4, 2], [106, 104, 5, 3],
        [107, 105, 6, 4], [108, 106, 7, 5], [109, 107, 8, 6]], dtype=float)
    assert np.isnan(got[:3]).all()
    np.testing.assert_array_equal(got[3:], expected)


def test_horizon_forecasts_match_naive_reference(rng):
    model, X, y = _fitted(rng)
    X_test, y_test = X[200:], y[200:]
    all_h = model.predict(X_test, y_test, horizon=4, all_horizons=True)
    assert all_h.shape == (100, 4)
    origins = np.arange(1, 99)
    expected = _scaled_naive(model, X_test, y_test, origins, 4)[..., 0]
    for step in range(4):
        rows = origins + step + 1
        valid = rows < 100
        np.testing.assert_allclose(all_h[rows[valid], step], expected[valid, step], rtol=1e-10)
    # rows whose origin precedes the initial conditions are NaN, the rest are not
    for step in range(4):
        assert np.isnan(all_h[:step + 2, step]).all()
        assert np.isfinite(all_h[step + 2:, step]).all()
    np.testing.assert_array_equal(model.predict(X_test, y_test, horizon=4), all_h[:, 3])
    np.testing.assert_array_equal(model.predict(X_test, y_test), all_h[:, 0])


def test_forecast_at_origin_ignores_later_targets(rng):
    model, X, y = _fitted(rng)
    changed = y.copy()
    changed[151:] += 10.0
    before = model.predict(X, y, horizon=5, all_horizons=True)
    after = model.predict(X, changed, horizon=5, all_horizons=True)
    # row t, column j-1 comes from origin t - j: unchanged while t - j <= 150
    for step in range(5):
        rows = np.arange(len(y))
        unchanged = rows - (step + 1) <= 150
        np.testing.assert_array_equal(before[unchanged, step], after[unchanged, step])
        assert not np.allclose(before[~unchanged, step], after[~unchanged, step])


def test_closed_loop_continuation_equals_segment_forecast_and_update(rng):
    X, y = _data(rng)
    model = NARXRegressor(input_delays=1, feedback_delays=2, hidden_layer_sizes=(5,),
                          max_iter=5, random_state=0).fit(X[:200], y[:200])
    future = model.predict(X[200:224])
    assert future.shape == (24,)
    segment = model.predict(X[:224], y[:224], horizon=24, all_horizons=True)
    # the forecast of row 200 + j made at origin 199 is column j of row 199 + j + 1
    np.testing.assert_allclose(future, segment[200 + np.arange(24), np.arange(24)], rtol=1e-12)
    np.testing.assert_allclose(future, _scaled_naive(model, X[:224], y[:224], [199], 24)[0, :, 0],
                               rtol=1e-10)
    model.update(X[200:250], y[200:250])
    np.testing.assert_allclose(model.predict(X[250:260]),
                               _scaled_naive(model, X[:260], y[:260], [249], 10)[0, :, 0],
                               rtol=1e-10)
    # update in two parts is the same as in one
    other = clone(model).set_params(max_iter=5).fit(X[:200], y[:200])
    other.update(X[200:201], y[200:201]).update(X[201:250], y[201:250])
    np.testing.assert_array_equal(other.predict(X[250:260]), model.predict(X[250:260]))


def test_autoregressive_model_without_exogenous_inputs(rng):
    y = np.sin(np.arange(400) * 2 * np.pi / 24) + 0.05 * rng.normal(size=400)
    model = NARXRegressor(input_delays=(), feedback_delays=[1, 2, 24], max_iter=30,
                          learning_rate_init=0.01, random_state=0).fit(None, y[:300])
    assert model.n_features_in_ == 0
    forecast = model.predict(horizon=24)
    assert forecast.shape == (24,)
    expected = np.sin(np.arange(300, 324) * 2 * np.pi / 24)
    assert np.sqrt(np.mean((forecast - expected) ** 2)) < 0.2
    assert model.predict(None, y[300:], horizon=3).shape == (100,)
    assert np.isfinite(model.score(None, y[300:324]))


def test_multi_output_shapes_and_values(rng):
    X, y = _data(rng, n_targets=2)
    model = NARXRegressor(input_delays=1, feedback_delays=1, max_iter=5, clip_forecasts=None,
                          random_state=0).fit(X, y)
    assert model.predict(X[:10]).shape == (10, 2)
    all_h = model.predict(X[:50], y[:50], horizon=3, all_horizons=True)
    assert all_h.shape == (50, 3, 2)
    expected = _scaled_naive(model, X[:50], y[:50], np.arange(0, 49), 3)
    np.testing.assert_allclose(all_h[1:50, 0], expected[:, 0], rtol=1e-10)


def test_results_are_in_user_units(rng):
    X, y = _data(rng)
    model = NARXRegressor(max_iter=5, random_state=0).fit(X, y)
    shifted = NARXRegressor(max_iter=5, random_state=0).fit(X * 3 - 7, y * 1000 + 5)
    np.testing.assert_allclose(shifted.predict(X[:20] * 3 - 7), model.predict(X[:20]) * 1000 + 5,
                               rtol=1e-8)
    np.testing.assert_allclose(shifted.theta_, model.theta_, rtol=1e-8, atol=1e-12)


def test_same_random_state_same_result_and_pickle_round_trip(rng):
    model, X, y = _fitted(rng, max_iter=10)
    again = clone(model).fit(X, y)
    np.testing.assert_array_equal(model.theta_, again.theta_)
    assert model.loss_curve_ == again.loss_curve_
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(X[:30]), model.predict(X[:30]))
    np.testing.assert_array_equal(restored.predict(X, y, horizon=6), model.predict(X, y, horizon=6))
    different = clone(model).set_params(random_state=1).fit(X, y)
    assert not np.array_equal(model.theta_, different.theta_)


def test_pandas_feature_names_are_checked(rng):
    X, y = _data(rng)
    frame = pd.DataFrame(X, columns=["irradiance", "temperature"])
    model = NARXRegressor(max_iter=3, random_state=0).fit(frame, pd.Series(y))
    np.testing.assert_array_equal(model.feature_names_in_, ["irradiance", "temperature"])
    assert isinstance(model.predict(frame.to_numpy()[:5]), np.ndarray)  # NumPy in, NumPy out
    with pytest.raises(ValueError, match="Feature names"):
        model.predict(frame[["temperature", "irradiance"]][:5])


def test_pandas_in_pandas_out(rng):
    X, y = _data(rng, n_targets=2)
    index = pd.date_range("2024-03-01", periods=len(y), freq="h", name="time")
    frame = pd.DataFrame(X, index=index, columns=["u1", "u2"])
    targets = pd.DataFrame(y, index=index, columns=["a", "b"])
    model = NARXRegressor(max_iter=3, random_state=0).fit(frame[:200], targets[:200])
    expected = model.predict(X[200:], y[200:], horizon=3, all_horizons=True)
    leads = model.predict(frame[200:], targets[200:], horizon=3, all_horizons=True)
    assert leads.index.equals(index[200:])
    assert leads.columns.tolist() == [(t, h) for t in "ab" for h in (1, 2, 3)]
    np.testing.assert_array_equal(leads["b"].to_numpy(), expected[:, :, 1])
    step = model.predict(frame[200:], targets[200:], horizon=2)
    assert step.columns.tolist() == ["a", "b"]
    np.testing.assert_array_equal(step.to_numpy(), expected[:, 1])
    continued = model.predict(frame[200:205])  # continuation: the index of X
    assert continued.index.equals(index[200:205]) and continued.shape == (5, 2)
    one = NARXRegressor(max_iter=3, random_state=0).fit(frame, targets["a"].rename("ghi"))
    forecast = one.predict(frame, targets["a"].rename("ghi"), horizon=2)
    assert isinstance(forecast, pd.Series) and forecast.name == "ghi"
    assert forecast.index.equals(index) and forecast.iloc[:2].isna().all()
    continued = one.predict(frame[:3])  # continuation: named as the y seen in fit
    assert isinstance(continued, pd.Series) and continued.name == "ghi"
    assert one.simulate(frame[:6], targets["a"].to_numpy()[:3]).name == "ghi"
    assert NARXRegressor(max_iter=3, random_state=0).fit(X, y[:, 0]).predict(X[:3]).ndim == 1
    assert one.predict(frame[:3].to_numpy()).ndim == 1  # arrays in, arrays out
    table = one.predict(frame, targets["a"], horizon=4, all_horizons=True)
    assert table.columns.tolist() == [1, 2, 3, 4] and table.columns.name == "horizon"
    np.testing.assert_array_equal(table[2].to_numpy(), forecast.to_numpy())


def test_training_reduces_loss_and_warm_start_continues(rng):
    model, X, y = _fitted(rng, max_iter=30, learning_rate_init=0.01)
    assert model.loss_curve_[-1] < 0.5 * model.loss_curve_[0]
    assert model.n_iter_ == len(model.loss_curve_) <= 30
    assert model.best_loss_ == min(model.loss_curve_)
    first = model.theta_.copy()
    model.set_params(warm_start=True, max_iter=3).fit(X, y)
    assert model.loss_curve_[0] < 0.9 * first_loss_of(model, X, y)
    assert not np.array_equal(model.theta_, first)  # continued from `first`, and moved on


def first_loss_of(model, X, y):
    """The first-epoch loss of a cold start, to compare with a warm one."""
    cold = clone(model).set_params(warm_start=False, max_iter=1).fit(X, y)
    return cold.loss_curve_[0]


def test_early_stopping_keeps_the_best_validation_parameters(rng):
    model, X, y = _fitted(rng, early_stopping=True, max_iter=40, learning_rate_init=0.01,
                          n_iter_no_change=3)
    assert len(model.validation_scores_) == model.n_iter_
    assert model.best_validation_score_ == max(model.validation_scores_)
    # recompute the validation R^2 of the kept parameters: the last 10% of targets, open loop
    n_validation = int(np.ceil(0.1 * (len(y) - model.max_delay_)))
    forecasts = model.predict(X, y, horizon=1)[-n_validation:]
    truth = y[-n_validation:]
    r2 = 1 - np.sum((forecasts - truth) ** 2) / np.sum((truth - truth.mean()) ** 2)
    assert r2 == pytest.approx(model.best_validation_score_, rel=1e-9)


@pytest.mark.parametrize("loop", ["open", "closed"])
@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_every_solver_and_loop_learns(rng, loop, solver):
    model, X, y = _fitted(rng, loop=loop, solver=solver, max_iter=40, bptt_steps=8,
                          learning_rate_init=0.01)
    assert model.loss_curve_[-1] < 0.7 * model.loss_curve_[0]


def test_ctrl_c_keeps_best_weights_and_a_usable_estimator(rng, monkeypatch):
    X, y = _data(rng)
    calls = {"n": 0}
    original = narx_kernels.loss_gradient

    def interrupted(*args):
        calls["n"] += 1
        if calls["n"] == 25:
            raise KeyboardInterrupt
        return original(*args)

    monkeypatch.setattr(narx_kernels, "loss_gradient", interrupted)
    model = NARXRegressor(hidden_layer_sizes=(5,), max_iter=100, random_state=0)
    with pytest.warns(RuntimeWarning, match="interrupted"):
        model.fit(X, y)
    assert model.stopped_by_ == "interrupted"
    assert 0 < model.n_iter_ < 100
    assert model.stages_ == ["adam, open loop"]  # Ctrl-C ends the fit, not only its stage
    assert np.isfinite(model.predict(X[:10])).all()


def test_diverging_loss_restores_best_weights(rng, monkeypatch):
    X, y = _data(rng)
    calls = {"n": 0}
    original = narx_kernels.loss_gradient
    snapshots = []

    def diverging(theta, *args):
        calls["n"] += 1
        loss = original(theta, *args)
        snapshots.append(theta.copy())
        return np.nan if calls["n"] >= 30 else loss

    monkeypatch.setattr(narx_kernels, "loss_gradient", diverging)
    model = NARXRegressor(hidden_layer_sizes=(5,), max_iter=100, random_state=0)
    with pytest.warns(RuntimeWarning, match="diverged"):
        model.fit(X, y)
    assert model.stopped_by_ == "diverged"
    assert np.isfinite(model.theta_).all() and np.isfinite(model.predict(X[:10])).all()
    assert any(np.array_equal(model.theta_, s) for s in snapshots)  # an earlier state, kept


def test_identifies_narendra_plant_to_noise_level():
    rng = np.random.default_rng(0)
    noise = 0.02
    u_train = rng.uniform(-1, 1, 3000)
    y_train = narendra_plant(u_train, noise, rng)
    model = NARXRegressor(input_delays=[1], feedback_delays=[1], hidden_layer_sizes=(10,),
                          learning_rate_init=0.01, max_iter=400, tol=1e-6, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(u_train[:, None], y_train)
    # a different input signal: sum of sines (Narendra & Parthasarathy's test input, scaled)
    k = np.arange(500)
    u_test = 0.5 * np.sin(2 * np.pi * k / 250) + 0.5 * np.sin(2 * np.pi * k / 25)
    y_clean = narendra_plant(u_test)
    y_test = y_clean + noise * rng.standard_normal(500)
    # closed loop (free run) from the first measured sample
    model.update(u_test[:1, None], y_test[:1])
    simulated = model.predict(u_test[1:, None])
    error = np.sqrt(np.mean((simulated - y_clean[1:]) ** 2))
    assert error < 2 * noise, error
    one_step = model.predict(u_test[:, None], y_test, horizon=1)
    assert np.sqrt(np.nanmean((one_step - y_test) ** 2)) < 2 * noise


def test_verbose_prints_progress(rng, capsys):
    _fitted(rng, verbose=True, max_iter=3, early_stopping=True)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("Iteration 1, loss = ") and "validation score = " in lines[0]
