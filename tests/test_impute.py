"""The bidirectional gap filler: against interpolation on a series whose answer is known,
the table's shape and values kept, bad input refused."""

import numpy as np
import pandas as pd
import pytest

from narxcast.impute import RecurrentImputer


@pytest.fixture(scope="module")
def daily():
    """A daily cycle whose amplitude changes from day to day (known only from the day's own
    measurements), noise, and the hour of day as an exogenous input."""
    rng = np.random.default_rng(0)
    hours = np.arange(24 * 80)
    amplitude = np.repeat(rng.uniform(0.3, 1.0, 80), 24)
    cycle = np.maximum(np.sin(2 * np.pi * (hours % 24 - 6) / 24), 0)
    y = amplitude * cycle + 0.02 * rng.normal(size=hours.size)
    return pd.DataFrame({"y": y, "cycle": cycle}, index=pd.date_range("2024-01-01",
                                                                      periods=hours.size,
                                                                      freq="h"))


@pytest.fixture(scope="module")
def fitted(daily):
    return RecurrentImputer("y", window=48, max_gap=12, max_iter=400,
                            random_state=0).fit(daily)


def _gapped(daily, starts, length):
    table = daily.copy()
    for start in starts:
        table.iloc[start:start + length, 0] = np.nan
    return table


def test_fills_daytime_gaps_better_than_linear_interpolation(daily, fitted):
    """Six-hour gaps in the day: interpolation draws a line across the bump; the network,
    reading the day's measured hours on both sides, restores it."""
    starts = np.arange(24 * 50 + 8, 24 * 78, 24 * 3)  # from 08:00, every third day
    table = _gapped(daily, starts, 6)
    filled = fitted.transform(table)
    linear = table["y"].interpolate()
    gap = table["y"].isna().to_numpy()
    truth = daily["y"].to_numpy()[gap]
    network_error = np.sqrt(np.mean((filled["y"].to_numpy()[gap] - truth) ** 2))
    linear_error = np.sqrt(np.mean((linear.to_numpy()[gap] - truth) ** 2))
    assert network_error < 0.5 * linear_error


def test_the_table_is_kept_and_only_gaps_are_filled(daily, fitted):
    table = _gapped(daily, [0, 500, len(daily) - 5], 5)  # gaps at both ends too
    table.iloc[700:703, 1] = np.nan  # a gap in the exogenous column: interpolated
    filled = fitted.transform(table)
    assert filled.index.equals(table.index) and list(filled.columns) == ["y", "cycle"]
    assert filled["y"].notna().all()
    measured = table["y"].notna()
    np.testing.assert_array_equal(filled["y"][measured], table["y"][measured])
    assert filled["cycle"].isna().sum() == 3  # the other columns are returned as they were
    array = fitted.transform(table.to_numpy())  # NumPy in, NumPy out (by position)
    assert isinstance(array, np.ndarray)
    with pytest.raises(ValueError, match="columns"):
        fitted.transform(table.rename(columns={"cycle": "hour"}))


def test_indicator_column_and_names(daily):
    table = _gapped(daily, [300], 4)
    imputer = RecurrentImputer("y", window=24, max_iter=5, add_indicator=True,
                               random_state=0).fit(table)
    out = imputer.transform(table)
    assert list(out.columns) == ["y", "cycle", "y_filled"]
    np.testing.assert_array_equal(out["y_filled"], table["y"].isna().astype(float))
    positional = RecurrentImputer(0, window=24, max_iter=5, add_indicator=True,
                                  random_state=0).fit(table.to_numpy())
    assert list(positional.get_feature_names_out()) == ["x0", "x1", "x0_filled"]


def test_a_seed_gives_the_same_fit(daily):
    first = RecurrentImputer("y", window=24, max_iter=20, random_state=3).fit(daily)
    second = RecurrentImputer("y", window=24, max_iter=20, random_state=3).fit(daily)
    np.testing.assert_array_equal(first.theta_, second.theta_)
    assert first.loss_curve_[-1] < first.loss_curve_[0]


