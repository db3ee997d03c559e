"""Fits that hold on data they never saw: scale-free stopping, restarts, ensembles
over seeds, closed loops kept within the training range."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from narxcast import ElmanRegressor, GRURegressor, NARXRegressor, TDNNRegressor
from narxcast.compose import (
    ClearSkyIndexRegressor,
    EnsembleRegressor,
    IrradianceRegressor,
    VotingRegressor,
)
from narxcast.model_selection import backtest, make_horizon_scorer
from narxcast.serialization import dump, load
from narxcast.training.stages import TrainingData


def narendra_example_4(u, noise=0.0, rng=None):
    """Narendra & Parthasarathy (1990), example 4:
    y(k+1) = [y(k) y(k-1) y(k-2) u(k-1) (y(k-2) - 1) + u(k)] / (1 + y(k-1)^2 + y(k-2)^2)."""
    y = np.zeros(len(u))
    for k in range(2, len(u) - 1):
        y[k + 1] = ((y[k] * y[k - 1] * y[k - 2] * u[k - 1] * (y[k - 2] - 1) + u[k])
                    / (1 + y[k - 1] ** 2 + y[k - 2] ** 2))
    return y if not noise else y + noise * rng.standard_normal(len(u))


def _nrmse(truth, forecasts):
    scored = np.isfinite(forecasts)
    return np.sqrt(np.mean((forecasts[scored] - truth[scored]) ** 2)) / np.std(truth[scored])


@pytest.mark.slow
def test_default_levenberg_marquardt_identifies_a_known_plant():
    """With scikit-learn's absolute tol, LM stopped early on this plant (noise
    0.005). With the relative tol, trainlm's criteria and its budget (max_iter="auto": 1000
    iterations), the default fit converges to the noise level on the training data (NRMSE
    0.0121-0.0133 over five seeds, the noise alone 0.0113), and simulates a noiseless
    sum-of-sines input, unlike the white-noise training input, to an NRMSE of 0.006-0.032
    free run (0.005-0.027 one step ahead): the sines visit regressor combinations the
    training input rarely did, the one error a correct structure leaves."""
    import copy

    rng = np.random.default_rng(0)
    u = rng.uniform(-1, 1, 1500)
    y = narendra_example_4(u, noise=0.005, rng=rng)
    model = NARXRegressor(input_delays=[1, 2], feedback_delays=[1, 2, 3],
                          hidden_layer_sizes=(20,), solver="lm", random_state=0)
    model.fit(u[:, None], y)
    assert model.stopped_by_ == "converged" and model.n_iter_ > 200
    noise = 0.005 / np.std(y)
    assert _nrmse(y, model.predict(u[:, None], y, horizon=1)) < 1.15 * noise
    k = np.arange(800)
    u_test = np.sin(2 * np.pi * k / 250) * 0.8 + 0.2 * np.sin(2 * np.pi * k / 25)
    y_test = narendra_example_4(u_test)
    simulated = copy.deepcopy(model).update(u_test[:3, None], y_test[:3]).predict(
        u_test[3:, None])  # free run from the record's first three values
    assert _nrmse(y_test[3:], simulated) < 0.02


def _plant(n=600, seed=0):
    rng = np.random.default_rng(seed)
    u = rng.uniform(-1, 1, n)
    y = np.zeros(n)
    for k in range(n - 1):
        y[k + 1] = 0.6 * y[k] + np.tanh(u[k]) + 0.02 * rng.standard_normal()
    return u[:, None], y


@pytest.mark.parametrize("estimator", [
    NARXRegressor(input_delays=[1], feedback_delays=[1], max_iter=15, random_state=0),
    NARXRegressor(input_delays=[1], feedback_delays=[1], solver="lm", max_iter=5,
                  early_stopping=True, random_state=0),
    ElmanRegressor(input_delays=1, feedback_delays=(), hidden_layer_sizes=(4,), max_iter=5,
                   random_state=0),
    TDNNRegressor(input_delays=1, target_delays=1, max_horizon=2, max_iter=5, random_state=0)])
def test_restarts_keep_the_best_and_the_first_is_the_single_fit(estimator):
    X, y = _plant()
    single = clone(estimator).fit(X, y)
    restarted = clone(estimator).set_params(n_init=4).fit(X, y)
    assert len(restarted.init_scores_) == 4 and single.init_scores_ == []
    assert np.isfinite(restarted.init_scores_).all()
    if not estimator.early_stopping:
        return  # restarts train without the validation tail they are chosen on (test_focus)
    # early stopping holds the same tail out: the first restart is the single fit, and the
    # best can only be as good or better
    first = 1 - single.best_validation_score_
    assert restarted.init_scores_[0] == pytest.approx(first, rel=1e-12)
    assert min(restarted.init_scores_) <= first
    if min(restarted.init_scores_) < first:
        assert not np.array_equal(restarted.theta_, single.theta_)


def test_ensemble_is_the_mean_of_its_members_in_every_mode():
    X, y = _plant()
    member = NARXRegressor(input_delays=[1], feedback_delays=[1], max_iter=10)
    ensemble = EnsembleRegressor(member, n_estimators=3, random_state=0).fit(X[:500], y[:500])
    seeds = ensemble.seeds_
    assert len(set(seeds)) == 3
    members = [clone(member).set_params(random_state=seed).fit(X[:500], y[:500])
               for seed in seeds]
    for args, kwargs in [((X[500:520],), {}), ((X[500:], y[500:]), {"horizon": 3}),
                         ((X[500:], y[500:]), {"horizon": 3, "all_horizons": True})]:
        expected = np.mean([m.predict(*args, **kwargs) for m in members], axis=0)
        np.testing.assert_allclose(ensemble.predict(*args, **kwargs), expected, rtol=1e-12)
    mean, spread = ensemble.predict(X[500:], y[500:], horizon=3, return_std=True)
    np.testing.assert_allclose(spread, np.std([m.predict(X[500:], y[500:], horizon=3)
                                               for m in members], axis=0), rtol=1e-12)
    assert np.nanmax(spread) > 0
    median = clone(ensemble).set_params(combine="median").fit(X[:500], y[:500])
    np.testing.assert_allclose(median.predict(X[500:520]), np.median(
        [m.predict(X[500:520]) for m in members], axis=0), rtol=1e-12)


def test_ensemble_works_in_pipelines_searches_backtests_and_files(tmp_path):
    X, y = _plant()
    ensemble = EnsembleRegressor(GRURegressor(input_delays=1, feedback_delays=(),
                                              hidden_layer_sizes=(3,), max_iter=2),
                                 n_estimators=2, random_state=0)
    search = GridSearchCV(make_pipeline(StandardScaler(), ensemble),
                          {"ensembleregressor__estimator__hidden_layer_sizes": [(2,), (3,)]},
                          cv=TimeSeriesSplit(2), scoring=make_horizon_scorer("rmse", horizon=2))
    search.fit(X, y)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    result = backtest({"ensemble": ensemble}, X, y, horizons=(1, 2), progress=False)
    assert set(result.scores.horizon) == {1, 2}
    fitted = clone(ensemble).fit(X[:500], y[:500])
    dump(fitted, tmp_path / "e.narxcast")
    np.testing.assert_array_equal(load(tmp_path / "e.narxcast").predict(X[500:510]),
                                  fitted.predict(X[500:510]))


def test_ensemble_inside_the_clear_sky_index_wrapper():
    import pandas as pd

    hour = np.arange(24 * 40) % 24
    clearsky = np.maximum(800 * np.sin(np.pi * (hour - 6) / 12), 0)
    k = np.clip(0.7 + 0.2 * np.sin(np.arange(hour.size) / 40), 0, 1)
    X, y = pd.DataFrame({"clearsky_ghi": clearsky}), k * clearsky
    model = ClearSkyIndexRegressor(EnsembleRegressor(
        NARXRegressor(input_delays=0, feedback_delays=[1, 24], max_iter=5), n_estimators=2,
        random_state=0)).fit(X[:800], y[:800])
    forecasts = model.predict(X[800:], y[800:], horizon=3)
    assert np.nanmax(forecasts[clearsky[800:] <= 10]) == 0.0
    assert np.nanmax(np.abs(forecasts - y[800:])) < 200


def test_an_estimator_without_seed_makes_no_ensemble():
    from narxcast import ARIMARegressor

    X, y = _plant(200)
    with pytest.raises(ValueError, match="has no random_state"):
        EnsembleRegressor(ARIMARegressor()).fit(X, y)


def test_voting_is_the_weighted_mean_of_its_members_in_every_mode():
    from narxcast import ARIMARegressor

    X, y = _plant()
    narx = NARXRegressor(input_delays=[1], feedback_delays=[1], max_iter=10, random_state=0)
    arima = ARIMARegressor(order=(1, 0, 0))
    voting = VotingRegressor([("narx", narx), ("arima", arima)], weights=[3, 1])
    voting.fit(X[:500], y[:500])
    members = [clone(narx).fit(X[:500], y[:500]), clone(arima).fit(X[:500], y[:500])]
    assert list(voting.named_estimators_) == ["narx", "arima"]
    for args, kwargs in [((X[500:520],), {}), ((X[500:], y[500:]), {"horizon": 3}),
                         ((X[500:], y[500:]), {"horizon": 3, "all_horizons": True})]:
        forecasts = [np.asarray(m.predict(*args, **kwargs)) for m in members]
        np.testing.assert_allclose(voting.predict(*args, **kwargs),
                                   0.75 * forecasts[0] + 0.25 * forecasts[1], rtol=1e-12)
    runs = [m.simulate(X[500:], y[500:505]) for m in members]
    np.testing.assert_allclose(voting.simulate(X[500:], y[500:505]),
                               0.75 * runs[0] + 0.25 * runs[1], rtol=1e-12)
    mean, spread = voting.predict(X[500:], y[500:], horizon=2, return_std=True)
    forecasts = np.stack([m.predict(X[500:], y[500:], horizon=2) for m in members])
    np.testing.assert_allclose(spread, np.sqrt(0.75 * (forecasts[0] - mean) ** 2
                                               + 0.25 * (forecasts[1] - mean) ** 2), rtol=1e-10)
    for member in members:  # update reaches every member
        member.update(X[500:510], y[500:510])
    voting.update(X[500:510], y[500:510])
    np.testing.assert_allclose(voting.predict(X[510:520]), 0.75 * members[0].predict(
        X[510:520]) + 0.25 * members[1].predict(X[510:520]), rtol=1e-12)


@pytest.mark.parametrize("estimators, weights, message", [
    ([], None, "non-empty list"),
    ([("a", StandardScaler())], None, "narxcast forecaster"),
    ([("a", NARXRegressor()), ("a", NARXRegressor())], None, "distinct names"),
    ([("a", NARXRegressor()), ("b", NARXRegressor())], [1], "2 non-negative"),
    ([("a", NARXRegressor()), ("b", NARXRegressor())], [1, -1], "2 non-negative"),
    ([("a", NARXRegressor()), ("b", NARXRegressor())], [0, 0], "not all zero"),
    ([("a", NARXRegressor()), ("b", NARXRegressor())], [1, np.nan], "2 non-negative"),
])
def test_voting_names_bad_members_and_weights_before_fitting(estimators, weights, message):
    X, y = _plant(100)
    with pytest.raises(ValueError, match=message):
        VotingRegressor(estimators, weights=weights).fit(X, y)


def test_a_model_that_runs_away_is_held_near_its_training_range():
    """A NARX fitted on inputs in [-1, 1], then driven by inputs ten times larger: its closed
    loop left free runs to values far beyond anything seen in training; held, its forecasts
    stay within the training range widened by clip_forecasts, and a warning says so."""
    X, y = _plant()
    options = dict(input_delays=[0, 1], feedback_delays=[1, 2], hidden_layer_sizes=(8,),
                   activation="relu", max_iter=30, random_state=0)
    free = NARXRegressor(clip_forecasts=None, **options).fit(X, y)
    held = NARXRegressor(**options).fit(X, y)
    np.testing.assert_array_equal(free.theta_, held.theta_)  # training is not bounded
    X_far = 10.0 * np.random.default_rng(5).uniform(-1, 1, (200, 1))
    low, high = held.target_range_[:, 0]
    margin = 0.25 * (high - low)
    runaway = free.predict(X_far)
    assert np.abs(runaway).max() > 3 * max(abs(low), abs(high))
    with pytest.warns(RuntimeWarning, match="held at the bounds of the training range"):
        bounded = held.predict(X_far)
    assert (bounded >= low - margin - 1e-9).all() and (bounded <= high + margin + 1e-9).all()
    # within the range the bound changes nothing
    np.testing.assert_array_equal(held.predict(X[:50], y[:50], horizon=3),
                                  free.predict(X[:50], y[:50], horizon=3))


@pytest.mark.parametrize("estimator", [
    NARXRegressor(input_delays=[1], feedback_delays=[1, 2], max_iter=8, random_state=0),
    GRURegressor(input_delays=1, feedback_delays=[1], hidden_layer_sizes=(3,), max_iter=3,
                 random_state=0)])
def test_early_stopping_scores_the_horizons_asked_for(estimator):
    """validation_horizons=(1, 6): the validation score is the mean over those lead times of
    the R^2 of the forecasts of every validation target, made at its origin; the kept
    parameters score the best of them, recomputed here from predict."""
    X, y = _plant()
    model = clone(estimator).set_params(early_stopping=True, validation_horizons=(1, 6))
    model.fit(X, y)
    start = len(y) - int(np.ceil(0.1 * (len(y) - model.max_delay_)))
    scores = []
    for h in (1, 6):
        forecasts = model.predict(X, y, horizon=h)[start:]
        truth = y[start:]
        scores.append(1 - np.sum((forecasts - truth) ** 2) / np.sum((truth - truth.mean()) ** 2))
    assert model.best_validation_score_ == pytest.approx(np.mean(scores), rel=1e-9)
    assert model.best_validation_score_ == max(model.validation_scores_)
    with pytest.raises(ValueError, match="`validation_horizons` must hold integers"):
        clone(model).set_params(validation_horizons=[0, 3]).fit(X, y)


def test_irradiance_forecasts_are_physical_in_every_mode():
    """Never negative, zero at night, at most max_index x clear-sky; elsewhere the inner
    forecaster's own forecasts."""
    import pandas as pd

    rng = np.random.default_rng(0)
    hour = np.arange(24 * 40) % 24
    clearsky = np.maximum(800 * np.sin(np.pi * (hour - 6) / 12), 0)
    y = clearsky * rng.uniform(0.2, 1.0, hour.size) + 30 * rng.normal(size=hour.size)
    X = pd.DataFrame({"clearsky_ghi": clearsky})
    inner = NARXRegressor(input_delays=0, feedback_delays=[1, 24], max_iter=10, random_state=0)
    model = IrradianceRegressor(inner, max_index=1.2).fit(X[:800], y[:800])
    raw = clone(inner).fit(X[:800], y[:800])
    night = clearsky[800:] <= 10
    for kwargs in ({"horizon": 1}, {"horizon": 6, "all_horizons": True}):
        bounded = model.predict(X[800:], y[800:], **kwargs)
        free = raw.predict(X[800:], y[800:], **kwargs)
        bound = 1.2 * clearsky[800:] if bounded.ndim == 1 else 1.2 * clearsky[800:, None]
        formed = np.isfinite(bounded)
        assert (bounded[formed] >= 0).all() and (bounded[formed] <= bound[formed]
                                                 if bounded.ndim == 1 else
                                                 (bounded <= bound)[formed]).all()
        assert np.nanmax(np.abs(bounded[night])) == 0.0
        inside = formed & (free > 0) & (free < bound) & ~(
            night if bounded.ndim == 1 else night[:, None])
        np.testing.assert_array_equal(bounded[inside], free[inside])
        assert (free[formed] < 0).any()  # the inner model alone does go negative
    continued = model.predict(X[800:824])
    assert (continued >= 0).all()



