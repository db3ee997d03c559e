"""Intervals, quantiles and sample paths: coverage within binomial tolerance on
data whose errors are exchangeable, bootstrap paths against the known predictive distribution
of a linear plant, quantiles that never cross, physical bounds, no look-ahead."""

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom, norm
from sklearn.base import clone

from narxcast import (
    ARIMARegressor,
    GRURegressor,
    LSTMRegressor,
    NARXRegressor,
    PersistenceRegressor,
)
from narxcast.compose import IrradianceRegressor
from narxcast.intervals import ConformalRegressor, conformal_offsets
from narxcast.serialization import dump, load

A, B, SIGMA = 0.7, 1.0, 0.2  # y_t = A y_{t-1} + B u_{t-1} + e_t, e ~ N(0, SIGMA^2)


def _linear_plant(n, seed=0):
    rng = np.random.default_rng(seed)
    u = rng.uniform(-1, 1, n)
    y = np.zeros(n)
    for t in range(1, n):
        y[t] = A * y[t - 1] + B * u[t - 1] + SIGMA * rng.normal()
    return u[:, None], y


def _arx():
    """A linear ARX model of the plant (the exact model class), fitted by LM."""
    return NARXRegressor(input_delays=[1], feedback_delays=[1], hidden_layer_sizes=(),
                         solver="lm", loop="open", random_state=0)


def _predictive_std(lead):
    """The exact h-step predictive standard deviation of the plant, inputs known."""
    return SIGMA * np.sqrt(np.sum(A ** (2 * np.arange(lead))))


def test_conformal_offsets_are_order_statistics_with_the_finite_sample_correction():
    errors = np.array([3.0, -1.0, np.nan, 2.0, 0.5, -2.0])  # n = 5 after the NaN
    # ranks ceil(6 q) above the median, floor(6 q) below: q=0.5 -> 3rd, 0.8 -> 5th (4.8),
    # 0.2 -> 1st (1.2), 0.1 -> floor(0.6) = 0 -> -inf, 0.9 -> ceil(5.4) = 6 > 5 -> +inf
    got = conformal_offsets(errors, [0.1, 0.2, 0.5, 0.8, 0.9])
    np.testing.assert_array_equal(got, [-np.inf, -2.0, 0.5, 3.0, np.inf])


def test_coverage_is_nominal_within_binomial_tolerance():
    """Fitted and calibrated on one stretch of the plant, scored on a later one: at every
    lead the empirical coverage of 80% and 95% intervals lies within the binomial band of a
    correct coverage (plus the calibration's own finite-sample slack)."""
    X, y = _linear_plant(6000)
    model = ConformalRegressor(_arx(), max_horizon=6, calibration_fraction=0.5).fit(X[:4000],
                                                                                y[:4000])
    test = slice(4000, None)
    for coverage in (0.8, 0.95):
        bounds = model.predict_interval(X[test], y[test], horizon=6, coverage=coverage,
                                        all_horizons=True)
        inside = (bounds[..., 0] <= y[test, None]) & (y[test, None] <= bounds[..., 1])
        formed = ~np.isnan(bounds[..., 0])
        for lead in range(6):
            n = formed[:, lead].sum()
            low, high = binom.interval(0.998, n, coverage) / np.array(n)
            slack = 1.0 / 2000  # n_calibration: the conformal rank's granularity
            assert low - slack <= inside[formed[:, lead], lead].mean() <= high + slack


def test_bootstrap_paths_match_the_known_predictive_distribution():
    """Sample paths of the fitted ARX with its one-step errors fed back: at each lead their
    quantiles are those of N(forecast, sigma_h^2) with sigma_h the plant's exact h-step
    predictive standard deviation; the conformal intervals per lead agree."""
    X, y = _linear_plant(5000)
    model = ConformalRegressor(_arx(), max_horizon=8, calibration_fraction=0.4,
                               method="bootstrap", n_paths=400, random_state=0)
    model.fit(X[:4000], y[:4000])
    paths = model.sample_paths(X[4000:4400], y[4000:4400], horizon=8, n_paths=400,
                               random_state=1)
    assert paths.shape == (400, 8, 400)
    point = model.predict(X[4000:4400], y[4000:4400], horizon=8, all_horizons=True)
    for lead in (1, 4, 8):
        rows = slice(lead + 1, None)
        spread = np.std(paths[rows, lead - 1] - point[rows, lead - 1, None])
        assert spread == pytest.approx(_predictive_std(lead), rel=0.06)
        np.testing.assert_allclose(np.mean(paths[rows, lead - 1], axis=1), point[rows, lead - 1],
                                   atol=4 * _predictive_std(lead) / np.sqrt(400))
    z = norm.ppf(0.95)
    bootstrap = model.predict_interval(X[4000:], y[4000:], horizon=8, coverage=0.9,
                                       all_horizons=True)
    conformal = ConformalRegressor(_arx(), max_horizon=8, calibration_fraction=0.4).fit(
        X[:4000], y[:4000]).predict_interval(X[4000:], y[4000:], horizon=8, coverage=0.9,
                                             all_horizons=True)
    for lead in (1, 4, 8):
        expected = 2 * z * _predictive_std(lead)
        for bounds in (bootstrap, conformal):
            width = np.nanmean(bounds[:, lead - 1, 1] - bounds[:, lead - 1, 0])
            assert width == pytest.approx(expected, rel=0.08)


