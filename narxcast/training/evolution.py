"""Evolution over a flat parameter vector: a genetic algorithm and CMA-ES (DEAP).

The trainer sees a model only through ``population_loss(thetas) -> losses`` (``thetas`` of
shape ``(n_individuals, n_params)``), which the models compute for a whole generation in one
parallel Numba call (:mod:`narxcast.kernels.population`), never one individual at a time.

The genetic algorithm is DEAP's ``eaMuPlusLambda`` with ``varOr`` variation, ``cxBlend``
crossover, ``mutGaussian`` mutation and ``selBest`` + ``selTournament`` selection, each
operator applied to the whole population at once as NumPy arrays (DEAP applies them one
individual and one gene at a time in Python, which took more of a generation than the
evaluation: ``benchmarks/NOTES.md``, 'a whole GA generation'); it draws from a
``numpy.random.Generator`` seeded by ``seed``. CMA-ES is DEAP's strategy (Hansen), which
draws from the global ``numpy.random`` generator: a run seeds it from ``seed`` and gives the
caller's state back afterwards; its draws and updates are DEAP's, on the population as one
array rather than as DEAP individuals. Either way a seed gives the same result, and DEAP is
imported on first use only.
"""

import contextlib
import random
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from .gradient import tell_listener

METHODS = ("ga", "cmaes")


@dataclass
class EvolutionResult:
    """What an evolution run leaves: the best parameters and the best loss per generation."""

    theta: np.ndarray
    fitness_curve: list = field(default_factory=list)
    mean_fitness_curve: list = field(default_factory=list)
    n_generations: int = 0
    n_evaluations: int = 0
    stopped_by: str = "n_generations"  # or "interrupted"


@contextlib.contextmanager
def _seeded_global_generators(seed):
    python_state, numpy_state = random.getstate(), np.random.get_state()
    random.seed(seed)
    np.random.seed(seed)
    try:
        yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)


def train_evolution(population_loss, initial, *, method="ga", n_generations=50, sigma=0.1,
                    crossover_rate=0.5, mutation_rate=0.3, gene_rate=0.1, n_elite=2,
                    tournament_size=3, seed=0, verbose=False):
    """Evolve parameter vectors; return an :class:`EvolutionResult` with the best one.

    Parameters
    ----------
    population_loss : callable
        ``thetas (n_individuals, n_params) -> losses (n_individuals,)``; non-finite losses
        count as infinitely bad.
    initial : ndarray of shape (population_size, n_params)
        The first generation (GA); CMA-ES starts its mean at ``initial[0]`` and samples
        ``population_size`` individuals per generation.
    method : {"ga", "cmaes"}
        ``"ga"``: (mu + lambda) evolution with ``population_size`` parents and as many
        offspring per generation, each made by blend crossover (``cxBlend``, alpha 0.5) with
        probability ``crossover_rate``, else Gaussian mutation (``mutGaussian``: each gene
        with probability ``gene_rate`` gets N(0, sigma^2)) with probability
        ``mutation_rate``, else copied; the next parents are the ``n_elite`` best of parents
        and offspring and tournaments of ``tournament_size`` among them for the rest.
        ``"cmaes"``: DEAP's CMA-ES (Hansen) with initial step size ``sigma``.
    n_generations : int
    sigma : float
        Mutation (GA) or initial step (CMA-ES) standard deviation, in θ's units.
    seed : int
    verbose : bool
        Print the best and mean loss of every generation.

    Examples
    --------
    >>> import numpy as np
    >>> def sphere(thetas):
    ...     return ((thetas - 1.0) ** 2).sum(axis=1)
    >>> start = np.random.default_rng(0).normal(size=(20, 3))
    >>> result = train_evolution(sphere, start, method="cmaes", n_generations=60, sigma=0.5)
    >>> bool(result.fitness_curve[-1] < 1e-6), result.theta.round(2)
    (True, array([1., 1., 1.]))
    """
    initial = np.asarray(initial, dtype=np.float64)
    result = EvolutionResult(theta=initial[0].copy())
    best = [np.inf]
    started = time.perf_counter()

    def evaluate(thetas):
        losses = np.asarray(population_loss(thetas), dtype=np.float64).copy()
        losses[~np.isfinite(losses)] = np.inf
        result.n_evaluations += len(thetas)
        k = int(np.argmin(losses)) if len(losses) else 0
        if len(losses) and losses[k] < best[0]:  # the hall of fame of one
            best[0] = losses[k]
            result.theta = thetas[k].copy()
        return losses

    def record(losses, generation):
        finite = losses[np.isfinite(losses)]
        mean = float(finite.mean()) if finite.size else np.inf
        result.fitness_curve.append(float(best[0]))
        result.mean_fitness_curve.append(mean)
        result.n_generations = generation
        tell_listener(generation, float(best[0]))
        if verbose:
            print(f"Generation {generation}, best loss = {best[0]:.8f}, mean loss = "
                  f"{mean:.8f} ({time.perf_counter() - started:.1f} s)")

    try:
        if method == "ga":
            _genetic_algorithm(evaluate, record, initial, n_generations, sigma, crossover_rate,
                               mutation_rate, gene_rate, n_elite, tournament_size,
                               np.random.default_rng(seed))
        elif method == "cmaes":
            _cma_es(evaluate, record, initial, n_generations, sigma, seed)
        else:
            raise ValueError(f"`method` must be one of {METHODS}. Got {method!r}.")
    except KeyboardInterrupt:
        result.stopped_by = "interrupted"
        warnings.warn(f"Evolution interrupted after {result.n_generations} generations; "
                      "the best parameters seen were kept.", RuntimeWarning, stacklevel=3)
    return result


