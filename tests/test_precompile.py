"""Kernels compiled ahead of their first use (``narxcast compile``)."""

import json
import os
import subprocess
import sys

import pytest

from narxcast.cli import main
from narxcast.precompile import precompile

# a new process's first NARX and TDNN fits and forecasts, counting what Numba compiles
FIRST_FITS = """
import json, warnings
warnings.simplefilter("ignore")
from numba.core import event
compiled = []
class Listener(event.Listener):
    def on_start(self, ev): pass
    def on_end(self, ev): compiled.append(ev.data["dispatcher"].py_func.__qualname__)
event.register("numba:compile", Listener())
from narxcast import NARXRegressor, TDNNRegressor
from narxcast.datasets import load_solar_wind
data = load_solar_wind("colorado-2017")[:1000]
X, y = data[["temperature"]].to_numpy(), data["ghi"].to_numpy()
for model in (NARXRegressor(max_iter=3, random_state=1),
              NARXRegressor(solver="lm", max_iter=3, random_state=1),
              TDNNRegressor(max_iter=3, random_state=1)):
    model.fit(X, y).predict(X, y, horizon=6, all_horizons=True)
print(json.dumps(compiled))
"""


def test_a_process_after_the_command_loads_the_kernels_and_compiles_none(tmp_path):
    """``narxcast compile`` fills the kernel cache with what the defaults compile: a new
    process's first fits and forecasts (other data, sizes and seeds than the command's) then
    compile nothing."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path), "NARXCAST_QUIET": "1"}
    command = [sys.executable, "-m", "narxcast.cli", "compile", "--families", "narx", "tdnn",
               "--n-jobs", "1"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    assert "narx:" in done.stdout and str(tmp_path) in done.stdout
    assert any(tmp_path.rglob("*.nbi"))  # Numba's cache index files
    after = subprocess.run([sys.executable, "-c", FIRST_FITS], env=env, capture_output=True,
                           text=True, check=True)
    assert json.loads(after.stdout.strip().splitlines()[-1]) == []


@pytest.mark.parametrize("families", [["narx", "lstm"], [], "narx"])
def test_unknown_families_are_named_before_any_work(families):
    with pytest.raises(ValueError, match="`families` must name some of"):
        precompile(families)


def test_the_command_refuses_zero_processes(capsys):
    assert main(["compile", "--n-jobs", "0"]) == 2
    assert "--n-jobs must be a nonzero integer" in capsys.readouterr().err
