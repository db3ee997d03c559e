"""Training for what the model is for: focus="simulation" (output error, free-run validation),
Bayesian regularisation, restarts chosen on the validation tail or by their evidence, and a
committee of the most probable restarts."""

import numpy as np
import pytest

from narxcast import GRURegressor, NARXRegressor
from narxcast.serialization import ModelFileError, dump, load
from narxcast.systems import make_system
from narxcast.training.stages import COMMITTEE_TOLERANCE, TrainingData


def _output_error_system(seed, n=1500, noise=0.5):
    """y(k+1) = 0.9 y(k) + 0.5 u(k), measured with white noise on the output (an output-error
    system: regressing on the noisy past outputs biases the feedback coefficient)."""
    rng = np.random.default_rng(seed)
    u = rng.normal(size=n)
    y = np.zeros(n)
    for k in range(n - 1):
        y[k + 1] = 0.9 * y[k] + 0.5 * u[k]
    return u[:, None], y + noise * rng.normal(size=n), y


def test_simulation_focus_fits_the_output_error_that_one_step_training_biases():
    """A linear NARX (an ARX) on an output-error system: trained for one-step-ahead
    prediction its feedback coefficient is pulled towards zero (the textbook bias of
    equation-error least squares); trained for simulation (a free run over the whole record)
    it is the system's 0.9, and it simulates a clean record better."""
    X, y, _ = _output_error_system(0)
    options = dict(input_delays=[1], feedback_delays=[1], hidden_layer_sizes=(), solver="lm")
    one_step = NARXRegressor(loop="open", **options).fit(X, y)
    simulation = NARXRegressor(focus="simulation", **options).fit(X, y)
    assert simulation.stages_ == ["lm, open loop", "lm, closed loop"]
    feedback = {name: model.coefs_[0][1, 0] for name, model in
                (("one step", one_step), ("simulation", simulation))}
    assert feedback["one step"] < 0.8
    assert feedback["simulation"] == pytest.approx(0.9, abs=0.02)
    X_test, _, clean = _output_error_system(1)
    errors = {name: np.sqrt(np.mean((model.simulate(X_test, clean[:1])[1:] - clean[1:]) ** 2))
              for name, model in (("one step", one_step), ("simulation", simulation))}
    assert errors["simulation"] < 0.5 * errors["one step"]


def test_simulation_focus_defaults_to_bayesian_regularisation_and_whole_record_windows():
    u, y = make_system("narendra-2", 600, random_state=0)
    model = NARXRegressor(focus="simulation", random_state=0).fit(u[:, None], y)
    assert model.stages_ == ["br, open loop", "br, closed loop"]
    data = TrainingData.of(np.zeros((1, 600)), np.zeros((1, 600)))
    assert model._window(data, model.max_delay_, True, "lm") == 600 - model.max_delay_
    assert model._window(data, model.max_delay_, False, "lm") == 24
    assert 0 < model.alpha_ and 0 < model.effective_params_ < model.theta_.size
    prediction = NARXRegressor(random_state=0).fit(u[:, None], y)
    assert prediction.stages_[0] == "adam, open loop" and prediction.alpha_ is None


@pytest.mark.parametrize("focus", ["prediction", "simulation"])
def test_restarts_are_chosen_by_the_focus_error_on_the_held_out_tail(focus):
    """With n_init > 1 each restart trains on the rows before the validation tail and is
    scored there by the focus's error; the kept fit is the best, its score recomputed here
    from the model's own forecasts (a free run of the tail, or one-step forecasts)."""
    u, y = make_system("narendra-3", 500, random_state=0)
    X = u[:, None]
    model = NARXRegressor(input_delays=[1], feedback_delays=[1], hidden_layer_sizes=(4,),
                          solver="lm", max_iter=30, n_init=3, focus=focus,
                          validation_horizons=(1,) if focus == "prediction" else None,
                          random_state=0).fit(X, y)
    n_tail = int(np.ceil(0.1 * (500 - model.max_delay_)))
    start = 500 - n_tail
    if focus == "simulation":
        forecasts = np.asarray(model.simulate(X[start - 1:], y[start - 1:start]))[1:]
    else:
        forecasts = np.asarray(model.predict(X[start - 1:], y[start - 1:], horizon=1))[1:]
    truth = y[start:]
    r2 = 1 - np.sum((forecasts - truth) ** 2) / np.sum((truth - truth.mean()) ** 2)
    assert len(model.init_scores_) == 3
    assert min(model.init_scores_) == pytest.approx(1 - r2, rel=1e-6)


