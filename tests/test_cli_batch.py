"""The ``narxcast`` fit / forecast / backtest commands on the bundled data: the real command
in a subprocess for the main paths, ``main()`` in-process for the many bad inputs."""

import contextlib
import io
import re
import warnings
from dataclasses import replace

import joblib
import numpy as np
import pandas as pd
import pytest

from narxcast import NARXRegressor, __version__
from narxcast.cli import main
from narxcast.datasets import load_solar_wind
from narxcast.model_files import ModelFile

from .conftest import long_table, narxcast_command

PARAMS = ["--param", "input_delays=[0, 1]", "--param", "feedback_delays=[1, 2, 24]",
          "--param", "hidden_layer_sizes=(5,)", "--param", "solver='lm'",
          "--param", "max_iter=5", "--param", "random_state=0"]
MODEL = dict(input_delays=[0, 1], feedback_delays=[1, 2, 24], hidden_layer_sizes=(5,),
             solver="lm", max_iter=5, random_state=0)
COLUMNS = ["ghi", "temperature", "clearsky_ghi"]


def _site(site, rows=1500):
    frame = load_solar_wind(site)[COLUMNS].iloc[:rows].copy()
    frame.index.name = "timestamp"
    return frame


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    frame = _site("colorado-2017")
    frame.iloc[:1200].to_csv(root / "train.csv")
    latest = frame.iloc[1200:1300].copy()
    latest.iloc[-24:, 0] = np.nan  # the future: exogenous inputs given, target empty
    latest.to_csv(root / "latest.csv")
    frame.iloc[:1200].to_parquet(root / "train.parquet")
    return root, frame


def test_fit_then_forecast_equals_the_python_api(files):
    root, frame = files
    fitted = narxcast_command("fit", root / "train.csv", "--time-column", "timestamp", "--target",
                              "ghi", "--exog", "temperature", "clearsky_ghi", "--model", "narx",
                              *PARAMS, "--out", root / "model.narxcast")
    assert fitted.returncode == 0, fitted.stderr
    model_file = ModelFile.load(root / "model.narxcast")
    assert model_file.narxcast_version == __version__
    assert (model_file.target, model_file.exog, model_file.step) == (
        "ghi", ["temperature", "clearsky_ghi"], pd.Timedelta("1h"))
    assert model_file.training_end == frame.index[1199]
    assert model_file.delays == {"input_delays_": [0, 1], "target_delays_": [1, 2, 24]}
    done = narxcast_command("forecast", root / "model.narxcast", root / "latest.csv",
                            "--horizon", 24, "--out", root / "forecasts.csv")
    assert done.returncode == 0, done.stderr
    forecasts = pd.read_csv(root / "forecasts.csv")
    assert list(forecasts.columns) == ["timestamp", "series", "step", "ghi_forecast"]
    model = NARXRegressor(**MODEL).fit(frame.iloc[:1200, 1:].to_numpy(), frame.ghi[:1200])
    model.update(frame.iloc[1200:1276, 1:].to_numpy(), frame.ghi[1200:1276].to_numpy())
    expected = model.predict(frame.iloc[1276:1300, 1:].to_numpy())
    np.testing.assert_allclose(forecasts.ghi_forecast, expected, rtol=1e-9, atol=1e-9)
    assert pd.to_datetime(forecasts.timestamp).tolist() == frame.index[1276:1300].tolist()
    assert (forecasts.series == "train").all()  # named after the model's series
    # the model file is left as it was unless --update-model
    assert ModelFile.load(root / "model.narxcast").last_time == frame.index[1199]


def test_parquet_and_toml_config_with_flags_overriding(files, tmp_path):
    root, frame = files
    (tmp_path / "narx.toml").write_text(
        '[data]\ntime_column = "timestamp"\ntarget = "ghi"\n'
        'exog = ["temperature", "clearsky_ghi"]\n'
        '[model]\nname = "narx"\n[model.params]\ninput_delays = [0, 1]\n'
        'feedback_delays = [1, 2, 24]\nhidden_layer_sizes = [5]\nsolver = "lm"\n'
        'max_iter = 50\nrandom_state = 0\n')
    assert main(["fit", str(root / "train.parquet"), "--config", str(tmp_path / "narx.toml"),
                 "--param", "max_iter=5", "--out", str(tmp_path / "m.narxcast"), "--quiet"]) == 0
    from_csv = NARXRegressor(**MODEL).fit(frame.iloc[:1200, 1:].to_numpy(), frame.ghi[:1200])
    np.testing.assert_array_equal(ModelFile.load(tmp_path / "m.narxcast").model.theta_,
                                  from_csv.theta_)


