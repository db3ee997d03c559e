"""The solar/wind benchmark: the real command on bundled data (quick mode), and the search
that chooses the NARX settings sees training rows only."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from narxcast import benchmark


@pytest.mark.slow
def test_narxcast_bench_quick_writes_tables_and_figures(tmp_path):
    pytest.importorskip("matplotlib")
    completed = subprocess.run(
        [sys.executable, "-m", "narxcast.cli", "bench", "--quick", "--sites", "colorado-2017",
         "--targets", "ghi", "--out", str(tmp_path)], capture_output=True, text=True,
        timeout=600)
    assert completed.returncode == 0, completed.stderr
    scores = pd.read_csv(tmp_path / "solar_wind.csv")
    assert set(scores.columns) == {"site", "target", "split", "model", "horizon", "metric",
                                   "value", "reference"}
    skill = scores[scores.metric == "skill"]  # each against the best persistence, named
    assert skill.reference.isin(["naive persistence", "seasonal persistence",
                                 "clear-sky persistence"]).all()
    assert scores[~scores.metric.str.contains("skill")].reference.isna().all()
    assert "Skill: 1 - RMSE / RMSE of the best persistence at each horizon: " in (
        tmp_path / "solar_wind.md").read_text()
    probabilistic = {f"{metric}_{c}" for metric in ("coverage", "width", "interval_score")
                     for c in (80, 95)} | {"crps", "crps_skill"}
    assert set(scores.metric) == {"rmse", "mae", "nrmse", "skill", "fit_seconds"} | probabilistic
    crps = scores[scores.metric == "crps"].pivot(index="model", columns="horizon",
                                                 values="value")
    assert list(crps.index) == ["NARX adam ensemble of 5, conformal", "persistence, conformal"]
    crps_skill = scores[scores.metric == "crps_skill"].pivot(index="model", columns="horizon",
                                                             values="value")
    np.testing.assert_allclose(crps_skill.loc["NARX adam ensemble of 5, conformal"],
                               1 - crps.iloc[0] / crps.iloc[1], atol=1e-4)
    skill = scores[scores.metric == "skill"].pivot(index="model", columns="horizon",
                                                   values="value")
    persistence = skill.loc[["naive persistence", "seasonal persistence",
                             "clear-sky persistence"]]
    assert (persistence.max() == 0).all()  # skill is against the best persistence
    rmse = scores[scores.metric == "rmse"].pivot(index="model", columns="horizon",
                                                 values="value")
    # the CSV keeps 6 significant digits
    assert ((1 - rmse.div(rmse.loc[persistence.index].min())) - skill).abs().max().max() < 1e-4
    report = (tmp_path / "solar_wind.md").read_text()
    for heading in ("## The NARX settings, searched on training data only",
                    "## Best entry per site, target and horizon", "## All scores",
                    "## Probabilistic forecasts"):
        assert heading in report
    for png in ("solar_wind_colorado-2017_ghi.png", "solar_wind_skill.png"):
        assert (tmp_path / png).stat().st_size > 10_000


def test_search_never_sees_the_test_block(monkeypatch):
    seen = []
    original = benchmark._problem

    def recording(site, target):
        X, y, mask = original(site, target)
        seen.append(len(y))
        return X, y, mask

    calls = []
    import narxcast.model_selection as model_selection

    real_backtest = model_selection.backtest

    def spy(estimators, X, y, **kwargs):
        calls.append(len(y))
        return real_backtest(estimators, X, y, **kwargs)

    monkeypatch.setattr(benchmark, "_problem", recording)
    monkeypatch.setattr(model_selection, "backtest", spy)
    table, config = benchmark.search("wind_speed", quick=True)
    assert calls and all(n <= int(seen[0] * benchmark.TRAIN_FRACTION) for n in calls)
    assert set(config) == {"feedback_delays", "hidden_layer_sizes", "loop", "clearsky_index",
                           "recipe"}
    assert len(table) == 1
