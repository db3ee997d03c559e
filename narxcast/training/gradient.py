"""Mini-batch gradient training (Adam, SGD with momentum) over a flat parameter vector.

The trainer sees a model only through ``loss_gradient(theta, origins, grad) -> loss``, the
windows it may draw (``origins``), and an optional ``validation_score(theta)``; so every
model whose kernels give a loss and its gradient trains with the same code.
"""

import contextvars
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..kernels.optimizers import adam_step, sgd_step

# An epoch whose loss is this many times the best loss seen (the initial parameters' included)
# has diverged: training stops and the best parameters are restored. Adam's noise moves an
# epoch's loss by a few times at most; a run-away grows it by orders of magnitude (1.1 to
# 1e176 in the case that led here).
DIVERGENCE_RATIO = 1e3


# Told ``(iteration, loss)`` after every epoch, LM iteration or generation of the trainers run
# in this context, so that a caller can show a long fit's progress (the command line's bar
# does); None: nobody listens.
ITERATION_LISTENER = contextvars.ContextVar("narxcast_iteration_listener", default=None)


def tell_listener(iteration, loss):
    """Pass one iteration's loss to the :data:`ITERATION_LISTENER` of this context, if any."""
    listener = ITERATION_LISTENER.get()
    if listener is not None:
        listener(iteration, loss)


class SGD:
    """Stochastic gradient descent with (Nesterov) momentum, as scikit-learn's MLP.

    ``velocity <- momentum * velocity - learning_rate * grad``; the step is the velocity, or
    ``momentum * velocity - learning_rate * grad`` with Nesterov's momentum.

    Examples
    --------
    >>> import numpy as np
    >>> theta = np.zeros(2)
    >>> SGD(2, learning_rate_init=0.1, momentum=0.5, nesterovs_momentum=False).step(
    ...     theta, np.array([1.0, -2.0]), np.zeros(2), 0.0, np.inf)
    0.0
    >>> theta
    array([-0.1,  0.2])
    """

    def __init__(self, n_params, learning_rate_init=0.001, momentum=0.9, nesterovs_momentum=True):
        self.learning_rate = learning_rate_init
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.velocity = np.zeros(n_params)

    def step(self, theta, grad, weight_mask, alpha, clip_norm):
        """Update ``theta`` in place from ``grad`` plus the gradient of the L2 penalty
        ``alpha / 2 * ||theta[weight_mask]||^2`` (``weight_mask``: floats, 1 where penalised;
        ``grad`` becomes that sum), rescaled to norm ``clip_norm`` when longer (``inf``:
        never); return the penalty (NaN, and no step, when ``grad`` is not finite)."""
        return sgd_step(theta, grad, weight_mask, alpha, clip_norm, self.velocity,
                        self.learning_rate, self.momentum, self.nesterovs_momentum)


class Adam:
    """Adam (Kingma & Ba, 2014) with scikit-learn's bias correction folded into the rate.

    Examples
    --------
    >>> import numpy as np
    >>> theta = np.zeros(2)
    >>> Adam(2, learning_rate_init=0.01).step(theta, np.array([3.0, -0.5]), np.zeros(2), 0.0,
    ...                                       np.inf)
    0.0
    >>> theta.round(6)          # the first step moves each entry by the learning rate
    array([-0.01,  0.01])
    """

    def __init__(self, n_params, learning_rate_init=0.001, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-8):
        self.learning_rate_init = learning_rate_init
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.t = 0
        self.first_moment = np.zeros(n_params)
        self.second_moment = np.zeros(n_params)

    def step(self, theta, grad, weight_mask, alpha, clip_norm):
        """:meth:`SGD.step`'s penalty and clipping, then Adam's step."""
        self.t += 1
        rate = (self.learning_rate_init * np.sqrt(1 - self.beta_2**self.t)
                / (1 - self.beta_1**self.t))
        return adam_step(theta, grad, weight_mask, alpha, clip_norm, self.first_moment,
                         self.second_moment, self.beta_1, self.beta_2, self.epsilon, rate)


