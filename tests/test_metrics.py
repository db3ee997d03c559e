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


# ------------------------------------------------------------------ probabilistic forecasts
def test_crps_of_samples_and_quantiles_match_the_gaussian_closed_form():
    from scipy.stats import norm

    from narxcast.metrics import crps_gaussian, crps_quantiles, crps_samples

    rng = np.random.default_rng(0)
    y = rng.normal(size=200)
    mean, std = rng.normal(size=200), rng.uniform(0.5, 2.0, 200)
    exact = crps_gaussian(y, mean, std)
    z = (y - mean) / std  # the closed form, written out by hand
    by_hand = np.mean(std * (z * (2 * norm.cdf(z) - 1) + 2 * norm.pdf(z) - 1 / np.sqrt(np.pi)))
    assert exact == pytest.approx(by_hand, rel=1e-12)
    samples = mean[:, None] + std[:, None] * rng.normal(size=(200, 4000))
    assert crps_samples(y, samples) == pytest.approx(exact, rel=0.02)
    levels = np.arange(1, 100) / 100
    quantiles = mean[:, None] + std[:, None] * norm.ppf(levels)[None, :]
    assert crps_quantiles(y, quantiles, levels) == pytest.approx(exact, rel=0.03)
    # the sample CRPS by its definition: E|X - y| - E|X - X'| / 2 over all pairs
    small = rng.normal(size=(5, 7))
    pairs = np.abs(small[:, :, None] - small[:, None, :]).mean(axis=(1, 2))
    direct = np.mean(np.abs(small - y[:5, None]).mean(axis=1) - 0.5 * pairs)
    assert crps_samples(y[:5], small) == pytest.approx(direct, rel=1e-12)
    assert crps_samples([1.0, np.nan], [[3.0, np.nan], [0.0, 1.0]]) == 2.0  # NaN skipped


def test_crps_of_samples_matches_properscoring():
    from narxcast.metrics import crps_samples

    properscoring = pytest.importorskip("properscoring")
    rng = np.random.default_rng(1)
    y, samples = rng.normal(size=50), rng.normal(size=(50, 300))
    assert crps_samples(y, samples) == pytest.approx(
        np.mean(properscoring.crps_ensemble(y, samples)), rel=1e-9)


def test_interval_metrics_by_hand():
    from narxcast.metrics import coverage, interval_score, interval_width, pinball_loss

    y = np.array([1.0, 2.0, 3.0, np.nan, 10.0])
    lower = np.array([0.0, 2.5, 3.0, 0.0, 4.0])
    upper = np.array([2.0, 4.0, 3.0, 1.0, 6.0])
    assert coverage(y, lower, upper) == 0.5  # rows 0 and 2 in; 1 below, 4 above
    assert interval_width(lower, upper) == pytest.approx(np.mean([2.0, 1.5, 0.0, 1.0, 2.0]))
    expected = np.mean([2.0, 1.5 + 20 * 0.5, 0.0, 2.0 + 20 * 4.0])  # 2 / (1 - 0.9) = 20
    assert interval_score(y, lower, upper, 0.9) == pytest.approx(expected)
    assert pinball_loss([1.0, 3.0, 2.0], [2.0, 2.0, 2.0], 0.25) == pytest.approx(
        (0.75 * 1 + 0.25 * 1 + 0) / 3)
    with pytest.raises(ValueError, match="`coverage` must be a fraction in"):
        interval_score(y, lower, upper, 95)
    with pytest.raises(ValueError, match="same shape"):
        coverage(y, lower[:3], upper)
