"""``narxcast fill``: the gaps of every series filled by a
:class:`~narxcast.impute.RecurrentImputer` fitted on that series, serially, on local
processes or on Dask (:mod:`narxcast.jobs`), the filled tables written atomically.

A gap is a missing target value or a missing row: the times are put on their regular grid
(the most common step) first, so a logger's outage that left no rows is filled too.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from .batch import check_output
from .jobs import run_jobs
from .model_files import MODEL_SUFFIX, check_distinct_file_names, series_file_name
from .specs import model_inputs
from .tables import InputError, check_columns, check_times, numeric, read_series
from .writing import write_atomically, write_set

GRID_GROWTH = 10  # a series' regular grid may have at most this many times its rows (+1000)
CALIBRATION_FRACTION = 0.1  # the rows that calibrate the intervals of --coverage


def make_imputer(spec, coverage=()):
    """The imputer of a run: :class:`~narxcast.impute.RecurrentImputer` of ``spec.target``
    with ``spec.params`` (checked), its inputs the exogenous and derived columns; kept
    physical on ``clearsky_ghi`` with the "solar" features; calibrated for ``coverage``."""
    from .impute import RecurrentImputer

    params = dict(spec.params)
    known = set(RecurrentImputer(spec.target).get_params()) - {"target"}  # (--target sets it)
    unknown = sorted(set(params) - known)
    if unknown:
        raise InputError(f"the imputer has no parameter {unknown[0]!r} to set with --param (it "
                         f"has: {', '.join(sorted(known))}).")
    if "solar" in spec.features:
        params.setdefault("clearsky", "clearsky_ghi")
    if coverage:
        params.setdefault("calibration_fraction", CALIBRATION_FRACTION)
    params = {k: tuple(v) if isinstance(v, list) and k == "hidden_layer_sizes" else v
              for k, v in params.items()}
    imputer = RecurrentImputer(spec.target, **params)
    try:
        imputer._validate_params()
    except (ValueError, TypeError) as error:
        raise InputError(f"--param: {error}") from None
    if coverage and imputer.calibration_fraction is None:
        raise InputError("--coverage needs intervals calibrated: not with "
                         "--param calibration_fraction=None.")
    return imputer


def regular_grid(frame, path, time_column):
    """``frame`` on its regular grid of times: rows inserted (all NaN) where times are
    missing; the step is the most common one. Unsorted, duplicated or irregular times, and
    a grid too large for the rows given (:data:`GRID_GROWTH`), are refused."""
    index = frame.index
    differences = np.diff(index.as_unit("ns").asi8)
    if not differences.size:
        return frame
    values, counts = np.unique(differences, return_counts=True)
    step = pd.Timedelta(int(values[np.argmax(counts)]), unit="ns")
    if differences.min() <= 0 or (differences % step.value).any():
        check_times(index, path, time_column)  # names the first problem
    n_grid = int((index[-1] - index[0]) // step) + 1
    if n_grid > GRID_GROWTH * len(index) + 1000:
        raise InputError(f"{path}: column {time_column!r}: the times span {n_grid} steps of "
                         f"{step} for {len(index)} rows; a gap that long is not filled.")
    grid = pd.date_range(index[0], periods=n_grid, freq=step, name=index.name)
    return frame.reindex(grid)


def same_hour_nearby(values, times, days=7):
    """``values`` (rows of the regular ``times``) with each missing one taken from the same
    time of the nearest day, up to ``days`` away, where that is known (clear-sky irradiance
    is geometry: a day changes it little)."""
    values = np.array(values, dtype=float)
    step = times[1] - times[0] if len(times) > 1 else None
    if step is None or pd.Timedelta(days=1) % step:
        return values
    per_day = int(pd.Timedelta(days=1) // step)
    missing = np.flatnonzero(np.isnan(values))
    for shift in (k * sign for k in range(1, days + 1) for sign in (1, -1)):
        source = missing + shift * per_day
        usable = (source >= 0) & (source < len(values))
        rows, source = missing[usable], source[usable]
        found = ~np.isnan(values[source]) & np.isnan(values[rows])
        values[rows[found]] = values[source[found]]
    return values


def fill_series(series, path, frame, spec, coverage=()):
    """One series' table, its target's gaps filled: every column as read (on the regular
    grid), the target filled, ``<target>_filled`` (1 where filled) and with ``coverage`` the
    bounds ``<target>_lower_<C>``, ``<target>_upper_<C>`` per coverage."""
    if isinstance(frame, InputError):
        raise frame
    check_columns(frame, path, spec.columns())
    frame = regular_grid(frame, path, spec.time_column)
    values = numeric(frame, path, spec.columns())
    if "solar" in spec.features:  # clear-sky GHI of rows that were missing: a day away
        clearsky = values[:, spec.columns().index("clearsky_ghi")]
        clearsky[:] = same_hour_nearby(clearsky, frame.index)
    exog = spec.columns()[1:]
    inputs = model_inputs(values[:, 1:], frame.index, spec.features)
    n_derived = 0 if inputs is None else inputs.shape[1] - len(exog)
    table = pd.DataFrame(values[:, :1] if inputs is None else np.column_stack([values[:, :1],
                                                                               inputs]),
                         index=frame.index,
                         columns=[spec.target, *exog, *(f"derived_{j}" for j in range(n_derived))])
    imputer = make_imputer(spec, coverage)
    try:
        filled = imputer.fit(table).transform(table)
    except ValueError as error:
        raise InputError(f"{path}: {error}") from None
    out = frame.copy()
    out[spec.target] = filled[spec.target].to_numpy()
    out[f"{spec.target}_filled"] = np.isnan(values[:, 0]).astype(int)
    for level in coverage:
        lower, upper = imputer.fill_interval(table, coverage=level).to_numpy().T
        percent = f"{100 * level:g}".replace(".", "_")
        out[f"{spec.target}_lower_{percent}"] = lower
        out[f"{spec.target}_upper_{percent}"] = upper
    return out


def fill_command(data, out, spec, n_jobs=1, scheduler=None, progress=False, coverage=()):
    """``narxcast fill``: the gaps of every series of ``data`` filled, written to ``out``: a
    CSV for one file or a long table (the time, then its series column), a directory of
    ``<series>.csv`` for a directory of files."""
    from ._validation import check_coverage

    try:
        coverage = tuple(check_coverage(c, "--coverage") for c in coverage)
    except ValueError as error:
        raise InputError(str(error)) from None
    make_imputer(spec, coverage)  # bad settings stop before any data is read
    many_files = Path(data).is_dir()
    check_output(out, "directory" if many_files else "file", [data])
    series = read_series(data, spec.time_column, spec.series_column, errors="keep")
    if many_files:
        check_distinct_file_names(series)
    jobs = {name: (path, frame, spec, coverage) for name, (path, frame) in series.items()}
    outcomes = run_jobs(fill_series, jobs, n_jobs, scheduler, progress, "fill")
    good = [o for o in outcomes if o.ok]
    if not good:
        return outcomes

    def csv(table):
        return lambda path: table.to_csv(path, index_label=spec.time_column)

    if many_files:
        stem = len(MODEL_SUFFIX)
        write_set({Path(out) / (series_file_name(o.series)[:-stem] + ".csv"): csv(o.result)
                   for o in good})
    elif spec.series_column is not None:
        long = pd.concat([o.result.assign(**{spec.series_column: o.series}) for o in good])
        write_atomically(Path(out), csv(long[[spec.series_column, *long.columns[:-1]]]))
    else:
        write_atomically(Path(out), csv(good[0].result))
    return outcomes
