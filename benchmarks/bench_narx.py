"""NARXRegressor speed on one year of hourly data, with references measured in the same run.

Run: ``python benchmarks/bench_narx.py`` (writes ``benchmarks/results/bench_narx.md``).

Measures, for hidden sizes 5, 10 and 30 (NARX with input delays 0, 1 of 4 exogenous inputs
and feedback delays 1, 2, 3, 24 of GHI at colorado-2017, 8760 hourly steps):

- the time of one open-loop (teacher forcing) training epoch, against one epoch of
  scikit-learn's ``MLPRegressor.partial_fit`` on the same regressor matrix (batch 200);
- the time of one closed-loop BPTT epoch over 24-step windows;
- the time of 24-step forecasts from all 8760 origins (``predict(X, y, horizon=24,
  all_horizons=True)``), against a NumPy reference vectorised over the origins (BLAS matmul,
  ``np.tanh``, a loop over the 24 steps);
- the throughput of the vectorised tanh against a Numba loop over libm's ``math.tanh``;
- in fresh processes: the import, and the first fit with an empty Numba cache (compilation)
  and with the cache filled.

narxcast is timed before the references in each case: OpenBLAS worker threads keep spinning
for a while after a BLAS call and slow Numba's parallel threads down (see NOTES.md).
"""

import json
import math
import os
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _machine import best_of  # noqa: E402

INPUT_DELAYS, FEEDBACK_DELAYS = [0, 1], [1, 2, 3, 24]


def load():
    from narxcast.datasets import load_solar_wind
    from narxcast.features import solar_features

    data = load_solar_wind("colorado-2017")
    return solar_features(data).to_numpy(), data["ghi"].to_numpy()



def numpy_forecast(model, X, y, horizon, n_paths=1, residuals=None, rng=None):
    """Reference: the all-origins closed-loop forecast in NumPy, vectorised over origins;
    with ``residuals`` (user units), ``n_paths`` sample paths per origin, a residual drawn by
    ``rng`` added to every step's output before it is fed back."""
    Xs = model.input_scaler_.transform(X)
    ys = model.target_scaler_.transform(y[:, None])[:, 0]
    layers = list(zip(model.coefs_, model.intercepts_))
    n, max_delay = len(y), model.max_delay_
    origins = np.repeat(np.arange(max_delay - 1, n - horizon), n_paths)
    predictions = np.empty((horizon, origins.size))
    for step in range(horizon):
        t = origins + step + 1
        columns = [Xs[t - d] for d in INPUT_DELAYS]
        for k in FEEDBACK_DELAYS:
            lead = step + 1 - k
            columns.append((predictions[lead - 1] if lead >= 1 else ys[t - k])[:, None])
        a = np.hstack(columns)
        for index, (weights, bias) in enumerate(layers):
            a = a @ weights + bias
            if index < len(layers) - 1:
                a = np.tanh(a)
        predictions[step] = a[:, 0]
        if residuals is not None:
            scaled = residuals / model.target_scaler_.scale[0]
            predictions[step] += scaled[rng.integers(scaled.size, size=origins.size)]
    return model.target_scaler_.inverse(predictions[..., None])


def regressor_matrix(X, y):
    max_delay = max(INPUT_DELAYS + FEEDBACK_DELAYS)
    t = np.arange(max_delay, len(y))
    return (np.hstack([X[t - d] for d in INPUT_DELAYS] + [y[t - k, None] for k in FEEDBACK_DELAYS]),
            y[t])


def measure_sizes(X, y):
    from sklearn.neural_network import MLPRegressor
    from sklearn.preprocessing import StandardScaler

    from narxcast import NARXRegressor

    rows = []
    Z, target = regressor_matrix(StandardScaler().fit_transform(X),
                                 StandardScaler().fit_transform(y[:, None])[:, 0])
    for hidden in (5, 10, 30):
        epochs = 10
        options = dict(input_delays=INPUT_DELAYS, feedback_delays=FEEDBACK_DELAYS,
                       hidden_layer_sizes=(hidden,), max_iter=epochs, tol=0.0, loop="open",
                       n_iter_no_change=10**6, random_state=0)  # one stage: open-loop epochs
        model = NARXRegressor(**options).fit(X, y)  # compiles (or loads) every kernel
        open_epoch = best_of(lambda: NARXRegressor(**options).fit(X, y), 3) / epochs
        closed = dict(options, loop="closed", bptt_steps=24)
        closed_epoch = best_of(lambda: NARXRegressor(**closed).fit(X, y), 3) / epochs
        forecast = best_of(lambda: model.predict(X, y, horizon=24, all_horizons=True), 10)
        ours = model.predict(X, y, horizon=24, all_horizons=True)
        # the references, after narxcast (their BLAS threads spin on after each call)
        mlp = MLPRegressor(hidden_layer_sizes=(hidden,), activation="tanh", batch_size=200,
                           random_state=0)
        mlp.partial_fit(Z, target)
        sklearn_epoch = best_of(lambda: mlp.partial_fit(Z, target), 3)
        reference = numpy_forecast(model, X, y, 24)
        origins = np.arange(model.max_delay_ - 1, len(y) - 24)
        agree = np.allclose(ours[origins + 24, 23], reference[23, :, 0], rtol=1e-9)
        numpy_time = best_of(lambda: numpy_forecast(model, X, y, 24), 10)
        rows.append(dict(hidden=hidden, open_epoch=open_epoch, sklearn_epoch=sklearn_epoch,
                         closed_epoch=closed_epoch, forecast=forecast, numpy_forecast=numpy_time,
                         agree=bool(agree)))
    return rows


