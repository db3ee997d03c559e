"""scikit-learn compatibility: estimator checks, pipelines, search with horizon scorers."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from narxcast import (
    ARIMARegressor,
    ElmanRegressor,
    GRURegressor,
    LSTMRegressor,
    NARXRegressor,
    PersistenceRegressor,
    TDNNRegressor,
)
from narxcast.compose import (
    ClearSkyIndexRegressor,
    EnsembleRegressor,
    GlobalRegressor,
    IrradianceRegressor,
    VotingRegressor,
)
from narxcast.intervals import ConformalRegressor
from narxcast.model_selection import (
    AutoForecaster,
    ForecastingGridSearch,
    backtest,
    make_horizon_scorer,
)

from .conftest import solar_like

TEMPORAL = ("predict(X) continues the series from the end of the training data, so its rows "
            "depend on the rows before them: permuting or subsetting X changes the forecasts")


def expected_failed_checks(estimator):
    if isinstance(estimator, PersistenceRegressor):
        return {}  # its continuation repeats the last value(s) whatever the rows of X
    return {
        "check_methods_sample_order_invariance": TEMPORAL,
        "check_methods_subset_invariance": TEMPORAL,
    }


@parametrize_with_checks([NARXRegressor(max_iter=20, random_state=0),
                          TDNNRegressor(max_horizon=3, max_iter=20, random_state=0),
                          PersistenceRegressor(), PersistenceRegressor(kind="seasonal"),
                          ARIMARegressor(order=(1, 0, 1)),
                          ElmanRegressor(max_iter=20, random_state=0),
                          LSTMRegressor(max_iter=20, random_state=0),
                          GRURegressor(max_iter=20, random_state=0),
                          EnsembleRegressor(NARXRegressor(max_iter=20), n_estimators=2,
                                            random_state=0),
                          VotingRegressor([("narx", NARXRegressor(max_iter=20, random_state=0)),
                                           ("arima", ARIMARegressor(order=(1, 0, 0)))],
                                          weights=[2, 1]),
                          ForecastingGridSearch(NARXRegressor(max_iter=20),
                                                param_grid={"feedback_delays": [1, 2]},
                                                seeds=(0,))],
                         expected_failed_checks=expected_failed_checks)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# the checks that fit on a handful of rows, or on random numbers as if they were a series
SMALL_DATA_CHECKS = (
    "check_dict_unchanged", "check_dont_overwrite_parameters", "check_dtype_object",
    "check_estimators_dtypes", "check_estimators_fit_returns_self", "check_estimators_nan_inf",
    "check_estimators_overwrite_params", "check_estimators_pickle",
    "check_f_contiguous_array_estimator", "check_fit2d_1feature", "check_fit2d_predict1d",
    "check_fit_check_is_fitted", "check_fit_idempotent", "check_fit_score_takes_y",
    "check_n_features_in", "check_n_features_in_after_fitting", "check_pipeline_consistency",
    "check_positive_only_tag_during_fit", "check_readonly_memmap_input",
    "check_regressor_data_not_an_array", "check_regressors_int",
    "check_regressors_no_decision_function", "check_regressors_train", "check_supervised_y_2d")
CONTRACTS = {  # name: (why, the small-data checks it passes all the same)
    "ConformalRegressor": (
        "calibrates on the last fifth of the rows it is given and needs at least 20 there: "
        "the checks fit on 10 to 56 rows",
        {"check_positive_only_tag_during_fit", "check_regressors_train",
         "check_regressor_data_not_an_array", "check_fit_check_is_fitted",
         "check_n_features_in"}),
    "AutoForecaster": (
        "chooses a model on the validation tail of at least 50 rows: the checks fit on 10 to "
        "56 rows",
        {"check_positive_only_tag_during_fit", "check_regressors_train",
         "check_regressor_data_not_an_array"}),
    "GlobalRegressor": (
        "a global model is fitted over several series: `groups` is required, which the "
        "checks do not pass", set()),
    "ClearSkyIndexRegressor": (
        "the target is y over the clear-sky column, which the checks' random numbers make a "
        "constant (nothing to forecast)",
        {"check_fit_idempotent", "check_fit_check_is_fitted", "check_n_features_in"}),
}


def expected_meta_failures(estimator):
    """What the forecasting contract of each meta-estimator requires (:data:`CONTRACTS`):
    the checks that cannot get past its ``fit`` on the checks' data, and the temporal ones
    (an IrradianceRegressor on the checks' random clear sky forecasts a constant night,
    which no order changes); anything else it must pass."""
    name = type(estimator).__name__
    failures = {} if name == "IrradianceRegressor" else dict.fromkeys(
        ("check_methods_sample_order_invariance", "check_methods_subset_invariance"), TEMPORAL)
    if name in CONTRACTS:
        reason, passing = CONTRACTS[name]
        failures.update(dict.fromkeys(set(SMALL_DATA_CHECKS) - passing, reason))
    return failures


_INNER = NARXRegressor(max_iter=20, random_state=0)


@parametrize_with_checks([ConformalRegressor(_INNER, max_horizon=2), GlobalRegressor(_INNER),
                          ClearSkyIndexRegressor(_INNER, clearsky=0),
                          IrradianceRegressor(_INNER, clearsky=0),
                          AutoForecaster(families=("narx",), n_seeds=1, ensemble_size=1,
                                         max_time=1e-3, progress=False, random_state=0)],
                         expected_failed_checks=expected_meta_failures)
def test_meta_estimators_pass_sklearn_checks_where_their_contract_allows(estimator, check):
    check(estimator)


def test_pipeline_with_scaler_forwards_segments_and_horizon(rng):
    X, y = (np.asarray(data) for data in solar_like(rng, days=20))
    model = NARXRegressor(input_delays=0, feedback_delays=2, max_iter=20, random_state=0)
    pipeline = make_pipeline(StandardScaler(), model).fit(X[:400], y[:400])
    direct = NARXRegressor(input_delays=0, feedback_delays=2, max_iter=20, random_state=0)
    scaler = StandardScaler().fit(X[:400])
    direct.fit(scaler.transform(X[:400]), y[:400])
    np.testing.assert_allclose(pipeline.predict(X[400:]), direct.predict(scaler.transform(X[400:])))
    # Pipeline.predict routes extra keyword arguments to the final step's predict
    np.testing.assert_allclose(
        pipeline.predict(X[400:], y=y[400:], horizon=6),
        direct.predict(scaler.transform(X[400:]), y[400:], horizon=6))


def test_grid_search_with_time_series_split_and_horizon_scorer(rng):
    X, y = (np.asarray(data) for data in solar_like(rng, days=20))
    search = GridSearchCV(
        NARXRegressor(input_delays=0, max_iter=30, learning_rate_init=0.01, random_state=0),
        {"feedback_delays": [1, [1, 24]]}, cv=TimeSeriesSplit(n_splits=3, gap=24),
        scoring=make_horizon_scorer("rmse", horizon=6)).fit(X, y)
    assert set(search.cv_results_) >= {"mean_test_score", "rank_test_score"}
    assert np.all(search.cv_results_["mean_test_score"] < 0)
    # the scorer is -RMSE of the 6-step forecasts on the fold
    fold_train, fold_test = next(TimeSeriesSplit(n_splits=3, gap=24).split(X))
    best = search.best_estimator_.__class__(**search.best_params_, input_delays=0, max_iter=30,
                                            learning_rate_init=0.01, random_state=0)
    best.fit(X[fold_train], y[fold_train])
    forecast = best.predict(X[fold_test], y[fold_test], horizon=6)
    rmse = np.sqrt(np.nanmean((forecast - y[fold_test]) ** 2))
    index = search.cv_results_["params"].index(search.best_params_)
    assert search.cv_results_["split0_test_score"][index] == pytest.approx(-rmse)


def test_pipelines_in_grid_search_and_backtest(rng):
    """The horizon scorer and backtest pass ``y`` and ``horizon`` by keyword, which a
    Pipeline hands to its final step (positionally it would fail, and GridSearchCV would
    silently record NaN scores)."""
    X, y = (np.asarray(data) for data in solar_like(rng, days=20))
    pipeline = make_pipeline(StandardScaler(), NARXRegressor(input_delays=0, max_iter=10,
                                                             random_state=0))
    search = GridSearchCV(pipeline, {"narxregressor__feedback_delays": [1, 2]},
                          cv=TimeSeriesSplit(n_splits=2, gap=24), error_score="raise",
                          scoring=make_horizon_scorer("rmse", horizon=6)).fit(X, y)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    result = backtest({"pipeline": search.best_estimator_}, X, y, horizons=(1, 6),
                      progress=False)
    n_train = int(0.75 * len(y))
    fitted = clone(search.best_estimator_).fit(X[:n_train], y[:n_train])
    expected = fitted.predict(X, y=y, horizon=6)[n_train + 6:]
    np.testing.assert_allclose(result.forecasts[("pipeline", 6)].to_numpy()[n_train + 6:],
                               expected)


def test_cross_validate_with_several_horizon_scorers(rng):
    """Each fold's scores are the metric of the fold's model's h-step forecasts over the test
    rows (negated for an error), computed here by hand."""
    X, y = (np.asarray(data) for data in solar_like(rng, days=20))
    estimator = NARXRegressor(input_delays=0, max_iter=10, random_state=0)
    scores = cross_validate(
        estimator, X, y, cv=TimeSeriesSplit(3),
        scoring={"h1": make_horizon_scorer("mae", horizon=1),
                 "h24": make_horizon_scorer("r2", horizon=24)})
    for fold, (train, test) in enumerate(TimeSeriesSplit(3).split(X)):
        model = clone(estimator).fit(X[train], y[train])
        one_step = model.predict(X[test], y[test], horizon=1)
        day_ahead = model.predict(X[test], y[test], horizon=24)
        errors = np.abs(one_step - y[test])
        assert scores["test_h1"][fold] == pytest.approx(-np.nanmean(errors))
        scored = ~np.isnan(day_ahead)
        truth = y[test][scored]
        r2 = 1 - np.sum((day_ahead[scored] - truth) ** 2) / np.sum((truth - truth.mean()) ** 2)
        assert scores["test_h24"][fold] == pytest.approx(r2)


@pytest.mark.parametrize("estimator", [NARXRegressor(max_iter=5, random_state=0),
                                       ElmanRegressor(max_iter=5, random_state=0)])
def test_read_only_load_gives_writable_arrays_and_the_same_forecasts(rng, tmp_path, estimator):
    """joblib's mmap_mode="r" hands out read-only arrays, for which Numba would compile every
    kernel again: unpickling copies them."""
    import joblib

    X, y = rng.normal(size=(80, 2)), rng.normal(size=80)
    model = clone(estimator).fit(X[:60], y[:60])
    joblib.dump(model, tmp_path / "model.joblib")
    loaded = joblib.load(tmp_path / "model.joblib", mmap_mode="r")
    arrays = [value for value in vars(loaded).values() if isinstance(value, np.ndarray)]
    assert arrays and all(array.flags.writeable for array in arrays)
    np.testing.assert_array_equal(loaded.predict(X[60:]), model.predict(X[60:]))
