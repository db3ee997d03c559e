"""Population kernels against naive NumPy references and the single-model kernels; evolution
(GA, CMA-ES) and Levenberg–Marquardt on systems whose answer is known; hybrids;
reproducibility."""

import random

import numpy as np
import pytest

from narxcast import ElmanRegressor, GRURegressor, LSTMRegressor, NARXRegressor
from narxcast.kernels import population
from narxcast.training.stages import TrainingData

from .conftest import narendra_plant
from .naive import (
    elman_cell,
    gru_cell,
    lstm_cell,
    narx_forecast,
    population_loss,
    recurrent_window,
)

RECURRENT = {"elman": ElmanRegressor, "lstm": LSTMRegressor, "gru": GRURegressor,
             "peephole lstm": LSTMRegressor}
CELLS = {"elman": elman_cell, "lstm": lstm_cell, "gru": gru_cell, "peephole lstm": lstm_cell}
# n_features, n_targets, input_delays, feedback_delays, hidden
CASES = [(2, 1, [0, 1], [1, 2], (4,)), (1, 1, [0], [], (3, 5)), (1, 2, [1], [1, 3], (4, 3))]


def _fitted(estimator, case, rng, n=50, **params):
    n_features, n_targets, input_delays, feedback_delays, hidden = case
    X = rng.normal(size=(n, n_features))
    Y = rng.normal(size=(n, n_targets))
    model = estimator(input_delays=input_delays, feedback_delays=feedback_delays,
                      hidden_layer_sizes=hidden, max_iter=1, scale=False, random_state=0,
                      **params).fit(X, Y)
    return model, np.ascontiguousarray(X.T), np.ascontiguousarray(Y.T)


def _single_model_loss(model, theta, X_t, Y_t, closed, skip):
    """Half the MSE of the single-model kernels' free run (one origin, every step ahead) or
    one-step-ahead forecasts, from a zero state at the first complete regressor."""
    first = model.max_delay_
    n = Y_t.shape[1]
    if closed:
        out = model._forecast_theta(theta, X_t, Y_t, np.array([first - 1]), n - first,
                                    bounded=False)[:, :, 0]
    else:
        out = model._forecast_theta(theta, X_t, Y_t, np.arange(first - 1, n - 1), 1,
                                    bounded=False)[0].T
    errors = out[skip:] - Y_t[:, first + skip:].T
    return 0.5 * np.mean(errors**2)


def _population_losses(model, thetas, X_t, Y_t, closed):
    losses = np.empty(len(thetas))
    problem = model._population_problem(X_t, Y_t, model.max_delay_, closed)
    problem(np.ascontiguousarray(thetas.T), population.chunk_size(len(thetas)), losses)
    return losses


@pytest.mark.parametrize("kind", ["narx", *RECURRENT])
@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("closed", [True, False])
def test_population_kernel_equals_single_model_kernels(rng, kind, case, closed):
    """Every individual of a population (11: chunks of unequal size on two threads) has the
    loss of its own single-model simulation."""
    params = {"peephole": True} if kind == "peephole lstm" else {}
    if kind != "narx":
        params["washout"] = 2
    estimator = NARXRegressor if kind == "narx" else RECURRENT[kind]
    model, X_t, Y_t = _fitted(estimator, case, rng, **params)
    thetas = rng.normal(scale=0.6, size=(11, model.theta_.size))
    losses = _population_losses(model, thetas, X_t, Y_t, closed)
    skip = params.get("washout", 0)
    expected = [_single_model_loss(model, theta, X_t, Y_t, closed, skip) for theta in thetas]
    np.testing.assert_allclose(losses, expected, rtol=1e-11)


def _naive_simulation(kind, model, case, X, Y, closed):
    """``theta -> outputs for targets first..n-1``: the free run (closed) or the one-step-ahead
    forecasts with the state carried over measurements (open), by tests/naive.py."""
    first, n = model.max_delay_, len(Y)
    _, _, input_delays, feedback_delays, hidden = case
    if kind == "narx":
        sizes = model.layout_.sizes

        def simulate(theta):
            if closed:
                return narx_forecast(theta, sizes, "tanh", input_delays, feedback_delays, X, Y,
                                     [first - 1], n - first)[0]
            return narx_forecast(theta, sizes, "tanh", input_delays, feedback_delays, X, Y,
                                 range(first - 1, n - 1), 1)[:, 0]
    else:
        def simulate(theta):
            model.theta_ = theta
            return recurrent_window(CELLS[kind], model.get_weights(), len(hidden), hidden, X,
                                    Y, input_delays, feedback_delays, first, first - 1,
                                    n - first, closed)
    return simulate


