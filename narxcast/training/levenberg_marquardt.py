"""Levenberg–Marquardt over a flat parameter vector, in the role of MATLAB's ``trainlm``.

The trainer sees a model only through ``residuals_jacobian(theta) -> (r, J)`` (residuals
``r`` of shape ``(m,)`` and their Jacobian ``J`` of shape ``(n_params, m)``, residuals
innermost as the kernels write it) and ``residuals(theta) -> r``. It minimises the trainers'
common loss ``(||r||^2 / 2 + alpha / 2 ||M theta||^2) / m`` (``M``: the weight mask) with
the damped Gauss–Newton step ``(J J^T + alpha M + mu I) d = -(J r + alpha M theta)``: a step
that lowers the loss is taken and ``mu`` shrinks by ``mu_dec``; one that does not is
retried with ``mu`` grown by ``mu_inc``, and training stops when ``mu`` passes ``mu_max``.

With ``bayesian`` the penalty is not given but re-estimated from the data after every step,
as MATLAB's ``trainbr`` (MacKay 1992; Foresee & Hagan 1997): with the Gauss–Newton Hessian
``A = J J^T + alpha M``, the number of weights the data determine is
``gamma = k - alpha tr(A^-1 M)`` (``k`` penalised weights), and the evidence is greatest
for ``alpha = gamma ||r||^2 / ((m - gamma) ||M theta||^2)``, the ratio of the prior's and
the noise's precision. Training starts unpenalised (``trainbr``'s first ``alpha = 0``).

Written here rather than taken from ``scipy.optimize.least_squares(method="lm")`` (MINPACK)
because MINPACK offers no per-iteration hook: no validation-based stopping, loss curve,
progress or Ctrl-C that keeps the best parameters.
"""

import time

import numpy as np
from scipy.linalg import LinAlgError, cho_factor, cho_solve, solve

from .gradient import Patience, TrainingResult, record_iteration, warn_unless_converged


