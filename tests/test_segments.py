"""Many records, one model: free-run simulation from a record's initial conditions."""

import copy

import numpy as np
import pandas as pd
import pytest

from narxcast import GRURegressor, NARXRegressor, TDNNRegressor

from .conftest import narendra_plant


def _records(seed=0, n=600):
    rng = np.random.default_rng(seed)
    u = rng.uniform(-1, 1, n)
    return u[:, None], narendra_plant(u, noise=0.0, rng=rng)


def test_narx_simulation_is_the_update_then_predict_recipe_without_touching_the_model():
    X, y = _records()
    model = NARXRegressor(input_delays=[1], feedback_delays=[1, 2], solver="lm",
                          random_state=0).fit(X[:400], y[:400])
    kept = (model.history_X_.copy(), model.history_y_.copy())
    simulated = model.simulate(X[400:], y[400:403])
    np.testing.assert_array_equal(model.history_y_, kept[1])  # the model is as it was
    np.testing.assert_array_equal(model.history_X_, kept[0])
    assert np.isnan(simulated[:3]).all() and np.isfinite(simulated[3:]).all()
    two_step = copy.deepcopy(model).update(X[400:403], y[400:403])
    np.testing.assert_allclose(simulated[3:], two_step.predict(X[403:]), rtol=1e-12)
    # a noiseless known plant, identified by LM open then closed loop: a close free run
    error = np.sqrt(np.mean((simulated[3:] - y[403:]) ** 2)) / np.std(y[403:])
    assert error < 0.05


def test_recurrent_simulation_warms_its_state_up_on_the_initial_rows():
    """The state runs from zero over y_initial, then the loop closes: the segment forecasts
    from the last initial row, lead by lead."""
    X, y = _records(1)
    model = GRURegressor(input_delays=0, feedback_delays=[1], hidden_layer_sizes=(6,),
                         max_iter=5, random_state=0).fit(X[:400], y[:400])
    state = model.state_.copy()
    index = pd.date_range("2024-01-01", periods=200, freq="h")
    frame = pd.DataFrame(X[400:], index=index, columns=["u"])
    simulated = model.simulate(frame, pd.Series(y[400:424], index=index[:24], name="y"))
    assert simulated.index.equals(index) and simulated.name == "y"
    np.testing.assert_array_equal(model.state_, state)
    segment = y[400:].copy()
    segment[24:] = np.nan
    leads = model.predict(X[400:], y[400:], horizon=176, all_horizons=True)
    expected = leads[np.arange(24, 200), np.arange(176)]  # row t from origin 23: lead t - 23
    np.testing.assert_allclose(simulated.to_numpy()[24:], expected, rtol=1e-10)


def test_simulation_arguments_are_checked_before_any_work():
    X, y = _records()
    model = NARXRegressor(input_delays=[1], feedback_delays=[1, 2], max_iter=3,
                          random_state=0).fit(X[:400], y[:400])
    with pytest.raises(ValueError, match="`y_initial` must hold at least the largest feedback "
                                         "delay \\(2\\)"):
        model.simulate(X[400:], y[400:401])
    with pytest.raises(ValueError, match="more rows"):
        model.simulate(X[400:402], y[400:402])
    with pytest.raises(ValueError, match="`y_initial` must be finite"):
        model.simulate(X[400:], [0.0, np.nan])
    with pytest.raises(ValueError, match="`X` is required"):
        model.simulate(None, y[400:402])
    with pytest.raises(ValueError, match="`y_initial`: .*target columns"):
        model.simulate(X[400:], [[0.0, 1.0], [0.0, 1.0]])
    tdnn = TDNNRegressor(input_delays=1, target_delays=2, max_horizon=6, max_iter=3,
                         random_state=0).fit(X[:400], y[:400])
    with pytest.raises(ValueError, match="horizon"):
        tdnn.simulate(X[400:], y[400:402])  # a direct model forecasts at most max_horizon


