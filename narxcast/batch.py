"""Batch forecasting behind the ``narxcast`` command: one model per series, fitted, updated
and forecast, or backtested; the jobs run serially, on local processes (joblib) or on a Dask
cluster, and each command's outputs are written atomically.

Each ``*_command`` function is what a subcommand does once its arguments are parsed; it
returns the per-series :class:`~narxcast.jobs.Outcome` list (the jobs run by
:mod:`narxcast.jobs`), and raises :class:`InputError` for bad input before any work.
Settings are :class:`narxcast.specs.Spec`, tables are read by :mod:`narxcast.tables`, model
files are :class:`narxcast.model_files.ModelFile`.
"""

import os
import tempfile
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import clone

from ._validation import check_coverage
from .jobs import Outcome, run_jobs
from .model_files import (
    MODEL_SUFFIX,
    ModelFile,
    check_distinct_file_names,
    series_file_name,
)
from .specs import calibration_window, model_inputs
from .tables import (
    InputError,
    check_columns,
    check_complete,
    check_finite,
    check_times,
    numeric,
    read_series,
)
from .writing import check_replaceable, write_atomically, write_set


# --------------------------------------------------------------------------- outputs
def check_output(path, kind, inputs=()):
    """Before any work: ``path`` can be written as a ``kind`` ("file" or "directory"): not
    the other kind already, not a special file (a device, FIFO or socket), none of the
    ``inputs`` (files, or directories of them), and in a folder where files can be
    created."""
    path = Path(path)
    if kind == "file" and path.is_dir():
        raise InputError(f"--out {path}: is a directory; give a file name.")
    if kind == "file":
        check_replaceable(path, "--out ")
    target = path.resolve()
    for source in (Path(source).resolve() for source in inputs):
        inside = source.is_dir() and target.parent == source and target.is_file()
        if kind == "file" and (target == source or inside):  # a file of an input folder is read
            raise InputError(f"--out {path}: is one of the inputs; writing it would overwrite "
                             "them. Give another file.")
        if kind == "directory" and target == source:
            raise InputError(f"--out {path}: is the input directory; give another.")
    if kind == "directory" and path.exists() and not path.is_dir():
        raise InputError(f"--out {path}: is a file; give a directory.")
    folder = path if kind == "directory" else path.parent
    existing = folder
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(f"--out {path}: cannot write in {existing}.")
    if folder.is_dir():
        try:
            with tempfile.TemporaryFile(dir=folder):
                pass
        except OSError as error:
            raise InputError(f"--out {path}: cannot write in {folder}: "
                             f"{error.strerror}.") from None


def _check_lone_series(series, columns):
    """Before any work: a run of one series whose table lacks a column is bad input (exit
    status 2), not a failed series."""
    if len(series) == 1:
        (path, frame), = series.values()
        check_columns(_frame(frame), path, columns)


def _frame(frame):
    """A series' frame, or the error that stopped it being read (its series fails)."""
    if isinstance(frame, InputError):
        raise frame
    return frame


# ------------------------------------------------------------------------------- fit
def series_rows(path, frame, spec, complete=True, daytime=None):
    """One series' rows checked for a fit (``complete``: every value given) or a backtest
    (every value finite): ``(inputs, targets, times, step, mask)``, the mask of the rows where
    the clear-sky column ``daytime`` says it is day (or None)."""
    from .features import daytime_mask

    frame = _frame(frame)
    check_columns(frame, path, spec.columns())
    step = check_times(frame.index, path, spec.time_column)
    if complete:
        values = numeric(frame, path, spec.columns())
        check_complete(values, frame.index, path, spec.columns(),
                       "training rows need every value")
    else:
        check_finite(frame, path, spec.columns(), "backtests need every value")
        values = frame[spec.columns()].to_numpy(dtype=float)
    mask = None
    if daytime:
        check_columns(frame, path, [daytime])
        mask = daytime_mask(frame[daytime])
    return (model_inputs(values[:, 1:], frame.index, spec.features), values[:, 0], frame.index,
            step, mask)


