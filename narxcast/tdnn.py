"""Time-delay neural network: direct multi-horizon forecasts from a sliding window."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Literal

import numpy as np
from sklearn.utils._param_validation import Interval

from ._mlp import MLPForecaster
from ._typing import Auto, Horizons, RandomState
from ._validation import normalize_delays
from .kernels import tdnn as kernels
from .training.stages import TrainingProblem


class TDNNRegressor(MLPForecaster):
    """Time-delay network (finite response): an MLP from a window to every lead time at once.

    From the regressor of origin ``o`` (``x_{o+1-d}`` for ``d`` in ``input_delays``,
    ``y_{o+1-k}`` for ``k`` in ``target_delays``, all measured) one MLP outputs the forecasts
    of ``y_{o+1}, ..., y_{o+max_horizon}`` (direct strategy: no recursion, no feedback of
    forecasts). With ``max_horizon=1`` it is the open-loop NARX with the same delays.

    Parameters
    ----------
    input_delays : int or sequence of int, default=2
        Delays of the exogenous inputs relative to the first forecast time ``o + 1``: an int
        ``k`` means ``0..k`` (0: the input at ``o + 1``, e.g. a weather forecast for it).
        Later exogenous values are not used.
    target_delays : int or sequence of int, default=2
        Delays of the measured targets relative to ``o + 1``: an int ``k`` means ``1..k``
        (1 is the latest measurement, ``y_o``).
    max_horizon : int, default=24
        Lead times forecast; ``predict(X, y, horizon=h)`` accepts ``h <= max_horizon``.
        ``predict(X_future)`` beyond ``max_horizon`` steps repeats the direct forecast from the
        end of each block, its forecasts standing in for the measurements.
    hidden_layer_sizes, activation, solver, alpha, batch_size, learning_rate_init, max_iter, \
