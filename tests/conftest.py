import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from narxcast.datasets import load_solar_wind


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


def solar_like(rng, days=30):
    """Hourly synthetic irradiance: a clear-sky curve, one cloudiness per day, a little noise;
    X has the clear sky, the hour as sine and cosine, and a temperature."""
    hour = np.arange(24 * days) % 24
    clearsky = 800 * np.maximum(np.sin(2 * np.pi * (hour - 6) / 24), 0)
    cloudiness = np.repeat(rng.uniform(0.3, 1.0, days), 24)
    X = pd.DataFrame({"clearsky_ghi": clearsky, "hour_sin": np.sin(2 * np.pi * hour / 24),
                      "hour_cos": np.cos(2 * np.pi * hour / 24),
                      "temperature": 15 + rng.normal(size=hour.size)})
    y = pd.Series(clearsky * cloudiness + 5 * rng.normal(size=hour.size), name="ghi")
    return X, y


def long_table(series, rows, columns=("ghi", "temperature", "clearsky_ghi"),
               time_column="timestamp"):
    """Bundled sites stacked as one long table: ``series`` maps each series id to a site of
    :func:`narxcast.datasets.load_solar_wind`, whose ``rows`` (a count from the start, or a
    slice) it takes; the time column (naive timestamps), the id column ``site``, then
    ``columns``."""
    rows = rows if isinstance(rows, slice) else slice(0, rows)
    parts = []
    for series_id, site in series.items():
        part = load_solar_wind(site)[list(columns)].iloc[rows].reset_index()
        part = part.rename(columns={part.columns[0]: time_column})
        part[time_column] = part[time_column].dt.tz_localize(None)
        part.insert(1, "site", series_id)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)