def fit_series(series, path, frame, spec):
    """Fit one series; returns its :class:`ModelFile`."""
    from . import __version__

    inputs, targets, times, step, _ = series_rows(path, frame, spec)
    model = calibration_window(spec.build_model(), step)
    model.fit(inputs, targets)
    return ModelFile(model=model, series=series, model_name=spec.model, target=spec.target,
                     exog=spec.columns()[1:], features=list(spec.features),
                     time_column=spec.time_column, step=step, training_start=times[0],
                     training_end=times[-1], last_time=times[-1], n_training_rows=len(times),
                     narxcast_version=__version__)


def model_path(out, series, single):
    """Where ``narxcast fit`` writes the model of ``series``: ``out`` itself for a single
    series, else the file :func:`~narxcast.model_files.series_file_name` names in ``out``."""
    return Path(out) if single else Path(out) / series_file_name(series)


def fit_command(data, out, spec, n_jobs=1, scheduler=None, progress=False):
    """``narxcast fit``: a model per series of ``data``, saved under ``out``."""
    spec.build_model()  # bad model settings stop before any work
    series = read_series(data, spec.time_column, spec.series_column, errors="keep")
    single = len(series) == 1 and spec.series_column is None and not Path(data).is_dir()
    check_output(out, "file" if single else "directory", [data])
    _check_lone_series(series, spec.columns())
    if not single:
        check_distinct_file_names(series)
    jobs = {name: (path, frame, spec) for name, (path, frame) in series.items()}
    outcomes = run_jobs(fit_series, jobs, n_jobs, scheduler, progress, "fit")
    for k, outcome in enumerate(outcomes):
        if outcome.ok:
            target = model_path(out, outcome.series, single)
            if not single and target.resolve().parent != Path(out).resolve():
                raise InputError(f"series {outcome.series!r}: its model file would leave "
                                 f"{out}.")  # series_file_name makes this impossible
            try:
                outcome.result.save(target)
            except OSError as error:  # a full disk, say: this file is not written, the
                outcomes[k] = replace(  # others are tried, and the old file is untouched
                    outcome, ok=False, result=None,
                    error=f"{target}: not written ({error.strerror or error})")
    return outcomes


