"""System identification on simulated systems with published equations, scored as the field
scores it: free-run simulation of a separate test record from its inputs and its first
``N_INITIAL`` measured outputs, RMSE over the rest; every choice made on a time-ordered tail
of the training record; several seeds per network.

Run: ``pip install sysidentpy`` (its FROLS is a reference here, not a dependency of narxcast),
then ``python benchmarks/sysid.py [--systems NAME ...] [--seeds 3]`` (writes
``benchmarks/results/sysid.md`` and ``sysid.csv``; ``--realisation 1`` runs other records of
the same systems, to check a choice on records that played no part, and writes
``sysid-realisation-1.md`` and ``.csv``; ``--entries`` refreshes those entries' rows of the
table).

Entries, each fitted on the noisy training record only:

- ``ARX``: a linear ARX by least squares, its orders (1-6 each) chosen by the free-run error on
  the last fifth of the training record, refitted on all of it.
- ``FROLS (sysidentpy)``: sysidentpy's polynomial NARX (FROLS term selection by AIC), its
  degree (2, 3) and lags (1-4) chosen the same way.
- ``NARX defaults``: ``NARXRegressor(random_state=seed)``, nothing else set.
- ``NARX focus=simulation``: ``NARXRegressor(focus="simulation", random_state=seed)``.
- ``AutoForecaster``: ``AutoForecaster(focus="simulation", random_state=seed)``.

Networks over ``--seeds`` seeds: mean ± std and the worst seed. The systems' equations, inputs
and noise are :mod:`narxcast.systems`'s.
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
N_INITIAL = 10  # measured outputs a simulation starts from
# (training samples, test samples, extrapolating test amplitude or None)
RECORDS = {
    "narendra-1": (2000, 1000, None),
    "narendra-2": (2000, 1000, None),
    "narendra-3": (2000, 1000, None),
    "narendra-4": (2000, 1000, None),
    "wiener-hammerstein": (3000, 1000, None),
    "bouc-wen": (3000, 1000, None),
    "duffing": (3000, 1000, 1.4),
    "two-tanks": (1024, 1024, None),
}


def rmse(truth, simulated):
    return float(np.sqrt(np.mean((truth[N_INITIAL:] - simulated[N_INITIAL:]) ** 2)))


# ------------------------------------------------------------------------------ ARX
def _arx_fit(u, y, na, nb):
    first = max(na, nb)
    rows = np.column_stack([y[first - k:len(y) - k] for k in range(1, na + 1)]
                           + [u[first - k:len(u) - k] for k in range(0, nb)]
                           + [np.ones(len(y) - first)])
    coef, *_ = np.linalg.lstsq(rows, y[first:], rcond=None)
    return coef


def _arx_simulate(coef, na, nb, u, y_initial):
    y = np.full(u.size, np.nan)
    y[:N_INITIAL] = y_initial[:N_INITIAL]
    for t in range(N_INITIAL, u.size):
        past = [y[t - k] for k in range(1, na + 1)]
        inputs = [u[t - k] if t - k >= 0 else u[0] for k in range(0, nb)]
        y[t] = np.dot(coef, [*past, *inputs, 1.0])
        if not np.isfinite(y[t]) or abs(y[t]) > 1e6:
            y[t:] = np.nan
            break
    return y


def arx(u, y):
    """Orders by the free-run error on the training record's last fifth; refit on all."""
    cut = int(0.8 * len(y))
    best = None
    for na in range(1, 7):
        for nb in range(1, 7):
            coef = _arx_fit(u[:cut], y[:cut], na, nb)
            error = rmse(y[cut:], _arx_simulate(coef, na, nb, u[cut:], y[cut:]))
            if np.isfinite(error) and (best is None or error < best[0]):
                best = error, na, nb
    _, na, nb = best
    coef = _arx_fit(u, y, na, nb)
    return lambda u_test, y_initial: _arx_simulate(coef, na, nb, u_test, y_initial)


# --------------------------------------------------------------------------- FROLS
def frols(u, y):
    from sysidentpy.basis_function import Polynomial
    from sysidentpy.model_structure_selection import FROLS
    from sysidentpy.parameter_estimation import LeastSquares

    def fitted(u_fit, y_fit, degree, lag):
        model = FROLS(ylag=lag, xlag=lag, order_selection=True, info_criteria="aic",
                      n_info_values=20, estimator=LeastSquares(),
                      basis_function=Polynomial(degree=degree), model_type="NARMAX")
        model.fit(X=u_fit[:, None], y=y_fit[:, None])
        return model

    def simulate(model, u_test, y_initial):
        with np.errstate(all="ignore"):
            out = model.predict(X=u_test[:, None], y=y_initial[:N_INITIAL, None])[:, 0]
        out = out[:u_test.size].astype(float)
        out[~np.isfinite(out)] = np.nan
        return out

    cut = int(0.8 * len(y))
    best = None
    for degree in (2, 3):
        for lag in (1, 2, 3, 4):
            try:
                model = fitted(u[:cut], y[:cut], degree, lag)
                error = rmse(y[cut:], simulate(model, u[cut:], y[cut:]))
            except (ValueError, np.linalg.LinAlgError):
                continue
            if np.isfinite(error) and (best is None or error < best[0]):
                best = error, degree, lag
    _, degree, lag = best
    model = fitted(u, y, degree, lag)
    return lambda u_test, y_initial: simulate(model, u_test, y_initial)