@pytest.mark.parametrize("kind", ["narx", *RECURRENT])
@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("closed", [True, False])
def test_population_kernel_equals_naive_numpy(rng, kind, case, closed):
    """Every individual's loss (5 individuals, chunks on two threads) is that of a naive
    NumPy simulation, one step and one individual at a time."""
    params = {"peephole": True} if kind == "peephole lstm" else {}
    if kind != "narx":
        params["washout"] = 2
    estimator = NARXRegressor if kind == "narx" else RECURRENT[kind]
    model, X_t, Y_t = _fitted(estimator, case, rng, n=30, **params)
    thetas = rng.normal(scale=0.6, size=(5, model.theta_.size))
    losses = _population_losses(model, thetas, X_t, Y_t, closed)
    simulate = _naive_simulation(kind, model, case, X_t.T, Y_t.T, closed)
    expected = population_loss(simulate, thetas, Y_t.T, model.max_delay_,
                               params.get("washout", 0))
    np.testing.assert_allclose(losses, expected, rtol=1e-10)


def test_population_kernel_diverging_individual_is_infinite_not_fatal(rng):
    model, X_t, Y_t = _fitted(NARXRegressor, CASES[0], rng)
    thetas = rng.normal(size=(4, model.theta_.size))
    thetas[2] *= 1e300
    losses = _population_losses(model, thetas, X_t, Y_t, True)
    assert np.isfinite(losses[[0, 1, 3]]).all()
    assert not np.isfinite(losses[2])


def _arx_data(rng, n=600, noise=0.02):
    """A linear ARX system: y_t = 0.7 y_{t-1} - 0.2 y_{t-2} + 0.5 u_{t-1} + noise."""
    u = rng.uniform(-1, 1, n)
    y = np.zeros(n)
    for t in range(2, n):
        y[t] = 0.7 * y[t - 1] - 0.2 * y[t - 2] + 0.5 * u[t - 1]
    return u[:, None], y + noise * rng.standard_normal(n)


@pytest.mark.parametrize("solver, n_generations, sigma, atol", [("ga", 200, 0.05, 0.03),
                                                               ("cmaes", 60, 0.3, 0.01)])
def test_evolution_identifies_a_linear_arx_system(rng, solver, n_generations, sigma, atol):
    """A linear NARX (no hidden layer) evolved on the free-run error finds the system: its
    loss within 25% of the noise floor (noise^2 / 2), its parameters close (the GA less
    closely: the loss is flat along the y_{t-1}/y_{t-2} ridge), its hall of fame never
    worsening."""
    X, y = _arx_data(rng)
    model = NARXRegressor(input_delays=[1], feedback_delays=2, hidden_layer_sizes=(),
                          solver=solver, population_size=40, n_generations=n_generations,
                          sigma=sigma, scale=False, random_state=0).fit(X, y)
    curve = np.array(model.fitness_curve_)
    assert len(curve) == n_generations and np.all(np.diff(curve) <= 0)
    assert curve[-1] < 1.25 * 0.02**2 / 2 < curve[0] / 10
    weights = model.coefs_[0][:, 0]  # rows: u_{t-1}, y_{t-1}, y_{t-2}
    np.testing.assert_allclose(weights, [0.5, 0.7, -0.2], atol=atol)
    simulated = model.predict(X[-200:], y[-200:], horizon=20)
    assert np.sqrt(np.nanmean((simulated - y[-200:]) ** 2)) < 0.05


def test_evolution_is_reproducible_and_leaves_global_generators_alone(rng):
    X, y = _arx_data(rng, n=300)
    random.seed(7)
    np.random.seed(7)
    python_draw, numpy_draw = random.random(), np.random.random()
    random.seed(7)
    np.random.seed(7)
    fits = [NARXRegressor(input_delays=[1], feedback_delays=2, hidden_layer_sizes=(3,),
                          solver=solver, population_size=10, n_generations=5,
                          random_state=3).fit(X, y)
            for solver in ("ga", "ga", "cmaes", "cmaes")]
    assert random.random() == python_draw and np.random.random() == numpy_draw
    np.testing.assert_array_equal(fits[0].theta_, fits[1].theta_)
    np.testing.assert_array_equal(fits[2].theta_, fits[3].theta_)
    assert fits[0].fitness_curve_ == fits[1].fitness_curve_