# -------------------------------------------------------------------------- forecast
def forecast_series(model_file, path, frame, horizon, coverage=()):
    """Update a model with the rows of ``frame`` measured after the model's last time, and
    forecast ``horizon`` steps after the last measurement; future exogenous inputs are the
    file's rows with an empty target; with ``coverage``, the bounds of central intervals of
    those coverages too (the model must be calibrated: ``narxcast fit --calibrate``). Returns
    ``(forecasts, updated model file)``; forecasts that are not finite fail the series."""
    target, exog, step = model_file.target, model_file.exog, model_file.step
    features = model_file.features
    time_column, last_time = model_file.time_column, model_file.last_time
    columns = [target, *exog]
    frame = _frame(frame)
    check_columns(frame, path, columns)
    if (frame.index.tz is None) != (last_time.tz is None):
        given = "without a time zone" if frame.index.tz is None else f"in {frame.index.tz}"
        fitted = "without one" if last_time.tz is None else f"in {last_time.tz}"
        raise InputError(f"{path}: column {time_column!r}: times {given}, but the model was "
                         f"fitted on times {fitted}.")
    check_times(frame.index, path, time_column, step)
    new = frame.index > last_time
    index = frame.index[new]
    values = numeric(frame, path, columns)[new]
    n_measured = measured_rows(values, index, path, target)
    if len(index) and index[0] != last_time + step:
        raise InputError(f"{path}: column {time_column!r}: gap between the model's last time "
                         f"{last_time} and the file's next row {index[0]}.")
    model = model_file.model
    if n_measured:
        measured = values[:n_measured]
        check_complete(measured, index, path, columns, "measured rows need every value")
        model.update(model_inputs(measured[:, 1:], index[:n_measured], features),
                     measured[:, 0])
        last_time = index[n_measured - 1]
    times = pd.date_range(last_time + step, periods=horizon, freq=step, name=time_column)
    future = future_inputs(values[n_measured:], times, path, exog, features, last_time)
    steps = None if future is not None else horizon  # the future rows give the steps
    forecast = model.predict(future, horizon=steps)
    forecast = np.asarray(forecast, float).reshape(horizon)
    if not np.isfinite(forecast).all():
        first = times[int(np.argmin(np.isfinite(forecast)))]
        raise FloatingPointError(f"the forecasts are not finite from {first} on (the model "
                                 "runs away on these inputs); nothing written for this series")
    forecasts = pd.DataFrame({time_column: times, "series": model_file.series,
                              "step": np.arange(1, horizon + 1), f"{target}_forecast": forecast})
    if coverage:  # every interval's bounds from one call: the quantiles of all of them
        levels = sorted({q for c in coverage for q in ((1 - c) / 2, (1 + c) / 2)})
        bounds = np.asarray(model.predict_quantiles(future, horizon=steps, quantiles=levels))
        for c in coverage:
            forecasts[f"{target}_lower_{100 * c:g}"] = bounds[:, levels.index((1 - c) / 2)]
            forecasts[f"{target}_upper_{100 * c:g}"] = bounds[:, levels.index((1 + c) / 2)]
    return forecasts, model_file.updated(model, last_time)


def measured_rows(values, index, path, target):
    """How many rows of ``values`` (target first) are measured: those before the first empty
    target, after which no target may be given (the future starts there)."""
    measured = ~np.isnan(values[:, 0])
    n_measured = int(np.argmin(measured)) if not measured.all() else len(index)
    if measured[n_measured:].any():
        late = index[n_measured + int(np.argmax(measured[n_measured:]))]
        raise InputError(f"{path}: column {target!r}: a measurement at {late} after the first "
                         f"empty target at {index[n_measured]} (the future starts at the "
                         "first empty target).")
    return n_measured


def future_inputs(values, times, path, exog, features, last_time):
    """The model inputs of the forecast ``times`` from the future rows ``values`` (target
    first, then ``exog``; every step's inputs needed), or None for a model without inputs."""
    horizon = len(times)
    if exog:
        given = values[:horizon, 1:]
        complete = ~np.isnan(given).any(axis=1)
        n_given = int(np.argmin(complete)) if not complete.all() else len(given)
        if n_given < horizon:
            raise InputError(f"{path}: columns {', '.join(map(repr, exog))}: the model needs "
                             f"exogenous inputs for the {horizon} steps after {last_time}; the "
                             f"file gives {n_given} (future rows have an empty target and "
                             "filled inputs).")
        return model_inputs(given, times, features)
    if features:
        return model_inputs(np.empty((horizon, 0)), times, features)
    return None


def forecast_job(series, model_path, data_path, frame, horizon, update_model, coverage=()):
    """One series of ``narxcast forecast``: load its model file, update, forecast. Returns
    ``(forecasts, updated model file or None)``."""
    model_file = ModelFile.load(model_path)
    if model_file.series != series:
        warnings.warn(f"{Path(model_path).name} holds the model of series "
                      f"{model_file.series!r}, used here for series {series!r} (a copied "
                      "file?).", UserWarning, stacklevel=2)
    if coverage and not hasattr(model_file.model, "predict_quantiles"):
        raise InputError(f"{model_path}: --coverage needs a model fitted with --calibrate "
                         "(intervals calibrated on its training data).")
    forecasts, updated = forecast_series(model_file, data_path, frame, horizon, coverage)
    forecasts["series"] = series
    return forecasts, (updated if update_model else None)