def test_simulation_needs_only_the_output_history_and_starts_the_inputs_at_rest():
    """Input delays reaching before the record do not ask for more measured outputs: the
    record starts at rest, as if its first input row had been held before it."""
    X, y = _records()
    model = NARXRegressor(input_delays=[0, 3], feedback_delays=[1], max_iter=3,
                          random_state=0).fit(X[:400], y[:400])
    simulated = model.simulate(X[400:], y[400:401])
    at_rest = np.concatenate([np.repeat(X[400:401], 3, axis=0), X[400:]])
    written_out = model.simulate(at_rest, np.concatenate([np.repeat(y[400:401], 3), y[400:401]]))
    assert np.isnan(simulated[0]) and np.isfinite(simulated[1:]).all()
    np.testing.assert_allclose(simulated[1:], written_out[4:], rtol=1e-12)


def test_simulation_says_when_it_holds_outputs_at_the_bounds():
    X, y = _records()
    model = NARXRegressor(input_delays=[0], feedback_delays=[1], hidden_layer_sizes=(),
                          solver="lm", clip_forecasts=0.0).fit(X[:400], y[:400])  # linear ARX
    with pytest.warns(RuntimeWarning, match="held at the bounds"):
        simulated = model.simulate(20 * X[400:], y[400:401])
    assert np.nanmax(simulated) <= y[:400].max() + 1e-9
    assert np.nanmin(simulated) >= y[:400].min() - 1e-9


def _linear_records(offsets=(0.0, 40.0), n=300, seed=0):
    """Records of y_t = 0.9 y_{t-1} + u_{t-1} (noiseless), each from its own initial value:
    where one record ends and the next begins, the jump is one the plant cannot make."""
    rng = np.random.default_rng(seed)
    X, y, groups = [], [], []
    for k, start in enumerate(offsets):
        u = rng.uniform(-1, 1, n)
        record = np.zeros(n)
        record[0] = start
        for t in range(1, n):
            record[t] = 0.9 * record[t - 1] + u[t - 1]
        X.append(u)
        y.append(record)
        groups += [f"run {k}"] * n
    return np.concatenate(X)[:, None], np.concatenate(y), np.array(groups)


def test_records_are_fitted_without_a_false_jump_between_them():
    """A linear ARX fitted by LM on two records of a noiseless plant: with `groups` it recovers
    the plant exactly; without, the one step across the boundary biases it."""
    X, y, groups = _linear_records()
    options = dict(input_delays=[1], feedback_delays=[1], hidden_layer_sizes=(), solver="lm",
                   loop="open", alpha=0.0, scale=False, random_state=0)
    separate = NARXRegressor(**options).fit(X, y, groups=groups)
    np.testing.assert_allclose(separate.coefs_[0][:, 0], [1.0, 0.9], atol=1e-6)
    joined = NARXRegressor(**options).fit(X, y)
    assert np.abs(joined.coefs_[0][:, 0] - [1.0, 0.9]).max() > 1e-3
    # a pandas MultiIndex whose first level is the record names them too
    index = pd.MultiIndex.from_arrays([groups, np.arange(len(y))])
    by_index = NARXRegressor(**options).fit(pd.DataFrame(X, index=index),
                                            pd.Series(y, index=index))
    np.testing.assert_array_equal(by_index.theta_, separate.theta_)
    # the history kept to continue is the last record's
    np.testing.assert_array_equal(separate.history_y_[:, 0], y[-1:])


@pytest.mark.parametrize("loop", ["open", "closed"])
def test_training_windows_lie_inside_one_record(loop):
    """The origins of every training problem (gradient windows, LM windows, validation) are
    those of each record alone, by hand."""
    from narxcast.training.stages import TrainingData

    X, y, groups = _linear_records(n=100)
    model = NARXRegressor(input_delays=[1], feedback_delays=[1, 2, 3], bptt_steps=8,
                          loop=loop, max_iter=2, random_state=0).fit(X, y, groups=groups)
    data = TrainingData.of(*model._scaled_t(X, y[:, None]), [(0, 100), (100, 200)])
    problem = model._training_problem(data, 3, loop == "closed")
    window = problem.window
    by_hand = [o for start in (0, 100) for o in range(start + 2, start + 100 - window)]
    np.testing.assert_array_equal(problem.origins, by_hand)
    # every 8th origin of the second record from 150: the last one's window ends at row 198
    assert data.origins(150, 200, 2, 8, step=8).tolist() == [150, 158, 166, 174, 182, 190]
    assert data.record_ends(np.array([0, 99, 100, 199])).tolist() == [100, 100, 200, 200]