tol, clip_norm, early_stopping, validation_fraction, n_iter_no_change, momentum, \
nesterovs_momentum, beta_1, beta_2, epsilon, scale, random_state, verbose, warm_start, \
n_init, clip_forecasts, validation_horizons, n_jobs
        As in :class:`~narxcast.NARXRegressor`; ``batch_size`` counts origins ("auto": 200).

    Attributes
    ----------
    theta_ : ndarray
        Flat parameters; the output layer has ``max_horizon * n_targets`` units, lead-major.
    loss_curve_, validation_scores_, best_loss_, n_iter_, history_X_, history_y_
        As in :class:`~narxcast.NARXRegressor`.

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
    >>> from narxcast import TDNNRegressor
    >>> hour = np.arange(24 * 40) % 24
    >>> X = np.column_stack([np.sin(2 * np.pi * hour / 24), np.cos(2 * np.pi * hour / 24)])
    >>> y = np.maximum(np.sin(2 * np.pi * (hour - 6) / 24), 0)     # a clear-sky day, hourly
    >>> model = TDNNRegressor(input_delays=0, target_delays=[1, 24], max_horizon=6,
    ...                       learning_rate_init=0.01, random_state=0)
    >>> model = model.fit(X[:800], y[:800])
    >>> forecasts = model.predict(X[800:], y[800:], horizon=6, all_horizons=True)
    >>> forecasts.shape
    (160, 6)
    >>> bool(np.nanmax(np.abs(forecasts[:, 5] - y[800:])) < 0.2)   # 6 h ahead
    True
    """

    _kernel_module = kernels
    _parameter_constraints = {
        **MLPForecaster._parameter_constraints,
        "input_delays": [numbers.Integral, "array-like"],
        "target_delays": [numbers.Integral, "array-like"],
        "max_horizon": [Interval(numbers.Integral, 1, None, closed="left")],
    }

    def __init__(self, input_delays: int | Sequence[int] = 2,
                 target_delays: int | Sequence[int] = 2, max_horizon: int = 24,
                 hidden_layer_sizes: int | Sequence[int] = (10,),
                 activation: Literal["tanh", "relu", "logistic", "identity"] = "tanh",
                 solver: Literal["adam", "sgd"] = "adam", alpha: float = 1e-4,
                 batch_size: int | Auto = "auto", learning_rate_init: float = 1e-3,
                 max_iter: int | Auto = "auto", tol: float = 1e-4,
                 clip_norm: float | None = 5.0, early_stopping: bool = False,
                 validation_fraction: float = 0.1, n_iter_no_change: int = 10,
                 momentum: float = 0.9, nesterovs_momentum: bool = True, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-8, scale: bool = True,
                 random_state: RandomState = None, verbose: bool = False,
                 warm_start: bool = False, n_init: int | Literal["auto"] = "auto",
                 clip_forecasts: float | None = 0.25,
                 validation_horizons: Horizons = None, n_jobs: int | None = None) -> None:
        self.input_delays = input_delays
        self.target_delays = target_delays
        self.max_horizon = max_horizon
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.tol = tol
        self.clip_norm = clip_norm
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.scale = scale
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        self.n_init = n_init
        self.n_jobs = n_jobs
        self.clip_forecasts = clip_forecasts
        self.validation_horizons = validation_horizons

    def _delays(self, rows=None):
        return (normalize_delays(self.input_delays, "input_delays", 0),
                normalize_delays(self.target_delays, "target_delays", 1))

    def _n_outputs(self):
        return self.max_horizon * self.n_targets_

    def _training_loop(self):
        return "open"  # a direct model: no loop to close

    def _check_forecast_horizon(self, horizon):
        if horizon > self.max_horizon:
            raise ValueError(f"`horizon` must be <= max_horizon={self.max_horizon} for a direct "
                             f"TDNNRegressor. Got {horizon}.")

    def _forecast_continuation(self, inputs_t, targets_t, origin, horizon):
        """Blocks of ``max_horizon`` direct forecasts; each block's forecasts stand in for the
        measurements the next block reads (so ``predict(X_future)`` has no length limit)."""
        forecasts = np.empty((horizon, self.n_targets_))
        for start in range(0, horizon, self.max_horizon):
            block = min(self.max_horizon, horizon - start)
            out = self._forecast_scaled(inputs_t, targets_t,
                                        np.array([origin + start], dtype=np.int64), block)
            forecasts[start:start + block] = out[:, :, 0]
            targets_t[:, origin + start + 1:origin + start + 1 + block] = out[:, :, 0].T
        return forecasts

    def _forecast_theta(self, theta, inputs_t, targets_t, origins, horizon, bounded=True,
                        records=None):
        # (``records``: the regressors read only rows inside the origin's record)
        self._check_forecast_arrays(theta, inputs_t, targets_t, origins, horizon)
        out = np.empty((self._n_outputs(), origins.size))
        kernels.predict(theta, self.layout_, inputs_t, targets_t, origins, out)
        out = out.reshape(self.max_horizon, self.n_targets_, origins.size)[:horizon]
        lower, upper = self._forecast_bounds(bounded)
        return np.clip(out, lower[:, None], upper[:, None])

    def _training_problem(self, data, first_target, closed):
        """Every origin whose ``max_horizon`` targets lie in the training block (a direct
        model has no loop, so ``closed`` is always False)."""
        inputs_t, targets_t, end = data.inputs_t, data.targets_t, data.training_end
        origins = data.origins(first_target - 1, end, self.max_delay_ - 1, self.max_horizon)
        if origins.size == 0:
            raise ValueError(f"`y` needs more than max_horizon={self.max_horizon} rows after "
                             f"the largest delay ({first_target}) to train on. Got "
                             f"n_samples={end}.")
        layout = self.layout_

        def loss_gradient(theta, batch, grad):
            return kernels.loss_gradient(theta, layout, inputs_t, targets_t, batch, grad)

        return TrainingProblem(1, origins, loss_gradient, self.max_horizon)
