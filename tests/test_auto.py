"""The automatic model builder: orders from the data, candidates chosen on the validation
tail, the best refitted; in Pipelines, with records, inside conformal intervals, in backtest,
in model archives and from the command line."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from narxcast import NARXRegressor
from narxcast._auto_members import Member, without_runaways
from narxcast.auto import ensemble_selection
from narxcast.compose import VotingRegressor
from narxcast.intervals import ConformalRegressor
from narxcast.model_selection import AutoForecaster, backtest
from narxcast.orders import lipschitz_orders
from narxcast.serialization import dump, load
from narxcast.systems import make_system

from .conftest import narxcast_command

FAST = dict(families=("narx",), n_seeds=2, ensemble_size=4, random_state=0, progress=False)


@pytest.fixture(scope="module")
def plant():
    u, y = make_system("narendra-2", 900, random_state=0)
    return u[:, None], y


@pytest.fixture(scope="module")
def simulation_model(plant):
    X, y = plant
    return AutoForecaster(focus="simulation", **FAST).fit(X[:700], y[:700])


@pytest.mark.parametrize("name, orders", [("narendra-2", (2, 2)), ("narendra-4", (3, 2))])
def test_lipschitz_quotients_find_the_orders_of_known_plants(name, orders):
    """Narendra's second plant reads y(k), y(k-1), u(k); the fourth y(k), y(k-1), y(k-2),
    u(k), u(k-1): the target at k + 1 needs output delays 1..na and input delays up to
    nb - 1 (inputs at delays 0..nb-1 of the target)."""
    u, y = make_system(name, 2000, random_state=0)
    assert lipschitz_orders(u[:, None], y) == orders


def test_the_search_scores_every_candidate_and_refits_the_ensemble_chosen_on_validation(
        simulation_model, plant):
    X, y = plant
    board = simulation_model.leaderboard_
    assert list(board.columns) == ["candidate", "settings", "mean", "std", "failed", "seconds"]
    assert board["mean"].is_monotonic_increasing and len(board) == 5
    assert (board.failed == 0).all() and (board["std"] > 0).all()
    na, nb = simulation_model.orders_  # and, for simulation, a candidate of twice the orders
    doubled = dict(zip(simulation_model.candidates_, simulation_model.settings_))[
        "NARX br (10,), orders x 2"]
    assert f"feedback_delays={list(range(1, 2 * na + 1))}" in doubled
    assert f"input_delays={list(range(2 * nb))}" in doubled
    assert board.candidate[0] == simulation_model.candidates_[simulation_model.best_index_]
    best, ensemble = simulation_model.best_estimator_, simulation_model.ensemble_
    assert isinstance(best, VotingRegressor) and len(best.estimators_) == len(ensemble)
    assert ensemble.weight.sum() == pytest.approx(1)
    assert set(ensemble.candidate) <= set(board.candidate)
    # never worse on the validation tail than the best single fit it was chosen from
    assert simulation_model.ensemble_validation_error_ <= (
        simulation_model.validation_errors_.min() + 1e-12)
    simulated = simulation_model.simulate(X[700:], y[700:710])
    np.testing.assert_allclose(simulated, best.simulate(X[700:], y[700:710]))
    default = NARXRegressor(random_state=0).fit(X[:700], y[:700]).simulate(X[700:], y[700:710])
    error = np.sqrt(np.mean((simulated[10:] - y[710:]) ** 2))
    assert error < 0.5 * np.sqrt(np.mean((default[10:] - y[710:]) ** 2))


def test_ensemble_selection_against_a_plain_loop():
    """Each round adds the output that makes the mean of those chosen closest to the targets
    (ties: the first); the round with the least error is kept."""
    rng = np.random.default_rng(0)
    targets = rng.normal(size=50)
    outputs = [targets + rng.normal(0, 0.5, 50) + rng.normal(0, 0.3) for _ in range(6)]
    chosen, path = [], []
    for _ in range(8):
        errors = [np.mean((np.mean([outputs[i] for i in chosen + [j]], axis=0) - targets) ** 2)
                  for j in range(6)]
        chosen.append(int(np.argmin(errors)))
        path.append(min(errors))
    kept = chosen[:int(np.argmin(path)) + 1]
    assert len(set(kept)) > 1  # noisy outputs: their mean beats the best alone
    np.testing.assert_array_equal(ensemble_selection(outputs, targets, 8),
                                  np.bincount(kept, minlength=6))


def test_each_horizon_has_the_same_say_in_the_ensemble_selection():
    """Pooled over horizons, the day-ahead errors (several times the hour-ahead ones) would
    choose the ensemble alone. Each horizon's validation rows are scaled by one over the
    library's best error at that horizon: a fit five times better an hour ahead and 20%
    worse a day ahead is then chosen over one that wins the pooled error."""
    auto = AutoForecaster(horizons=(1, 24))
    truth = np.random.default_rng(0).normal(size=200)  # a tail of 100 rows, at two horizons
    signs = np.tile([1.0, -1.0], 100)
    errors = {"sharp": (0.1, 1.2), "blunt": (0.5, 1.0)}  # RMSE at 1 h and at 24 h
    outputs = [truth + signs * np.repeat(errors[name], 100) for name in errors]
    scale = auto._horizon_scale(outputs, truth, [(0, 100, 200)])
    for rows, (sharp, blunt) in zip((slice(0, 100), slice(100, 200)), zip(*errors.values())):
        np.testing.assert_allclose(scale[rows], 1 / min(sharp, blunt))
    assert ensemble_selection(outputs, truth, 1).tolist() == [0, 1]
    assert ensemble_selection([o * scale for o in outputs], truth * scale, 1).tolist() == [1, 0]
    simulation = AutoForecaster(focus="simulation", horizons=(1, 24))
    np.testing.assert_array_equal(simulation._horizon_scale(outputs, truth, [(0, 100, 200)]),
                                  1.0)


def test_members_continue_from_the_parameters_the_validation_chose(simulation_model, plant):
    """Each member starts its training on every row from the head fit it was chosen as: its
    first loss is already that of a trained model, far below a fresh fit's first."""
    X, y = plant
    for member in simulation_model.best_estimator_.estimators_:
        fresh = NARXRegressor(**{**member.get_params(), "max_iter": 1}).fit(X[:700], y[:700])
        assert member.loss_curve_[0] < 0.2 * fresh.loss_curve_[0]


