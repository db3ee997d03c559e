"""``narxcast fit/forecast/backtest --global``: one model trained over every series
(:class:`~narxcast.compose.GlobalRegressor`: each series standardised by its own statistics,
no training window across two series), used per series.

The fit is one job (on a Dask worker with ``--scheduler``); the per-series forecasts are
jobs as :mod:`narxcast.batch` runs them. A global model keeps no history of its own: each
series is forecast from the measured rows its data give (at least the largest delay) by a
free run of the model (``simulate``) over them and the future inputs.
"""

import time
from pathlib import Path

import numpy as np
import pandas as pd

from .batch import (
    Outcome,
    _check_coverage,
    _frame,
    backtest_one_model,
    check_output,
    future_inputs,
    measured_rows,
    run_jobs,
    series_rows,
)
from .model_files import ModelFile
from .specs import model_inputs
from .tables import InputError, check_columns, check_complete, check_times, numeric, read_series
from .writing import write_set

GLOBAL = "(global model)"  # the summary row of the one fit


def _min_rows(spec):
    """The rows a series needs to be one of the model's records: its largest delay + 2."""
    from .specs import make_model

    try:
        input_delays, target_delays = make_model(spec.model, spec.params)._delays()
    except ValueError as error:
        raise InputError(f"--param: {error}") from None
    return int(max(input_delays.max(initial=0), target_delays.max(initial=0))) + 2


def _read_every_series(data, spec, complete=True, daytime=None):
    """Every series' training rows, and an outcome per series (those that cannot be used,
    too short ones among them, fail; the others are fitted together)."""
    series = read_series(data, spec.time_column, spec.series_column, errors="keep")
    minimum = _min_rows(spec)
    outcomes, parts = [], {}
    for name, (path, frame) in series.items():
        started = time.perf_counter()
        try:
            rows = series_rows(path, frame, spec, complete, daytime)
            if len(rows[1]) < minimum:
                raise InputError(f"{path}: series {name!r} has {len(rows[1])} rows; the model "
                                 f"needs at least {minimum} (its largest delay + 2).")
            parts[str(name)] = rows
        except InputError as error:
            if len(series) == 1:
                raise
            outcomes.append(Outcome(str(name), False, time.perf_counter() - started,
                                    error=str(error)))
        else:
            outcomes.append(Outcome(str(name), True, time.perf_counter() - started))
    steps = sorted({part[3] for part in parts.values()})
    if len(steps) > 1:
        raise InputError(f"--global: the series have different time steps ({steps[0]} and "
                         f"{steps[-1]}); a global model needs one step.")
    zones = {}  # times with and without a time zone cannot be one model's
    for name, part in parts.items():
        zones.setdefault(part[2].tz is None, name)
    if len(zones) > 1:
        raise InputError(f"--global: series {zones[False]!r} has times with a time zone, "
                         f"series {zones[True]!r} without; give every series' times alike.")
    return outcomes, parts


def _stacked(parts):
    """All series one after the other: ``(X, y, series ids)``."""
    names = list(parts)
    inputs = [parts[name][0] for name in names]
    X = None if inputs[0] is None else np.concatenate(inputs)
    y = np.concatenate([parts[name][1] for name in names])
    return X, y, np.repeat(names, [len(parts[name][1]) for name in names])


def fit_global(label, parts, spec):
    """The job of ``narxcast fit --global``: one model over every series of ``parts``;
    returns its :class:`ModelFile`."""
    from . import __version__

    X, y, ids = _stacked(parts)
    model = spec.build_model().fit(X, y, groups=ids)
    starts = [part[2][0] for part in parts.values()]
    ends = [part[2][-1] for part in parts.values()]
    return ModelFile(model=model, series=label, model_name=spec.model, target=spec.target,
                     exog=spec.columns()[1:], features=list(spec.features),
                     time_column=spec.time_column, step=next(iter(parts.values()))[3],
                     training_start=min(starts), training_end=max(ends), last_time=max(ends),
                     n_training_rows=len(y), narxcast_version=__version__,
                     series_ids=list(parts))


def fit_global_command(data, out, spec, scheduler=None, progress=False):
    """``narxcast fit --global``: one model over every series of ``data``, saved to the
    file ``out``. Returns the outcomes: one per series (read and checked), then the fit's."""
    spec.build_model()  # bad model settings stop before any work
    check_output(out, "file", [data])
    outcomes, parts = _read_every_series(data, spec)
    if not parts:
        return outcomes
    fitted = run_jobs(fit_global, {GLOBAL: (parts, spec)}, 1, scheduler, progress, "fit")
    if fitted[0].ok:
        fitted[0].result.save(out)
    return outcomes + fitted


def global_model_file(model_source):
    """The :class:`ModelFile` at ``model_source`` if it is a global model's file, else None
    (a directory of per-series files, or a per-series file)."""
    if Path(model_source).is_dir():
        return None
    model_file = ModelFile.load(model_source)
    return model_file if model_file.is_global else None


