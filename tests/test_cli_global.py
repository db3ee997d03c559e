"""``narxcast fit/forecast/backtest --global`` : one model over every series, equal
to the Python API, per-series failures, and the Dask path."""

import numpy as np
import pandas as pd
import pytest

from narxcast import NARXRegressor
from narxcast.cli import main
from narxcast.compose import GlobalRegressor
from narxcast.model_files import ModelFile
from narxcast.model_selection import backtest

from .test_cli_batch import MODEL, PARAMS, _latest_table, _long_table

SITES = ("colorado-2017", "miami-tmy2", "sandpoint-tmy3")
COMMON = ["--time-column", "timestamp", "--series-column", "site", "--target", "ghi",
          "--exog", "temperature", "clearsky_ghi", *PARAMS, "--quiet"]


def _stacked(path):
    table = pd.read_csv(path)
    return table[["temperature", "clearsky_ghi"]].to_numpy(), table.ghi.to_numpy(), \
        table.site.to_numpy()


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    root = tmp_path_factory.mktemp("global")
    _long_table(root / "all.csv")
    _latest_table(root / "latest.csv")
    assert main(["fit", str(root / "all.csv"), *COMMON, "--global", "--out",
                 str(root / "global.narxcast")]) == 0
    return root


def test_global_fit_and_forecast_equal_the_python_api(tables, capsys):
    model_file = ModelFile.load(tables / "global.narxcast")
    assert model_file.is_global and model_file.series_ids == list(SITES)
    X, y, ids = _stacked(tables / "all.csv")
    expected = GlobalRegressor(NARXRegressor(**MODEL)).fit(X, y, groups=ids)
    np.testing.assert_array_equal(model_file.model.estimator_.theta_,
                                  expected.estimator_.theta_)
    assert main(["forecast", str(tables / "global.narxcast"), str(tables / "latest.csv"),
                 "--series-column", "site", "--horizon", "24", "--out",
                 str(tables / "forecasts.csv"), "--quiet"]) == 0
    forecasts = pd.read_csv(tables / "forecasts.csv")
    latest = pd.read_csv(tables / "latest.csv")
    for site in SITES:
        rows = latest[latest.site == site]
        simulated = expected.simulate(rows[["temperature", "clearsky_ghi"]].to_numpy(),
                                      rows.ghi.to_numpy()[:36], series=site)
        np.testing.assert_allclose(forecasts[forecasts.series == site].ghi_forecast,
                                   simulated[36:], rtol=1e-9, atol=1e-9)
        assert (pd.to_datetime(forecasts[forecasts.series == site].timestamp).tolist()
                == pd.to_datetime(rows.timestamp[36:]).tolist())
    # a global model keeps no history: nothing to update, and no intervals
    assert main(["forecast", str(tables / "global.narxcast"), str(tables / "latest.csv"),
                 "--series-column", "site", "--horizon", "24", "--out",
                 str(tables / "x.csv"), "--update-model", "--quiet"]) == 2
    assert "keeps no history" in capsys.readouterr().err
    assert not (tables / "x.csv").exists()


def test_global_backtest_equals_the_python_api(tables):
    assert main(["backtest", str(tables / "all.csv"), *COMMON, "--global", "--horizons", "1",
                 "6", "--train-size", "0.7", "--out", str(tables / "bt")]) == 0
    scores = pd.read_csv(tables / "bt" / "metrics.csv")
    X, y, ids = _stacked(tables / "all.csv")
    expected = backtest({"narx": GlobalRegressor(NARXRegressor(**MODEL))}, X, y,
                        horizons=(1, 6), train_size=0.7, groups=ids, clearsky_column=1,
                        metrics=("rmse", "mae", "nrmse", "mbe"), progress=False).scores
    merged = scores.merge(expected, on=["series", "estimator", "horizon", "metric"])
    assert len(merged) == len(expected) == 3 * 2 * 5  # series x horizons x (4 metrics, skill)
    np.testing.assert_allclose(merged.value_x, merged.value_y, rtol=1e-9)
    skill = merged[merged.metric == "skill"]  # against the same persistence, named
    assert list(skill.reference_x) == list(skill.reference_y)
    assert skill.reference_x.isin(["naive persistence", "seasonal persistence",
                                   "clear-sky persistence"]).all()
    forecasts = pd.read_csv(tables / "bt" / "forecasts.csv")
    assert list(forecasts.columns) == ["timestamp", "series", "ghi", "ghi_forecast_h1",
                                       "ghi_forecast_h6"]