SITES = {site: site for site in ("colorado-2017", "miami-tmy2", "sandpoint-tmy3")}


def _long_table(path, broken=None):
    """900 rows of each site; the series ``broken`` lacks its 501st row."""
    table = long_table(SITES, 900)
    if broken is not None:
        table = table.drop(index=table.index[table.site == broken][500])
    table.to_csv(path, index=False)


def _latest_table(path):
    """The next 60 rows of each site, the last 24 without GHI (the future)."""
    table = long_table(SITES, slice(900, 960))
    table.loc[table.groupby("site").cumcount() >= 36, "ghi"] = np.nan
    table.to_csv(path, index=False)


def test_many_series_serial_parallel_and_a_failure(tmp_path):
    _long_table(tmp_path / "all.csv", broken="miami-tmy2")
    _latest_table(tmp_path / "latest.csv")
    common = ["--time-column", "timestamp", "--series-column", "site", "--target", "ghi",
              "--exog", "temperature", "clearsky_ghi", *PARAMS]
    run = narxcast_command("fit", tmp_path / "all.csv", *common, "--out", tmp_path / "models",
                           "--n-jobs", 2)
    assert run.returncode == 1  # one series failed
    assert "miami-tmy2: " in run.stderr and "gap of 0 days 02:00:00" in run.stderr
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == [
        "colorado-2017.narxcast", "sandpoint-tmy3.narxcast"]  # the others' outputs are kept
    assert "ok" in run.stdout and "FAILED" in run.stdout
    done = narxcast_command("forecast", tmp_path / "models", tmp_path / "latest.csv",
                            "--series-column", "site", "--horizon", 24, "--out",
                            tmp_path / "forecasts.csv")
    assert done.returncode == 1 and "no model file miami-tmy2.narxcast" in done.stderr
    forecasts = pd.read_csv(tmp_path / "forecasts.csv")
    assert sorted(set(forecasts.series)) == ["colorado-2017", "sandpoint-tmy3"]
    assert forecasts.groupby("series").step.max().eq(24).all()
    # a damaged model file sorted first fails its own series, not the run
    damaged = tmp_path / "models" / "colorado-2017.narxcast"
    damaged.write_bytes(damaged.read_bytes()[:-40])
    done = narxcast_command("forecast", tmp_path / "models", tmp_path / "latest.csv",
                            "--series-column", "site", "--horizon", 24, "--out",
                            tmp_path / "forecasts.csv")
    assert done.returncode == 1, done.stderr
    assert "colorado-2017: " in done.stderr and "colorado-2017.narxcast: not a" in done.stderr
    assert set(pd.read_csv(tmp_path / "forecasts.csv").series) == {"sandpoint-tmy3"}


def test_dask_cluster_gives_the_serial_results(tmp_path):
    distributed = pytest.importorskip("distributed")
    _long_table(tmp_path / "all.csv")
    _latest_table(tmp_path / "latest.csv")
    common = ["--time-column", "timestamp", "--series-column", "site", "--target", "ghi",
              "--exog", "temperature", "clearsky_ghi", *PARAMS, "--quiet"]
    assert main(["fit", str(tmp_path / "all.csv"), *common, "--out",
                 str(tmp_path / "serial")]) == 0
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1",
                                  dashboard_address=None, processes=True) as cluster:
        fitted = narxcast_command("fit", tmp_path / "all.csv", *common, "--out",
                                  tmp_path / "dask", "--scheduler", cluster.scheduler_address)
        assert fitted.returncode == 0, fitted.stderr
        done = narxcast_command("forecast", tmp_path / "dask", tmp_path / "latest.csv",
                                "--series-column", "site", "--horizon", 24, "--out",
                                tmp_path / "dask.csv", "--scheduler", cluster.scheduler_address)
        assert done.returncode == 0, done.stderr
    for site in ("colorado-2017", "miami-tmy2", "sandpoint-tmy3"):
        on_dask = ModelFile.load(tmp_path / "dask" / f"{site}.narxcast").model
        serial = ModelFile.load(tmp_path / "serial" / f"{site}.narxcast").model
        np.testing.assert_array_equal(on_dask.theta_, serial.theta_)
    assert main(["forecast", str(tmp_path / "serial"), str(tmp_path / "latest.csv"),
                 "--series-column", "site", "--horizon", "24", "--out",
                 str(tmp_path / "serial.csv"), "--quiet"]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "dask.csv"),
                                  pd.read_csv(tmp_path / "serial.csv"))


