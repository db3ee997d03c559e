"""Optimiser steps against their closed forms; the trainer on problems with known answers."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from narxcast.training import SGD, Adam, train_gradient


def test_adam_steps_match_closed_form(rng):
    theta = rng.normal(size=5)
    grads = rng.normal(size=(3, 5))
    optimizer = Adam(5, learning_rate_init=0.01, beta_1=0.8, beta_2=0.95, epsilon=1e-6)
    expected = theta.copy()
    m = np.zeros(5)
    v = np.zeros(5)
    for t, g in enumerate(grads, start=1):
        assert optimizer.step(theta, g, np.zeros(theta.size), 0.0, np.inf) == 0.0
        m = 0.8 * m + 0.2 * g
        v = 0.95 * v + 0.05 * g * g
        m_hat, v_hat = m / (1 - 0.8**t), v / (1 - 0.95**t)
        # Kingma & Ba's form with epsilon scaled as scikit-learn folds the correction
        expected -= 0.01 * m_hat / (np.sqrt(v_hat) + 1e-6 / np.sqrt(1 - 0.95**t))
        np.testing.assert_allclose(theta, expected, rtol=1e-12)


@pytest.mark.parametrize("optimizer", [Adam(3), SGD(3)])
def test_step_penalises_clips_and_refuses_a_non_finite_gradient(optimizer):
    theta = np.array([1.0, -2.0, 3.0])
    grad = np.array([0.0, 30.0, 40.0])
    penalty = optimizer.step(theta.copy(), grad, np.array([1.0, 1.0, 0.0]), 0.5, 10.0)
    assert penalty == pytest.approx(0.25 * (1.0 + 4.0))  # alpha / 2 * the weights' squares
    np.testing.assert_allclose(grad, np.array([0.5, 29.0, 40.0]) * 10.0 / np.sqrt(
        0.25 + 29.0**2 + 40.0**2))  # penalty's gradient added, then clipped to norm 10
    before = theta.copy()
    assert np.isnan(optimizer.step(theta, np.array([0.0, np.nan, 1.0]), np.ones(3), 0.5, 10.0))
    np.testing.assert_array_equal(theta, before)  # no step


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_momentum_steps_match_closed_form(rng, nesterov):
    theta = rng.normal(size=4)
    grads = rng.normal(size=(3, 4))
    optimizer = SGD(4, learning_rate_init=0.1, momentum=0.5, nesterovs_momentum=nesterov)
    expected = theta.copy()
    velocity = np.zeros(4)
    for g in grads:
        assert optimizer.step(theta, g, np.zeros(theta.size), 0.0, np.inf) == 0.0
        velocity = 0.5 * velocity - 0.1 * g
        expected += (0.5 * velocity - 0.1 * g) if nesterov else velocity
        np.testing.assert_allclose(theta, expected, rtol=1e-12)


def _least_squares(rng, n=240, window=6):
    """Windows of a linear regression problem: loss and gradient written out by hand."""
    A = rng.normal(size=(n, 3))
    truth = np.array([1.0, -2.0, 0.5])
    b = A @ truth

    def loss_gradient(theta, origins, grad):
        rows = (origins[:, None] + 1 + np.arange(window)).ravel()
        residual = A[rows] @ theta - b[rows]
        grad[:] = A[rows].T @ residual / rows.size
        return 0.5 * np.mean(residual**2)

    return loss_gradient, np.arange(-1, n - window), truth


def _train(loss_gradient, origins, rng, **kwargs):
    options = dict(window=6, optimizer=Adam(3, 0.05), batch_size=4, max_iter=300, tol=1e-10,
                   n_iter_no_change=10, clip_norm=None, alpha=0.0, weight_mask=np.ones(3),
                   rng=rng)
    options.update(kwargs)
    return train_gradient(loss_gradient, np.zeros(3), origins, **options)


def test_trainer_solves_least_squares(rng):
    loss_gradient, origins, truth = _least_squares(rng)
    result = _train(loss_gradient, origins, rng)
    np.testing.assert_allclose(result.theta, truth, atol=1e-3)
    assert result.n_iter == len(result.loss_curve)
    assert result.best_loss == min(result.loss_curve)


def test_every_step_is_scored_once_per_epoch(rng):
    seen = []
    loss_gradient, origins, _ = _least_squares(rng)

    def recording(theta, batch, grad):
        seen.extend(batch)
        return loss_gradient(theta, batch, grad)

    _train(recording, origins, rng, max_iter=1)
    starts = np.sort(seen)
    np.testing.assert_array_equal(np.diff(starts), 6)  # non-overlapping windows
    assert starts[0] < origins[0] + 6 and starts[-1] + 6 > origins[-1]  # covering the series


def test_l2_penalty_shrinks_towards_ridge_solution(rng):
    loss_gradient, origins, truth = _least_squares(rng)
    free = _train(loss_gradient, origins, rng)
    penalised = _train(loss_gradient, origins, rng, alpha=30.0,
                       weight_mask=np.array([1.0, 1.0, 0.0]))
    assert np.all(np.abs(penalised.theta[:2]) < np.abs(free.theta[:2]))


def test_clipping_bounds_every_step(rng):
    loss_gradient, origins, _ = _least_squares(rng)
    steps, norms = [], []

    class Recording(SGD):  # without momentum a step is -learning_rate * the clipped gradient
        def step(self, theta, grad, *args):
            before = theta.copy()
            norms.append(np.linalg.norm(grad))
            penalty = super().step(theta, grad, *args)
            steps.append(np.linalg.norm(theta - before) / self.learning_rate)
            return penalty

    _train(loss_gradient, origins, rng, optimizer=Recording(3, 0.01, 0.0), clip_norm=0.1,
           max_iter=3)
    assert max(steps) <= 0.1 + 1e-12
    assert max(norms) > 0.2  # (clipping had something to do)


def test_max_iter_is_reported_by_the_estimator_in_its_terms_at_the_users_line(rng):
    """The trainer says how it stopped; the estimator warns once per fit, naming the stages,
    the budget and what to change, at the line of the user's ``fit`` (not library source)."""
    from narxcast import NARXRegressor

    loss_gradient, origins, _ = _least_squares(rng)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _train(loss_gradient, origins, rng, max_iter=2).stopped_by == "max_iter"
    y = np.sin(np.arange(300) / 5.0)
    with pytest.warns(ConvergenceWarning) as caught:
        NARXRegressor(feedback_delays=2, max_iter=3, random_state=0).fit(None, y)
    assert len(caught) == 1 and caught[0].filename == __file__
    message = str(caught[0].message)
    assert "'Adam, open loop' stage ran all its 3 epochs" in message
    assert "'Adam, closed loop' stage ran all its 3 epochs" in message
    assert "max_iter=6" in message and "early_stopping=True" in message
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a fit that converges says nothing
        NARXRegressor(feedback_delays=2, max_iter=500, tol=0.5, random_state=0).fit(None, y)