@dataclass
class TrainingResult:
    """What a training run leaves: the parameters kept and its history."""

    theta: np.ndarray
    loss_curve: list = field(default_factory=list)
    validation_scores: list = field(default_factory=list)
    best_loss: float = np.inf
    best_validation_score: float = -np.inf
    n_iter: int = 0
    stopped_by: str = "max_iter"  # "max_iter", "converged", "diverged" or "interrupted"
    alpha: float = None  # Bayesian regularisation: the penalty it settled on
    effective_params: float = None  # ... and the parameters the data determine
    log_evidence: float = None  # ... and the log evidence where it ended
    n_residuals: int = 0  # ... of that many residuals


def record_iteration(result, theta, best_theta, loss, validation_score, tol,
                     initial_loss=np.inf):
    """Log one epoch or iteration in ``result`` (its loss and, with ``validation_score``, the
    score of ``theta``) and keep the best parameters so far in ``best_theta`` (which holds
    the initial ones, of loss ``initial_loss``, until an iteration does better). Returns
    whether it improved on the best by more than the fraction ``tol`` (of the loss, or of the
    validation error ``1 - score``: scale-free, unlike scikit-learn's absolute ``tol``, so
    that a good fit's small loss does not stop it early), and the progress message."""
    result.n_iter += 1
    result.loss_curve.append(loss)
    tell_listener(result.n_iter, loss)
    message = f"Iteration {result.n_iter}, loss = {loss:.8f}"
    if validation_score is not None:
        score = validation_score(theta)
        result.validation_scores.append(score)
        message += f", validation score = {score:.6f}"
        improved = 1.0 - score < (1.0 - result.best_validation_score) * (1.0 - tol)
        if score > result.best_validation_score:
            result.best_validation_score = score
            best_theta[:] = theta
    else:
        improved = loss < result.best_loss * (1.0 - tol)
        if loss < min(result.best_loss, initial_loss):
            best_theta[:] = theta
    result.best_loss = min(result.best_loss, loss)
    return improved, message


class Patience:
    """scikit-learn's stopping rule: stop once more than ``n_iter_no_change`` iterations in a
    row have not improved.

    Examples
    --------
    >>> patience = Patience(1)
    >>> [patience.exhausted(improved) for improved in (False, True, False, False)]
    [False, False, False, True]
    """

    def __init__(self, n_iter_no_change):
        self.n_iter_no_change = n_iter_no_change
        self.without_improvement = 0

    def exhausted(self, improved):
        """Count an iteration; whether the rule says stop."""
        self.without_improvement = 0 if improved else self.without_improvement + 1
        return self.without_improvement > self.n_iter_no_change


def user_stacklevel():
    """The ``stacklevel`` that makes a warning raised by its caller point at the user's line:
    the first frame outside narxcast and scikit-learn (whose wrappers ``fit`` passes through),
    not at library source a user cannot act on."""
    import sklearn

    library = (str(Path(__file__).parents[1]), str(Path(sklearn.__file__).parent))
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(library):
        frame, level = frame.f_back, level + 1
    return level


def warn_unless_converged(result, unit, divergence):
    """Warn of a run that stopped because it diverged (``divergence``, the message) or was
    interrupted (after so many ``unit``). Running out of iterations is the caller's to report
    (``result.stopped_by == "max_iter"``): it knows the settings that would change it."""
    if result.stopped_by == "diverged":
        warnings.warn(divergence, RuntimeWarning, stacklevel=user_stacklevel())
    elif result.stopped_by == "interrupted":
        warnings.warn(f"Training interrupted after {result.n_iter} {unit}; the best "
                      "parameters seen were kept.", RuntimeWarning,
                      stacklevel=user_stacklevel())


def _epoch_windows(origins, window, rng):
    """Non-overlapping windows with a random phase, shuffled: every step once per epoch."""
    phase = rng.integers(min(window, origins.size))
    chosen = origins[phase::window]
    return chosen[rng.permutation(chosen.size)]


def _sorted_batches(windows, batch_size):
    """The epoch's mini-batches of ``windows`` in turn, each sorted (the kernels then read the
    series forwards), sorted in one call rather than one a mini-batch."""
    n_full = windows.size - windows.size % batch_size
    yield from np.sort(windows[:n_full].reshape(-1, batch_size), axis=1)
    if n_full < windows.size:
        yield np.sort(windows[n_full:])


