"""Optimisers over a flat parameter vector θ; they know nothing of the models."""

from .gradient import SGD, Adam, TrainingResult, train_gradient

__all__ = ["Adam", "SGD", "TrainingResult", "train_gradient"]