def train_levenberg_marquardt(residuals_jacobian, residuals, theta, *, max_iter, tol,
                              n_iter_no_change, alpha, weight_mask, validation_score=None,
                              mu=1e-3, mu_dec=0.1, mu_inc=10.0, mu_max=1e10, min_grad=1e-7,
                              bayesian=False, verbose=False):
    """Train ``theta`` by Levenberg–Marquardt; return a :class:`TrainingResult`.

    Parameters
    ----------
    residuals_jacobian : callable
        ``theta -> (r, J)``, ``J[k, i] = d r[i] / d theta[k]``.
    residuals : callable
        ``theta -> r`` (the trial steps need no Jacobian).
    theta : ndarray
        Initial parameters (not modified).
    max_iter, tol, n_iter_no_change
        Iteration budget and the stopping rule of the gradient trainers: stop when the loss
        (or, with ``validation_score``, the validation error) has not improved by the
        fraction ``tol`` of itself for ``n_iter_no_change`` iterations (with validation, the
        role of ``trainlm``'s ``max_fail``).
    alpha, weight_mask
        L2 penalty on the entries where ``weight_mask`` (with ``bayesian``: ignored, it is
        estimated).
    validation_score : callable, optional
        ``theta -> float`` (higher is better): early stopping, keeping the best parameters
        (``trainlm``'s validation checks).
    mu, mu_dec, mu_inc, mu_max : float
        The damping and its schedule (``trainlm``'s defaults); no step lowers the loss once
        ``mu`` passes ``mu_max``: converged.
    min_grad : float
        Converged when the Euclidean norm of the loss's gradient falls below this
        (``trainlm``'s ``min_grad``; the loss is per residual, so the rule is scale-free for
        standardised targets).
    bayesian : bool
        Bayesian regularisation (see the module); the result's ``alpha`` and
        ``effective_params`` (``gamma`` plus the unpenalised parameters) say where it settled.
    verbose : bool

    Examples
    --------
    Fit ``y = a exp(b x)``:

    >>> import numpy as np
    >>> x = np.linspace(0, 1, 50)
    >>> y = 2.0 * np.exp(-1.5 * x)
    >>> def residuals(theta):
    ...     return theta[0] * np.exp(theta[1] * x) - y
    >>> def residuals_jacobian(theta):
    ...     e = np.exp(theta[1] * x)
    ...     return residuals(theta), np.stack([e, theta[0] * x * e])
    >>> result = train_levenberg_marquardt(
    ...     residuals_jacobian, residuals, np.array([1.0, 0.0]), max_iter=50, tol=0.0,
    ...     n_iter_no_change=5, alpha=0.0, weight_mask=np.zeros(2))
    >>> result.theta.round(6)
    array([ 2. , -1.5])
    """
    theta = np.array(theta, dtype=np.float64)
    result = TrainingResult(theta=theta)
    if bayesian:
        alpha = 0.0
    penalty = alpha * weight_mask

    def objective(r, candidate):
        return 0.5 * (np.dot(r, r) + np.dot(penalty * candidate, candidate)) / r.size

    best_theta = theta.copy()
    patience = Patience(n_iter_no_change)
    early_stopping = validation_score is not None
    started = time.perf_counter()
    try:
        r, jacobian = residuals_jacobian(theta)
        loss = result.best_loss = objective(r, theta)
        for _ in range(max_iter):
            if not np.isfinite(loss) or not np.all(np.isfinite(jacobian)):
                raise FloatingPointError
            hessian = jacobian @ jacobian.T
            if bayesian and result.n_iter:  # after each step: the evidence's penalty
                alpha, result.effective_params = _evidence_alpha(hessian, r, theta, alpha,
                                                                 weight_mask)
                result.alpha, penalty = alpha, alpha * weight_mask
                loss = objective(r, theta)
            hessian[np.diag_indices_from(hessian)] += penalty
            gradient = jacobian @ r + penalty * theta
            if np.linalg.norm(gradient) / r.size < min_grad:
                result.stopped_by = "converged"
                if verbose:
                    print(f"Stopped: gradient norm below min_grad={min_grad:g}.")
                break
            while mu <= mu_max:
                damped = hessian.copy()
                damped[np.diag_indices_from(damped)] += mu
                try:
                    step = solve(damped, -gradient, assume_a="pos")
                except LinAlgError:
                    mu *= mu_inc
                    continue
                candidate = theta + step
                trial = objective(residuals(candidate), candidate)
                if trial < loss:
                    mu *= mu_dec
                    break
                mu *= mu_inc
            if mu > mu_max:
                result.stopped_by = "converged"
                if verbose:
                    print(f"Stopped: no step lowers the loss (mu > mu_max={mu_max:g}).")
                break
            theta[:] = candidate
            r, jacobian = residuals_jacobian(theta)
            loss = objective(r, theta)  # below the best: only steps that lower it are taken
            improved, message = record_iteration(result, theta, best_theta, loss,
                                                 validation_score, tol)
            if verbose:
                print(f"{message}, mu = {mu:.1e} ({time.perf_counter() - started:.1f} s)")
            if patience.exhausted(improved):
                result.stopped_by = "converged"
                break
    except FloatingPointError:
        result.stopped_by = "diverged"
    except KeyboardInterrupt:
        result.stopped_by = "interrupted"
    warn_unless_converged(result, "iterations",
                          "Levenberg-Marquardt met a non-finite loss or Jacobian; the best "
                          "parameters seen were kept.")
    if early_stopping:
        theta[:] = best_theta
    return result


def _evidence_alpha(hessian, r, theta, alpha, weight_mask):
    """The penalty that maximises the evidence after a step (MacKay's re-estimation), from
    the Gauss–Newton ``hessian`` (``J J^T``) at ``theta`` and the penalty ``alpha`` it was
    taken with; and the effective number of parameters. Keeps ``alpha`` where the estimate
    is undefined (a singular Hessian, no weights, every residual explained)."""
    mask = weight_mask > 0
    n_weights, n_residuals = int(mask.sum()), r.size
    if alpha == 0.0:  # the first step's: every weight is determined (trainbr's start)
        determined = float(n_weights)
    else:
        regularised = hessian + np.diag(alpha * weight_mask)
        try:
            inverse = cho_solve(cho_factor(regularised), np.eye(theta.size))
        except LinAlgError:  # an unpenalised direction the data do not determine: a jitter
            jitter = 1e-10 * np.trace(regularised) / theta.size
            try:
                inverse = cho_solve(cho_factor(regularised + jitter * np.eye(theta.size)),
                                    np.eye(theta.size))
            except LinAlgError:
                return alpha, None
        determined = n_weights - alpha * np.trace(inverse[np.ix_(mask, mask)])
    weights_norm = float(np.sum(theta[mask] ** 2))
    effective = float(determined + theta.size - n_weights)
    if not (0 < determined < n_residuals) or weights_norm == 0.0:
        return alpha, effective
    return float(determined * np.dot(r, r) / ((n_residuals - determined) * weights_norm)), \
        effective