def train_gradient(loss_gradient, theta, origins, *, window, optimizer, batch_size, max_iter,
                   tol, n_iter_no_change, clip_norm, alpha, weight_mask, rng,
                   validation_score=None, verbose=False):
    """Train ``theta`` by mini-batches of windows; return a :class:`TrainingResult`.

    Parameters
    ----------
    loss_gradient : callable
        ``loss_gradient(theta, origins, grad) -> loss``: mean loss over the windows that
        start at ``origins``; their gradient is written into ``grad``.
    theta : ndarray
        Initial parameters (not modified).
    origins : ndarray of int
        Every admissible window origin, in time order; an epoch uses every ``window``-th one
        from a random phase, so each step is scored once.
    window : int
        Steps per window (``bptt_steps``).
    optimizer : Adam or SGD
    batch_size : int
        Windows per mini-batch.
    max_iter, tol, n_iter_no_change
        Epoch budget and stopping rule as in scikit-learn's MLP: stop when the training loss
        (or, with ``validation_score``, the validation score) has not improved by ``tol`` for
        ``n_iter_no_change`` epochs.
    clip_norm : float or None
        Rescale the gradient of a mini-batch to this Euclidean norm when it is larger.
    alpha : float
        L2 penalty ``alpha / 2 * ||W||^2 / n_samples`` over the entries where ``weight_mask``.
    rng : numpy.random.Generator
    validation_score : callable, optional
        ``validation_score(theta) -> float`` (higher is better); enables early stopping and
        keeps the parameters of the best validation score.
    verbose : bool

    Divergence (a non-finite loss or gradient, or an epoch's loss ``DIVERGENCE_RATIO`` times
    the best seen) restores the best parameters seen, the initial ones included (their loss
    estimated by the first mini-batch), warns and stops; so does Ctrl-C
    (``KeyboardInterrupt``), which leaves a usable result.
    """
    theta = np.array(theta, dtype=np.float64)
    grad = np.empty_like(theta)
    weight_mask = np.asarray(weight_mask, dtype=np.float64)
    result = TrainingResult(theta=theta)
    best_theta = theta.copy()
    patience = Patience(n_iter_no_change)
    early_stopping = validation_score is not None
    initial_loss = np.inf  # of the initial parameters: the first mini-batch's
    divergence = "non-finite loss"
    started = time.perf_counter()
    try:
        for _ in range(max_iter):
            windows = _epoch_windows(origins, window, rng)
            total = 0.0
            for batch in _sorted_batches(windows, batch_size):
                loss = loss_gradient(theta, batch, grad)
                loss += optimizer.step(theta, grad, weight_mask, alpha / (batch.size * window),
                                       np.inf if clip_norm is None else clip_norm)
                if not np.isfinite(loss):  # (theta is restored below)
                    raise FloatingPointError
                if initial_loss == np.inf:
                    initial_loss = loss
                total += loss * batch.size
            epoch_loss = total / windows.size
            if not np.isfinite(epoch_loss):
                raise FloatingPointError
            # (a best loss a millionth of the initial one or below counts as that millionth:
            # jitter about a near-perfect fit is not divergence)
            best = max(min(result.best_loss, initial_loss), 1e-6 * initial_loss)
            if epoch_loss > DIVERGENCE_RATIO * best:
                divergence = f"loss {epoch_loss:.3g}, {epoch_loss / best:.3g} times its best"
                raise FloatingPointError
            improved, message = record_iteration(result, theta, best_theta, epoch_loss,
                                                 validation_score, tol, initial_loss)
            if verbose:
                print(f"{message} ({time.perf_counter() - started:.1f} s)")
            if patience.exhausted(improved):
                result.stopped_by = "converged"
                if verbose:
                    print(f"Stopped: no improvement of more than tol={tol} for "
                          f"{n_iter_no_change} consecutive epochs.")
                break
    except FloatingPointError:
        result.stopped_by = "diverged"
    except KeyboardInterrupt:
        result.stopped_by = "interrupted"
    warn_unless_converged(
        result, "epochs",
        f"Training diverged ({divergence}) in epoch {result.n_iter + 1}; the best parameters "
        "seen were restored. Lower `learning_rate_init` or `clip_norm`.")
    if early_stopping or result.stopped_by in ("diverged", "interrupted"):
        theta[:] = best_theta
    return result