def measure_tanh():
    """ns per element of tanh over rows of 256 (L1-resident), both looped inside Numba."""
    from numba import njit

    from narxcast.kernels.activations import TANH, activate_inplace

    @njit
    def ours(row, n_calls):
        for _ in range(n_calls):
            activate_inplace(row, row.size, TANH)
            row *= 2.0  # keep the inputs in tanh's curved range

    @njit
    def libm(row, n_calls):
        for _ in range(n_calls):
            for b in range(row.size):
                row[b] = math.tanh(row[b])
            row *= 2.0

    n_calls = 20000
    row = np.random.default_rng(0).normal(size=256)
    ours(row.copy(), 1)
    libm(row.copy(), 1)
    per_element = 1e9 / (256 * n_calls)
    return (best_of(lambda: ours(row.copy(), n_calls), 3) * per_element,
            best_of(lambda: libm(row.copy(), n_calls), 3) * per_element)


CHILD = """
import json, sys, time, warnings
warnings.simplefilter("ignore")
started = time.perf_counter()
import numba, numpy, pandas, scipy, sklearn.base  # the dependencies narxcast imports
dependencies = time.perf_counter() - started
from narxcast import NARXRegressor
imported = time.perf_counter() - started
sys.path.insert(0, {here!r})
from bench_narx import load, best_of
X, y = load()
started = time.perf_counter()
model = NARXRegressor(input_delays=[0, 1], feedback_delays=[1, 2, 3, 24], max_iter=1,
                      random_state=0).fit(X, y)
model.predict(X, y, horizon=24, all_horizons=True)
first = time.perf_counter() - started
forecast = best_of(lambda: model.predict(X, y, horizon=24, all_horizons=True))
print(json.dumps(dict(dependencies=dependencies, imported=imported, first=first,
                      forecast=forecast)))
"""


def child(cache_dir):
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    output = subprocess.run([sys.executable, "-c", CHILD.format(here=str(HERE))], env=env,
                            capture_output=True, text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main():
    warnings.simplefilter("ignore")
    from _machine import RUNS, describe, over_runs, ratio_span, span

    def fresh_processes():
        with tempfile.TemporaryDirectory() as cache:
            return {"cold": child(cache), "warm": child(cache)}

    X, y = load()
    runs = over_runs(lambda: {"sizes": measure_sizes(X, y), "tanh": measure_tanh(),
                              **fresh_processes()})
    ours_tanh, libm_tanh = runs["tanh"]

    lines = [
        "# bench_narx: NARXRegressor speed, one year of hourly data (8760 steps)",
        "",
        f"Machine: {describe()}.",
        "",
        "Network: 12 regressors (4 inputs at delays 0, 1; GHI at delays 1, 2, 3, 24), one "
        f"tanh hidden layer, linear output. Warm (compiled) kernels; each figure is its range "
        f"over {RUNS} runs of the whole benchmark (best of 3-10 calls in each), ratios taken "
        "within a run.",
        "",
        "| hidden | open-loop epoch | sklearn MLP epoch (same matrix) | ratio | closed-loop "
        "BPTT epoch (24-step windows) | 24-step forecasts, all origins | NumPy reference | ratio "
        "| same values |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: |",
    ]
    for row in runs["sizes"]:
        lines.append(
            f"| {row['hidden'][0]} | {span(row['open_epoch'], 1e3, unit=' ms')} | "
            f"{span(row['sklearn_epoch'], 1e3, unit=' ms')} | "
            f"{ratio_span(row['sklearn_epoch'], row['open_epoch'])} | "
            f"{span(row['closed_epoch'], 1e3, unit=' ms')} | "
            f"{span(row['forecast'], 1e3, unit=' ms')} | "
            f"{span(row['numpy_forecast'], 1e3, unit=' ms')} | "
            f"{ratio_span(row['numpy_forecast'], row['forecast'])} | "
            f"{'yes' if all(row['agree']) else 'NO'} |")
    lines += [
        "",
        "Fresh processes (10-neuron NARX, `max_iter=1` fit then the all-origins 24-step forecast):",
        "",
        "| | import numpy, pandas, scipy, numba, sklearn | import narxcast (total) | first fit "
        "+ forecast | forecast (warm) |",
        "| --- | ---: | ---: | ---: | ---: |",
        *[f"| {name} | {span(run['dependencies'], digits=2, unit=' s')} | "
          f"{span(run['imported'], digits=2, unit=' s')} | "
          f"{span(run['first'], digits=2, unit=' s')} | "
          f"{span(run['forecast'], 1e3, unit=' ms')} |"
          for name, run in [("empty Numba cache (compiles)", runs["cold"]),
                            ("cache filled", runs["warm"])]],
        "",
        f"tanh in a hot loop (rows of 256): narxcast's vectorised tanh "
        f"{span(ours_tanh, digits=2)} ns/element, Numba loop over libm math.tanh "
        f"{span(libm_tanh, digits=2)} ns/element: {ratio_span(libm_tanh, ours_tanh)}.",
        "",
        "Targets: 24-step forecasts from all 8760 origins of a 10-neuron NARX under "
        "20 ms; a cached first fit in a new process under 2 s. The first fit and "
        "forecast with an empty cache under 3 s; with the cache filled, under 0.4 s.",
    ]
    report = "\n".join(lines) + "\n"
    print(report)
    (HERE / "results" / "bench_narx.md").write_text(report)


if __name__ == "__main__":
    main()
