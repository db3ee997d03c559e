"""``narxcast fill``: a series' gaps (missing values and missing rows) filled as the Python
API fills them, physical irradiance, intervals, many series, and bad input refused before
any work."""

import numpy as np
import pandas as pd
import pytest

from narxcast.cli import main
from narxcast.impute import RecurrentImputer

PARAMS = ["--param", "max_iter=60", "--param", "window=48", "--quiet"]


def _site(seed, days=40):
    """Hourly GHI of a site whose days differ in cloudiness, with its clear-sky GHI and
    temperature (the columns ``--features solar`` reads)."""
    rng = np.random.default_rng(seed)
    times = pd.date_range("2024-03-01", periods=24 * days, freq="h", name="time")
    clearsky = 900 * np.maximum(np.sin(2 * np.pi * (times.hour.to_numpy() - 6) / 24), 0)
    index = np.repeat(rng.uniform(0.3, 1.0, days), 24)
    return pd.DataFrame({"ghi": index * clearsky, "clearsky_ghi": clearsky,
                         "temperature": 10 + 5 * np.sin(np.arange(len(times)) / 24)},
                        index=times)


def _gapped(table):
    """Six values of a day missing, and twelve rows (a logger down) gone."""
    gapped = table.copy()
    gapped.iloc[500:506, 0] = np.nan
    return gapped.drop(gapped.index[700:712])


def test_a_file_is_filled_on_its_regular_grid_as_the_python_api_fills_it(tmp_path):
    table = _site(0)
    _gapped(table).to_csv(tmp_path / "site.csv")
    assert main(["fill", str(tmp_path / "site.csv"), "--target", "ghi", "--exog",
                 "clearsky_ghi", *PARAMS, "--out", str(tmp_path / "filled.csv")]) == 0
    filled = pd.read_csv(tmp_path / "filled.csv", index_col="time", parse_dates=True)
    assert filled.index.equals(table.index)  # the missing rows are back
    assert list(filled.columns) == ["ghi", "clearsky_ghi", "temperature", "ghi_filled"]
    gap = np.zeros(len(table), bool)
    gap[500:506] = gap[700:712] = True
    np.testing.assert_array_equal(filled.ghi_filled, gap.astype(int))
    np.testing.assert_allclose(filled.ghi[~gap], table.ghi[~gap])
    assert filled.clearsky_ghi.isna().sum() == 12  # other columns written as read
    grid = _gapped(table).reindex(table.index)[["ghi", "clearsky_ghi"]]
    expected = RecurrentImputer("ghi", max_iter=60, window=48,
                                random_state=0).fit_transform(grid)
    np.testing.assert_allclose(filled.ghi, expected.ghi, rtol=1e-12)


def test_solar_features_keep_the_filled_irradiance_physical_with_intervals(tmp_path):
    table = _site(1)
    _gapped(table).to_csv(tmp_path / "site.csv")
    assert main(["fill", str(tmp_path / "site.csv"), "--target", "ghi", "--features", "solar",
                 "--coverage", "0.8", "0.95", *PARAMS, "--out",
                 str(tmp_path / "filled.csv")]) == 0
    filled = pd.read_csv(tmp_path / "filled.csv")
    rows = filled.ghi_filled == 1
    clearsky = table.clearsky_ghi.to_numpy()  # (the missing rows' taken a day away)
    assert (filled.ghi[rows] >= 0).all() and (filled.ghi[rows] <= 1.5 * clearsky[rows] + 1e-9).all()
    assert (filled.ghi[rows & (clearsky < 10)] == 0).all()
    assert ((filled.ghi_lower_80 <= filled.ghi) & (filled.ghi <= filled.ghi_upper_80)).all()
    assert ((filled.ghi_upper_95 - filled.ghi_lower_95)[rows]
            >= (filled.ghi_upper_80 - filled.ghi_lower_80)[rows] - 1e-9).all()
    assert ((filled.ghi_upper_95 - filled.ghi_lower_95)[rows & (clearsky > 300)] > 0).all()


def test_many_series_from_a_long_table_and_a_directory(tmp_path):
    sites = {"north": _gapped(_site(2)), "south/../x": _gapped(_site(3))}
    long = pd.concat([t.assign(site=name) for name, t in sites.items()])
    long.to_csv(tmp_path / "all.csv")
    assert main(["fill", str(tmp_path / "all.csv"), "--target", "ghi", "--series-column",
                 "site", *PARAMS, "--out", str(tmp_path / "filled.csv")]) == 0
    filled = pd.read_csv(tmp_path / "filled.csv")
    assert list(filled.columns[:2]) == ["time", "site"]
    assert filled.groupby("site").size().to_dict() == {"north": 960, "south/../x": 960}
    assert filled.ghi.notna().all()
    folder = tmp_path / "sites"
    folder.mkdir()
    for name, t in sites.items():
        t.to_csv(folder / f"{name.replace('/', '_')}.csv")
    assert main(["fill", str(folder), "--target", "ghi", "--n-jobs", "2", *PARAMS,
                 "--out", str(tmp_path / "out")]) == 0
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == ["north.csv", "south_%2E%2E_x.csv"]
    one = pd.read_csv(tmp_path / "out" / "north.csv")
    np.testing.assert_allclose(one.ghi, filled[filled.site == "north"].ghi, rtol=1e-12)


@pytest.mark.parametrize("arguments, message", [
    (["--param", "colour=1"], "no parameter 'colour'"),
    (["--param", "max_iter=-1"], "max_iter"),
    (["--coverage", "90"], "--coverage"),
    (["--param", "calibration_fraction=None", "--coverage", "0.9"], "calibrated"),
])
def test_bad_settings_stop_before_any_work(tmp_path, capsys, arguments, message):
    _site(0).to_csv(tmp_path / "site.csv")
    out = tmp_path / "filled.csv"
    assert main(["fill", str(tmp_path / "site.csv"), "--target", "ghi", *arguments,
                 "--quiet", "--out", str(out)]) == 2
    assert message in capsys.readouterr().err and not out.exists()


def test_a_crafted_span_of_times_fails_its_series_without_exhausting_memory(tmp_path,
                                                                            capsys):
    """Two rows a century apart at an hourly step would be a grid of 876,000 rows per row
    given: refused by name."""
    table = _site(0).iloc[:100]
    table.index = table.index[:99].append(pd.DatetimeIndex(["2124-03-01"], name="time"))
    table.to_csv(tmp_path / "site.csv")
    assert main(["fill", str(tmp_path / "site.csv"), "--target", "ghi", *PARAMS, "--out",
                 str(tmp_path / "filled.csv")]) == 1
    assert "a gap that long is not filled" in capsys.readouterr().err
    assert not (tmp_path / "filled.csv").exists()
