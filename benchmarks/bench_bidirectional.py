"""Bidirectional recurrent training steps against PyTorch's ``bidirectional=True`` modules
(CPU, float64), same work, same run.

Run: ``python benchmarks/bench_bidirectional.py`` (writes
``benchmarks/results/bench_bidirectional.md``; needs ``pip install torch==2.13.0``).

One training step is what ``narxcast.impute.RecurrentImputer`` does per mini-batch: the
outputs of a batch of 16 windows of 96 steps (6 inputs, one output at every step), the
weighted squared error, its gradient by backpropagation through time in both directions, and
an Adam update. narxcast: ``kernels.bidirectional.batch_loss_gradient`` (the batch in parts
of eight windows on parallel threads) and the package's Adam;
PyTorch: ``nn.RNN/LSTM/GRU(bidirectional=True)`` and a linear head, ``backward`` and
``torch.optim.Adam``, with as many threads as Numba. Each figure is the best of
``REPEATS`` (5) runs of ``STEPS`` (20) steps. The same kernel with one direction is timed
against PyTorch's unidirectional module (``bidirectional=False``), so that the table says
what the second direction costs each.
"""

import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
WINDOW, BATCH, INPUTS = 96, 16, 6
STEPS = 20  # training steps per timing
REPEATS = 5  # best of
RUNS = 3  # whole-benchmark runs, for the ranges


def narxcast_step_time(cell, hidden, directions, x, y, weights):
    from narxcast.kernels import bidirectional
    from narxcast.kernels.blas import single_threaded_blas
    from narxcast.kernels.recurrent import ELMAN, GRU, LSTM
    from narxcast.training.gradient import Adam

    layout = bidirectional.layout([INPUTS, hidden, 1], {"elman": ELMAN, "lstm": LSTM,
                                                        "gru": GRU}[cell], directions)
    rng = np.random.default_rng(0)
    theta = rng.uniform(-1, 1, layout.n_params) / np.sqrt(hidden)
    grad = np.empty_like(theta)
    optimizer = Adam(theta.size, learning_rate_init=0.01)
    no_penalty = np.zeros(theta.size)
    bidirectional.batch_loss_gradient(theta, layout, x, y, weights, grad)  # compiled
    best = np.inf
    with single_threaded_blas():  # as the imputer trains: the parts are on threads
        for _ in range(REPEATS):
            started = time.perf_counter()
            for _ in range(STEPS):
                bidirectional.batch_loss_gradient(theta, layout, x, y, weights, grad)
                optimizer.step(theta, grad, no_penalty, 0.0, 5.0)
            best = min(best, (time.perf_counter() - started) / STEPS)
    return best


def torch_step_time(cell, hidden, directions, x, y, weights):
    import torch

    module = {"elman": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]
    torch.manual_seed(0)
    network = module(INPUTS, hidden, bidirectional=directions == 2, dtype=torch.float64)
    head = torch.nn.Linear(directions * hidden, 1, dtype=torch.float64)
    parameters = list(network.parameters()) + list(head.parameters())
    optimizer = torch.optim.Adam(parameters, lr=0.01)
    inputs = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 2, 1)))
    targets = torch.from_numpy(np.ascontiguousarray(y.transpose(0, 2, 1)))
    mask = torch.from_numpy(np.ascontiguousarray(weights.transpose(0, 2, 1)))

    def step():
        optimizer.zero_grad()
        top, _ = network(inputs)
        loss = 0.5 * (mask * (head(top) - targets) ** 2).sum() / mask.sum()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(parameters, 5.0)
        optimizer.step()

    step()
    best = np.inf
    for _ in range(REPEATS):
        started = time.perf_counter()
        for _ in range(STEPS):
            step()
        best = min(best, (time.perf_counter() - started) / STEPS)
    return best


def run():
    import numba
    import torch

    torch.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(WINDOW, INPUTS, BATCH))
    y = rng.normal(size=(WINDOW, 1, BATCH))
    weights = (rng.uniform(size=y.shape) < 0.2).astype(float)  # the hidden blocks' values
    rows = []
    for cell in ("elman", "lstm", "gru"):
        for hidden in (8, 16, 32):
            for directions in (2, 1):
                ours = narxcast_step_time(cell, hidden, directions, x, y, weights)
                theirs = torch_step_time(cell, hidden, directions, x, y, weights)
                rows.append((cell, hidden, directions, ours, theirs))
                print(f"{cell} {hidden} directions {directions}: narxcast {1e3 * ours:.2f} ms, "
                      f"PyTorch {1e3 * theirs:.2f} ms ({theirs / ours:.2f}x)", flush=True)
    return rows


def report(runs):
    import torch
    from _machine import describe

    lines = ["# bench_bidirectional: bidirectional training steps against PyTorch (CPU, "
             "float64)", "", f"Machine: {describe()}, PyTorch {torch.__version__} "
             f"({torch.get_num_threads()} threads).", "",
             f"One step: a batch of {BATCH} windows of {WINDOW} steps, {INPUTS} inputs, an "
             "output at every step, weighted squared error, backpropagation through time, "
             f"Adam (the imputer's step). Best of {REPEATS} x {STEPS} steps; each figure is its "
             f"range over {len(runs)} runs, ratios taken within a run. Ratio > 1: narxcast is "
             "faster.", "",
             "| cell | hidden | bidirectional: narxcast | PyTorch | ratio | one direction: "
             "narxcast | PyTorch | ratio |", "| --- | ---: |" + " ---: |" * 6]

    def span(values, unit=""):
        low, high = min(values), max(values)
        text = f"{low:.2f}" if f"{low:.2f}" == f"{high:.2f}" else f"{low:.2f}-{high:.2f}"
        return text + unit

    for k in range(0, len(runs[0]), 2):
        cell, hidden = runs[0][k][:2]
        cells = []
        for j in (k, k + 1):
            ours = [1e3 * run[j][3] for run in runs]
            theirs = [1e3 * run[j][4] for run in runs]
            ratios = [run[j][4] / run[j][3] for run in runs]
            cells += [span(ours, " ms"), span(theirs, " ms"), span(ratios, "x")]
        lines.append(f"| {cell} | {hidden} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main():
    runs = [run() for _ in range(RUNS)]
    text = report(runs)
    print(text)
    (HERE / "results" / "bench_bidirectional.md").write_text(text)


if __name__ == "__main__":
    main()