def test_restarts_with_bayesian_regularisation_are_chosen_by_their_log_evidence():
    """With Bayesian regularisation last, restarts train on every row (the first is the
    single fit, to the bit) and the one of the greatest log evidence is kept."""
    u, y = make_system("narendra-2", 400, random_state=0)
    options = dict(input_delays=[0, 1], feedback_delays=[1, 2], hidden_layer_sizes=(4,),
                   focus="simulation", max_iter=20, random_state=0)
    single = NARXRegressor(n_init=1, **options).fit(u[:, None], y)
    restarted = NARXRegressor(n_init=3, committee=False, **options).fit(u[:, None], y)
    assert single.init_scores_ == [] and np.isfinite(single.log_evidence_)
    assert len(restarted.init_scores_) == 3
    assert restarted.init_scores_[0] == -single.log_evidence_
    assert restarted.log_evidence_ == -min(restarted.init_scores_)
    if np.argmin(restarted.init_scores_) > 0:
        assert restarted.log_evidence_ > single.log_evidence_
        assert not np.array_equal(restarted.theta_, single.theta_)


def _members(hidden_layer_sizes, n_members=3, n=300):
    """Networks of one architecture fitted from different seeds, and their data."""
    u, y = make_system("narendra-2", n, random_state=0)
    options = dict(input_delays=[0, 1], feedback_delays=[1, 2],
                   hidden_layer_sizes=hidden_layer_sizes, solver="lm", max_iter=15)
    return u[:, None], y, [NARXRegressor(random_state=seed, **options).fit(u[:, None], y)
                           for seed in range(n_members)]


@pytest.mark.parametrize("hidden_layer_sizes", [(4,), (3, 2), ()])
def test_a_committee_is_one_network_whose_output_is_its_members_mean(hidden_layer_sizes):
    """The committee network forecasts one step ahead the mean of its members' forecasts, and
    its free run is the closed loop of that mean: each simulated output is the members' mean
    one-step forecast from the simulated outputs before it."""
    X, y, members = _members(hidden_layer_sizes)
    committee = members[0]._committee_theta([m.theta_ for m in members])
    members[0].committee_size_ = len(members)
    members[0].theta_ = committee
    members[0]._check_fitted_state()  # (a model file's check: layout from committee_size_)
    originals = _members(hidden_layer_sizes)[2]
    if hidden_layer_sizes:  # (a linear committee is its members' mean, of their layout)
        for member, split in zip(originals, members[0]._committee_members(committee)):
            # the members again, but for the output bias (the committee's)
            np.testing.assert_allclose(split[:-1], member.theta_[:-1], rtol=1e-14)
        with pytest.raises(ValueError, match="parameters of layers"):  # a member's layout
            members[1]._check_theta(committee)
    one = members[0]
    mean = np.mean([np.asarray(m.predict(X, y, horizon=1)) for m in originals], axis=0)
    np.testing.assert_allclose(np.asarray(one.predict(X, y, horizon=1)), mean, atol=1e-12,
                               equal_nan=True)
    simulated = np.r_[y[:2], np.asarray(one.simulate(X, y[:2]))[2:]]
    replayed = np.mean([np.asarray(m.predict(X, simulated, horizon=1)) for m in originals],
                       axis=0)
    np.testing.assert_allclose(simulated[2:], replayed[2:], atol=1e-12)


def test_the_committee_holds_the_restarts_near_the_most_probable(tmp_path):
    """With restarts compared by their evidence the fitted network is the committee of those
    within the tolerance per residual of the most probable one; its evidence is that one's,
    the committee's output the mean of the restarts kept; warm starts and model files keep
    it."""
    u, y = make_system("narendra-3", 400, random_state=0)
    X = u[:, None]
    options = dict(input_delays=[0, 1], feedback_delays=[1, 2], hidden_layer_sizes=(4,),
                   focus="simulation", max_iter=20, n_init=6, random_state=0)
    model = NARXRegressor(**options).fit(X, y)
    alone = NARXRegressor(committee=False, **options).fit(X, y)
    evidence = -np.asarray(model.init_scores_)
    n_residuals = y.size - model.max_delay_
    near = evidence >= evidence.max() - COMMITTEE_TOLERANCE * n_residuals
    assert 1 < model.committee_size_ == near.sum() < 6  # (these data: some near, some far)
    assert model.log_evidence_ == alone.log_evidence_ == evidence.max()
    assert model.layout_.sizes.tolist() == [4, 4 * model.committee_size_, 1]
    assert alone.committee_size_ == 1 and alone.theta_.size == 4 * 4 + 4 + 4 + 1
    free_run = np.asarray(model.simulate(X[:100], y[:2]))
    assert np.isfinite(free_run[2:]).all()
    assert not np.allclose(free_run[2:], np.asarray(alone.simulate(X[:100], y[:2]))[2:])
    dump(model, tmp_path / "committee.narxcast")
    loaded = load(tmp_path / "committee.narxcast")
    np.testing.assert_array_equal(np.asarray(loaded.simulate(X[:100], y[:2])), free_run)
    assert loaded.committee_size_ == model.committee_size_
    loaded.set_params(warm_start=True, max_iter=2).fit(X, y)  # each member continues
    assert 1 <= loaded.committee_size_ <= model.committee_size_
    assert len(loaded.init_scores_) == model.committee_size_
    assert loaded.theta_.size == loaded.layout_.n_params
    model.committee_size_ = 10**9  # a crafted file's
    dump(model, tmp_path / "crafted.narxcast")
    with pytest.raises(ModelFileError, match="committee_size_"):
        load(tmp_path / "crafted.narxcast")


