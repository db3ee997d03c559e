"""Networks over a flat parameter vector θ: what the MLP-based and the recurrent families share.

A family gives θ's layout (``_make_layout``, a named structure computed once per fit and kept
as ``layout_``), its initialisation and weight mask, its kernels (``_forecast_theta``) and its
training problems; :mod:`narxcast.training.stages` runs the stages of a fit over them.
"""

import warnings
from abc import abstractmethod

import numpy as np

from ._forecaster import BaseForecaster
from ._validation import (
    MAX_HORIZON,
    MAX_PARAMETERS,
    NETWORK_PARAMETER_CONSTRAINTS,
    normalize_delays,
)
from .kernels.compilation import announce_compilation
from .orders import MAX_ORDER, lipschitz_orders
from .training.stages import by_log_evidence, parse_stages, train_stages

# n_init="auto" with the simulation focus and Bayesian regularisation: restarts compared by
# their log evidence (the free run of a test record over two realisations of eight simulated
# systems: benchmarks/NOTES.md, 'restarts chosen by their evidence')
AUTO_RESTARTS = 4
# the most restarts a committee (``committee_size_``) may hold, a bound for model files
MAX_COMMITTEE = 1000


class NetworkForecaster(BaseForecaster):
    """A model over a flat θ trained by the trainers of :mod:`narxcast.training`.

    A subclass gives ``_make_layout`` (a named tuple with an ``n_params`` property),
    ``_initial_theta``, ``_weight_mask``, ``_forecast_theta``, ``_training_problem`` (and
    ``_least_squares_problem`` for Levenberg–Marquardt, ``_population_problem`` for
    evolution), the ``_solvers`` it supports, the loop it trains in (``_training_loop``) and
    its parameters.
    """

    _parameter_constraints = NETWORK_PARAMETER_CONSTRAINTS
    _solvers = frozenset({"adam", "sgd"})

    def _warm_started(self):
        return self.warm_start and hasattr(self, "input_scaler_")

    def _standardises(self):
        return self.scale

    def _prepare(self, inputs):
        self._check_regressors()

    def _check_regressors(self):
        if self._n_regressors() == 0:
            raise ValueError("The model has no regressors: give it fed-back target delays "
                             "(`feedback_delays` / `target_delays`), or `X` with `input_delays`.")

    def _n_regressors(self):
        return (self.input_delays_.size * self.n_features_in_
                + self.target_delays_.size * self.n_targets_)

    @abstractmethod
    def _make_layout(self):
        """θ's layout for the current parameters and fitted delays (a named tuple)."""

    def _solver(self):
        """``solver`` with "auto" resolved (:attr:`_auto_solvers`, by ``focus``)."""
        if isinstance(self.solver, str) and self.solver == "auto":
            return self._auto_solvers[getattr(self, "focus", "prediction")]
        return self.solver

    # what solver="auto" trains with, by focus
    _auto_solvers = {"prediction": "adam", "simulation": "adam"}
    # what n_iter_no_change="auto" is: the epochs (iterations) without improvement that stop
    _auto_patience = 10

    def _n_init(self, stages):
        """``n_init`` with "auto" resolved: :data:`AUTO_RESTARTS` for a fit for simulation
        whose last stage is Bayesian regularisation (without early stopping), else one."""
        if self.n_init != "auto":
            return self.n_init
        simulation = getattr(self, "focus", "prediction") == "simulation"
        return AUTO_RESTARTS if simulation and by_log_evidence(stages, self.early_stopping) else 1

    def _patience(self):
        """``n_iter_no_change`` with "auto" resolved (:attr:`_auto_patience`)."""
        if isinstance(self.n_iter_no_change, str):
            return self._auto_patience
        return self.n_iter_no_change

    @abstractmethod
    def _training_loop(self):
        """The ``loop`` parameter: "open", "closed" or a sequence (one per stage)."""

    def _check_fitted_state(self):
        super()._check_fitted_state()
        parse_stages(self._solver(), self._training_loop(), self._solvers,
                     type(self).__name__)  # settings a refit would refuse: refused now
        members = getattr(self, "committee_size_", 1)  # (absent from older model files)
        if isinstance(members, bool) or not isinstance(members, (int, np.integer)) or not (
                1 <= members <= MAX_COMMITTEE):
            raise ValueError(f"`committee_size_` must be an integer in [1, {MAX_COMMITTEE}]. "
                             f"Got {members!r}.")
        self.layout_ = self._make_layout()
        self._check_theta(self.theta_, "theta_")
        if self.theta_.dtype != np.float64 or not np.isfinite(self.theta_).all():
            raise ValueError("`theta_` must hold finite float64 parameters.")
        bounds = self.target_range_
        if not (isinstance(bounds, np.ndarray) and bounds.shape == (2, self.n_targets_)
                and np.isfinite(bounds).all() and (bounds[0] <= bounds[1]).all()):
            raise ValueError("`target_range_` must hold the finite least and greatest "
                             "training target of each column.")

    def _check_theta(self, theta, name="theta"):
        """Raise unless ``theta`` is a parameter vector of this network's layout: every kernel
        reads and writes θ at the layout's offsets, so a shorter one would be read past its
        end."""
        n_params = self.layout_.n_params
        if not (isinstance(theta, np.ndarray) and theta.ndim == 1 and theta.size == n_params
                and theta.dtype in (np.float64, np.float32) and theta.flags.c_contiguous):
            raise ValueError(f"`{name}` must be a contiguous float vector of the {n_params} "
                             f"parameters of layers {self.layout_.sizes.tolist()}. Got "
                             f"{getattr(theta, 'dtype', type(theta).__name__)} of shape "
                             f"{np.shape(theta)}.")

    def _check_forecast_arrays(self, theta, inputs_t, targets_t, origins, horizon):
        """Raise unless a forecast kernel's reads stay inside its arrays: θ of the layout,
        (features, time) and (targets, time) arrays of one length, and every origin with its
        delays before it and ``horizon`` targets after it."""
        self._check_theta(theta)
        n = targets_t.shape[1]
        if (inputs_t.shape != (self.n_features_in_, n)
                or targets_t.shape[0] != self.n_targets_ or origins.ndim != 1
                or origins.dtype != np.int64 or horizon < 1):
            raise ValueError("The forecast's arrays do not match the fitted model.")
        if origins.size and (origins.min() + 1 - self.max_delay_ < 0
                             or origins.max() + horizon > n - 1):
            raise ValueError(f"Forecasts from origins {origins.min()}..{origins.max()} over "
                             f"{horizon} steps need rows outside the {n} given.")

    def _forecast_scaled(self, inputs_t, targets_t, origins, horizon):
        announce_compilation(self._kernel_module)
        return self._forecast_theta(self.theta_, inputs_t, targets_t, origins, horizon)

    def _forecast_bounds(self, bounded=True):
        """``(lower, upper)`` per target in scaled units: the training range widened by
        ``clip_forecasts`` of itself on each side (infinite when None or not ``bounded``)."""
        n = self.n_targets_
        if not bounded or self.clip_forecasts is None:
            return np.full(n, -np.inf), np.full(n, np.inf)
        low, high = (self.target_range_ - self.target_scaler_.mean) / self.target_scaler_.scale
        margin = self.clip_forecasts * (high - low)
        return np.ascontiguousarray(low - margin), np.ascontiguousarray(high + margin)

    def _warn_if_held(self, forecasts, lowest, highest):
        """Say when forecasts (user units, targets last) were held at the bounds."""
        if self.clip_forecasts is None:
            return
        # the kernels' bounds, in user units
        lower, upper = self.target_scaler_.inverse(np.stack(self._forecast_bounds()))
        tiny = 1e-9 * (upper - lower)
        if ((lowest <= lower + tiny) | (highest >= upper - tiny)).any():
            # one message whatever the count, so that Python shows it once per place, not
            # once per call of a search or a backtest
            warnings.warn("Forecasts were held at the bounds of the training range widened by "
                          f"clip_forecasts={self.clip_forecasts} of it: the model runs away on "
                          "these inputs (outside the training range, or an unstable closed "
                          "loop).", RuntimeWarning, stacklevel=3)

    def _fit_scaled(self, data, warm):
        announce_compilation(self._kernel_module)
        starts = None  # (copies: a failed fit leaves the fitted model as it was)
        if warm:  # a committee's members each continue (as one network they would not stay
            # a committee: benchmarks/NOTES.md, 'a committee of restarts')
            starts = (self._committee_members(self.theta_)
                      if getattr(self, "committee_size_", 1) > 1 else [self.theta_.copy()])
        self.committee_size_ = 1  # (training is of single networks)
        layout = self._make_layout()
        if layout.n_params > MAX_PARAMETERS:
            raise ValueError(f"`hidden_layer_sizes` {self.hidden_layer_sizes!r} with "
                             f"{self._n_regressors()} regressors gives {layout.n_params} "
                             f"parameters; at most {MAX_PARAMETERS} are allowed.")
        if warm and layout.n_params != starts[0].size:
            raise ValueError(
                "`warm_start=True` needs the architecture of the fitted model (layer sizes "
                f"{self.layout_.sizes.tolist()}); these parameters give "
                f"{layout.sizes.tolist()}. Refit with warm_start=False.")
        stages = parse_stages(self._solver(), self._training_loop(), self._solvers,
                              type(self).__name__)
        if self.validation_horizons is not None:
            horizons = list(self.validation_horizons)
            if not horizons or any(isinstance(h, bool) or not isinstance(h, (int, np.integer))
                                   or not 1 <= h <= MAX_HORIZON for h in horizons):
                raise ValueError("`validation_horizons` must hold integers in [1, "
                                 f"{MAX_HORIZON}]. Got {self.validation_horizons!r}.")
            self._check_forecast_horizon(max(horizons))
        evolved = any(stage.solver in ("ga", "cmaes") for stage in stages)
        if evolved and self.population_size * layout.n_params > MAX_PARAMETERS:
            raise ValueError(f"`population_size`={self.population_size} individuals of "
                             f"{layout.n_params} parameters exceed {MAX_PARAMETERS} numbers.")
        if any(stage.solver == "ga" for stage in stages) and (
                self.crossover_rate + self.mutation_rate > 1):
            raise ValueError("`crossover_rate` + `mutation_rate` must be <= 1 (each offspring "
                             f"is crossed, mutated or copied). Got {self.crossover_rate} + "
                             f"{self.mutation_rate}.")
        self.layout_ = layout
        # the training range of the targets, in user units: forecasts are held near it
        self.target_range_ = self.target_scaler_.inverse(
            np.stack([data.targets_t.min(axis=1), data.targets_t.max(axis=1)]))
        fit = train_stages(self, stages, data, starts)
        self.theta_ = fit.theta
        if len(fit.committee) > 1:  # one network of the members' units (MLPs only)
            self.theta_ = self._committee_theta(fit.committee)
            self.committee_size_ = len(fit.committee)
            self.layout_ = self._make_layout()
        self.loss_curve_ = fit.loss_curve
        self.validation_scores_ = fit.validation_scores
        self.best_loss_ = fit.best_loss
        self.best_validation_score_ = fit.best_validation_score
        self.n_iter_ = fit.n_iter
        self.stopped_by_ = fit.stopped_by
        self.fitness_curve_ = fit.fitness_curve
        self.init_scores_ = fit.init_scores
        self.alpha_ = fit.alpha
        self.effective_params_ = fit.effective_params
        self.log_evidence_ = fit.log_evidence
        self.stage_starts_ = fit.stage_starts
        self.stages_ = fit.stage_names
        self._check_fit_usable(data)

    def _check_fit_usable(self, data):
        """Fail loudly (the fit is undone) when even the parameters kept after a divergence
        forecast non-finite values one step ahead on the training data."""
        usable = np.isfinite(self.theta_).all()
        if usable:
            origins = np.arange(self._first_origin(), data.n_rows - 1, dtype=np.int64)
            usable = np.isfinite(self._forecast_theta(
                self.theta_, data.inputs_t, data.targets_t, origins, 1, bounded=False,
                records=data.records)).all()
        if not usable:
            raise FloatingPointError(_UNUSABLE)


