"""Recurrent regressors: training-epoch time against PyTorch on the CPU, same run.

Run: ``python benchmarks/bench_rnn.py`` (writes ``benchmarks/results/bench_rnn.md``; needs
``pip install torch==2.13.0`` for the reference).

Also whole fits of 10 epochs in float32 with every one-off cost, and a first fit and
forecast in fresh processes with an empty and a filled Numba cache. One epoch = every
48-step window of one hourly year (8760 steps, 182 windows) once, in
mini-batches of 32 windows, one input, Adam, squared error, a linear head. Each precision is
compared with its own: narxcast ``dtype="float32"`` (single-precision BPTT) against PyTorch's
float32 (its default, oneDNN/MKL kernels), narxcast's default float64 against PyTorch's
float64, with as many threads as Numba. The narxcast epoch is the difference between fits of
21 and 1 epochs divided by 20, each the best of 5 (so the fit's one-off work, e.g. the final
state pass, cancels); PyTorch's epoch is the best of 5 after a warm-up epoch; the first
(compiling) narxcast fit is reported apart.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
N, WINDOW, BATCH = 8760, 48, 32
REPEATS = 5  # best of: this VM's speed moves within seconds
# A fit's one-off work (scaling, the final state pass over the year) takes 15-20 ms and moves
# by +-3 ms between fits, more than five epochs of the small networks (GRU 8 once came out at
# -0.6 ms an epoch): the epoch is measured over this many epochs.
EXTRA_EPOCHS = 20
WHOLE_EPOCHS = 10  # whole fits of 10 epochs, every one-off cost included


def narxcast_epoch(cls, hidden, x, y, dtype):
    options = dict(input_delays=0, feedback_delays=(), hidden_layer_sizes=(hidden,),
                   bptt_steps=WINDOW, burn_in=0, batch_size=BATCH, tol=0.0, loop="open",
                   n_iter_no_change=10**6, random_state=0, dtype=dtype)
    cls(max_iter=1, **options).fit(x, y)  # compiled (or loaded from the cache)
    times = {}
    for epochs in (1, 1 + EXTRA_EPOCHS):
        runs = []
        for _ in range(REPEATS):
            started = time.perf_counter()
            cls(max_iter=epochs, **options).fit(x, y)
            runs.append(time.perf_counter() - started)
        times[epochs] = min(runs)
    whole = min(_timed(lambda: cls(max_iter=WHOLE_EPOCHS, **options).fit(x, y))
                for _ in range(3))
    return (times[1 + EXTRA_EPOCHS] - times[1]) / EXTRA_EPOCHS, whole


def _timed(function):
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def torch_epoch(module, hidden, x, y, dtype):
    """PyTorch's epoch (best of REPEATS after a warm-up) and a whole fit of WHOLE_EPOCHS
    epochs from building the modules (best of 3)."""
    epoch_time = _torch_fit(module, hidden, x, y, dtype, per_epoch=True)
    whole = min(_timed(lambda: _torch_fit(module, hidden, x, y, dtype, per_epoch=False))
                for _ in range(3))
    return epoch_time, whole


def _torch_fit(module, hidden, x, y, dtype, per_epoch):
    import torch

    rnn = module(1, hidden, dtype=dtype)
    head = torch.nn.Linear(hidden, 1, dtype=dtype)
    optimizer = torch.optim.Adam([*rnn.parameters(), *head.parameters()], lr=1e-3)
    inputs = torch.from_numpy(x[:, 0]).to(dtype)
    targets = torch.from_numpy(y).to(dtype)
    steps = torch.arange(WINDOW)[:, None]

    def epoch():
        starts = torch.randperm((N - 1) // WINDOW) * WINDOW
        for k in range(0, len(starts), BATCH):
            index = starts[k:k + BATCH][None, :] + steps
            outputs, _ = rnn(inputs[index][:, :, None])
            loss = 0.5 * ((head(outputs)[:, :, 0] - targets[index + 1]) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    if not per_epoch:
        for _ in range(WHOLE_EPOCHS):
            epoch()
        return None
    epoch()
    runs = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        epoch()
        runs.append(time.perf_counter() - started)
    return min(runs)


# A first fit with the defaults (one epoch in each stage) and the all-origins 24-step forecast,
# in a new process: the recurrent kernels serve the three cells, so the LSTM's compilation is
# the Elman's and the GRU's too.
CHILD = """
import json, time, warnings
warnings.simplefilter("ignore")
started = time.perf_counter()
from narxcast import LSTMRegressor
from narxcast.datasets import load_solar_wind
imported = time.perf_counter() - started
data = load_solar_wind("colorado-2017")
x, y = data[["temperature"]].to_numpy(), data["ghi"].to_numpy()
started = time.perf_counter()
model = LSTMRegressor(hidden_layer_sizes=(8,), max_iter=1, random_state=0).fit(x, y)
model.predict(x, y, horizon=24, all_horizons=True)
print(json.dumps(dict(imported=imported, first=time.perf_counter() - started)))
"""


def fresh_processes():
    """The first fit + forecast in a new process with an empty Numba cache, then in another
    with that cache filled."""
    def child(cache_dir):
        env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir, NARXCAST_QUIET="1")
        output = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True,
                                text=True, check=True).stdout
        return json.loads(output.strip().splitlines()[-1])

    with tempfile.TemporaryDirectory() as cache:
        return {"cold": child(cache), "warm": child(cache)}


def main():
    warnings.simplefilter("ignore")
    import numba
    from _machine import RUNS, describe, over_runs, ratio_span, span

    from narxcast import ElmanRegressor, GRURegressor, LSTMRegressor
    from narxcast.datasets import load_solar_wind

    data = load_solar_wind("colorado-2017")
    x, y = data[["temperature"]].to_numpy(), data["ghi"].to_numpy()
    try:
        import torch

        torch.set_num_threads(numba.get_num_threads())
        modules = {"Elman": torch.nn.RNN, "LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU}
    except ImportError:
        torch = None
    def measure():
        rows = []
        for name, cls in (("Elman", ElmanRegressor), ("LSTM", LSTMRegressor),
                          ("GRU", GRURegressor)):
            for hidden in (8, 32, 128):
                ours32, whole32 = narxcast_epoch(cls, hidden, x, y, "float32")
                ours64, _ = narxcast_epoch(cls, hidden, x, y, "float64")
                row = dict(model=name, hidden=hidden, ours32=ours32, ours64=ours64,
                           whole32=whole32)
                if torch is not None:
                    row["torch32"], row["torch_whole32"] = torch_epoch(
                        modules[name], hidden, x, y, torch.float32)
                    row["torch64"], _ = torch_epoch(modules[name], hidden, x, y, torch.float64)
                rows.append(row)
                print(row, flush=True)
        return {"rows": rows, **fresh_processes()}

    results = over_runs(measure)
    rows = results["rows"]
    lines = [
        "# bench_rnn: training epoch of Elman, LSTM and GRU against PyTorch (CPU)",
        "",
        f"Machine: {describe()}"
        + (f", PyTorch {torch.__version__} ({torch.get_num_threads()} threads)." if torch
           else ". PyTorch not installed: no reference."),
        "",
        "One epoch: 182 windows of 48 steps of an hourly year, batches of 32, one input, Adam. "
        f"Each figure is its range over {RUNS} runs of the whole benchmark, ratios taken "
        "within a run.",
        "",
        "| model | hidden | narxcast float32 | PyTorch float32 | ratio | narxcast float64 "
        "| PyTorch float64 | ratio | whole 10-epoch fit, float32: narxcast | PyTorch | ratio "
        "|",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        cells = []
        for bits in ("32", "64"):
            ours = row["ours" + bits]
            reference = row.get("torch" + bits)
            cells.append(span(ours, 1e3, unit=" ms") + " | " + (
                f"{span(reference, 1e3, unit=' ms')} | {ratio_span(reference, ours, 2)}"
                if reference else "- | -"))
        whole, torch_whole = row["whole32"], row.get("torch_whole32")
        cells.append(span(whole, 1e3, 0, " ms") + " | " + (
            f"{span(torch_whole, 1e3, 0, ' ms')} | {ratio_span(torch_whole, whole, 2)}"
            if torch_whole else "- | -"))
        lines.append(f"| {row['model'][0]} | {row['hidden'][0]} | {' | '.join(cells)} |")
    lines += ["", "Ratio > 1: narxcast is faster. Targets (per epoch, and for whole "
              "fits): >= 5x at hidden <= 16, >= 1.5x at 32, >= 1x at 128. A whole fit includes "
              "the one-off work (scaling, the final state pass over the year at batch 1; for "
              "PyTorch building the modules).",
              "",
              "Fresh processes, an 8-unit LSTM with the defaults (`max_iter=1` in each stage, "
              "float64) then the all-origins 24-step forecast (the kernels serve all three "
              "cells): first fit + forecast "
              f"{span(results['cold']['first'], digits=1, unit=' s')} with an empty Numba "
              f"cache (compiling), {span(results['warm']['first'], digits=2, unit=' s')} with "
              f"the cache filled (import narxcast: "
              f"{span(results['warm']['imported'], digits=2, unit=' s')})."]
    report = "\n".join(lines) + "\n"
    print(report)
    (HERE / "results" / "bench_rnn.md").write_text(report)


if __name__ == "__main__":
    main()
