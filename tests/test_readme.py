"""The README's code runs as written: the quickstart and the examples that continue from it."""

import contextlib
import io
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_starts_with_the_two_setup_commands():
    text = README.read_text()
    block = re.search(r"```bash\n(.*?)```", text, re.S).group(1).strip().splitlines()
    assert block == ['python -m pip install ".[all]" && narxcast demo',
                     'python -m pip install -e ".[test]" && python -m pytest']
    assert text.index("```bash") < text.index("## ")


def _section(title, block=0):
    """The Python block number ``block`` of the README section ``## title``."""
    section = re.search(rf"## {title}\n(.*?)(?=\n## |\Z)", README.read_text(), re.S).group(1)
    return re.findall(r"```python\n(.*?)```", section, re.S)[block]


def _run(title, namespace, block=0):
    """Run the section's block in a copy of ``namespace``; returns the copy."""
    namespace = dict(namespace)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(_section(title, block), f"README {title}", "exec"), namespace)
    return namespace


@pytest.fixture(scope="module")
def quickstart():
    """The quickstart, run once for every example that continues from it, and its output."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        namespace = _run("Quickstart", {})
    return namespace, printed.getvalue()


def test_quickstart_runs(quickstart):
    namespace, printed = quickstart
    errors = [float(v) for v in re.findall(r"RMSE ([\d.]+) W/m2", printed)]
    assert len(errors) == 2
    y_test = namespace["y_test"].to_numpy()
    for error, h in zip(errors, (1, 24)):
        persistence = np.sqrt(np.mean((y_test[h:] - y_test[:-h]) ** 2))
        assert error < persistence


def test_backtest_example_runs(quickstart):
    namespace = _run("Baselines and backtests", quickstart[0])
    result = namespace["result"]
    assert set(result.scores["metric"]) == {"rmse", "mae", "skill"}
    assert result.forecasts.shape == (len(namespace["y"]), 12)
    skill = result.scores.query("metric == 'skill'").pivot(index="estimator",
                                                          columns="horizon", values="value")
    # against clear-sky ("smart") persistence, which from night origins reads the same hour a
    # day back (issue 18 found the broken one had flattered every skill): the NARX trained
    # open then closed loop and ARIMA beat it at 6 and 24 h; at 1 h the closed-loop stage
    # costs the NARX a little (-0.02 here); the default TDNN loses at 1 and 6 h
    assert (skill.loc[["narx", "arima"], [6, 24]] > 0.15).all().all()
    assert skill.loc["narx", 1] > -0.05
    assert (skill.loc["tdnn", [1, 6]] < 0).all()
    rmse = result.scores.query("metric == 'rmse'").pivot(index="estimator", columns="horizon",
                                                         values="value")
    quoted = {"narx": (65.2, 97.5, 97.9), "arima": (62.1, 98.7, 97.3),
              "tdnn": (75.1, 136.1, 110.8), "smart persistence": (63.9, 122.6, 119.8)}
    for name, figures in quoted.items():  # the figures the README prints after the example
        np.testing.assert_allclose(rmse.loc[name, [1, 6, 24]], figures, atol=0.051)


def test_recurrent_example_runs(quickstart):
    namespace = _run("Recurrent networks", quickstart[0])
    forecasts = namespace["lstm"].predict(namespace["X_test"], namespace["y_test"], horizon=24)
    truth = namespace["y_test"].to_numpy()
    persistence = np.sqrt(np.mean((truth[24:] - truth[:-24]) ** 2))
    assert np.sqrt(np.nanmean((forecasts - truth) ** 2)) < persistence


def test_training_methods_example_runs(quickstart):
    """LM open then closed loop, and GA then LM, on the quickstart's data: both beat
    persistence at 1 h and 24 h ahead, and the hybrid's curves are those of its stages."""
    namespace = _run("Training methods", quickstart[0])
    evolved = namespace["evolved"]
    assert len(evolved.fitness_curve_) == 50 and len(evolved.loss_curve_) == evolved.n_iter_
    truth = namespace["y_test"].to_numpy()
    for h in (1, 24):
        persistence = np.sqrt(np.mean((truth[h:] - truth[:-h]) ** 2))
        forecasts = namespace["lm"].predict(namespace["X_test"], namespace["y_test"], horizon=h)
        assert np.sqrt(np.nanmean((forecasts - truth) ** 2)) < persistence


@pytest.mark.slow
def test_ensemble_example_runs(quickstart):
    """The ensemble of five LM NARX trained open then closed loop: its members disagree
    (a spread), and its day-ahead forecasts beat persistence."""
    namespace = _run("Training methods", quickstart[0], block=1)
    forecast, spread = namespace["forecast"], namespace["spread"]
    truth = namespace["y_test"].to_numpy()
    assert np.nanmean(spread) > 0
    persistence = np.sqrt(np.mean((truth[24:] - truth[:-24]) ** 2))
    assert np.sqrt(np.nanmean((forecast - truth) ** 2)) < persistence