def test_backtest_command_writes_metrics_and_forecasts(files, tmp_path):
    root, frame = files
    run = narxcast_command("backtest", root / "train.csv", "--time-column", "timestamp",
                           "--target", "ghi", "--exog", "temperature", "clearsky_ghi", *PARAMS,
                           "--horizons", 1, 6, "--daytime", "clearsky_ghi", "--out", tmp_path)
    assert run.returncode == 0, run.stderr
    metrics = pd.read_csv(tmp_path / "metrics.csv")
    assert set(metrics.metric) == {"rmse", "mae", "nrmse", "mbe", "skill"}
    forecasts = pd.read_csv(tmp_path / "forecasts.csv", index_col=0)
    assert list(forecasts.columns) == ["ghi", "ghi_forecast_h1", "ghi_forecast_h6", "series"]
    day = frame.clearsky_ghi.iloc[:1200].to_numpy() > 10
    scored = day & forecasts.ghi_forecast_h6.notna().to_numpy()
    error = forecasts.ghi_forecast_h6.to_numpy()[scored] - frame.ghi.to_numpy()[:1200][scored]
    rmse = metrics.query("metric == 'rmse' and horizon == 6").value.iloc[0]
    assert rmse == pytest.approx(np.sqrt(np.mean(error**2)))


@pytest.mark.parametrize("command", ["fit", "forecast", "backtest", "bench", "demo"])
def test_every_command_has_help(command, capsys):
    from narxcast.cli import build_parser

    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    assert len(capsys.readouterr().out) > 300
    subcommand = build_parser()._subparsers._group_actions[0].choices[command]
    undocumented = [action.option_strings or action.dest for action in subcommand._actions
                    if not action.help]
    assert not undocumented


def test_the_help_examples_parse():
    """The examples in --help are commands the parser accepts, as written."""
    import shlex

    from narxcast.cli import build_parser

    parser = build_parser()
    parsed = set()
    for name, sub in parser._subparsers._group_actions[0].choices.items():
        for line in (sub.epilog or "").splitlines():
            if line.strip().startswith("narxcast "):
                parser.parse_args(shlex.split(line)[1:])
                parsed.add(name)
    assert {"fit", "forecast", "backtest"} <= parsed  # (no example: nothing was checked)


def _fit_args(data, out, *extra):
    return ["fit", str(data), "--time-column", "timestamp", "--target", "ghi", "--exog",
            "temperature", "clearsky_ghi", *PARAMS, "--out", str(out), "--quiet", *extra]


@pytest.mark.parametrize("edit, message", [
    (lambda f: f.drop(columns="temperature"), "missing column 'temperature'"),
    (lambda f: f.rename(columns={"timestamp": "when"}), "no time column 'timestamp'"),
    (lambda f: f.assign(timestamp=f.timestamp.where(f.index != 7, "yesterday")),
     "column 'timestamp': unparsable time 'yesterday' \\(row 8\\)"),
    (lambda f: pd.concat([f.iloc[:10], f.iloc[9:]]), "duplicated time"),
    (lambda f: f.drop(index=[20, 21]), "gap of 0 days 03:00:00 after"),
    (lambda f: f.assign(timestamp=pd.to_datetime(f.timestamp).where(
        f.index != 30, pd.to_datetime(f.timestamp) + pd.Timedelta("30min")).astype(str)),
     "irregular step of 0 days 01:30:00"),
    (lambda f: f.assign(ghi=f.ghi.where(f.index != 40)), "column 'ghi': missing value"),
])
def test_bad_data_is_one_clear_line_and_writes_nothing(files, tmp_path, capsys, edit, message):
    root, _ = files
    frame = edit(pd.read_csv(root / "train.csv"))
    frame.to_csv(tmp_path / "bad.csv", index=False)
    (tmp_path / "model.narxcast").write_text("an older file the user has")
    code = main(_fit_args(tmp_path / "bad.csv", tmp_path / "model.narxcast"))
    error = capsys.readouterr().err
    assert code != 0
    line = [line for line in error.splitlines() if "bad.csv" in line]
    assert len(line) == 1 and "bad.csv" in line[0]
    assert re.search(message, line[0]), line[0]
    assert (tmp_path / "model.narxcast").read_text() == "an older file the user has"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "model.narxcast"]


