"""Restarts (``n_init``) one after the other against two processes (``n_jobs=2``).

Run: ``python benchmarks/bench_restarts.py`` (writes ``benchmarks/results/bench_restarts.md``).

A default NARX (input delays 0, 1 of 4 inputs; feedback delays 1, 2, 3, 24 of GHI at
colorado-2017, one hourly year; open then closed loop) with ``n_init=4``: the whole fit, in
the same process, sequential first, then on joblib's processes (the first call starts them
and loads the cached kernels there; later calls reuse them). Both give the same model.
"""

import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_narx import load  # noqa: E402


def main():
    warnings.simplefilter("ignore")
    from _machine import RUNS, describe, ratio_span, span

    from narxcast import NARXRegressor

    X, y = load()
    options = dict(input_delays=[0, 1], feedback_delays=[1, 2, 3, 24], n_init=4, random_state=0)
    NARXRegressor(**options, max_iter=1).fit(X, y)  # compiled
    times = {}
    for n_jobs in (None, 2) * (1 + RUNS):
        started = time.perf_counter()
        model = NARXRegressor(**options, n_jobs=n_jobs).fit(X, y)
        times.setdefault(n_jobs, []).append(time.perf_counter() - started)
        times.setdefault(("scores", n_jobs), model.init_scores_)
    same = times[("scores", None)] == times[("scores", 2)]
    sequential, parallel = times[None], times[2]
    lines = [
        "# bench_restarts: n_init=4 restarts of a NARX, sequential against n_jobs=2",
        "",
        f"Machine: {describe()}.",
        "",
        "| | sequential | n_jobs=2 | ratio |",
        "| --- | ---: | ---: | ---: |",
        f"| first call (starts the processes) | {sequential[0]:.2f} s | {parallel[0]:.2f} s "
        f"| {sequential[0] / parallel[0]:.2f}x |",
        f"| later calls ({RUNS}, alternating; range) | {span(sequential[1:], digits=2, unit=' s')} "
        f"| {span(parallel[1:], digits=2, unit=' s')} "
        f"| {ratio_span(sequential[1:], parallel[1:], 2)} |",
        "",
        f"The same restarts' scores either way: {same}.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    (HERE / "results" / "bench_restarts.md").write_text(text)


if __name__ == "__main__":
    main()
