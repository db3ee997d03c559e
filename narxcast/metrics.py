"""Forecast error metrics, NaN-aware: a pair with a NaN forecast or measurement is skipped.

``daytime_mask`` (the hours to score GHI on) is :func:`narxcast.features.daytime_mask`.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from ._validation import (
    check_coverage as _check_coverage,
)
from .features import daytime_mask

__all__ = ["GREATER_IS_BETTER", "METRICS", "coverage", "crps_gaussian", "crps_quantiles",
           "crps_samples", "daytime_mask", "interval_score", "interval_width", "mae", "mbe",
           "nrmse", "pinball_loss", "r2", "rmse", "skill_score"]


def _pairs(y_true: ArrayLike, y_pred: ArrayLike, *others: ArrayLike) -> list[np.ndarray]:
    arrays = [np.asarray(a, dtype=float) for a in (y_true, y_pred, *others)]
    for name, array in zip(("y_pred", "y_reference"), arrays[1:]):
        if array.shape != arrays[0].shape:
            raise ValueError(f"`y_true` and `{name}` must have the same shape. Got "
                             f"{arrays[0].shape} and {array.shape}.")
    valid = np.logical_and.reduce([np.isfinite(a) for a in arrays])
    if not valid.any():
        raise ValueError("No pair of `y_true` and `y_pred` is finite; nothing to score.")
    return [a[valid] for a in arrays]


def rmse(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Root mean squared error over the finite pairs.

    Parameters
    ----------
    y_true : array-like
        The measurements.
    y_pred : array-like of the same shape
        The forecasts.

    Returns
    -------
    float

    Examples
    --------
    >>> rmse([1.0, 2.0, 3.0], [1.0, 2.0, 5.0])
    1.1547005383792515
    >>> rmse([1.0, 2.0, 3.0], [float("nan"), 2.0, 5.0])
    1.4142135623730951
    """
    y_true, y_pred = _pairs(y_true, y_pred)
    return float(np.sqrt(np.mean((y_pred - y_true) ** 2)))


