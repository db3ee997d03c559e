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
Where it ends, :func:`log_evidence` is the fit's log evidence (the Gaussian approximation of
the posterior around it), by which restarts of one network are compared (MacKay 1992).

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
        ``effective_params`` (``gamma`` plus the unpenalised parameters) say where it settled,
        ``log_evidence`` (:func:`log_evidence`) how probable the data are under it.
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
    if bayesian and result.stopped_by not in ("diverged", "interrupted"):
        r, jacobian = residuals_jacobian(theta)  # (where it ends, or early stopping's best)
        result.log_evidence = log_evidence(jacobian @ jacobian.T, r, theta, weight_mask)
        result.n_residuals = r.size
    return result


def log_evidence(hessian, r, theta, weight_mask, precisions=None):
    """The log evidence ``ln p(D)`` of a fit at ``theta`` (MacKay 1992, eq. 2.21): residuals
    ``r`` Gaussian of precision ``beta``, the weights (``weight_mask``) of prior precision
    ``a``, the unpenalised parameters of a flat prior, the posterior approximated by a
    Gaussian of the Gauss–Newton Hessian (``hessian`` = ``J J^T``) around ``theta``; exact for
    a model linear in its parameters at their most probable values. ``precisions``: ``(a,
    beta)``; None re-estimates them at ``theta`` until they agree with the effective number of
    parameters they give (the fixed point of Bayesian regularisation's re-estimation). None
    where the evidence is undefined (every residual zero, or every weight, or a Hessian that
    is not positive definite).

    The evidence trades the fit against the volume of parameters it needs: of several
    minima of one network, the most probable one is that of the greatest evidence.

    Examples
    --------
    A straight line through noisy points is more probable than a constant:

    >>> import numpy as np
    >>> x = np.linspace(-1, 1, 40)
    >>> y = 0.5 * x + 0.1 * np.sin(17 * x)
    >>> def evidence(design):
    ...     theta = np.linalg.lstsq(design, y, rcond=None)[0]
    ...     mask = np.r_[np.zeros(1), np.ones(design.shape[1] - 1)]
    ...     return log_evidence(design.T @ design, design @ theta - y, theta, mask)
    >>> line = np.column_stack([np.ones_like(x), x])
    >>> bool(evidence(line) > evidence(line[:, :1]))
    True
    """
    mask = weight_mask > 0
    n_weights, n_residuals, n_params = int(mask.sum()), r.size, theta.size
    data_error = 0.5 * float(np.dot(r, r))
    weight_error = 0.5 * float(np.sum(theta[mask] ** 2))
    if data_error == 0.0 or (n_weights and weight_error == 0.0):
        return None
    try:
        if precisions is None:
            determined = _evidence_determined(hessian, r, theta, weight_mask)
            noise = (n_residuals - determined) / (2.0 * data_error)
            prior = determined / (2.0 * weight_error) if n_weights else 0.0
        else:
            prior, noise = precisions
        factor, _ = _factor(noise * hessian + prior * np.diag(weight_mask))
    except LinAlgError:
        return None
    with np.errstate(divide="ignore", invalid="ignore"):  # (a precision not positive: None)
        log_det = 2.0 * float(np.sum(np.log(np.diag(factor))))
        value = (-noise * data_error - prior * weight_error - 0.5 * log_det
                 + 0.5 * n_weights * (np.log(prior) if n_weights else 0.0)
                 + 0.5 * n_residuals * np.log(noise)
                 + 0.5 * (n_params - n_weights - n_residuals) * np.log(2.0 * np.pi))
    return float(value) if np.isfinite(value) else None


def _evidence_determined(hessian, r, theta, weight_mask):
    """The number of weights the data determine at ``theta`` where Bayesian regularisation's
    re-estimation (:func:`_evidence_alpha`, from ``trainbr``'s start) comes to rest."""
    alpha, n_unpenalised = 0.0, theta.size - int(np.sum(weight_mask > 0))
    for _ in range(100):
        updated, effective = _evidence_alpha(hessian, r, theta, alpha, weight_mask)
        if effective is None:
            raise LinAlgError("the regularised Hessian is singular")
        if abs(updated - alpha) <= 1e-9 * updated:
            break
        alpha = updated
    return effective - n_unpenalised


def _determined(hessian, alpha, weight_mask):
    """The number of weights the data determine, ``gamma = k - alpha tr(A^-1 M)`` with ``A =
    hessian + alpha M``; LinAlgError where ``A`` is singular even with a jitter."""
    mask = weight_mask > 0
    inverse = cho_solve(_factor(hessian + np.diag(alpha * weight_mask)),
                        np.eye(hessian.shape[0]))
    return int(mask.sum()) - alpha * np.trace(inverse[np.ix_(mask, mask)])


def _factor(matrix):
    """Cholesky factor of a symmetric ``matrix`` meant to be positive definite, with a
    relative jitter of 1e-10 on its diagonal where it is singular (rounding, or an
    unpenalised direction the data do not determine)."""
    try:
        return cho_factor(matrix)
    except LinAlgError:
        jitter = 1e-10 * np.trace(matrix) / matrix.shape[0]
        return cho_factor(matrix + jitter * np.eye(matrix.shape[0]))


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
        try:
            determined = _determined(hessian, alpha, weight_mask)
        except LinAlgError:
            return alpha, None
    weights_norm = float(np.sum(theta[mask] ** 2))
    effective = float(determined + theta.size - n_weights)
    if not (0 < determined < n_residuals) or weights_norm == 0.0:
        return alpha, effective
    return float(determined * np.dot(r, r) / ((n_residuals - determined) * weights_norm)), \
        effective
