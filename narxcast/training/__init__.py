"""Optimisers over a flat parameter vector θ, which know nothing of the models, and the stage
loop of a fit (:mod:`.stages`), which hands a network's problems to them."""

from .evolution import EvolutionResult, train_evolution
from .gradient import SGD, Adam, TrainingResult, train_gradient
from .levenberg_marquardt import train_levenberg_marquardt

__all__ = ["Adam", "EvolutionResult", "SGD", "TrainingResult", "train_evolution",
           "train_gradient", "train_levenberg_marquardt"]