def test_evolution_runs_free_from_each_records_initial_conditions():
    """GA's fitness over two records is the mean squared free-run error of each record run
    from its own first rows (checked with simulate, which does the same)."""
    X, y, groups = _linear_records(offsets=(0.0, 5.0), n=200)
    model = NARXRegressor(input_delays=[1], feedback_delays=[1], hidden_layer_sizes=(3,),
                          solver="ga", population_size=20, n_generations=5,
                          clip_forecasts=None, random_state=0).fit(X, y, groups=groups)
    errors = []
    for rows in (slice(0, 200), slice(200, 400)):
        simulated = model.simulate(X[rows], y[rows][:1])
        errors.append(((simulated[1:] - y[rows][1:]) / model.target_scaler_.scale[0]) ** 2)
    assert model.fitness_curve_[-1] == pytest.approx(0.5 * np.mean(np.concatenate(errors)),
                                                     rel=1e-9)


def test_recurrent_states_restart_at_each_record():
    X, y, groups = _linear_records(n=150)
    model = GRURegressor(input_delays=0, feedback_delays=[1], hidden_layer_sizes=(4,),
                         bptt_steps=12, burn_in=6, max_iter=3, early_stopping=True,
                         random_state=0).fit(X, y, groups=groups)
    inputs_t, targets_t = model._scaled_t(X, y[:, None])
    joined = model._states(model.theta_, inputs_t, targets_t, records=[(0, 150), (150, 300)])
    second = model._states(model.theta_, np.ascontiguousarray(inputs_t[:, 150:]),
                           np.ascontiguousarray(targets_t[:, 150:]))
    np.testing.assert_allclose(joined[:, :, 150:], second, rtol=1e-12)
    np.testing.assert_allclose(model.state_, second[:, :, -1], rtol=1e-10)


def test_records_are_checked():
    from narxcast import ARIMARegressor

    X, y, groups = _linear_records(n=50)
    model = NARXRegressor(input_delays=[1], feedback_delays=[1], max_iter=2)
    with pytest.raises(ValueError, match="record 'run 1' is not one contiguous run"):
        model.fit(X, y, groups=np.roll(groups, 10))
    with pytest.raises(ValueError, match="one record id per row"):
        model.fit(X, y, groups=groups[:-1])
    with pytest.raises(ValueError, match="has fewer than 3 rows"):
        model.fit(X, y, groups=["a"] * 98 + ["b"] * 2)
    with pytest.raises(ValueError, match="record '0' is not one contiguous run"):
        model.fit(X, y, groups=np.arange(100) % 2)
    with pytest.raises(ValueError, match="ARIMARegressor cannot be fitted on several"):
        ARIMARegressor().fit(X, y, groups=groups)


def test_predict_forecasts_each_record_from_its_own_initial_conditions():
    X, y, groups = _linear_records(n=120)
    model = NARXRegressor(input_delays=[1], feedback_delays=[1, 2], max_iter=5,
                          random_state=0).fit(X, y, groups=groups)
    together = model.predict(X, y, horizon=3, all_horizons=True, groups=groups)
    for rows in (slice(0, 120), slice(120, 240)):
        np.testing.assert_array_equal(together[rows],
                                      model.predict(X[rows], y[rows], horizon=3,
                                                    all_horizons=True))
    assert np.isnan(together[120:122]).all()  # the second record's initial conditions
    index = pd.MultiIndex.from_arrays([groups, np.arange(240)])
    framed = model.predict(pd.DataFrame(X, index=index), pd.Series(y, index=index), horizon=3)
    np.testing.assert_array_equal(framed.to_numpy(), together[:, 2])
    assert framed.index.equals(index)
    with pytest.raises(ValueError, match="`groups` needs the records' measurements"):
        model.predict(X[:5], groups=groups[:5])
    from sklearn.metrics import r2_score

    formed = ~np.isnan(together[:, 0])
    assert model.score(X, y, horizon=1, groups=groups) == pytest.approx(
        r2_score(y[formed], together[formed, 0]))


