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
