"""One global model over many series against one model per series, and what a
global fit and forecast of 10 to 100 series cost through the batch command.

Run: ``python benchmarks/bench_global.py [--quick]`` (writes
``benchmarks/results/bench_global.md``).

Accuracy: the five bundled sites as five series, GHI (daytime, clear-sky-index NARX inside
``IrradianceRegressor``) and wind speed; each series trained on its first 75%, its last
quarter forecast from every origin 1, 6 and 24 h ahead (``backtest``; the global model by
``backtest(groups=...)``: one fit over the five training blocks). Then the same sites cut into
twelve pieces of 730 hours (a month each, 60 short series): each piece's first 75% (23 days)
trains, its last week is scored. The NARX is the quickstart's (delays [0, 1] / [1, 2, 3, 24],
10 units, Adam, open then closed loop); RMSE is the mean ± std over seeds 0, 1, 2 of the mean
over series, and "better" counts the series where the global model's seed-mean RMSE is lower.

Cost: 10, 30 and 100 series of one hourly year each (the five sites, each copied with a
gain in [0.8, 1.2] and shifted by whole weeks) written as CSV files: ``narxcast fit
--global`` (``batch_global.fit_global_command``, ``max_iter=20``: two stages of 20 epochs)
and ``narxcast forecast`` of 24 h for every series from its last two weeks (serial and on two
processes), against fitting one model per series (``batch.fit_command``, same settings, two
processes).
"""

import argparse
import sys
import tempfile
import time
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

HORIZONS = (1, 6, 24)
SEEDS = (0, 1, 2)
TARGETS = ("ghi", "wind_speed")
PIECE = 730  # hours per short series


def _narx(seed, **params):
    from narxcast import NARXRegressor

    return NARXRegressor(input_delays=[0, 1], feedback_delays=[1, 2, 3, 24],
                         random_state=seed, **params)


def _models(target, seed):
    """(per-series model, global model) for ``target``."""
    from narxcast.compose import GlobalRegressor, IrradianceRegressor

    if target == "ghi":
        return IrradianceRegressor(_narx(seed)), IrradianceRegressor(GlobalRegressor(_narx(seed)))
    return _narx(seed), GlobalRegressor(_narx(seed))


def _series(pieces):
    """The bundled sites as series: {name: (X, y_frame)}; cut into ``PIECE``-hour pieces when
    ``pieces``."""
    from narxcast.datasets import list_datasets, load_solar_wind
    from narxcast.features import solar_features

    series = {}
    for site in list_datasets().index:
        frame = load_solar_wind(site).reset_index(drop=True)
        X = solar_features(frame.set_index(load_solar_wind(site).index)).reset_index(drop=True)
        cuts = range(0, len(frame) - PIECE + 1, PIECE) if pieces else [0]
        for start in cuts:
            stop = start + PIECE if pieces else len(frame)
            name = f"{site}/{start // PIECE + 1:02d}" if pieces else site
            series[name] = (X.iloc[start:stop].reset_index(drop=True),
                            frame.iloc[start:stop].reset_index(drop=True))
    return series


def _rmse_table(series, target, seeds):
    """Per seed and series, the RMSE of the per-series and the global model at each horizon:
    DataFrame (seed, model, series, horizon) -> rmse."""
    from narxcast.features import daytime_mask
    from narxcast.model_selection import backtest

    X = pd.concat([s[0] for s in series.values()], ignore_index=True)
    y = pd.concat([s[1][target] for s in series.values()], ignore_index=True)
    ids = np.repeat(list(series), [len(s[1]) for s in series.values()])
    mask = daytime_mask(X["clearsky_ghi"]) if target == "ghi" else None
    rows = []
    for seed in seeds:
        local, shared = _models(target, seed)
        started = time.perf_counter()
        result = backtest({"global": shared}, X, y, horizons=HORIZONS, groups=ids, mask=mask,
                          metrics=("rmse",), reference=None, progress=False)
        rows += [(seed, "global", r.series, r.horizon, r.value)
                 for r in result.scores.itertuples()]
        global_seconds = time.perf_counter() - started
        started = time.perf_counter()
        for name, (X_s, frame) in series.items():
            scored = None if mask is None else mask[ids == name]
            result = backtest({"per series": local}, X_s, frame[target], horizons=HORIZONS,
                              mask=scored, metrics=("rmse",), reference=None, progress=False)
            rows += [(seed, "per series", name, r.horizon, r.value)
                     for r in result.scores.itertuples()]
        print(f"  {target} seed {seed}: global {global_seconds:.1f} s, per series "
              f"{time.perf_counter() - started:.1f} s", flush=True)
    return pd.DataFrame(rows, columns=["seed", "model", "series", "horizon", "rmse"])


def _summary(table, label, target):
    """Markdown rows: per horizon, the mean over series (mean ± std over seeds) of each
    model, and the series where the global model is better."""
    lines = []
    for h in HORIZONS:
        at = table[table.horizon == h]
        means = at.groupby(["model", "seed"]).rmse.mean().unstack()  # model x seed
        per_series = at.groupby(["model", "series"]).rmse.mean().unstack()  # seed mean
        better = int((per_series.loc["global"] < per_series.loc["per series"]).sum())
        cells = [f"{means.loc[m].mean():.3g} ± {means.loc[m].std(ddof=0):.2g}"
                 for m in ("per series", "global")]
        gain = 1 - means.loc["global"].mean() / means.loc["per series"].mean()
        lines.append(f"| {label} | {target} | {h} | {cells[0]} | {cells[1]} | {gain:+.1%} | "
                     f"{better} of {per_series.shape[1]} |")
    return lines


