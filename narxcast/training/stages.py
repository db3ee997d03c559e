"""The stage loop of a fit: open- and closed-loop stages, solver sequences (hybrids), each
stage handed to its trainer.

A network's ``solver`` and ``loop`` are each one name or a sequence; together they give the
stages of one ``fit``, run in turn, each from the parameters the one before left:
``loop=("open", "closed")`` is MATLAB's "train open, close the loop, retrain" and
``solver=("ga", "lm")`` evolves, then refines. This module turns a network's problems
(:class:`TrainingProblem`, :class:`LeastSquaresProblem`, a population loss) into calls of
the trainers, which know no model; it reads the network's scikit-learn parameters by name.
"""

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import joblib
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state

from ..kernels.blas import single_threaded_blas
from ..kernels.population import chunk_size
from .evolution import train_evolution
from .gradient import SGD, Adam, train_gradient, user_stacklevel
from .levenberg_marquardt import train_levenberg_marquardt


class Stage(NamedTuple):
    """One stage of a fit: the solver, and whether it trains in closed loop (for evolution:
    the network's ``fitness`` decides instead)."""

    solver: str
    closed: bool


class TrainingProblem(NamedTuple):
    """What the gradient trainers need of a network for one stage.

    ``loss_gradient(theta, origins, grad) -> loss`` writes the gradient of the windows that
    start at ``origins`` into ``grad``; ``origins`` are every admissible window origin;
    ``window`` the scored steps of a window; ``validation_horizon`` the lead time that early
    stopping scores (the window in closed loop, one step in open loop).
    """

    window: int
    origins: np.ndarray
    loss_gradient: Callable
    validation_horizon: int


class LeastSquaresProblem(NamedTuple):
    """What Levenberg–Marquardt needs: ``residuals_jacobian(theta) -> (r, J)`` and
    ``residuals(theta) -> r``."""

    residuals_jacobian: Callable
    residuals: Callable


@dataclass
class StagedFit:
    """What a staged fit leaves: the parameters; every stage's losses one after the other in
    ``loss_curve`` (``stage_starts`` where each begins, ``stage_names`` what it was), its
    validation scores aligned with them (NaN for evolution's generations) in
    ``validation_scores``; ``n_iter`` over all stages; the best loss, validation score and
    stopping reason of the last stage; the last evolution stage's ``fitness_curve``."""

    theta: np.ndarray
    loss_curve: list = field(default_factory=list)
    validation_scores: list = field(default_factory=list)
    best_loss: float = np.inf
    best_validation_score: float = None
    n_iter: int = 0
    stopped_by: str = "max_iter"
    fitness_curve: list = field(default_factory=list)
    init_scores: list = field(default_factory=list)
    selection_score: float = None
    alpha: float = None
    effective_params: float = None
    log_evidence: float = None
    n_residuals: int = 0
    committee: list = field(default_factory=list)
    stage_starts: list = field(default_factory=list)
    stage_names: list = field(default_factory=list)
    stage_stops: list = field(default_factory=list)

    def add_stage(self, name, theta, loss_curve, validation_scores, best_loss,
                  best_validation_score, n_iter, stopped_by):
        """Append a stage's history; its parameters and outcome become the fit's."""
        self.stage_starts.append(len(self.loss_curve))
        self.stage_names.append(name)
        self.stage_stops.append(stopped_by)
        self.theta = theta
        self.loss_curve = self.loss_curve + list(loss_curve)
        if best_validation_score is not None:
            padding = [np.nan] * (self.stage_starts[-1] - len(self.validation_scores))
            self.validation_scores = self.validation_scores + padding + list(validation_scores)
        self.best_loss = best_loss
        self.best_validation_score = best_validation_score
        self.n_iter += n_iter
        self.stopped_by = stopped_by

    def score(self, by_evidence=False):
        """What restarts are chosen by (lower is better): ``by_evidence``, the negative log
        evidence of the last stage (Bayesian regularisation); else the validation error
        ``1 - R^2`` of the focus on the held-out tail (the best of early stopping, else the
        fit's ``selection_score``); the last training loss only for a fit without a tail."""
        if by_evidence:
            return -self.log_evidence if self.log_evidence is not None else np.inf
        if self.best_validation_score is not None:
            return 1.0 - self.best_validation_score
        if self.selection_score is not None:
            return 1.0 - self.selection_score
        return self.loss_curve[-1] if self.loss_curve else np.inf


