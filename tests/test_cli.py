"""The `narxcast demo` command, run once as a user runs it."""

import subprocess
import sys

import pytest


def _table(stdout):
    """The RMSE table the demo prints: {forecaster: (RMSE h=1, RMSE h=24)}."""
    lines = stdout.splitlines()
    header = next(k for k, line in enumerate(lines) if "RMSE h=1" in line)
    rows = {}
    for line in lines[header + 1:]:
        *name, h1, h24 = line.split()
        if not name:
            break
        try:
            rows[" ".join(name)] = (float(h1), float(h24))
        except ValueError:
            break
    return rows


@pytest.mark.slow
def test_demo_beats_the_benchmarks_persistence():
    result = subprocess.run([sys.executable, "-m", "narxcast.cli", "demo"],
                            capture_output=True, text=True, check=True)
    assert "colorado-2017" in result.stdout
    table = _table(result.stdout)
    assert set(table) == {"NARX (open, then closed loop)", "naive persistence",
                          "seasonal persistence (24 h)", "clear-sky persistence"}
    narx = table.pop("NARX (open, then closed loop)")
    for h in (0, 1):
        assert narx[h] < min(errors[h] for errors in table.values())


def test_demo_rejects_an_unknown_site():
    bad = subprocess.run([sys.executable, "-m", "narxcast.cli", "demo", "--site", "mars"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "--site must be one of" in bad.stderr
