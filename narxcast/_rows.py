"""The rows a forecaster is given: several records one after the other (``groups``), their
rows, and forecasts handed back as pandas with the input's index."""

import numpy as np
import pandas as pd
from sklearn.utils import check_array, column_or_1d
from sklearn.utils.validation import _num_samples


def index_of(data):
    """The pandas index of ``data`` (a Series or DataFrame), else None (a list's ``index`` is
    a method, not rows).

    >>> index_of([1.0, 2.0]) is None, index_of(pd.Series([1.0], index=["a"])).tolist()
    (True, ['a'])
    """
    return data.index if isinstance(data, (pd.Series, pd.DataFrame)) else None


def groups_of(groups, X, y):
    """The record ids: ``groups``, else the first level of a pandas MultiIndex of ``y`` or
    ``X``, else None."""
    if groups is not None:
        return groups
    for data in (y, X):
        index = index_of(data)
        if index is not None and index.nlevels > 1:
            return index.get_level_values(0)
    return None


def groups_keyword(groups):
    """The ``groups`` keyword to pass on to an inner forecaster's method: only when given, so
    that an estimator without records support is called as it always was.

    >>> groups_keyword(None), groups_keyword(["a", "b"])
    ({}, {'groups': ['a', 'b']})
    """
    return {} if groups is None else {"groups": groups}


def take(data, rows):
    """The ``rows`` (a slice or positions) of an array or a pandas object (keeping its names
    and index); None stays None."""
    if data is None:
        return None
    return data.iloc[rows] if hasattr(data, "iloc") else np.asarray(data)[rows]


def column_of(X, column, parameter, purpose, kind="column"):
    """The column of ``X`` that ``column`` names (a DataFrame's name) or numbers, as floats;
    ``column`` is the value of the estimator's ``parameter``; ``purpose`` (what it gives) and
    ``kind`` (what it is) word the errors.

    Examples
    --------
    >>> column_of(np.array([[1, 2], [3, 4]]), 1, "scale", "the scale").tolist()
    [2.0, 4.0]
    """
    if X is None:
        raise ValueError(f"`X` is required: {purpose} comes from its column {column!r} "
                         f"(parameter `{parameter}`).")
    if isinstance(column, str):
        if not hasattr(X, "columns") or column not in X.columns:
            raise ValueError(f"`X` must be a DataFrame with the {kind} {column!r} (parameter "
                             f"`{parameter}`).")
        values = X[column]
    else:
        array = np.asarray(X)
        if array.ndim != 2:
            raise ValueError(f"`X` must be 2-D, one row per time step. Got shape {array.shape}: "
                             "Reshape your data with X.reshape(-1, 1) for a single input.")
        if column >= array.shape[1]:
            raise ValueError(f"`{parameter}`={column} is not a column of `X` with shape "
                             f"{array.shape}.")
        values = array[:, column]
    return np.asarray(values, dtype=float)


def record_bounds(groups, n_rows, min_rows):
    """The (start, end) rows of the records of ``groups`` (ids, one per row, each id one
    contiguous run of at least ``min_rows`` rows); None for no ``groups`` or a single run.

    Examples
    --------
    >>> record_bounds(["a", "a", "a", "b", "b", "b"], 6, 3)
    [(0, 3), (3, 6)]
    """
    if groups is None:
        return None
    ids = pd.Series(np.asarray(groups))
    if ids.ndim != 1 or len(ids) != n_rows:
        raise ValueError(f"`groups` must give one record id per row ({n_rows}). Got "
                         f"{len(ids)}.")
    if ids.isna().any():
        raise ValueError("`groups` must not hold missing ids.")
    change = np.flatnonzero(ids.to_numpy()[1:] != ids.to_numpy()[:-1]) + 1
    starts = np.concatenate([[0], change])
    runs = ids.iloc[starts]
    if runs.duplicated().any():
        raise ValueError(f"`groups`: record {str(runs[runs.duplicated()].iloc[0])!r} is not one "
                         "contiguous run of rows (give each record's rows together).")
    bounds = list(zip(starts.tolist(), [*change.tolist(), n_rows]))
    short = [str(ids.iloc[start]) for start, end in bounds if end - start < min_rows]
    if short:
        raise ValueError(f"`groups`: record {short[0]!r} has fewer than {min_rows} rows (the "
                         "largest delay and two targets).")
    return bounds if len(bounds) > 1 else None


def record_tails(bounds, n_rows, fraction):
    """The rows before and in the last ``fraction`` of every record (``bounds`` from
    :func:`record_bounds`; None: one record of ``n_rows``), and the fewest rows any record
    keeps before its tail: ``(head rows, tail rows, fewest)``, slices for one record.

    >>> record_tails([(0, 10), (10, 14)], 14, 0.25)
    (array([ 0,  1,  2,  3,  4,  5,  6, 10, 11, 12]), array([ 7,  8,  9, 13]), 3)
    """
    if bounds is None:
        first = n_rows - int(np.ceil(fraction * n_rows))
        return slice(first), slice(first, n_rows), first
    firsts = [end - int(np.ceil(fraction * (end - start))) for start, end in bounds]
    head = np.concatenate([np.arange(start, first) for (start, _), first in zip(bounds, firsts)])
    tail = np.concatenate([np.arange(first, end) for (_, end), first in zip(bounds, firsts)])
    return head, tail, min(first - start for (start, _), first in zip(bounds, firsts))


