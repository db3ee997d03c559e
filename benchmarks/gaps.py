"""Filling gaps in measured series: what a gap filler must beat on the bundled data.

Run: ``python benchmarks/gaps.py [--sites SITE ...] [--gaps 30]`` (writes
``benchmarks/results/gaps.md`` and ``.csv``).

On every bundled site, for GHI and wind speed, gaps of 1, 3, 6, 12, 24 and 48 hours are cut
at random from the last quarter of the year (the block no model was fitted on; ``--gaps`` of
each length, each at least two days from the block's edges, one at a time with the rest of
the series measured) and filled by:

- linear interpolation between the measurements either side;
- clear-sky-index interpolation (GHI): the clear-sky index interpolated between the last
  daytime measurement before the gap and the first after it, times the clear-sky irradiance;
- a seasonal profile: the mean of the same hour over the seven days before the gap;
- the forward NARX forecast across the gap: the quickstart's network (open then closed loop,
  seed 0, fitted on the first three quarters) run free over the gap from the measurements
  before it, with its exogenous inputs (kept physical for GHI: zero at night, within
  ``[0, 1.5 x clear-sky]``);
- the bidirectional imputer (:class:`narxcast.impute.RecurrentImputer`, its defaults with
  each of its cells, GRU, LSTM and Elman, fitted on the first three quarters from three
  seeds), from 48 rows either side of the gap (kept physical for GHI by its ``clearsky``
  option, as the forecast is).

Scored by the RMSE of the filled values (GHI over daytime hours only), per site, target and
gap length. A bidirectional filler sees both sides of a gap; these see one side (the
forecast, the profile) or only its two edges (the interpolations).
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
LENGTHS = (1, 3, 6, 12, 24, 48)
TARGETS = ("ghi", "wind_speed")
MARGIN = 48  # rows of measurements kept between a gap and the test block's edges


def gap_starts(n_rows, start, length, count, rng):
    """``count`` gap starts of ``length`` in ``[start + MARGIN, n_rows - MARGIN - length)``."""
    return rng.integers(start + MARGIN, n_rows - MARGIN - length, size=count)


def linear(y, first, end, **_):
    left, right = y[first - 1], y[end]
    steps = np.arange(1, end - first + 1) / (end - first + 1)
    return left + (right - left) * steps


def clearsky_index(y, first, end, clearsky, daytime, **_):
    index = np.where(daytime, y / np.where(daytime, clearsky, 1.0), np.nan)
    before = index[:first][daytime[:first]][-1]
    after = index[end:][daytime[end:]][0]
    steps = np.arange(1, end - first + 1) / (end - first + 1)
    return np.where(daytime[first:end], (before + (after - before) * steps)
                    * clearsky[first:end], 0.0)


def seasonal_profile(y, first, end, **_):
    rows = np.arange(first, end)
    return np.mean([y[rows - 24 * day] for day in range(1, 8)], axis=0)


def forward_narx(y, first, end, model, X, clearsky, daytime, target, **_):
    simulated = np.asarray(model.simulate(X.iloc[first - 24:end], y[first - 24:first]))[24:]
    if target == "ghi":
        simulated = np.where(daytime[first:end],
                             np.clip(simulated, 0.0, 1.5 * clearsky[first:end]), 0.0)
    return simulated


def bidirectional(cell):
    """The filler of the bidirectional imputers of ``cell`` (one per seed): each one's fill
    of the gap alone."""
    def fill(y, first, end, imputers, table, **_):
        gapped = table.copy()
        gapped.iloc[first:end, 0] = np.nan
        rows = slice(max(0, first - 48), min(len(y), end + 48))
        return [imputer.transform(gapped.iloc[rows]).iloc[first - rows.start:end - rows.start,
                                                          0].to_numpy()
                for imputer in imputers[cell]]
    return fill


CELLS = ("gru", "lstm", "elman")
FILLERS = {"linear": linear, "clear-sky index": clearsky_index,
           "seasonal profile": seasonal_profile, "forward NARX": forward_narx,
           **{f"bidirectional {cell.upper() if cell != 'elman' else 'Elman'}":
              bidirectional(cell) for cell in CELLS}}
SEEDS = (0, 1, 2)


def run(site, target, n_gaps):
    from narxcast import NARXRegressor
    from narxcast.datasets import load_solar_wind
    from narxcast.features import daytime_mask, solar_features

    data = load_solar_wind(site)
    X, y = solar_features(data), data[target].to_numpy(dtype=float)
    clearsky = data["clearsky_ghi"].to_numpy(dtype=float)
    daytime = daytime_mask(clearsky)
    split = int(0.75 * len(y))
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = NARXRegressor(input_delays=[0, 1], feedback_delays=[1, 2, 3, 24],
                              random_state=0).fit(X.iloc[:split], y[:split])
    fit_seconds = time.perf_counter() - started
    from narxcast.impute import RecurrentImputer

    table = pd.concat([data[[target]], X], axis=1)
    started = time.perf_counter()
    bounds = {"clearsky": "clearsky_ghi"} if target == "ghi" else {}
    imputers = {cell: [RecurrentImputer(target, cell=cell, random_state=seed, **bounds)
                       .fit(table.iloc[:split]) for seed in SEEDS] for cell in CELLS}
    impute_seconds = (time.perf_counter() - started) / len(SEEDS) / len(CELLS)
    rng = np.random.default_rng(0)
    rows = []
    for length in LENGTHS:
        for first in gap_starts(len(y), split, length, n_gaps, rng):
            end = first + length
            scored = daytime[first:end] if target == "ghi" else np.ones(length, bool)
            if not scored.any():
                continue
            for name, filler in FILLERS.items():
                if name == "clear-sky index" and target != "ghi":
                    continue
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    filled = filler(y, first, end, model=model, X=X, clearsky=clearsky,
                                    daytime=daytime, target=target, imputers=imputers,
                                    table=table)
                for seed, fill in (enumerate(filled) if isinstance(filled, list)
                                   else [(None, filled)]):
                    errors = (fill - y[first:end])[scored]
                    rows.append(dict(site=site, target=target, length=length,
                                     start=int(first), filler=name, seed=seed,
                                     squared=float(np.sum(errors ** 2)),
                                     count=int(errors.size)))
    print(f"{site} {target}: NARX fit {fit_seconds:.1f} s, imputer fit {impute_seconds:.1f} s, "
          f"{len(rows)} fills", flush=True)
    return rows


def report(table):
    sys.path.insert(0, str(HERE))
    from _machine import describe

    table = table.assign(seed=table["seed"].fillna(-1))
    pooled = table.groupby(["site", "target", "length", "filler", "seed"], sort=False)[
        ["squared", "count"]].sum()
    per_seed = np.sqrt(pooled.squared / pooled["count"]).rename("rmse").reset_index()
    rmse = per_seed.groupby(["site", "target", "length", "filler"], sort=False).rmse.agg(
        ["mean", "std"]).reset_index()
    lines = ["# gaps: filling gaps in measured series, the baselines", "",
             f"Machine: {describe()}.", "",
             "RMSE of the filled values (GHI in W/m2 over daytime hours, wind in m/s), pooled "
             "over the gaps of each length cut from the last quarter of the year; the "
             f"bidirectional imputers over seeds {list(SEEDS)} (mean ± std); the best filler "
             "of each row in bold.", ""]
    for target in TARGETS:
        part = rmse[rmse.target == target]
        fillers = list(dict.fromkeys(part.filler))
        lines += [f"### {target}", "", "| site | gap (h) | " + " | ".join(fillers) + " |",
                  "| --- | ---: |" + " ---: |" * len(fillers)]
        for (site, length), group in part.groupby(["site", "length"], sort=False):
            means = group.set_index("filler")["mean"].reindex(fillers)
            spreads = group.set_index("filler")["std"].reindex(fillers)
            best = means.min()
            cells = []
            for value, spread in zip(means, spreads):
                text = f"{value:.3g}" + (f" ± {spread:.2g}" if np.isfinite(spread) else "")
                cells.append(f"**{text}**" if value == best else text)
            lines.append(f"| {site} | {length} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def main():
    from narxcast.datasets import list_datasets

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", nargs="+", default=list(list_datasets().index))
    parser.add_argument("--gaps", type=int, default=30, help="gaps of each length")
    options = parser.parse_args()
    rows = [row for site in options.sites for target in TARGETS
            for row in run(site, target, options.gaps)]
    table = pd.DataFrame(rows)
    text = report(table)
    print(text)
    if options.sites == list(list_datasets().index):
        table.to_csv(HERE / "results" / "gaps.csv", index=False)
        (HERE / "results" / "gaps.md").write_text(text)


if __name__ == "__main__":
    main()