@pytest.mark.parametrize("target, table, message", [
    ("z", None, "`target` 'z' is not a column"),
    (5, None, "`target` 5 is not a column position"),
    ("y", "few", "at least `window`"),
    ("y", "inf", "infinity"),
    (True, None, "`target` must be a column name or position"),
    (["y", "y"], None, "names a column twice"),
    ([], None, "at least one column"),
])
def test_bad_input_is_named_before_any_work(daily, target, table, message):
    data = daily.copy()
    if table == "few":
        data.iloc[50:, 0] = np.nan
    elif table == "inf":
        data.iloc[3, 1] = np.inf
    with pytest.raises(ValueError, match=message):
        RecurrentImputer(target).fit(data)


def test_bad_clearsky_and_calibration_are_named(daily):
    with pytest.raises(ValueError, match="`clearsky` 'sun' is not a column"):
        RecurrentImputer("y", clearsky="sun").fit(daily)
    with pytest.raises(ValueError, match="`clearsky` must be another column"):
        RecurrentImputer("y", clearsky="y").fit(daily)
    with pytest.raises(ValueError, match="leaves .* rows to calibrate on"):
        RecurrentImputer("y", calibration_fraction=0.01).fit(daily)


def test_a_training_batch_too_large_for_memory_is_refused_before_any_work(daily):
    with pytest.raises(ValueError, match="too large a training batch"):
        RecurrentImputer("y", window=len(daily), batch_size=10_000).fit(daily)
    with pytest.raises(ValueError, match="batch_size"):
        RecurrentImputer("y", batch_size=10**7).fit(daily)


def test_several_targets_share_a_network_and_read_each_other(daily):
    """A second target measured through the first one's gaps tells the network what they
    hid (it is the first one doubled, with noise): the shared network fills far better than
    interpolation, and each target's gaps are filled from its own output."""
    rng = np.random.default_rng(1)
    table = daily.assign(z=2 * daily["y"] + 0.02 * rng.normal(size=len(daily)))
    gapped = table.copy()
    starts = np.arange(24 * 50 + 8, 24 * 78, 24 * 3)
    for start in starts:
        gapped.iloc[start:start + 6, 0] = np.nan          # y, by day
        gapped.iloc[start + 30:start + 34, 2] = np.nan    # z, the next morning
    imputer = RecurrentImputer(["y", "z"], window=48, max_gap=12, max_iter=400,
                               add_indicator=True, random_state=0).fit(gapped)
    filled = imputer.transform(gapped)
    assert list(filled.columns) == ["y", "cycle", "z", "y_filled", "z_filled"]
    for name in ("y", "z"):
        gap = gapped[name].isna().to_numpy()
        np.testing.assert_array_equal(filled[f"{name}_filled"], gap.astype(float))
        np.testing.assert_array_equal(filled[name][~gap], table[name][~gap])
        error = np.sqrt(np.mean((filled[name][gap] - table[name][gap]) ** 2))
        linear = np.sqrt(np.mean((gapped[name].interpolate()[gap] - table[name][gap]) ** 2))
        assert error < 0.4 * linear, name


def test_irradiance_stays_physical_with_clearsky(daily):
    """Filled values within [0, max_index x clear-sky], and 0 at night, where the same
    network unbounded is not."""
    table = daily.assign(clearsky=daily["cycle"] * 1000, y=daily["y"] * 1000)
    gapped = _gapped(table, np.arange(24 * 50 + 16, 24 * 78, 24 * 3), 14)  # into the night
    settings = dict(window=48, max_gap=16, max_iter=60, random_state=0)
    bounded = RecurrentImputer("y", clearsky="clearsky", max_index=1.0, min_clearsky=1.0,
                               **settings).fit(gapped).transform(gapped)
    free = RecurrentImputer("y", **settings).fit(gapped).transform(gapped)
    gap = gapped["y"].isna().to_numpy()
    night = gap & (table["clearsky"].to_numpy() <= 1.0)
    assert night.sum() > 50
    assert (bounded["y"][night] == 0).all() and (free["y"][night] != 0).any()
    assert (bounded["y"][gap] <= table["clearsky"][gap] + 1e-9).all()
    assert (bounded["y"][gap] >= 0).all()


