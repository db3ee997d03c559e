"""Bad and hostile input: what used to crash the process runs in a subprocess here,
so that a crash fails its test rather than the suite; paths that would leave the output
folder; divergence; the command's rough edges."""

import os
import stat
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

from narxcast import NARXRegressor
from narxcast.cli import main
from narxcast.datasets import load_solar_wind
from narxcast.model_files import ModelFile, series_file_name
from narxcast.tables import InputError

from .conftest import long_table, narxcast_command


def _python(code):
    """Run ``code`` in a fresh interpreter; returns the completed process (a crash is a
    negative return code, not a dead test run)."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=600)


# ------------------------------------------------------------------------ memory safety
def test_warm_start_with_another_architecture_is_refused_and_the_model_kept():
    """A segfault found in hostile testing (rc 139): a warm start after changing
    hidden_layer_sizes."""
    run = _python("""
        import numpy as np
        from narxcast import NARXRegressor, LSTMRegressor
        rng = np.random.default_rng(0)
        X, y = rng.normal(size=(200, 2)), rng.normal(size=200)
        for model, change in ((NARXRegressor(hidden_layer_sizes=(5,), max_iter=5),
                               dict(hidden_layer_sizes=(7,))),
                              (LSTMRegressor(hidden_layer_sizes=(4,), max_iter=2),
                               dict(peephole=True))):
            model.fit(X, y)
            theta, forecast = model.theta_.copy(), model.predict(X[:5])
            try:
                model.set_params(warm_start=True, **change).fit(X, y)
            except ValueError as error:
                assert "`warm_start=True` needs the architecture" in str(error) or \\
                    "parameters of layers" in str(error), error
            else:
                raise AssertionError("accepted")
            assert np.array_equal(model.theta_, theta)
            assert np.array_equal(model.predict(X[:5]), forecast)
        print("ok")
        """)
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr[-2000:]


def test_recurrent_models_without_a_recurrent_layer_are_refused():
    """A heap corruption found in hostile testing (rc 134): hidden_layer_sizes=() for a
    recurrent model."""
    run = _python("""
        import numpy as np
        from narxcast import ElmanRegressor, GRURegressor, LSTMRegressor
        X, y = np.random.default_rng(0).normal(size=(100, 1)), np.arange(100.0)
        for cls in (ElmanRegressor, LSTMRegressor, GRURegressor):
            try:
                cls(hidden_layer_sizes=(), max_iter=2).fit(X, y)
            except ValueError as error:
                assert "at least one recurrent layer" in str(error), error
            else:
                raise AssertionError(cls)
        print("ok")
        """)
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr[-2000:]


def test_arrays_set_by_hand_are_checked_before_any_kernel():
    run = _python("""
        import numpy as np
        from narxcast import NARXRegressor, GRURegressor
        rng = np.random.default_rng(0)
        X, y = rng.normal(size=(200, 1)), rng.normal(size=200)
        for model in (NARXRegressor(feedback_delays=[1, 24], max_iter=1).fit(X, y),
                      GRURegressor(feedback_delays=[1, 24], max_iter=1).fit(X, y)):
            model.history_y_ = model.history_y_[:3]  # the delays need 24 rows
            model.history_X_ = model.history_X_[:3]
            try:
                model.predict(X[:10])
            except ValueError as error:
                assert "outside the" in str(error) or "do not match" in str(error), error
            else:
                raise AssertionError(type(model))
        print("ok")
        """)
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr[-2000:]


def test_absurd_sizes_are_refused_before_allocating():
    X, y = np.ones((50, 1)), np.arange(50.0)
    with pytest.raises(ValueError, match="must be in \\[0, 1000000\\]"):
        NARXRegressor(feedback_delays=10**12).fit(X, y)
    with pytest.raises(ValueError, match="at most 100000000 are allowed"):
        NARXRegressor(hidden_layer_sizes=(10**5, 10**4), max_iter=1).fit(X, y)
    with pytest.raises(ValueError, match="`population_size`=10000000 individuals"):
        NARXRegressor(solver="ga", population_size=10**7).fit(X, y)
    model = NARXRegressor(max_iter=1).fit(X, y)
    with pytest.raises(ValueError, match="`horizon` must be an integer in"):
        model.predict(X, y, horizon=10**12)


# ------------------------------------------------------------------------- divergence
def test_a_loss_growing_far_above_its_best_is_divergence_and_the_best_is_kept():
    """A loss that grew from 1.1 to 1e176 ended with only a ConvergenceWarning
    and the worst weights. Now the epoch is divergence: stop, restore, warn; the forecasts of
    the restored model are finite."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(400, 1)), np.cumsum(rng.normal(size=400))
    with pytest.warns(RuntimeWarning, match="Training diverged \\(loss .* times its best\\)"):
        model = NARXRegressor(activation="relu", learning_rate_init=1e3, clip_norm=None,
                              max_iter=30, random_state=0).fit(X, y)
    assert model.stopped_by_ == "diverged"
    assert np.isfinite(model.predict(X, y, horizon=5)[10:]).all()


