"""Long memory: does a gated network recall a sign 40 steps later, with its defaults, and
what does PyTorch's LSTM reach with the same data and budget?

Run: ``python benchmarks/recall.py [--seeds 10]`` (writes ``benchmarks/results/recall.md``;
needs ``pip install torch==2.13.0`` for the reference).

The task: blocks of 60 steps; a sign (+1 or -1) on the first input over the block's first 10
steps, Gaussian noise on the second input throughout, and the target is 0 except at steps
50-59 of the block, where it is the sign. 150 blocks train, 50 others score: the share of
steps 50-59 whose one-step forecast has the sign's sign. Entries, over ``--seeds`` seeds:

- narxcast ``LSTMRegressor(hidden_layer_sizes=(16,), input_delays=0, feedback_delays=(),
  bptt_steps=60, max_iter=200)``, everything else its defaults, and the same with
  ``n_iter_no_change=10`` (the stopping patience it had before) and the GRU alike;
- PyTorch's ``nn.LSTM(2, 16)`` and a linear head with its default initialisation, trained on
  the same windows with the same budget: inputs and target standardised as narxcast does,
  windows of 24 unscored then 60 scored steps from zero states, tiling the training rows
  from a random offset each epoch, three windows a batch, Adam at 1e-3, gradients clipped to
  norm 5, 200 epochs, no early stopping; it forecasts the scored blocks from a zero state at
  their start, as narxcast does.
"""

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
LENGTH, TRAIN_BLOCKS, TEST_BLOCKS = 60, 150, 50
BURN_IN, WINDOW, BATCH, EPOCHS = 24, 60, 3, 200


def task(seed):
    rng = np.random.default_rng(seed)
    blocks = TRAIN_BLOCKS + TEST_BLOCKS
    signs = rng.choice([-1.0, 1.0], blocks)
    x = np.zeros((blocks * LENGTH, 2))
    x[:, 1] = rng.standard_normal(blocks * LENGTH)
    y = np.zeros(blocks * LENGTH)
    for block, sign in enumerate(signs):
        x[block * LENGTH:block * LENGTH + 10, 0] = sign
        y[block * LENGTH + 50:(block + 1) * LENGTH] = sign
    return x, y, signs


def recall(forecasts, signs):
    """The share of the scored blocks' steps 50-59 forecast with the right sign."""
    at = (np.arange(len(forecasts)) % LENGTH) >= 50
    return float(np.mean(np.sign(forecasts[at]) == signs[TRAIN_BLOCKS:].repeat(10)))


def narxcast_recall(cls, seed, **options):
    x, y, signs = task(seed)
    n = TRAIN_BLOCKS * LENGTH
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = cls(hidden_layer_sizes=(16,), input_delays=0, feedback_delays=(),
                    bptt_steps=WINDOW, max_iter=EPOCHS, random_state=seed,
                    **options).fit(x[:n], y[:n])
    return recall(np.asarray(model.predict(x[n:], y[n:], horizon=1)), signs)


def torch_recall(seed):
    import torch

    x, y, signs = task(seed)
    n = TRAIN_BLOCKS * LENGTH
    mean, scale = x[:n].mean(0), x[:n].std(0)
    y_mean, y_scale = y[:n].mean(), y[:n].std()
    inputs = torch.from_numpy((x - mean) / scale)
    targets = torch.from_numpy((y - y_mean) / y_scale)
    torch.manual_seed(seed)
    lstm = torch.nn.LSTM(2, 16, dtype=torch.float64)
    head = torch.nn.Linear(16, 1, dtype=torch.float64)
    parameters = list(lstm.parameters()) + list(head.parameters())
    optimizer = torch.optim.Adam(parameters, lr=1e-3)
    rng = np.random.default_rng(seed)
    span = BURN_IN + WINDOW
    for _ in range(EPOCHS):
        starts = np.arange(rng.integers(0, WINDOW), n - span + 1, WINDOW)
        rng.shuffle(starts)
        for k in range(0, len(starts), BATCH):
            rows = np.stack([np.arange(s, s + span) for s in starts[k:k + BATCH]], axis=1)
            out, _ = lstm(inputs[rows])
            predicted = head(out[BURN_IN:])[..., 0]
            loss = ((predicted - targets[rows[BURN_IN:]]) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(parameters, 5.0)
            optimizer.step()
    with torch.no_grad():
        out, _ = lstm(inputs[n:, None, :])
        forecasts = head(out)[:, 0, 0].numpy() * y_scale + y_mean
    return recall(forecasts, signs)


def main():
    from _machine import describe

    from narxcast import GRURegressor, LSTMRegressor

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    seeds = range(parser.parse_args().seeds)
    entries = {
        "narxcast LSTM, defaults": lambda s: narxcast_recall(LSTMRegressor, s),
        "narxcast LSTM, n_iter_no_change=10": lambda s: narxcast_recall(
            LSTMRegressor, s, n_iter_no_change=10),
        "narxcast GRU, defaults": lambda s: narxcast_recall(GRURegressor, s),
        "narxcast GRU, n_iter_no_change=10": lambda s: narxcast_recall(
            GRURegressor, s, n_iter_no_change=10),
        "PyTorch LSTM, same budget": torch_recall,
    }
    lines = ["# recall: a sign held for 40 steps", "", f"Machine: {describe()}.", "",
             f"Share of the signs recalled over {TEST_BLOCKS} unseen blocks, seeds "
             f"{list(seeds)}: mean ± std, the worst seed, and every seed.", "",
             "| entry | recall | worst | seeds |", "| --- | ---: | ---: | --- |"]
    for name, run in entries.items():
        values = np.array([run(seed) for seed in seeds])
        lines.append(f"| {name} | {100 * values.mean():.1f} ± {100 * values.std():.1f}% | "
                     f"{100 * values.min():.1f}% | "
                     + ", ".join(f"{100 * v:.0f}" for v in values) + " |")
        print(lines[-1], flush=True)
    text = "\n".join(lines) + "\n"
    print(text)
    (HERE / "results" / "recall.md").write_text(text)


if __name__ == "__main__":
    main()
