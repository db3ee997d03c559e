"""The installation: compiled kernels are cached outside the package, in the user's cache
directory or under ``NUMBA_CACHE_DIR``; the package writes nothing into its own folder."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import narxcast

PACKAGE = Path(narxcast.__file__).parent

# Compiles one small optimiser kernel (about a second) and prints where its cache went.
COMPILE_ONE_KERNEL = """
import numpy as np
from narxcast.kernels import compilation, optimizers
n = 3
optimizers.adam_step(np.zeros(n), np.ones(n), np.ones(n), 0.0, np.inf, np.zeros(n),
                     np.zeros(n), 0.9, 0.999, 1e-8, 0.1)
print(compilation.cache_dirs(optimizers.__file__)[0])
"""


def _compile_in_a_fresh_process(tmp_path, **env):
    environment = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    environment.update(XDG_CACHE_HOME=str(tmp_path / "user-cache"), NARXCAST_QUIET="1", **env)
    done = subprocess.run([sys.executable, "-c", COMPILE_ONE_KERNEL], env=environment,
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return Path(done.stdout.strip())


def _cache_files(folder):
    return sorted(p.name for p in Path(folder).rglob("*.nb[ic]"))


@pytest.mark.slow
def test_kernels_are_cached_in_the_user_cache_directory(tmp_path):
    before = _cache_files(PACKAGE)
    folder = _compile_in_a_fresh_process(tmp_path)
    user_cache = tmp_path / "user-cache" / "narxcast" / narxcast.__version__
    assert folder.is_relative_to(user_cache)
    assert any(name.startswith("optimizers.adam_step") for name in _cache_files(folder))
    assert _cache_files(PACKAGE) == before == []  # nothing inside the package, ever


@pytest.mark.slow
def test_numba_cache_dir_is_honoured(tmp_path):
    folder = _compile_in_a_fresh_process(tmp_path, NUMBA_CACHE_DIR=str(tmp_path / "numba"))
    assert folder.is_relative_to(tmp_path / "numba")
    assert any(name.startswith("optimizers.adam_step") for name in _cache_files(folder))
    assert not (tmp_path / "user-cache" / "narxcast").exists()
    assert _cache_files(PACKAGE) == []


def test_the_estimators_load_on_first_use():
    """``import narxcast`` loads no estimator and no kernel; naming one loads its module."""
    code = """
import sys
import narxcast
loaded = sorted(m for m in sys.modules if m.startswith("narxcast."))
from narxcast import LSTMRegressor
print(loaded, LSTMRegressor.__module__, "narxcast.narx" in sys.modules,
      set(narxcast.__all__) <= set(dir(narxcast)))
try:
    narxcast.NARXRegresor
except AttributeError as error:
    print(error)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, env=dict(os.environ, NARXCAST_QUIET="1"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "[] narxcast.lstm False True",
        "module 'narxcast' has no attribute 'NARXRegresor'"]
