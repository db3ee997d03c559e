"""The bundled data: real, complete, regular, and as described."""

import numpy as np
import pandas as pd
import pytest

from narxcast.datasets import COLUMNS, list_datasets, load_solar_wind

SITES = list(list_datasets().index)


def test_list_describes_the_five_sites():
    table = list_datasets()
    assert SITES == ["colorado-2017", "greensboro-tmy3", "sandpoint-tmy3", "miami-tmy2",
                     "italy-pvgis-tmy"]
    assert {"source", "location", "resolution", "timezone"} <= set(table.columns)


@pytest.mark.parametrize("site", SITES)
def test_hourly_year_regular_complete_physical(site):
    data = load_solar_wind(site)
    assert list(data.columns) == list(COLUMNS)
    assert isinstance(data.index, pd.DatetimeIndex) and data.index.tz is not None
    assert len(data) == 8760 and data.index.freq == "h"
    assert np.isfinite(data.to_numpy()).all()
    assert (data[["ghi", "dni", "dhi", "clearsky_ghi", "wind_speed"]] >= 0).all().all()
    assert data["ghi"].max() < 1400 and -50 < data["temperature"].min()
    # night is dark: irradiance is zero where the clear-sky model says the sun is down
    night = data["clearsky_ghi"] == 0
    assert night.mean() > 0.3 and data.loc[night, "ghi"].mean() < 5
    # clear-sky GHI bounds measured GHI on average at every daytime hour
    day = data["clearsky_ghi"] > 100
    assert data.loc[day, "ghi"].mean() < data.loc[day, "clearsky_ghi"].mean()
    # the diurnal cycles of measured and clear-sky irradiance peak within an hour of each other
    by_hour = data.groupby(data.index.hour)[["ghi", "clearsky_ghi"]].mean()
    assert abs(by_hour["ghi"].idxmax() - by_hour["clearsky_ghi"].idxmax()) <= 1


def test_native_resolution_and_hourly_means():
    native = load_solar_wind("colorado-2017", freq=None)
    assert len(native) == 17520
    assert (np.diff(native.index) == pd.Timedelta("30min")).all()
    hourly = load_solar_wind("colorado-2017")
    np.testing.assert_allclose(hourly["ghi"].to_numpy(),
                               native["ghi"].to_numpy().reshape(-1, 2).mean(axis=1))


def test_bad_site_and_frequency():
    with pytest.raises(ValueError, match="`site` must be one of"):
        load_solar_wind("atlantis")
    with pytest.raises(ValueError, match="`freq` must not be finer than the native resolution"):
        load_solar_wind("miami-tmy2", freq="30min")
    with pytest.raises(ValueError, match="`freq` must be a pandas frequency"):
        load_solar_wind("miami-tmy2", freq="often")