def test_divergence_in_the_first_epoch_restores_the_initial_parameters():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(400, 1)), np.cumsum(rng.normal(size=400))
    options = dict(activation="relu", clip_norm=None, max_iter=5, random_state=3)
    with pytest.warns(RuntimeWarning, match="diverged"):
        diverged = NARXRegressor(learning_rate_init=1e6, **options).fit(X, y)
    untrained = NARXRegressor(learning_rate_init=1e-300, **options).fit(X, y)
    np.testing.assert_array_equal(diverged.theta_, untrained.theta_)


@pytest.mark.parametrize("value", [np.nan, 1e308])
def test_a_model_that_cannot_forecast_its_training_data_fails_the_fit_and_is_kept(
        monkeypatch, value):
    """When even the parameters kept forecast non-finite values on the training data (NaN
    parameters, or finite ones whose outputs overflow), the fit raises and a previously
    fitted model stays as it was."""
    from narxcast import _network

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(300, 1)), rng.normal(size=300)
    model = NARXRegressor(max_iter=2, random_state=0).fit(X, y)
    before = model.theta_.copy()
    train_stages = _network.train_stages

    def run_away(*args, **kwargs):
        fit = train_stages(*args, **kwargs)
        fit.theta = np.full_like(fit.theta, value)
        return fit

    monkeypatch.setattr(_network, "train_stages", run_away)
    with pytest.raises(FloatingPointError, match="forecasts non-finite values"):
        model.fit(X, y)
    np.testing.assert_array_equal(model.theta_, before)


def test_closed_loop_overflow_is_said_not_returned_silently():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(200, 1)), rng.normal(size=200)
    model = NARXRegressor(input_delays=0, feedback_delays=1, hidden_layer_sizes=(),
                          clip_forecasts=None, max_iter=1, random_state=0).fit(X, y)
    model.theta_[:] = [0.0, 1e30, 0.0]  # y_t = 1e30 y_{t-1}: runs away
    with pytest.warns(RuntimeWarning, match="overflowed to infinity"):
        forecasts = model.predict(X[:30])
    assert np.isinf(forecasts).any()
    model.set_params(clip_forecasts=0.25)  # the default: held, and said
    with pytest.warns(RuntimeWarning, match="held at the bounds"):
        assert np.isfinite(model.predict(X[:30])).all()


# ------------------------------------------------------------------ paths and model files
@pytest.mark.parametrize("series", ["../../x", "/etc/passwd", "a/b", "a\\b", "..", ".",
                                    "tab\there", "bell\x07", "über site", "%41", "A" * 300])
def test_series_ids_become_file_names_inside_the_folder(series):
    name = series_file_name(series)
    assert "/" not in name and "\\" not in name and name not in (".", "..")
    assert name.endswith(".narxcast") and name.isprintable() and len(name) < 255
    assert os.path.basename(name) == name


def test_series_file_names_never_collide():
    ids = ["a/b", "a%2Fb", "a_b", "a-b", "a.b", "a b", "ab", "A" * 300, "A" * 299 + "B"]
    assert len({series_file_name(s) for s in ids}) == len(ids)
    with pytest.raises(InputError, match="series id is empty"):
        series_file_name("")


def _long_table(path, ids, rows=120):
    long_table(dict.fromkeys(ids, "colorado-2017"), rows, ["ghi", "temperature"],
               time_column="time").to_parquet(path)


FIT = ["--time-column", "time", "--series-column", "site", "--target", "ghi", "--exog",
       "temperature", "--param", "max_iter=2", "--param", "feedback_delays=[1, 2]",
       "--param", "random_state=0", "--quiet"]


