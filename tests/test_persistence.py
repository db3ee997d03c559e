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


def test_clearsky_persistence_from_night_origins_reads_the_same_hour_a_season_back():
    """Forecasts issued at night used to carry the evening's low-sun index into the next
    day. Season 4, day at the steps 1 and 2 of each season, hand-computed indices:
    t=1 .5, t=2 .5, t=5 .8, t=6 .5, t=9 .6, t=10 .75."""
    clearsky = np.tile([0.0, 100.0, 200.0, 0.0], 3)
    y = np.array([0, 50, 100, 0, 0, 80, 100, 0, 0, 60, 150, 0], dtype=float)
    X = pd.DataFrame({"clearsky_ghi": clearsky})
    model = PersistenceRegressor(kind="clearsky", season=4).fit(X, y)
    leads = model.predict(X, y, horizon=3, all_horizons=True)  # row t, column lead - 1
    # from night origin 7: t=9 reads t=5 (.8 x 100), t=10 reads t=6 (.5 x 200)
    assert leads[9, 1] == pytest.approx(80) and leads[10, 2] == pytest.approx(100)
    # from night origin 4 (= 3 + 1): t=5 reads t=1 (.5 x 100), t=6 reads t=2 (.5 x 200)
    assert leads[5, 0] == pytest.approx(50) and leads[6, 1] == pytest.approx(100)
    # from daytime origin 6: its own index .5, at t=9 (x 100) and t=7 (night: 0)
    assert leads[9, 2] == pytest.approx(50) and leads[7, 0] == 0
    # the carried index would have given the evening's .5 at t=9 from origin 7
    assert leads[9, 1] != pytest.approx(0.5 * 100)
    # no same hour a season back yet (t=2 from night origin 0, reads t=-2): the carried 1
    assert leads[2, 1] == pytest.approx(200)
