"""Batch forecasting behind the ``narxcast`` command: tables in, one model per series, model
files with their metadata, jobs run serially, on local processes (joblib) or on a Dask
cluster, and outputs written atomically.

Every check of the input raises :class:`InputError` with one line that names the file and
the column, before any model is fitted.
"""

import ast
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np
import pandas as pd

FORMAT = 1  # of the model files
TABLE_SUFFIXES = (".csv", ".csv.gz", ".parquet", ".pq")


class InputError(ValueError):
    """Bad input data, settings or model file; the message names the file and column."""


# ------------------------------------------------------------------------------- settings
def models():
    """The ``--model`` names and their estimators."""
    from . import (
        ARIMARegressor,
        ElmanRegressor,
        GRURegressor,
        LSTMRegressor,
        NARXRegressor,
        PersistenceRegressor,
        TDNNRegressor,
    )

    return {"narx": NARXRegressor, "elman": ElmanRegressor, "lstm": LSTMRegressor,
            "gru": GRURegressor, "tdnn": TDNNRegressor, "arima": ARIMARegressor,
            "persistence": PersistenceRegressor}


def parse_param(text):
    """``"key=value"`` with a Python literal value (a bare word stays a string).

    Examples
    --------
    >>> parse_param("hidden_layer_sizes=(10, 5)"), parse_param("solver=lm")
    (('hidden_layer_sizes', (10, 5)), ('solver', 'lm'))
    """
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise InputError(f"--param must be KEY=VALUE. Got {text!r}.")
    try:
        value = ast.literal_eval(value.strip())
    except (ValueError, SyntaxError):
        value = value.strip()
    return key.strip(), value


def make_model(name, params):
    """An estimator ``name`` with ``params``; unknown names and parameters are named."""
    known = models()
    if name not in known:
        raise InputError(f"--model must be one of {', '.join(known)}. Got {name!r}.")
    cls = known[name]
    valid = cls().get_params()
    unknown = sorted(set(params) - set(valid))
    if unknown:
        raise InputError(f"{name} has no parameter {unknown[0]!r} (it has: "
                         f"{', '.join(sorted(valid))}).")
    params = {k: tuple(v) if isinstance(v, list) and k == "hidden_layer_sizes" else v
              for k, v in params.items()}
    return cls(**params)


@dataclass
class Spec:
    """What to read and fit: columns and the model."""

    time_column: str = "time"
    target: str = None
    exog: list = field(default_factory=list)
    series_column: str = None
    model: str = "narx"
    params: dict = field(default_factory=dict)

    def columns(self):
        return [self.target, *self.exog]


# ---------------------------------------------------------------------------- tables
def read_table(path, time_column):
    """A CSV or Parquet file with a time column, indexed by parsed times, in file order."""
    path = Path(path)
    name = path.name.lower()
    try:
        if name.endswith((".csv", ".csv.gz")):
            frame = pd.read_csv(path)
        elif name.endswith((".parquet", ".pq")):
            frame = pd.read_parquet(path)
        else:
            raise InputError(f"{path}: not a table file (expected one of "
                             f"{', '.join(TABLE_SUFFIXES)}).")
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as error:
        if isinstance(error, InputError):
            raise
        raise InputError(f"{path}: cannot be read: {error}") from None
    if time_column not in frame.columns and frame.index.name == time_column:
        frame = frame.reset_index()  # Parquet written from a time-indexed frame
    if time_column not in frame.columns:
        raise InputError(f"{path}: no time column {time_column!r} (columns: "
                         f"{', '.join(map(str, frame.columns))}).")
    raw = frame[time_column]
    try:
        times = pd.to_datetime(raw, format="ISO8601")
    except (ValueError, TypeError):
        parsed = pd.to_datetime(raw, format="ISO8601", errors="coerce")
        bad = int(np.flatnonzero(parsed.isna().to_numpy())[0]) if parsed.isna().any() else 0
        raise InputError(f"{path}: column {time_column!r}: unparsable time "
                         f"{raw.iloc[bad]!r} (row {bad + 1}).") from None
    if times.isna().any():
        bad = int(np.flatnonzero(times.isna().to_numpy())[0])
        raise InputError(f"{path}: column {time_column!r}: missing time (row {bad + 1}).")
    return frame.drop(columns=time_column).set_index(pd.DatetimeIndex(times, name=time_column))


def read_series(source, spec):
    """``{series id: (path, frame)}`` from a file (a series-id column splits it) or a
    directory of files (one series each, named by the file)."""
    source = Path(source)
    if source.is_dir():
        files = sorted(p for p in source.iterdir() if p.name.lower().endswith(TABLE_SUFFIXES))
        if not files:
            raise InputError(f"{source}: no table files ({', '.join(TABLE_SUFFIXES)}).")
        out = {}
        for path in files:
            series = path.name.split(".")[0]
            out[series] = (path, read_table(path, spec.time_column))
        return out
    if not source.exists():
        raise InputError(f"{source}: no such file or directory.")
    frame = read_table(source, spec.time_column)
    if spec.series_column is None:
        return {source.name.split(".")[0]: (source, frame)}
    if spec.series_column not in frame.columns:
        raise InputError(f"{source}: no series column {spec.series_column!r}.")
    return {str(key): (source, part.drop(columns=spec.series_column))
            for key, part in frame.groupby(spec.series_column, sort=True)}