# ------------------------------------------------------------------------ narxcast
def narxcast_entry(make):
    def fit(u, y, seed):
        model = make(seed).fit(u[:, None], y)
        return lambda u_test, y_initial: np.asarray(model.simulate(u_test[:, None],
                                                                   y_initial[:N_INITIAL]))
    return fit


def entries():
    from narxcast import NARXRegressor
    from narxcast.model_selection import AutoForecaster

    return {
        "NARX defaults": narxcast_entry(lambda seed: NARXRegressor(random_state=seed)),
        "NARX focus=simulation": narxcast_entry(
            lambda seed: NARXRegressor(focus="simulation", random_state=seed)),
        "AutoForecaster": narxcast_entry(
            lambda seed: AutoForecaster(focus="simulation", random_state=seed)),
    }


def run_system(name, seeds, only=None, realisation=0):
    from narxcast.systems import make_system

    n_train, n_test, extrapolate = RECORDS[name]
    u, y = make_system(name, n_train, random_state=3 * realisation)
    tests = {"test": make_system(name, n_test, noise=False, random_state=3 * realisation + 1)}
    if extrapolate:
        tests[f"test x{extrapolate}"] = make_system(name, n_test, amplitude=extrapolate,
                                                    noise=False,
                                                    random_state=3 * realisation + 2)
    rows = []
    baselines = (("ARX", arx), ("FROLS (sysidentpy)", frols))
    for entry, fit in baselines:
        if only is not None and entry not in only:
            continue
        started = time.perf_counter()
        simulate = fit(u, y)
        seconds = time.perf_counter() - started
        for test, (u_test, y_test) in tests.items():
            rows.append(dict(system=name, test=test, entry=entry, seed=0, seconds=seconds,
                             rmse=rmse(y_test, simulate(u_test, y_test))))
    for entry, fit in entries().items():
        if only is not None and entry not in only:
            continue
        for seed in range(seeds):
            started = time.perf_counter()
            simulate = fit(u, y, seed)
            seconds = time.perf_counter() - started
            for test, (u_test, y_test) in tests.items():
                rows.append(dict(system=name, test=test, entry=entry, seed=seed,
                                 seconds=seconds, rmse=rmse(y_test, simulate(u_test, y_test))))
            print(f"{name} {entry} seed {seed}: "
                  + ", ".join(f"{r['test']} {r['rmse']:.4f}" for r in rows[-len(tests):])
                  + f" ({seconds:.1f} s)", flush=True)
    return rows


def report(table, realisation=0):
    sys.path.insert(0, str(HERE))
    from _machine import describe

    title = "# sysid: free-run simulation RMSE on simulated systems"
    if realisation:
        title += (f", realisation {realisation} (training, test and noise drawn from seeds "
                  f"{3 * realisation}-{3 * realisation + 2})")
    lines = [title, "", f"Machine: {describe()}.", "",
             f"Each test record is simulated from its inputs and its first {N_INITIAL} "
             "measured outputs; RMSE over the rest, in the output's units. Networks: mean ± "
             "std over seeds (worst seed); ARX and FROLS are deterministic.", ""]
    entries_order = list(dict.fromkeys(table.entry))
    lines += ["| system | test | " + " | ".join(entries_order) + " |",
              "| --- | --- |" + " ---: |" * len(entries_order)]
    for (system, test), group in table.groupby(["system", "test"], sort=False):
        cells = []
        for entry in entries_order:
            values = group[group.entry == entry].rmse.to_numpy()
            if values.size == 0:
                cells.append("")
            elif values.size == 1:
                cells.append(f"{values[0]:.4f}")
            else:
                cells.append(f"{np.nanmean(values):.4f} ± {np.nanstd(values):.4f} "
                             f"({np.nanmax(values):.4f})")
        lines.append(f"| {system} | {test} | " + " | ".join(cells) + " |")
    seconds = table.groupby("entry", sort=False).seconds.mean()
    lines += ["", "Mean fit time per system: " + ", ".join(
        f"{entry} {value:.1f} s" for entry, value in seconds.items()) + "."]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--systems", nargs="+", default=list(RECORDS), choices=list(RECORDS))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--entries", nargs="+", metavar="ENTRY",
                        help="refresh these entries only, keeping the other rows of "
                             "results/sysid.csv (e.g. --entries ARX 'NARX focus=simulation')")
    parser.add_argument("--realisation", type=int, default=0,
                        help="other records of the same systems (their inputs, noise and test "
                             "records drawn from other seeds), to check that a choice made on "
                             "the committed ones holds (written apart from them)")
    options = parser.parse_args()
    warnings.simplefilter("ignore")
    rows = []
    for name in options.systems:
        rows += run_system(name, options.seeds, options.entries, options.realisation)
    table = pd.DataFrame(rows)
    stem = f"sysid-realisation-{options.realisation}" if options.realisation else "sysid"
    if options.entries:  # the refreshed rows where the old stood
        kept = pd.read_csv(HERE / "results" / f"{stem}.csv")
        stale = kept.entry.isin(options.entries) & kept.system.isin(options.systems)
        place = {key: k for k, key in enumerate(dict.fromkeys(zip(kept.system, kept.entry)))}
        table = pd.concat([kept[~stale], table], ignore_index=True)
        order = sorted(range(len(table)), key=lambda row: place.get(
            (table.system[row], table.entry[row]), len(place)))
        table = table.iloc[order].reset_index(drop=True)
    text = report(table, options.realisation)
    print(text)
    if options.systems == list(RECORDS):  # a table of every system
        table.to_csv(HERE / "results" / f"{stem}.csv", index=False)
        (HERE / "results" / f"{stem}.md").write_text(text)


if __name__ == "__main__":
    main()
