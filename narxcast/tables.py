"""Tables in: CSV or Parquet files with a time column, one series per file, a directory of
them, or a long table with a series-id column; and the checks of their columns, times and
values. Every check raises :class:`InputError` with one line that names the file and the
column, before any model is fitted.
"""

from pathlib import Path

import numpy as np
import pandas as pd

TABLE_SUFFIXES = (".csv", ".csv.gz", ".parquet", ".pq")


class InputError(ValueError):
    """Bad input data, settings or model file; the message names the file and column."""


def series_of_file(path):
    """The series id a table file stands for: its name without the table suffix
    (``site.2.csv`` is series ``site.2``)."""
    name = Path(path).name
    suffix = next((s for s in sorted(TABLE_SUFFIXES, key=len, reverse=True)
                   if name.lower().endswith(s)), "")
    return name[:len(name) - len(suffix)] if suffix else name


def read_table(path, time_column, text_columns=()):
    """A CSV or Parquet file with a time column, indexed by parsed times, in file order;
    ``text_columns`` of a CSV are read as the text written (series ids: ``007`` is not
    ``7``)."""
    path = Path(path)
    name = path.name.lower()
    try:
        if name.endswith((".csv", ".csv.gz")):
            frame = pd.read_csv(path, dtype={column: str for column in text_columns})
        elif name.endswith((".parquet", ".pq")):
            frame = pd.read_parquet(path)
        else:
            raise InputError(f"{path}: not a table file (expected one of "
                             f"{', '.join(TABLE_SUFFIXES)}).")
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: empty file (no header, no rows).") from None
    except (OSError, pd.errors.ParserError, ValueError) as error:
        if isinstance(error, InputError):
            raise
        raise InputError(f"{path}: cannot be read: {error}") from None
    if frame.empty:
        raise InputError(f"{path}: no rows (a header only).")
    if time_column not in frame.columns and frame.index.name == time_column:
        frame = frame.reset_index()  # Parquet written from a time-indexed frame
    if time_column not in frame.columns:
        raise InputError(f"{path}: no time column {time_column!r} (columns: "
                         f"{', '.join(map(str, frame.columns))}).")
    raw = frame[time_column]
    try:
        times = pd.to_datetime(raw, format="ISO8601")
    except (ValueError, TypeError, OverflowError) as error:
        if "timezone" in str(error).lower() or "offset" in str(error).lower():
            raise _mixed_offsets(path, time_column) from None
        bad = _first_unparsable(raw)
        raise InputError(f"{path}: column {time_column!r}: unparsable time "
                         f"{raw.iloc[bad]!r} (row {bad + 1}).") from None
    if not isinstance(times.dtype, (np.dtypes.DateTime64DType, pd.DatetimeTZDtype)):
        raise _mixed_offsets(path, time_column)
    if times.isna().any():
        bad = int(np.flatnonzero(times.isna().to_numpy())[0])
        raise InputError(f"{path}: column {time_column!r}: missing time (row {bad + 1}).")
    return frame.drop(columns=time_column).set_index(pd.DatetimeIndex(times, name=time_column))


def _mixed_offsets(path, time_column):
    """The error of a time column whose times do not share one time-zone offset (pandas
    either raises on them or leaves them as objects)."""
    return InputError(f"{path}: column {time_column!r}: times with different time-zone "
                      "offsets (or with and without one): write every time in one offset, "
                      "or in UTC.")


def _first_unparsable(raw):
    """The position of the first value of ``raw`` that is not an ISO 8601 time (0 if each
    parses alone: then they disagree with one another)."""
    for position, value in enumerate(raw):
        try:
            if pd.isna(pd.to_datetime(value, format="ISO8601")):
                return position
        except (ValueError, TypeError, OverflowError):
            return position
    return 0


def read_series(source, time_column, series_column=None, errors="raise"):
    """``{series id: (path, frame)}`` from a file (a series-id column splits it) or a
    directory of files (one series each, named by the file; names starting with a dot, such
    as an interrupted run's temporary files, are skipped).

    With ``errors="keep"`` a file of a directory that cannot be read gives its
    :class:`InputError` in place of the frame, so that only its series fails.
    """
    source = Path(source)
    if source.is_dir():
        files = sorted(p for p in source.iterdir()
                       if p.name.lower().endswith(TABLE_SUFFIXES) and not p.name.startswith("."))
        if not files:
            raise InputError(f"{source}: no table files ({', '.join(TABLE_SUFFIXES)}).")
        named = {}
        for path in files:
            series = series_of_file(path)
            if series in named:  # site.csv and site.parquet: which is the series?
                raise InputError(f"{named[series]} and {path}: two files of series "
                                 f"{series!r}; keep one of them in {source}.")
            named[series] = path
        out = {}
        for series, path in named.items():
            try:
                out[series] = (path, read_table(path, time_column))
            except InputError as error:
                if errors != "keep":
                    raise
                out[series] = (path, error)
        return out
    if not source.exists():
        raise InputError(f"{source}: no such file or directory.")
    frame = read_table(source, time_column, text_columns=[series_column] if series_column
                       else [])
    if series_column is None:
        return {series_of_file(source): (source, frame)}
    if series_column not in frame.columns:
        raise InputError(f"{source}: no series column {series_column!r}.")
    if frame[series_column].isna().any():
        row = int(np.flatnonzero(frame[series_column].isna().to_numpy())[0])
        raise InputError(f"{source}: column {series_column!r}: missing series id at "
                         f"{frame.index[row]} (row {row + 1}).")
    return {str(key): (source, part.drop(columns=series_column))
            for key, part in frame.groupby(series_column, sort=True)}


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