def test_fit_writes_every_series_inside_out_whatever_its_id(tmp_path):
    """`out / f"{series}.joblib"` let `../../x` or an absolute id write anywhere."""
    ids = ["../../escaped", "/tmp/absolute", "a/b", "..", "ok", "bell\x07", "über"]
    _long_table(tmp_path / "all.parquet", ids)
    out = tmp_path / "deep" / "models"
    assert main(["fit", str(tmp_path / "all.parquet"), *FIT, "--out", str(out)]) == 0
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(series_file_name(s) for s in ids)
    assert not (tmp_path / "escaped.narxcast").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["all.parquet", "deep"]
    for series in ids:  # each file knows its series, and forecast pairs them back
        assert ModelFile.load(out / series_file_name(series)).series == series


def test_ids_that_differ_only_in_case_are_refused_before_any_work(tmp_path, capsys):
    _long_table(tmp_path / "all.parquet", ["Site", "site"])
    assert main(["fit", str(tmp_path / "all.parquet"), *FIT, "--out",
                 str(tmp_path / "m")]) == 2
    assert "differ only in case" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()


def test_the_command_never_reports_success_for_non_finite_forecasts(tmp_path):
    """A model whose closed loop runs away: its series fails with the reason, rc 1, and no
    forecast file holds inf."""
    frame = load_solar_wind("colorado-2017")[["ghi"]].iloc[:200]
    frame.reset_index().iloc[:150].to_csv(tmp_path / "train.csv", index=False)
    assert main(["fit", str(tmp_path / "train.csv"), "--target", "ghi", "--param",
                 "hidden_layer_sizes=()", "--param", "feedback_delays=1", "--param",
                 "max_iter=1", "--param", "clip_forecasts=None", "--out",
                 str(tmp_path / "m.narxcast"), "--quiet"]) == 0
    model_file = ModelFile.load(tmp_path / "m.narxcast")
    model_file.model.theta_[:] = [1e30, 0.0]
    model_file.save(tmp_path / "m.narxcast")
    run = narxcast_command("forecast", tmp_path / "m.narxcast", tmp_path / "train.csv", "--horizon",
                           24, "--out", tmp_path / "f.csv")
    assert run.returncode == 1 and "not finite" in run.stderr, run.stderr
    assert not (tmp_path / "f.csv").exists()


# ---------------------------------------------------------------------- rough edges
@pytest.fixture
def csv(tmp_path):
    frame = load_solar_wind("colorado-2017")[["ghi", "temperature"]].iloc[:400]
    frame.reset_index().to_csv(tmp_path / "train.csv", index=False)
    return tmp_path / "train.csv"


BACKTEST = ["--target", "ghi", "--exog", "temperature", "--param", "max_iter=2", "--param",
            "random_state=0", "--quiet"]


def test_backtest_train_size_in_rows_and_too_long_horizons(csv, tmp_path, capsys):
    assert main(["backtest", str(csv), *BACKTEST, "--train-size", "300", "--horizons", "1",
                 "--out", str(tmp_path / "rows")]) == 0
    metrics = pd.read_csv(tmp_path / "rows" / "metrics.csv")
    forecasts = pd.read_csv(tmp_path / "rows" / "forecasts.csv")
    assert set(metrics.horizon) == {1} and forecasts.ghi_forecast_h1.iloc[:300].isna().all()
    assert forecasts.ghi_forecast_h1.iloc[300:].notna().all()
    capsys.readouterr()
    assert main(["backtest", str(csv), *BACKTEST, "--horizons", "1000", "--out",
                 str(tmp_path / "long")]) == 1
    assert "`horizons` must be at most 100" in capsys.readouterr().err
    assert not (tmp_path / "long" / "metrics.csv").exists()


def test_time_zone_problems_are_one_line(tmp_path, capsys):
    mixed = "time,ghi\n2020-03-29T00:00+01:00,1\n2020-03-29T01:00+01:00,2\n" \
            "2020-03-29T03:00+02:00,3\n"
    (tmp_path / "mixed.csv").write_text(mixed)
    assert main(["fit", str(tmp_path / "mixed.csv"), "--target", "ghi", "--out",
                 str(tmp_path / "m.narxcast"), "--quiet"]) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and "mixed.csv: column 'time': times with different time-zone" \
        in error[0]