def test_the_search_uses_the_training_rows_alone(plant):
    """Rows after those given to fit play no part: changing them changes nothing."""
    X, y = plant
    first = AutoForecaster(focus="simulation", max_time=1e-3, **FAST).fit(X[:600], y[:600])
    changed = y.copy()
    changed[600:] = 0.0
    second = AutoForecaster(focus="simulation", max_time=1e-3, **FAST).fit(X[:600],
                                                                          changed[:600])
    np.testing.assert_array_equal(first.validation_errors_, second.validation_errors_)
    assert len(first.candidates_) == 1  # max_time: the first candidate always runs


@pytest.mark.parametrize("focus, n_seeds", [("prediction", 5), ("simulation", 3)])
def test_seeds_a_candidate_by_default(plant, focus, n_seeds):
    X, y = plant
    auto = AutoForecaster(focus=focus, max_time=1e-3, families=("narx",), ensemble_size=1,
                          random_state=0, progress=False).fit(X[:600], y[:600])
    assert auto.validation_errors_.shape == (1, n_seeds)
    assert np.unique(auto.validation_errors_).size == n_seeds  # each seed its own fit


def test_a_simulation_candidate_is_scored_on_the_tail_of_a_free_run_from_the_records_start(
        plant):
    """The free run that scores a candidate starts from the record's first measured rows and
    runs through the rows it was fitted on into the tail, where it is scored: started from the
    tail's own first rows, their measurement noise would set its initial state, and a model
    whose free run keeps such an offset would be judged by the noise (benchmarks/NOTES.md)."""
    X, y = plant
    auto = AutoForecaster(focus="simulation", max_time=1e-3, **{**FAST, "n_seeds": 1})
    auto.fit(X[:600], y[:600])
    first, tail = max(10, auto.orders_[0] + 1), 480
    head_fit = clone(auto.best_estimator_.estimators_[0]).fit(X[:tail], y[:tail])
    simulated = np.asarray(head_fit.simulate(X[:600], y[:first]))
    assert auto.validation_errors_[0, 0] == pytest.approx(
        np.sqrt(np.mean((simulated[tail + first:] - y[tail + first:600]) ** 2)), rel=1e-12)


def test_prediction_focus_in_a_pipeline_with_records_and_intervals(plant):
    X, y = plant
    groups = np.repeat(["a", "b"], 450)
    auto = AutoForecaster(horizons=(1, 3), max_time=1e-3, **FAST)
    pipeline = make_pipeline(StandardScaler(), auto).fit(X, y, autoforecaster__groups=groups)
    forecasts = pipeline.predict(X[:60], y=y[:60], horizon=3)
    assert np.isfinite(forecasts[5:]).all()
    conformal = ConformalRegressor(AutoForecaster(max_time=1e-3, **FAST), max_horizon=2)
    conformal.fit(X[:700], y[:700])
    lower, upper = conformal.predict_interval(X[700:760], y[700:760], horizon=2,
                                              coverage=0.8).T
    assert np.nanmean((y[700:760] >= lower) & (y[700:760] <= upper)) > 0.5