def test_cma_es_is_deaps_strategy_generation_by_generation():
    """The whole-array CMA-ES gives what DEAP's own loop (``Strategy.generate`` with
    individuals, fitness values set, ``Strategy.update``) gives from the same seed: every
    generation's best loss and the best parameters, to the last bit."""
    from deap import base, cma, creator

    from narxcast.training.evolution import _seeded_global_generators, train_evolution

    def loss(thetas):
        return np.sum((thetas - np.arange(thetas.shape[1])) ** 2, axis=1) ** 0.5

    start = np.random.default_rng(0).normal(size=(12, 5))
    result = train_evolution(loss, start, method="cmaes", n_generations=15, sigma=0.4, seed=4)
    if not hasattr(creator, "TestCMAFitness"):
        creator.create("TestCMAFitness", base.Fitness, weights=(-1.0,))
        creator.create("TestCMAIndividual", np.ndarray, fitness=creator.TestCMAFitness)
    best, best_theta, curve = np.inf, None, []
    with _seeded_global_generators(4):
        strategy = cma.Strategy(centroid=start[0], sigma=0.4, lambda_=12)
        for _ in range(15):
            population = strategy.generate(creator.TestCMAIndividual)
            losses = loss(np.array(population))
            for individual, value in zip(population, losses):
                individual.fitness.values = (float(value),)
            if losses.min() < best:
                best, best_theta = losses.min(), np.array(population[int(np.argmin(losses))])
            curve.append(best)
            strategy.update(population)
    assert result.fitness_curve == curve
    np.testing.assert_array_equal(result.theta, best_theta)


@pytest.mark.parametrize("estimator", [ElmanRegressor, LSTMRegressor, GRURegressor])
@pytest.mark.parametrize("solver", ["ga", "cmaes"])
def test_evolution_trains_recurrent_models(rng, estimator, solver):
    """The same trainer evolves every recurrent model; the fitness it reports is the
    free-run error of the model it returns (recomputed through predict)."""
    X, y = _arx_data(rng, n=300)
    model = estimator(input_delays=1, feedback_delays=(), hidden_layer_sizes=(3,),
                      solver=solver, population_size=16, n_generations=8, sigma=0.2,
                      random_state=0).fit(X, y)
    curve = np.array(model.fitness_curve_)
    assert np.all(np.diff(curve) <= 0) and curve[-1] < curve[0]
    first = model.max_delay_
    free_run = model.predict(X, y, horizon=len(y) - first, all_horizons=True)
    simulated = free_run[first + np.arange(len(y) - first), np.arange(len(y) - first)]
    scaled = (simulated - y[first:]) / model.target_scaler_.scale[0]
    assert 0.5 * np.mean(scaled**2) == pytest.approx(curve[-1], rel=1e-9)


def test_levenberg_marquardt_reaches_the_noise_level_on_the_narx_plant(rng):
    u = rng.uniform(-1, 1, 1500)
    y = narendra_plant(u, noise=0.02, rng=rng)
    model = NARXRegressor(input_delays=[1], feedback_delays=[1], hidden_layer_sizes=(10,),
                          solver="lm", loop="open", max_iter=60,
                          random_state=0).fit(u[:1000, None], y[:1000])
    assert model.n_iter_ <= 60 and model.stopped_by_ == "converged"
    assert np.all(np.diff(model.loss_curve_) < 0)  # only steps that lower the loss are taken
    one_step = model.predict(u[1000:, None], y[1000:], horizon=1)
    assert np.sqrt(np.nanmean((one_step - y[1000:]) ** 2)) < 0.02 * 1.3
    simulated = model.predict(u[1000:, None])
    assert np.sqrt(np.mean((simulated - y[1000:]) ** 2)) < 0.02 * 1.5


@pytest.mark.parametrize("closed", [False, True])
def test_levenberg_marquardt_jacobian_matches_finite_differences(rng, closed):
    """Residuals equal the forecast kernel's; the Jacobian (through the fed-back forecasts in
    closed loop) equals central differences, for two layers and two targets."""
    model, X_t, Y_t = _fitted(NARXRegressor, (2, 2, [0, 1], [1, 3], (4, 3)), rng, n=60)
    theta = rng.normal(scale=0.5, size=model.theta_.size)
    model.set_params(bptt_steps=6)
    residuals_jacobian, residuals = model._least_squares_problem(
        TrainingData.of(X_t, Y_t), model.max_delay_, closed)
    r, jacobian = residuals_jacobian(theta)
    np.testing.assert_allclose(r, residuals(theta), rtol=1e-12, atol=1e-12)
    numeric = np.empty_like(jacobian)
    for k in range(theta.size):
        step = np.zeros_like(theta)
        step[k] = 1e-6
        numeric[k] = (residuals(theta + step) - residuals(theta - step)) / 2e-6
    np.testing.assert_allclose(jacobian, numeric, rtol=1e-6, atol=1e-8)


