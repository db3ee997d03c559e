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
])
def test_bad_input_is_named_before_any_work(daily, target, table, message):
    data = daily.copy()
    if table == "few":
        data.iloc[50:, 0] = np.nan
    elif table == "inf":
        data.iloc[3, 1] = np.inf
    with pytest.raises(ValueError, match=message):
        RecurrentImputer(target).fit(data)


def test_a_training_batch_too_large_for_memory_is_refused_before_any_work(daily):
    with pytest.raises(ValueError, match="too large a training batch"):
        RecurrentImputer("y", window=len(daily), batch_size=10_000).fit(daily)
    with pytest.raises(ValueError, match="batch_size"):
        RecurrentImputer("y", batch_size=10**7).fit(daily)