def target_names(y):
    """The names of the targets of ``y`` when they are strings (a named Series: its name; a
    DataFrame: its columns), else None; what fit keeps as ``target_names_in_``."""
    if getattr(y, "ndim", None) == 1 and isinstance(getattr(y, "name", None), str):
        return [y.name]
    columns = getattr(y, "columns", None)
    if columns is not None and len(columns) and all(isinstance(c, str) for c in columns):
        return list(columns)
    return None


def keep_target_names(estimator, y):
    """Set ``estimator.target_names_in_`` to the target names of ``y`` (:func:`target_names`),
    or remove it when ``y`` has none (a refit on arrays forgets the names of an earlier fit),
    as scikit-learn keeps ``feature_names_in_``."""
    names = target_names(y)
    if names is not None:
        estimator.target_names_in_ = names
    elif hasattr(estimator, "target_names_in_"):
        del estimator.target_names_in_


def wrapped_target_names(wrapper):
    """The target names a wrapper's forecasts carry: those it saw in fit, else its (first)
    inner forecaster's."""
    names = getattr(wrapper, "target_names_in_", None)
    if names is None:
        inner = getattr(wrapper, "estimator_", None) or (getattr(wrapper, "estimators_", None)
                                                         or [None])[0]
        names = getattr(inner, "target_names_in_", None)
    return names


def as_pandas(forecasts, X, y, all_horizons=False, names=None):
    """``forecasts`` (rows aligned with ``y``, or with ``X`` when ``y`` is None) as pandas
    when that argument is pandas, with its index (see a forecaster's ``predict``), named as
    ``y``'s targets, or as ``names`` (the targets seen in fit) when ``y`` is None.

    Examples
    --------
    >>> import pandas as pd
    >>> y = pd.Series([1.0, 2.0], index=pd.date_range("2024-01-01", periods=2, freq="h"),
    ...               name="ghi")
    >>> as_pandas(np.array([[0.5, 0.25], [1.5, 1.0]]), None, y, True).columns.tolist()
    [1, 2]
    """
    rows = y if y is not None else X
    if not hasattr(rows, "index") or not hasattr(rows, "ndim") or \
            len(rows.index) != len(forecasts):
        return forecasts
    index = rows.index
    if y is not None:
        names = target_names(y)
    if forecasts.ndim == 1:
        return pd.Series(forecasts, index=index,
                         name=getattr(y, "name", None) if y is not None else
                         (names[0] if names else None))
    names = names if names is not None and len(names) == forecasts.shape[-1] else None
    if not all_horizons:
        return pd.DataFrame(forecasts, index=index, columns=names)
    leads = pd.RangeIndex(1, forecasts.shape[1] + 1, name="horizon")
    if forecasts.ndim == 2:
        return pd.DataFrame(forecasts, index=index, columns=leads)
    columns = pd.MultiIndex.from_product(
        [names or range(forecasts.shape[2]), leads], names=["target", "horizon"])
    return pd.DataFrame(forecasts.transpose(0, 2, 1).reshape(len(forecasts), -1),
                        index=index, columns=columns)


def last_index_label(index):
    """The last label of a pandas index, storable (ISO text for times), or None."""
    if index is None or not len(index) or not index.is_monotonic_increasing:
        return None
    if isinstance(index, pd.DatetimeIndex):
        return index[-1].isoformat()
    if pd.api.types.is_integer_dtype(index.dtype):
        return int(index[-1])
    return None


def last_row_at(index, label):
    """The position in ``index`` of the last row at or before ``label`` (-1: every row is
    after it), or None when the index cannot be placed."""
    if index is None or label is None or not index.is_monotonic_increasing:
        return None
    if isinstance(index, pd.DatetimeIndex) and isinstance(label, str):
        label = pd.Timestamp(label)
        if (index.tz is None) != (label.tz is None):
            return None
    elif not (pd.api.types.is_integer_dtype(index.dtype) and isinstance(label, int)):
        return None
    return int(index.searchsorted(label, side="right")) - 1


def series_rows(X, y, owner, finite=True):
    """``X`` and ``y`` as a meta-estimator (``owner``, its name) fits them, checked before any
    work: dense (pandas kept), ``y`` of one target (a column vector is flattened, with
    scikit-learn's warning) and finite (unless ``finite`` is False: the owner says where the
    gaps are itself), rows that agree; refused in scikit-learn's words otherwise."""
    from scipy import sparse

    if y is None:
        raise ValueError(f"{owner} requires y to be passed, but the target y is None.")
    if sparse.issparse(X) or sparse.issparse(y):
        raise TypeError("Sparse data was passed, but dense data is required: use X.toarray() "
                        "to convert it to a dense array.")
    if not hasattr(y, "index"):  # arrays and lists; pandas keeps its index
        y = column_or_1d(np.asarray(y, dtype=float), warn=True)
    elif getattr(y, "ndim", 1) == 2 and y.shape[1] == 1:
        y = column_or_1d(y, warn=True)
    if X is not None and not hasattr(X, "iloc"):  # (complex, ragged: refused by name)
        X = check_array(X, dtype=np.float64, ensure_all_finite=False, input_name="X")
    n = _num_samples(y)
    if n < 2:
        raise ValueError(f"{owner} needs a series, not n_samples = {n}.")
    if X is not None and _num_samples(X) != n:
        raise ValueError(f"`X` and `y` must have the same number of rows. Got "
                         f"{_num_samples(X)} and {n}.")
    if finite and not np.isfinite(np.asarray(y, dtype=float)).all():
        raise ValueError(f"Input y contains NaN or infinity: {owner} fits on every row.")
    return X, y