def _linear_least_squares(design, target):
    """Residuals ``design @ theta - target`` and their Jacobian, in the trainers' terms."""
    def residuals(theta):
        return design @ theta - target

    def residuals_jacobian(theta):
        return residuals(theta), design.T.copy()

    return residuals_jacobian, residuals


@pytest.mark.parametrize("n_features", [5, 40])
def test_bayesian_regularisation_finds_the_evidence_maximum_of_bayesian_ridge(rng, n_features):
    """On a linear model, Levenberg–Marquardt with Bayesian regularisation converges to the
    evidence maximum that scikit-learn's BayesianRidge finds by the same re-estimation
    (MacKay): the same penalty (its lambda_ / alpha_), weights and effective parameters."""
    from sklearn.linear_model import BayesianRidge

    from narxcast.training import train_levenberg_marquardt

    design = rng.normal(size=(200, n_features))
    weights = rng.normal(size=n_features) * (rng.uniform(size=n_features) < 0.5)
    target = design @ weights + 0.5 * rng.normal(size=200)
    result = train_levenberg_marquardt(
        *_linear_least_squares(design, target), np.zeros(n_features), max_iter=500, tol=0.0,
        n_iter_no_change=500, alpha=123.0, weight_mask=np.ones(n_features), bayesian=True)
    reference = BayesianRidge(fit_intercept=False, alpha_1=0, alpha_2=0, lambda_1=0,
                              lambda_2=0, tol=1e-12, max_iter=10_000).fit(design, target)
    assert result.alpha == pytest.approx(reference.lambda_ / reference.alpha_, rel=1e-3)
    np.testing.assert_allclose(result.theta, reference.coef_, rtol=1e-3, atol=1e-6)
    eigenvalues = np.linalg.eigvalsh(design.T @ design)
    gamma = np.sum(eigenvalues / (eigenvalues + result.alpha))
    assert result.effective_params == pytest.approx(gamma, rel=1e-3)
    assert result.effective_params < n_features