def test_aware_data_for_a_naive_model_fails_only_its_series(csv, tmp_path, capsys):
    frame = pd.read_csv(csv)
    frame["time"] = pd.to_datetime(frame.time).dt.tz_localize(None)
    frame.iloc[:300].to_csv(tmp_path / "naive.csv", index=False)
    assert main(["fit", str(tmp_path / "naive.csv"), *BACKTEST[:4], "--param", "max_iter=2",
                 "--out", str(tmp_path / "m.narxcast"), "--quiet"]) == 0
    aware = frame.iloc[250:330].assign(time=pd.to_datetime(frame.time.iloc[250:330])
                                       .dt.tz_localize("UTC"))
    aware.to_csv(tmp_path / "aware.csv", index=False)
    capsys.readouterr()
    code = main(["forecast", str(tmp_path / "m.narxcast"), str(tmp_path / "aware.csv"),
                 "--horizon", "3", "--out", str(tmp_path / "f.csv"), "--quiet"])
    assert code == 1
    assert "aware.csv: column 'time': times in UTC, but the model was fitted on times " \
           "without one" in capsys.readouterr().err


@pytest.mark.parametrize("config, message", [
    ('[data]\ntarget = "ghi"\nexgo = ["temperature"]\n',
     "unknown key 'exgo' in [data]; did you mean 'exog'?"),
    ('[modle]\nname = "narx"\n', "unknown key 'modle' in the file; did you mean 'model'?"),
    ('[data]\ntarget = 3\n', "[data] target must be a column name. Got 3."),
    ('[model]\nparams = 3\n', "[model] params must be a table of parameters. Got 3."),
    ('[data]\nexog = [1, 2]\n', "[data] exog must be a column name or a list of them"),
])
def test_config_errors_are_one_line_before_reading_data(tmp_path, capsys, config, message):
    (tmp_path / "c.toml").write_text(config)
    code = main(["fit", str(tmp_path / "absent.csv"), "--config", str(tmp_path / "c.toml"),
                 "--out", str(tmp_path / "m.narxcast"), "--quiet"])
    error = capsys.readouterr().err
    assert code == 2 and message in error and "absent.csv" not in error


def test_config_exog_as_one_name_is_one_column(csv, tmp_path):
    (tmp_path / "c.toml").write_text('[data]\ntarget = "ghi"\nexog = "temperature"\n'
                                     '[model.params]\nmax_iter = 2\n')
    assert main(["fit", str(csv), "--config", str(tmp_path / "c.toml"), "--out",
                 str(tmp_path / "m.narxcast"), "--quiet"]) == 0
    assert ModelFile.load(tmp_path / "m.narxcast").exog == ["temperature"]


@pytest.mark.parametrize("content, message", [("", "empty file"),
                                              ("time,ghi\n", "no rows (a header only)")])
def test_empty_tables_name_the_file(tmp_path, capsys, content, message):
    (tmp_path / "e.csv").write_text(content)
    assert main(["fit", str(tmp_path / "e.csv"), "--target", "ghi", "--out",
                 str(tmp_path / "m.narxcast"), "--quiet"]) == 2
    assert f"e.csv: {message}" in capsys.readouterr().err


def test_unwritable_outputs_are_one_line_before_any_work(csv, tmp_path, capsys):
    (tmp_path / "folder").mkdir()
    cases = [["fit", str(csv), "--target", "ghi", "--out", str(tmp_path / "folder")],
             ["fit", str(csv), "--target", "ghi", "--out", str(csv / "below_a_file.narxcast")],
             ["backtest", str(csv), "--target", "ghi", "--out", str(csv)]]
    for args in cases:
        assert main([*args, "--quiet"]) == 2
        error = capsys.readouterr().err.strip().splitlines()
        assert len(error) == 1 and error[0].startswith(f"narxcast {args[0]}: error: --out"), \
            error
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder", "train.csv"]


