"""Validation of what a user passes: delays, horizons, hidden layers, and the parameter
constraints (scikit-learn's ``_parameter_constraints``) shared by the estimator families."""

import numbers

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import Interval, StrOptions

from ._rows import index_of
from .kernels.activations import ACTIVATION_CODES

# Bounds that keep absurd settings from allocating before they fail: a delay of a million
# steps is two centuries of hourly data; a horizon of ten million, a year at 3-second steps.
MAX_DELAY = 10**6
MAX_HORIZON = 10**7
MAX_PARAMETERS = 10**8  # 800 MB of θ alone


def as_floats(values, name, rule="numeric"):
    """``values`` (array-like) as a float array, or ``ValueError`` "`name` must be rule."

    Examples
    --------
    >>> as_floats([1, 2], "y").tolist()
    [1.0, 2.0]
    """
    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"`{name}` must be {rule}.") from None


def normalize_delays(delays, name, minimum):
    """Return ``delays`` as a sorted int64 array, checking the rule for argument ``name``.

    An int ``k`` means ``minimum..k`` (so ``0..k`` for input delays, ``1..k`` for feedback
    delays); a sequence lists the delays. Each delay is an integer ``>= minimum``, without
    repeats.

    Examples
    --------
    >>> normalize_delays(2, "input_delays", 0)
    array([0, 1, 2])
    >>> normalize_delays([24, 1, 2], "feedback_delays", 1)
    array([ 1,  2, 24])
    >>> normalize_delays(0, "feedback_delays", 1)
    array([], dtype=int64)
    """
    if isinstance(delays, (numbers.Integral, np.integer)) and not isinstance(delays, bool):
        if not 0 <= delays <= MAX_DELAY:
            raise ValueError(f"`{name}` as an int k means delays {minimum}..k and must be "
                             f"in [0, {MAX_DELAY}]. Got {delays!r}.")
        return np.arange(minimum, int(delays) + 1, dtype=np.int64)
    if isinstance(delays, (str, bytes, bool, float)) or not np.iterable(delays):
        raise TypeError(f"`{name}` must be an int or a sequence of ints. Got {delays!r}.")
    values = list(delays)
    for value in values:
        if (isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer))
                or not minimum <= value <= MAX_DELAY):
            raise ValueError(f"`{name}` must hold integers in [{minimum}, {MAX_DELAY}]. Got "
                             f"{delays!r}.")
    if len(set(values)) != len(values):
        raise ValueError(f"`{name}` must not repeat a delay. Got {delays!r}.")
    return np.array(sorted(int(v) for v in values), dtype=np.int64)


def check_horizon(horizon):
    """Return ``horizon`` as an int >= 1 or raise naming the argument.

    Examples
    --------
    >>> check_horizon(24)
    24
    """
    if (isinstance(horizon, bool) or not isinstance(horizon, (numbers.Integral, np.integer))
            or not 1 <= horizon <= MAX_HORIZON):
        raise ValueError(f"`horizon` must be an integer in [1, {MAX_HORIZON}]. Got "
                         f"{horizon!r}.")
    return int(horizon)


def check_hidden_layer_sizes(sizes):
    """Return ``hidden_layer_sizes`` (an int or a sequence) as a list of positive ints.

    Examples
    --------
    >>> check_hidden_layer_sizes(10), check_hidden_layer_sizes((8, 4)), check_hidden_layer_sizes(())
    ([10], [8, 4], [])
    """
    given = sizes
    if isinstance(sizes, (numbers.Integral, np.integer)):
        sizes = (sizes,)
    sizes = list(sizes)
    if any(isinstance(s, bool) or not isinstance(s, (numbers.Integral, np.integer)) or s < 1
           for s in sizes):
        raise ValueError("`hidden_layer_sizes` must be a sequence of positive ints. Got "
                         f"{given!r}.")
    return [int(s) for s in sizes]


# the networks trained by the gradient trainers (names and rules of scikit-learn's MLP)
NETWORK_PARAMETER_CONSTRAINTS = {
    "hidden_layer_sizes": [numbers.Integral, "array-like"],
    "activation": [StrOptions(set(ACTIVATION_CODES))],
    "solver": [StrOptions({"adam", "sgd"})],
    "alpha": [Interval(numbers.Real, 0, None, closed="left")],
    "batch_size": [StrOptions({"auto"}), Interval(numbers.Integral, 1, None, closed="left")],
    "learning_rate_init": [Interval(numbers.Real, 0, None, closed="neither")],
    "max_iter": [Interval(numbers.Integral, 1, None, closed="left"), StrOptions({"auto"})],
    "tol": [Interval(numbers.Real, 0, None, closed="left")],
    "clip_norm": [Interval(numbers.Real, 0, None, closed="neither"), None],
    "early_stopping": ["boolean"],
    "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
    "n_iter_no_change": [Interval(numbers.Integral, 1, None, closed="left"),
                         StrOptions({"auto"})],
    "momentum": [Interval(numbers.Real, 0, 1, closed="both")],
    "nesterovs_momentum": ["boolean"],
    "beta_1": [Interval(numbers.Real, 0, 1, closed="left")],
    "beta_2": [Interval(numbers.Real, 0, 1, closed="left")],
    "epsilon": [Interval(numbers.Real, 0, None, closed="neither")],
    "scale": ["boolean"],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
    "warm_start": ["boolean"],
    "n_init": [Interval(numbers.Integral, 1, None, closed="left"), StrOptions({"auto"})],
    "n_jobs": [numbers.Integral, None],
    "clip_forecasts": [Interval(numbers.Real, 0, None, closed="left"), None],
    "validation_horizons": ["array-like", None],
}

