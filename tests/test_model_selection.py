"""Rolling-origin backtests and the no-leakage property of every estimator."""

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import TimeSeriesSplit

from narxcast import ARIMARegressor, NARXRegressor, PersistenceRegressor, TDNNRegressor
from narxcast.metrics import rmse
from narxcast.model_selection import backtest

from .conftest import solar_like

ESTIMATORS = {
    "narx": NARXRegressor(input_delays=[0, 1], feedback_delays=[1, 2, 24], max_iter=5,
                          random_state=0),
    "tdnn": TDNNRegressor(input_delays=0, target_delays=[1, 24], max_horizon=6, max_iter=5,
                          random_state=0),
    "arima": ARIMARegressor(order=(1, 0, 0)),
    "naive": PersistenceRegressor(),
    "seasonal": PersistenceRegressor(kind="seasonal"),
    "clearsky": PersistenceRegressor(kind="clearsky"),
}


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_forecast_at_an_origin_ignores_everything_after_it(rng, name):
    X, y = solar_like(rng, 12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = clone(ESTIMATORS[name]).fit(X[:200], y[:200])
    origin = 240
    changed = y.copy()
    changed.iloc[origin + 1:] = rng.uniform(0, 900, len(y) - origin - 1)
    X_changed = X.copy()
    X_changed.iloc[origin + 7:] += 3.0  # exogenous inputs past the last target forecast
    before = model.predict(X, y, horizon=6, all_horizons=True).to_numpy()
    after = model.predict(X_changed, changed, horizon=6, all_horizons=True).to_numpy()
    for lead in range(1, 7):
        np.testing.assert_array_equal(before[origin + lead, lead - 1],
                                      after[origin + lead, lead - 1])
        np.testing.assert_array_equal(before[:origin + 1], after[:origin + 1])


def test_backtest_equals_one_fit_and_segment_forecasts(rng):
    X, y = solar_like(rng)
    narx = ESTIMATORS["narx"]
    result = backtest({"narx": narx, "naive": PersistenceRegressor()}, X, y, horizons=(1, 6),
                      train_size=500, progress=False)
    reference = NARXRegressor(**narx.get_params()).fit(X[:500], y[:500])
    expected = reference.predict(X, y, horizon=6, all_horizons=True).to_numpy()
    for h in (1, 6):
        got = result.forecasts["narx", h].to_numpy()
        assert np.isnan(got[:499 + h]).all()  # only origins from 499 on
        np.testing.assert_allclose(got[499 + h:], expected[499 + h:, h - 1], rtol=1e-12)
    assert isinstance(result.forecasts.index, pd.RangeIndex)
    narx_rmse = result.scores.query("estimator == 'narx' and horizon == 6 and metric == 'rmse'")
    scored = np.arange(len(y)) >= 505
    assert narx_rmse["value"].item() == pytest.approx(
        rmse(y[scored], expected[scored, 5]))
    assert result.fit_seconds["narx"] > 0


def test_backtest_over_several_series_fits_once_and_scores_each(rng):
    """With ``groups``: one fit on the first 60% of every series together, each series'
    later rows forecast from its own measurements (equal to the fitted model's forecasts of
    that series alone), scored per series, with the reference persistence chosen per series;
    one series' data never reach another's forecasts."""
    frames = [solar_like(rng, days) for days in (20, 25)]
    X = pd.concat([f[0] for f in frames], ignore_index=True)
    y = pd.concat([f[1] * scale for f, scale in zip(frames, (1.0, 0.5))], ignore_index=True)
    ids = np.repeat(["a", "b"], [480, 600])
    narx = ESTIMATORS["narx"]
    result = backtest({"narx": narx}, X, y, horizons=(1, 6), train_size=0.6, groups=ids,
                      progress=False)
    train = np.r_[0:288, 480:840]
    model = clone(narx).fit(X.iloc[train], y.iloc[train], groups=ids[train])
    for series, rows, first in (("a", slice(0, 480), 287), ("b", slice(480, 1080), 359)):
        expected = model.predict(X[rows], y[rows], horizon=6, all_horizons=True).to_numpy()
        for h in (1, 6):
            got = result.forecasts["narx", h][rows].to_numpy()
            assert np.isnan(got[:first + h]).all()
            np.testing.assert_allclose(got[first + h:], expected[first + h:, h - 1], rtol=1e-12)
            score = result.scores.query(f"series == '{series}' and horizon == {h} and "
                                        "metric == 'rmse'")["value"].item()
            truth = y[rows].to_numpy()
            assert score == pytest.approx(rmse(truth[first + h:], expected[first + h:, h - 1]))
    assert set(result.reference.index.get_level_values("series")) == {"a", "b"}
    assert set(result.scores.metric) == {"rmse", "mae", "skill"}
    changed = y.copy()
    changed.iloc[900:] += 100.0  # series b's test rows only
    again = backtest({"narx": narx}, X, changed, horizons=(1,), train_size=0.6, groups=ids,
                     progress=False)
    np.testing.assert_array_equal(again.forecasts["narx", 1][:480],
                                  result.forecasts["narx", 1][:480])
    with pytest.raises(ValueError, match="not with `refit`, `cv` or `coverage`"):
        backtest({"narx": narx}, X, y, refit=24, groups=ids, progress=False)


def test_refit_blocks_do_not_leak(rng):
    X, y = solar_like(rng, 20)
    estimators = {name: ESTIMATORS[name] for name in ("narx", "tdnn", "clearsky")}
    first = backtest(estimators, X, y, horizons=(1, 6), train_size=300, refit=48,
                     progress=False)
    changed = y.copy()
    changed.iloc[400:] = 0.0  # the measurements from row 400 on are different
    second = backtest(estimators, X, changed, horizons=(1, 6), train_size=300, refit=48,
                      progress=False)
    for (name, h), column in first.forecasts.items():
        origins = np.arange(len(y)) - h
        unaffected = origins < 400  # models fitted on rows <= origin < 400, inputs too
        np.testing.assert_array_equal(column.to_numpy()[unaffected],
                                      second.forecasts[name, h].to_numpy()[unaffected])
        assert np.isfinite(column.to_numpy()[300 - 1 + h:]).all()


def test_time_series_split_with_gap(rng):
    X, y = solar_like(rng, 20)
    cv = TimeSeriesSplit(n_splits=3, test_size=48, gap=24)
    result = backtest({"naive": PersistenceRegressor()}, None, y, horizons=(1, 2), cv=cv,
                      progress=False)
    forecasts = result.forecasts["naive", 1].to_numpy()
    tested = np.zeros(len(y), dtype=bool)
    for _, test in cv.split(y):
        tested[test] = True
    np.testing.assert_array_equal(np.isfinite(forecasts), tested)
    np.testing.assert_array_equal(forecasts[tested], y.to_numpy()[np.flatnonzero(tested) - 1])


def test_skill_is_against_the_best_persistence_at_each_horizon(rng):
    X, y = solar_like(rng)
    day = X["clearsky_ghi"].to_numpy() > 10
    model = NARXRegressor(input_delays=0, feedback_delays=[1, 24], max_iter=5, random_state=0)
    result = backtest({"narx": model}, X, y, horizons=(1, 6, 24), mask=day, progress=False)
    kinds = {"naive persistence": "naive", "seasonal persistence": "seasonal",
             "clear-sky persistence": "clearsky"}
    by_hand = backtest({name: PersistenceRegressor(kind=kind) for name, kind in kinds.items()}
                       | {"narx": model}, X, y, horizons=(1, 6, 24), mask=day, reference=None,
                       progress=False).scores.set_index(["estimator", "horizon", "metric"])
    scores = result.scores.set_index(["estimator", "horizon", "metric"])["value"]
    assert list(result.forecasts.columns.levels[0]) == ["narx"]  # the references stay inside
    for h in (1, 6, 24):
        rmses = {name: by_hand.loc[(name, h, "rmse"), "value"] for name in kinds}
        best = min(rmses, key=rmses.get)
        assert result.reference[h] == best
        assert scores["narx", h, "skill"] == pytest.approx(
            1 - scores["narx", h, "rmse"] / rmses[best])
    assert result.reference[6] != "naive persistence"  # 6 h from a daily cycle
    numpy_only = backtest({"narx": model}, X.to_numpy(), y, horizons=(1,), progress=False)
    assert numpy_only.reference[1] in ("naive persistence", "seasonal persistence")


def test_scores_skill_mask_and_errors(rng):
    X, y = solar_like(rng)
    day = X["clearsky_ghi"].to_numpy() > 10
    def max_abs_error(y_true, y_pred):
        return float(np.max(np.abs(y_pred - y_true)))

    result = backtest({"clearsky": PersistenceRegressor(kind="clearsky"),
                       "naive": PersistenceRegressor()}, X, y, horizons=(1, 24),
                      metrics=("rmse", "mbe", max_abs_error), reference="naive", mask=day,
                      progress=False)
    scores = result.scores.set_index(["estimator", "horizon", "metric"])["value"]
    assert scores["naive", 1, "skill"] == 0.0
    assert scores["clearsky", 1, "skill"] > 0.3  # the clear-sky index beats naive at sunrise
    forecasts = result.forecasts["naive", 1].to_numpy()
    rows = day & np.isfinite(forecasts)
    assert scores["naive", 1, "rmse"] == pytest.approx(rmse(y[rows], forecasts[rows]))
    assert scores["naive", 1, "max_abs_error"] == pytest.approx(
        np.max(np.abs(forecasts[rows] - y[rows])))
    assert scores["naive", 1, "mbe"] == pytest.approx(np.mean(forecasts[rows] - y[rows]))
    with pytest.raises(ValueError, match=re.escape("`reference` must name one of the "
                                                   "estimators ['naive'] or be 'persistence'. "
                                                   "Got 'best'.")):
        backtest({"naive": PersistenceRegressor()}, X, y, reference="best")
    with pytest.raises(ValueError, match="`metrics` must hold names in"):
        backtest({"naive": PersistenceRegressor()}, X, y, metrics=("accuracy",))
    with pytest.raises(ValueError, match="`train_size` must leave training and test rows"):
        backtest({"naive": PersistenceRegressor()}, X, y, train_size=len(y))
    with pytest.raises(ValueError, match="`refit` must be False or a positive int"):
        backtest({"naive": PersistenceRegressor()}, X, y, refit=-1)
    with pytest.raises(TypeError, match="`estimators` must be a non-empty dict"):
        backtest([PersistenceRegressor()], X, y)


def test_backtest_takes_plain_lists():
    """A list's ``index`` is a method, not rows: lists backtest as arrays do."""
    y = list(np.sin(np.arange(120) / 4.0))
    listed = backtest({"p": PersistenceRegressor()}, None, y, horizons=(1, 2), progress=False)
    arrayed = backtest({"p": PersistenceRegressor()}, None, np.asarray(y), horizons=(1, 2),
                       progress=False)
    pd.testing.assert_frame_equal(listed.scores, arrayed.scores)
