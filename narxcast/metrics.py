"""Forecast error metrics, NaN-aware: a pair with a NaN forecast or measurement is skipped."""

import numpy as np


def _pairs(y_true, y_pred):
    y_true = np.asarray(y_true, dtype=float)
    y_pred = np.asarray(y_pred, dtype=float)
    if y_true.shape != y_pred.shape:
        raise ValueError("`y_true` and `y_pred` must have the same shape. Got "
                         f"{y_true.shape} and {y_pred.shape}.")
    valid = np.isfinite(y_true) & np.isfinite(y_pred)
    if not valid.any():
        raise ValueError("No pair of `y_true` and `y_pred` is finite; nothing to score.")
    return y_true[valid], y_pred[valid]


def rmse(y_true, y_pred):
    """Root mean squared error over the finite pairs.

    Examples
    --------
    >>> rmse([1.0, 2.0, 3.0], [1.0, 2.0, 5.0])
    1.1547005383792515
    >>> rmse([1.0, 2.0, 3.0], [float("nan"), 2.0, 5.0])
    1.4142135623730951
    """
    y_true, y_pred = _pairs(y_true, y_pred)
    return float(np.sqrt(np.mean((y_pred - y_true) ** 2)))


def mae(y_true, y_pred):
    """Mean absolute error over the finite pairs.

    Examples
    --------
    >>> mae([1.0, 2.0, 3.0], [2.0, 2.0, 1.0])
    1.0
    """
    y_true, y_pred = _pairs(y_true, y_pred)
    return float(np.mean(np.abs(y_pred - y_true)))


def r2(y_true, y_pred):
    """Coefficient of determination over the finite pairs.

    Examples
    --------
    >>> r2([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    1.0
    """
    y_true, y_pred = _pairs(y_true, y_pred)
    return float(1.0 - np.sum((y_pred - y_true) ** 2) / np.sum((y_true - y_true.mean()) ** 2))


METRICS = {"rmse": rmse, "mae": mae, "r2": r2}
GREATER_IS_BETTER = {"rmse": False, "mae": False, "r2": True}
