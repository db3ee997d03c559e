"""Every bad input the estimator contract names gets a clear error naming the argument,
before any work."""

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

from narxcast import NARXRegressor
from narxcast.model_selection import make_horizon_scorer


@pytest.fixture
def data(rng):
    X = rng.normal(size=(60, 2))
    y = np.cumsum(rng.normal(size=60))
    return X, y


@pytest.fixture
def fitted(data):
    X, y = data
    return NARXRegressor(max_iter=2, random_state=0).fit(X, y)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("where", ["X", "y"])
def test_non_finite_values_are_rejected_everywhere(data, fitted, bad, where):
    X, y = data
    X, y = X.copy(), y.copy()
    (X[10] if where == "X" else y[10:11])[:] = bad
    message = f"Input {where} contains"
    with pytest.raises(ValueError, match=message):
        NARXRegressor(max_iter=2).fit(X, y)
    before = fitted.theta_.copy(), fitted.history_y_.copy()
    with pytest.raises(ValueError, match=message):
        fitted.predict(X, y, horizon=2)
    with pytest.raises(ValueError, match=message):
        fitted.update(X, y)
    # nothing the estimator had is changed by a rejected call
    np.testing.assert_array_equal(fitted.theta_, before[0])
    np.testing.assert_array_equal(fitted.history_y_, before[1])


def test_non_finite_future_inputs_are_rejected(data, fitted):
    X, _ = data
    X = X[:5].copy()
    X[2, 1] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        fitted.predict(X)


def test_segment_not_longer_than_largest_delay(data, fitted):
    X, y = data
    model = NARXRegressor(input_delays=1, feedback_delays=[1, 24])
    with pytest.raises(ValueError, match=re.escape(
            "`y` needs at least 26 rows here (the largest delay is 24). Got n_samples=25.")):
        model.fit(X[:25], y[:25])
    with pytest.raises(ValueError, match=re.escape(
            "`y` needs at least 3 rows here (the largest delay is 2). Got n_samples=2.")):
        fitted.predict(X[:2], y[:2], horizon=1)


def test_mismatched_lengths(data, fitted):
    X, y = data
    message = "`X` and `y` must have the same number of rows. Got 60 and 59."
    with pytest.raises(ValueError, match=re.escape(message)):
        NARXRegressor().fit(X, y[:-1])
    with pytest.raises(ValueError, match=re.escape(message)):
        fitted.predict(X, y[:-1], horizon=3)
    with pytest.raises(ValueError, match=re.escape(message)):
        fitted.update(X, y[:-1])


def test_wrong_feature_count_or_names_at_predict(data, fitted):
    X, y = data
    with pytest.raises(ValueError, match="X has 3 features, but NARXRegressor is expecting 2"):
        fitted.predict(np.ones((5, 3)))
    with pytest.raises(ValueError, match=re.escape("`X` is required: NARXRegressor was fitted "
                                                   "with 2 exogenous features.")):
        fitted.predict(None, horizon=5)
    named = NARXRegressor(max_iter=2).fit(pd.DataFrame(X, columns=["a", "b"]), y)
    with pytest.raises(ValueError, match="The feature names should match those that were "
                                         "passed during fit"):
        named.predict(pd.DataFrame(X[:5], columns=["a", "c"]))
    autoregressive = NARXRegressor(input_delays=(), max_iter=2).fit(None, y)
    with pytest.raises(ValueError, match=re.escape("`X` must be None: NARXRegressor was fitted "
                                                   "without exogenous inputs.")):
        autoregressive.predict(X[:5])


@pytest.mark.parametrize("name, value, error, message", [
    ("input_delays", -1, ValueError, "`input_delays` as an int k means delays 0..k and must be "
                                     "in [0, 1000000]. Got -1."),
    ("feedback_delays", 10**12, ValueError, "`feedback_delays` as an int k means delays 1..k "
                                            "and must be in [0, 1000000]. Got 1000000000000."),
    ("input_delays", [0, -2], ValueError,
     "`input_delays` must hold integers in [0, 1000000]. Got [0, -2]."),
    ("feedback_delays", [0, 1], ValueError,
     "`feedback_delays` must hold integers in [1, 1000000]. Got [0, 1]."),
    ("feedback_delays", [1.5], ValueError,
     "`feedback_delays` must hold integers in [1, 1000000]. Got [1.5]."),
    ("feedback_delays", [1, 1], ValueError,
     "`feedback_delays` must not repeat a delay. Got [1, 1]."),
    ("feedback_delays", 2.0, ValueError,
     "The 'feedback_delays' parameter of NARXRegressor must be"),
    ("hidden_layer_sizes", (5, 0), ValueError,
     "`hidden_layer_sizes` must be a sequence of positive ints. Got (5, 0)."),
    ("activation", "softplus", ValueError, "The 'activation' parameter of NARXRegressor must be"),
    ("loop", "half", ValueError, "The 'loop' parameter of NARXRegressor must be"),
])
def test_bad_parameters_name_the_argument(data, name, value, error, message):
    X, y = data
    with pytest.raises(error, match=re.escape(message)):
        NARXRegressor(**{name: value}).fit(X, y)


