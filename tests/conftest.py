import subprocess
import sys

import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def narendra_plant(u, noise=0.0, rng=None):
    """Narendra & Parthasarathy (1990) example: y(k+1) = y(k) / (1 + y(k)^2) + u(k)^3."""
    y = np.zeros(len(u))
    for k in range(len(u) - 1):
        y[k + 1] = y[k] / (1.0 + y[k] ** 2) + u[k] ** 3
    if noise:
        y = y + noise * rng.standard_normal(len(u))
    return y


def narxcast_command(*args, cwd=None):
    """Run ``narxcast ARGS`` as a user would, in a fresh interpreter; the completed process."""
    return subprocess.run([sys.executable, "-m", "narxcast.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=600)