def test_forecasting_members_are_the_validated_fit_and_two_refits_on_every_row(plant):
    """With the prediction focus each fit chosen is kept as validated (on the head rows) at
    half its weight and refitted on every row (it learns the latest rows), not continued:
    from its own seed and from one more, a quarter each; the second, never validated, has
    no validation error."""
    X, y = plant
    auto = AutoForecaster(horizons=(1, 2), max_time=1e-3, **FAST).fit(X[:600], y[:600])
    ensemble = auto.ensemble_
    assert ensemble.weight.sum() == pytest.approx(1)
    heads, refits = ensemble[ensemble.rows == "head"], ensemble[ensemble.rows == "all"]
    assert len(heads) >= 1
    assert heads.weight.sum() == pytest.approx(0.5) == refits.weight.sum()
    for seed, error in zip(heads.seed, heads.validation):  # each refitted from its seed
        assert refits[refits.seed == seed].validation.tolist() == [error]
    # and (unless dropped) from one more each, never validated
    assert refits.validation.isna().sum() <= len(heads) < len(refits) + 1
    for (name, seed, _, rows), member in zip(auto.members_, auto.best_estimator_.estimators_):
        assert name == auto.candidates_[0] and member.random_state == seed
        rows_fitted = 480 if rows == "head" else 600  # the head: the first four fifths
        fresh = clone(member).fit(X[:rows_fitted], y[:rows_fitted])
        np.testing.assert_array_equal(member.theta_, fresh.theta_)


def test_a_forecasting_refit_that_runs_away_on_its_training_rows_is_dropped(plant):
    """A refit whose forecasts of its own training rows are far worse than its validated
    fit's of the head rows gives its weight to the other refit of that fit."""
    X, y = plant
    network = NARXRegressor(hidden_layer_sizes=(5,), solver="br", random_state=0)
    head = clone(network).fit(X[:480], y[:480])
    good = clone(network).fit(X[:600], y[:600])
    bad = clone(network).fit(X[:600], y[:600])
    bad.theta_ = 20 * bad.theta_
    plan = [Member("NARX", 0, 0.1, network, 0.25, 0), Member("NARX", 1, np.nan, network, 0.25, 0)]
    auto = AutoForecaster(horizons=(1, 2))
    for members in ([good, bad], [bad, good]):
        kept, kept_members = without_runaways(
            auto, plan, members, [("NARX", 0, head, None)], X[:600], y[:600], [(0, 480, 600)],
            10)
        assert kept_members == [good] and kept[0].weight == 0.5
    kept, kept_members = without_runaways(  # both good: both kept
        auto, plan, [good, good], [("NARX", 0, head, None)], X[:600], y[:600], [(0, 480, 600)],
        10)
    assert [entry.weight for entry in kept] == [0.25, 0.25]


def test_backtest_archives_and_the_command_line(simulation_model, plant, tmp_path):
    X, y = plant
    result = backtest({"auto": AutoForecaster(max_time=1e-3, **FAST)}, X, y, horizons=[1],
                      train_size=700, reference=None)
    assert np.isfinite(result.scores.value).all()
    dump(simulation_model, tmp_path / "auto.narxcast")
    loaded = load(tmp_path / "auto.narxcast")
    np.testing.assert_array_equal(loaded.simulate(X[700:], y[700:710]),
                                  simulation_model.simulate(X[700:], y[700:710]))
    assert loaded.leaderboard_.equals(simulation_model.leaderboard_)
    assert loaded.ensemble_.equals(simulation_model.ensemble_)
    import pandas as pd

    pd.DataFrame({"time": pd.date_range("2024-01-01", periods=700, freq="h"),
                  "y": y[:700], "u": X[:700, 0]}).to_csv(tmp_path / "plant.csv", index=False)
    done = narxcast_command("fit", tmp_path / "plant.csv", "--target", "y", "--exog", "u",
                            "--auto", "--focus", "simulation", "--max-time", "1",
                            "--param", "families=['narx']", "--param", "n_seeds=1",
                            "--param", "ensemble_size=1",
                            "--out", tmp_path / "m.narxcast", "--quiet")
    assert done.returncode == 0, done.stderr
    members = load(tmp_path / "m.narxcast").best_estimator_.estimators_
    assert len(members) == 1 and isinstance(members[0], NARXRegressor)


def test_bad_settings_are_named_before_any_work():
    X, y = np.zeros((100, 1)), np.zeros(100)
    with pytest.raises(ValueError, match="`families` must name"):
        AutoForecaster(families=("narx", "prophet")).fit(X, y)
    with pytest.raises(ValueError, match="at least 50 rows"):
        AutoForecaster().fit(X[:20], y[:20])
    with pytest.raises(ValueError, match="horizon"):
        AutoForecaster(horizons=(0,)).fit(X, y)


def test_seeds_fitted_in_parallel_give_the_same_search(plant):
    X, y = plant
    options = dict(focus="simulation", max_time=1e-3, **FAST)
    serial = AutoForecaster(**options).fit(X[:600], y[:600])
    parallel = AutoForecaster(n_jobs=2, **options).fit(X[:600], y[:600])
    np.testing.assert_array_equal(parallel.validation_errors_, serial.validation_errors_)