# max_iter="auto": MATLAB's trainlm runs up to 1000 epochs; scikit-learn's MLP 200
AUTO_ITERATIONS = {"lm": 1000, "br": 1000, "adam": 200, "sgd": 200}


def iterations(max_iter, solver):
    """The iteration budget of a ``solver`` stage: ``max_iter``, or with "auto" the solver's
    own default (:data:`AUTO_ITERATIONS`).

    Examples
    --------
    >>> iterations("auto", "lm"), iterations("auto", "adam"), iterations(50, "lm")
    (1000, 200, 50)
    """
    return AUTO_ITERATIONS[solver] if max_iter == "auto" else max_iter


def parse_stages(solver, loop, solvers, owner):
    """The :class:`Stage` list of ``solver`` and ``loop`` (each a name or a sequence; one name
    repeats to the other's length), checking them against the ``solvers`` that the estimator
    ``owner`` (its name, for messages) supports.

    Examples
    --------
    >>> parse_stages("lm", ("open", "closed"), {"adam", "lm"}, "NARXRegressor")
    [Stage(solver='lm', closed=False), Stage(solver='lm', closed=True)]
    """
    solver_stages = (solver,) if isinstance(solver, str) else tuple(solver)
    loops = (loop,) if isinstance(loop, str) else tuple(loop)
    if not solver_stages or any(stage not in solvers for stage in solver_stages):
        raise ValueError(f"`solver` must be one of {sorted(solvers)} or a sequence of them (a "
                         f"hybrid, run in turn) for {owner}. Got {solver!r}.")
    if not loops or any(stage not in ("open", "closed") for stage in loops):
        raise ValueError(f"`loop` must be 'open', 'closed' or a sequence of them. Got {loop!r}.")
    if len(solver_stages) == 1:
        solver_stages *= len(loops)
    if len(loops) == 1:
        loops *= len(solver_stages)
    if len(solver_stages) != len(loops):
        raise ValueError(f"`loop` must give one loop, or one per `solver` stage. Got "
                         f"solver={solver!r} and loop={loop!r}.")
    return [Stage(name, stage == "closed") for name, stage in zip(solver_stages, loops)]


class TrainingData(NamedTuple):
    """What a fit learns from, carried from ``fit`` through the stage loop into the training
    problems: the scaled inputs and targets as (features or targets, time) arrays, the records
    they hold as (start, end) rows (``((0, n),)`` for one), and ``training_end``: the targets
    from that row on are the validation tail of early stopping (``n`` without it). Training
    windows, regressors, forecasts, free runs and recurrent states stay inside one record."""

    inputs_t: np.ndarray
    targets_t: np.ndarray
    records: tuple
    training_end: int

    @classmethod
    def of(cls, inputs_t, targets_t, records=None):
        """The data of a fit on every row; ``records`` None for one record."""
        n = targets_t.shape[1]
        return cls(inputs_t, targets_t, tuple(records) if records else ((0, n),), n)

    @property
    def n_rows(self):
        return self.targets_t.shape[1]

    def origins(self, first, stop, reach_back, reach_ahead, step=1):
        """Origins ``o`` in ``[first, stop - reach_ahead)`` (every ``step``-th in a record)
        whose rows ``o - reach_back .. o + reach_ahead`` lie inside one record: no training
        window, regressor or forecast straddles the boundary of two records."""
        origins = [np.arange(max(first, start + reach_back), min(stop, end) - reach_ahead,
                             step, dtype=np.int64)
                   for start, end in self.records]
        return np.concatenate(origins) if origins else np.zeros(0, dtype=np.int64)

    def record_ends(self, origins):
        """The end row of the record of each origin."""
        starts = np.array([start for start, _ in self.records])
        ends = np.array([end for _, end in self.records])
        return ends[np.searchsorted(starts, origins, side="right") - 1]


