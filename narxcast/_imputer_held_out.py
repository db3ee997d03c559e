"""What :class:`~narxcast.impute.RecurrentImputer` learns on rows left out of training: the
weight of its departure from the bridge per gap length (``validation_fraction``), and the
errors its intervals are calibrated on (``calibration_fraction``, :meth:`fill_interval`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.utils.validation import check_is_fitted

from ._validation import check_coverage as _check_coverage
from .features import daytime_mask
from .intervals import conformal_offsets as _conformal_offsets

GAP_CLASSES = (1, 2, 4, 7, 13, 25)  # the shortest gap of each gap-length class


def gap_class(length):
    """The class of a gap of ``length`` rows (:data:`GAP_CLASSES`)."""
    return int(np.searchsorted(GAP_CLASSES, length, side="right") - 1)


def runs(mask):
    """``(first, end)`` of every run of True in ``mask``."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)))


def rows_and_classes(blocks):
    """The rows of ``blocks`` (``(first, end)`` each) and each row's gap-length class."""
    rows = np.concatenate([np.arange(first, end) for first, end in blocks])
    classes = np.concatenate([np.full(end - first, gap_class(end - first))
                              for first, end in blocks])
    return rows, classes


class HeldOutRows:
    """The imputer's methods that hide blocks in rows left out of training and fill them."""

    def _hidden_fills(self, values, inputs, target, start, end, rng, n_blocks=400):
        """Blocks of ``target`` hidden in rows ``start..end`` (``n_blocks`` drawn, lengths as
        in training; those of measured values with a measured neighbour either side are kept)
        and filled as gaps are, each hidden in the network ``inputs`` and restored after:
        ``(runs, bridge, departure)``, the blocks' ``(first, end)`` and, over their rows, the
        bridge and the network's departure from it (user units)."""
        clearsky = self._clearsky(values)
        measured = np.isfinite(values[:, self.columns_[target]])
        runs, bridges, departures = [], [], []
        for _ in range(n_blocks):
            length = self._block(rng)
            first = rng.randint(max(start, 1), end - length)
            if not measured[first - 1:first + length + 1].all():
                continue
            kept = inputs[first:first + length].copy()  # hidden as a gap is: bridged
            self._hide(inputs, first, length, target, clearsky)
            bridge, departure = self._departures(target, [(first, first + length)], inputs)
            inputs[first:first + length] = kept
            runs.append((first, first + length))
            bridges.append(bridge)
            departures.append(departure)
        if not runs:
            return runs, np.empty(0), np.empty(0)
        return runs, np.concatenate(bridges), np.concatenate(departures)

    def _shrinkage(self, values, inputs, start, end, rng):
        """Per target and gap-length class (:data:`GAP_CLASSES`), the weight of the network's
        departure from the bridge that fills blocks hidden in rows ``start..end`` best (least
        squares, within [0, 1]; 1 where a class has no block)."""
        lower, upper = self._bounds(values)
        weights = np.ones((len(self.columns_), len(GAP_CLASSES)))
        for target, column in enumerate(self.columns_):
            runs, bridge, departure = self._hidden_fills(values, inputs, target, start, end,
                                                         rng)
            if not runs:
                continue
            rows, classes = rows_and_classes(runs)
            free = upper[rows] > lower[rows]  # (not held at 0 by night)
            missed = values[rows, column] - bridge
            for gap_class in range(len(GAP_CLASSES)):
                here = free & (classes == gap_class)
                energy = np.dot(departure[here], departure[here])
                if energy > 0:
                    weights[target, gap_class] = np.clip(
                        np.dot(departure[here], missed[here]) / energy, 0.0, 1.0)
        return weights

    def _calibrate(self, values, inputs, start, rng):
        """Per target, the errors of filling blocks hidden in the rows from ``start`` on, by
        gap-length class (see the class)."""
        bounds = self._bounds(values)
        results = []
        for target, column in enumerate(self.columns_):
            runs, bridge, departure = self._hidden_fills(values, inputs, target, start,
                                                         len(values), rng)
            errors = np.empty((0, 2))
            if runs:
                rows, classes = rows_and_classes(runs)
                error = values[rows, column] - self._combine(target, rows, classes, bridge,
                                                             departure, bounds)
                if self.clearsky_column_ is not None:
                    clearsky = values[rows, self.clearsky_column_]
                    day = daytime_mask(clearsky, self.min_clearsky)
                    error = np.where(day, error / np.where(day, clearsky, 1.0), np.nan)
                errors = np.column_stack([classes, error])
                errors = errors[np.isfinite(errors[:, 1])]
            results.append(errors)
        return results

    def fill_interval(self, X: ArrayLike | pd.DataFrame,
                      coverage: float = 0.9) -> np.ndarray | pd.DataFrame:
        """Intervals of nominal ``coverage`` for the filled values: the filled value plus and
        minus the split-conformal quantile of the absolute calibration errors of its
        gap-length class (:func:`narxcast.intervals.conformal_offsets`; times the clear-sky
        irradiance with ``clearsky``), within the bounds; symmetric, so that a calibration
        block whose errors lean one way (another season) does not shift them. Measured
        values are their own bounds.

        Parameters
        ----------
        X : array-like or pandas.DataFrame of shape (n_samples, n_columns)
        coverage : float, default=0.9

        Returns
        -------
        ndarray or pandas.DataFrame of shape (n_samples, 2 n_targets)
            Per target its lower and upper bounds (columns ``<target>_lower``,
            ``<target>_upper``).
        """
        coverage = _check_coverage(coverage)
        check_is_fitted(self, "theta_")
        if not hasattr(self, "calibration_errors_"):
            raise ValueError("This imputer was fitted without `calibration_fraction`: it has "
                             "no errors to calibrate intervals on.")
        values, filled, missing, (lower_bound, upper_bound) = self._filled(X)
        relative = self._clearsky(values)
        if relative is None:
            relative = np.ones(len(values))
        bounds = []
        for target, column in enumerate(self.columns_):
            errors = self.calibration_errors_[target]
            lower = filled[:, column].copy()
            upper = lower.copy()
            every = _conformal_offsets(np.abs(errors[:, 1]), [coverage])[0]
            for first, end in runs(missing[:, target]):
                errors_here = errors[errors[:, 0] == gap_class(end - first), 1]
                offset = _conformal_offsets(np.abs(errors_here), [coverage])[0]
                if not np.isfinite(offset):  # too few of its class: every class's
                    offset = every
                rows = slice(first, end)
                lower[rows] = np.clip(filled[rows, column] - offset * relative[rows],
                                      lower_bound[rows], upper_bound[rows])
                upper[rows] = np.clip(filled[rows, column] + offset * relative[rows],
                                      lower_bound[rows], upper_bound[rows])
            bounds += [lower, upper]
        result = np.column_stack(bounds)
        if isinstance(X, pd.DataFrame):
            names = [f"{name}_{side}" for name in self._target_names(self.feature_names_in_)
                     for side in ("lower", "upper")]
            return pd.DataFrame(result, index=X.index, columns=names)
        return result
