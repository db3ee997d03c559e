"""PersistenceRegressor against arrays computed by hand."""

import re

import numpy as np
import pandas as pd
import pytest

from narxcast import PersistenceRegressor

nan = np.nan
Y = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0])


def test_naive():
    model = PersistenceRegressor().fit(None, Y)
    np.testing.assert_array_equal(model.predict(None, Y, horizon=2),
                                  [nan, nan, 1, 2, 3, 4, 5])
    np.testing.assert_array_equal(model.predict(None, Y, horizon=3, all_horizons=True),
                                  [[nan, nan, nan], [1, nan, nan], [2, 1, nan], [3, 2, 1],
                                   [4, 3, 2], [5, 4, 3], [6, 5, 4]])
    np.testing.assert_array_equal(model.predict(horizon=3), [7, 7, 7])


def test_seasonal():
    model = PersistenceRegressor(kind="seasonal", season=3).fit(None, Y)
    # lead 1..3 read one season back, lead 4..6 two seasons back
    np.testing.assert_array_equal(model.predict(None, Y, horizon=2),
                                  [nan, nan, nan, 1, 2, 3, 4])
    np.testing.assert_array_equal(model.predict(None, Y, horizon=4),
                                  [nan, nan, nan, nan, nan, nan, 1])
    np.testing.assert_array_equal(model.predict(horizon=5), [5, 6, 7, 5, 6])


def test_clearsky_index_persists_and_carries_over_night():
    clearsky = np.array([0.0, 100.0, 200.0, 100.0, 0.0, 0.0, 100.0, 200.0])
    y = np.array([0.0, 50.0, 100.0, 80.0, 0.0, 0.0, 60.0, 150.0])
    X = pd.DataFrame({"temperature": np.arange(8.0), "clearsky_ghi": clearsky})
    model = PersistenceRegressor(kind="clearsky").fit(X, y)
    # index: [1 (no day yet), .5, .5, .8, .8, .8, .6, .75]
    np.testing.assert_allclose(model.predict(X, y, horizon=1),
                               [nan, 100, 100, 50, 0, 0, 80, 120])
    np.testing.assert_allclose(model.predict(X, y, horizon=2),
                               [nan, nan, 100 * 1.0 * 2, 50, 0, 0, 80, 160])
    X_future = pd.DataFrame({"temperature": [0.0, 0.0], "clearsky_ghi": [0.0, 300.0]})
    np.testing.assert_allclose(model.predict(X_future), [0, 225])
    by_position = PersistenceRegressor(kind="clearsky", clearsky_column=1).fit(X.to_numpy(), y)
    np.testing.assert_allclose(by_position.predict(X.to_numpy(), y, horizon=2),
                               model.predict(X, y, horizon=2))


def test_clearsky_column_must_exist():
    X = pd.DataFrame({"temperature": np.arange(8.0)})
    with pytest.raises(ValueError, match=re.escape("`clearsky_column` 'clearsky_ghi' is not a "
                                                   "column of `X`")):
        PersistenceRegressor(kind="clearsky").fit(X, Y.tolist() + [8.0])
    with pytest.raises(ValueError, match=re.escape("`clearsky_column` must be a column of `X`, "
                                                   "which has 1 columns. Got 3.")):
        PersistenceRegressor(kind="clearsky", clearsky_column=3).fit(X.to_numpy(),
                                                                      Y.tolist() + [8.0])