def by_log_evidence(stages, early_stopping):
    """Whether restarts of a fit of ``stages`` are compared by their log evidence (on every
    row): Bayesian regularisation trains last and no tail is held out for early stopping."""
    return stages[-1].solver == "br" and not early_stopping


def train_stages(network, stages, data, starts=None):
    """Run the ``stages`` of ``network``'s fit on its :class:`TrainingData`; returns a
    :class:`StagedFit`.

    ``starts``: the parameters a warm start continues from (``[network.theta_]``, or each
    member of a committee), None to draw them. With ``n_init`` > 1 (and no warm start) the
    stages run from that many initialisations (the first drawn as a single fit would draw
    it) and the fit of the lowest :meth:`StagedFit.score` is kept; its ``init_scores`` lists
    every restart's. A fit whose last stage is Bayesian regularisation (without early
    stopping) trains on every row and is scored by its log evidence, and with the network's
    ``committee`` the restarts near the most probable form its ``committee``
    (:func:`committee`); any other on the rows before the validation tail (the last
    ``validation_fraction``), scored by the focus's validation error there. The members of a
    committee each continue from their parameters and form it again (all of them where they
    are not compared by their evidence, or when Ctrl-C stopped the fit).

    ``network`` gives ``max_delay_``, ``_initial_theta(rng)``, ``_weight_mask()``,
    ``_forecast_theta(...)`` and its problems: ``_training_problem``
    (:class:`TrainingProblem`), ``_least_squares_problem`` (:class:`LeastSquaresProblem`) and
    ``_population_problem`` (a population loss), as its solvers need. With
    ``early_stopping`` the last ``validation_fraction`` of the targets is held out.
    """
    seed = check_random_state(network.random_state).randint(np.iinfo(np.int32).max)
    by_evidence = by_log_evidence(stages, network.early_stopping)
    if starts is None:
        starts = [None] * network._n_init(stages)
        seeds = [seed if k == 0 else
                 int(np.random.SeedSequence([seed, k]).generate_state(1)[0] >> 1)
                 for k in range(len(starts))]
        select = not by_evidence  # restarts without evidence are scored on the tail
    else:  # (each member continues as a warm start of its own would)
        seeds, select = [seed] * len(starts), False
    if len(starts) == 1:
        fit = _train_from(network, stages, data, starts[0], seed, select=False)
        _warn_unless_converged(network, fit)
        return fit
    n_jobs = min(joblib.effective_n_jobs(network.n_jobs), len(starts))
    if n_jobs > 1:  # restarts in processes: the same fits, in any order
        fits = joblib.Parallel(n_jobs=n_jobs)(
            joblib.delayed(_train_from)(network, stages, data, start, s, select)
            for start, s in zip(starts, seeds))
    else:
        fits = []
        for start, s in zip(starts, seeds):
            fits.append(_train_from(network, stages, data, start, s, select))
            if fits[-1].stopped_by == "interrupted":
                break  # Ctrl-C: the best of the restarts so far
    scores = [fit.score(by_evidence) for fit in fits]
    best = fits[int(np.argmin(scores))]
    best.init_scores = scores
    interrupted = any(fit.stopped_by == "interrupted" for fit in fits)
    if not getattr(network, "committee", False):
        pass  # the most probable (or best validated) alone
    elif by_evidence and not interrupted:
        best.committee = committee(fits, best)
    elif starts[0] is not None:  # a committee's members, not compared: all of them again
        best.committee = [fit.theta for fit in fits] + list(starts[len(fits):])
    _warn_unless_converged(network, best)
    return best


# A committee's members: restarts whose log evidence per residual is within this of the
# most probable one's, i.e. whose noise variance estimate is within about 10% of its
# (benchmarks/NOTES.md, 'a committee of restarts')
COMMITTEE_TOLERANCE = 0.05


def committee(fits, best):
    """The parameters of the restarts (``fits``, each trained on every row with Bayesian
    regularisation last) that join ``best`` (the most probable) in a committee, MacKay's
    (1992) remedy for the spread of one network's solutions: those whose log evidence is
    within :data:`COMMITTEE_TOLERANCE` per residual of the best's, in the order of
    ``fits``; the best alone when no other comes near it."""
    floor = best.log_evidence - COMMITTEE_TOLERANCE * best.n_residuals
    return [fit.theta for fit in fits
            if fit is best or (fit.log_evidence is not None and fit.log_evidence >= floor)]


