"""Rebuild narxcast's bundled solar and wind data from the pvlib source distribution.

The measurements are files that ship inside pvlib's sdist (version 0.16.1). They are read
with ``pvlib.iotools`` where a reader exists, reduced to a few columns in SI units, given a
clear-sky irradiance computed with pvlib (Ineichen model, Linke turbidity climatology),
and written as gzip-compressed CSVs to ``datasets/processed/`` (installed as the package
data ``narxcast.data``).

Usage::

    python -m pip install pvlib==0.16.1 h5py
    python datasets/build_datasets.py                 # downloads the pvlib sdist with pip
    python datasets/build_datasets.py --pvlib-source /path/to/pvlib-0.16.1

Timestamps label the start of each averaging interval in the site's fixed standard-time
offset (see datasets/README.md for each source's convention and the shift applied).
"""

import argparse
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

PVLIB_VERSION = "0.16.1"
OUT_DIR = Path(__file__).resolve().parent / "processed"
COLUMNS = ["ghi", "dni", "dhi", "clearsky_ghi", "temperature", "wind_speed"]
TMY_YEAR = 2001  # typical years mix months of different years; one non-leap year is imposed


def _clearsky_ghi(times, latitude, longitude, altitude, offset):
    """Ineichen clear-sky GHI at ``times + offset`` (the representative instant of each row)."""
    from pvlib.location import Location

    location = Location(latitude, longitude, altitude=altitude)
    clearsky = location.get_clearsky(times + offset, model="ineichen")
    return clearsky["ghi"].to_numpy()


def _finish(frame, latitude, longitude, altitude, offset):
    frame = frame.sort_index()
    if frame.index.has_duplicates:
        raise ValueError("duplicated timestamps after coercion")
    frame["clearsky_ghi"] = _clearsky_ghi(frame.index, latitude, longitude, altitude, offset)
    frame = frame[COLUMNS].astype(float)
    for column in ["ghi", "dni", "dhi", "clearsky_ghi"]:
        frame[column] = frame[column].clip(lower=0.0)
    return frame.round({"ghi": 1, "dni": 1, "dhi": 1, "clearsky_ghi": 2,
                        "temperature": 2, "wind_speed": 2})


def _coerce_year(index, year=TMY_YEAR):
    return pd.DatetimeIndex([t.replace(year=year) for t in index])


def colorado_2017(source):
    # NSRDB PSM3 2017 half-hourly file without its metadata header: pvlib 0.16 reads
    # only PSM4 files with headers, so this plain CSV is read with pandas.
    raw = pd.read_csv(source / "tests" / "data" / "test_psm3_2017.csv", index_col=0)
    stamps = pd.to_datetime(raw[["Year", "Month", "Day", "Hour", "Minute"]]
                            .rename(columns=str.lower))
    frame = pd.DataFrame({
        "ghi": raw["GHI"].to_numpy(), "dni": raw["DNI"].to_numpy(), "dhi": raw["DHI"].to_numpy(),
        "temperature": raw["Temperature"].to_numpy(), "wind_speed": raw["Wind Speed"].to_numpy(),
    }, index=pd.DatetimeIndex(stamps).tz_localize("Etc/GMT+7"))
    return _finish(frame, 40.53, -108.54, 1920.0, pd.Timedelta(0))


def _tmy3(path):
    from pvlib.iotools import read_tmy3

    data, meta = read_tmy3(path, coerce_year=TMY_YEAR, map_variables=True)
    # TMY3 labels the end of each hour; shift to the interval start and wrap the last hour.
    index = data.index - pd.Timedelta("1h")
    data.index = _coerce_year(index)
    frame = data.rename(columns={"temp_air": "temperature"})
    return _finish(frame, meta["latitude"], meta["longitude"], meta["altitude"],
                   pd.Timedelta("30min"))


def greensboro_tmy3(source):
    return _tmy3(source / "pvlib" / "data" / "723170TYA.CSV")


def sandpoint_tmy3(source):
    return _tmy3(source / "pvlib" / "data" / "703165TY.csv")


def miami_tmy2(source):
    from pvlib.iotools import read_tmy2

    data, meta = read_tmy2(source / "pvlib" / "data" / "12839.tm2")
    # pvlib labels TMY2 rows by the start of the hour; temperature and wind come in tenths.
    frame = pd.DataFrame({
        "ghi": data["GHI"].to_numpy(float), "dni": data["DNI"].to_numpy(float),
        "dhi": data["DHI"].to_numpy(float),
        "temperature": data["DryBulb"].to_numpy(float) / 10.0,
        "wind_speed": data["Wspd"].to_numpy(float) / 10.0,
    }, index=_coerce_year(data.index))
    return _finish(frame, meta["latitude"], meta["longitude"], meta["altitude"],
                   pd.Timedelta("30min"))


def italy_pvgis_tmy(source):
    from pvlib.iotools import read_pvgis_tmy

    data, meta = read_pvgis_tmy(source / "tests" / "data" / "tmy_45.000_8.000_2005_2023.csv")
    frame = data.rename(columns={"temp_air": "temperature"})
    frame.index = _coerce_year(frame.index)
    inputs = meta["inputs"]
    offset = pd.Timedelta(hours=inputs["irradiance time offset"])
    return _finish(frame, inputs["latitude"], inputs["longitude"], inputs["elevation"], offset)


SITES = {
    "colorado-2017": colorado_2017,
    "greensboro-tmy3": greensboro_tmy3,
    "sandpoint-tmy3": sandpoint_tmy3,
    "miami-tmy2": miami_tmy2,
    "italy-pvgis-tmy": italy_pvgis_tmy,
}


def _pvlib_source(path):
    if path is not None:
        return Path(path)
    work = Path(tempfile.mkdtemp())
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary",
                    ":all:", f"pvlib=={PVLIB_VERSION}", "-d", str(work)], check=True)
    with tarfile.open(next(work.glob("pvlib-*.tar.gz"))) as archive:
        archive.extractall(work, filter="data")
    return work / f"pvlib-{PVLIB_VERSION}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pvlib-source", help="unpacked pvlib sdist (downloaded if omitted)")
    args = parser.parse_args(argv)
    source = _pvlib_source(args.pvlib_source)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for site, build in SITES.items():
        frame = build(source)
        if not np.isfinite(frame.to_numpy()).all():
            raise ValueError(f"{site}: non-finite values after processing")
        target = OUT_DIR / f"{site}.csv.gz"
        frame.to_csv(target, index_label="time", compression={"method": "gzip", "mtime": 0})
        print(f"{site}: {len(frame)} rows, {frame.index[0]} .. {frame.index[-1]} -> {target}")


if __name__ == "__main__":
    main()