def pair_model_files(model_source, data, series_column=None, time_column=None):
    """The series of ``data`` paired with their model files: ``(series, model_files,
    missing)`` with ``series`` as :func:`~narxcast.tables.read_series` gives it,
    ``model_files`` ``{series: path}`` and ``missing`` the series without a model file.

    ``model_source`` is one model file (it forecasts the one series of ``data``, or its own
    series of a long table) or a directory of model files named by
    :func:`~narxcast.model_files.series_file_name`; the time column is the model files'
    unless ``time_column`` is given.
    """
    model_source = Path(model_source)
    directory = model_source.is_dir()
    if directory:
        found = sorted(p for p in model_source.glob(f"*{MODEL_SUFFIX}")
                       if not p.name.startswith("."))
        if not found:
            raise InputError(f"{model_source}: no model files (*{MODEL_SUFFIX}).")
        first = _first_loadable(found, time_column)  # the time column of the files
    else:
        first = ModelFile.load(model_source)
    series = read_series(data, time_column or first.time_column, series_column,
                         errors="keep")
    if directory:
        paths = {name: model_source / series_file_name(name) for name in series}
        model_files = {name: path for name, path in paths.items() if path.is_file()}
    else:
        if len(series) != 1 and series_column is None:
            raise InputError(f"{data}: one model file forecasts one series; give a "
                             "directory of model files for many.")
        if series_column is not None and first.series not in series:
            raise InputError(f"{data}: no rows of series {first.series!r} in column "
                             f"{series_column!r}.")
        # the one series, named as the model's (a lone file is named after itself)
        series = {first.series: series.get(first.series, next(iter(series.values())))}
        model_files = {first.series: model_source}
    missing = [name for name in series if name not in model_files]
    return series, model_files, missing


def _first_loadable(paths, time_column):
    """The first of the model files ``paths`` that loads (a damaged one fails its own series
    later, not the run); None when none does but ``time_column`` says how to read the data."""
    errors = []
    for path in paths:
        try:
            return ModelFile.load(path)
        except InputError as error:
            errors.append(str(error))
    if time_column is not None:
        return None
    raise InputError(f"none of the {len(paths)} model files loads; the first: {errors[0]}")


def forecast_command(model_source, data, out, horizon, series_column=None, time_column=None,
                     update_model=False, n_jobs=1, scheduler=None, progress=False, coverage=()):
    """``narxcast forecast``: update each series' model and forecast ``horizon`` steps; the
    forecasts of every series that succeeded go to the CSV ``out``."""
    if horizon < 1:
        raise InputError(f"--horizon must be >= 1. Got {horizon}.")
    _check_coverage(coverage)
    check_output(out, "file", [data, model_source])
    series, model_files, missing = pair_model_files(model_source, data, series_column,
                                                    time_column)
    jobs = {name: (model_files[name], path, frame, horizon, update_model, tuple(coverage))
            for name, (path, frame) in series.items() if name in model_files}
    outcomes = run_jobs(forecast_job, jobs, n_jobs, scheduler, progress, "forecast")
    outcomes += [Outcome(name, False, 0.0, error=f"no model file {series_file_name(name)} in "
                         f"{model_source}") for name in missing]
    good = [o for o in outcomes if o.ok]
    if good:
        table = pd.concat([o.result[0] for o in good], ignore_index=True)
        write_atomically(out, lambda path: table.to_csv(path, index=False))
        for outcome in good:
            updated = outcome.result[1]
            if updated is not None:
                updated.save(model_files[outcome.series])
    return outcomes


def _check_coverage(coverage):
    for c in coverage:
        try:
            check_coverage(c, "--coverage")
        except ValueError as error:
            raise InputError(str(error)) from None


