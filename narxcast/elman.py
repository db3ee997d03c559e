"""Elman (simple recurrent) network regressor."""

from ._base import RecurrentForecaster
from .kernels import recurrent


class ElmanRegressor(RecurrentForecaster):
    """Elman network: ``h_t = tanh(W x̃_t + U h_{t-1} + b)``, ``y_t = V h_t + c``, stacked.

    ``x̃_t`` holds the exogenous inputs at ``input_delays`` and, unless ``feedback_delays`` is
    empty (a pure state-space model), the targets at ``feedback_delays``: measured in open
    loop, the network's own forecasts in closed loop. Trained by truncated backpropagation
    through time over windows of ``bptt_steps`` scored steps, each after ``burn_in`` unscored
    steps that warm the state up from zero.

    Parameters
    ----------
    input_delays : int or sequence of int, default=0
        Exogenous input delays (int ``k``: ``0..k``).
    feedback_delays : int or sequence of int, default=1
        Fed-back target delays (int ``k``: ``1..k``); ``()`` for none.
    hidden_layer_sizes : tuple of int, default=(10,)
        Units per recurrent layer.
    loop : {"open", "closed"}, default="open"
        The loop the model is trained in (teacher forcing or its own forecasts fed back).
    bptt_steps : int, default=24
        Scored steps per training window.
    burn_in : int, default=24
        Unscored steps before each window, run on measurements from a zero state.
    washout : int, default=0
        Leading rows of a segment whose state is still warming up: forecasts from origins
        before ``max_delay_ - 1 + washout`` are NaN.
    solver, alpha, batch_size, learning_rate_init, max_iter, tol, clip_norm, early_stopping, \
validation_fraction, n_iter_no_change, momentum, nesterovs_momentum, beta_1, beta_2, \
epsilon, scale, random_state, verbose, warm_start
        As in :class:`~narxcast.NARXRegressor`.

    Attributes
    ----------
    theta_ : ndarray
        Flat parameters in PyTorch's layout; :meth:`get_weights` names them.
    state_ : ndarray of shape (n_layers, max_hidden)
        The state after the last row seen by ``fit``/``update``.
    loss_curve_, validation_scores_, best_loss_, n_iter_, history_X_, history_y_
        As in :class:`~narxcast.NARXRegressor`.

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

    _kernels = recurrent

    def __init__(self, input_delays=0, feedback_delays=1, hidden_layer_sizes=(10,), loop="open",
                 bptt_steps=24, burn_in=24, washout=0, solver="adam", alpha=1e-4,
                 batch_size="auto", learning_rate_init=1e-3, max_iter=200, tol=1e-4,
                 clip_norm=5.0, early_stopping=False, validation_fraction=0.1,
                 n_iter_no_change=10, momentum=0.9, nesterovs_momentum=True, beta_1=0.9,
                 beta_2=0.999, epsilon=1e-8, scale=True, random_state=None, verbose=False,
                 warm_start=False):
        self.input_delays = input_delays
        self.feedback_delays = feedback_delays
        self.hidden_layer_sizes = hidden_layer_sizes
        self.loop = loop
        self.bptt_steps = bptt_steps
        self.burn_in = burn_in
        self.washout = washout
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
