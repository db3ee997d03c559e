"""Evolution over a flat parameter vector with DEAP: a genetic algorithm and CMA-ES.

The trainer sees a model only through ``population_loss(thetas) -> losses`` (``thetas`` of
shape ``(n_individuals, n_params)``), which the models compute for a whole generation in one
parallel Numba call (:mod:`narxcast.kernels.population`): DEAP supplies the variation,
selection, hall of fame and CMA-ES strategy, and never evaluates individuals one at a time.

DEAP draws from the global ``random`` and ``numpy.random`` generators; a run seeds both from
its ``seed`` and gives the caller's states back afterwards, so results are reproducible and
the user's generators are left as they were. DEAP is imported on first use only.
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


def _individual_class():
    """DEAP's minimising fitness and an ndarray individual, created once per process."""
    from deap import base, creator

    if not hasattr(creator, "NarxcastIndividual"):
        creator.create("NarxcastFitness", base.Fitness, weights=(-1.0,))
        creator.create("NarxcastIndividual", np.ndarray, fitness=creator.NarxcastFitness)
    return creator.NarxcastIndividual


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
    from deap import algorithms, base, cma, tools

    Individual = _individual_class()
    initial = np.asarray(initial, dtype=np.float64)
    result = EvolutionResult(theta=initial[0].copy())
    hall_of_fame = tools.HallOfFame(1, similar=np.array_equal)

    def evaluate(individuals):
        if not individuals:
            return
        losses = population_loss(np.array(individuals))
        losses[~np.isfinite(losses)] = np.inf
        for individual, loss in zip(individuals, losses):
            individual.fitness.values = (float(loss),)
        result.n_evaluations += len(individuals)

    def record(population, generation):
        hall_of_fame.update(population)
        best = hall_of_fame[0].fitness.values[0]
        losses = np.array([ind.fitness.values[0] for ind in population])
        mean = float(np.mean(losses[np.isfinite(losses)])) if np.isfinite(losses).any() else np.inf
        result.fitness_curve.append(best)
        result.mean_fitness_curve.append(mean)
        result.n_generations = generation
        tell_listener(generation, best)
        if verbose:
            print(f"Generation {generation}, best loss = {best:.8f}, mean loss = {mean:.8f} "
                  f"({time.perf_counter() - started:.1f} s)")

    started = time.perf_counter()
    with _seeded_global_generators(seed):
        try:
            if method == "ga":
                toolbox = base.Toolbox()
                toolbox.register("mate", tools.cxBlend, alpha=0.5)
                toolbox.register("mutate", tools.mutGaussian, mu=0.0, sigma=sigma,
                                 indpb=gene_rate)
                population = [Individual(theta) for theta in initial]
                evaluate(population)
                hall_of_fame.update(population)
                for generation in range(1, n_generations + 1):
                    offspring = algorithms.varOr(population, toolbox, len(population),
                                                 crossover_rate, mutation_rate)
                    evaluate([ind for ind in offspring if not ind.fitness.valid])
                    pool = population + offspring
                    population = (tools.selBest(pool, n_elite) + tools.selTournament(
                        pool, len(population) - n_elite, tournsize=tournament_size))
                    record(population, generation)
            elif method == "cmaes":
                strategy = cma.Strategy(centroid=initial[0], sigma=sigma,
                                        lambda_=len(initial))
                for generation in range(1, n_generations + 1):
                    population = strategy.generate(Individual)
                    evaluate(population)
                    strategy.update(population)
                    record(population, generation)
            else:
                raise ValueError(f"`method` must be one of {METHODS}. Got {method!r}.")
        except KeyboardInterrupt:
            result.stopped_by = "interrupted"
            warnings.warn(f"Evolution interrupted after {result.n_generations} generations; "
                          "the best parameters seen were kept.", RuntimeWarning, stacklevel=3)
    if len(hall_of_fame):
        result.theta = np.array(hall_of_fame[0], dtype=np.float64)
    return result
