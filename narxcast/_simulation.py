"""Free runs of a fitted forecaster: a simulation over a new record from its initial
conditions, and sample paths with bootstrapped residuals fed back through the closed loop.

:class:`FreeRunMixin` is part of :class:`narxcast._forecaster.BaseForecaster`; it reads the
base's validation, scaling and segment machinery (``_continuation``, ``_predict_segment``,
``_scaled_t``) and a family's ``_forecast_scaled`` and ``_sample_scaled``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from sklearn.utils import check_random_state
from sklearn.utils.validation import _num_samples, check_is_fitted

from ._rows import as_pandas, target_names
from ._typing import Forecasts, RandomState, Rows
from ._validation import check_horizon

MAX_PATHS = 100_000
MAX_PATH_VALUES = 500_000_000  # 4 GB of float64


class FreeRunMixin:
    """``simulate`` and ``sample_paths`` (see the module)."""

    def simulate(self, X: Rows | None, y_initial: Rows,
                 horizon: int | None = None) -> Forecasts:
        """Free-run simulation over a new input record from its first measured rows.

        The model's own outputs are fed back after the initial conditions ``y_initial`` (the
        record's first measured targets: at least the largest feedback delay; a recurrent
        model runs its state over them from zero, so more rows warm it up): MATLAB's
        ``net(X, Xi, Ai)`` after ``closeloop``, sysidentpy's ``predict(X, y=y_initial)``, the
        way system-identification benchmarks score a model. Inputs are given for every row;
        where an input delay reaches before the record's first row, the record is taken to
        start at rest (its first input row held before it). Forecasts are held within the
        bounds of ``clip_forecasts`` (a warning says when). The fitted model's stored
        history is not touched.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or None
            The record's inputs, every row (the initial rows' too); None for a model without
            exogenous inputs, with ``horizon``.
        y_initial : array-like of shape (n_initial,) or (n_initial, n_targets)
        horizon : int, optional
            Without ``X``: the steps to simulate after the initial rows (``n_samples`` is
            then ``n_initial + horizon``).

        Returns
        -------
        ndarray of shape (n_samples,) (or (n_samples, n_targets)), pandas with ``X``'s index
        when ``X`` is pandas: NaN for the initial rows, the simulation after them.

        Examples
        --------
        >>> import numpy as np
        >>> from narxcast import NARXRegressor
        >>> u = np.random.default_rng(0).uniform(-1, 1, 600)
        >>> y = np.zeros(600)
        >>> for k in range(599):
        ...     y[k + 1] = 0.5 * y[k] + np.tanh(u[k])
        >>> model = NARXRegressor(input_delays=[1], feedback_delays=[1], max_iter=50,
        ...                       random_state=0).fit(u[:400, None], y[:400])
        >>> simulated = model.simulate(u[400:, None], y[400:402])
        >>> simulated.shape, bool(np.isnan(simulated[:2]).all())
        ((200,), True)
        """
        check_is_fitted(self, "input_scaler_")
        if X is None and (self.n_features_in_ or horizon is None):
            raise ValueError("`X` is required: the inputs of the record to simulate (a model "
                             "without inputs takes X=None and `horizon`).")
        if X is not None and horizon is not None:
            raise ValueError("`horizon` is for a model without inputs (X=None); the rows of "
                             "`X` after the initial ones are simulated.")
        try:
            finite = np.isfinite(np.asarray(y_initial, dtype=float)).all()
        except (TypeError, ValueError):
            finite = False
        if not finite:
            raise ValueError("`y_initial` must be finite numbers: the measured initial rows.")
        try:
            initial = self._validate_targets(y_initial, reset=False)
        except ValueError as error:
            raise ValueError(f"`y_initial`: {error}") from None
        n_initial = len(initial)
        n_rows = _num_samples(X) if X is not None else n_initial + check_horizon(horizon)
        n_feedback = int(self.target_delays_.max(initial=0))
        if n_initial < max(n_feedback, 1):
            raise ValueError(f"`y_initial` must hold at least the largest feedback delay "
                             f"({n_feedback}) of initial rows, and one. Got {n_initial}.")
        if n_rows <= n_initial:
            raise ValueError(f"`X` must have more rows ({n_rows}) than `y_initial` "
                             f"({n_initial}): the rows after them are simulated.")
        horizon = n_rows - n_initial
        self._check_forecast_horizon(horizon)
        inputs = self._validate_inputs(X, n_rows, reset=False)
        # rows before the record for the input delays that reach past its start: at rest
        rest = max(self.max_delay_ - n_initial, 0)
        inputs = np.concatenate([np.repeat(inputs[:1], rest, axis=0), inputs])
        targets = np.concatenate([np.repeat(initial[:1], rest, axis=0), initial,
                                  np.full((horizon, self.n_targets_), np.nan)])
        out = self._forecast_scaled(*self._scaled_t(inputs, targets),
                                    np.array([rest + n_initial - 1], dtype=np.int64), horizon)
        simulated = np.full((n_rows, self.n_targets_), np.nan)
        simulated[n_initial:] = self.target_scaler_.inverse(out[:, :, 0])
        self._warn_if_held(simulated, np.fmin.reduce(simulated[n_initial:], axis=0),
                           np.fmax.reduce(simulated[n_initial:], axis=0))
        if self._y_ndim == 1:
            simulated = simulated[:, 0]
        names = target_names(y_initial) or getattr(self, "target_names_in_", None)
        return as_pandas(simulated, X, None, names=names)

    # ------------------------------------------------------------------------ sample paths
    # a family with sample paths implements ``_sample_scaled(inputs_t, targets_t, origins,
    # horizon, residuals_t, seed)``: (horizon, n_targets, n_origins) scaled closed-loop
    # forecasts with a bootstrapped residual added to each step's output before it is fed back

    def _sample_continuation(self, inputs_t, targets_t, origin, horizon, n_paths, residuals_t,
                             seed):
        """Paths (horizon, n_targets, n_paths) continuing after the stored history."""
        origins = np.full(n_paths, origin, dtype=np.int64)
        return self._sample_scaled(inputs_t, targets_t, origins, horizon, residuals_t, seed)

    def sample_paths(self, X: Rows | None = None, y: Rows | None = None,
                     horizon: int | None = None, n_paths: int = 100,
                     residuals: ArrayLike | None = None,
                     random_state: RandomState = None) -> np.ndarray:
        """Closed-loop sample paths: forecasts in which a residual drawn at random from
        ``residuals`` (a residual bootstrap) is added to every step's output and fed back, so
        that the spread grows with the lead time through the model's own dynamics. One
        kernel call for all origins and paths, parallel over them.

        Parameters
        ----------
        X, y, horizon
            As :meth:`predict`: without ``y``, paths of ``horizon`` steps continuing after the
            data seen; with ``y``, paths of ``horizon`` steps from every origin of the segment.
        n_paths : int, default=100
        residuals : array-like of shape (n_residuals,) or (n_residuals, n_targets)
            One-step-ahead errors ``y - forecast`` in the units of ``y``, best measured on
            data the model was not fitted on (:class:`narxcast.intervals.ConformalRegressor`
            passes those of its calibration block).
        random_state : int, RandomState instance or None

        Returns
        -------
        ndarray
            Continuation: (horizon, n_paths); segment: (n_samples, horizon, n_paths), entry
            ``[t, j - 1, p]`` path ``p``'s value of ``y_t`` from origin ``t - j`` (NaN where no
            forecast is formed); a trailing target axis for several targets.
        """
        check_is_fitted(self, "input_scaler_")
        if not hasattr(self, "_sample_scaled"):
            raise ValueError(f"{type(self).__name__} has no sample paths (NARX, Elman, LSTM "
                             "and GRU have); its intervals come from ConformalRegressor's "
                             "conformal quantiles.")
        if isinstance(n_paths, bool) or not isinstance(n_paths, (int, np.integer)) or \
                not 1 <= n_paths <= MAX_PATHS:
            raise ValueError(f"`n_paths` must be an integer in [1, {MAX_PATHS}]. Got "
                             f"{n_paths!r}.")
        if residuals is None:
            raise ValueError("`residuals` (one-step errors in the units of y) are required.")
        residuals = np.asarray(residuals, dtype=float)
        residuals = residuals.reshape(len(residuals), -1) if residuals.ndim == 1 else residuals
        if residuals.ndim != 2 or residuals.shape[1] != self.n_targets_ or \
                not len(residuals) or not np.isfinite(residuals).all():
            raise ValueError(f"`residuals` must be finite, one column per target "
                             f"({self.n_targets_}), at least one row. Got shape "
                             f"{residuals.shape}.")
        residuals_t = np.ascontiguousarray(residuals / self.target_scaler_.scale)
        seed = int(check_random_state(random_state).randint(np.iinfo(np.int32).max // 2))

        def sample(inputs_t, targets_t, origins, steps):
            if origins.size * n_paths * steps * self.n_targets_ > MAX_PATH_VALUES:
                raise ValueError(f"`n_paths`={n_paths} from {origins.size} origins over "
                                 f"{steps} steps would hold more than {MAX_PATH_VALUES:.0e} "
                                 "values; ask for fewer paths or a shorter segment.")
            out = self._sample_scaled(inputs_t, targets_t, np.repeat(origins, n_paths), steps,
                                      residuals_t, seed)
            return out.reshape(steps, self.n_targets_, origins.size, n_paths)

        if y is None:
            inputs, targets, origin, horizon = self._continuation(X, horizon)
            out = self._sample_continuation(*self._scaled_t(inputs, targets), origin, horizon,
                                            n_paths, residuals_t, seed)
            out = out * self.target_scaler_.scale[:, None] + self.target_scaler_.mean[:, None]
            paths = out.transpose(0, 2, 1)  # (horizon, n_paths, n_targets)
        else:
            horizon = 1 if horizon is None else check_horizon(horizon)
            self._check_forecast_horizon(horizon)
            paths = self._predict_segment(X, y, horizon, sample).transpose(0, 1, 3, 2)
        return paths[..., 0] if self._y_ndim == 1 else paths
