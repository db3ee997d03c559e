"""The batch command never merges, drops or overwrites what it is given: series ids as written,
one file per series, outputs only where regular files may go, parameters and mixed time zones
refused before any work, data too large to standardise refused."""

import os
import stat
import unicodedata

import numpy as np
import pandas as pd
import pytest

from narxcast import NARXRegressor
from narxcast.cli import main
from narxcast.datasets import load_solar_wind
from narxcast.model_files import series_file_name

from .test_hostile import FIT

ONE = FIT[:2] + FIT[4:]  # no series column: a series per file


def _frame(rows=120):
    return load_solar_wind("colorado-2017")[["ghi", "temperature"]].iloc[:rows].reset_index()


def _long_csv(path, ids):
    """A long table whose series column is written exactly as ``ids`` (text)."""
    pd.concat([_frame().assign(site=series) for series in ids]).to_csv(path, index=False)
    return path


def test_series_ids_are_the_text_the_file_holds(tmp_path):
    """``007`` and ``7`` are two series; ``2`` beside ``2.5`` stays ``2``."""
    ids = ["007", "7", "1", "2", "2.5"]
    _long_csv(tmp_path / "all.csv", ids)
    assert main(["fit", str(tmp_path / "all.csv"), *FIT, "--out", str(tmp_path / "m")]) == 0
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == sorted(
        series_file_name(s) for s in ids)


def test_ids_that_differ_only_in_unicode_form_are_refused_before_any_work(tmp_path, capsys):
    composed = "Zürich"
    _long_csv(tmp_path / "all.csv", [composed, unicodedata.normalize("NFD", composed)])
    assert main(["fit", str(tmp_path / "all.csv"), *FIT, "--out", str(tmp_path / "m")]) == 2
    assert "differ only in case or Unicode form" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()


def test_two_files_of_one_series_in_a_directory_are_refused(tmp_path, capsys):
    """``site.2.csv`` is series ``site.2``; ``site.csv`` beside ``site.parquet`` is refused,
    naming both, before any work."""
    data = tmp_path / "data"
    data.mkdir()
    _frame().to_csv(data / "site.csv", index=False)
    _frame().to_csv(data / "site.2.csv", index=False)
    assert main(["fit", str(data), *ONE, "--out", str(tmp_path / "m")]) == 0
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == sorted([
        series_file_name("site"), series_file_name("site.2")])
    _frame().to_parquet(data / "site.parquet")
    assert main(["fit", str(data), *ONE, "--out", str(tmp_path / "m2")]) == 2
    error = capsys.readouterr().err
    assert "site.csv" in error and "site.parquet" in error and "two files of series" in error
    assert not (tmp_path / "m2").exists()


def test_outputs_that_are_special_files_or_inputs_are_refused(tmp_path, capsys):
    _frame().to_csv(tmp_path / "train.csv", index=False)
    os.mkfifo(tmp_path / "fifo")
    for out in ("/dev/null", str(tmp_path / "fifo")):
        assert main(["fit", str(tmp_path / "train.csv"), *ONE, "--out", out]) == 2
        assert "not a regular file" in capsys.readouterr().err
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert stat.S_ISFIFO(os.stat(tmp_path / "fifo").st_mode)
    before = (tmp_path / "train.csv").read_bytes()
    assert main(["fit", str(tmp_path / "train.csv"), *ONE, "--out",
                 str(tmp_path / "train.csv")]) == 2
    assert "is one of the inputs" in capsys.readouterr().err
    assert main(["fit", str(tmp_path / "train.csv"), *ONE, "--out",
                 str(tmp_path / "m.narxcast")]) == 0
    assert main(["forecast", str(tmp_path / "m.narxcast"), str(tmp_path / "train.csv"),
                 "--horizon", "3", "--out", str(tmp_path / "train.csv"), "--quiet"]) == 2
    assert "is one of the inputs" in capsys.readouterr().err
    assert (tmp_path / "train.csv").read_bytes() == before


def test_bad_parameter_values_stop_the_run_once_before_any_work(tmp_path, capsys):
    _long_csv(tmp_path / "all.csv", ["a", "b"])
    for value, named in (("hidden_layer_sizes='abc'", "hidden_layer_sizes"),
                         ("feedback_delays=[-1]", "feedback_delays"),
                         ("alpha=-1", "alpha")):
        assert main(["fit", str(tmp_path / "all.csv"), *FIT, "--param", value, "--out",
                     str(tmp_path / "m")]) == 2, value
        error = capsys.readouterr().err
        assert error.count("--param") == 1 and named in error
    assert not (tmp_path / "m").exists()


def test_global_fit_over_zoned_and_naive_times_is_refused_before_any_work(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    _frame().to_csv(data / "zoned.csv", index=False)
    _frame().assign(time=lambda f: f.time.dt.tz_localize(None)).to_csv(data / "naive.csv",
                                                                       index=False)
    assert main(["fit", str(data), *ONE, "--global", "--out",
                 str(tmp_path / "g.narxcast")]) == 2
    error = capsys.readouterr().err
    assert "with a time zone" in error and "'zoned'" in error and "'naive'" in error
    assert not (tmp_path / "g.narxcast").exists()


def test_targets_too_large_to_standardise_are_refused():
    X, y = np.zeros((100, 1)), np.sin(np.arange(100.0)) * 1e300
    with pytest.raises(ValueError, match="`y` holds values too large to standardise"):
        NARXRegressor(max_iter=1).fit(X, y)


def test_a_model_file_that_cannot_be_written_fails_its_series_alone(tmp_path, monkeypatch,
                                                                     capsys):
    """A full disk while the models are saved: that series is reported with the reason, the
    others are written, and the exit status is 1."""
    import errno

    from narxcast.model_files import ModelFile

    _long_csv(tmp_path / "all.csv", ["a", "b", "c"])
    save = ModelFile.save

    def full_for_b(self, path):
        if self.series == "b":
            raise OSError(errno.ENOSPC, "No space left on device")
        return save(self, path)

    monkeypatch.setattr(ModelFile, "save", full_for_b)
    assert main(["fit", str(tmp_path / "all.csv"), *FIT, "--out", str(tmp_path / "m")]) == 1
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["a.narxcast", "c.narxcast"]
    assert "b: " in (error := capsys.readouterr().err) and "No space left on device" in error


def test_a_model_file_copied_under_another_series_name_is_noted(tmp_path, capsys):
    import shutil

    _long_csv(tmp_path / "all.csv", ["a", "b"])
    assert main(["fit", str(tmp_path / "all.csv"), *FIT, "--out", str(tmp_path / "m")]) == 0
    shutil.copy(tmp_path / "m" / "a.narxcast", tmp_path / "m" / "b.narxcast")
    latest = _frame(140).iloc[100:].assign(site="a")
    latest.loc[latest.index[-2:], "ghi"] = np.nan  # the future: inputs known, target not
    pd.concat([latest, latest.assign(site="b")]).to_csv(tmp_path / "latest.csv", index=False)
    capsys.readouterr()
    assert main(["forecast", str(tmp_path / "m"), str(tmp_path / "latest.csv"),
                 "--series-column", "site", "--horizon", "2", "--out", str(tmp_path / "f.csv"),
                 "--quiet"]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "note, b: b.narxcast holds the model of series 'a', used here for series 'b'" in out
    assert "note, a:" not in out