def test_paths_are_reproducible_and_continue_from_the_history():
    X, y = _linear_plant(1500)
    model = ConformalRegressor(_arx(), max_horizon=5).fit(X[:1200], y[:1200])
    first = model.sample_paths(X[1200:1210], n_paths=50, random_state=3)
    again = model.sample_paths(X[1200:1210], n_paths=50, random_state=3)
    assert first.shape == (10, 50)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, model.sample_paths(X[1200:1210], n_paths=50,
                                                        random_state=4))
    # path spread grows with the lead time
    assert np.std(first[0]) < np.std(first[4])
    with pytest.raises(ValueError, match="`n_paths` must be an integer"):
        model.sample_paths(X[1200:1210], n_paths=0)
    with pytest.raises(ValueError, match="`residuals` must be finite"):
        model.estimator_.sample_paths(X[1200:1210], residuals=[np.nan])
    with pytest.raises(ValueError, match="has no sample paths"):
        ConformalRegressor(ARIMARegressor(order=(1, 0, 0)), max_horizon=3).fit(
            X[:300], y[:300]).sample_paths(X[300:310])


def test_quantiles_never_cross_and_are_nan_where_the_forecast_is():
    X, y = _linear_plant(1500)
    for estimator in (_arx(), PersistenceRegressor()):
        model = ConformalRegressor(estimator, max_horizon=6).fit(X[:1200], y[:1200])
        levels = (0.02, 0.1, 0.3, 0.5, 0.7, 0.9, 0.98)
        table = model.predict_quantiles(X[1200:], y[1200:], horizon=6, quantiles=levels,
                                        all_horizons=True)
        assert table.shape == (300, 6, 7)
        point = np.asarray(model.predict(X[1200:], y[1200:], horizon=6, all_horizons=True))
        np.testing.assert_array_equal(np.isnan(table).all(axis=-1), np.isnan(point))
        formed = ~np.isnan(point)
        assert (np.diff(table[formed], axis=-1) >= 0).all()
        one = model.predict_quantiles(X[1200:], y[1200:], horizon=4, quantiles=levels)
        np.testing.assert_array_equal(one, table[:, 3])  # horizon=4 is the 4th lead


def test_no_look_ahead_intervals_from_an_origin_ignore_later_data():
    X, y = _linear_plant(1500)
    model = ConformalRegressor(_arx(), max_horizon=6).fit(X[:1200], y[:1200])
    before = model.predict_interval(X[1200:], y[1200:], horizon=6, all_horizons=True)
    changed = y[1200:].copy()
    changed[101:] += 5.0  # everything after origin 100 of the segment
    after = model.predict_interval(X[1200:], changed, horizon=6, all_horizons=True)
    for lead in range(1, 7):
        np.testing.assert_array_equal(before[100 + lead, lead - 1], after[100 + lead, lead - 1])
    # the calibration used only the rows given to fit: its last block
    assert model.errors_.shape == (240, 6)