def forecast_global_series(model_file, series, path, frame, horizon):
    """Forecast ``horizon`` steps of one series with a global model: a free run from the
    series' measured rows in ``frame`` (every value given; the future starts at the first
    empty target, whose rows give the exogenous inputs)."""
    target, exog, step = model_file.target, model_file.exog, model_file.step
    if series not in model_file.series_ids:
        raise InputError(f"series {series!r}: not one of the {len(model_file.series_ids)} "
                         "series the global model was fitted on.")
    columns = [target, *exog]
    frame = _frame(frame)
    check_columns(frame, path, columns)
    if (frame.index.tz is None) != (model_file.training_end.tz is None):
        raise InputError(f"{path}: column {model_file.time_column!r}: times with and without "
                         "a time zone (the model's training data and this file).")
    check_times(frame.index, path, model_file.time_column, step)
    values = numeric(frame, path, columns)
    n_measured = measured_rows(values, frame.index, path, target)
    if not n_measured:
        raise InputError(f"{path}: column {target!r}: no measured rows to forecast from.")
    measured = values[:n_measured]
    check_complete(measured, frame.index[:n_measured], path, columns,
                   "measured rows need every value")
    last_time = frame.index[n_measured - 1]
    times = pd.date_range(last_time + step, periods=horizon, freq=step,
                          name=model_file.time_column)
    future = future_inputs(values[n_measured:], times, path, exog, model_file.features,
                           last_time)
    options = {"series": series}
    if future is None:
        X, options["horizon"] = None, horizon
    else:
        X = np.concatenate([model_inputs(measured[:, 1:], frame.index[:n_measured],
                                         model_file.features), future])
    try:
        simulated = model_file.model.simulate(X, measured[:, 0], **options)
    except ValueError as error:
        raise InputError(f"{path}: {error}") from None
    forecast = np.asarray(simulated, dtype=float)[-horizon:]
    if not np.isfinite(forecast).all():
        raise FloatingPointError("the forecasts are not finite (the model runs away on these "
                                 "inputs); nothing written for this series")
    return pd.DataFrame({model_file.time_column: times, "series": series,
                         "step": np.arange(1, horizon + 1), f"{target}_forecast": forecast})


def forecast_global_job(series, model_path, data_path, frame, horizon):
    """One series of ``narxcast forecast`` with a global model file."""
    return forecast_global_series(ModelFile.load(model_path), series, data_path, frame,
                                  horizon)


def forecast_global_command(model_file, model_path, data, out, horizon, series_column=None,
                            time_column=None, n_jobs=1, scheduler=None, progress=False):
    """``narxcast forecast`` with a global model file: every series of ``data`` forecast from
    its own measured rows; the forecasts of those that succeeded go to the CSV ``out``."""
    from .writing import write_atomically

    if horizon < 1:
        raise InputError(f"--horizon must be >= 1. Got {horizon}.")
    check_output(out, "file", [data, model_path])
    series = read_series(data, time_column or model_file.time_column, series_column,
                         errors="keep")
    jobs = {str(name): (model_path, path, frame, horizon)
            for name, (path, frame) in series.items()}
    outcomes = run_jobs(forecast_global_job, jobs, n_jobs, scheduler, progress, "forecast")
    good = [o for o in outcomes if o.ok]
    if good:
        table = pd.concat([o.result for o in good], ignore_index=True)
        write_atomically(out, lambda path: table.to_csv(path, index=False))
    return outcomes


def backtest_global(label, parts, spec, horizons, train_size):
    """The job of ``narxcast backtest --global``: one global model fitted on the first
    ``train_size`` of every series, each series' later rows forecast from its own
    measurements and scored per series. Returns ``(scores, forecasts)``."""
    X, y, ids = _stacked(parts)
    masks = [part[4] for part in parts.values()]
    mask = None if masks[0] is None else np.concatenate(masks)
    index = pd.MultiIndex.from_arrays([ids, np.concatenate([p[2] for p in parts.values()])],
                                      names=["series", spec.time_column])
    result, forecasts = backtest_one_model(
        "--global", spec, spec.build_model(), X, pd.Series(y, index=index),
        horizons=horizons, train_size=train_size, groups=ids, mask=mask)
    forecasts.columns = [f"{spec.target}_forecast_h{h}" for h in forecasts.columns]
    forecasts.insert(0, spec.target, y)
    forecasts = forecasts.reset_index(level="series")
    return result.scores.assign(fit_seconds=result.fit_seconds.iloc[0]), forecasts


def backtest_global_command(data, out, spec, horizons=(1, 6, 24), train_size=0.75,
                            refit=False, daytime=None, scheduler=None, progress=False,
                            coverage=()):
    """``narxcast backtest --global``: :func:`backtest_global` over the series of ``data``;
    ``metrics.csv`` and ``forecasts.csv`` go to the directory ``out``. Returns ``(outcomes,
    scores)`` as :func:`narxcast.batch.backtest_command`."""
    _check_coverage(coverage)
    if refit or coverage:
        raise InputError("--global backtests one fit over every series: not with --refit or "
                         "--coverage.")
    spec.build_model()
    check_output(out, "directory", [data])
    outcomes, parts = _read_every_series(data, spec, complete=False, daytime=daytime)
    if not parts:
        return outcomes, None
    done = run_jobs(backtest_global, {GLOBAL: (parts, spec, tuple(horizons), train_size)}, 1,
                    scheduler, progress, "backtest")
    outcomes += done
    if not done[0].ok:
        return outcomes, None
    scores, forecasts = done[0].result
    write_set({Path(out) / "metrics.csv": lambda path: scores.to_csv(path, index=False),
               Path(out) / "forecasts.csv": lambda path: forecasts.to_csv(path)})
    return outcomes, scores
