"""NARX network regressor: an MLP over delayed exogenous inputs and delayed targets."""

import numbers

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from ._base import BaseForecaster
from .kernels import narx as kernels
from .kernels.activations import ACTIVATION_CODES
from .kernels.mlp import layout
from .training import SGD, Adam, train_gradient


class NARXRegressor(BaseForecaster):
    """Nonlinear autoregressive network with exogenous inputs (NARX).

    ``y_t = f(x_{t-d}, d in input_delays; y_{t-k}, k in feedback_delays)`` with ``f`` a
    multilayer perceptron (hidden activation ``activation``, linear output). Trained open
    loop (series-parallel: measured targets fed back) or closed loop (parallel: the network's
    own outputs fed back over windows of ``bptt_steps``, gradients by backpropagation through
    time). Forecasts in open loop, closed loop, or ``horizon`` steps ahead from every origin.

    Parameters
    ----------
    input_delays : int or sequence of int, default=2
        Delays of the exogenous inputs: an int ``k`` means ``0..k`` (0 is the input at the
        target time, e.g. a weather forecast for that hour).
    feedback_delays : int or sequence of int, default=2
        Delays of the fed-back targets: an int ``k`` means ``1..k``; ``()`` gives a model
        without feedback (a time-delay network).
    hidden_layer_sizes : tuple of int, default=(10,)
        Neurons per hidden layer; ``()`` gives a linear ARX model.
    activation : {"tanh", "logistic", "relu", "identity"}, default="tanh"
        Hidden-layer activation.
    solver : {"adam", "sgd"}, default="adam"
    loop : {"open", "closed"}, default="open"
        The loop the model is trained in. MATLAB's "train open, close the loop, retrain" is
        ``fit`` with ``loop="open"``, then ``set_params(loop="closed", warm_start=True)`` and
        ``fit`` again.
    bptt_steps : int, default=24
        Steps per training window (the truncation length of backpropagation through time in
        closed loop).
    alpha : float, default=1e-4
        L2 penalty on the weights (not the biases), as scikit-learn's MLP.
    batch_size : int or "auto", default="auto"
        Windows per mini-batch; "auto" takes about 200 steps (``200 // bptt_steps`` windows),
        as scikit-learn's ``min(200, n_samples)`` samples.
    learning_rate_init : float, default=1e-3
    max_iter : int, default=200
        Epochs (every step of the training data scored once per epoch).
    tol : float, default=1e-4
    clip_norm : float or None, default=5.0
        Largest Euclidean norm of a mini-batch gradient; None disables clipping.
    early_stopping : bool, default=False
        Hold out the last ``validation_fraction`` of the series, stop when its score stops
        improving and keep the best parameters.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=10
    momentum : float, default=0.9
        SGD only.
    nesterovs_momentum : bool, default=True
        SGD only.
    beta_1, beta_2, epsilon : float
        Adam only.
    scale : bool, default=True
        Standardise inputs and targets inside the model (results are in user units).
    random_state : int, RandomState instance or None, default=None
    verbose : bool, default=False
        Print the loss of every epoch.
    warm_start : bool, default=False
        Continue from the fitted parameters and scaling.

    Attributes
    ----------
    theta_ : ndarray
        All parameters, flat: for each layer its weights (fan_in, fan_out) row-major, then its
        biases. ``coefs_`` and ``intercepts_`` are views of it per layer.
    input_delays_, feedback_delays_ : ndarray of int
    loss_curve_ : list of float
        Training loss (MSE / 2 in scaled units, plus the penalty) per epoch.
    validation_scores_ : list of float
        R^2 on the validation block per epoch (``early_stopping=True``), in the training loop.
    best_loss_ : float
    n_iter_ : int
    history_X_, history_y_ : ndarray
        The last ``max_delay_`` rows seen by fit/update, from which ``predict(X)`` continues.

    Examples
    --------
    >>> import numpy as np
    >>> from narxcast import NARXRegressor
    >>> rng = np.random.default_rng(0)
    >>> u = rng.uniform(-1, 1, 600)
    >>> y = np.zeros(600)
    >>> for k in range(599):
    ...     y[k + 1] = y[k] / (1 + y[k] ** 2) + u[k] ** 3
    >>> model = NARXRegressor(input_delays=[1], feedback_delays=[1], hidden_layer_sizes=(10,),
    ...                       learning_rate_init=0.01, max_iter=300, random_state=0)
    >>> model = model.fit(u[:500, None], y[:500])
    >>> one_step = model.predict(u[500:, None], y[500:], horizon=1)
    >>> float(np.sqrt(np.nanmean((one_step - y[500:]) ** 2))) < 0.05
    True
    >>> model.predict(u[500:510, None]).shape      # closed loop from the end of the fit data
    (10,)
    """

    _parameter_constraints = {
        "input_delays": [numbers.Integral, "array-like"],
        "feedback_delays": [numbers.Integral, "array-like"],
        "hidden_layer_sizes": [numbers.Integral, "array-like"],
        "activation": [StrOptions(set(ACTIVATION_CODES))],
        "solver": [StrOptions({"adam", "sgd"})],
        "loop": [StrOptions({"open", "closed"})],
        "bptt_steps": [Interval(numbers.Integral, 1, None, closed="left")],
        "alpha": [Interval(numbers.Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(numbers.Integral, 1, None, closed="left")],
        "learning_rate_init": [Interval(numbers.Real, 0, None, closed="neither")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "tol": [Interval(numbers.Real, 0, None, closed="left")],
        "clip_norm": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(numbers.Integral, 1, None, closed="left")],
        "momentum": [Interval(numbers.Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "beta_1": [Interval(numbers.Real, 0, 1, closed="left")],
        "beta_2": [Interval(numbers.Real, 0, 1, closed="left")],
        "epsilon": [Interval(numbers.Real, 0, None, closed="neither")],
        "scale": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
    }

    def __init__(self, input_delays=2, feedback_delays=2, hidden_layer_sizes=(10,),
                 activation="tanh", solver="adam", loop="open", bptt_steps=24, alpha=1e-4,
                 batch_size="auto", learning_rate_init=1e-3, max_iter=200, tol=1e-4,
                 clip_norm=5.0, early_stopping=False, validation_fraction=0.1,
                 n_iter_no_change=10, momentum=0.9, nesterovs_momentum=True, beta_1=0.9,
                 beta_2=0.999, epsilon=1e-8, scale=True, random_state=None, verbose=False,
                 warm_start=False):
        self.input_delays = input_delays
        self.feedback_delays = feedback_delays
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.loop = loop
        self.bptt_steps = bptt_steps
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

    # ----------------------------------------------------------------------- layout
    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, (numbers.Integral, np.integer)):
            sizes = (sizes,)
        sizes = list(sizes)
        if any(isinstance(s, bool) or not isinstance(s, (numbers.Integral, np.integer)) or s < 1
               for s in sizes):
            raise ValueError("`hidden_layer_sizes` must be a sequence of positive ints. Got "
                             f"{self.hidden_layer_sizes!r}.")
        return sizes

    def _layout(self):
        """Layer sizes and the offsets of each layer's weights, biases and units."""
        n_regressors = (self.input_delays_.size * self.n_features_in_
                        + self.feedback_delays_.size * self.n_targets_)
        return layout([n_regressors, *self._hidden_sizes(), self.n_targets_])

    def _kernel_args(self):
        sizes, weight_offsets, bias_offsets, unit_offsets, _ = self._layout()
        return (sizes, weight_offsets, bias_offsets, unit_offsets,
                ACTIVATION_CODES[self.activation], self.input_delays_, self.feedback_delays_)

    def _initial_theta(self, rng):
        """Glorot-uniform weights and biases, as scikit-learn's MLP."""
        sizes, weight_offsets, bias_offsets, _, n_params = self._layout()
        theta = np.empty(n_params)
        for layer in range(sizes.size - 1):
            fan_in, fan_out = sizes[layer], sizes[layer + 1]
            factor = 2.0 if self.activation == "logistic" else 6.0
            bound = np.sqrt(factor / (fan_in + fan_out))
            theta[weight_offsets[layer]:bias_offsets[layer]] = rng.uniform(
                -bound, bound, fan_in * fan_out)
            theta[bias_offsets[layer]:bias_offsets[layer] + fan_out] = rng.uniform(
                -bound, bound, fan_out)
        return theta

    def _weight_mask(self):
        sizes, weight_offsets, bias_offsets, _, n_params = self._layout()
        mask = np.zeros(n_params)
        for layer in range(sizes.size - 1):
            mask[weight_offsets[layer]:bias_offsets[layer]] = 1.0
        return mask

    @property
    def coefs_(self):
        """Weight matrices per layer, shape (fan_in, fan_out), views of ``theta_``."""
        sizes, weight_offsets, _, _, _ = self._layout()
        return [self.theta_[w:w + sizes[k] * sizes[k + 1]].reshape(sizes[k], sizes[k + 1])
                for k, w in enumerate(weight_offsets)]

    @property
    def intercepts_(self):
        """Bias vectors per layer, views of ``theta_``."""
        sizes, _, bias_offsets, _, _ = self._layout()
        return [self.theta_[b:b + sizes[k + 1]] for k, b in enumerate(bias_offsets)]

    # ------------------------------------------------------------------------ kernels
    def _forecast_scaled(self, inputs_t, targets_t, origins, horizon):
        out = np.empty((horizon, self.n_targets_, origins.size))
        kernels.forecast(self.theta_, *self._kernel_args(), inputs_t, targets_t, origins,
                         horizon, out)
        return out

    def _fit_scaled(self, inputs_t, targets_t, warm):
        self._hidden_sizes()
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        rng = np.random.default_rng(seed)
        if not warm:
            self.theta_ = self._initial_theta(rng)
        n = targets_t.shape[1]
        first_target = self.max_delay_
        end = n
        if self.early_stopping:
            n_validation = int(np.ceil(self.validation_fraction * (n - first_target)))
            end = n - n_validation
            if n_validation < 1 or end - first_target < 1:
                raise ValueError("`validation_fraction` leaves no training or no validation "
                                 f"targets with n_samples={n}.")
        window = min(self.bptt_steps, end - first_target)
        closed = self.loop == "closed"
        origins = np.arange(first_target - 1, end - window, dtype=np.int64)
        args = self._kernel_args()
        grad = np.empty_like(self.theta_)

        def loss_gradient(theta, batch):
            loss = kernels.loss_gradient(theta, *args, inputs_t, targets_t, batch, window,
                                         closed, grad)
            return loss, grad.copy()

        validation_score = None
        if self.early_stopping:
            validation_score = self._validation_scorer(inputs_t, targets_t, end, window, closed)
        if self.solver == "adam":
            optimizer = Adam(self.theta_.size, self.learning_rate_init, self.beta_1,
                             self.beta_2, self.epsilon)
        else:
            optimizer = SGD(self.theta_.size, self.learning_rate_init, self.momentum,
                            self.nesterovs_momentum)
        batch_size = (max(1, 200 // window) if self.batch_size == "auto" else self.batch_size)
        result = train_gradient(
            loss_gradient, self.theta_, origins, window=window, optimizer=optimizer,
            batch_size=batch_size, max_iter=self.max_iter, tol=self.tol,
            n_iter_no_change=self.n_iter_no_change, clip_norm=self.clip_norm, alpha=self.alpha,
            weight_mask=self._weight_mask(), rng=rng, validation_score=validation_score,
            verbose=self.verbose)
        self.theta_ = result.theta
        self.loss_curve_ = result.loss_curve
        self.validation_scores_ = result.validation_scores
        self.best_loss_ = result.best_loss
        self.best_validation_score_ = (result.best_validation_score if self.early_stopping
                                       else None)
        self.n_iter_ = result.n_iter
        self.stopped_by_ = result.stopped_by

    def _validation_scorer(self, inputs_t, targets_t, start, window, closed):
        """R^2 of the training-loop forecasts over the validation block [start, n)."""
        n = targets_t.shape[1]
        horizon = window if closed else 1
        pad = np.full((inputs_t.shape[0], horizon), np.nan)
        inputs_padded = np.ascontiguousarray(np.hstack([inputs_t, pad]))
        targets_padded = np.ascontiguousarray(
            np.hstack([targets_t, np.full((targets_t.shape[0], horizon), np.nan)]))
        origins = np.arange(start - 1, n - 1, horizon, dtype=np.int64)
        truth = targets_t[:, start:]
        total = np.sum((truth - truth.mean(axis=1, keepdims=True)) ** 2)
        args = self._kernel_args()

        def score(theta):
            out = np.empty((horizon, self.n_targets_, origins.size))
            kernels.forecast(theta, *args, inputs_padded, targets_padded, origins, horizon,
                             out)
            forecasts = out.transpose(1, 2, 0).reshape(self.n_targets_, -1)[:, :n - start]
            return 1.0 - np.sum((forecasts - truth) ** 2) / total

        return score