def _sites(n_sites=12, n=90, seed=0):
    """Series of one nonlinear plant seen through different gains and offsets (sites)."""
    rng = np.random.default_rng(seed)
    X, y, ids = [], [], []
    for site in range(n_sites):
        u = rng.uniform(-1, 1, n)
        z = np.zeros(n)
        for k in range(n - 1):
            z[k + 1] = z[k] / (1 + z[k] ** 2) + u[k] ** 3
        gain, offset = rng.uniform(0.5, 3.0), rng.uniform(-10, 10)
        X.append(u)
        y.append(gain * (z + 0.02 * rng.normal(size=n)) + offset)
        ids += [f"site {site:02d}"] * n
    return np.concatenate(X)[:, None], np.concatenate(y), np.array(ids)


def test_a_global_model_beats_models_of_one_short_series_each():
    """Twelve sites of one plant, 100 training rows each: one model over all of them (each
    series standardised by its own statistics) forecasts every site's next 30 rows better than
    a 20-neuron model fitted to that site alone, in each site's units. (The margin is what
    the sites' own statistics allow: with the plant's output itself, the same global model's
    error is 0.050 against 0.072 alone; standardising by 100 rows' mean and spread leaves
    each site a slightly different process. benchmarks/NOTES.md, 'the default recipe'.)"""
    from narxcast.compose import GlobalRegressor

    X, y, ids = _sites(n=130)
    train = np.tile(np.arange(130) < 100, 12)
    options = dict(input_delays=[1], feedback_delays=[1], hidden_layer_sizes=(20,),
                   solver="lm", loop="open", random_state=0)
    model = GlobalRegressor(NARXRegressor(**options), scale_inputs=False)
    model.fit(X[train], y[train], groups=ids[train])
    forecasts = model.predict(X[~train], y[~train], horizon=1, groups=ids[~train])
    errors = {"global": [], "per site": []}
    for site in np.unique(ids):
        test = (ids == site) & ~train
        alone = NARXRegressor(**options).fit(X[(ids == site) & train], y[(ids == site) & train])
        scale = np.std(y[test])
        errors["per site"].append(np.sqrt(np.nanmean(
            (alone.predict(X[test], y[test], horizon=1) - y[test]) ** 2)) / scale)
        errors["global"].append(np.sqrt(np.nanmean(
            (forecasts[test[~train]] - y[test]) ** 2)) / scale)
    assert np.mean(errors["global"]) < 0.92 * np.mean(errors["per site"])
    with pytest.raises(ValueError, match="series 'elsewhere' was not seen by fit"):
        model.predict(X[:10], y[:10], groups=["elsewhere"] * 10)
    # a series continued after its latest measurements: simulate from them, in its units
    site = ids == "site 03"
    continued = model.simulate(X[site][95:], y[site][95:101], series="site 03")
    one_step = forecasts[(ids[~train] == "site 03")]  # the site's rows 100..129
    assert np.isnan(continued[:6]).all() and np.isfinite(continued[6:]).all()
    np.testing.assert_allclose(continued[6], one_step[1], rtol=1e-9)  # row 101 from 100
    with pytest.raises(ValueError, match="`groups` .* is required"):
        GlobalRegressor(NARXRegressor()).fit(X, y)


def test_update_with_records_continues_from_the_last_record_alone():
    """``update(X, y, groups)`` takes new records: the continuation is the one a model updated
    with the last record's rows alone would give (a recurrent state warmed on that record
    only), not a continuation of the stored history through the earlier records."""
    from narxcast import ARIMARegressor

    X, y, groups = _linear_records(offsets=(0.0, 20.0, -20.0), n=60)
    new = np.r_[60:120, 120:126]  # record 2, then the first 6 rows of record 3
    future = np.full((4, 1), 0.3)
    model = GRURegressor(input_delays=0, feedback_delays=[1], hidden_layer_sizes=(3,),
                         bptt_steps=8, burn_in=4, max_iter=2, random_state=0).fit(X[:60], y[:60])
    last_only, through = copy.deepcopy(model), copy.deepcopy(model)
    last_only._store_history(*last_only._validate_segment(X[120:126], y[120:126], False, 0, 1),
                             reset=True)
    through.update(X[new], y[new])
    model.update(X[new], y[new], groups=groups[new])
    np.testing.assert_allclose(model.predict(future), last_only.predict(future))
    assert np.abs(model.predict(future) - through.predict(future)).max() > 1e-3
    with pytest.raises(ValueError, match="the last record has 1 rows"):
        NARXRegressor(feedback_delays=[1, 2], max_iter=1).fit(None, y[:60]).update(
            None, y[:3], groups=["a", "a", "b"])
    with pytest.raises(ValueError, match="ARIMARegressor cannot take several records"):
        ARIMARegressor().fit(X[:60], y[:60]).update(X[60:], y[60:], groups=groups[60:])