def test_bad_model_files_and_settings(files, tmp_path, capsys):
    root, _ = files
    assert main(_fit_args(root / "train.csv", tmp_path / "m.narxcast")) == 0
    model_file = ModelFile.load(tmp_path / "m.narxcast")
    replace(model_file, narxcast_version="0.0.1").save(tmp_path / "old.narxcast")
    joblib.dump({"something": "else"}, tmp_path / "other.narxcast")
    cases = [
        (["forecast", str(tmp_path / "old.narxcast"), str(root / "latest.csv"), "--horizon", "24"],
         "old.narxcast: written by narxcast 0.0.1"),
        (["forecast", str(tmp_path / "other.narxcast"), str(root / "latest.csv"), "--horizon",
          "24"], "other.narxcast: not a narxcast model file"),
        (["fit", str(root / "train.csv"), "--time-column", "timestamp", "--target", "ghi",
          "--param", "hidden_units=3"], "narx has no parameter 'hidden_units'"),
        (["fit", str(root / "train.csv"), "--time-column", "timestamp", "--target", "ghi",
          "--model", "prophet"], "--model must be one of"),
        (["fit", str(root / "train.csv"), "--config", str(tmp_path / "none.toml")],
         "none.toml: no such config file"),
    ]
    for args, message in cases:
        out = tmp_path / "out.csv"
        code = main([*args, "--out", str(out), "--quiet"])
        assert code != 0 and message in capsys.readouterr().err
        assert not out.exists()
    # a model for other columns: the file to forecast lacks one of them
    other = pd.read_csv(root / "latest.csv").drop(columns="clearsky_ghi")
    other.to_csv(tmp_path / "other_columns.csv", index=False)
    code = main(["forecast", str(tmp_path / "m.narxcast"), str(tmp_path / "other_columns.csv"),
                 "--horizon", "24", "--out", str(tmp_path / "f.csv"), "--quiet"])
    assert code != 0 and "other_columns.csv: missing column 'clearsky_ghi'" in \
        capsys.readouterr().err
    assert not (tmp_path / "f.csv").exists()


