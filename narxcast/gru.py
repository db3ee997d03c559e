"""Gated recurrent unit (GRU) regressor."""

from ._recurrent import RecurrentForecaster
from .kernels.recurrent import GRU


class GRURegressor(RecurrentForecaster):
    """GRU network (PyTorch's ``nn.GRU`` cell, gates r, z, n) and a linear head, stacked.

    ``n_t = tanh(W_in x̃_t + b_in + r ⊙ (W_hn h_{t-1} + b_hn))``,
    ``h_t = (1 - z) ⊙ n_t + z ⊙ h_{t-1}``, ``y_t = V h_t + b`` (PyTorch's convention, in which
    ``z`` keeps the old state). Inputs, feedback, training and forecasting as in
    :class:`~narxcast.ElmanRegressor`, whose parameters it takes.

    Parameters
    ----------
    input_delays, feedback_delays, hidden_layer_sizes, loop, bptt_steps, burn_in, washout, \
solver, alpha, batch_size, learning_rate_init, max_iter, tol, clip_norm, early_stopping, \
validation_fraction, n_iter_no_change, momentum, nesterovs_momentum, beta_1, beta_2, epsilon, \
dtype, population_size, n_generations, crossover_rate, mutation_rate, sigma, fitness, scale, \
random_state, verbose, warm_start, n_init, clip_forecasts, validation_horizons, \
horizon_weights, n_jobs, focus
        As in :class:`~narxcast.ElmanRegressor`.

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
    >>> from narxcast import GRURegressor
    >>> rng = np.random.default_rng(0)
    >>> u = rng.uniform(-1, 1, 800)
    >>> y = np.zeros(800)
    >>> for k in range(799):
    ...     y[k + 1] = 0.6 * y[k] + np.tanh(u[k])
    >>> model = GRURegressor(input_delays=1, feedback_delays=(), hidden_layer_sizes=(8,),
    ...                      learning_rate_init=0.01, max_iter=100, random_state=0)
    >>> model = model.fit(u[:600, None], y[:600])
    >>> bool(np.sqrt(np.mean((model.predict(u[600:, None]) - y[600:]) ** 2)) < 0.1)
    True
    """

    _cell = GRU
    _auto_loop = "open"  # closing the loop helped at one site, hurt at another (NOTES)
    _auto_patience = 50  # memory is learnt after a plateau of the loss (NOTES, 'long memory')
