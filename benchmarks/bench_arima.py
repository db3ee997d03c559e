"""ARIMA: 24-step forecasts from every origin of an hourly year, vectorised against statsmodels.

Run: ``python benchmarks/bench_arima.py`` (writes ``benchmarks/results/bench_arima.md``).

SARIMAX(2, 0, 1)(1, 0, 0, 24) on hourly GHI at colorado-2017 with clear-sky GHI and
temperature as exogenous regressors, parameters estimated on the first 75% of the year.
Forecasts of 1..24 steps from all 8760 origins of the year:

- narxcast: ``ARIMARegressor.predict(X, y, horizon=24, all_horizons=True)``, one Kalman
  filter pass and a vectorised propagation of the predicted states;
- reference: statsmodels' dynamic prediction from each origin in turn
  (``filtered.predict(start=o + 1, end=o + 24, dynamic=True)``), the per-origin loop a user
  would write, over the same filtered results.
"""

import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def main(n_reference_origins=None):
    warnings.simplefilter("ignore")
    from _machine import RUNS, best_of, describe, over_runs, span
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    from narxcast import ARIMARegressor
    from narxcast.datasets import load_solar_wind

    data = load_solar_wind("colorado-2017")
    X = data[["clearsky_ghi", "temperature"]].to_numpy()
    y = data["ghi"].to_numpy()
    spec = dict(order=(2, 0, 1), seasonal_order=(1, 0, 0, 24))
    started = time.perf_counter()
    model = ARIMARegressor(**spec).fit(X[:6570], y[:6570])
    fit_seconds = time.perf_counter() - started

    ours = model.predict(X, y, horizon=24, all_horizons=True)
    vectorised = over_runs(lambda: best_of(
        lambda: model.predict(X, y, horizon=24, all_horizons=True), 5))

    origins = np.arange(len(y) - 1)
    if n_reference_origins is not None:
        origins = origins[:: max(1, len(origins) // n_reference_origins)]
    started = time.perf_counter()
    filtered = SARIMAX(y, exog=X, **spec).filter(model.params_)
    reference = {}
    for origin in origins:
        reference[origin] = filtered.predict(start=origin + 1, end=min(origin + 24, len(y) - 1),
                                             dynamic=True)
    loop = time.perf_counter() - started
    per_origin = loop / origins.size
    worst = max(np.max(np.abs(ours[o + 1 + np.arange(p.size), np.arange(p.size)] - p)
                       / np.maximum(np.abs(p), 1e-9)) for o, p in reference.items())

    report = "\n".join([
        "# bench_arima: 24-step ARIMA forecasts from every origin of an hourly year",
        "",
        f"Machine: {describe()}.",
        "",
        "SARIMAX(2, 0, 1)(1, 0, 0, 24), exogenous clear-sky GHI and temperature, colorado-2017 "
        f"hourly (8760 rows); parameters estimated once on 6570 rows in {fit_seconds:.1f} s.",
        "",
        f"| | time for all 8759 origins (range over {RUNS} runs) | per origin |",
        "| --- | ---: | ---: |",
        f"| narxcast, one filter pass + vectorised states | {span(vectorised, 1e3, unit=' ms')} "
        f"| {span(vectorised, 1e6 / 8759, 2, ' us')} |",
        f"| statsmodels dynamic prediction, loop over {origins.size} origins"
        f"{' (extrapolated)' if origins.size < 8759 else ''} | {per_origin * 8759:.1f} s | "
        f"{per_origin * 1e3:.2f} ms |",
        "",
        f"Speed-up: {span([per_origin * 8759 / v for v in vectorised], digits=0, unit='x')} "
        "(target: at least 50x). Largest "
        f"relative difference between the two over the compared origins: {worst:.1e}.",
    ]) + "\n"
    print(report)
    (HERE / "results" / "bench_arima.md").write_text(report)


if __name__ == "__main__":
    main()