def test_simulation_without_inputs_and_through_the_meta_estimators():
    """A model without inputs simulates ``horizon`` steps (the continuation an update then
    predict gives); an ensemble's simulation is its members' mean; the irradiance wrapper
    simulates the clear-sky index and returns irradiance."""
    from narxcast.compose import EnsembleRegressor, IrradianceRegressor

    y = np.sin(np.arange(300) / 6) + 0.1 * np.random.default_rng(0).normal(size=300)
    model = NARXRegressor(feedback_delays=[1, 2, 3], max_iter=5, random_state=0).fit(None,
                                                                                     y[:200])
    simulated = model.simulate(None, y[200:240], horizon=6)
    assert simulated.shape == (46,) and np.isnan(simulated[:40]).all()
    continued = copy.deepcopy(model).update(None, y[200:240]).predict(horizon=6)
    np.testing.assert_allclose(simulated[40:], continued, rtol=1e-12)
    with pytest.raises(ValueError, match="`horizon` is for a model without inputs"):
        NARXRegressor(input_delays=[1], max_iter=1).fit(y[:50, None], y[:50]).simulate(
            y[:10, None], y[:5], horizon=3)
    X, u = _records()
    ensemble = EnsembleRegressor(NARXRegressor(input_delays=[1], feedback_delays=[1, 2],
                                               max_iter=5), n_estimators=2,
                                 random_state=0).fit(X[:400], u[:400])
    members = [m.simulate(X[400:], u[400:405]) for m in ensemble.estimators_]
    np.testing.assert_allclose(ensemble.simulate(X[400:], u[400:405]), np.mean(members, 0))
    clearsky = 500 + 400 * np.sin(np.arange(600) / 10)
    ghi = clearsky * (0.6 + 0.3 * np.tanh(u))
    Xc = np.column_stack([X[:, 0], clearsky])
    wrapped = IrradianceRegressor(NARXRegressor(input_delays=[1], feedback_delays=[1, 2],
                                                max_iter=5, random_state=0),
                                  clearsky=1).fit(Xc[:400], ghi[:400])
    got = wrapped.simulate(Xc[400:], ghi[400:405])
    index = wrapped.estimator_.simulate(Xc[400:], ghi[400:405] / clearsky[400:405])
    np.testing.assert_allclose(got[5:], np.clip(index[5:], 0, 1.5) * clearsky[405:])


def test_grid_search_routes_groups_to_the_splitter_and_on_request_to_fit():
    """``GridSearchCV(...).fit(X, y, groups=ids)`` gives the ids to a group splitter as
    always; with scikit-learn's metadata routing and ``set_fit_request(groups=True)`` the
    estimator gets them too, so its refit keeps the records apart (the same θ as a fit with
    ``groups``)."""
    import sklearn
    from sklearn.model_selection import GridSearchCV, GroupKFold

    from narxcast.model_selection import make_horizon_scorer

    X, y, groups = _linear_records(offsets=(0.0, 5.0, -5.0), n=120)
    options = dict(input_delays=[1], feedback_delays=[1], max_iter=5, random_state=0)
    grid = {"hidden_layer_sizes": [(3,), (5,)]}
    scorer = make_horizon_scorer("rmse", 1)
    search = GridSearchCV(NARXRegressor(**options), grid, cv=GroupKFold(3), scoring=scorer)
    search.fit(X, y, groups=groups)  # the splitter's groups only
    best = search.best_params_
    np.testing.assert_array_equal(search.best_estimator_.theta_,
                                  NARXRegressor(**options, **best).fit(X, y).theta_)
    with sklearn.config_context(enable_metadata_routing=True):
        routed = GridSearchCV(NARXRegressor(**options).set_fit_request(groups=True), grid,
                              cv=GroupKFold(3), scoring=scorer).fit(X, y, groups=groups)
        refit = NARXRegressor(**options, **routed.best_params_).fit(X, y, groups=groups)
    np.testing.assert_array_equal(routed.best_estimator_.theta_, refit.theta_)