def test_features_and_ensemble_equal_the_python_api(files):
    """--features solar --ensemble 2: the library's solar_features, an EnsembleRegressor of
    two seeds, bounded by IrradianceRegressor; forecasts as the same model in Python."""
    from narxcast.compose import EnsembleRegressor, IrradianceRegressor
    from narxcast.features import hour_of_day

    root, frame = files
    params = ["--param", "input_delays=[0, 1]", "--param", "feedback_delays=[1, 24]",
              "--param", "max_iter=5", "--seed", "7"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["fit", str(root / "train.csv"), "--time-column", "timestamp", "--target",
                     "ghi", "--features", "solar", "--ensemble", "2", *params, "--out",
                     str(root / "ensemble.narxcast"), "--quiet"]) == 0
        assert main(["forecast", str(root / "ensemble.narxcast"), str(root / "latest.csv"),
                     "--horizon", "24", "--out", str(root / "ensemble.csv"), "--quiet"]) == 0
    model_file = ModelFile.load(root / "ensemble.narxcast")
    assert model_file.exog == ["clearsky_ghi", "temperature"]
    assert model_file.features == ["solar"]
    model = model_file.model
    assert isinstance(model, IrradianceRegressor)
    assert isinstance(model.estimator_, EnsembleRegressor) and len(model.estimator_.seeds_) == 2

    def inputs(rows):
        return np.column_stack([frame[["clearsky_ghi", "temperature"]].iloc[rows],
                                hour_of_day(frame.index[rows]).to_numpy()])

    expected = IrradianceRegressor(
        EnsembleRegressor(NARXRegressor(input_delays=[0, 1], feedback_delays=[1, 24],
                                        max_iter=5, random_state=7), n_estimators=2,
                          random_state=7), clearsky=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected.fit(inputs(slice(0, 1200)), frame.ghi[:1200])
        expected.update(inputs(slice(1200, 1276)), frame.ghi[1200:1276].to_numpy())
        forecast = expected.predict(inputs(slice(1276, 1300)))
    got = pd.read_csv(root / "ensemble.csv").ghi_forecast.to_numpy()
    np.testing.assert_allclose(got, forecast, rtol=1e-9, atol=1e-9)
    assert (got >= 0).all() and (got[frame.clearsky_ghi.iloc[1276:1300] <= 10] == 0).all()


def test_calibrated_intervals_from_the_command_line(files, tmp_path):
    """fit --calibrate, forecast --coverage: nested, physical bounds from the model file's
    ConformalRegressor; backtest --coverage scores them; an uncalibrated model is refused."""
    from narxcast.intervals import ConformalRegressor

    root, frame = files
    common = ["--time-column", "timestamp", "--target", "ghi", "--features", "solar",
              "--param", "feedback_delays=[1, 24]", "--param", "max_iter=10", "--quiet"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["fit", str(root / "train.csv"), *common, "--calibrate", "24", "--out",
                     str(tmp_path / "model.narxcast")]) == 0
        assert main(["forecast", str(tmp_path / "model.narxcast"), str(root / "latest.csv"),
                     "--horizon", "24", "--coverage", "0.8", "0.95", "--out",
                     str(tmp_path / "forecasts.csv"), "--quiet"]) == 0
        assert main(["backtest", str(root / "train.csv"), *common, "--horizons", "1", "6",
                     "--coverage", "0.9", "--out", str(tmp_path / "results")]) == 0
    model = ModelFile.load(tmp_path / "model.narxcast").model
    assert isinstance(model, ConformalRegressor) and model.max_horizon == 24
    table = pd.read_csv(tmp_path / "forecasts.csv")
    bounds = table[["ghi_lower_95", "ghi_lower_80", "ghi_upper_80", "ghi_upper_95"]].to_numpy()
    assert (np.diff(bounds, axis=1) >= -1e-9).all() and (bounds >= 0).all()
    night = frame.clearsky_ghi.iloc[1276:1300].to_numpy() <= 10
    assert (bounds[night] == 0).all()
    metrics = pd.read_csv(tmp_path / "results" / "metrics.csv")
    assert {"coverage_90", "width_90", "interval_score_90", "crps"} <= set(metrics.metric)
    with contextlib.redirect_stderr(io.StringIO()) as stderr, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["fit", str(root / "train.csv"), *common, "--out",
                     str(tmp_path / "plain.narxcast")]) == 0
        assert main(["forecast", str(tmp_path / "plain.narxcast"), str(root / "latest.csv"),
                     "--horizon", "24", "--coverage", "0.8", "--out",
                     str(tmp_path / "plain.csv"), "--quiet"]) == 1
    assert "--coverage needs a model fitted with --calibrate" in stderr.getvalue()


def test_a_fit_that_runs_out_of_iterations_says_so_in_the_commands_terms(files, tmp_path):
    """No Python warning quoting library source: a note in the summary that names the
    ``--param`` to change, and the seed line says what it is for."""
    root, _ = files
    done = narxcast_command("fit", root / "train.csv", "--target", "ghi", "--time-column",
                            "timestamp", *PARAMS, "--out", tmp_path / "m.narxcast", "--quiet")
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stderr and ".py:" not in done.stderr
    assert "note, train: training used every iteration allowed" in done.stdout
    assert "--param max_iter=" in done.stdout
    assert "models seeded with random_state=0 (--seed)" in done.stdout


def test_bench_writes_to_a_new_directory_unless_told(tmp_path, monkeypatch):
    from narxcast.benchmark import new_directory
    from narxcast.cli import build_parser

    assert build_parser().parse_args(["bench"]).out is None  # never the committed results
    first, second = new_directory("narxcast-bench", tmp_path), new_directory("narxcast-bench",
                                                                             tmp_path)
    assert first != second and first.is_dir() and second.is_dir()
    assert first.name.startswith("narxcast-bench-") and not any(first.iterdir())