def test_levenberg_marquardt_closed_loop_lowers_the_free_run_error(rng):
    """MATLAB's recipe with LM throughout: open loop, then closed loop from there."""
    u = rng.uniform(-1, 1, 800)
    y = narendra_plant(u, noise=0.02, rng=rng)
    model = NARXRegressor(input_delays=[1], feedback_delays=[1], hidden_layer_sizes=(6,),
                          solver="lm", loop="open", max_iter=8, bptt_steps=50, random_state=0)
    model.fit(u[:600, None], y[:600])
    before = np.sqrt(np.mean((model.predict(u[600:, None]) - y[600:]) ** 2))
    model.set_params(loop="closed", warm_start=True).fit(u[:600, None], y[:600])
    after = np.sqrt(np.mean((model.predict(u[600:, None]) - y[600:]) ** 2))
    assert after < before
    staged = NARXRegressor(input_delays=[1], feedback_delays=[1], hidden_layer_sizes=(6,),
                           solver="lm", loop=("open", "closed"), max_iter=8, bptt_steps=50,
                           random_state=0).fit(u[:600, None], y[:600])
    np.testing.assert_array_equal(staged.theta_, model.theta_)  # one fit = the recipe by hand


def test_hybrid_ga_then_lm(rng):
    X, y = _arx_data(rng, n=400)
    ga = NARXRegressor(input_delays=[1], feedback_delays=2, hidden_layer_sizes=(4,),
                       solver="ga", population_size=20, n_generations=10, random_state=0)
    hybrid = NARXRegressor(input_delays=[1], feedback_delays=2, hidden_layer_sizes=(4,),
                           solver=("ga", "lm"), population_size=20, n_generations=10,
                           max_iter=30, random_state=0)
    ga.fit(X, y)
    hybrid.fit(X, y)
    assert hybrid.fitness_curve_ == ga.fitness_curve_  # the same evolution, then LM
    assert len(hybrid.loss_curve_) == hybrid.n_iter_ >= 1
    assert hybrid.best_loss_ < ga.best_loss_


@pytest.mark.parametrize("params, message", [
    ({"solver": "newton"}, "'solver' parameter of NARXRegressor must be"),
    ({"solver": ("ga", "bfgs")}, "`solver` must be one of"),
    ({"solver": ()}, "`solver` must be one of"),
    ({"solver": "ga", "crossover_rate": 0.8, "mutation_rate": 0.5},
     "`crossover_rate` \\+ `mutation_rate` must be <= 1"),
])
def test_bad_solver_settings_are_named(rng, params, message):
    X, y = _arx_data(rng, n=100)
    with pytest.raises(ValueError, match=message):
        NARXRegressor(**params).fit(X, y)


def test_lm_is_refused_for_recurrent_models(rng):
    X, y = _arx_data(rng, n=100)
    with pytest.raises(ValueError, match="`solver` must be one of .* for LSTMRegressor"):
        LSTMRegressor(solver="lm").fit(X, y)



@pytest.mark.parametrize("estimator", [NARXRegressor, ElmanRegressor, GRURegressor])
def test_loop_stages_in_one_fit_equal_the_recipe_by_hand(rng, estimator):
    """``loop=("open", "closed")``: train open, close the loop and retrain, in one fit (so it
    works inside backtest and GridSearchCV), exactly as two fits with a warm start."""
    X, y = _arx_data(rng, n=300)
    options = dict(input_delays=1, feedback_delays=2, hidden_layer_sizes=(4,), max_iter=15,
                   bptt_steps=12, early_stopping=True, random_state=0)
    by_hand = estimator(loop="open", **options).fit(X, y)
    first_stage = (list(by_hand.loss_curve_), list(by_hand.validation_scores_))
    by_hand.set_params(loop="closed", warm_start=True).fit(X, y)
    staged = estimator(loop=("open", "closed"), **options).fit(X, y)
    np.testing.assert_array_equal(staged.theta_, by_hand.theta_)
    # loop="auto" (the default): open then closed for NARX and Elman, open for GRU and LSTM
    auto = estimator(**options).fit(X, y)
    open_only = estimator(loop="open", **options).fit(X, y)
    expected = open_only if estimator in (GRURegressor, LSTMRegressor) else staged
    np.testing.assert_array_equal(auto.theta_, expected.theta_)
    # the curves keep both stages, one after the other
    split = staged.stage_starts_[1]
    assert staged.stage_starts_ == [0, len(first_stage[0])]
    assert staged.stages_ == ["adam, open loop", "adam, closed loop"]
    assert staged.loss_curve_ == first_stage[0] + by_hand.loss_curve_
    assert staged.validation_scores_[:split] == first_stage[1]
    assert staged.validation_scores_[split:] == by_hand.validation_scores_
    assert staged.n_iter_ == len(staged.loss_curve_)


def test_loop_and_solver_sequences_must_agree(rng):
    X, y = _arx_data(rng, n=100)
    with pytest.raises(ValueError, match="`loop` must give one loop, or one per `solver`"):
        NARXRegressor(solver=("adam", "lm", "lm"), loop=("open", "closed")).fit(X, y)
    with pytest.raises(ValueError, match="`loop` must be 'open', 'closed' or a sequence"):
        NARXRegressor(loop=("open", "shut")).fit(X, y)