def test_bad_dtype_names_the_argument(data):
    from narxcast import LSTMRegressor

    X, y = data
    with pytest.raises(ValueError, match=re.escape(
            "The 'dtype' parameter of LSTMRegressor must be a str among")):
        LSTMRegressor(dtype="float16").fit(X, y)


def test_model_without_regressors(data):
    X, y = data
    with pytest.raises(ValueError, match="The model has no regressors"):
        NARXRegressor(input_delays=(), feedback_delays=()).fit(X, y)


def test_empty_and_constant_series(data):
    X, y = data
    with pytest.raises(ValueError, match="Found array with 0 sample"):
        NARXRegressor().fit(X[:0], y[:0])
    with pytest.raises(ValueError, match=re.escape("`y` is constant (target columns [0]); there "
                                                   "is nothing to forecast.")):
        NARXRegressor().fit(X, np.full(60, 3.0))


@pytest.mark.parametrize("horizon", [0, -3, 1.5, True])
def test_horizon_must_be_a_positive_integer(data, fitted, horizon):
    X, y = data
    message = f"`horizon` must be an integer in [1, 10000000]. Got {horizon!r}."
    with pytest.raises(ValueError, match=re.escape(message)):
        fitted.predict(X, y, horizon=horizon)
    with pytest.raises(ValueError, match=re.escape(message)):
        make_horizon_scorer("rmse", horizon=horizon)


def test_predict_forms(data, fitted):
    X, y = data
    with pytest.raises(ValueError, match=re.escape("`horizon` must equal the rows of `X` (5)")):
        fitted.predict(X[:5], horizon=6)
    with pytest.raises(ValueError, match=re.escape("`all_horizons=True` needs a segment")):
        fitted.predict(X[:5], all_horizons=True)


def test_predict_update_score_before_fit(data):
    X, y = data
    for call in (lambda m: m.predict(X), lambda m: m.predict(X, y, horizon=2),
                 lambda m: m.update(X, y), lambda m: m.score(X, y)):
        with pytest.raises(NotFittedError, match="This NARXRegressor instance is not fitted"):
            call(NARXRegressor())


def test_warm_start_with_other_delays_is_rejected(data, fitted):
    X, y = data
    fitted.set_params(warm_start=True, feedback_delays=3)
    with pytest.raises(ValueError, match="`warm_start=True` needs the delays of the fitted"):
        fitted.fit(X, y)


def test_early_stopping_needs_validation_rows(data):
    X, y = data
    with pytest.raises(ValueError, match="`validation_fraction` leaves no training"):
        NARXRegressor(early_stopping=True, validation_fraction=0.99).fit(X[:5], y[:5])


def test_failed_refit_leaves_the_fitted_model_unchanged(data, fitted):
    X, y = data
    before = fitted.predict(X[:10]), fitted.theta_.copy(), dict(vars(fitted))
    with pytest.raises(ValueError, match="is constant"):
        fitted.fit(X[:, :1], np.ones(60))
    assert vars(fitted).keys() == before[2].keys()
    assert fitted.n_features_in_ == 2
    np.testing.assert_array_equal(fitted.theta_, before[1])
    np.testing.assert_array_equal(fitted.predict(X[:10]), before[0])


def test_pandas_rows_out_of_time_order_or_misaligned_are_refused():
    """A shuffled or repeated time index, or X and y whose indexes differ, would pair the
    wrong rows silently: refused, naming the argument and the row."""
    times = pd.date_range("2024-01-01", periods=60, freq="h")
    y = pd.Series(np.sin(np.arange(60) / 3.0), index=times, name="y")
    X = pd.DataFrame({"u": np.cos(np.arange(60) / 3.0)}, index=times)
    model = NARXRegressor(feedback_delays=2, max_iter=1)
    with pytest.raises(ValueError, match=re.escape("`y`: its times go back at")):
        model.fit(X.iloc[::-1], y.iloc[::-1])
    repeated = times.insert(10, times[10])[:60]
    with pytest.raises(ValueError, match=re.escape("`y`: its times repeat 2024-01-01 10:00")):
        model.fit(X.set_axis(repeated), y.set_axis(repeated))
    with pytest.raises(ValueError, match="`X` and `y` must share their index"):
        model.fit(X.shift(1, freq="h"), y)
    model.fit(X, y)  # in order, aligned: fine
    with pytest.raises(ValueError, match="`X` and `y` must share their index"):
        model.predict(X.iloc[10:40].shift(1, freq="h"), y.iloc[10:40], horizon=2)


def test_a_global_model_names_the_series_with_missing_values():
    from narxcast.compose import GlobalRegressor

    y = np.sin(np.arange(200) / 5.0)
    y[150] = np.nan
    with pytest.raises(ValueError, match="`y` of series 'beta' holds NaN or infinite values "
                                         r"\(first at row 150\)"):
        GlobalRegressor(NARXRegressor(max_iter=1)).fit(None, y, groups=np.repeat(
            ["alpha", "beta"], 100))