# networks that feed back their targets and train open or closed loop, by any solver
# (a name or a hybrid sequence), evolution included
FEEDBACK_PARAMETER_CONSTRAINTS = {
    "input_delays": [numbers.Integral, "array-like", StrOptions({"auto"})],
    "feedback_delays": [numbers.Integral, "array-like", StrOptions({"auto"})],
    "loop": [StrOptions({"auto", "open", "closed"}), tuple, list],
    "bptt_steps": [Interval(numbers.Integral, 1, None, closed="left"), StrOptions({"auto"})],
    "solver": [StrOptions({"auto", "adam", "sgd", "lm", "br", "ga", "cmaes"}), tuple, list],
    "focus": [StrOptions({"prediction", "simulation"})],
    "population_size": [Interval(numbers.Integral, 3, None, closed="left")],
    "n_generations": [Interval(numbers.Integral, 1, None, closed="left")],
    "crossover_rate": [Interval(numbers.Real, 0, 1, closed="both")],
    "mutation_rate": [Interval(numbers.Real, 0, 1, closed="both")],
    "sigma": [Interval(numbers.Real, 0, None, closed="neither")],
    "fitness": [StrOptions({"closed", "open"})],
    "horizon_weights": [StrOptions({"persistence"}), "array-like", None],
}

RECURRENT_PARAMETER_CONSTRAINTS = {
    **{k: v for k, v in NETWORK_PARAMETER_CONSTRAINTS.items() if k != "activation"},
    **FEEDBACK_PARAMETER_CONSTRAINTS,
    "burn_in": [Interval(numbers.Integral, 0, None, closed="left")],
    "washout": [Interval(numbers.Integral, 0, None, closed="left")],
    "dtype": [StrOptions({"float64", "float32"})],
}


def check_time_order(X, y):
    """Rows in time order, once each, and X beside y: pandas ``X`` and ``y`` must share their
    index, and a time index (a DatetimeIndex, or a MultiIndex's time level) must not repeat a
    time or go back (within each series of a MultiIndex).

    Examples
    --------
    >>> import pandas as pd
    >>> times = pd.date_range("2024-01-01", periods=3, freq="h")
    >>> check_time_order(None, pd.Series([1.0, 2.0, 3.0], index=times[[0, 2, 1]]))
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: `y`: its times go back at 2024-01-01 01:00:00 (row 2): sort the rows by ...
    """
    index_x, index_y = index_of(X), index_of(y)
    if index_x is not None and index_y is not None and not index_x.equals(index_y):
        raise ValueError("`X` and `y` must share their index (row i of X at the time of row i "
                         "of y); align them first (e.g. X.loc[y.index]).")
    for name, index in (("y", index_y), ("X", index_x)):
        if index is None:
            continue
        groups, times = None, index
        if isinstance(index, pd.MultiIndex):
            levels = [k for k in range(index.nlevels)
                      if isinstance(index.levels[k], pd.DatetimeIndex)]
            if not levels:
                continue
            groups, times = index.droplevel(levels[0]), index.get_level_values(levels[0])
        if not isinstance(times, pd.DatetimeIndex):
            continue
        steps = np.diff(times.asi8)
        # (with series, only the steps within one series count)
        within = True if groups is None else np.asarray(groups[1:] == groups[:-1])
        bad = np.flatnonzero((steps <= 0) & within)
        if bad.size:
            row = int(bad[0]) + 1
            problem = "repeat" if steps[bad[0]] == 0 else "go back at"
            raise ValueError(f"`{name}`: its times {problem} {times[row]} (row {row}): sort "
                             "the rows by time, once each.")
        if name == "y":
            break  # X shares y's index


def check_coverage(coverage, label="`coverage`"):
    """The nominal coverage of a central interval as a float in (0, 1), or a ValueError that
    names the argument (``label``).

    >>> check_coverage(0.9)
    0.9
    >>> check_coverage(90)
    Traceback (most recent call last):
    ...
    ValueError: `coverage` must be a fraction in (0, 1), e.g. 0.9. Got 90.
    """
    if isinstance(coverage, bool) or not isinstance(coverage, numbers.Real) or \
            not 0.0 < coverage < 1.0:
        raise ValueError(f"{label} must be a fraction in (0, 1), e.g. 0.9. Got {coverage!r}.")
    return float(coverage)