class IterationsExhaustedWarning(ConvergenceWarning):
    """A fit's stage used every iteration ``max_iter`` allows; ``suggested_max_iter`` is the
    budget the message suggests (so that a command line can say it in its own terms)."""

    def __init__(self, message, suggested_max_iter):
        super().__init__(message)
        self.suggested_max_iter = suggested_max_iter


def _warn_unless_converged(network, fit):
    """One ``ConvergenceWarning`` for the stages of ``fit`` that used every iteration
    ``max_iter`` allows, in the estimator's terms: which stages, and what to change. It points
    at the user's ``fit`` call, and its text depends on the settings alone (a grid search's
    fits repeat one message, which Python shows once)."""
    ends = fit.stage_starts[1:] + [len(fit.loss_curve)]
    stages, longest = [], 0
    for name, start, end, stop in zip(fit.stage_names, fit.stage_starts, ends, fit.stage_stops):
        if stop != "max_iter":
            continue
        solver = name.split(",")[0]
        unit = "iterations" if solver in ("lm", "br") else "epochs"
        label = (name.replace("adam", "Adam").replace("sgd", "SGD").replace("lm", "LM")
                 .replace("br", "BR"))
        stages.append(f"the {label!r} stage ran all its {end - start} {unit} with its loss "
                      "still improving")
        longest = max(longest, end - start)
    if not stages:
        return
    warnings.warn(IterationsExhaustedWarning(
        f"{type(network).__name__}: {'; '.join(stages)} (max_iter={network.max_iter!r}). The "
        "model is fitted and usable; to train until the loss stops improving, raise max_iter "
        f"(e.g. max_iter={2 * longest}), or set early_stopping=True to stop on held-out rows.",
        2 * longest), stacklevel=user_stacklevel())


def _train_from(network, stages, data, start, seed, select):
    """The stages from the parameters ``start`` (a warm start), or from an initialisation
    drawn from ``seed`` (None); with ``select`` (a restart) on the rows before the validation
    tail, the fit scored on it."""
    rng = np.random.default_rng(seed)
    n = data.n_rows
    first_target = network.max_delay_
    if network.early_stopping or select:
        n_validation = int(np.ceil(network.validation_fraction * (n - first_target)))
        data = data._replace(training_end=n - n_validation)
        if n_validation < 1 or data.training_end - first_target < 1:
            raise ValueError("`validation_fraction` leaves no training or no validation "
                             f"targets with n_samples={n}.")
    problems = [network._training_problem(data, first_target, stage.closed)
                for stage in stages]
    fit = StagedFit(theta=network._initial_theta(rng) if start is None else start)
    network._check_theta(fit.theta, "theta_")
    for index, (stage, problem) in enumerate(zip(stages, problems)):
        if index > 0:  # each later stage draws as a warm-started fit of its own would
            rng = np.random.default_rng(seed)
        fit.log_evidence, fit.n_residuals = None, 0  # (the last stage's, where it is "br")
        if stage.solver in ("ga", "cmaes"):
            result = _evolve(network, fit.theta, stage.solver, data, first_target, rng,
                             around_theta=start is not None or index > 0)
            fit.fitness_curve = result.fitness_curve
            fit.add_stage(f"{stage.solver}, {network.fitness} fitness", result.theta,
                          result.fitness_curve, [], (result.fitness_curve[-1]
                                                     if result.fitness_curve else np.inf),
                          None, result.n_generations, result.stopped_by)
            if result.stopped_by == "interrupted":
                break  # Ctrl-C ends the fit, not only this stage
            continue
        validation_score = (_focus_scorer(network, data, problem) if network.early_stopping
                            else None)
        if stage.solver in ("lm", "br"):
            least_squares = network._least_squares_problem(data, first_target, stage.closed)
            with single_threaded_blas():
                result = train_levenberg_marquardt(
                    least_squares.residuals_jacobian, least_squares.residuals, fit.theta,
                    max_iter=iterations(network.max_iter, stage.solver), tol=network.tol,
                    n_iter_no_change=network._patience(), alpha=network.alpha,
                    weight_mask=network._weight_mask(), validation_score=validation_score,
                    bayesian=stage.solver == "br", verbose=network.verbose)
            fit.alpha, fit.effective_params = result.alpha, result.effective_params
            fit.log_evidence, fit.n_residuals = result.log_evidence, result.n_residuals
        else:
            result = _train_gradient(network, stage.solver, fit.theta, problem, rng,
                                     validation_score)
        fit.add_stage(f"{stage.solver}, {'closed' if stage.closed else 'open'} loop",
                      result.theta, result.loss_curve, result.validation_scores,
                      result.best_loss,
                      result.best_validation_score if network.early_stopping else None,
                      result.n_iter, result.stopped_by)
        if result.stopped_by == "interrupted":
            break
    if network.early_stopping and len(fit.validation_scores) < len(fit.loss_curve):
        fit.validation_scores += [np.nan] * (len(fit.loss_curve) - len(fit.validation_scores))
    if select and not network.early_stopping and fit.stopped_by != "interrupted":
        fit.selection_score = _focus_scorer(network, data, problems[-1])(fit.theta)
    return fit