def test_a_bad_series_fails_alone_and_bad_settings_stop_before_any_work(tmp_path, capsys):
    _long_table(tmp_path / "all.csv", broken="miami-tmy2")
    assert main(["fit", str(tmp_path / "all.csv"), *COMMON, "--global", "--out",
                 str(tmp_path / "g.narxcast")]) == 1
    err = capsys.readouterr().err
    assert "miami-tmy2: " in err and "gap of 0 days 02:00:00" in err
    assert ModelFile.load(tmp_path / "g.narxcast").series_ids == ["colorado-2017",
                                                                   "sandpoint-tmy3"]
    _latest_table(tmp_path / "latest.csv")
    assert main(["forecast", str(tmp_path / "g.narxcast"), str(tmp_path / "latest.csv"),
                 "--series-column", "site", "--horizon", "24", "--out",
                 str(tmp_path / "f.csv"), "--quiet"]) == 1
    assert "'miami-tmy2': not one of the 2 series" in capsys.readouterr().err
    assert sorted(set(pd.read_csv(tmp_path / "f.csv").series)) == ["colorado-2017",
                                                                    "sandpoint-tmy3"]
    plain = COMMON[:COMMON.index("--param")]
    for extra, message in ((PARAMS + ["--calibrate", "24"], "not with --global"),
                           (["--model", "arima"], "arima fits one series at a time")):
        assert main(["fit", str(tmp_path / "all.csv"), *plain, "--global", *extra, "--out",
                     str(tmp_path / "h.narxcast")]) == 2
        assert message in capsys.readouterr().err
        assert not (tmp_path / "h.narxcast").exists()


def test_dask_fits_the_global_model_on_a_worker_and_forecasts_across_workers(tables):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1",
                                  dashboard_address=None, processes=True) as cluster:
        address = cluster.scheduler_address
        assert main(["fit", str(tables / "all.csv"), *COMMON, "--global", "--out",
                     str(tables / "dask.narxcast"), "--scheduler", address]) == 0
        assert main(["forecast", str(tables / "dask.narxcast"), str(tables / "latest.csv"),
                     "--series-column", "site", "--horizon", "24", "--out",
                     str(tables / "dask.csv"), "--scheduler", address, "--quiet"]) == 0
    np.testing.assert_array_equal(
        ModelFile.load(tables / "dask.narxcast").model.estimator_.theta_,
        ModelFile.load(tables / "global.narxcast").model.estimator_.theta_)
    if not (tables / "forecasts.csv").exists():
        main(["forecast", str(tables / "global.narxcast"), str(tables / "latest.csv"),
              "--series-column", "site", "--horizon", "24", "--out",
              str(tables / "forecasts.csv"), "--quiet"])
    pd.testing.assert_frame_equal(pd.read_csv(tables / "dask.csv"),
                                  pd.read_csv(tables / "forecasts.csv"))


def test_global_forecast_checks_its_arguments_before_any_work(tables, capsys):
    for extra, message in ((["--horizon", "0", "--out", str(tables / "f.csv")],
                            "--horizon must be >= 1"),
                           (["--horizon", "24", "--out", str(tables)], "is a directory")):
        assert main(["forecast", str(tables / "global.narxcast"), str(tables / "latest.csv"),
                     "--series-column", "site", *extra, "--quiet"]) == 2
        assert message in capsys.readouterr().err
    assert not (tables / "f.csv").exists()


def test_a_series_too_short_for_the_delays_fails_alone(tmp_path, capsys):
    rng = np.random.default_rng(0)
    parts = [pd.DataFrame({"time": pd.date_range("2021-01-01", periods=n, freq="h"),
                           "site": site, "y": rng.normal(size=n).cumsum(),
                           "u": rng.normal(size=n)})
             for site, n in (("a", 300), ("b", 10), ("c", 300))]
    pd.concat(parts).to_csv(tmp_path / "all.csv", index=False)
    assert main(["fit", str(tmp_path / "all.csv"), "--series-column", "site", "--target", "y",
                 "--exog", "u", "--param", "feedback_delays=[1, 24]", "--param", "max_iter=2",
                 "--global", "--out", str(tmp_path / "g.narxcast"), "--quiet"]) == 1
    assert "series 'b' has 10 rows; the model needs at least 26" in capsys.readouterr().err
    assert ModelFile.load(tmp_path / "g.narxcast").series_ids == ["a", "c"]
