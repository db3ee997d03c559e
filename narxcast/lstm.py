"""Long short-term memory (LSTM) regressor."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from numpy.typing import ArrayLike

from ._recurrent import RecurrentForecaster
from ._typing import Auto, Delays, Horizons, Loop, RandomState, Solver
from ._validation import RECURRENT_PARAMETER_CONSTRAINTS
from .kernels.recurrent import LSTM


class LSTMRegressor(RecurrentForecaster):
    """LSTM network (PyTorch's ``nn.LSTM`` cell, gates i, f, g, o) and a linear head, stacked.

    ``c_t = f ⊙ c_{t-1} + i ⊙ g``, ``h_t = o ⊙ tanh(c_t)``, ``y_t = V h_t + b``: the cell state
    is a constant error carousel that gradients cross without vanishing while ``f`` is near 1,
    so the LSTM remembers across many steps where an Elman network forgets. The forget-gate
    biases start at 1. Inputs, feedback, training and forecasting as in
    :class:`~narxcast.ElmanRegressor`, whose parameters it takes, and ``peephole``.

    Parameters
    ----------
    input_delays, feedback_delays, hidden_layer_sizes, loop, bptt_steps, burn_in, washout, \
solver, alpha, batch_size, learning_rate_init, max_iter, tol, clip_norm, early_stopping, \
validation_fraction, n_iter_no_change, momentum, nesterovs_momentum, beta_1, beta_2, epsilon, \
dtype, population_size, n_generations, crossover_rate, mutation_rate, sigma, fitness, scale, \
random_state, verbose, warm_start, n_init, clip_forecasts, validation_horizons, \
horizon_weights, n_jobs, focus
        As in :class:`~narxcast.ElmanRegressor`.
    peephole : bool, default=False
        Diagonal peephole connections (Gers & Schmidhuber, 2000): ``i`` and ``f`` also see
        ``c_{t-1}``, ``o`` sees ``c_t``, through the weights ``weight_peephole_l{k}`` (not in
        PyTorch's nn.LSTM).

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
    >>> from narxcast import LSTMRegressor
    >>> rng = np.random.default_rng(0)
    >>> u = rng.uniform(-1, 1, 800)
    >>> y = np.zeros(800)
    >>> for k in range(799):
    ...     y[k + 1] = 0.6 * y[k] + np.tanh(u[k])
    >>> model = LSTMRegressor(input_delays=1, feedback_delays=(), hidden_layer_sizes=(8,),
    ...                       learning_rate_init=0.01, max_iter=100, random_state=0)
    >>> model = model.fit(u[:600, None], y[:600])
    >>> bool(np.sqrt(np.mean((model.predict(u[600:, None]) - y[600:]) ** 2)) < 0.1)
    True
    >>> model.get_weights()["weight_ih_l0"].shape   # 4 gates x 8 units, u at delays 0 and 1
    (32, 2)
    """

    _cell = LSTM
    _auto_loop = "open"  # closing the loop helped at one site, hurt at another (NOTES)
    _auto_patience = 50  # memory is learnt after a plateau of the loss (NOTES, 'long memory')
    _parameter_constraints = {**RECURRENT_PARAMETER_CONSTRAINTS, "peephole": ["boolean"]}

    def __init__(self, input_delays: Delays = "auto", feedback_delays: Delays = "auto",
                 hidden_layer_sizes: int | Sequence[int] = (10,), loop: Loop = "auto",
                 bptt_steps: int | Auto = "auto", burn_in: int = 24, washout: int = 0,
                 peephole: bool = False, solver: Solver = "auto", alpha: float = 1e-4,
                 batch_size: int | Auto = "auto",
                 learning_rate_init: float = 1e-3, max_iter: int | Auto = "auto",
                 tol: float = 1e-4, clip_norm: float | None = 5.0, early_stopping: bool = False,
                 validation_fraction: float = 0.1, n_iter_no_change: int | Auto = "auto",
                 momentum: float = 0.9, nesterovs_momentum: bool = True, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-8,
                 dtype: Literal["float64", "float32"] = "float64", population_size: int = 100,
                 n_generations: int = 50, crossover_rate: float = 0.5,
                 mutation_rate: float = 0.3, sigma: float = 0.1,
                 fitness: Literal["closed", "open"] = "closed", scale: bool = True,
                 random_state: RandomState = None, verbose: bool = False,
                 warm_start: bool = False, n_init: int | Literal["auto"] = "auto",
                 clip_forecasts: float | None = 0.25,
                 validation_horizons: Horizons = None,
                 horizon_weights: Literal["persistence"] | ArrayLike | None = None,
                 n_jobs: int | None = None,
                 focus: Literal["prediction", "simulation"] = "prediction") -> None:
        super().__init__(input_delays=input_delays, feedback_delays=feedback_delays,
                         hidden_layer_sizes=hidden_layer_sizes, loop=loop, bptt_steps=bptt_steps,
                         burn_in=burn_in, washout=washout, solver=solver, alpha=alpha,
                         batch_size=batch_size, learning_rate_init=learning_rate_init,
                         max_iter=max_iter, tol=tol, clip_norm=clip_norm,
                         early_stopping=early_stopping, validation_fraction=validation_fraction,
                         n_iter_no_change=n_iter_no_change, momentum=momentum,
                         nesterovs_momentum=nesterovs_momentum, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, dtype=dtype, population_size=population_size,
                         n_generations=n_generations, crossover_rate=crossover_rate,
                         mutation_rate=mutation_rate, sigma=sigma, fitness=fitness, scale=scale,
                         random_state=random_state, verbose=verbose, warm_start=warm_start,
                         n_init=n_init, clip_forecasts=clip_forecasts,
                         validation_horizons=validation_horizons, horizon_weights=horizon_weights,
                         n_jobs=n_jobs, focus=focus)
        self.peephole = peephole

    def _has_peepholes(self):
        return self.peephole
