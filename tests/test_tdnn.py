"""TDNNRegressor: direct outputs against an explicit sliding-window MLP, gradients, contract."""

import re

import numpy as np
import pytest

from narxcast import NARXRegressor, TDNNRegressor
from narxcast.kernels import tdnn as kernels
from narxcast.kernels.mlp import layout

from .naive import tdnn_forecast, tdnn_loss

CASES = [  # n_features, n_targets, input_delays, target_delays, hidden, activation, max_horizon
    (2, 1, [0, 1], [1, 2, 5], [6], "tanh", 4),
    (1, 2, [2], [1], [3, 4], "logistic", 3),
    (0, 1, [], [1, 24], [5], "relu", 6),
]


def _problem(rng, n_features, n_targets, input_delays, target_delays, hidden, max_horizon,
             n=60):
    sizes = [len(input_delays) * n_features + len(target_delays) * n_targets, *hidden,
             max_horizon * n_targets]
    theta = rng.normal(scale=0.6, size=layout(sizes).n_params)
    return sizes, theta, rng.normal(size=(n, n_features)), rng.normal(
        size=(n, n_targets))


@pytest.mark.parametrize("case", CASES)
def test_kernels_match_sliding_window_reference(rng, case):
    n_features, n_targets, input_delays, target_delays, hidden, activation, horizon = case
    sizes, theta, X, Y = _problem(rng, *case[:5], horizon)
    args = layout(sizes, activation, input_delays, target_delays)
    X_t, Y_t = np.ascontiguousarray(X.T), np.ascontiguousarray(Y.T)
    max_delay = max([*input_delays, *target_delays])
    origins = np.arange(max_delay - 1, len(Y) - horizon, dtype=np.int64)
    out = np.empty((sizes[-1], origins.size))
    kernels.predict(theta, args, X_t, Y_t, origins, out)
    expected = tdnn_forecast(theta, sizes, activation, input_delays, target_delays, X, Y,
                             origins, horizon)
    np.testing.assert_allclose(out.T.reshape(expected.shape), expected, rtol=1e-12, atol=1e-13)

    batch = origins[::3]
    grad = np.empty_like(theta)
    loss = kernels.loss_gradient(theta, args, X_t, Y_t, batch, grad)
    np.testing.assert_allclose(loss, tdnn_loss(theta, sizes, activation, input_delays,
                                               target_delays, X, Y, batch, horizon), rtol=1e-12)
    numeric = np.empty_like(theta)
    for i in range(theta.size):
        step = np.zeros_like(theta)
        step[i] = 1e-6
        numeric[i] = (kernels.loss_gradient(theta + step, args, X_t, Y_t, batch,
                                            np.empty_like(theta))
                      - kernels.loss_gradient(theta - step, args, X_t, Y_t, batch,
                                              np.empty_like(theta))
                      ) / 2e-6
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


def _data(rng, n=400):
    X = rng.normal(size=(n, 2))
    y = np.convolve(X[:, 0], [0.5, 0.3, 0.2], mode="same") + 0.1 * rng.normal(size=n)
    return X, y


def test_estimator_outputs_in_user_units_match_reference(rng):
    X, y = _data(rng)
    model = TDNNRegressor(input_delays=[0, 1], target_delays=[1, 2], max_horizon=5, max_iter=3,
                          random_state=0).fit(X * 10, y * 100 + 3)
    forecasts = model.predict(X[300:] * 10, y[300:] * 100 + 3, horizon=5, all_horizons=True)
    Xs = model.input_scaler_.transform(X[300:] * 10)
    Ys = model.target_scaler_.transform((y[300:] * 100 + 3)[:, None])
    sizes = [6, 10, 5]
    origins = np.arange(1, 99)
    expected = model.target_scaler_.inverse(
        tdnn_forecast(model.theta_, sizes, "tanh", [0, 1], [1, 2], Xs, Ys, origins, 5))
    for lead in range(5):
        rows = origins + lead + 1
        valid = rows < 100
        np.testing.assert_allclose(forecasts[rows[valid], lead], expected[valid, lead, 0],
                                   rtol=1e-10)
        assert np.isnan(forecasts[:lead + 2, lead]).all()


def test_one_step_tdnn_is_the_open_loop_narx(rng):
    X, y = _data(rng)
    tdnn = TDNNRegressor(input_delays=[0, 2], target_delays=[1, 3], max_horizon=1, max_iter=5,
                         random_state=0).fit(X, y)
    narx = NARXRegressor(input_delays=[0, 2], feedback_delays=[1, 3], max_iter=1,
                         random_state=0).fit(X, y)
    narx.theta_ = tdnn.theta_.copy()
    np.testing.assert_allclose(tdnn.predict(X, y, horizon=1), narx.predict(X, y, horizon=1),
                               rtol=1e-12)
    np.testing.assert_allclose(tdnn.predict(X[:1]), narx.predict(X[:1]), rtol=1e-12)


def test_direct_forecast_learns_and_continues_from_history(rng):
    X, y = _data(rng, 600)
    model = TDNNRegressor(input_delays=[0, 1, 2], target_delays=2, max_horizon=3,
                          learning_rate_init=0.01, max_iter=100, random_state=0).fit(X[:500],
                                                                                      y[:500])
    assert model.loss_curve_[-1] < 0.5 * model.loss_curve_[0]
    future = model.predict(X[500:503])
    segment = model.predict(X[:503], y[:503], horizon=3, all_horizons=True)
    np.testing.assert_allclose(future, segment[500 + np.arange(3), np.arange(3)], rtol=1e-12)


def test_horizon_beyond_max_horizon_is_rejected(rng):
    X, y = _data(rng)
    model = TDNNRegressor(max_horizon=4, max_iter=2).fit(X, y)
    message = "`horizon` must be <= max_horizon=4 for a direct TDNNRegressor. Got 5."
    with pytest.raises(ValueError, match=re.escape(message)):
        model.predict(X, y, horizon=5)
    with pytest.raises(ValueError, match=re.escape("`y` needs more than max_horizon=24 rows")):
        TDNNRegressor(max_horizon=24).fit(X[:20], y[:20])


def test_long_continuation_repeats_direct_blocks(rng):
    X, y = _data(rng)
    model = TDNNRegressor(input_delays=0, target_delays=[1, 2], max_horizon=4, max_iter=5,
                          random_state=0).fit(X[:300], y[:300])
    long = model.predict(X[300:310])
    np.testing.assert_allclose(long[:4], model.predict(X[300:304]), rtol=1e-12)
    # the second block starts from the first block's forecasts as if they were measured
    model.update(X[300:304], long[:4])
    np.testing.assert_allclose(long[4:8], model.predict(X[304:308]), rtol=1e-12)