def test_irradiance_intervals_are_physical_and_conditional_bins_follow_the_sun():
    rng = np.random.default_rng(0)
    hour = np.arange(24 * 120) % 24
    clearsky = np.maximum(900 * np.sin(np.pi * (hour - 6) / 12), 0.0)
    weather = np.clip(0.75 + 0.25 * np.sin(np.arange(hour.size) / 30)
                      + 0.1 * rng.normal(size=hour.size), 0, 1.2)
    index = pd.date_range("2024-03-01", periods=hour.size, freq="h")
    X = pd.DataFrame({"clearsky_ghi": clearsky}, index=index)
    y = pd.Series(weather * clearsky, index=index, name="ghi")
    inner = IrradianceRegressor(NARXRegressor(input_delays=0, feedback_delays=[1, 24],
                                              max_iter=20, random_state=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ConformalRegressor(inner, max_horizon=6, conditional="clearsky_ghi",
                                   n_bins=3).fit(X[:2400], y[:2400])
        bounds = model.predict_interval(X[2400:], y[2400:], horizon=6, coverage=0.9)
    assert isinstance(bounds, pd.DataFrame) and list(bounds.columns) == ["lower", "upper"]
    assert bounds.index.equals(index[2400:])
    lower, upper = bounds["lower"].to_numpy(), bounds["upper"].to_numpy()
    sky = clearsky[2400:]
    formed = ~np.isnan(lower)
    assert (lower[formed] >= 0).all() and (upper[formed] <= 1.5 * sky[formed] + 1e-9).all()
    assert (upper[formed & (sky <= 10)] == 0).all()  # night: no irradiance, no spread
    width = upper - lower
    noon, morning = formed & (sky > 800), formed & (sky > 10) & (sky < 300)
    assert np.mean(width[noon]) > 1.5 * np.mean(width[morning])  # errors grow with the sun
    leads = model.predict_quantiles(X[2400:], y[2400:], horizon=3, all_horizons=True)
    assert leads.columns.tolist()[:3] == [(1, 0.05), (1, 0.5), (1, 0.95)]
    continued = model.predict_interval(X[2400:2406])
    assert continued.index.equals(index[2400:2406])


def test_archive_round_trip_keeps_the_intervals(tmp_path):
    X, y = _linear_plant(1500)
    model = ConformalRegressor(_arx(), max_horizon=4, conditional=0, n_bins=2).fit(X[:1200],
                                                                                y[:1200])
    dump(model, tmp_path / "model.narxcast")
    loaded = load(tmp_path / "model.narxcast")
    np.testing.assert_array_equal(
        loaded.predict_interval(X[1200:], y[1200:], horizon=4),
        model.predict_interval(X[1200:], y[1200:], horizon=4))


def test_bad_arguments_are_named():
    X, y = _linear_plant(600)
    model = ConformalRegressor(_arx(), max_horizon=4).fit(X[:500], y[:500])
    with pytest.raises(ValueError, match="`coverage` must be a fraction"):
        model.predict_interval(X[500:], y[500:], coverage=90)
    for bad in ((0.5, 1.0), "abc", [[0.1]], (0.5, np.nan)):
        with pytest.raises(ValueError, match="`quantiles` must be levels"):
            model.predict_quantiles(X[500:], y[500:], quantiles=bad)
    with pytest.raises(ValueError, match="`horizon` must be at most max_horizon=4"):
        model.predict_interval(X[500:], y[500:], horizon=5)
    with pytest.raises(ValueError, match="calibration covers max_horizon=4"):
        model.predict_interval(X[500:510])
    with pytest.raises(ValueError, match="`calibration_fraction`"):
        ConformalRegressor(_arx(), calibration_fraction=0.01).fit(X[:100], y[:100])
    with pytest.raises(ValueError, match="column 'clearsky_ghi'"):
        ConformalRegressor(_arx(), conditional="clearsky_ghi").fit(X, y)


def test_backtest_scores_intervals_as_fitted_on_the_training_rows_alone():
    """backtest(coverage=...) scores the intervals of a model fitted (and calibrated) on the
    training block only: its coverage and width equal those of that model's own intervals
    over the segment, and only entries with quantiles get the probabilistic metrics."""
    from narxcast.metrics import coverage as empirical_coverage, crps_quantiles
    from narxcast.model_selection import backtest

    X, y = _linear_plant(1600)
    conformal = ConformalRegressor(_arx(), max_horizon=6)
    result = backtest({"arx": conformal, "naive": PersistenceRegressor()}, X, y,
                      horizons=(1, 6), train_size=1200, coverage=(0.8,), progress=False)
    scores = result.scores.set_index(["estimator", "horizon", "metric"])["value"]
    assert ("naive", 1, "coverage_80") not in scores.index
    fitted = ConformalRegressor(_arx(), max_horizon=6).fit(X[:1200], y[:1200])
    bounds = fitted.predict_interval(X, y, horizon=6, coverage=0.8, all_horizons=True)
    levels = np.arange(1, 20) / 20
    table = fitted.predict_quantiles(X, y, horizon=6, quantiles=levels, all_horizons=True)
    for h in (1, 6):
        rows = np.arange(1199 + h, 1600)
        rows = rows[~np.isnan(result.forecasts["naive", h].to_numpy()[rows])]
        expected = empirical_coverage(y[rows], bounds[rows, h - 1, 0], bounds[rows, h - 1, 1])
        assert scores["arx", h, "coverage_80"] == pytest.approx(expected, abs=1e-12)
        assert scores["arx", h, "width_80"] == pytest.approx(
            np.mean(bounds[rows, h - 1, 1] - bounds[rows, h - 1, 0]))
        assert scores["arx", h, "crps"] == pytest.approx(
            crps_quantiles(y[rows], table[rows, h - 1], levels), rel=0.05)
        assert abs(scores["arx", h, "coverage_80"] - 0.8) < 0.08
    with pytest.raises(ValueError, match="`coverage` must be a fraction in"):
        backtest({"arx": conformal}, X, y, coverage=(80,), progress=False)


def test_arima_intervals_are_its_own_state_space_intervals():
    """ARIMA's quantiles are Gaussian with statsmodels' forecast variance: continuing from
    the data seen they equal get_forecast's confidence interval; from every origin of a
    segment their width is the exact h-step one of the AR(1) plant, and they cover."""
    rng = np.random.default_rng(0)
    y = np.zeros(3000)
    for t in range(1, 3000):
        y[t] = A * y[t - 1] + SIGMA * rng.normal()
    model = ARIMARegressor(order=(1, 0, 0)).fit(None, y[:2000])
    continued = model.predict_interval(None, horizon=5, coverage=0.9)
    expected = model.results_.get_forecast(5).conf_int(alpha=0.1)
    np.testing.assert_allclose(continued, expected, rtol=1e-9)
    bounds = model.predict_interval(None, y[2000:], horizon=4, coverage=0.9, all_horizons=True)
    for lead in (1, 4):
        width = bounds[lead:, lead - 1, 1] - bounds[lead:, lead - 1, 0]
        assert np.mean(width) == pytest.approx(2 * norm.ppf(0.95) * _predictive_std(lead),
                                               rel=0.05)
        inside = ((bounds[lead:, lead - 1, 0] <= y[2000 + lead:])
                  & (y[2000 + lead:] <= bounds[lead:, lead - 1, 1]))
        assert abs(inside.mean() - 0.9) < 0.04
    table = model.predict_quantiles(None, y[2000:], horizon=2, quantiles=(0.1, 0.5, 0.9))
    np.testing.assert_allclose(table[:, 1], model.predict(None, y[2000:], horizon=2))


def _shifting_plant(n, change, seed=0):
    """The linear plant whose noise grows threefold at row ``change``, as a pandas frame with
    an hourly index."""
    rng = np.random.default_rng(seed)
    u = rng.uniform(-1, 1, n)
    sigma = np.where(np.arange(n) < change, SIGMA, 3 * SIGMA)
    y = np.zeros(n)
    for t in range(1, n):
        y[t] = A * y[t - 1] + B * u[t - 1] + sigma[t] * rng.normal()
    index = pd.date_range("2024-01-01", periods=n, freq="h")
    return pd.DataFrame({"u": u}, index=index), pd.Series(y, index=index, name="y")


def test_rolling_calibration_follows_a_change_and_never_looks_ahead():
    """After the noise triples, split intervals under-cover; rolling ones (the last 300
    verified errors at each origin) come back to nominal once their window has filled. An
    interval from an origin does not change when later data do."""
    X, y = _shifting_plant(4000, change=2500)
    split = ConformalRegressor(_arx(), max_horizon=4).fit(X[:2000], y[:2000])
    rolling = ConformalRegressor(_arx(), max_horizon=4, window=300).fit(X[:2000], y[:2000])
    assert rolling.fitted_until_ == X.index[1999].isoformat()
    late = slice(3000, None)  # 500 rows after the change: the window holds only new errors
    # split: P(|Z| < 1.645 / 3) = 0.42; rolling: nominal
    for model, low, high in ((split, 0.36, 0.48), (rolling, 0.86, 0.94)):
        bounds = model.predict_interval(X, y, horizon=4, coverage=0.9)
        inside = (bounds["lower"] <= y) & (y <= bounds["upper"])
        assert low < inside[late].mean() < high
    # before the change both use the same, calibration-like errors
    early = slice(2010, 2300)
    np.testing.assert_allclose(
        (split.predict_interval(X, y, horizon=4)["upper"] - split.predict(X, y, horizon=4))
        [early].mean(),
        (rolling.predict_interval(X, y, horizon=4)["upper"] - rolling.predict(X, y, horizon=4))
        [early].mean(), rtol=0.15)
    before = rolling.predict_interval(X, y, horizon=4, all_horizons=True)
    changed = y.copy()
    changed.iloc[3201:] += 10.0  # everything after origin 3200
    after = rolling.predict_interval(X, changed, horizon=4, all_horizons=True)
    for lead in range(1, 5):
        np.testing.assert_array_equal(before.loc[X.index[3200 + lead], lead].to_numpy(),
                                      after.loc[X.index[3200 + lead], lead].to_numpy())
    # arrays cannot be placed in time: the calibration block's last `window` errors
    plain = rolling.predict_interval(X.to_numpy(), y.to_numpy(), horizon=4)
    tail = ConformalRegressor(_arx(), max_horizon=4).fit(X[:2000], y[:2000])
    tail.errors_ = tail.errors_[-300:]
    tail.calibration_bins_ = tail.calibration_bins_[-300:]
    np.testing.assert_allclose(plain, tail.predict_interval(X.to_numpy(), y.to_numpy(),
                                                            horizon=4))


def test_update_adds_the_errors_of_forecasts_from_every_origin_before_the_new_rows():
    """The errors ``update`` appends are those of the segment forecasts over the whole series
    (origins reaching back before the new rows, so a one-row update adds every lead), the
    oldest drop out, and the fitted forecaster continues as its own update would."""
    X, y = _linear_plant(700)
    model = ConformalRegressor(_arx(), max_horizon=5).fit(X[:500], y[:500])
    block = model.errors_.shape[0]
    for start, stop in ((500, 501), (501, 502), (502, 540), (540, 700)):  # one row, many
        model.update(X[start:stop], y[start:stop])
    expected = y[:, None] - model.estimator_.predict(X, y, horizon=5, all_horizons=True)
    np.testing.assert_allclose(model.errors_, expected[700 - block:], rtol=1e-12, atol=1e-12)
    plain = _arx().fit(X[:500], y[:500]).update(X[500:], y[500:])
    future = np.full((3, 1), 0.5)
    np.testing.assert_allclose(model.predict(future), plain.predict(future))
    with pytest.raises(ValueError, match="`X` must have 3 rows"):
        model.update(X[:2], y[:3])
    with pytest.raises(ValueError, match="`y` must be numeric"):
        model.update(X[:1], np.array(["a"]))
    np.testing.assert_allclose(model.errors_, expected[700 - block:])  # refused: unchanged


def test_rolling_calibration_through_update_follows_a_change_in_continuations():
    """A deployed model updated every few hours: after the noise triples, continuations'
    intervals from the last ``window`` errors come back to nominal; a model whose
    calibration is never updated keeps the old, narrow intervals."""
    X, y = _shifting_plant(3600, change=2500)
    X, y = X.to_numpy(), y.to_numpy()
    fitted = ConformalRegressor(_arx(), max_horizon=4, window=300).fit(X[:2000], y[:2000])
    models = {"rolling": fitted, "fixed": clone(fitted).fit(X[:2000], y[:2000])}
    inside = {name: [] for name in models}
    for t in range(2000, 3596, 4):
        for name, model in models.items():
            if t >= 3000:
                bounds = model.predict_interval(X[t:t + 4], coverage=0.9)
                inside[name].extend((bounds[:, 0] <= y[t:t + 4]) & (y[t:t + 4] <= bounds[:, 1]))
            if name == "rolling":
                model.update(X[t:t + 4], y[t:t + 4])
            else:
                model.estimator_.update(X[t:t + 4], y[t:t + 4])
    assert 0.85 < np.mean(inside["rolling"]) < 0.95
    assert np.mean(inside["fixed"]) < 0.6


def test_scaled_errors_give_intervals_proportional_to_the_scale_column():
    """Noise proportional to a known column: scaled intervals are narrow where it is small and
    cover at both ends; unscaled ones over-cover the quiet rows and under-cover the loud."""
    rng = np.random.default_rng(1)
    n = 4000
    level = 0.2 + 2 * (np.sin(np.arange(n) / 50) > 0)  # quiet and loud stretches
    u = rng.uniform(-1, 1, n)
    y = np.zeros(n)
    for t in range(1, n):
        y[t] = A * y[t - 1] + B * u[t - 1] + 0.2 * level[t] * rng.normal()
    X = np.column_stack([u, level])
    arx = NARXRegressor(input_delays=[1], feedback_delays=[1], hidden_layer_sizes=(),
                        solver="lm", loop="open", random_state=0)
    scaled = ConformalRegressor(arx, max_horizon=1, scale=1).fit(X[:3000], y[:3000])
    plain = ConformalRegressor(arx, max_horizon=1).fit(X[:3000], y[:3000])
    quiet, loud = level[3000:] < 1, level[3000:] > 1
    for model, expect_quiet, expect_loud in ((scaled, (0.85, 0.95), (0.85, 0.95)),
                                             (plain, (0.97, 1.01), (0.6, 0.9))):
        bounds = model.predict_interval(X[3000:], y[3000:], coverage=0.9)
        inside = (bounds[:, 0] <= y[3000:]) & (y[3000:] <= bounds[:, 1])
        assert expect_quiet[0] < inside[1:][quiet[1:]].mean() < expect_quiet[1]
        assert expect_loud[0] < inside[1:][loud[1:]].mean() < expect_loud[1]
    width = np.diff(scaled.predict_interval(X[3000:], y[3000:]), axis=1)[:, 0]
    assert np.nanmean(width[loud]) / np.nanmean(width[quiet]) == pytest.approx(2.2 / 0.2,
                                                                                  rel=1e-6)


@pytest.mark.parametrize("cls", [GRURegressor, LSTMRegressor])
def test_recurrent_sample_paths_feed_the_drawn_residuals_back(cls):
    """Recurrent paths: a pool of zeros gives the point forecasts (from every origin, and
    continuing from the stored state); real residuals spread more with the lead time; the
    same seed, the same paths."""
    X, y = _linear_plant(700)
    model = cls(input_delays=[0], feedback_delays=[1], hidden_layer_sizes=(4,), max_iter=3,
                random_state=0).fit(X[:500], y[:500])
    zeros = model.sample_paths(X[500:], y[500:], horizon=5, n_paths=3, residuals=np.zeros(4))
    point = model.predict(X[500:], y[500:], horizon=5, all_horizons=True)
    np.testing.assert_allclose(zeros, np.repeat(point[:, :, None], 3, axis=2), rtol=1e-12)
    continued = model.sample_paths(X[500:510], n_paths=2, residuals=[0.0])
    np.testing.assert_allclose(continued[:, 1], model.predict(X[500:510]), rtol=1e-12)
    pool = np.random.default_rng(0).normal(0, SIGMA, 200)
    paths = model.sample_paths(X[500:510], n_paths=300, residuals=pool, random_state=0)
    assert np.std(paths[0]) < np.std(paths[-1])
    np.testing.assert_array_equal(paths, model.sample_paths(X[500:510], n_paths=300,
                                                            residuals=pool, random_state=0))


def test_conformal_calibration_over_records_takes_each_records_tail(rng):
    """With ``groups`` the calibration block is the last fraction of every record, each
    forecast by the model fitted on the records' first rows, from its own rows; without, it
    is as before."""
    from narxcast import NARXRegressor
    from narxcast.intervals import ConformalRegressor

    u = rng.uniform(-1, 1, 600)
    y = np.zeros(600)
    for k in range(599):
        y[k + 1] = 0.5 * y[k] + u[k] ** 3 + 0.05 * rng.standard_normal()
    X, ids = u[:, None], np.repeat(["first", "second"], [400, 200])
    base = NARXRegressor(input_delays=[1], feedback_delays=[1], hidden_layer_sizes=(4,),
                         max_iter=20, random_state=0)
    model = ConformalRegressor(base, max_horizon=3, calibration_fraction=0.25).fit(
        X, y, groups=ids)
    train = np.r_[0:300, 400:550]
    inner = clone(base).fit(X[train], y[train], groups=ids[train])
    forecasts = inner.predict(X, y, horizon=3, all_horizons=True, groups=ids)
    block = np.r_[300:400, 550:600]
    np.testing.assert_array_equal(model.errors_, (y[:, None] - forecasts)[block])
    np.testing.assert_array_equal(model.recent_y_, y[-len(model.recent_y_):])
    assert len(model.recent_y_) < 200  # from the last record only
    np.testing.assert_array_equal(model.estimator_.theta_,
                                  clone(base).fit(X, y, groups=ids).theta_)