# scored steps of a gradient solver's closed-loop windows with focus="simulation"
SIMULATION_WINDOW = 200

_UNUSABLE = ("Training diverged: the fitted model forecasts non-finite values on its own "
             "training data, even with the best parameters seen. Lower `learning_rate_init`, "
             "set `clip_norm`, or use another `solver`; the model was left as it was.")


class FeedbackMixin:
    """Networks whose regressor feeds back their targets at ``feedback_delays`` (after the
    exogenous inputs at ``input_delays``), trained open or closed loop (``loop``)."""

    # what input_delays / feedback_delays = "auto" are with focus="prediction"
    _auto_delays = (2, 2)

    def _delays(self, rows=None):
        """The delays, "auto" resolved: :attr:`_auto_delays` with ``focus="prediction"``; with
        "simulation" one more than the orders of the data ``rows`` (inputs, targets) by
        Lipschitz quotients (:func:`narxcast.orders.lipschitz_orders`: input delays
        ``0..nb``, feedback delays ``1..na + 1``; the orders alone lost badly on the Duffing
        oscillator and the two tanks, ``benchmarks/NOTES.md``), before them the fitted ones,
        or the largest the estimate gives."""
        chosen = (self.input_delays, self.feedback_delays)
        if any(isinstance(value, str) for value in chosen):
            automatic = self._auto_delays
            if getattr(self, "focus", "prediction") == "simulation":
                automatic = self._data_orders(rows)
            chosen = [automatic[k] if isinstance(value, str) else value
                      for k, value in enumerate(chosen)]
        return (normalize_delays(chosen[0], "input_delays", 0),
                normalize_delays(chosen[1], "feedback_delays", 1))

    def _data_orders(self, rows):
        """``(input, feedback)`` delays from the data: see :meth:`_delays`."""
        if rows is None:
            if hasattr(self, "input_delays_"):
                return self.input_delays_.tolist(), self.target_delays_.tolist()
            return MAX_ORDER, MAX_ORDER + 1
        inputs, targets = rows
        if targets.shape[1] != 1:  # the quotients measure one output
            return self._auto_delays
        na, nb = lipschitz_orders(inputs if inputs.shape[1] else None, targets[:, 0])
        return list(range(nb + 1 if nb else 0)), na + 1

    _auto_loop: str | tuple[str, ...] = ("open", "closed")  # loop="auto" with one solver

    def _training_loop(self):
        """``loop``, with "auto" resolved: this network's :attr:`_auto_loop` for a single
        gradient or Levenberg–Marquardt solver (open then closed with
        ``focus="simulation"``), open loop for evolution (which uses ``fitness``) and for a
        sequence of solvers (one stage each)."""
        if isinstance(self.loop, str) and self.loop == "auto":
            solver = self._solver()
            single = isinstance(solver, str) and solver not in ("ga", "cmaes")
            if single and self.focus == "simulation":
                return ("open", "closed")
            return self._auto_loop if single else "open"
        return self.loop

    def _window(self, data, first_target, closed, solver="adam"):
        """Scored steps of a training window: ``bptt_steps``, or with "auto" 24, and for a
        closed loop with ``focus="simulation"`` the free run of every record's training rows
        from its first measured ones (the shortest record's length; windows of
        :data:`SIMULATION_WINDOW` for the gradient solvers, many overlapping subsections each
        started from measured rows: multiple shooting)."""
        if self.bptt_steps != "auto":
            return self.bptt_steps
        if not (closed and self.focus == "simulation"):
            return 24
        free_runs = [min(end, data.training_end) - start - first_target
                     for start, end in data.records]  # each record's training targets
        whole = max(1, min((steps for steps in free_runs if steps > 0), default=1))
        return whole if solver == "lm" else min(whole, SIMULATION_WINDOW)

    def _horizon_weights(self, window, closed, targets_t, first_target, end):
        """The weight of each step of a training window, mean 1: ones in open loop or without
        ``horizon_weights``; with "persistence" the inverse of naive persistence's mean
        squared error at that lead on the training targets, so that each lead time counts
        by how hard it is."""
        if not closed or self.horizon_weights is None:
            return np.ones(window)
        if isinstance(self.horizon_weights, str):
            y = targets_t[:, first_target:end]
            if y.shape[1] <= window:
                raise ValueError(f"`horizon_weights`='persistence' needs more than {window} "
                                 "training targets.")
            weights = 1.0 / np.array([np.mean((y[:, lead:] - y[:, :-lead]) ** 2)
                                      for lead in range(1, window + 1)])
        else:
            weights = np.asarray(self.horizon_weights, dtype=float)
        if weights.shape != (window,) or not np.isfinite(weights).all() or (weights <= 0).any():
            raise ValueError(f"`horizon_weights` must be 'persistence' or {window} positive "
                             f"weights, one per step of a closed-loop window (bptt_steps). "
                             f"Got {self.horizon_weights!r}.")
        return weights / weights.mean()

    @property
    def feedback_delays_(self):
        """The fitted feedback delays (``target_delays_``), sorted."""
        return self.target_delays_
