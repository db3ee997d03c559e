"""Persistence forecasts: the reference every forecaster must beat."""

from __future__ import annotations

import numbers
from typing import Literal

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from ._forecaster import BaseForecaster
from .features import DAYTIME_CLEARSKY, daytime_mask


class PersistenceRegressor(BaseForecaster):
    """Naive, seasonal and clear-sky ("smart") persistence.

    - ``kind="naive"``: the forecast of ``y_t`` made at origin ``o`` is ``y_o``.
    - ``kind="seasonal"``: the latest value one or more whole seasons before ``t`` that is known
      at ``o``: ``y_{t - season * ceil((t - o) / season)}``.
    - ``kind="clearsky"``: the clear-sky index persists: ``csi * cs_t`` with
      ``csi = y / cs`` where the clear-sky value ``cs`` (a column of X) exceeds
      ``min_clearsky`` (daytime, :func:`narxcast.features.daytime_mask`). From a daytime
      origin ``o``, ``csi_o``; from a night origin, the index at the target's hour one or
      more seasons back (``t - season * ceil((t - o) / season)``, the latest known at ``o``),
      or, where that hour had no daytime index, the last daytime index (1 before any
      daytime). A forecast issued at night thus carries no low-sun evening index into the
      next day.

    Parameters
    ----------
    kind : {"naive", "seasonal", "clearsky"}, default="naive"
    season : int, default=24
        Steps per season (24 for a daily cycle of hourly data). For "clearsky" it is also the
        history kept to carry the index over a night.
    clearsky_column : str or int, default="clearsky_ghi"
        The clear-sky column of X for "clearsky": a feature name, or a position.
    min_clearsky : float, default=DAYTIME_CLEARSKY (10.0)
        Clear-sky values at or below this are night: no index is formed from them.

    Methods
    -------
    fit(X, y, groups=None)
        Train on a series, or on several records of one system.
    predict(X=None, y=None, horizon=None, all_horizons=False, groups=None)
        Forecast: continue after the data seen, or from every origin of a segment.
    simulate(X, y_initial, horizon=None)
        A free run over a new record from its first measured rows.
    update(X, y, groups=None)
        Append new measurements without refitting.
    score(X, y, sample_weight=None, horizon=None, groups=None)
        R^2 of the forecasts.

    Examples
    --------
    >>> import numpy as np
    >>> from narxcast import PersistenceRegressor
    >>> y = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    >>> model = PersistenceRegressor(kind="seasonal", season=3).fit(None, y)
    >>> model.predict(None, y, horizon=1)
    array([nan, nan, nan,  1.,  2.,  3.])
    >>> model.predict(None, y, horizon=2)   # row 3, from origin 1, reads y_0
    array([nan, nan, nan,  1.,  2.,  3.])
    >>> model.predict(horizon=4)          # after the data: 4, 5, 6 and 4 again
    array([4., 5., 6., 4.])
    """

    _parameter_constraints = {
        "kind": [StrOptions({"naive", "seasonal", "clearsky"})],
        "season": [Interval(numbers.Integral, 1, None, closed="left")],
        "clearsky_column": [str, Interval(numbers.Integral, 0, None, closed="left")],
        "min_clearsky": [Interval(numbers.Real, 0, None, closed="left")],
    }

    def __init__(self, kind: Literal["naive", "seasonal", "clearsky"] = "naive", season: int = 24,
                 clearsky_column: str | int = "clearsky_ghi",
                 min_clearsky: float = DAYTIME_CLEARSKY) -> None:
        self.kind = kind
        self.season = season
        self.clearsky_column = clearsky_column
        self.min_clearsky = min_clearsky

    def _delays(self, rows=None):
        # every kind forecasts from the first row on; a seasonal value that lies before the
        # segment is NaN, decided per lead in _forecast_scaled
        input_delays = [0] if self.kind == "clearsky" else []
        return np.array(input_delays, dtype=np.int64), np.array([1], dtype=np.int64)

    def _history_rows(self):
        return 1 if self.kind == "naive" else self.season

    def _prepare(self, inputs):
        if self.kind == "clearsky":
            self.clearsky_index_ = self._clearsky_column_index(inputs)

    def _check_fitted_state(self):
        super()._check_fitted_state()
        if self.kind == "clearsky" and not (
                isinstance(self.clearsky_index_, int)
                and 0 <= self.clearsky_index_ < self.n_features_in_):
            raise ValueError(f"`clearsky_index_` must be a column of the {self.n_features_in_} "
                             f"of X. Got {self.clearsky_index_!r}.")

    def _clearsky_column_index(self, inputs):
        """The position of ``clearsky_column`` among the columns of X."""
        column = self.clearsky_column
        if isinstance(column, str):
            names = list(getattr(self, "feature_names_in_", []))
            if column not in names:
                raise ValueError(f"`clearsky_column` {column!r} is not a column of `X` "
                                 f"(columns: {names}).")
            return names.index(column)
        if column >= inputs.shape[1]:
            raise ValueError(f"`clearsky_column` must be a column of `X`, which has "
                             f"{inputs.shape[1]} columns. Got {column}.")
        return int(column)

    def _fit_scaled(self, data, warm):
        """Persistence learns nothing."""

    def _forecast_scaled(self, inputs_t, targets_t, origins, horizon):
        n_targets = targets_t.shape[0]
        out = np.empty((horizon, n_targets, origins.size))
        if self.kind == "naive":
            out[:] = targets_t[:, origins]
        elif self.kind == "seasonal":
            for step in range(horizon):
                lead = step + 1
                source = origins + lead - self.season * -(-lead // self.season)
                known = source >= 0
                out[step] = np.where(known, targets_t[:, np.where(known, source, 0)], np.nan)
        else:
            clearsky = inputs_t[self.clearsky_index_]
            day = daytime_mask(clearsky, self.min_clearsky)
            index, carried = _clearsky_index(targets_t, clearsky, day)
            night = ~day[origins]
            for step in range(horizon):
                lead = step + 1
                # at night: the index of the target's hour one or more seasons back, the
                # latest known at the origin (the night's own index says nothing of the day)
                source = origins + lead - self.season * -(-lead // self.season)
                same_hour = np.where(source >= 0, index[:, np.maximum(source, 0)], np.nan)
                persisted = np.where(night & np.isfinite(same_hour), same_hour,
                                     carried[:, origins])
                out[step] = persisted * clearsky[origins + lead]
        return out


def _clearsky_index(targets_t, clearsky, day):
    """``(index, carried)``: y / clear-sky where it is day (NaN at night), and the same
    carried forward over the night (1 before any day)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        index = np.where(day, targets_t / clearsky, np.nan)
    positions = np.where(day, np.arange(clearsky.size), -1)
    last_day = np.maximum.accumulate(positions)
    carried = np.where(last_day >= 0, index[:, np.maximum(last_day, 0)], 1.0)
    return index, carried
