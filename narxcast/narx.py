"""NARX network regressor: an MLP over delayed exogenous inputs and delayed targets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from ._mlp import MLPForecaster
from ._network import FeedbackMixin
from ._typing import Auto, Delays, Horizons, Loop, RandomState, Solver
from ._validation import FEEDBACK_PARAMETER_CONSTRAINTS
from .kernels import narx as kernels, population as population_kernels
from .training.stages import LeastSquaresProblem, TrainingProblem


class NARXRegressor(FeedbackMixin, MLPForecaster):
    """Nonlinear autoregressive network with exogenous inputs (NARX).

    ``y_t = f(x_{t-d}, d in input_delays; y_{t-k}, k in feedback_delays)`` with ``f`` a
    multilayer perceptron (hidden activation ``activation``, linear output). Trained open
    loop (series-parallel: measured targets fed back) or closed loop (parallel: the network's
    own outputs fed back over windows of ``bptt_steps``, gradients by backpropagation through
    time). Forecasts in open loop, closed loop, or ``horizon`` steps ahead from every origin.

    Parameters
    ----------
    input_delays : int, sequence of int or "auto", default="auto"
        Delays of the exogenous inputs: an int ``k`` means ``0..k`` (0 is the input at the
        target time, e.g. a weather forecast for that hour). "auto": ``2`` with
        ``focus="prediction"``; with "simulation" one more than the orders of the training
        data by Lipschitz quotients (:func:`narxcast.orders.lipschitz_orders`, He & Asada
        1993): input delays ``0..nb``, feedback delays ``1..na + 1``.
    feedback_delays : int, sequence of int or "auto", default="auto"
        Delays of the fed-back targets: an int ``k`` means ``1..k``; ``()`` gives a model
        without feedback (a time-delay network). "auto": as ``input_delays``.
    hidden_layer_sizes : tuple of int, default=(10,)
        Neurons per hidden layer; ``()`` gives a linear ARX model.
    activation : {"tanh", "logistic", "relu", "identity"}, default="tanh"
        Hidden-layer activation.
    solver : {"auto", "adam", "sgd", "lm", "br", "ga", "cmaes"} or sequence of them, \