def test_log_evidence_is_the_marginal_likelihood_of_a_linear_gaussian_model(rng):
    """For a model linear in its parameters the Gaussian approximation is exact: at given
    precisions (prior ``a`` on the weights, noise ``beta``) the log evidence is the log
    density of the targets under ``N(0, I / beta + X X^T / a)``, integrated over the weights;
    a parameter with a flat prior (a bias) integrates to one more factor, checked by
    quadrature."""
    from scipy.integrate import quad
    from scipy.stats import multivariate_normal

    from narxcast.training.levenberg_marquardt import log_evidence

    design = rng.normal(size=(30, 3))
    target = design @ np.array([0.5, -1.0, 0.0]) + 0.3 * rng.normal(size=30)
    prior, noise = 2.0, 8.0
    theta = np.linalg.solve(noise * design.T @ design + prior * np.eye(3),
                            noise * design.T @ target)  # the most probable weights
    reference = multivariate_normal(np.zeros(30), np.eye(30) / noise
                                    + design @ design.T / prior).logpdf(target)
    got = log_evidence(design.T @ design, design @ theta - target, theta, np.ones(3),
                       precisions=(prior, noise))
    assert got == pytest.approx(reference, rel=1e-10)

    bias_target = 1.5 + 0.3 * rng.normal(size=12)
    bias = np.array([bias_target.mean()])
    likelihood = lambda b: np.exp(multivariate_normal(  # noqa: E731
        np.full(12, b), np.eye(12) / noise).logpdf(bias_target) + 5.0)
    integral, _ = quad(likelihood, -10, 10, points=[1.5], epsabs=0, epsrel=1e-12)
    got = log_evidence(np.array([[12.0]]), bias - bias_target, bias, np.zeros(1),
                       precisions=(0.0, noise))
    assert got == pytest.approx(np.log(integral) - 5.0, rel=1e-9)


def test_bayesian_regularisation_reports_the_evidence_at_its_own_precisions(rng):
    """Where Bayesian regularisation converges on a linear model, the log evidence it reports
    is the exact marginal likelihood at the precisions it settled on (beta from the effective
    parameters, the prior's from the weights), and no other penalty gives the data more
    evidence."""
    from scipy.stats import multivariate_normal

    from narxcast.training import train_levenberg_marquardt

    design = rng.normal(size=(100, 6))
    target = design @ rng.normal(size=6) + 0.5 * rng.normal(size=100)
    result = train_levenberg_marquardt(
        *_linear_least_squares(design, target), np.zeros(6), max_iter=500, tol=0.0,
        n_iter_no_change=500, alpha=0.0, weight_mask=np.ones(6), bayesian=True)
    gamma = result.effective_params
    residual = design @ result.theta - target
    noise = (100 - gamma) / np.dot(residual, residual)
    prior = gamma / np.dot(result.theta, result.theta)

    def marginal(prior, noise):
        return multivariate_normal(np.zeros(100), np.eye(100) / noise
                                   + design @ design.T / prior).logpdf(target)

    assert result.log_evidence == pytest.approx(marginal(prior, noise), rel=1e-6)
    for factor in (0.5, 2.0):
        assert marginal(prior * factor, noise) < result.log_evidence
        assert marginal(prior, noise * factor) < result.log_evidence
