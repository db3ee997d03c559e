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

from ._typing import RandomState
from ._validation import check_hidden_layer_sizes as _check_hidden_layer_sizes
from .kernels import bidirectional as _bidirectional
from .kernels.recurrent import ELMAN, GRU, LSTM
from .training.gradient import Adam as _Adam

__all__ = ["RecurrentImputer"]

CELLS = {"elman": ELMAN, "lstm": LSTM, "gru": GRU}
MAX_BATCH_VALUES = 2 * 10**8  # floats a training batch may hold (1.6 GB)


class RecurrentImputer(TransformerMixin, BaseEstimator):
    """Fill the gaps (NaN) of a target column with a bidirectional recurrent network that
    reads the measurements on both sides of each gap and the other columns through it.

    ``fit(X)`` learns from the observed rows: it cuts windows of ``window`` rows from the
    table, hides a block of 1 to ``max_gap`` observed target values in each (the lengths it
    will have to fill, drawn log-uniformly, so that short gaps are not outnumbered by long
    ones), and trains the network (Adam, backpropagation through time in both directions) to
    reconstruct them from the rest of the window. At each step the network reads the other
    columns (exogenous inputs known through a gap: clear-sky irradiance, temperature, the hour
    of day), the target where it is known and the straight line across the gap where it is
    not, and a column that says which: it learns how a gap departs from the line.
    ``transform(X)`` fills every gap of the target from ``window // 2`` rows either side of
    it (fewer at the series' ends: a gap at the start or end is filled from one side) and
    leaves every measured value as it was. Gaps in the other columns are interpolated
    linearly (their nearest value at the ends) before they are read.

    Parameters
    ----------
    target : str or int
        The column to fill: a name (pandas) or a position.
    cell : {"gru", "lstm", "elman"}, default="gru"
    hidden_layer_sizes : tuple of int, default=(16,)
        Units per bidirectional layer (each direction).
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
        Append a column ``<target>_filled`` (1 where a value was filled), as scikit-learn's
        imputers' ``add_indicator``.
    random_state : int, RandomState instance or None, default=None

    Attributes
    ----------
    theta_ : ndarray
        The network's parameters (:mod:`narxcast.kernels.bidirectional`'s layout).
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
        "target": [str, Interval(numbers.Integral, 0, None, closed="left")],
        "cell": [StrOptions(set(CELLS))],
        "hidden_layer_sizes": [numbers.Integral, "array-like"],
        "window": [Interval(numbers.Integral, 4, None, closed="left")],
        "max_gap": [Interval(numbers.Integral, 1, None, closed="left")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "batch_size": [Interval(numbers.Integral, 1, 10_000, closed="both")],
        "learning_rate_init": [Interval(numbers.Real, 0, None, closed="neither")],
        "add_indicator": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(self, target: str | int, cell: Literal["gru", "lstm", "elman"] = "gru",
                 hidden_layer_sizes: int | Sequence[int] = (16,), window: int = 96,
                 max_gap: int = 48, max_iter: int = 2000, batch_size: int = 16,
                 learning_rate_init: float = 0.01, add_indicator: bool = False,
                 random_state: RandomState = None) -> None:
        self.target = target
        self.cell = cell
        self.hidden_layer_sizes = hidden_layer_sizes
        self.window = window
        self.max_gap = max_gap
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.add_indicator = add_indicator
        self.random_state = random_state

    # ------------------------------------------------------------------------- the table
    def _column(self, X):
        """The target's position in ``X`` (checked)."""
        columns = getattr(X, "columns", None)
        if isinstance(self.target, (bool, np.bool_)):
            raise ValueError(f"`target` must be a column name or position. Got {self.target!r}.")
        if isinstance(self.target, str):
            if columns is None or self.target not in list(columns):
                raise ValueError(f"`target` {self.target!r} is not a column of X.")
            return list(columns).index(self.target)
        if not self.target < np.shape(X)[1]:
            raise ValueError(f"`target` {self.target} is not a column position of X (it has "
                             f"{np.shape(X)[1]} columns).")
        return int(self.target)

    def _table(self, X, fitting):
        """``(values, column)``: X as floats (n, n_columns) and the target's position."""
        if isinstance(X, pd.Series) or np.ndim(X) != 2:
            raise ValueError("X must be a 2-D table (a DataFrame or an array of shape "
                             "(n_samples, n_columns)).")
        try:
            values = np.array(X, dtype=float)
        except (TypeError, ValueError) as error:
            raise ValueError(f"X must hold numbers: {error}") from None
        if np.isinf(values).any():
            raise ValueError("X contains infinity; gaps are NaN.")
        if not fitting and not hasattr(X, "columns"):
            column = self.column_  # an array: the target's position at fit
        else:
            column = self._column(X)
        if fitting:
            self.column_ = column
        if not fitting:
            if values.shape[1] != self.n_features_in_:
                raise ValueError(f"X has {values.shape[1]} columns; the imputer was fitted on "
                                 f"{self.n_features_in_}.")
            names = getattr(X, "columns", None)
            if (hasattr(self, "feature_names_in_") and names is not None
                    and [str(name) for name in names] != list(self.feature_names_in_)):
                raise ValueError("X's columns are not those the imputer was fitted on.")
        return values, column

    def _network_inputs(self, values, column):
        """Scaled exogenous columns (gaps interpolated), the scaled target (0 where unknown)
        and the known indicator: (n, n_exogenous + 2); and the scaled target (NaN kept)."""
        scaled = (values - self.mean_) / self.scale_
        exogenous = np.delete(scaled, column, axis=1)
        for j in range(exogenous.shape[1]):
            known = np.isfinite(exogenous[:, j])
            if not known.any():
                raise ValueError("A column of X other than the target has no value.")
            if not known.all():
                rows = np.arange(len(exogenous))
                exogenous[:, j] = np.interp(rows, rows[known], exogenous[known, j])
        target = scaled[:, column]
        known = np.isfinite(target)
        rows = np.arange(len(target))
        bridged = np.interp(rows, rows[known], target[known]) if known.any() else target
        return np.column_stack([exogenous, bridged, known]), target

    # ----------------------------------------------------------------------------- fit
    def fit(self, X: ArrayLike | pd.DataFrame, y: None = None) -> Self:
        """Learn to fill the target's gaps from its observed rows (see the class).

        Parameters
        ----------
        X : array-like or pandas.DataFrame of shape (n_samples, n_columns)
            The table: the target column with gaps (NaN), the other columns its inputs.
        y : None
            Ignored.

        Returns
        -------
        self
        """
        self._validate_params()
        hidden = _check_hidden_layer_sizes(self.hidden_layer_sizes)
        values, column = self._table(X, fitting=True)
        if hasattr(X, "columns"):
            self.feature_names_in_ = np.asarray([str(c) for c in X.columns], dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        self.n_features_in_ = values.shape[1]
        # a training batch's inputs, and per layer and direction its states, gate scratch
        # and gradients (at most 8 rows of n_hidden per step: an LSTM's)
        per_step = values.shape[1] + 1 + 16 * sum(hidden)
        if self.window * self.batch_size * per_step > MAX_BATCH_VALUES:
            raise ValueError(f"`window` x `batch_size` ({self.window} x {self.batch_size}) is too "
                             f"large a training batch for this network ({per_step} values a "
                             f"step; at most {MAX_BATCH_VALUES} values in all).")
        target = values[:, column]
        observed = np.isfinite(target)
        if observed.sum() < self.window or len(target) < self.window:
            raise ValueError(f"The target needs at least `window` ({self.window}) observed "
                             f"rows to learn from. Got {int(observed.sum())}.")
        self.mean_ = np.nanmean(values, axis=0)
        spread = np.nanstd(values, axis=0)
        self.scale_ = np.where(np.isfinite(spread) & (spread > 0), spread, 1.0)
        self.mean_ = np.where(np.isfinite(self.mean_), self.mean_, 0.0)
        inputs, scaled_target = self._network_inputs(values, column)
        n_inputs = inputs.shape[1]
        self.layout_ = _bidirectional.layout([n_inputs, *hidden, 1], CELLS[self.cell])
        rng = check_random_state(self.random_state)
        theta = np.empty(self.layout_.n_params)
        for name, offset, shape in _bidirectional.weight_names(self.layout_):
            # PyTorch's initialisation: U(-1/sqrt(h), 1/sqrt(h)), h the layer's units (the
            # head: its inputs)
            layer = re.search(r"_l(\d+)", name)
            fan = shape[-1] if layer is None else self.layout_.sizes[1 + int(layer.group(1))]
            size = int(np.prod(shape))
            theta[offset:offset + size] = rng.uniform(-1, 1, size) / np.sqrt(fan)
        optimizer = _Adam(theta.size, learning_rate_init=self.learning_rate_init)
        no_penalty = np.zeros(theta.size)
        grad = np.empty_like(theta)
        window, batch = self.window, self.batch_size
        longest = max(1, min(self.max_gap, window - 2))
        self.loss_curve_ = []
        for _ in range(self.max_iter):
            starts = rng.randint(0, len(target) - window + 1, size=batch)
            x = np.empty((window, n_inputs, batch))
            y_batch = np.zeros((window, 1, batch))
            weights = np.zeros((window, 1, batch))
            for b, start in enumerate(starts):
                rows = slice(start, start + window)
                x[:, :, b] = inputs[rows]
                length = int(np.exp(rng.uniform(0.0, np.log(longest + 1))))  # log-uniform
                first = rng.randint(1, window - length)
                hidden_rows = np.arange(first, first + length)
                before, after = x[first - 1, n_inputs - 2, b], x[first + length, n_inputs - 2, b]
                x[hidden_rows, n_inputs - 2, b] = (  # the hidden block: bridged, unknown
                    before + (after - before) * np.arange(1, length + 1) / (length + 1))
                x[hidden_rows, n_inputs - 1, b] = 0.0
                measured = observed[rows]
                y_batch[:, 0, b] = np.where(measured, scaled_target[rows], 0.0)
                weights[hidden_rows, 0, b] = measured[hidden_rows]
            loss = _bidirectional.loss_gradient(theta, self.layout_, x, y_batch, weights, grad)
            optimizer.step(theta, grad, no_penalty, 0.0, 5.0)
            self.loss_curve_.append(float(loss))
        self.theta_ = theta
        return self

    # ----------------------------------------------------------------------- transform
    def transform(self, X: ArrayLike | pd.DataFrame) -> np.ndarray | pd.DataFrame:
        """A copy of ``X`` with the target's gaps filled (and the indicator column with
        ``add_indicator``).

        Parameters
        ----------
        X : array-like or pandas.DataFrame of shape (n_samples, n_columns)

        Returns
        -------
        ndarray or pandas.DataFrame
            As ``X`` (pandas in, pandas out, the same index); measured values untouched.
        """
        check_is_fitted(self, "theta_")
        values, column = self._table(X, fitting=False)
        inputs, _ = self._network_inputs(values, column)
        missing = np.isnan(values[:, column])
        if missing.all():
            raise ValueError("The target has no measured value to fill its gaps from.")
        filled = values.copy()
        half = self.window // 2
        for first, end in _runs(missing):
            rows = slice(max(0, first - half), min(len(values), end + half))
            x = np.ascontiguousarray(inputs[rows][:, :, None])
            states, gates, outputs = _bidirectional.buffers(self.layout_, x.shape[0], 1)
            _bidirectional.sequence_outputs(self.theta_, self.layout_, x, states, gates,
                                            outputs)
            gap = slice(first - rows.start, end - rows.start)
            filled[first:end, column] = (outputs[gap, 0, 0] * self.scale_[column]
                                         + self.mean_[column])
        if self.add_indicator:
            filled = np.column_stack([filled, missing.astype(float)])
        if isinstance(X, pd.DataFrame):
            return pd.DataFrame(filled, index=X.index, columns=self.get_feature_names_out())
        return filled

    def get_feature_names_out(self, input_features: ArrayLike | None = None) -> np.ndarray:
        """The output columns: the input's, then ``<target>_filled`` with ``add_indicator``.

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
            target = (self.target if isinstance(self.target, str)
                      else names[int(self.target)])
            names.append(f"{target}_filled")
        return np.asarray(names, dtype=object)


def _runs(mask):
    """``(first, end)`` of every run of True in ``mask``."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)))