def test_grid_search_scores_only_the_rows_it_is_given_over_seeds():
    """cv_results_ are backtests on the last fifth of the fit rows, averaged over seeds
    (recomputed here); the refit is the best configuration with the first seed; the search
    sits in a pipeline."""
    from narxcast.model_selection import ForecastingGridSearch

    X, y = _plant(500)
    base = NARXRegressor(input_delays=[1], max_iter=5)
    search = ForecastingGridSearch(base, param_grid={"feedback_delays": [1, 2]},
                                   horizons=(1, 4), seeds=(0, 1)).fit(X[:400], y[:400])
    assert len(search.cv_results_) == 2 and search.cv_results_.mean_rmse.is_monotonic_increasing
    for row in search.cv_results_.itertuples():
        per_seed = []
        for seed in (0, 1):  # by hand: fitted on the first 320 rows, forecast from the
            # origins 319..398 (the rows up to each origin measured), RMSE per lead, averaged
            model = clone(base).set_params(random_state=seed, **row.params)
            model.fit(X[:320], y[:320])
            leads = model.predict(X[:400], y[:400], horizon=4, all_horizons=True)
            per_seed.append(np.mean([np.sqrt(np.mean((leads[319 + h:400, h - 1]
                                                      - y[319 + h:400]) ** 2))
                                     for h in (1, 4)]))
        assert row.mean_rmse == pytest.approx(np.mean(per_seed), rel=1e-12)
        assert row.std_rmse == pytest.approx(np.std(per_seed, ddof=1), rel=1e-9)
    refit = clone(base).set_params(random_state=0, **search.best_params_).fit(X[:400], y[:400])
    np.testing.assert_array_equal(search.predict(X[400:], y[400:], horizon=4),
                                  refit.predict(X[400:], y[400:], horizon=4))
    pipeline = make_pipeline(StandardScaler(), clone(search)).fit(X[:400], y[:400])
    assert np.isfinite(pipeline.predict(X[400:410])).all()


