"""The `narxcast` command, run as a user runs it."""

import subprocess
import sys

from narxcast.cli import demo


def test_demo_beats_persistence_on_bundled_data():
    import io

    out = io.StringIO()
    table = demo("colorado-2017", seed=0, out=out)
    assert list(table.columns) == ["RMSE h=1", "RMSE h=24"]
    narx = table.loc["NARX (open, then closed loop)"]
    assert narx["RMSE h=1"] < table["RMSE h=1"].drop(narx.name).min()
    assert narx["RMSE h=24"] < table["RMSE h=24"].drop(narx.name).min()
    assert "naive persistence" in out.getvalue()


def test_command_line_demo_and_help():
    result = subprocess.run([sys.executable, "-m", "narxcast.cli", "demo", "--site", "miami-tmy2"],
                            capture_output=True, text=True, check=True)
    assert "RMSE h=24" in result.stdout and "miami-tmy2" in result.stdout
    help_text = subprocess.run([sys.executable, "-m", "narxcast.cli", "demo", "--help"],
                               capture_output=True, text=True, check=True).stdout
    assert "--site" in help_text
    bad = subprocess.run([sys.executable, "-m", "narxcast.cli", "demo", "--site", "mars"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "--site must be one of" in bad.stderr
