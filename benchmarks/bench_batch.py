"""Batch forecasting: 1000 series, each a fitted 10-neuron NARX, loaded, updated, forecast.

Run: ``python benchmarks/bench_batch.py`` (writes ``benchmarks/results/bench_batch.md``).

A NARX (inputs: temperature and clear-sky GHI at delays 0 and 1; GHI fed back at 1, 2, 3
and 24; 10 tanh neurons) is fitted on the first year of colorado-2017 less its last two days
and saved as 1000 model files, one per series (the series differ in their measurements: each
is the site's GHI scaled by a factor in [0.8, 1.2]). Each forecast reads the series' newest
day of measurements and the next day's exogenous inputs (one long Parquet table), loads the
model file, updates it with the day and forecasts 24 h. Timed:

1. the work per series in one process (``batch.forecast_job``: load + update + forecast),
   against the same loop with the model kept in memory (update + forecast only);
2. ``run_jobs`` over the 1000 series, serially and on 2 local worker processes (new, then
   reused: a worker's start-up, imports and Numba cache load cost about a second);
3. the whole ``narxcast forecast`` command (start-up, reading, writing), serially and with
   ``--n-jobs 2``.
"""

import subprocess
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
N_SERIES = 1000


def main():
    warnings.simplefilter("ignore")
    from _machine import RUNS, describe, over_runs, ratio_span, span

    from narxcast import NARXRegressor
    from narxcast.batch import fit_series, forecast_job
    from narxcast.datasets import load_solar_wind
    from narxcast.jobs import run_jobs
    from narxcast.specs import Spec
    from narxcast.tables import read_series

    frame = load_solar_wind("colorado-2017")[["ghi", "temperature", "clearsky_ghi"]]
    frame.index.name = "timestamp"
    train, day, future = frame.iloc[:-48], frame.iloc[-48:-24], frame.iloc[-24:]
    spec = Spec(time_column="timestamp", target="ghi", exog=["temperature", "clearsky_ghi"],
                model="narx", params=dict(input_delays=[0, 1], feedback_delays=[1, 2, 3, 24],
                                          hidden_layer_sizes=(10,), max_iter=50,
                                          random_state=0))
    started = time.perf_counter()
    model_file = fit_series("site", "train", train, spec)
    fit_seconds = time.perf_counter() - started
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "models").mkdir()
        parts = []
        for k in range(N_SERIES):
            name = f"s{k:04d}"
            replace(model_file, series=name).save(root / "models" / f"{name}.narxcast")
            latest = pd.concat([day, future.assign(ghi=np.nan)]).reset_index()
            latest["ghi"] *= rng.uniform(0.8, 1.2)
            latest.insert(1, "series", name)
            parts.append(latest)
        pd.concat(parts).to_parquet(root / "latest.parquet")
        series = read_series(root / "latest.parquet", "timestamp", "series")
        jobs = {name: (root / "models" / f"{name}.narxcast", "latest.parquet", part, 24, False)
                for name, (_, part) in series.items()}

        forecast_job("s0000", *jobs["s0000"])  # compiled or loaded from the cache once
        model = model_file.model
        X_day, y_day = day[spec.exog].to_numpy(), day["ghi"].to_numpy()
        X_future = future[spec.exog].to_numpy()

        def measure():
            started = time.perf_counter()
            for name, args in jobs.items():
                forecast_job(name, *args)
            timings = {"per_series": (time.perf_counter() - started) / N_SERIES}
            started = time.perf_counter()
            for _ in range(N_SERIES):
                model.update(X_day, y_day)
                model.predict(X_future)
            timings["in_memory"] = (time.perf_counter() - started) / N_SERIES
            # "cold": new workers in the first run only (loky keeps them for the next)
            for key, n_jobs in (("serial", 1), ("cold", 2), ("warm", 2)):
                started = time.perf_counter()
                outcomes = run_jobs(forecast_job, jobs, n_jobs=n_jobs)
                timings[key] = time.perf_counter() - started
                assert all(o.ok for o in outcomes)
            for n_jobs in (1, 2):
                started = time.perf_counter()
                subprocess.run([sys.executable, "-m", "narxcast.cli", "forecast",
                                str(root / "models"), str(root / "latest.parquet"),
                                "--series-column", "series", "--horizon", "24", "--out",
                                str(root / "forecasts.csv"), "--n-jobs", str(n_jobs),
                                "--quiet"], check=True, capture_output=True)
                timings[f"command{n_jobs}"] = time.perf_counter() - started
            return timings

        t = over_runs(measure)
        n_rows = len(pd.read_csv(root / "forecasts.csv"))

    lines = ["# bench_batch: forecasting 1000 series with fitted 10-neuron NARX models", "",
             f"Machine: {describe()}.", "",
             f"One model fitted in {fit_seconds:.1f} s on {len(train)} hourly rows; 1000 model "
             f"files ({NARXRegressor.__name__}, {model_file.model.theta_.size} parameters); "
             f"each forecast updates with 24 measured hours and forecasts 24 ({n_rows} "
             "forecast rows in all).", "",
             f"Each figure: its range over {RUNS} runs.", "",
             "| what | time per series | 1000 series |", "| --- | ---: | ---: |",
             f"| load + update + 24-step forecast, one process | "
             f"{span(t['per_series'], 1e3, 2, ' ms')} | "
             f"{span(t['per_series'], N_SERIES, 2, ' s')} |",
             f"| update + 24-step forecast, model in memory | "
             f"{span(t['in_memory'], 1e3, 2, ' ms')} | "
             f"{span(t['in_memory'], N_SERIES, 2, ' s')} |",
             f"| run_jobs, serial | {span(t['serial'], 1e3 / N_SERIES, 2, ' ms')} | "
             f"{span(t['serial'], digits=2, unit=' s')} |",
             f"| run_jobs, 2 new worker processes (start-up, imports, Numba cache; first run) | "
             f"{t['cold'][0] / N_SERIES * 1e3:.2f} ms | {t['cold'][0]:.2f} s "
             f"({t['serial'][0] / t['cold'][0]:.2f}x serial) |",
             f"| run_jobs, the same 2 workers again | {span(t['warm'], 1e3 / N_SERIES, 2, ' ms')}"
             f" | {span(t['warm'], digits=2, unit=' s')} "
             f"({ratio_span(t['serial'], t['warm'], 2)} serial) |",
             f"| `narxcast forecast`, whole command, serial | "
             f"{span(t['command1'], 1e3 / N_SERIES, 2, ' ms')} | "
             f"{span(t['command1'], digits=2, unit=' s')} |",
             f"| `narxcast forecast --n-jobs 2`, whole command | "
             f"{span(t['command2'], 1e3 / N_SERIES, 2, ' ms')} | "
             f"{span(t['command2'], digits=2, unit=' s')} "
             f"({ratio_span(t['command1'], t['command2'], 2)} serial) |"]
    report = "\n".join(lines) + "\n"
    print(report)
    (HERE / "results" / "bench_batch.md").write_text(report)


if __name__ == "__main__":
    main()