def _write_series(folder, count, rows):
    """``count`` series of ``rows`` hours as CSV files in ``folder``: the bundled sites, each
    copy with a gain and shifted by whole weeks. Returns the file names."""
    from narxcast.datasets import list_datasets, load_solar_wind

    rng = np.random.default_rng(0)
    sites = list(list_datasets().index)
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(count):
        frame = load_solar_wind(sites[k % len(sites)])[["ghi", "clearsky_ghi", "temperature",
                                                        "wind_speed"]]
        shift = 168 * (k // len(sites))
        values = np.roll(frame.to_numpy(), shift, axis=0)[:rows]
        values[:, 3] *= rng.uniform(0.8, 1.2)
        times = pd.date_range("2021-01-01", periods=rows, freq="h", name="time")
        pd.DataFrame(values, index=times, columns=frame.columns).to_csv(
            folder / f"series{k:03d}.csv")


def _latest(folder, out, horizon=24, history=336):
    """Per series file, its last ``history`` hours measured and ``horizon`` future rows
    (wind empty, inputs given) after them, from the same file's first rows shifted on."""
    out.mkdir(parents=True, exist_ok=True)
    for path in sorted(folder.glob("*.csv")):
        frame = pd.read_csv(path, index_col="time", parse_dates=True)
        latest = frame.iloc[:history + horizon].copy()
        latest.index = frame.index[-1] + pd.Timedelta("1h") * np.arange(1, len(latest) + 1)
        latest.index.name = "time"
        latest.iloc[history:, latest.columns.get_loc("wind_speed")] = np.nan
        latest.to_csv(out / path.name)


def _cost(counts, quick):
    """Seconds of the global fit, the forecasts (serial, two processes) and per-series fits
    for each number of series."""
    from _machine import over_runs

    from narxcast.batch import fit_command
    from narxcast.batch_global import fit_global_command, forecast_global_command
    from narxcast.model_files import ModelFile
    from narxcast.specs import Spec

    spec = Spec(target="wind_speed", exog=["temperature"], features=["hour"],
                params=dict(input_delays=[0, 1], feedback_delays=[1, 2, 3, 24], max_iter=20,
                            random_state=0), global_model=True)
    rows = []
    with tempfile.TemporaryDirectory() as root:
        root = Path(root)
        for count in counts:
            data = root / f"data{count}"
            _write_series(data, count, 8760 if not quick else 2000)
            _latest(data, root / f"latest{count}")

            def measure():
                started = time.perf_counter()
                outcomes = fit_global_command(data, root / f"global{count}.narxcast", spec)
                times = {"fit": time.perf_counter() - started}
                assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok]
                model_file = ModelFile.load(root / f"global{count}.narxcast")
                for n_jobs in (1, 2):
                    started = time.perf_counter()
                    outcomes = forecast_global_command(
                        model_file, root / f"global{count}.narxcast", root / f"latest{count}",
                        root / f"forecasts{count}.csv", 24, n_jobs=n_jobs)
                    times[f"forecast{n_jobs}"] = time.perf_counter() - started
                    assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok]
                started = time.perf_counter()
                outcomes = fit_command(data, root / f"local{count}",
                                       replace(spec, global_model=False), n_jobs=2)
                assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok]
                times["per_series"] = time.perf_counter() - started
                return times

            times = over_runs(measure)
            rows.append((count, times))
            print(f"  {count} series: {times}", flush=True)
    return rows


def main():
    from _machine import RUNS, describe, ratio_span, span

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one seed, fewer series")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    seeds = SEEDS[:1] if args.quick else SEEDS
    lines = ["# bench_global: one global model against one model per series", "",
             f"Machine: {describe()}.", "",
             "Each series trained on its first 75%, its last quarter forecast from every "
             "origin (GHI scored in daytime). RMSE: the mean over series, mean ± std over "
             f"seeds {', '.join(map(str, seeds))}; gain = 1 - global / per series; better = "
             "series where the global model's RMSE (seed mean) is lower.", "",
             "| series | target | horizon | per series | global | gain | better |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for pieces, label in ((False, "5 sites, a year each"), (True, "60 pieces of 730 h")):
        series = _series(pieces)
        for target in TARGETS:
            table = _rmse_table(series, target, seeds)
            lines += _summary(table, label, target)
    counts = (10, 30) if args.quick else (10, 30, 100)
    cost = _cost(counts, args.quick)
    lines += ["", "Cost through the batch command (wind speed, temperature and hour of day as "
              "inputs, two stages of 20 epochs; forecasts of 24 h from each series' last two "
              "weeks):", "",
              "| series | global fit | per series | forecasts, serial | forecasts, 2 processes |",
              "| ---: | ---: | ---: | ---: | ---: |"]
    for count, t in cost:
        lines.append(f"| {count} | {span(t['fit'], unit=' s')} | "
                     f"{span(t['per_series'], unit=' s')} (2 processes) | "
                     f"{span(t['forecast1'], unit=' s')} | {span(t['forecast2'], unit=' s')} |")
    (first, a), (last, b) = cost[0], cost[-1]
    lines += ["", f"From {first} to {last} series ({last / first:.0f}x the data): the global fit "
              f"{ratio_span(b['fit'], a['fit'])} the time, the forecasts "
              f"{ratio_span(b['forecast1'], a['forecast1'])} (serial); ranges over "
              f"{RUNS} runs (the first forecasts on 2 processes start them)."]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.quick:
        (HERE / "results" / "bench_global.md").write_text(text)


if __name__ == "__main__":
    main()