def test_outputs_get_the_umask_and_temporary_files_are_left_for_no_one(csv, tmp_path):
    previous = os.umask(0o022)
    try:
        assert main(["backtest", str(csv), *BACKTEST, "--horizons", "1", "--out",
                     str(tmp_path / "b")]) == 0
    finally:
        os.umask(previous)
    for name in ("metrics.csv", "forecasts.csv"):
        assert stat.S_IMODE((tmp_path / "b" / name).stat().st_mode) == 0o644
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["forecasts.csv",
                                                                  "metrics.csv"]
    # a crashed run's temporary file beside the data is not read as a series
    (tmp_path / "data").mkdir()
    pd.read_csv(csv).to_csv(tmp_path / "data" / "site.csv", index=False)
    (tmp_path / "data" / ".site.csv.abc123.tmp").write_text("garbage")
    (tmp_path / "data" / ".hidden.csv").write_text("garbage")
    assert main(["fit", str(tmp_path / "data"), *BACKTEST, "--out",
                 str(tmp_path / "models")]) == 0
    assert [p.name for p in (tmp_path / "models").iterdir()] == ["site.narxcast"]


def test_backtest_outputs_are_written_as_a_set(csv, tmp_path, monkeypatch, capsys):
    """If the second file cannot be written, the first of the new run is not left beside
    the previous run's second."""
    out = tmp_path / "b"
    assert main(["backtest", str(csv), *BACKTEST, "--horizons", "1", "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    original = pd.DataFrame.to_csv

    def failing(self, path, *args, **kwargs):
        if "forecasts" in str(path):
            raise OSError("disk full")
        return original(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", failing)
    assert main(["backtest", str(csv), *BACKTEST, "--horizons", "1", "6", "--out",
                 str(out)]) == 1  # one line, no traceback
    assert "error: disk full" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_a_missing_series_id_is_an_error_not_dropped_rows(tmp_path, capsys):
    frame = load_solar_wind("colorado-2017")[["ghi"]].iloc[:100].reset_index()
    frame["site"] = ["a"] * 50 + [None] * 50
    frame.to_csv(tmp_path / "all.csv", index=False)
    assert main(["fit", str(tmp_path / "all.csv"), "--series-column", "site", "--target",
                 "ghi", "--out", str(tmp_path / "m"), "--quiet"]) == 2
    assert "column 'site': missing series id" in capsys.readouterr().err


def test_an_unreadable_file_of_a_directory_fails_only_its_series(csv, tmp_path, capsys):
    (tmp_path / "data").mkdir()
    pd.read_csv(csv).to_csv(tmp_path / "data" / "good.csv", index=False)
    (tmp_path / "data" / "bad.csv").write_text("time,ghi\nyesterday,1\n")
    code = main(["fit", str(tmp_path / "data"), *BACKTEST, "--out", str(tmp_path / "m")])
    assert code == 1 and "bad.csv: column 'time': unparsable time" in capsys.readouterr().err
    assert [p.name for p in (tmp_path / "m").iterdir()] == ["good.narxcast"]


# --------------------------------------------------------------------------- fuzzing
FUZZ = """
import warnings
import numpy as np
from hypothesis import HealthCheck, given, settings, strategies as st
from narxcast import (ARIMARegressor, ElmanRegressor, GRURegressor, LSTMRegressor,
                      NARXRegressor, PersistenceRegressor, TDNNRegressor)

warnings.simplefilter("ignore")
delays = st.one_of(st.integers(-2, 6), st.lists(st.integers(-1, 6), max_size=4))
hidden = st.one_of(st.integers(-1, 6), st.lists(st.integers(0, 5), max_size=2))
values = st.sampled_from([0.0, 1.0, -1.0, 1e300, -1e300, np.nan, np.inf, 1e-300])
NETWORK = dict(max_iter=st.integers(1, 3), random_state=st.just(0))

def networks(cls, **extra):
    return st.builds(cls, input_delays=delays, hidden_layer_sizes=hidden, **NETWORK, **extra)

ESTIMATORS = st.one_of(
    networks(NARXRegressor, feedback_delays=delays,
             solver=st.sampled_from(["adam", "sgd", "lm", ("ga", "lm")]),
             loop=st.sampled_from(["open", "closed", ("open", "closed")]),
             activation=st.sampled_from(["tanh", "logistic", "relu", "identity"]),
             population_size=st.just(4), n_generations=st.just(1),
             bptt_steps=st.integers(1, 30)),
    networks(TDNNRegressor, target_delays=delays, max_horizon=st.integers(1, 8)),
    networks(ElmanRegressor, feedback_delays=delays, washout=st.integers(0, 3)),
    networks(LSTMRegressor, feedback_delays=delays, peephole=st.booleans(),
             dtype=st.sampled_from(["float64", "float32"])),
    networks(GRURegressor, feedback_delays=delays, solver=st.sampled_from(["adam", "cmaes"]),
             population_size=st.just(4), n_generations=st.just(1)),
    st.builds(ARIMARegressor, order=st.tuples(st.integers(0, 2), st.integers(0, 1),
                                              st.integers(0, 1))),
    st.builds(PersistenceRegressor, kind=st.sampled_from(["naive", "seasonal", "clearsky"]),
              season=st.integers(1, 30), clearsky_column=st.just(0)))

@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(estimator=ESTIMATORS, n=st.integers(0, 60), n_features=st.integers(0, 2),
       n_targets=st.integers(1, 2), bad=st.lists(st.tuples(st.integers(0, 59), values),
                                                 max_size=2),
       horizon=st.integers(-1, 30), future=st.integers(0, 12))
def check(estimator, n, n_features, n_targets, bad, horizon, future):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, n_features)) if n_features else None
    y = rng.normal(size=(n, n_targets)) if n_targets > 1 else rng.normal(size=n)
    for row, value in bad:
        if row < n:
            y.reshape(n, -1)[row, 0] = value
    try:
        estimator.fit(X, y)
    except (ValueError, TypeError, FloatingPointError) as error:
        assert str(error), type(error)
        return
    for call in (lambda: estimator.predict(X, y, horizon=horizon),
                 lambda: estimator.predict(None if X is None else X[:future], horizon=future)):
        try:
            forecasts = call()
        except (ValueError, TypeError) as error:
            assert str(error), type(error)
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # an overflow must be said
            try:
                estimator.predict(None if X is None else X[:future], horizon=future)
            except RuntimeWarning:
                continue
            except (ValueError, TypeError):
                pass
        assert not np.isinf(forecasts).any()

check()
print("ok")
"""


@pytest.mark.slow
def test_fuzz_estimators_never_crash_and_fail_with_messages():
    """Hypothesis over parameters, shapes and values of every estimator, in a subprocess:
    every outcome is a fit and forecasts, or a Python exception with a message; no crash."""
    pytest.importorskip("hypothesis")
    run = _python(FUZZ.replace("MAX_EXAMPLES", "300"))
    assert run.returncode == 0 and run.stdout.strip().endswith("ok"), run.stderr[-3000:]


CLI_FUZZ = """
import sys, tempfile, pathlib
from hypothesis import HealthCheck, given, settings, strategies as st
from narxcast.cli import main

cells = st.one_of(st.text(max_size=8), st.floats(allow_nan=True), st.integers(),
                  st.sampled_from(["2020-01-01T00:00", "2020-01-01T01:00+02:00", ""]))
toml = st.one_of(st.text(max_size=80), st.sampled_from(
    ['[data]\\ntarget = "b"', '[data]\\nexog = "c"\\ntarget = "b"', '[model]\\nname = 1',
     '[model.params]\\nfeedback_delays = [1, 1]', '[data]\\ntime_column = "a"\\ntarget = "b"']))

@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(rows=st.lists(st.tuples(cells, cells, cells), max_size=6), config=toml,
       header=st.sampled_from(["a,b,c", "time,b,c", "time,ghi", ""]))
def check(rows, config, header):
    with tempfile.TemporaryDirectory() as name:  # (60 examples: none left behind)
        folder = pathlib.Path(name)
        lines = [header] + [",".join(map(str, row)) for row in rows]
        (folder / "data.csv").write_text("\\n".join(lines))
        (folder / "c.toml").write_text(config)
        for args in (["fit", str(folder / "data.csv"), "--target", "b"],
                     ["fit", str(folder / "data.csv"), "--config", str(folder / "c.toml")],
                     ["backtest", str(folder / "data.csv"), "--target", "b", "--time-column",
                      "a"]):
            code = main([*args, "--out", str(folder / "out"), "--quiet", "--param",
                         "max_iter=1"])
            assert code in (0, 1, 2), code

check()
print("ok")
"""


@pytest.mark.slow
def test_fuzz_the_command_on_csv_and_toml():
    pytest.importorskip("hypothesis")
    run = _python(CLI_FUZZ)
    assert run.returncode == 0 and run.stdout.strip().endswith("ok"), run.stderr[-3000:]


def test_identical_runs_give_identical_files(csv, tmp_path, capsys):
    """The command used to leave random_state=None, so two runs differed. Models are seeded
    (--seed, default 0, said in the summary), and archives hold no timestamps."""
    for name in ("a", "b"):
        assert main(["fit", str(csv), "--target", "ghi", "--exog", "temperature", "--param",
                     "max_iter=3", "--out", str(tmp_path / f"{name}.narxcast"),
                     "--quiet"]) == 0
    assert "models seeded with random_state=0 (--seed)" in capsys.readouterr().out
    assert (tmp_path / "a.narxcast").read_bytes() == (tmp_path / "b.narxcast").read_bytes()
    assert ModelFile.load(tmp_path / "a.narxcast").params["random_state"] == 0
    assert main(["fit", str(csv), "--target", "ghi", "--param", "max_iter=3", "--seed", "7",
                 "--out", str(tmp_path / "c.narxcast"), "--quiet"]) == 0
    assert ModelFile.load(tmp_path / "c.narxcast").params["random_state"] == 7


def test_demo_help_says_75_percent(capsys):
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    text = capsys.readouterr().out
    assert "75%" in text and "%%" not in text


def test_a_missing_target_column_is_bad_input(csv, tmp_path, capsys):
    for command in ("fit", "backtest"):
        code = main([command, str(csv), "--target", "power", "--out",
                     str(tmp_path / ("m.narxcast" if command == "fit" else "b")), "--quiet"])
        assert code == 2 and "train.csv: missing column 'power'" in capsys.readouterr().err



def test_the_first_compilation_is_announced_once(tmp_path, monkeypatch):
    """The first run used to be silent for 10-50 s. One line on standard error when a
    kernel module has no cache yet, once per process, hidden by NARXCAST_QUIET=1."""
    import io
    import types

    from narxcast.kernels import compilation

    module_file = tmp_path / "pkg" / "narx.py"
    module_file.parent.mkdir()
    module_file.write_text("")
    monkeypatch.setattr(compilation, "cache_dirs", lambda path: [module_file.parent /
                                                                 "__pycache__"])
    assert not compilation.is_cached(module_file)
    module = types.SimpleNamespace(__file__=str(module_file), __name__="pkg.narx")
    for quiet, expected in ((True, ""), (False, "compiling the Numba kernels")):
        monkeypatch.setattr(compilation, "_announced", False)
        monkeypatch.setattr(compilation, "_checked", set())
        if quiet:
            monkeypatch.setenv("NARXCAST_QUIET", "1")
        else:
            monkeypatch.delenv("NARXCAST_QUIET", raising=False)
        out = io.StringIO()
        compilation.announce_compilation(module, out=out)
        compilation.announce_compilation(module, out=out)  # once per process
        assert out.getvalue().count("narxcast: compiling") == (0 if quiet else 1)
        assert expected in out.getvalue()
    (module_file.parent / "__pycache__").mkdir()
    (module_file.parent / "__pycache__" / "narx.forecast-25.py311.nbi").write_text("")
    assert compilation.is_cached(module_file)


def test_garbage_collection_pauses_while_numba_compiles_narxcast_code():
    """Python's cyclic collector is off while Numba compiles a function of narxcast's (only
    then: not for another package's), and on again after, also when the compilation fails."""
    import gc

    import numba
    from numba.core import event

    seen = {}

    class Probe(event.Listener):  # registered after narxcast's: sees the state it left
        def on_start(self, started):
            seen[started.data["dispatcher"].py_func.__name__] = gc.isenabled()

        def on_end(self, ended):
            pass

    def ours(x):
        return x + 1

    def theirs(x):
        return x + 1

    def broken(x):
        return x + "text"  # fails typing

    ours.__module__ = broken.__module__ = "narxcast._probe"
    with event.install_listener("numba:compile", Probe()):
        numba.njit(ours)(1.0)
        numba.njit(theirs)(1.0)
        with pytest.raises(numba.TypingError):
            numba.njit(broken)(1.0)
    assert seen == {"ours": False, "theirs": True, "broken": False}
    assert gc.isenabled()
