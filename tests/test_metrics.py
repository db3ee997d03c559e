"""Metrics against values computed by hand."""

import re

import numpy as np
import pytest

from narxcast.metrics import daytime_mask, mae, mbe, nrmse, r2, rmse, skill_score

TRUE = [2.0, 4.0, 9.0, 8.0]
PRED = [3.0, 4.0, 7.0, np.nan]  # errors 1, 0, -2 on the finite pairs: mean 5, range 7


def test_values_by_hand():
    assert rmse(TRUE, PRED) == pytest.approx(np.sqrt(5 / 3))
    assert mae(TRUE, PRED) == pytest.approx(1.0)
    assert mbe(TRUE, PRED) == pytest.approx(-1 / 3)
    assert nrmse(TRUE, PRED) == pytest.approx(np.sqrt(5 / 3) / 5)  # mean of 2, 4, 9
    assert nrmse(TRUE, PRED, normalization="range") == pytest.approx(np.sqrt(5 / 3) / 7)
    assert r2(TRUE, PRED) == pytest.approx(1 - 5 / 26)  # squares about the mean: 9 + 1 + 16
    reference = [2.0, 2.0, 2.0, 2.0]  # errors 0, -2, -7
    assert skill_score(TRUE, PRED, reference) == pytest.approx(1 - np.sqrt(5 / 3) / np.sqrt(53 / 3))


def test_nan_anywhere_drops_the_pair():
    assert rmse([1.0, np.nan, 3.0], [1.0, 5.0, np.inf]) == 0.0
    assert skill_score([1.0, 2.0, 3.0], [1.0, 2.0, 4.0], [np.nan, 3.0, 5.0]) == pytest.approx(
        1 - np.sqrt(0.5 / 2.5))


def test_errors():
    with pytest.raises(ValueError, match=re.escape("`y_true` and `y_pred` must have the same "
                                                   "shape. Got (2,) and (3,).")):
        rmse([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="nothing to score"):
        mae([np.nan], [1.0])
    with pytest.raises(ValueError, match="`normalization` must be 'mean' or 'range'"):
        nrmse(TRUE, PRED, normalization="max")


def test_daytime_mask():
    np.testing.assert_array_equal(daytime_mask([0, 10, 10.5, 800], threshold=10),
                                  [False, False, True, True])
