"""Filling gaps in a measured series with a bidirectional recurrent network
(:class:`RecurrentImputer`)."""

from __future__ import annotations

import numbers
import re
from collections.abc import Sequence
from typing import Literal, Self

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._imputer_held_out import GAP_CLASSES, HeldOutRows, rows_and_classes, runs as _runs
from ._typing import RandomState
from ._validation import (
    check_hidden_layer_sizes as _check_hidden_layer_sizes,
)
from .features import DAYTIME_CLEARSKY, daytime_mask
from .kernels import bidirectional as _bidirectional
from .kernels.blas import single_threaded_blas as _single_threaded_blas
from .kernels.recurrent import ELMAN, GRU, LSTM
from .training.gradient import Adam as _Adam

__all__ = ["GAP_CLASSES", "RecurrentImputer"]

CELLS = {"elman": ELMAN, "lstm": LSTM, "gru": GRU}
MAX_BATCH_VALUES = 2 * 10**8  # floats a training batch may hold (1.6 GB)


class RecurrentImputer(HeldOutRows, TransformerMixin, BaseEstimator):
    """Fill the gaps (NaN) of a target column with a bidirectional recurrent network that
    reads the measurements on both sides of each gap and the other columns through it.

    ``fit(X)`` learns from the observed rows: it cuts windows of ``window`` rows from the
    table, hides a block of 1 to ``max_gap`` observed target values in each (the lengths it
    will have to fill, drawn log-uniformly, so that short gaps are not outnumbered by long
    ones), and trains the network (Adam, backpropagation through time in both directions) to
    reconstruct them from the rest of the window; each block's squared error is its mean
    over its values, so that a one-hour gap counts as much as a two-day one. At each step the
    network reads the other columns (exogenous inputs known through a gap: clear-sky
    irradiance, temperature, the hour of day), the target where it is known and a bridge
    across the gap where it is not (the straight line between the measurements either side;
    with ``clearsky``, the clear-sky index's line between the daytime measurements either
    side times the clear-sky irradiance, as a clear-sky-index interpolation fills it), and a
    column that says which; its output is how the gap departs from the bridge, added to it
    (so an untrained network fills as the interpolation does), weighted per gap length by how
    much it helped on rows left out of training (``validation_fraction``).
    ``transform(X)`` fills every gap of the target from ``window // 2`` rows either side of
    it (fewer at the series' ends: a gap at the start or end is filled from one side) and
    leaves every measured value as it was. Gaps in the other columns are interpolated
    linearly (their nearest value at the ends) before they are read.

    Several targets (a list) share one network with an output each: each reads the others
    (bridged where they have gaps), and training hides a block in a random subset of them
    at once, as an outage of a logger hides all its channels. With ``clearsky`` (irradiance)
    the filled values stay physical, as :class:`~narxcast.compose.IrradianceRegressor` keeps
    forecasts: 0 where the clear-sky irradiance says it is night, at most ``max_index`` times
    it by day. With ``calibration_fraction`` the last rows are left out of training and
    calibrate intervals for the filled values (:meth:`fill_interval`): blocks of every
    length are hidden there, filled, and their errors kept by gap length (split conformal).

    Parameters
    ----------
    target : str, int or list of them
        The column(s) to fill: names (pandas) or positions.
    cell : {"gru", "lstm", "elman"}, default="gru"
    bidirectional : bool, default=True
        Both directions (PyTorch's ``bidirectional=True``); False runs the forward one only,
        so that a filled value reads the rows before it and, across the gap, the line to the
        measurement after it (a baseline for what the reverse direction adds).
    hidden_layer_sizes : tuple of int, default=(16,)
        Units per layer (each direction).
    window : int, default=96
        Rows of a training window (and of the context a gap is filled from: half of it
        either side).
    max_gap : int, default=48
        The longest block hidden in training.
    max_iter : int, default=2000
        Adam steps (mini-batches).
    batch_size : int, default=16
        Windows per step (at most 10,000; a batch's inputs, states and gradients at most
        :data:`MAX_BATCH_VALUES` values).
    learning_rate_init : float, default=0.01
    add_indicator : bool, default=False
        Append a column ``<target>_filled`` per target (1 where a value was filled), as
        scikit-learn's imputers' ``add_indicator``.
    clearsky : str, int or None, default=None
        The clear-sky irradiance column of the targets (irradiance): filled values are held
        within ``[0, max_index * clearsky]`` by day and at 0 where it is at or below
        ``min_clearsky`` (night); interval errors are relative to it. Its own gaps are
        interpolated, as every input's: give it for the rows of a gap where it can be.
    max_index : float, default=1.5
    min_clearsky : float, default=DAYTIME_CLEARSKY (10.0)
    calibration_fraction : float or None, default=None
        The last fraction of the rows, left out of training, on which
        :meth:`fill_interval` is calibrated (e.g. 0.1). None: every row trains, no intervals.
    validation_fraction : float or None, default=0.1
        The fraction of the rows before the calibration rows (the last ones without it), left
        out of training, on which blocks of every length are hidden and filled to weigh the
        network's departure from the bridge per gap-length class (``shrinkage_``), so that
        where the network does not beat the interpolation on rows it was not trained on, it
        fills as the interpolation does. None, or fewer than 2 x ``window`` rows: no rows are
        left out, every weight is 1.
    random_state : int, RandomState instance or None, default=None

    Attributes
    ----------
    theta_ : ndarray
        The network's parameters (:mod:`narxcast.kernels.bidirectional`'s layout).
    columns_ : list of int
        The targets' positions.
    calibration_errors_ : list of ndarray
        With ``calibration_fraction``: per target, the calibration errors (measured minus
        filled; relative to clear-sky with ``clearsky``) by gap-length class
        (:data:`GAP_CLASSES`), an array of shape (n_errors, 2): the class and the error.
    shrinkage_ : ndarray of shape (n_targets, len(GAP_CLASSES))
        The weight of the network's departure from the bridge per target and gap-length class
        (:data:`GAP_CLASSES`), in [0, 1]: least squares on the validation rows (see
        ``validation_fraction``); a filled value is the bridge plus this times the departure.
    loss_curve_ : list of float
        The training loss (scaled units) per step.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        With a DataFrame.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from narxcast.impute import RecurrentImputer
    >>> hour = np.arange(24 * 60) % 24
    >>> rng = np.random.default_rng(0)
    >>> y = np.sin(2 * np.pi * hour / 24) + 0.05 * rng.normal(size=hour.size)
    >>> table = pd.DataFrame({"y": y, "hour_sin": np.sin(2 * np.pi * hour / 24)})
    >>> table.loc[1000:1005, "y"] = np.nan                      # a six-hour gap
    >>> filled = RecurrentImputer("y", max_iter=150, random_state=0).fit_transform(table)
    >>> errors = filled["y"][1000:1006] - y[1000:1006]
    >>> bool(filled["y"].notna().all()), bool(np.abs(errors).max() < 0.3)
    (True, True)
    """

    _parameter_constraints = {
        "target": [str, Interval(numbers.Integral, 0, None, closed="left"), list, tuple],
        "cell": [StrOptions(set(CELLS))],
        "bidirectional": ["boolean"],
        "hidden_layer_sizes": [numbers.Integral, "array-like"],
        "window": [Interval(numbers.Integral, 4, None, closed="left")],
        "max_gap": [Interval(numbers.Integral, 1, None, closed="left")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "batch_size": [Interval(numbers.Integral, 1, 10_000, closed="both")],
        "learning_rate_init": [Interval(numbers.Real, 0, None, closed="neither")],
        "add_indicator": ["boolean"],
        "clearsky": [str, Interval(numbers.Integral, 0, None, closed="left"), None],
        "max_index": [Interval(numbers.Real, 0, None, closed="neither")],
        "min_clearsky": [Interval(numbers.Real, 0, None, closed="left")],
        "calibration_fraction": [Interval(numbers.Real, 0, 1, closed="neither"), None],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither"), None],
        "random_state": ["random_state"],
    }

    def __init__(self, target: str | int | Sequence[str | int],
                 cell: Literal["gru", "lstm", "elman"] = "gru", bidirectional: bool = True,
                 hidden_layer_sizes: int | Sequence[int] = (16,), window: int = 96,
                 max_gap: int = 48, max_iter: int = 2000, batch_size: int = 16,
                 learning_rate_init: float = 0.01, add_indicator: bool = False,
                 clearsky: str | int | None = None, max_index: float = 1.5,
                 min_clearsky: float = DAYTIME_CLEARSKY,
                 calibration_fraction: float | None = None,
                 validation_fraction: float | None = 0.1,
                 random_state: RandomState = None) -> None:
        self.target = target
        self.cell = cell
        self.bidirectional = bidirectional
        self.hidden_layer_sizes = hidden_layer_sizes
        self.window = window
        self.max_gap = max_gap
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.add_indicator = add_indicator
        self.clearsky = clearsky
        self.max_index = max_index
        self.min_clearsky = min_clearsky
        self.calibration_fraction = calibration_fraction
        self.validation_fraction = validation_fraction
        self.random_state = random_state

    # ------------------------------------------------------------------------- the table
    def _position(self, X, column, label):
        """The position of ``column`` (a name or a position) in ``X``, checked; ``label`` is
        the argument's name for the error."""
        names = getattr(X, "columns", None)
        if isinstance(column, (bool, np.bool_)) or not isinstance(
                column, (str, numbers.Integral)):
            raise ValueError(f"`{label}` must be a column name or position. Got {column!r}.")
        if isinstance(column, str):
            if names is None or column not in list(names):
                raise ValueError(f"`{label}` {column!r} is not a column of X.")
            return list(names).index(column)
        if not 0 <= column < np.shape(X)[1]:
            raise ValueError(f"`{label}` {column} is not a column position of X (it has "
                             f"{np.shape(X)[1]} columns).")
        return int(column)

    def _columns(self, X):
        """The targets' positions in ``X`` and the clear-sky column's (or None), checked."""
        targets = (list(self.target) if isinstance(self.target, (list, tuple))
                   else [self.target])
        if not targets:
            raise ValueError("`target` must name at least one column.")
        columns = [self._position(X, target, "target") for target in targets]
        if len(set(columns)) != len(columns):
            raise ValueError(f"`target` names a column twice: {self.target!r}.")
        clearsky = (None if self.clearsky is None
                    else self._position(X, self.clearsky, "clearsky"))
        if clearsky in columns:
            raise ValueError("`clearsky` must be another column than the targets.")
        return columns, clearsky

    def _table(self, X, fitting):
        """X as floats (n, n_columns), checked against the fit when not ``fitting``."""
        if isinstance(X, pd.Series) or np.ndim(X) != 2:
            raise ValueError("X must be a 2-D table (a DataFrame or an array of shape "
                             "(n_samples, n_columns)).")
        try:
            values = np.array(X, dtype=float)
        except (TypeError, ValueError) as error:
            raise ValueError(f"X must hold numbers: {error}") from None
        if np.isinf(values).any():
            raise ValueError("X contains infinity; gaps are NaN.")
        if fitting:
            self.columns_, self.clearsky_column_ = self._columns(X)
            return values
        if values.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {values.shape[1]} columns; the imputer was fitted on "
                             f"{self.n_features_in_}.")
        names = getattr(X, "columns", None)
        if (hasattr(self, "feature_names_in_") and names is not None
                and [str(name) for name in names] != list(self.feature_names_in_)):
            raise ValueError("X's columns are not those the imputer was fitted on.")
        return values

    def _network_inputs(self, values):
        """The network's inputs (n, n_exogenous + 2 n_targets): the scaled exogenous columns
        (gaps interpolated), then per target its scaled values bridged across its gaps and
        whether each is known; and the scaled targets (n, n_targets), NaN kept."""
        scaled = (values - self.mean_) / self.scale_
        exogenous = np.delete(scaled, self.columns_, axis=1)
        rows = np.arange(len(values))
        for j in range(exogenous.shape[1]):
            known = np.isfinite(exogenous[:, j])
            if not known.any():
                raise ValueError("A column of X other than the targets has no value.")
            if not known.all():
                exogenous[:, j] = np.interp(rows, rows[known], exogenous[known, j])
        targets = scaled[:, self.columns_]
        clearsky = self._clearsky(values)
        parts = [exogenous]
        for target, column in zip(targets.T, self.columns_):
            known = np.isfinite(target)
            bridged = target
            if known.any():
                bridged = (self._bridge(values[:, column], known, clearsky)
                           - self.mean_[column]) / self.scale_[column]
            parts += [bridged[:, None], known[:, None]]
        return np.hstack(parts), targets

    def _clearsky(self, values):
        """The clear-sky irradiance of every row (its gaps interpolated), or None."""
        if self.clearsky_column_ is None:
            return None
        clearsky = values[:, self.clearsky_column_]
        known = np.isfinite(clearsky)
        if known.any() and not known.all():  # interpolated, as the network reads it
            rows = np.arange(len(clearsky))
            clearsky = np.interp(rows, rows[known], clearsky[known])
        return np.nan_to_num(clearsky)

    def _bridge(self, y, known, clearsky):
        """``y`` (user units) where ``known``, and across the rest the straight line between
        the measurements either side (the nearest one at the ends); with ``clearsky``, the
        clear-sky index's line between the daytime measurements either side (held within
        ``[0, max_index]``) times the clear-sky irradiance, and 0 at night."""
        rows = np.arange(len(y))
        if clearsky is not None:
            day = daytime_mask(clearsky, self.min_clearsky)
            anchors = known & day
            if anchors.any():
                index = np.clip(y[anchors] / clearsky[anchors], 0.0, self.max_index)
                line = np.interp(rows, rows[anchors], index) * clearsky
                return np.where(known, y, np.where(day, line, 0.0))
        return np.where(known, y, np.interp(rows, rows[known], y[known]))

    def _bounds(self, values):
        """``(lower, upper)`` of each row's filled values: the clear-sky bounds, or infinite."""
        clearsky = self._clearsky(values)
        if clearsky is None:
            infinite = np.full(len(values), np.inf)
            return -infinite, infinite
        day = daytime_mask(clearsky, self.min_clearsky)
        upper = np.where(day, self.max_index * clearsky, 0.0)
        return np.zeros_like(upper), upper

    # ----------------------------------------------------------------------------- fit
    def fit(self, X: ArrayLike | pd.DataFrame, y: None = None) -> Self:
        """Learn to fill the targets' gaps from their observed rows (see the class).

        Parameters
        ----------
        X : array-like or pandas.DataFrame of shape (n_samples, n_columns)
            The table: the target columns with gaps (NaN), the other columns their inputs.
        y : None
            Ignored.

        Returns
        -------
        self
        """
        self._validate_params()
        hidden = _check_hidden_layer_sizes(self.hidden_layer_sizes)
        values = self._table(X, fitting=True)
        if hasattr(X, "columns"):
            self.feature_names_in_ = np.asarray([str(c) for c in X.columns], dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        self.n_features_in_ = values.shape[1]
        n_targets = len(self.columns_)
        # a training batch's inputs, and per layer and direction its states, gate scratch
        # and gradients (at most 8 rows of n_hidden per step: an LSTM's)
        per_step = values.shape[1] + 3 * n_targets + 16 * sum(hidden)
        if self.window * self.batch_size * per_step > MAX_BATCH_VALUES:
            raise ValueError(f"`window` x `batch_size` ({self.window} x {self.batch_size}) is too "
                             f"large a training batch for this network ({per_step} values a "
                             f"step; at most {MAX_BATCH_VALUES} values in all).")
        n_rows = len(values)
        n_calibration = (0 if self.calibration_fraction is None
                         else int(np.ceil(self.calibration_fraction * n_rows)))
        n_validation = (0 if self.validation_fraction is None
                        else int(np.ceil(self.validation_fraction * n_rows)))
        if n_validation < 2 * self.window:  # too few rows to weigh the departures on
            n_validation = 0
        n_train = n_rows - n_calibration - n_validation
        if n_train < self.window:
            raise ValueError(f"`validation_fraction` ({self.validation_fraction}) and "
                             f"`calibration_fraction` ({self.calibration_fraction}) leave "
                             f"{max(n_train, 0)} of {n_rows} rows to train on; at least "
                             f"`window` ({self.window}) are needed.")
        observed = np.isfinite(values[:n_train][:, self.columns_])
        if len(observed) < self.window or observed.sum(axis=0).min() < self.window:
            raise ValueError(f"Every target needs at least `window` ({self.window}) observed "
                             f"training rows to learn from. Got {observed.sum(axis=0).tolist()}"
                             f" of {len(observed)} rows.")
        if self.calibration_fraction is not None and n_calibration < 2 * self.window:
            raise ValueError(f"`calibration_fraction` ({self.calibration_fraction}) leaves "
                             f"{n_calibration} rows to calibrate on; at least 2 x `window` "
                             f"({2 * self.window}) are needed.")
        self.mean_ = np.nanmean(values[:n_train], axis=0)
        spread = np.nanstd(values[:n_train], axis=0)
        self.scale_ = np.where(np.isfinite(spread) & (spread > 0), spread, 1.0)
        self.mean_ = np.where(np.isfinite(self.mean_), self.mean_, 0.0)
        inputs, scaled_targets = self._network_inputs(values)
        self.layout_ = _bidirectional.layout([inputs.shape[1], *hidden, n_targets],
                                             CELLS[self.cell], 2 if self.bidirectional else 1)
        rng = check_random_state(self.random_state)
        self.theta_ = self._initial_parameters(rng)
        clearsky = self._clearsky(values)
        self._train(inputs[:n_train], scaled_targets[:n_train],
                    None if clearsky is None else clearsky[:n_train], rng)
        self.shrinkage_ = np.ones((n_targets, len(GAP_CLASSES)))
        if n_validation:
            self.shrinkage_ = self._shrinkage(values, inputs, n_train, n_train + n_validation,
                                              rng)
        if self.calibration_fraction is not None:
            self.calibration_errors_ = self._calibrate(values, inputs, n_rows - n_calibration,
                                                       rng)
        elif hasattr(self, "calibration_errors_"):
            del self.calibration_errors_
        return self

    def _initial_parameters(self, rng):
        """PyTorch's initialisation: U(-1/sqrt(h), 1/sqrt(h)), h the layer's units (the
        head: its inputs)."""
        theta = np.empty(self.layout_.n_params)
        for name, offset, shape in _bidirectional.weight_names(self.layout_):
            layer = re.search(r"_l(\d+)", name)
            fan = shape[-1] if layer is None else self.layout_.sizes[1 + int(layer.group(1))]
            size = int(np.prod(shape))
            theta[offset:offset + size] = rng.uniform(-1, 1, size) / np.sqrt(fan)
        return theta

    def _hide(self, x, first, length, target, clearsky):
        """Hide rows ``first..first + length`` of ``target`` in the window ``x`` (n_steps,
        n_inputs) whose clear-sky irradiance is ``clearsky`` (or None): its known flag 0 and
        its value the bridge across them (:meth:`_bridge`, from the window's rows)."""
        value = self._value_column(target)
        column = self.columns_[target]
        x[first:first + length, value + 1] = 0.0
        known = x[:, value + 1] > 0
        if not known.any():  # no measurement in the window: the training mean
            x[first:first + length, value] = 0.0
            return
        y = x[:, value] * self.scale_[column] + self.mean_[column]
        bridged = self._bridge(y, known, clearsky)
        x[first:first + length, value] = (
            bridged[first:first + length] - self.mean_[column]) / self.scale_[column]

    def _value_column(self, target):
        """The network input that holds ``target``'s bridged values (its known flag next)."""
        return self.layout_.sizes[0] - 2 * (len(self.columns_) - target)

    def _block(self, rng):
        """A hidden block's length, log-uniform in 1..max_gap (as many short as long)."""
        longest = max(1, min(self.max_gap, self.window - 2))
        return int(np.exp(rng.uniform(0.0, np.log(longest + 1))))

    def _train(self, inputs, targets, clearsky, rng):
        """Adam on windows of ``inputs`` with a block of ``targets`` hidden in each, learning
        the block's departure from its bridge."""
        n_targets = targets.shape[1]
        observed = np.isfinite(targets)
        optimizer = _Adam(self.theta_.size, learning_rate_init=self.learning_rate_init)
        no_penalty = np.zeros(self.theta_.size)
        grad = np.empty_like(self.theta_)
        window, batch = self.window, self.batch_size
        bridged = [self._value_column(target) for target in range(n_targets)]
        self.loss_curve_ = []
        with _single_threaded_blas():  # the kernel's products are small, on threads
            for _ in range(self.max_iter):
                starts = rng.randint(0, len(targets) - window + 1, size=batch)
                x = np.empty((window, inputs.shape[1], batch))
                y_batch = np.zeros((window, n_targets, batch))
                weights = np.zeros((window, n_targets, batch))
                for b, start in enumerate(starts):
                    rows = slice(start, start + window)
                    x[:, :, b] = inputs[rows]
                    length = self._block(rng)
                    first = rng.randint(1, window - length)
                    hidden = [0]
                    if n_targets > 1:  # a random subset of the targets, at least one
                        hidden = np.flatnonzero(rng.uniform(size=n_targets) < 0.5).tolist() or [
                            int(rng.randint(n_targets))]
                    for target in hidden:
                        self._hide(x[:, :, b], first, length, target,
                                   None if clearsky is None else clearsky[rows])
                        measured = observed[rows, target]
                        weights[first:first + length, target, b] = (  # each gap counts alike
                            measured[first:first + length] / length)
                    y_batch[:, :, b] = (np.where(observed[rows], targets[rows], 0.0)
                                        - x[:, bridged, b])  # the departure from the bridge
                loss = _bidirectional.batch_loss_gradient(self.theta_, self.layout_, x, y_batch,
                                                          weights, grad)
                optimizer.step(self.theta_, grad, no_penalty, 0.0, 5.0)
                self.loss_curve_.append(float(loss))

    # ----------------------------------------------------------------------- transform
    def _departures(self, target, runs, inputs):
        """``(bridge, departure)`` of ``target`` over ``runs`` (``(first, end)`` of its gaps),
        in user units: the bridge the network ``inputs`` hold there and the network's
        departure from it, each gap read with ``window // 2`` rows either side."""
        column = self.columns_[target]
        value = self._value_column(target)
        half = self.window // 2
        bridges, departures = [], []
        for first, end in runs:
            rows = slice(max(0, first - half), min(len(inputs), end + half))
            x = np.ascontiguousarray(inputs[rows][:, :, None])
            states, gates, outputs = _bidirectional.buffers(self.layout_, x.shape[0], 1)
            _bidirectional.sequence_outputs(self.theta_, self.layout_, x, states, gates,
                                            outputs)
            gap = slice(first - rows.start, end - rows.start)
            bridges.append(x[gap, value, 0] * self.scale_[column] + self.mean_[column])
            departures.append(outputs[gap, target, 0] * self.scale_[column])
        if not runs:
            return np.empty(0), np.empty(0)
        return np.concatenate(bridges), np.concatenate(departures)

    def _combine(self, target, rows, classes, bridge, departure, bounds):
        """The filled values of ``rows`` (the gaps' rows, :func:`rows_and_classes`, and each
        one's gap class): the bridge plus the departure weighted by its gap class's
        ``shrinkage_``, within ``bounds`` (``(lower, upper)`` of every row)."""
        lower, upper = bounds
        weight = self.shrinkage_[target, classes]
        return np.clip(bridge + weight * departure, lower[rows], upper[rows])

    def _filled(self, X):
        """``(values, filled, missing, bounds)``: X's values, a copy with every target's gaps
        filled, where they were (n, n_targets), and the filled values' bounds (:meth:`_bounds`)."""
        check_is_fitted(self, "theta_")
        values = self._table(X, fitting=False)
        missing = np.isnan(values[:, self.columns_])
        if (missing.all(axis=0) & missing.any(axis=0)).any():
            raise ValueError("A target has no measured value to fill its gaps from.")
        inputs, _ = self._network_inputs(values)
        bounds = self._bounds(values)
        filled = values.copy()
        for target, column in enumerate(self.columns_):
            runs = _runs(missing[:, target])
            if runs:
                rows, classes = rows_and_classes(runs)
                filled[rows, column] = self._combine(
                    target, rows, classes, *self._departures(target, runs, inputs), bounds)
        return values, filled, missing, bounds

    def transform(self, X: ArrayLike | pd.DataFrame) -> np.ndarray | pd.DataFrame:
        """A copy of ``X`` with the targets' gaps filled (and the indicator columns with
        ``add_indicator``).

        Parameters
        ----------
        X : array-like or pandas.DataFrame of shape (n_samples, n_columns)

        Returns
        -------
        ndarray or pandas.DataFrame
            As ``X`` (pandas in, pandas out, the same index); measured values untouched.
        """
        _, filled, missing, _ = self._filled(X)
        if self.add_indicator:
            filled = np.column_stack([filled, missing.astype(float)])
        if isinstance(X, pd.DataFrame):
            return pd.DataFrame(filled, index=X.index, columns=self.get_feature_names_out())
        return filled

    def _target_names(self, names):
        return [names[column] for column in self.columns_]

    def get_feature_names_out(self, input_features: ArrayLike | None = None) -> np.ndarray:
        """The output columns: the input's, then ``<target>_filled`` per target with
        ``add_indicator``.

        Parameters
        ----------
        input_features : array-like of str, optional
            The input's column names (default: those seen in ``fit``, else ``x0, x1, ...``).

        Returns
        -------
        ndarray of str
        """
        check_is_fitted(self, "theta_")
        if input_features is None:
            input_features = getattr(self, "feature_names_in_", None)
        if input_features is None:
            input_features = [f"x{j}" for j in range(self.n_features_in_)]
        names = [str(name) for name in np.asarray(input_features)]
        if self.add_indicator:
            names += [f"{name}_filled" for name in self._target_names(names)]
        return np.asarray(names, dtype=object)
