"""Probabilistic forecasts' cost on one year of hourly data, with references in the same run.

Run: ``python benchmarks/bench_intervals.py`` (writes ``benchmarks/results/bench_intervals.md``).

A 10-neuron NARX (input delays 0, 1 of 4 exogenous inputs, feedback delays 1, 2, 3, 24 of
GHI at colorado-2017, 8760 hourly steps) inside ``ConformalRegressor(max_horizon=24)``:

- conformal intervals and quantiles at every lead from all origins
  (``predict_interval(X, y, horizon=24, all_horizons=True)``) against the point forecasts
  alone (target: "the cost of the point forecast plus a few percent");
- 200 closed-loop sample paths of 24 steps from every origin (``sample_paths``, one kernel
  call; target: under 2 s) against a NumPy reference vectorised over origins and paths
  (BLAS matmul, ``np.tanh``, residuals drawn by ``Generator.integers``, a loop over the 24
  steps), which agrees with the kernel when the residual pool is one value.
"""

import sys
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _machine import best_of  # noqa: E402
from bench_narx import FEEDBACK_DELAYS, INPUT_DELAYS, load, numpy_forecast  # noqa: E402

N_PATHS, HORIZON = 200, 24


def main():
    warnings.simplefilter("ignore")
    from _machine import RUNS, describe, over_runs, ratio_span, span

    from narxcast import NARXRegressor
    from narxcast.intervals import ConformalRegressor

    X, y = load()
    model = ConformalRegressor(NARXRegressor(input_delays=INPUT_DELAYS,
                                             feedback_delays=FEEDBACK_DELAYS, max_iter=50,
                                             random_state=0), max_horizon=HORIZON).fit(X, y)
    inner = model.estimator_
    model.sample_paths(X[:500], y[:500], horizon=HORIZON, n_paths=2)  # compiled
    one_step = model.errors_[:, 0][~np.isnan(model.errors_[:, 0])]
    rng = np.random.default_rng(0)

    def measure():
        return dict(
            point=best_of(lambda: model.predict(X, y, horizon=HORIZON, all_horizons=True), 10),
            point_24=best_of(lambda: model.predict(X, y, horizon=HORIZON), 10),
            interval_24=best_of(lambda: model.predict_interval(X, y, horizon=HORIZON), 10),
            interval=best_of(lambda: model.predict_interval(X, y, horizon=HORIZON,
                                                            coverage=0.9, all_horizons=True), 10),
            quantiles=best_of(lambda: model.predict_quantiles(
                X, y, horizon=HORIZON, quantiles=(0.05, 0.25, 0.5, 0.75, 0.95),
                all_horizons=True), 10),
            paths=best_of(lambda: model.sample_paths(X, y, horizon=HORIZON, n_paths=N_PATHS,
                                                     random_state=0), 3),
            reference=best_of(lambda: numpy_forecast(inner, X, y, HORIZON, N_PATHS, one_step,
                                                     rng), 2))

    t = over_runs(measure)
    # agreement: a one-value pool makes the paths deterministic in both
    ours = inner.sample_paths(X, y, horizon=HORIZON, n_paths=2, residuals=[3.0])
    theirs = numpy_forecast(inner, X, y, HORIZON, 2, np.array([3.0]), rng)[..., 0]
    origins = np.arange(inner.max_delay_ - 1, len(y) - HORIZON)
    agree = np.allclose(ours[origins + HORIZON, HORIZON - 1, 0],
                        theirs[HORIZON - 1, ::2], rtol=1e-9, atol=1e-9)
    values = N_PATHS * HORIZON * len(y)
    lines = [
        "# bench_intervals: intervals, quantiles and sample paths, one hourly year",
        "",
        f"Machine: {describe()}.",
        "",
        "A 10-neuron NARX (12 regressors) in `ConformalRegressor(max_horizon=24)`, all 8760 "
        f"origins, 24 leads. Best of 3-10 calls, warm kernels; each figure is its range over "
        f"{RUNS} runs, ratios within a run.",
        "",
        "| what | time | reference | ratio |",
        "| --- | ---: | ---: | ---: |",
        f"| point forecasts 24 h ahead | {span(t['point_24'], 1e3, unit=' ms')} | | |",
        f"| + 90% conformal intervals 24 h ahead | {span(t['interval_24'], 1e3, unit=' ms')} | "
        f"point forecasts | {ratio_span(t['interval_24'], t['point_24'], 2)} the point cost |",
        f"| point forecasts, every lead | {span(t['point'], 1e3, unit=' ms')} | | |",
        f"| + 90% conformal intervals, every lead | {span(t['interval'], 1e3, unit=' ms')} | "
        f"point forecasts | {ratio_span(t['interval'], t['point'], 2)} the point cost |",
        f"| + 5 conformal quantiles, every lead | {span(t['quantiles'], 1e3, unit=' ms')} | "
        f"point forecasts | {ratio_span(t['quantiles'], t['point'], 2)} the point cost |",
        f"| {N_PATHS} sample paths x 24 steps, every origin ({values / 1e6:.0f} M values) | "
        f"{span(t['paths'], digits=2, unit=' s')} | NumPy over origins x paths: "
        f"{span(t['reference'], digits=2, unit=' s')} | "
        f"{ratio_span(t['reference'], t['paths'])} faster |",
        "",
        f"Sample paths agree with the NumPy reference for a one-value residual pool: {agree}. "
        "Target: the paths under 2 s; intervals at the point forecast's cost plus "
        "a few percent.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    (HERE / "results" / "bench_intervals.md").write_text(text)


if __name__ == "__main__":
    main()
