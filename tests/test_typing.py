"""The typed public modules pass the type checker, which catches a wrong argument at a call
site; the package says it is typed (``py.typed``)."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _mypy(*arguments):
    api = pytest.importorskip("mypy.api")
    out, err, status = api.run(["--config-file", str(ROOT / "pyproject.toml"),
                                "--cache-dir", str(ROOT / ".mypy_cache"), *arguments])
    return status, out + err


@pytest.mark.slow
def test_the_typed_modules_pass_the_type_checker(monkeypatch):
    monkeypatch.chdir(ROOT)  # the configuration's files are relative to the project
    status, report = _mypy()
    assert status == 0, report


@pytest.mark.slow
@pytest.mark.parametrize("call, wrong", [
    ('load_solar_wind("colorado-2017")', None),
    ("load_solar_wind(2017)", '"load_solar_wind" has incompatible type "int"'),
    ('rmse([1.0, 2.0], [1.0, 3.0])', None),
    ('make_system("narendra-2", n_samples="many")', '"make_system" has incompatible type "str"'),
    ("dump(object(), 3)", 'Argument 2 to "dump" has incompatible type "int"'),
])
def test_a_wrong_argument_at_a_call_site_is_caught(tmp_path, call, wrong):
    script = tmp_path / "user.py"
    script.write_text("from narxcast.datasets import load_solar_wind\n"
                      "from narxcast.metrics import rmse\n"
                      "from narxcast.serialization import dump\n"
                      "from narxcast.systems import make_system\n\n" + call + "\n")
    status, report = _mypy(str(script))
    if wrong is None:
        assert status == 0, report
    else:
        assert status == 1 and wrong in report, report


def test_the_package_is_marked_typed():
    assert (ROOT / "narxcast" / "py.typed").is_file()
    assert '"narxcast" = ["py.typed"]' in (ROOT / "pyproject.toml").read_text()