def _genetic_algorithm(evaluate, record, population, n_generations, sigma, crossover_rate,
                       mutation_rate, gene_rate, n_elite, tournament_size, rng):
    """DEAP's (mu + lambda) generations (see :func:`train_evolution`), whole-population."""
    n, n_params = population.shape
    losses = evaluate(population)
    alpha = 0.5  # cxBlend's
    for generation in range(1, n_generations + 1):
        # varOr: each offspring is a crossover child, a mutant or a copy of a parent
        draw = rng.random(n)
        crossed = draw < crossover_rate
        mutated = ~crossed & (draw < crossover_rate + mutation_rate)
        copied = ~(crossed | mutated)
        offspring = np.empty_like(population)
        offspring_losses = np.empty(n)
        k = int(crossed.sum())
        first = rng.integers(n, size=k)  # two distinct parents (random.sample)
        second = rng.integers(n - 1, size=k)
        second += second >= first
        gamma = (1.0 + 2.0 * alpha) * rng.random((k, n_params)) - alpha
        offspring[crossed] = (1.0 - gamma) * population[first] + gamma * population[second]
        m = int(mutated.sum())
        genes = rng.random((m, n_params)) < gene_rate
        offspring[mutated] = population[rng.integers(n, size=m)] + genes * rng.normal(
            0.0, sigma, (m, n_params))
        parents = rng.integers(n, size=int(copied.sum()))
        offspring[copied] = population[parents]  # a copy keeps its parent's fitness
        offspring_losses[copied] = losses[parents]
        changed = ~copied
        if changed.any():
            offspring_losses[changed] = evaluate(offspring[changed])
        pool = np.concatenate([population, offspring])
        pool_losses = np.concatenate([losses, offspring_losses])
        # selBest(n_elite) + selTournament: stable, so ties keep the pool's order as DEAP's
        elite = np.argsort(pool_losses, kind="stable")[:n_elite]
        aspirants = rng.integers(2 * n, size=(n - n_elite, tournament_size))
        winners = aspirants[np.arange(n - n_elite), np.argmin(pool_losses[aspirants], axis=1)]
        chosen = np.concatenate([elite, winners])
        population, losses = pool[chosen], pool_losses[chosen]
        record(losses, generation)


def _cma_es(evaluate, record, initial, n_generations, sigma, seed):
    """DEAP's CMA-ES (``deap.cma.Strategy``) from ``initial[0]``, ``len(initial)``
    individuals a generation, on the whole population as one array: the draws of
    ``Strategy.generate`` (its arithmetic, the same global generator), and
    ``Strategy.update`` on the rows ranked by loss (a stable sort, as DEAP's sort by fitness),
    without wrapping each row in a DEAP individual (0.7 ms of a 12 ms generation)."""
    from deap import cma

    with _seeded_global_generators(seed):
        strategy = cma.Strategy(centroid=initial[0], sigma=sigma, lambda_=len(initial))
        for generation in range(1, n_generations + 1):
            draws = np.random.standard_normal((strategy.lambda_, strategy.dim))
            population = strategy.centroid + strategy.sigma * np.dot(draws, strategy.BD.T)
            losses = evaluate(population)
            strategy.update(_Ranked(population[np.argsort(losses, kind="stable")]))
            record(losses, generation)


class _Ranked(list):
    """A population's rows best first, handed to ``deap.cma.Strategy.update``, whose first
    step sorts its population by fitness, best first, keeping ties in order: these are in
    that order already, so the sort leaves them as they are."""

    def sort(self, *, key=None, reverse=False):
        pass