def test_intervals_cover_unseen_gaps_near_their_nominal_rate(daily):
    """Calibrated on the last quarter (left out of training), the intervals of gaps cut
    from another realisation of the process hold about the coverage asked for, and measured
    rows are their own bounds."""
    imputer = RecurrentImputer("y", window=48, max_gap=12, max_iter=300,
                               calibration_fraction=0.25, random_state=0).fit(daily)
    classes = imputer.calibration_errors_[0][:, 0]
    assert set(np.unique(classes)) <= set(range(6)) and len(classes) > 500
    rng = np.random.default_rng(7)
    hours = np.arange(len(daily))
    amplitude = np.repeat(rng.uniform(0.3, 1.0, 80), 24)
    other = daily.assign(y=amplitude * daily["cycle"] + 0.02 * rng.normal(size=hours.size))
    gapped = _gapped(other, np.arange(30, len(daily) - 40, 37), 6)
    bounds = imputer.fill_interval(gapped, coverage=0.8)
    assert list(bounds.columns) == ["y_lower", "y_upper"]
    gap = gapped["y"].isna().to_numpy()
    inside = ((other["y"] >= bounds["y_lower"]) & (other["y"] <= bounds["y_upper"]))[gap]
    assert 0.65 < inside.mean() < 0.95
    np.testing.assert_array_equal(bounds["y_lower"][~gap], other["y"][~gap])
    np.testing.assert_array_equal(bounds["y_upper"][~gap], other["y"][~gap])
    wider = imputer.fill_interval(gapped, coverage=0.95)
    assert ((wider["y_upper"] - wider["y_lower"])[gap]
            >= (bounds["y_upper"] - bounds["y_lower"])[gap] - 1e-12).all()
    with pytest.raises(ValueError, match="calibration_fraction"):
        RecurrentImputer("y", window=24, max_iter=2).fit(daily).fill_interval(daily)
    with pytest.raises(ValueError, match="coverage"):
        imputer.fill_interval(gapped, coverage=90)


def test_in_a_pipeline_before_a_forecaster(daily):
    """Gaps in an exogenous input filled before a forecaster reads it."""
    from sklearn.pipeline import make_pipeline

    from narxcast import NARXRegressor

    X = daily[["cycle"]].assign(temperature=daily["cycle"] * 10 + 5)
    X.iloc[400:405, 1] = np.nan
    pipeline = make_pipeline(
        RecurrentImputer("temperature", window=24, max_iter=20, random_state=0),
        NARXRegressor(input_delays=[0], feedback_delays=[1, 24], max_iter=5, random_state=0))
    pipeline.fit(X, daily["y"])
    forecasts = pipeline.predict(X, y=daily["y"], horizon=2)
    assert np.isfinite(np.asarray(forecasts)[30:]).all()


def test_forward_only_reads_no_measurement_beyond_the_gap_but_its_edge(daily):
    """With ``bidirectional=False`` a filled value depends on the rows before it and the
    line to the measurement just after the gap, not on later rows; the bidirectional
    network reads them."""
    table = _gapped(daily, [24 * 60 + 8], 6)
    changed = table.copy()
    changed.iloc[24 * 60 + 16:24 * 60 + 30, 0] += 0.5  # measurements after the gap's edge
    gap = table["y"].isna().to_numpy()
    fills = {}
    for bidirectional in (True, False):
        imputer = RecurrentImputer("y", bidirectional=bidirectional, window=48, max_gap=12,
                                   max_iter=40, random_state=0).fit(daily)
        fills[bidirectional] = [imputer.transform(t)["y"][gap].to_numpy()
                                for t in (table, changed)]
    forward = RecurrentImputer("y", bidirectional=False, window=48, max_iter=1).fit(daily)
    both = RecurrentImputer("y", window=48, max_iter=1).fit(daily)
    assert forward.theta_.size < both.theta_.size
    np.testing.assert_array_equal(*fills[False])
    assert np.abs(fills[True][0] - fills[True][1]).max() > 1e-3