def check_columns(frame, path, columns):
    for column in columns:
        if column not in frame.columns:
            raise InputError(f"{path}: missing column {column!r} (columns: "
                             f"{', '.join(map(str, frame.columns))}).")


def check_times(index, path, time_column, step=None):
    """Sorted, unique and evenly spaced times (by ``step`` if given); returns the step."""
    nanoseconds = index.as_unit("ns").asi8
    differences = np.diff(nanoseconds)
    if differences.size and differences.min() <= 0:
        k = int(np.flatnonzero(differences <= 0)[0])
        problem = "duplicated time" if differences[k] == 0 else "times not in order at"
        raise InputError(f"{path}: column {time_column!r}: {problem} {index[k + 1]}"
                         + ("." if differences[k] == 0 else f" (after {index[k]})."))
    if not differences.size:
        return step
    if step is None:
        values, counts = np.unique(differences, return_counts=True)
        step = pd.Timedelta(int(values[np.argmax(counts)]), unit="ns")
    wrong = np.flatnonzero(differences != step.value)
    if wrong.size:
        k = int(wrong[0])
        gap = pd.Timedelta(int(differences[k]), unit="ns")
        kind = "gap" if gap > step and differences[k] % step.value == 0 else "irregular step"
        raise InputError(f"{path}: column {time_column!r}: {kind} of {gap} after {index[k]} "
                         f"(the series steps by {step}).")
    return step


def numeric(frame, path, columns):
    """The columns as one float array; a value that is not a number names its column."""
    try:
        return frame[columns].to_numpy(dtype=float)
    except (ValueError, TypeError):
        for column in columns:
            values = pd.to_numeric(frame[column], errors="coerce")
            bad = values.isna() & frame[column].notna()
            if bad.any():
                raise InputError(f"{path}: column {column!r}: not a number "
                                 f"{frame[column][bad].iloc[0]!r} at "
                                 f"{frame.index[bad][0]}.") from None
        raise


def check_complete(values, index, path, columns, what):
    """No missing value in ``values`` (rows of ``index``, columns ``columns``)."""
    missing = np.isnan(values)
    if missing.any():
        row, column = np.argwhere(missing)[0]
        raise InputError(f"{path}: column {columns[column]!r}: missing value at {index[row]} "
                         f"({what}).")


def check_finite(frame, path, columns, what):
    """Every value of ``columns`` a number, none missing."""
    check_complete(numeric(frame, path, columns), frame.index, path, columns, what)


# ------------------------------------------------------------------------ model files
def write_atomically(path, write):
    """``write(temporary_path)``, then rename over ``path``: a failed run leaves no partial
    file and an existing file untouched."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        write(temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def fit_series(series, path, frame, spec):
    """Fit one series; returns the model file's contents (a dict)."""
    from . import __version__

    check_columns(frame, path, spec.columns())
    step = check_times(frame.index, path, spec.time_column)
    values = numeric(frame, path, spec.columns())
    check_complete(values, frame.index, path, spec.columns(), "training rows need every value")
    model = make_model(spec.model, spec.params)
    model.fit(values[:, 1:] if spec.exog else None, values[:, 0])
    return {"format": FORMAT, "narxcast_version": __version__, "model": model,
            "series": series, "target": spec.target, "exog": list(spec.exog),
            "time_column": spec.time_column, "step": step, "model_name": spec.model,
            "params": model.get_params(), "delays": _delays(model),
            "training_start": frame.index[0],
            "training_end": frame.index[-1], "last_time": frame.index[-1],
            "n_training_rows": len(frame)}


def _delays(model):
    """The fitted delays by name (input, feedback / target), where the model has them."""
    return {name: getattr(model, name).tolist() for name in
            ("input_delays_", "target_delays_") if hasattr(model, name)}


def load_model_file(path):
    """A model file written by ``narxcast fit``, checked against this version."""
    from . import __version__

    try:
        bundle = joblib.load(path)
    except FileNotFoundError:
        raise InputError(f"{path}: no such model file.") from None
    except Exception as error:  # unpickling fails in many ways
        raise InputError(f"{path}: not a narxcast model file ({type(error).__name__}).") from None
    if not isinstance(bundle, dict) or bundle.get("format") != FORMAT:
        raise InputError(f"{path}: not a narxcast model file.")
    if bundle["narxcast_version"] != __version__:
        raise InputError(f"{path}: written by narxcast {bundle['narxcast_version']}, this is "
                         f"{__version__}: refit the model.")
    return bundle