def _focus_scorer(network, data, problem):
    """What early stopping and restarts score on the validation tail (higher is better): the
    free run's R^2 with ``focus="simulation"``, the mean R^2 over ``validation_horizons``,
    else the R^2 at the stage's ``validation_horizon``."""
    if getattr(network, "focus", "prediction") == "simulation":  # (a TDNN has none)
        return _free_run_scorer(network, data)
    if network.validation_horizons is not None:
        return _leads_scorer(network, data, network.validation_horizons)
    return _validation_scorer(network, data, problem.validation_horizon)


def _free_run_scorer(network, data):
    """R^2 of a free-run simulation of the validation tail of every record that has one,
    each from the measured rows before its tail (how a simulation model is judged)."""
    tails = [(start, max(start, data.training_end), end) for start, end in data.records]
    runs = [(tail - 1, end - tail) for start, tail, end in tails
            if end > tail and tail - start >= network.max_delay_]
    if not runs:
        raise ValueError("`validation_fraction` leaves no record a validation tail to "
                         "simulate.")
    truths = [data.targets_t[:, origin + 1:origin + 1 + steps] for origin, steps in runs]
    truth = np.concatenate(truths, axis=1)
    total = np.sum((truth - truth.mean(axis=1, keepdims=True)) ** 2)

    def score(theta):
        errors = 0.0
        for (origin, steps), observed in zip(runs, truths):
            out = network._forecast_theta(theta, data.inputs_t, data.targets_t,
                                          np.array([origin], dtype=np.int64), steps,
                                          records=data.records)
            errors += np.sum((out[:, :, 0].T - observed) ** 2)
        return 1.0 - errors / total

    return score


