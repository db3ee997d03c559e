"""Elman (simple recurrent) network regressor."""

from ._recurrent import RecurrentForecaster
from .kernels.recurrent import ELMAN


class ElmanRegressor(RecurrentForecaster):
    """Elman network: ``h_t = tanh(W x̃_t + U h_{t-1} + b)``, ``y_t = V h_t + c``, stacked.

    ``x̃_t`` holds the exogenous inputs at ``input_delays`` and, unless ``feedback_delays`` is
    empty (a pure state-space model), the targets at ``feedback_delays``: measured in open
    loop, the network's own forecasts in closed loop. Trained by truncated backpropagation
    through time over windows of ``bptt_steps`` scored steps, each after ``burn_in`` unscored
    steps that warm the state up from zero.

    Parameters
    ----------
    input_delays : int, sequence of int or "auto", default="auto"
        Exogenous input delays (int ``k``: ``0..k``); "auto": ``0``, or the data's orders
        with ``focus="simulation"`` (as :class:`~narxcast.NARXRegressor`).
    feedback_delays : int, sequence of int or "auto", default="auto"
        Fed-back target delays (int ``k``: ``1..k``); ``()`` for none; "auto": ``1``, or the
        data's orders with ``focus="simulation"``.
    hidden_layer_sizes : tuple of int, default=(10,)
        Units per recurrent layer.
    loop : {"auto", "open", "closed"} or sequence of them, default="auto"
        The loop the model is trained in (teacher forcing or its own forecasts fed back); a
        sequence trains in stages, as in :class:`~narxcast.NARXRegressor`. "auto" is
        ``("open", "closed")`` for Elman with a gradient solver (the bundled data's 24 h
        forecasts 2-50% better over three seeds) and ``"open"`` for LSTM and GRU, where
        closing the loop helped at one site and hurt at another (``benchmarks/NOTES.md``,
        'the default recipe'); open then closed for every network with
        ``focus="simulation"``; open for evolution.
    bptt_steps : int or "auto", default="auto"
        Scored steps per training window: "auto" is 24, or 200 in closed loop with
        ``focus="simulation"``.
    burn_in : int, default=24
        Unscored steps before each window, run on measurements from a zero state.
    washout : int, default=0
        Leading rows of a segment whose state is still warming up: forecasts from origins
        before ``max_delay_ - 1 + washout`` are NaN.
    solver : {"auto", "adam", "sgd", "ga", "cmaes"} or sequence of them, default="auto"
        As in :class:`~narxcast.NARXRegressor` (Levenberg–Marquardt is NARX-only; "auto" is
        "adam").
    dtype : {"float64", "float32"}, default="float64"
        Precision of backpropagation through time (solvers "adam" and "sgd"). "float32"
        runs the training kernels in single precision, PyTorch's default: 1.2-2x faster, the
        gradient within ~1e-6 of float64's (relative to its largest entry). θ, the
        optimiser, evolution, forecasts and the state stay float64.
    alpha, batch_size, learning_rate_init, max_iter, tol, clip_norm, early_stopping, \
validation_fraction, n_iter_no_change, momentum, nesterovs_momentum, beta_1, beta_2, \
epsilon, population_size, n_generations, crossover_rate, mutation_rate, sigma, fitness, \
scale, random_state, verbose, warm_start, n_init, clip_forecasts, validation_horizons, \
horizon_weights, n_jobs, focus
        As in :class:`~narxcast.NARXRegressor`; evolution's fitness skips the ``washout``.

    Attributes
    ----------
    theta_ : ndarray
        Flat parameters in PyTorch's layout; :meth:`get_weights` names them.
    state_ : ndarray of shape (n_layers, max_hidden)
        The state after the last row seen by ``fit``/``update``.
    loss_curve_, fitness_curve_, validation_scores_, best_loss_, n_iter_, history_X_, \
history_y_
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
    >>> from narxcast import ElmanRegressor
    >>> rng = np.random.default_rng(0)
    >>> u = rng.uniform(-1, 1, 800)
    >>> y = np.zeros(800)
    >>> for k in range(799):
    ...     y[k + 1] = 0.6 * y[k] + np.tanh(u[k])
    >>> model = ElmanRegressor(input_delays=1, feedback_delays=(), hidden_layer_sizes=(8,),
    ...                        learning_rate_init=0.01, max_iter=100, random_state=0)
    >>> model = model.fit(u[:600, None], y[:600])
    >>> simulated = model.predict(u[600:, None])        # free run from the state after fit
    >>> bool(np.sqrt(np.mean((simulated - y[600:]) ** 2)) < 0.1)
    True
    >>> sorted(model.get_weights())[:2]
    ['bias_hh_l0', 'bias_ih_l0']
    """

    _cell = ELMAN