def forecast_series(bundle, path, frame, horizon, update_model=False):
    """Update a model with the rows of ``frame`` measured after the model's last time, and
    forecast ``horizon`` steps after the last measurement; future exogenous inputs are the
    file's rows with an empty target. Returns ``(forecasts, bundle)``."""
    target, exog, step = bundle["target"], bundle["exog"], bundle["step"]
    time_column, last_time = bundle["time_column"], bundle["last_time"]
    columns = [target, *exog]
    check_columns(frame, path, columns)
    check_times(frame.index, path, time_column, step)
    new = frame.index > last_time
    index = frame.index[new]
    values = numeric(frame, path, columns)[new]
    measured_mask = ~np.isnan(values[:, 0])
    n_measured = int(np.argmin(measured_mask)) if not measured_mask.all() else len(index)
    if measured_mask[n_measured:].any():
        late = index[n_measured + int(np.argmax(measured_mask[n_measured:]))]
        raise InputError(f"{path}: column {target!r}: a measurement at {late} after the first "
                         f"empty target at {index[n_measured]} (the future starts at the "
                         "first empty target).")
    if len(index) and index[0] != last_time + step:
        raise InputError(f"{path}: column {time_column!r}: gap between the model's last time "
                         f"{last_time} and the file's next row {index[0]}.")
    model = bundle["model"]
    if n_measured:
        measured = values[:n_measured]
        check_complete(measured, index, path, columns, "measured rows need every value")
        model.update(measured[:, 1:] if exog else None, measured[:, 0])
        last_time = index[n_measured - 1]
    times = pd.date_range(last_time + step, periods=horizon, freq=step, name=time_column)
    if exog:
        given = values[n_measured:n_measured + horizon, 1:]
        complete = ~np.isnan(given).any(axis=1)
        n_given = int(np.argmin(complete)) if not complete.all() else len(given)
        if n_given < horizon:
            raise InputError(f"{path}: columns {', '.join(map(repr, exog))}: the model needs "
                             f"exogenous inputs for the {horizon} steps after {last_time}; the "
                             f"file gives {n_given} (future rows have an empty target and "
                             "filled inputs).")
        forecast = model.predict(given)
    else:
        forecast = model.predict(None, horizon=horizon)
    forecasts = pd.DataFrame({time_column: times, "series": bundle["series"],
                              "step": np.arange(1, horizon + 1),
                              f"{target}_forecast": np.asarray(forecast, float).reshape(horizon)})
    if update_model and n_measured:
        bundle = {**bundle, "model": model, "last_time": last_time}
    return forecasts, bundle


def forecast_job(series, model_path, data_path, frame, horizon, update_model):
    """One series of ``narxcast forecast``: load its model file, update, forecast. Returns
    ``(forecasts, updated model file contents or None)``."""
    bundle = load_model_file(model_path)
    forecasts, updated = forecast_series(bundle, data_path, frame, horizon, update_model)
    forecasts["series"] = series
    return forecasts, (updated if update_model else None)


# ------------------------------------------------------------------------------- jobs
@dataclass
class Outcome:
    series: str
    ok: bool
    seconds: float
    result: object = None
    error: str = ""


def _attempt(function, series, args):
    started = time.perf_counter()
    try:
        result = function(series, *args)
    except InputError as error:
        return Outcome(series, False, time.perf_counter() - started, error=str(error))
    except Exception as error:  # a failed series is reported; the others go on
        message = str(error).splitlines()[0] if str(error) else ""
        return Outcome(series, False, time.perf_counter() - started,
                       error=f"{type(error).__name__}: {message}")
    return Outcome(series, True, time.perf_counter() - started, result=result)


def run_jobs(function, jobs, n_jobs=1, scheduler=None, progress=False, description="series"):
    """Run ``function(series, *args)`` for every ``{series: args}``; returns the outcomes in
    the order of ``jobs``. Serial for ``n_jobs=1``, local processes (joblib, loky) for more,
    a Dask distributed cluster at ``scheduler`` (an address) when given."""
    from tqdm.auto import tqdm

    bar = tqdm(total=len(jobs), desc=description, disable=not progress, leave=False)
    outcomes = {}
    try:
        if scheduler is not None:
            from distributed import Client, as_completed

            with Client(scheduler, timeout="20s") as client:
                futures = [client.submit(_attempt, function, series, args, pure=False)
                           for series, args in jobs.items()]
                for future in as_completed(futures):
                    outcome = future.result()
                    outcomes[outcome.series] = outcome
                    bar.update()
        elif n_jobs == 1:
            for series, args in jobs.items():
                outcomes[series] = _attempt(function, series, args)
                bar.update()
        else:
            parallel = joblib.Parallel(n_jobs=n_jobs, return_as="generator_unordered")
            for outcome in parallel(joblib.delayed(_attempt)(function, series, args)
                                    for series, args in jobs.items()):
                outcomes[outcome.series] = outcome
                bar.update()
    finally:
        bar.close()
    return [outcomes[series] for series in jobs]


def summary(outcomes):
    """The end-of-run table: one row per series."""
    return pd.DataFrame({"series": [o.series for o in outcomes],
                         "status": ["ok" if o.ok else "FAILED" for o in outcomes],
                         "seconds": [round(o.seconds, 3) for o in outcomes],
                         "error": [o.error for o in outcomes]})
