"""Exogenous inputs for solar and wind forecasting, and the one definition of daytime.

Daytime is where the clear-sky irradiance exceeds ``DAYTIME_CLEARSKY`` (10 W/m2): the hours
scored for GHI, where a clear-sky index is formed, and below which the sun is too low for
``y / clearsky`` to mean anything. Everything in narxcast that means daytime uses
:func:`daytime_mask`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

__all__ = ["DAYTIME_CLEARSKY", "daytime_mask", "hour_of_day", "solar_features"]

DAYTIME_CLEARSKY = 10.0  # W/m2


def daytime_mask(clearsky: ArrayLike, threshold: float = DAYTIME_CLEARSKY) -> np.ndarray:
    """True where the clear-sky irradiance exceeds ``threshold`` (W/m2): the hours to score.

    Parameters
    ----------
    clearsky : array-like
        Clear-sky irradiance (W/m2).
    threshold : float, default=DAYTIME_CLEARSKY (10.0)

    Returns
    -------
    ndarray of bool
        True where ``clearsky`` exceeds ``threshold``.

    Examples
    --------
    >>> daytime_mask([0.0, 10.0, 120.0, float("nan")]).tolist()
    [False, False, True, False]
    """
    clearsky = np.asarray(clearsky, dtype=float)
    with np.errstate(invalid="ignore"):
        return clearsky > threshold


def hour_of_day(index: pd.DatetimeIndex) -> pd.DataFrame:
    """The hour of day of a DatetimeIndex as a sine and cosine (of the interval's middle):
    the daily cycle as two smooth inputs, continuous across midnight.

    Parameters
    ----------
    index : pandas.DatetimeIndex

    Returns
    -------
    pandas.DataFrame
        The columns ``hour_sin`` and ``hour_cos``, on ``index``.

    Examples
    --------
    >>> import pandas as pd
    >>> hours = hour_of_day(pd.date_range("2024-01-01", periods=24, freq="h"))
    >>> list(hours.columns), round(float(hours["hour_sin"].iloc[5]), 3)
    (['hour_sin', 'hour_cos'], 0.991)
    """
    hour = index.hour + index.minute / 60 + 0.5
    return pd.DataFrame({"hour_sin": np.sin(2 * np.pi * hour / 24),
                         "hour_cos": np.cos(2 * np.pi * hour / 24)}, index=index)


# the command's --features: {name: (columns the data must have, columns derived)}
COMMAND_FEATURES = {
    "solar": (["clearsky_ghi", "temperature"], ["hour_sin", "hour_cos"]),
    "hour": ([], ["hour_sin", "hour_cos"]),
}


def solar_features(frame: pd.DataFrame) -> pd.DataFrame:
    """Exogenous inputs for irradiance forecasting: clear-sky GHI (the sun's cycle, known
    ahead), temperature and the hour of day (sine and cosine of the interval's middle).

    ``frame`` needs a DatetimeIndex and the columns ``clearsky_ghi`` and ``temperature``, as
    :func:`narxcast.datasets.load_solar_wind` returns.

    Parameters
    ----------
    frame : pandas.DataFrame
        With a DatetimeIndex and the columns ``clearsky_ghi`` and ``temperature``.

    Returns
    -------
    pandas.DataFrame
        ``clearsky_ghi``, ``temperature``, ``hour_sin``, ``hour_cos``, on the frame's index.

    Examples
    --------
    >>> from narxcast.datasets import load_solar_wind
    >>> list(solar_features(load_solar_wind("miami-tmy2")).columns)
    ['clearsky_ghi', 'temperature', 'hour_sin', 'hour_cos']
    """
    return pd.concat([frame[["clearsky_ghi", "temperature"]], hour_of_day(frame.index)],
                     axis=1)
