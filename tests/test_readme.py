"""The README's quickstart runs as written and its forecasts beat persistence."""

import re
import warnings
from pathlib import Path

import numpy as np

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_starts_with_the_two_setup_commands():
    text = README.read_text()
    block = re.search(r"```bash\n(.*?)```", text, re.S).group(1).strip().splitlines()
    assert block == ['python -m pip install ".[all]" && narxcast demo',
                     'python -m pip install -e ".[test]" && python -m pytest']
    assert text.index("```bash") < text.index("## ")


def test_quickstart_runs(capsys):
    code = re.search(r"## Quickstart\n\n```python\n(.*?)```", README.read_text(), re.S).group(1)
    namespace = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(code, "README quickstart", "exec"), namespace)
    printed = capsys.readouterr().out
    errors = [float(v) for v in re.findall(r"RMSE ([\d.]+) W/m2", printed)]
    assert len(errors) == 2
    y_test = namespace["y_test"].to_numpy()
    for error, h in zip(errors, (1, 24)):
        persistence = np.sqrt(np.mean((y_test[h:] - y_test[:-h]) ** 2))
        assert error < persistence


def test_backtest_example_runs(capsys):
    text = README.read_text()
    quickstart = re.search(r"## Quickstart\n\n```python\n(.*?)```", text, re.S).group(1)
    example = re.search(r"## Baselines and backtests\n.*?```python\n(.*?)```", text,
                        re.S).group(1)
    namespace = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(quickstart, "README quickstart", "exec"), namespace)
        exec(compile(example, "README backtest example", "exec"), namespace)
    result = namespace["result"]
    assert set(result.scores["metric"]) == {"rmse", "mae", "skill"}
    assert result.forecasts.shape == (len(namespace["y"]), 12)
    skill = result.scores.query("metric == 'skill' and horizon == 6")
    assert (skill.set_index("estimator")["value"].drop("smart persistence") > 0).all()


def test_recurrent_example_runs():
    text = README.read_text()
    quickstart = re.search(r"## Quickstart\n\n```python\n(.*?)```", text, re.S).group(1)
    example = re.search(r"## Recurrent networks\n\n```python\n(.*?)```", text, re.S).group(1)
    namespace = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(quickstart, "README quickstart", "exec"), namespace)
        exec(compile(example, "README recurrent example", "exec"), namespace)
    forecasts = namespace["lstm"].predict(namespace["X_test"], namespace["y_test"], horizon=24)
    truth = namespace["y_test"].to_numpy()
    persistence = np.sqrt(np.mean((truth[24:] - truth[:-24]) ** 2))
    assert np.sqrt(np.nanmean((forecasts - truth) ** 2)) < persistence


def test_training_methods_example_runs():
    """LM open then closed loop, and GA then LM, on the quickstart's data: both beat
    persistence at 1 h and 24 h ahead, and the hybrid's curves are those of its stages."""
    text = README.read_text()
    quickstart = re.search(r"## Quickstart\n\n```python\n(.*?)```", text, re.S).group(1)
    example = re.search(r"## Training methods\n\n```python\n(.*?)```", text, re.S).group(1)
    namespace = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(quickstart, "README quickstart", "exec"), namespace)
        exec(compile(example, "README training example", "exec"), namespace)
    evolved = namespace["evolved"]
    assert len(evolved.fitness_curve_) == 50 and len(evolved.loss_curve_) == evolved.n_iter_
    truth = namespace["y_test"].to_numpy()
    for h in (1, 24):
        persistence = np.sqrt(np.mean((truth[h:] - truth[:-h]) ** 2))
        forecasts = namespace["lm"].predict(namespace["X_test"], namespace["y_test"], horizon=h)
        assert np.sqrt(np.nanmean((forecasts - truth) ** 2)) < persistence