def _train_gradient(network, solver, theta, problem, rng, validation_score):
    if solver == "adam":
        optimizer = Adam(theta.size, network.learning_rate_init, network.beta_1,
                         network.beta_2, network.epsilon)
    else:
        optimizer = SGD(theta.size, network.learning_rate_init, network.momentum,
                        network.nesterovs_momentum)
    batch_size = (max(1, 200 // problem.window) if network.batch_size == "auto"
                  else network.batch_size)
    with single_threaded_blas():
        return train_gradient(
            problem.loss_gradient, theta, problem.origins, window=problem.window,
            optimizer=optimizer,
            batch_size=batch_size, max_iter=iterations(network.max_iter, solver),
            tol=network.tol,
            n_iter_no_change=network._patience(), clip_norm=network.clip_norm,
            alpha=network.alpha, weight_mask=network._weight_mask(), rng=rng,
            validation_score=validation_score, verbose=network.verbose)


def _evolve(network, theta, method, data, first_target, rng, around_theta):
    """GA or CMA-ES on the free-run (``fitness="closed"``) or one-step-ahead loss of the
    training rows, a generation per parallel kernel call; the first generation is ``theta``
    and fresh initialisations (``around_theta``: ``theta`` plus noise). Returns the
    :class:`~narxcast.training.EvolutionResult`."""
    # one free run (or one-step pass) per record, from its own initial conditions
    parts = []
    for start, stop in data.records:
        stop = min(stop, data.training_end)
        if stop - start > first_target:
            loss = network._population_problem(
                np.ascontiguousarray(data.inputs_t[:, start:stop]),
                np.ascontiguousarray(data.targets_t[:, start:stop]), first_target,
                network.fitness == "closed")
            parts.append((loss, stop - start - first_target))
    total = sum(weight for _, weight in parts)
    chunk = chunk_size(network.population_size)

    def population_loss(thetas):
        thetas_t = np.ascontiguousarray(thetas.T)
        losses, part = np.zeros(thetas.shape[0]), np.empty(thetas.shape[0])
        for kernel_loss, weight in parts:  # the mean over every record's targets
            kernel_loss(thetas_t, chunk, part)
            losses += part * (weight / total)
        return losses

    initial = np.empty((network.population_size, theta.size))
    initial[0] = theta
    for k in range(1, network.population_size):
        initial[k] = (theta + rng.normal(scale=network.sigma, size=theta.size)
                      if around_theta else network._initial_theta(rng))
    return train_evolution(
        population_loss, initial, method=method, n_generations=network.n_generations,
        sigma=network.sigma, crossover_rate=network.crossover_rate,
        mutation_rate=network.mutation_rate, seed=int(rng.integers(np.iinfo(np.int32).max)),
        verbose=network.verbose)


def _leads_scorer(network, data, leads):
    """The mean over the lead times ``leads`` of the R^2 of the forecasts at that lead of
    every target of the validation tail, each made at its origin (closed loop over a horizon
    of the longest lead)."""
    leads = sorted({int(h) for h in leads})
    horizon, start, n = leads[-1], data.training_end, data.n_rows
    targets_t = data.targets_t
    first = max(network._first_origin(), start - horizon)
    origins = data.origins(first, n, network._first_origin(), 1)
    inputs_padded = _padded(data.inputs_t, horizon)
    targets_padded = _padded(targets_t, horizon)
    ends = data.record_ends(origins)
    scored = [(h, (origins + h >= start) & (origins + h < ends)) for h in leads]
    truths = [targets_t[:, origins[rows] + h] for h, rows in scored]
    totals = [np.sum((t - t.mean(axis=1, keepdims=True)) ** 2) for t in truths]

    def score(theta):
        out = network._forecast_theta(theta, inputs_padded, targets_padded, origins, horizon,
                                      records=data.records)
        return float(np.mean([1.0 - np.sum((out[h - 1][:, rows] - truth) ** 2) / total
                              for (h, rows), truth, total in zip(scored, truths, totals)]))

    return score


def _validation_scorer(network, data, horizon):
    """R^2 of ``horizon``-step forecasts from every ``horizon``-th origin of the validation
    tail (of each record), over the targets they reach in their record."""
    n = data.n_rows
    inputs_padded = _padded(data.inputs_t, horizon)
    targets_padded = _padded(data.targets_t, horizon)
    origins = data.origins(data.training_end - 1, n, network._first_origin(), 1, horizon)
    rows = origins[None, :] + np.arange(1, horizon + 1)[:, None]  # (horizon, n_origins)
    reached = rows < data.record_ends(origins)[None, :]
    truth = targets_padded[:, rows][:, reached]
    total = np.sum((truth - truth.mean(axis=1, keepdims=True)) ** 2)

    def score(theta):
        out = network._forecast_theta(theta, inputs_padded, targets_padded, origins, horizon,
                                      records=data.records)
        return 1.0 - np.sum((out.transpose(1, 0, 2)[:, reached] - truth) ** 2) / total

    return score


def _padded(array_t, steps):
    """A (rows, time) array with ``steps`` NaN columns after it, contiguous: forecasts from the
    last origins then read inside the array, and are NaN past its end."""
    return np.ascontiguousarray(np.hstack([array_t, np.full((array_t.shape[0], steps), np.nan)]))

