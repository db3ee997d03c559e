"""Every public kernel's first call (compilation) and warm call, here and in another checkout.

Run: ``python benchmarks/bench_kernel_calls.py [--against PATH]`` (writes
``benchmarks/results/bench_kernel_calls.md``).

The calls are those the estimators make: small NARX, TDNN, Elman, LSTM and GRU fits (gradient,
Levenberg–Marquardt, evolution) and forecasts record the arguments of each kernel they call,
with the JIT off, in a process of their own. Each kernel is then replayed in fresh processes
with an empty Numba cache: its first call (compiling it and what it calls) and the best of
many warm calls, the best over ``--rounds`` processes. With ``--against`` a second checkout
(e.g. ``git worktree add /tmp/before HEAD~1``) is measured in the same run, alternating with
this one, and the ratio printed: a change to how kernels take their arguments must not make
them slower. Run it on an otherwise idle machine.
"""

import argparse
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
KERNELS = {
    "narx": ["forecast", "loss_gradient", "residuals_jacobian"],
    "tdnn": ["predict", "loss_gradient"],
    "recurrent": ["open_loop_states", "forecast"],
    "bptt": ["loss_gradient", "batch_loss_gradient"],
    "population": ["narx_loss", "recurrent_loss"],
}


def record(path):
    """Fit and forecast small models with every kernel wrapped to keep its first arguments
    (JIT off: recording compiles nothing)."""
    import copy
    import importlib
    import warnings

    import numpy as np

    from narxcast import ElmanRegressor, GRURegressor, LSTMRegressor, NARXRegressor, TDNNRegressor

    calls, variant = {}, [""]

    def wrap(module, name):
        kernel = getattr(module, name)

        def recorded(*args):
            calls.setdefault(f"{module.__name__.rsplit('.', 1)[-1]}.{name}{variant[0]}",
                             copy.deepcopy(args))
            return kernel(*args)

        setattr(module, name, recorded)

    for module_name, names in KERNELS.items():
        module = importlib.import_module(f"narxcast.kernels.{module_name}")
        for name in names:
            wrap(module, name)
    rng = np.random.default_rng(0)
    n = 600
    X = rng.normal(size=(n, 2))
    y = np.zeros(n)
    for t in range(2, n):
        y[t] = 0.6 * y[t - 1] - 0.2 * y[t - 2] + np.tanh(X[t, 0]) + 0.3 * X[t - 1, 1]
    warnings.simplefilter("ignore")
    small = dict(max_iter=2, random_state=0)
    for solver in ("adam", "lm"):
        model = NARXRegressor(input_delays=[0, 1], feedback_delays=[1, 2], solver=solver,
                              **small).fit(X, y)
    model.predict(X, y, horizon=24)
    variant[0] = "[paths]"
    model.sample_paths(X[:24], horizon=24, n_paths=50, residuals=rng.normal(scale=0.1, size=50))
    variant[0] = ""
    NARXRegressor(input_delays=[0, 1], feedback_delays=[1, 2], solver="ga", n_generations=1,
                  population_size=8, random_state=0).fit(X, y)
    TDNNRegressor(input_delays=[0, 1], target_delays=[1, 2], **small).fit(X, y).predict(X)
    for estimator in (ElmanRegressor, LSTMRegressor, GRURegressor):
        estimator(input_delays=[0], feedback_delays=[1], hidden_layer_sizes=(8,), **small).fit(
            X, y).predict(X, y, horizon=24)
    GRURegressor(input_delays=[0], feedback_delays=[1], hidden_layer_sizes=(64,),
                 **small).fit(X, y)  # wide enough to train in parallel parts
    ElmanRegressor(input_delays=[0], feedback_delays=[1], hidden_layer_sizes=(8,), solver="ga",
                   max_iter=1, population_size=8, random_state=0).fit(X, y)
    with open(path, "wb") as file:
        pickle.dump(calls, file)
    return calls


def replay(path, name):
    """The first call of one recorded kernel and the best of its warm calls, in seconds."""
    import importlib

    with open(path, "rb") as file:
        args = pickle.load(file)[name]
    module_name, function = name.split("[")[0].split(".")
    kernel = getattr(importlib.import_module(f"narxcast.kernels.{module_name}"), function)
    started = time.perf_counter()
    kernel(*args)
    first = time.perf_counter() - started
    warm = []
    for _ in range(7):
        started = time.perf_counter()
        for _ in range(20):
            kernel(*args)
        warm.append((time.perf_counter() - started) / 20)
    return first, min(warm)


def _child(checkout, *arguments):
    """This script's ``arguments`` in a fresh process on ``checkout`` with an empty cache."""
    with tempfile.TemporaryDirectory() as cache:
        environment = dict(os.environ, PYTHONPATH=str(checkout), NUMBA_CACHE_DIR=cache)
        if arguments[0] == "--record":
            environment["NUMBA_DISABLE_JIT"] = "1"
        done = subprocess.run([sys.executable, __file__, *arguments], env=environment,
                              capture_output=True, text=True, check=True)
    return done.stdout.strip()


def measure(checkouts, rounds):
    """Per kernel and checkout, the best first call and the best warm call over ``rounds``
    fresh processes, the checkouts alternating (so that a busy moment hits both)."""
    paths = {}
    try:
        for checkout in checkouts:
            with tempfile.NamedTemporaryFile(suffix=".pickle", delete=False) as file:
                paths[checkout] = file.name
            names = _child(checkout, "--record", paths[checkout]).split()
        results = {checkout: {} for checkout in checkouts}
        for name in names:
            for _ in range(rounds):
                for checkout in checkouts:
                    first, warm = map(float, _child(checkout, "--replay", paths[checkout],
                                                    name).split())
                    best = results[checkout].get(name, (np.inf, np.inf))
                    results[checkout][name] = min(best[0], first), min(best[1], warm)
        return [results[checkout] for checkout in checkouts]
    finally:
        for path in paths.values():
            os.unlink(path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", type=Path, help="another checkout, measured the same way")
    parser.add_argument("--rounds", type=int, default=3, help="fresh processes per kernel")
    parser.add_argument("--record", help=argparse.SUPPRESS)
    parser.add_argument("--replay", nargs=2, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.record:
        print(" ".join(sorted(record(options.record))))
        return
    if options.replay:
        print(*replay(*options.replay))
        return
    sys.path.insert(0, str(HERE))
    from _machine import describe

    checkouts = [HERE.parent] + ([options.against] if options.against else [])
    here, there = (measure(checkouts, options.rounds) + [{}])[:2]
    lines = ["# bench_kernel_calls: each public kernel's first call and warm call", "",
             f"Machine: {describe()}.", ""]
    if there:
        lines += [f"Against: `{options.against}` (ratio: there / here; above 1: here faster).",
                  "", "| kernel | first call | there | ratio | warm call | there | ratio |",
                  "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    else:
        lines += ["| kernel | first call | warm call |", "| --- | ---: | ---: |"]
    for name, (first, warm) in here.items():
        row = f"| `{name}` | {first:.2f} s "
        if name in there:
            other_first, other_warm = there[name]
            row += (f"| {other_first:.2f} s | {other_first / first:.2f}x | {warm * 1e6:.0f} µs "
                    f"| {other_warm * 1e6:.0f} µs | {other_warm / warm:.2f}x |")
        else:
            row += f"| {warm * 1e6:.0f} µs |"
        lines.append(row)
    text = "\n".join(lines) + "\n"
    print(text)
    (HERE / "results" / "bench_kernel_calls.md").write_text(text)


if __name__ == "__main__":
    main()