# -------------------------------------------------------------------------- backtest
def backtest_series(series, path, frame, spec, model, horizons, train_size, refit=False,
                    daytime=None, coverage=()):
    """One series of ``narxcast backtest``: ``(scores, forecasts)``, scored on the rows where
    the clear-sky column ``daytime`` (if given) says it is day. Forecasts that overflow, or a
    horizon with no row to score, fail the series."""
    inputs, _, _, step, mask = series_rows(path, frame, spec, complete=False, daytime=daytime)
    frame = _frame(frame)
    model = calibration_window(clone(model), step)
    result, forecasts = backtest_one_model(
        path, spec, model, inputs, frame[spec.target], "; nothing written for this series",
        horizons=horizons, train_size=train_size, refit=refit, mask=mask, coverage=coverage)
    unscored = sorted(set(horizons) - set(result.scores.horizon))
    if unscored:
        raise InputError(f"{path}: no row to score at horizon {unscored[0]} (all masked, or "
                         "no forecast formed).")
    forecasts.columns = [f"{spec.target}_forecast_h{h}" for h in forecasts.columns]
    forecasts.insert(0, spec.target, frame[spec.target])
    return (result.scores.assign(series=series, fit_seconds=result.fit_seconds.iloc[0]),
            forecasts.assign(series=series))


def backtest_one_model(label, spec, model, X, y, overflow_detail="", **options):
    """:func:`~narxcast.model_selection.backtest` of one model for the command line, scored
    by RMSE, MAE, nRMSE and MBE, its skill against the same references as the library's (the
    clear-sky persistence among them when the inputs hold ``clearsky_ghi``): its refusal of
    ``train_size`` or ``horizons`` becomes an :class:`InputError` naming ``label``, and
    forecasts that overflow a FloatingPointError (its message ending in ``overflow_detail``).
    Returns ``(result, forecasts)``."""
    from .model_selection import SplitError, backtest

    exog = spec.columns()[1:]
    clearsky = exog.index("clearsky_ghi") if "clearsky_ghi" in exog else None
    name = spec.model
    try:
        result = backtest({name: model}, X, y, metrics=("rmse", "mae", "nrmse", "mbe"),
                          progress=False, clearsky_column=clearsky, **options)
    except SplitError as error:
        raise InputError(f"{label}: {error}") from None
    forecasts = result.forecasts[name]
    if np.isinf(forecasts.to_numpy()).any():
        raise FloatingPointError(f"forecasts overflowed (the model runs away){overflow_detail}")
    return result, forecasts


def backtest_command(data, out, spec, horizons=(1, 6, 24), train_size=0.75, refit=False,
                     daytime=None, n_jobs=1, scheduler=None, progress=False, coverage=()):
    """``narxcast backtest``: every series of ``data`` backtested; ``metrics.csv`` and
    ``forecasts.csv`` of those that succeeded go to the directory ``out``, as a set; with
    ``coverage`` the model is calibrated up to the longest horizon and its intervals scored
    too. Returns ``(outcomes, scores)`` (``scores`` None when every series failed)."""
    _check_coverage(coverage)
    if coverage and not spec.calibrate:  # the caller's spec is left as it was
        spec = replace(spec, calibrate=max(horizons))
    model = spec.build_model()
    check_output(out, "directory", [data])
    series = read_series(data, spec.time_column, spec.series_column, errors="keep")
    _check_lone_series(series, spec.columns())
    jobs = {name: (path, frame, spec, model, horizons, train_size, refit, daytime,
                   tuple(coverage))
            for name, (path, frame) in series.items()}
    outcomes = run_jobs(backtest_series, jobs, n_jobs, scheduler, progress, "backtest")
    good = [o for o in outcomes if o.ok]
    if not good:
        return outcomes, None
    scores = pd.concat([o.result[0] for o in good], ignore_index=True)
    forecasts = pd.concat([o.result[1] for o in good])
    write_set({Path(out) / "metrics.csv": lambda path: scores.to_csv(path, index=False),
               Path(out) / "forecasts.csv": lambda path: forecasts.to_csv(path)})
    return outcomes, scores