default="auto"
        The trainer. "adam", "sgd": mini-batch gradients (BPTT in closed loop). "lm":
        Levenberg–Marquardt (MATLAB's ``trainlm``) on all residuals at once, with analytic
        Jacobians (through the feedback in closed loop); ``max_iter`` counts its
        iterations. "br": Levenberg–Marquardt with Bayesian regularisation (MATLAB's
        ``trainbr``; MacKay 1992, Foresee & Hagan 1997): the penalty is re-estimated from
        the data after every step instead of ``alpha`` (``alpha_`` and
        ``effective_params_`` say where it settled). "ga": a genetic algorithm (DEAP's
        operators, applied to the whole population at once), "cmaes": DEAP's CMA-ES, both
        evaluating a whole generation in one parallel kernel call. A sequence is a hybrid run
        in turn, each trainer starting where the one before stopped: ``("ga", "lm")``
        evolves, then refines. "auto": "adam" with
        ``focus="prediction"``, "br" with ``focus="simulation"`` (it simulated 1.2-10x
        better than Adam on the simulated systems of ``benchmarks/sysid.py``).
    focus : {"prediction", "simulation"}, default="prediction"
        What the model is for, as MATLAB's ``nlarxOptions('Focus', ...)``: forecasts at the
        lead times early stopping scores (``validation_horizons``), or a free-run
        simulation of a record from its first measured rows (system identification's
        score). With "simulation" the closed-loop stage trains on the free run of each
        whole record (LM; windows of 200 steps from every origin for the gradient solvers:
        many subsections each started from measured rows), early stopping scores the free
        run of the validation tail; ``loop="auto"`` is open then closed, ``solver="auto"`` is
        "br", ``n_init="auto"`` four restarts compared by their evidence (those near the most
        probable averaged, ``committee``) and the delays "auto"
        come from the data.
    loop : {"auto", "open", "closed"} or sequence of them, default="auto"
        The loop the model is trained in. A sequence trains in stages, each from where the one
        before stopped (with ``solver`` a name repeated, or a sequence as long):
        ``("open", "closed")`` is MATLAB's "train open, close the loop, retrain" in one
        ``fit`` (so it works inside ``backtest`` and ``GridSearchCV``). "auto" is that
        recipe for a single gradient or LM ``solver`` (on five bundled site/target problems it
        forecasts 24 h ahead 2-23% better than open loop alone over three seeds, 6 h better in
        four of five, 1 h about the same: ``benchmarks/NOTES.md``, 'the default recipe'), and
        open loop for evolution or a sequence of solvers. By hand: ``fit`` with
        ``loop="open"``, then ``set_params(loop="closed", warm_start=True)`` and ``fit``
        again. Evolution stages use ``fitness`` instead.
    horizon_weights : "persistence", sequence of float or None, default=None
        Closed-loop stages weight the error at each step of a window: "persistence" by the
        inverse of naive persistence's mean squared error at that lead (each lead counts by
        how hard it is, so that fine-tuning for 24 h does not throw away 1 h), or one weight
        per step (``bptt_steps`` of them); normalised to mean 1. None: equal weights.
    bptt_steps : int or "auto", default="auto"
        Steps per training window (the truncation length of backpropagation through time in
        closed loop); "auto": 24, and with ``focus="simulation"`` the closed loop's whole
        records (see ``focus``).
    alpha : float, default=1e-4
        L2 penalty on the weights (not the biases), as scikit-learn's MLP.
    batch_size : int or "auto", default="auto"
        Windows per mini-batch; "auto" takes about 200 steps (``200 // bptt_steps`` windows),
        as scikit-learn's ``min(200, n_samples)`` samples.
    learning_rate_init : float, default=1e-3
    max_iter : int or "auto", default="auto"
        Epochs (every step of the training data scored once per epoch), or LM iterations;
        "auto" is 200 epochs (scikit-learn's MLP) or 1000 LM iterations (MATLAB's
        ``trainlm``). The relative ``tol`` usually stops training before.
    tol : float, default=1e-4
        Relative tolerance: training stops once ``n_iter_no_change`` epochs (LM iterations)
        in a row have not lowered the loss (with ``early_stopping``, the validation error
        ``1 - R^2``) by this fraction of itself. Scale-free, unlike scikit-learn's absolute
        ``tol``: a good fit's loss of 1e-3..1e-4 (scaled units) would otherwise stop long
        before it converges. LM also stops when no step lowers the loss (damping past 1e10)
        or the gradient's norm falls below 1e-7, as MATLAB's ``trainlm``.
    clip_norm : float or None, default=5.0
        Largest Euclidean norm of a mini-batch gradient; None disables clipping.
    early_stopping : bool, default=False
        Hold out the last ``validation_fraction`` of the series, stop when its score stops
        improving and keep the best parameters.
    validation_fraction : float, default=0.1
    validation_horizons : sequence of int or None, default=None
        The lead times early stopping (and ``n_init``) scores: the mean over them of the R^2
        of the forecasts at that lead of every validation target, closed loop from its
        origin. None: one step ahead in open-loop stages, ``bptt_steps`` ahead in closed-loop
        ones. Choose the horizons the model is for, e.g. ``(1, 24)``.
    n_iter_no_change : int or "auto", default=10
        Epochs (LM iterations) without improvement (``tol``) that stop a stage. "auto": 10,
        and 50 for LSTM and GRU networks (their defaults), whose long memory is learnt after
        a plateau of the loss that ten epochs take for convergence: a sign held for 40 steps
        was recalled in 77% of ten seeds with 10, 99% with 50 (``benchmarks/NOTES.md``).
    momentum : float, default=0.9
        SGD only.
    nesterovs_momentum : bool, default=True
        SGD only.
    beta_1, beta_2, epsilon : float
        Adam only.
    population_size : int, default=100
        GA parents (and offspring per generation) / CMA-ES samples per generation.
    n_generations : int, default=50
    crossover_rate, mutation_rate : float, default=0.5, 0.3
        GA: the probability that an offspring is made by blend crossover, or else by
        Gaussian mutation (otherwise it is a copy); their sum must be <= 1.
    sigma : float, default=0.1
        GA mutation / CMA-ES initial step size, in θ's (scaled) units.
    fitness : {"closed", "open"}, default="closed"
        What evolution minimises: the free-run simulation error over the training rows
        (closed loop, the forecasting use) or the one-step-ahead error (open loop).
    scale : bool, default=True
        Standardise inputs and targets inside the model (results are in user units).
    random_state : int, RandomState instance or None, default=None
    verbose : bool, default=False
        Print the loss of every epoch.
    warm_start : bool, default=False
        Continue from the fitted parameters and scaling.
    clip_forecasts : float or None, default=0.25
        Forecasts, and the values a closed loop feeds back, are held within the range of the
        training targets widened by this fraction of it on each side (a warning says when
        any was held): a model taken outside its training range cannot run away to
        thousands of times the data. ``None`` leaves them free. Training is not bounded.
    n_init : int or "auto", default="auto"
        Restarts: the whole fit (every stage) runs from this many initialisations and one is
        kept, never the one of the lowest training loss. A fit whose last stage is Bayesian
        regularisation ("br", without ``early_stopping``) trains each on every row and keeps
        the one of the greatest log evidence (``log_evidence_``: how probable the data are
        under the fit, its error traded against the parameters it needs; MacKay 1992, as
        scikit-learn's ``GaussianProcessRegressor`` keeps the restart of the greatest log
        marginal likelihood), with those near it as a committee (``committee``). Any other
        fit trains each on the rows before the validation tail (the last
        ``validation_fraction``) and keeps the one with the lowest validation error of the
        focus there. ``init_scores_`` lists them. The first restart draws the initialisation
        ``n_init=1`` would. Ignored with ``warm_start`` (which continues each member of a
        committee, and averages those near the most probable again). "auto": 4 with
        ``focus="simulation"`` and Bayesian regularisation, whose fits land in minima that
        simulate a new record up to ten times apart (on eight simulated systems, two records
        each, four restarts simulated the test records better than one fit on 15 of 16,
        Narendra and Parthasarathy's first plant 0.018 and 0.026 against 0.030 and 0.089:
        ``benchmarks/NOTES.md``, 'restarts chosen by their evidence'), else 1.
    committee : bool, default=True
        With restarts compared by their log evidence: the network kept is the committee
        (MacKay 1992) of the restarts whose log evidence per residual is within 0.05 of the
        most probable one's (a noise variance within about 10% of its), the mean of their
        outputs, as one network of all their hidden units (``committee_size_`` members side by
        side; the closed loop feeds back the committee's output). Restarts in one minimum
        average away their differences where those far below are left out: with the default
        four restarts the test records of eight simulated systems (two realisations each)
        were simulated better than by the most probable restart alone on 17 of 18
        (``benchmarks/NOTES.md``, 'a committee of restarts'). False keeps the most probable
        restart alone.
    n_jobs : int or None, default=None
        Processes that run the ``n_init`` restarts at once (joblib; None: one, -1: every
        core): the same fits as one after the other. Four restarts of a default NARX on a
        year: 1.5 s in turn, 0.84 s on two processes once they run, 2.5 s for the call that
        starts them (``benchmarks/bench_restarts.py``). A Ctrl-C then stops the whole fit.

    Attributes
    ----------
    theta_ : ndarray
        All parameters, flat: for each layer its weights (fan_in, fan_out) row-major, then its
        biases. ``coefs_`` and ``intercepts_`` are views of it per layer.
    input_delays_, feedback_delays_ : ndarray of int
    loss_curve_ : list of float
        Training loss (MSE / 2 in scaled units, plus the penalty) per epoch, LM iteration or
        generation (evolution: the best so far), every stage of the fit one after the other.
    stages_, stage_starts_ : list of str, list of int
        Each stage of the fit ("lm, open loop", "ga, closed fitness", ...) and where its
        losses start in ``loss_curve_``.
    fitness_curve_ : list of float
        Evolution: the best loss found by each generation (the hall of fame: never rises);
        empty without an evolution stage.
    validation_scores_ : list of float
        With ``early_stopping``: the validation score (R^2, or its mean over
        ``validation_horizons``) per entry of ``loss_curve_`` (NaN for evolution, which
        scores the training rows only).
    best_loss_ : float
    n_iter_ : int
        Epochs, iterations and generations of every stage.
    stopped_by_ : {"converged", "max_iter", "diverged", "interrupted", ...}
        Why the last stage stopped.
    init_scores_ : list of float
        With ``n_init`` > 1: each restart's score, lower is better: its negative log evidence
        with Bayesian regularisation, else its validation error (``1 - R^2`` of the focus).
    alpha_, effective_params_ : float or None
        With ``solver="br"``: the penalty Bayesian regularisation settled on (in ``alpha``'s
        units) and the effective number of parameters (those the data determine, of
        ``theta_.size``; of a committee, its most probable member's, of that member's);
        None otherwise.
    committee_size_ : int
        The restarts averaged in ``theta_`` (``committee``): its hidden layers are
        ``hidden_layer_sizes`` times this wide; 1 for a single network.
    log_evidence_ : float or None
        With Bayesian regularisation as the last stage: the log evidence of the fit (the log
        probability of the training targets, in scaled units, under a Gaussian approximation
        of the posterior around ``theta_``; MacKay 1992), by which restarts are compared (of a
        committee: its most probable member's); None otherwise.
    target_range_ : ndarray of shape (2, n_targets)
        The least and greatest training target (user units), from which ``clip_forecasts``
        bounds the forecasts.
    history_X_, history_y_ : ndarray
        The last ``max_delay_`` rows seen by fit/update, from which ``predict(X)`` continues.

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

    _parameter_constraints = {**MLPForecaster._parameter_constraints,
                              **FEEDBACK_PARAMETER_CONSTRAINTS, "committee": ["boolean"]}
    _solvers = frozenset({"adam", "sgd", "lm", "br", "ga", "cmaes"})
    # Bayesian-regularised LM simulates 1.2-4x better than Adam on the simulated systems
    # (benchmarks/NOTES.md, 'expert results without an expert')
    _auto_solvers = {"prediction": "adam", "simulation": "br"}
    _kernel_module = kernels

    def __init__(self, input_delays: Delays = "auto", feedback_delays: Delays = "auto",
                 hidden_layer_sizes: int | Sequence[int] = (10,),
                 activation: Literal["tanh", "relu", "logistic", "identity"] = "tanh",
                 solver: Solver = "auto", loop: Loop = "auto", bptt_steps: int | Auto = "auto",
                 alpha: float = 1e-4, batch_size: int | Auto = "auto",
                 learning_rate_init: float = 1e-3, max_iter: int | Auto = "auto",
                 tol: float = 1e-4, clip_norm: float | None = 5.0, early_stopping: bool = False,
                 validation_fraction: float = 0.1, n_iter_no_change: int = 10,
                 momentum: float = 0.9, nesterovs_momentum: bool = True, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-8, population_size: int = 100,
                 n_generations: int = 50, crossover_rate: float = 0.5,
                 mutation_rate: float = 0.3, sigma: float = 0.1,
                 fitness: Literal["closed", "open"] = "closed", scale: bool = True,
                 random_state: RandomState = None, verbose: bool = False,
                 warm_start: bool = False, n_init: int | Literal["auto"] = "auto",
                 clip_forecasts: float | None = 0.25,
                 validation_horizons: Horizons = None,
                 horizon_weights: Literal["persistence"] | ArrayLike | None = None,
                 n_jobs: int | None = None,
                 focus: Literal["prediction", "simulation"] = "prediction",
                 committee: bool = True) -> None:
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
        self.population_size = population_size
        self.n_generations = n_generations
        self.crossover_rate = crossover_rate
        self.mutation_rate = mutation_rate
        self.sigma = sigma
        self.fitness = fitness
        self.scale = scale
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        self.n_init = n_init
        self.clip_forecasts = clip_forecasts
        self.validation_horizons = validation_horizons
        self.horizon_weights = horizon_weights
        self.n_jobs = n_jobs
        self.focus = focus
        self.committee = committee

    def _n_outputs(self):
        return self.n_targets_

    def _forecast_theta(self, theta, inputs_t, targets_t, origins, horizon, bounded=True,
                        residuals=None, seed=0, records=None):
        # (``records``: a NARX's regressors read only the rows before their origin, which the
        # origins already keep inside their record; only a recurrent state needs them)
        self._check_forecast_arrays(theta, inputs_t, targets_t, origins, horizon)
        if residuals is None:
            residuals = np.empty((0, self.n_targets_))
        out = np.empty((horizon, self.n_targets_, origins.size))
        kernels.forecast(theta, self.layout_, inputs_t, targets_t, origins, horizon,
                         *self._forecast_bounds(bounded), residuals, seed, out)
        return out

    def _sample_scaled(self, inputs_t, targets_t, origins, horizon, residuals_t, seed):
        return self._forecast_theta(self.theta_, inputs_t, targets_t, origins, horizon,
                                    residuals=residuals_t, seed=seed)

    def _training_problem(self, data, first_target, closed):
        """Windows of ``bptt_steps`` in the training loop (open: teacher forcing; closed: BPTT)."""
        inputs_t, targets_t, end = data.inputs_t, data.targets_t, data.training_end
        window = min(self._window(data, first_target, closed), end - first_target)
        origins = data.origins(first_target - 1, end, self.max_delay_ - 1, window)
        layout = self.layout_
        weights = self._horizon_weights(window, closed, targets_t, first_target, end)

        def loss_gradient(theta, batch, grad):
            return kernels.loss_gradient(theta, layout, inputs_t, targets_t, batch, window,
                                         closed, weights, grad)

        return TrainingProblem(window, origins, loss_gradient, window if closed else 1)

    def _least_squares_problem(self, data, first_target, closed):
        """Residuals and Jacobian for Levenberg–Marquardt: one-step-ahead residuals of every
        training target (open loop), or free-running windows of ``bptt_steps`` from every
        ``bptt_steps``-th origin with the derivative through the feedback (closed loop)."""
        inputs_t, targets_t, end = data.inputs_t, data.targets_t, data.training_end
        window = min(self._window(data, first_target, closed, "lm"), end - first_target) \
            if closed else 1
        origins = data.origins(first_target - 1, end, self.max_delay_ - 1, window, step=window)
        layout = self.layout_
        n_params = layout.n_params
        shape = (window, self.n_targets_, origins.size)
        # weighted least squares: each step's residuals times the root of its weight
        roots = np.sqrt(self._horizon_weights(window, closed, targets_t, first_target,
                                              end))[:, None, None]

        def residuals_jacobian(theta):
            residuals = np.empty(shape)
            jacobian = np.empty((n_params, *shape))
            kernels.residuals_jacobian(theta, layout, inputs_t, targets_t, origins, window,
                                       closed, residuals, jacobian)
            if closed:
                residuals *= roots
                jacobian *= roots
            return residuals.ravel(), jacobian.reshape(n_params, -1)

        steps = np.arange(window)[:, None] + 1
        measured = targets_t[:, origins[None, :] + steps].transpose(1, 0, 2)
        unbounded = self._forecast_bounds(bounded=False)  # training sees the model as it is
        no_residuals = np.empty((0, self.n_targets_))

        def residuals(theta):
            out = np.empty(shape)
            kernels.forecast(theta, layout, inputs_t, targets_t, origins, window, *unbounded,
                             no_residuals, 0, out)
            return ((out - measured) * roots if closed else out - measured).ravel()

        return LeastSquaresProblem(residuals_jacobian, residuals)

    def _population_problem(self, inputs_t, targets_t, first_target, closed):
        layout = self.layout_

        def loss(thetas, chunk_size, losses):
            population_kernels.narx_loss(thetas, layout, inputs_t, targets_t, first_target, 0,
                                         closed, chunk_size, losses)

        return loss