def mae(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Mean absolute error over the finite pairs.

    Parameters
    ----------
    y_true : array-like
        The measurements.
    y_pred : array-like of the same shape
        The forecasts.

    Returns
    -------
    float

    Examples
    --------
    >>> mae([1.0, 2.0, 3.0], [2.0, 2.0, 1.0])
    1.0
    """
    y_true, y_pred = _pairs(y_true, y_pred)
    return float(np.mean(np.abs(y_pred - y_true)))


def mbe(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Mean bias error, forecast minus measurement (positive: over-forecast).

    Parameters
    ----------
    y_true : array-like
        The measurements.
    y_pred : array-like of the same shape
        The forecasts.

    Returns
    -------
    float

    Examples
    --------
    >>> mbe([1.0, 2.0, 3.0], [2.0, 2.0, 1.0])
    -0.3333333333333333
    """
    y_true, y_pred = _pairs(y_true, y_pred)
    return float(np.mean(y_pred - y_true))


def nrmse(y_true: ArrayLike, y_pred: ArrayLike,
          normalization: Literal["mean", "range"] = "mean") -> float:
    """RMSE divided by the mean or by the range (max - min) of the measurements.

    Both are taken over the finite pairs, so a mask (e.g. daytime) applies to the normaliser
    too.

    Parameters
    ----------
    y_true : array-like
        The measurements.
    y_pred : array-like of the same shape
        The forecasts.
    normalization : {"mean", "range"}, default="mean"

    Returns
    -------
    float

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


def skill_score(y_true: ArrayLike, y_pred: ArrayLike, y_reference: ArrayLike) -> float:
    """Forecast skill ``1 - RMSE / RMSE_reference`` over the pairs where all three are finite.

    1 is a perfect forecast, 0 no better than the reference (e.g. persistence), negative worse.

    Parameters
    ----------
    y_true : array-like
        The measurements.
    y_pred : array-like of the same shape
        The forecasts scored.
    y_reference : array-like of the same shape
        The reference forecasts (persistence, say).

    Returns
    -------
    float

    Examples
    --------
    >>> skill_score([1.0, 2.0, 3.0], [1.0, 2.0, 4.0], [2.0, 3.0, 4.0])
    0.42264973081037427
    """
    y_true, y_pred, y_reference = _pairs(y_true, y_pred, y_reference)
    return float(1.0 - np.sqrt(np.mean((y_pred - y_true) ** 2))
                 / np.sqrt(np.mean((y_reference - y_true) ** 2)))


def r2(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Coefficient of determination over the finite pairs.

    Parameters
    ----------
    y_true : array-like
        The measurements.
    y_pred : array-like of the same shape
        The forecasts.

    Returns
    -------
    float

    Examples
    --------
    >>> r2([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    1.0
    """
    y_true, y_pred = _pairs(y_true, y_pred)
    return float(1.0 - np.sum((y_pred - y_true) ** 2) / np.sum((y_true - y_true.mean()) ** 2))


# ------------------------------------------------------------------ probabilistic forecasts
def _interval(y_true: ArrayLike, lower: ArrayLike,
              upper: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y_true, lower, upper = (np.asarray(a, dtype=float) for a in (y_true, lower, upper))
    if not y_true.shape == lower.shape == upper.shape:
        raise ValueError(f"`y_true`, `lower` and `upper` must have the same shape. Got "
                         f"{y_true.shape}, {lower.shape} and {upper.shape}.")
    valid = ~(np.isnan(y_true) | np.isnan(lower) | np.isnan(upper))
    if not valid.any():
        raise ValueError("No row has a measurement and both bounds; nothing to score.")
    return y_true[valid], lower[valid], upper[valid]


def coverage(y_true: ArrayLike, lower: ArrayLike, upper: ArrayLike) -> float:
    """The fraction of measurements inside their interval ``[lower, upper]`` (rows with a NaN
    skipped; infinite bounds are fine).

    Parameters
    ----------
    y_true : array-like
        The measurements.
    lower, upper : array-like of the same shape
        The intervals' bounds.

    Returns
    -------
    float
        In [0, 1].

    Examples
    --------
    >>> coverage([1.0, 2.0, 3.0, 4.0], [0.0, 2.5, 2.0, 3.0], [2.0, 3.0, 4.0, 5.0])
    0.75
    """
    y_true, lower, upper = _interval(y_true, lower, upper)
    return float(np.mean((lower <= y_true) & (y_true <= upper)))


def interval_width(lower: ArrayLike, upper: ArrayLike) -> float:
    """The mean width ``upper - lower`` of the intervals (NaN rows skipped).

    Parameters
    ----------
    lower, upper : array-like of the same shape
        The intervals' bounds.

    Returns
    -------
    float

    Examples
    --------
    >>> interval_width([0.0, 1.0], [2.0, 4.0])
    2.5
    """
    _, lower, upper = _interval(np.zeros(np.shape(lower)), lower, upper)
    return float(np.mean(upper - lower))


def interval_score(y_true: ArrayLike, lower: ArrayLike, upper: ArrayLike,
                   coverage: float) -> float:
    """The interval (Winkler) score of central intervals of nominal ``coverage`` (lower is
    better): the width, plus ``2 / (1 - coverage)`` times how far a measurement falls outside
    (Gneiting & Raftery 2007, eq. 43), averaged over the rows.

    Parameters
    ----------
    y_true : array-like
        The measurements.
    lower, upper : array-like of the same shape
        The intervals' bounds.
    coverage : float
        The intervals' nominal coverage, in (0, 1).

    Returns
    -------
    float

    Examples
    --------
    >>> interval_score([1.0, 5.0], [0.0, 0.0], [2.0, 4.0], coverage=0.8)   # (2 + 4 + 10) / 2
    8.0
    """
    coverage = _check_coverage(coverage)
    y_true, lower, upper = _interval(y_true, lower, upper)
    alpha = 1.0 - coverage
    score = (upper - lower + 2.0 / alpha * np.maximum(lower - y_true, 0.0)
             + 2.0 / alpha * np.maximum(y_true - upper, 0.0))
    return float(np.mean(score))


def pinball_loss(y_true: ArrayLike, y_quantile: ArrayLike, quantile: float) -> float:
    """The pinball (quantile) loss of forecasts ``y_quantile`` of the ``quantile`` level:
    ``quantile * (y - q)`` where the measurement is above, ``(1 - quantile) * (q - y)`` where
    below, averaged over the finite pairs.

    Parameters
    ----------
    y_true : array-like
        The measurements.
    y_quantile : array-like of the same shape
        The forecast quantile.
    quantile : float
        Its level, in (0, 1).

    Returns
    -------
    float

    Examples
    --------
    >>> pinball_loss([1.0, 3.0], [2.0, 2.0], quantile=0.9)   # (0.1 * 1 + 0.9 * 1) / 2
    0.5
    """
    if not 0.0 < quantile < 1.0:
        raise ValueError(f"`quantile` must be in (0, 1). Got {quantile!r}.")
    y_true, y_quantile = _pairs(y_true, y_quantile)
    difference = y_true - y_quantile
    return float(np.mean(np.maximum(quantile * difference, (quantile - 1.0) * difference)))


def crps_samples(y_true: ArrayLike, samples: ArrayLike) -> float:
    """The continuous ranked probability score of an ensemble or sample paths (lower is
    better): ``E|X - y| - E|X - X'| / 2`` under the empirical distribution of each row's
    samples (``samples`` of shape (n, n_samples); NaN samples of a row are dropped), averaged
    over the rows with a measurement and a sample. In the units of ``y``; a point forecast's
    CRPS is its absolute error.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        The measurements.
    samples : array-like of shape (n, n_samples)
        Samples of each forecast distribution (sample paths, say).

    Returns
    -------
    float
        The mean over the rows.

    Examples
    --------
    >>> crps_samples([0.0], [[1.0, -1.0]])     # E|X - y| = 1, E|X - X'| / 2 = 0.5
    0.5
    """
    y_true = np.asarray(y_true, dtype=float)
    samples = np.asarray(samples, dtype=float)
    if samples.ndim != 2 or samples.shape[0] != y_true.size or y_true.ndim != 1:
        raise ValueError(f"`samples` must be (n, n_samples) for `y_true` of shape (n,). Got "
                         f"{samples.shape} and {y_true.shape}.")
    scores = []
    for value, row in zip(y_true, samples):
        row = np.sort(row[~np.isnan(row)])
        if np.isnan(value) or not row.size:
            continue
        m = row.size
        # E|X - X'| over all ordered pairs of the sorted sample, in O(m)
        spread = 2.0 * np.sum((2.0 * np.arange(1, m + 1) - m - 1) * row) / m ** 2
        scores.append(np.mean(np.abs(row - value)) - 0.5 * spread)
    if not scores:
        raise ValueError("No row has a measurement and a sample; nothing to score.")
    return float(np.mean(scores))


def crps_quantiles(y_true: ArrayLike, y_quantiles: ArrayLike, quantiles: ArrayLike) -> float:
    """The CRPS approximated from forecast quantiles: twice the mean pinball loss over the
    ``quantiles`` levels (``y_quantiles`` of shape (n, len(quantiles))), exact as the levels
    fill (0, 1) evenly (Gneiting & Ranjan 2011); NaN rows skipped.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        The measurements.
    y_quantiles : array-like of shape (n, n_quantiles)
        The forecast quantiles, one column per level.
    quantiles : array-like of shape (n_quantiles,)
        Their levels, in (0, 1).

    Returns
    -------
    float

    Examples
    --------
    >>> round(crps_quantiles([0.0], [[-1.0, 0.0, 1.0]], [0.25, 0.5, 0.75]), 4)
    0.3333
    """
    y_true = np.asarray(y_true, dtype=float)
    y_quantiles = np.asarray(y_quantiles, dtype=float)
    quantiles = np.asarray(quantiles, dtype=float)
    if y_quantiles.shape != (y_true.size, quantiles.size):
        raise ValueError(f"`y_quantiles` must be (n, n_quantiles) = ({y_true.size}, "
                         f"{quantiles.size}). Got {y_quantiles.shape}.")
    return float(2.0 * np.mean([pinball_loss(y_true, y_quantiles[:, k], level)
                                for k, level in enumerate(quantiles)]))


def crps_gaussian(y_true: ArrayLike, mean: ArrayLike, std: ArrayLike) -> float:
    """The CRPS of Gaussian forecasts ``N(mean, std^2)``, in closed form (Gneiting et al.
    2005): ``std * (z (2 Phi(z) - 1) + 2 phi(z) - 1 / sqrt(pi))`` with ``z = (y - mean) / std``.

    Parameters
    ----------
    y_true : array-like
        The measurements.
    mean, std : array-like of the same shape
        The forecast normal distributions.

    Returns
    -------
    float

    Examples
    --------
    >>> round(crps_gaussian([0.0], [0.0], [1.0]), 4)    # (sqrt(2) - 1) / sqrt(pi)
    0.2337
    """
    from scipy.stats import norm

    y_true, mean, std = (np.asarray(a, dtype=float) for a in (y_true, mean, std))
    z = (y_true - mean) / std
    score = std * (z * (2.0 * norm.cdf(z) - 1.0) + 2.0 * norm.pdf(z) - 1.0 / np.sqrt(np.pi))
    return float(np.nanmean(score))


METRICS = {"rmse": rmse, "mae": mae, "mbe": mbe, "nrmse": nrmse, "r2": r2}
# the metrics that rank forecasts (a bias does not), and their direction, for scorers
GREATER_IS_BETTER = {"rmse": False, "mae": False, "nrmse": False, "r2": True}