@pytest.mark.parametrize("options, n_restarts", [
    (dict(focus="simulation"), 4),
    (dict(focus="simulation", early_stopping=True), 0),
    (dict(focus="simulation", solver="lm"), 0),
    (dict(), 0)])
def test_auto_restarts_are_for_simulation_with_bayesian_regularisation(options, n_restarts):
    u, y = make_system("narendra-2", 300, random_state=0)
    model = NARXRegressor(input_delays=[0], feedback_delays=[1], hidden_layer_sizes=(3,),
                          max_iter=5, random_state=0, **options).fit(u[:, None], y)
    assert len(model.init_scores_) == n_restarts
    assert (model.log_evidence_ is not None) == (model.stages_[-1].startswith("br"))


def test_recurrent_networks_take_the_focus_too():
    u, y = make_system("narendra-3", 400, random_state=0)
    model = GRURegressor(input_delays=[0, 1], feedback_delays=[1], hidden_layer_sizes=(4,),
                         max_iter=3, focus="simulation", random_state=0).fit(u[:, None], y)
    assert model.stages_ == ["adam, open loop", "adam, closed loop"]
    assert np.isfinite(model.simulate(u[:100, None], y[:5])[5:]).all()


@pytest.mark.parametrize("options, message", [
    (dict(name="lorenz"), "`name` must be one of"),
    (dict(n_samples=0), "`n_samples` must be an integer"),
    (dict(n_samples=2.5), "`n_samples` must be an integer"),
    (dict(n_samples=10**12), "`n_samples` must be an integer"),
    (dict(amplitude=float("nan")), "`amplitude` must be a number"),
    (dict(amplitude=-1.0), "`amplitude` must be a number")])
def test_simulated_systems_refuse_bad_arguments_by_name(options, message):
    with pytest.raises(ValueError, match=message):
        make_system(**{"name": "duffing", **options})


def test_simulated_systems_follow_their_equations():
    """Narendra's third plant, written out, and the same record from the same seed."""
    u, y = make_system("narendra-3", 300, noise=False, random_state=0)
    expected = np.zeros(300)
    for k in range(299):
        expected[k + 1] = expected[k] / (1 + expected[k] ** 2) + u[k] ** 3
    np.testing.assert_allclose(y, expected, rtol=1e-12)
    np.testing.assert_array_equal(make_system("bouc-wen", 200, random_state=3)[1],
                                  make_system("bouc-wen", 200, random_state=3)[1])


def test_simulation_focus_takes_its_delays_from_the_data(tmp_path):
    """Narendra's fourth plant is of orders (3, 2) by its Lipschitz quotients; trained for
    simulation the default NARX reads one more of each, and a model archive keeps them."""
    from narxcast.orders import lipschitz_orders
    from narxcast.serialization import dump, load

    u, y = make_system("narendra-4", 1000, random_state=0)
    assert lipschitz_orders(u[:, None], y) == (3, 2)
    model = NARXRegressor(focus="simulation", max_iter=5, random_state=0).fit(u[:, None], y)
    assert model.input_delays_.tolist() == [0, 1, 2]
    assert model.feedback_delays_.tolist() == [1, 2, 3, 4]
    dump(model, tmp_path / "m.narxcast")
    np.testing.assert_array_equal(load(tmp_path / "m.narxcast").simulate(u[:50, None], y[:5]),
                                  model.simulate(u[:50, None], y[:5]))
    prediction = NARXRegressor(max_iter=5, random_state=0).fit(u[:, None], y)
    assert prediction.input_delays_.tolist() == [0, 1, 2]
    assert prediction.feedback_delays_.tolist() == [1, 2]