def test_with_its_departure_weighed_to_zero_it_fills_the_clearsky_index_line(daily):
    """The bridge the network departs from, against a naive clear-sky-index interpolation:
    the index of the last daytime measurement before a gap and the first after it, joined by
    a straight line, times the clear-sky irradiance, 0 at night."""
    table = daily.assign(clearsky=daily["cycle"] * 1000, y=daily["y"] * 1000 + 5)
    gapped = _gapped(table, [24 * 20 + 15, 24 * 30 + 9, 24 * 40 + 2], 7)
    imputer = RecurrentImputer("y", clearsky="clearsky", min_clearsky=1.0, window=48,
                               max_iter=2, random_state=0).fit(gapped)
    imputer.shrinkage_[:] = 0.0
    filled = imputer.transform(gapped)["y"].to_numpy()
    y, clearsky = gapped["y"].to_numpy(), table["clearsky"].to_numpy()
    day = clearsky > 1.0
    for first in (24 * 20 + 15, 24 * 30 + 9, 24 * 40 + 2):
        end = first + 7
        before = max(i for i in range(first) if day[i])
        after = min(i for i in range(end, len(y)) if day[i])
        index = [min(y[i] / clearsky[i], 1.5) for i in (before, after)]
        for i in range(first, end):
            line = index[0] + (index[1] - index[0]) * (i - before) / (after - before)
            expected = line * clearsky[i] if day[i] else 0.0
            assert filled[i] == pytest.approx(expected, rel=1e-9, abs=1e-9), i


def test_departures_that_do_not_help_on_held_out_rows_are_weighed_down(daily):
    """A random walk: nothing but its two edges says where a gap goes, and the straight line
    between them is the best guess. A barely trained network's departures, weighed on the
    held-out rows, shrink towards it: the fills are those of linear interpolation, where
    the same network unweighed misses by far more; the daily cycle's network keeps most of
    its departure for six-hour gaps."""
    rng = np.random.default_rng(3)
    walk = pd.DataFrame({"y": np.cumsum(rng.normal(size=3000)),
                         "noise": rng.normal(size=3000)})
    gapped = _gapped(walk, np.arange(100, 2900, 40), 6)
    gap = gapped["y"].isna().to_numpy()
    linear = np.sqrt(np.mean((gapped["y"].interpolate()[gap] - walk["y"][gap]) ** 2))
    errors = {}
    for fraction in (0.1, None):
        imputer = RecurrentImputer("y", window=48, max_gap=12, max_iter=10,
                                   validation_fraction=fraction, random_state=0).fit(walk)
        assert imputer.shrinkage_.shape == (1, 6)
        assert ((imputer.shrinkage_ >= 0) & (imputer.shrinkage_ <= 1)).all()
        filled = imputer.transform(gapped)["y"][gap]
        errors[fraction] = np.sqrt(np.mean((filled - walk["y"][gap]) ** 2))
    assert errors[0.1] < 1.02 * linear < 0.7 * errors[None]
    cycle = RecurrentImputer("y", window=48, max_gap=12, max_iter=400, random_state=0).fit(
        pd.concat([daily] * 2, ignore_index=True))
    assert cycle.shrinkage_[0, 2] > 0.7  # gaps of 4-6 hours
    with pytest.raises(ValueError, match="validation_fraction"):
        RecurrentImputer("y", validation_fraction=1.5).fit(walk)
    with pytest.raises(ValueError, match="leave 0 of 3000 rows to train on"):
        RecurrentImputer("y", window=48, validation_fraction=0.5,
                         calibration_fraction=0.6).fit(walk)