def test_persistence_horizon_weights_and_weighted_levenberg_marquardt():
    """horizon_weights="persistence": each closed-loop step weighted by the inverse of naive
    persistence's MSE at that lead on the training targets (mean 1); LM's weighted residuals
    are the plain ones times the roots of the weights; open-loop stages are unweighted."""
    X, y = _plant(400)
    model = NARXRegressor(input_delays=[1], feedback_delays=[1], bptt_steps=6, solver="lm",
                          loop=("open", "closed"), max_iter=3, horizon_weights="persistence",
                          random_state=0).fit(X, y)
    inputs_t, targets_t = model._scaled_t(X, y[:, None])
    first = model.max_delay_
    weights = model._horizon_weights(6, True, targets_t, first, 400)
    scaled = targets_t[0, first:]
    mse = np.array([np.mean((scaled[h:] - scaled[:-h]) ** 2) for h in range(1, 7)])
    np.testing.assert_allclose(weights, (1 / mse) / np.mean(1 / mse), rtol=1e-12)
    assert np.all(np.diff(weights) < 0)  # later leads are harder: weighted less
    np.testing.assert_array_equal(model._horizon_weights(6, False, targets_t, first, 400),
                                  np.ones(6))
    data = TrainingData.of(inputs_t, targets_t)
    weighted = model._least_squares_problem(data, first, True)
    plain = clone(model).set_params(horizon_weights=None).fit(X, y)._least_squares_problem(
        data, first, True)
    r_weighted, j_weighted = weighted.residuals_jacobian(model.theta_)
    r_plain, j_plain = plain.residuals_jacobian(model.theta_)
    roots = np.repeat(np.sqrt(weights), r_plain.size // 6)
    np.testing.assert_allclose(r_weighted, r_plain * roots, rtol=1e-12)
    np.testing.assert_allclose(j_weighted, j_plain * roots, rtol=1e-12)
    np.testing.assert_allclose(weighted.residuals(model.theta_), r_weighted, rtol=1e-12)
    with pytest.raises(ValueError, match="`horizon_weights` must be 'persistence' or 6"):
        clone(model).set_params(horizon_weights=[1.0, 2.0]).fit(X, y)


def test_score_with_a_horizon_is_the_r2_of_those_forecasts():
    """score(X, y) keeps scikit-learn's meaning (the continuation); score(X, y, horizon=h)
    is the R^2 of predict(X, y, horizon=h) over the rows formed, for every forecaster."""
    X, y = _plant()
    for model in (NARXRegressor(input_delays=[1], feedback_delays=[1, 2], max_iter=5,
                                random_state=0),
                  EnsembleRegressor(NARXRegressor(input_delays=[1], feedback_delays=[1],
                                                  max_iter=3), n_estimators=2,
                                    random_state=0)):
        model.fit(X[:500], y[:500])
        forecasts = model.predict(X[500:], y[500:], horizon=4)
        formed = np.isfinite(forecasts)
        truth = y[500:][formed]
        expected = 1 - np.sum((forecasts[formed] - truth) ** 2) / np.sum(
            (truth - truth.mean()) ** 2)
        assert model.score(X[500:], y[500:], horizon=4) == pytest.approx(expected, rel=1e-12)
        continuation = model.predict(X[500:])
        assert model.score(X[500:], y[500:]) == pytest.approx(
            1 - np.sum((continuation - y[500:]) ** 2) / np.sum((y[500:] - y[500:].mean()) ** 2),
            rel=1e-12)


def test_restarts_in_processes_are_the_restarts_one_after_the_other():
    """n_init restarts on two processes (n_jobs=2) give exactly the sequential fit."""
    rng = np.random.default_rng(3)
    u = rng.uniform(-1, 1, 400)
    y = narendra_example_4(u, noise=0.005, rng=rng)
    options = dict(input_delays=[1, 2], feedback_delays=[1, 2, 3], hidden_layer_sizes=(6,),
                   max_iter=20, n_init=3, early_stopping=True, random_state=0)
    sequential = NARXRegressor(**options).fit(u[:, None], y)
    parallel = NARXRegressor(**options, n_jobs=2).fit(u[:, None], y)
    np.testing.assert_array_equal(parallel.theta_, sequential.theta_)
    assert parallel.init_scores_ == sequential.init_scores_
