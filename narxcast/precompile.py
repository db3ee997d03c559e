"""Compile the kernels ahead of their first use (``narxcast compile``).

Numba compiles a kernel on its first call and keeps it in the cache
(:func:`narxcast.kernels.compilation.kernel_cache_dir`): a recurrent network's first fit in a
fresh install waits for 15-20 s of compilation, a NARX's for about 3. :func:`precompile` pays
that once, beforehand — when building a container image, on a cluster's shared cache before
the workers start, after an upgrade — by running small fits and forecasts of every family with
the defaults in processes of their own, side by side on the machine's cores, each filling the
cache with what it compiles. A later process loads the kernels from the cache in a fraction of
a second. Kernels for options away from the defaults (``dtype="float32"``, other solvers) are
compiled by the fits named for them or on their first use.

Examples
--------
>>> from narxcast.precompile import FAMILIES
>>> sorted(FAMILIES)
['arima', 'imputer', 'narx', 'recurrent', 'tdnn']
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence

import numpy as np

__all__ = ["FAMILIES", "precompile"]


def _series(n=240, seed=0):
    """A short driven nonlinear series: enough rows for every fit below."""
    rng = np.random.default_rng(seed)
    u = rng.uniform(-1, 1, n)
    y = np.zeros(n)
    for k in range(1, n):
        y[k] = 0.6 * y[k - 1] + np.tanh(u[k - 1])
    return u[:, None], y


def _narx():
    from . import NARXRegressor

    X, y = _series()
    for options in ({}, {"solver": "lm"}, {"focus": "simulation"},
                    {"solver": "ga", "population_size": 8}, {"solver": "cmaes"}):
        model = NARXRegressor(max_iter=2, random_state=0, **options).fit(X, y)
        model.predict(X, y, horizon=3, all_horizons=True)
        model.simulate(X, y[:10])
    model.sample_paths(X, y, horizon=3, n_paths=4, residuals=np.zeros((2, 1)), random_state=0)


def _recurrent(hidden_layer_sizes):
    from . import LSTMRegressor

    X, y = _series()
    # the kernels take the cell (Elman, LSTM, GRU) at run time: one cell compiles all three
    model = LSTMRegressor(hidden_layer_sizes=hidden_layer_sizes, max_iter=1,
                          random_state=0).fit(X, y)
    model.predict(X, y, horizon=3, all_horizons=True)


def _tdnn():
    from . import TDNNRegressor

    X, y = _series()
    TDNNRegressor(max_iter=2, random_state=0).fit(X, y).predict(X, y, horizon=3)


def _arima():
    from . import ARIMARegressor

    X, y = _series()
    ARIMARegressor(order=(1, 0, 0)).fit(X, y).predict(X, y, horizon=3, all_horizons=True)


def _imputer():
    from .impute import RecurrentImputer

    X, y = _series(400)
    table = np.column_stack([y, X])
    table[100:110, 0] = np.nan
    RecurrentImputer(target=0, window=24, max_gap=6, max_iter=2,
                     random_state=0).fit(table).transform(table)


# family -> its workloads, each run in a process of its own, heaviest first
FAMILIES = {
    "recurrent": [(_recurrent, ((64,),)), (_recurrent, ((8,),))],
    "imputer": [(_imputer, ())],
    "narx": [(_narx, ())],
    "tdnn": [(_tdnn, ())],
    "arima": [(_arima, ())],
}


def _run(function, args):
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (two-iteration fits do not converge)
        function(*args)
    return time.perf_counter() - started


def precompile(families: Sequence[str] = tuple(FAMILIES), n_jobs: int | None = -1) -> dict:
    """Compile the kernels the defaults of ``families`` use into the kernel cache.

    Parameters
    ----------
    families : sequence of str, default=all of :data:`FAMILIES`
        "recurrent" (Elman, LSTM and GRU networks, small and large), "narx" (every solver),
        "tdnn", "arima", "imputer" (the bidirectional gap filler).
    n_jobs : int or None, default=-1
        Processes that compile side by side (joblib; -1: one per core; 1 or None: here, one
        workload after another). What they compile meets in the cache.

    Returns
    -------
    dict
        Seconds each family's workloads took (summed over its processes).
    """
    import joblib

    unknown = sorted(set(families) - set(FAMILIES))
    if unknown or isinstance(families, str) or not len(families):
        raise ValueError(f"`families` must name some of {sorted(FAMILIES)}. Got {families!r}.")
    work = [(family, function, args) for family in dict.fromkeys(families)
            for function, args in FAMILIES[family]]
    seconds = joblib.Parallel(n_jobs=n_jobs, backend="loky")(
        joblib.delayed(_run)(function, args) for _, function, args in work)
    spent = dict.fromkeys(families, 0.0)
    for (family, _, _), taken in zip(work, seconds):
        spent[family] += taken
    return spent
