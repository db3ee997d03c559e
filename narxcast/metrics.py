"""Forecast error metrics, NaN-aware: a pair with a NaN forecast or measurement is skipped.

``daytime_mask`` (the hours to score GHI on) is :func:`narxcast.features.daytime_mask`.
"""

import numpy as np

from .features import daytime_mask

__all__ = ["GREATER_IS_BETTER", "METRICS", "daytime_mask", "mae", "mbe", "nrmse", "r2", "rmse",
           "skill_score"]


def _pairs(y_true, y_pred, *others):
    arrays = [np.asarray(a, dtype=float) for a in (y_true, y_pred, *others)]
    for name, array in zip(("y_pred", "y_reference"), arrays[1:]):
        if array.shape != arrays[0].shape:
            raise ValueError(f"`y_true` and `{name}` must have the same shape. Got "
                             f"{arrays[0].shape} and {array.shape}.")
    valid = np.logical_and.reduce([np.isfinite(a) for a in arrays])
    if not valid.any():
        raise ValueError("No pair of `y_true` and `y_pred` is finite; nothing to score.")
    return [a[valid] for a in arrays]


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


def mbe(y_true, y_pred):
    """Mean bias error, forecast minus measurement (positive: over-forecast).

    Examples
    --------
    >>> mbe([1.0, 2.0, 3.0], [2.0, 2.0, 1.0])
    -0.3333333333333333
    """
    y_true, y_pred = _pairs(y_true, y_pred)
    return float(np.mean(y_pred - y_true))


def nrmse(y_true, y_pred, normalization="mean"):
    """RMSE divided by the mean or by the range (max - min) of the measurements.

    Both are taken over the finite pairs, so a mask (e.g. daytime) applies to the normaliser
    too.

    Examples
    --------
    >>> nrmse([2.0, 4.0, 9.0], [2.0, 4.0, 6.0])             # RMSE sqrt(3) over the mean, 5
    0.34641016151377546
    >>> nrmse([2.0, 4.0, 9.0], [2.0, 4.0, 6.0], normalization="range")   # over 9 - 2
    0.24743582965269675
    """
    if normalization not in ("mean", "range"):
        raise ValueError(f"`normalization` must be 'mean' or 'range'. Got {normalization!r}.")
    y_true, y_pred = _pairs(y_true, y_pred)
    scale = y_true.mean() if normalization == "mean" else np.ptp(y_true)
    return float(np.sqrt(np.mean((y_pred - y_true) ** 2)) / scale)


def skill_score(y_true, y_pred, y_reference):
    """Forecast skill ``1 - RMSE / RMSE_reference`` over the pairs where all three are finite.

    1 is a perfect forecast, 0 no better than the reference (e.g. persistence), negative worse.

    Examples
    --------
    >>> skill_score([1.0, 2.0, 3.0], [1.0, 2.0, 4.0], [2.0, 3.0, 4.0])
    0.42264973081037427
    """
    y_true, y_pred, y_reference = _pairs(y_true, y_pred, y_reference)
    return float(1.0 - np.sqrt(np.mean((y_pred - y_true) ** 2))
                 / np.sqrt(np.mean((y_reference - y_true) ** 2)))


def r2(y_true, y_pred):
    """Coefficient of determination over the finite pairs.

    Examples
    --------
    >>> r2([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    1.0
    """
    y_true, y_pred = _pairs(y_true, y_pred)
    return float(1.0 - np.sum((y_pred - y_true) ** 2) / np.sum((y_true - y_true.mean()) ** 2))


METRICS = {"rmse": rmse, "mae": mae, "mbe": mbe, "nrmse": nrmse, "r2": r2}
# the metrics that rank forecasts (a bias does not), and their direction, for scorers
GREATER_IS_BETTER = {"rmse": False, "mae": False, "nrmse": False, "r2": True}
