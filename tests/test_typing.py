"""The typed public modules pass the type checker, which catches a wrong argument at a call
site; the package says it is typed (``py.typed``)."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def mypy(tmp_path_factory):
    """``mypy(*arguments)``: the type checker with the project's configuration and a cache of
    this run's own -> (exit status, report)."""
    api = pytest.importorskip("mypy.api")
    cache = tmp_path_factory.mktemp("mypy-cache")

    def check(*arguments):
        out, err, status = api.run(["--config-file", str(ROOT / "pyproject.toml"),
                                    "--cache-dir", str(cache), *arguments])
        return status, out + err

    return check


@pytest.mark.slow
def test_the_typed_modules_pass_the_type_checker(mypy, monkeypatch):
    monkeypatch.chdir(ROOT)  # the configuration's files are relative to the project
    status, report = mypy()
    assert status == 0, report


@pytest.mark.slow
@pytest.mark.parametrize("call, wrong", [
    ('load_solar_wind("colorado-2017")', None),
    ("load_solar_wind(2017)", '"load_solar_wind" has incompatible type "int"'),
    ('rmse([1.0, 2.0], [1.0, 3.0])', None),
    ('make_system("narendra-2", n_samples="many")', '"make_system" has incompatible type "str"'),
    ("dump(object(), 3)", 'Argument 2 to "dump" has incompatible type "int"'),
    ('NARXRegressor(feedback_delays=[1, 24], focus="simulation")', None),
    ('NARXRegressor(hidden_layer_sizes="ten")', '"hidden_layer_sizes" to "NARXRegressor" has '
                                                'incompatible type "str"'),
    ('LSTMRegressor(focus="simulate")', '"focus" to "LSTMRegressor" has incompatible type'),
    ("NARXRegressor().fit(None, [1.0, 2.0]).predict(horizon=2.5)",
     '"horizon" to "predict" of "BaseForecaster" has incompatible type "float"'),
])
def test_a_wrong_argument_at_a_call_site_is_caught(mypy, tmp_path, call, wrong):
    script = tmp_path / "user.py"
    script.write_text("from narxcast import LSTMRegressor, NARXRegressor\n"
                      "from narxcast.datasets import load_solar_wind\n"
                      "from narxcast.metrics import rmse\n"
                      "from narxcast.serialization import dump\n"
                      "from narxcast.systems import make_system\n\n" + call + "\n")
    status, report = mypy(str(script))
    if wrong is None:
        assert status == 0, report
    else:
        assert status == 1 and wrong in report, report


def test_the_package_is_marked_typed():
    assert (ROOT / "narxcast" / "py.typed").is_file()
    assert '"narxcast" = ["py.typed"]' in (ROOT / "pyproject.toml").read_text()
