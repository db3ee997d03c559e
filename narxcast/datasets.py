"""Real solar and wind measurements bundled with narxcast (see datasets/README.md)."""

from __future__ import annotations

from importlib import resources

import pandas as pd

__all__ = ["list_datasets", "load_solar_wind"]

_SITES = {
    "colorado-2017": {
        "source": "NREL NSRDB PSM3, 2017 (half-hourly satellite-derived irradiance, MERRA-2 "
                  "meteorology), via pvlib's test data",
        "location": "lat 40.53, lon -108.54, 1920 m (north-west Colorado, USA)",
        "resolution": "30min", "timezone": "UTC-07:00",
    },
    "greensboro-tmy3": {
        "source": "NREL TMY3 723170 (Greensboro Piedmont Triad Intl, NC, USA), via pvlib",
        "location": "lat 36.10, lon -79.95, 273 m", "resolution": "1h", "timezone": "UTC-05:00",
    },
    "sandpoint-tmy3": {
        "source": "NREL TMY3 703165 (Sand Point, AK, USA), via pvlib",
        "location": "lat 55.32, lon -160.52, 7 m", "resolution": "1h", "timezone": "UTC-09:00",
    },
    "miami-tmy2": {
        "source": "NREL TMY2 12839 (Miami, FL, USA), via pvlib",
        "location": "lat 25.80, lon -80.27, 2 m", "resolution": "1h", "timezone": "UTC-05:00",
    },
    "italy-pvgis-tmy": {
        "source": "EC JRC PVGIS TMY 2005-2023 (SARAH-3 irradiance, ERA5 meteorology), via pvlib",
        "location": "lat 45.00, lon 8.00, 250 m (Piedmont, Italy)", "resolution": "1h",
        "timezone": "UTC",
    },
}

COLUMNS = {
    "ghi": "global horizontal irradiance, W/m2, mean over the interval",
    "dni": "direct normal irradiance, W/m2",
    "dhi": "diffuse horizontal irradiance, W/m2",
    "clearsky_ghi": "clear-sky GHI (pvlib Ineichen, Linke turbidity climatology), W/m2",
    "temperature": "air temperature, degC",
    "wind_speed": "wind speed, m/s (10 m for PVGIS, station height for TMY)",
}


def list_datasets() -> pd.DataFrame:
    """Describe the bundled sites: one row per site.

    Returns
    -------
    pandas.DataFrame
        Indexed by site name, with source, location, native resolution and time zone.

    Examples
    --------
    >>> from narxcast.datasets import list_datasets
    >>> sorted(list_datasets().index)[:2]
    ['colorado-2017', 'greensboro-tmy3']
    """
    return pd.DataFrame.from_dict(_SITES, orient="index").rename_axis("site")


def load_solar_wind(site: str, freq: str = "1h") -> pd.DataFrame:
    """Load irradiance, temperature and wind speed measured at a bundled site.

    Parameters
    ----------
    site : str
        One of ``list_datasets().index``.
    freq : str or None, default="1h"
        Resample to this frequency by averaging (timestamps label the start of each interval);
        None keeps the native resolution (30 min for colorado-2017, 1 h for the others).

    Returns
    -------
    pandas.DataFrame
        DatetimeIndex (fixed-offset standard time of the site) and the columns ``ghi``, ``dni``,
        ``dhi``, ``clearsky_ghi`` (W/m2), ``temperature`` (degC), ``wind_speed`` (m/s).

    Examples
    --------
    >>> from narxcast.datasets import load_solar_wind
    >>> data = load_solar_wind("colorado-2017")
    >>> data.shape
    (8760, 6)
    >>> load_solar_wind("colorado-2017", freq=None).index[:2].strftime("%H:%M").tolist()
    ['00:00', '00:30']
    """
    if site not in _SITES:
        raise ValueError(f"`site` must be one of {sorted(_SITES)}. Got {site!r}.")
    path = resources.files("narxcast.data") / f"{site}.csv.gz"
    with path.open("rb") as stream:
        frame = pd.read_csv(stream, compression="gzip", index_col="time")
    frame.index = pd.to_datetime(frame.index)
    frame.index.name = "time"
    if freq is not None:
        try:
            step = pd.Timedelta(pd.tseries.frequencies.to_offset(freq))
        except ValueError as error:
            raise ValueError(f"`freq` must be a pandas frequency such as '1h'. Got {freq!r}."
                             ) from error
        if step < pd.Timedelta(_SITES[site]["resolution"]):
            raise ValueError(f"`freq` must not be finer than the native resolution "
                             f"({_SITES[site]['resolution']}) of {site!r}. Got {freq!r}.")
        frame = frame.resample(step).mean()
    return frame
