"""Plots: the numbers drawn against naive NumPy formulas, and every plot rendered to a PNG."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from narxcast import NARXRegressor, plotting  # noqa: E402


def _correlation(a, b, lag):
    """corr(a_{t-lag}, b_t) as MATLAB's nncorr: means removed, divided by n std(a) std(b)."""
    a, b = a - a.mean(), b - b.mean()
    n = a.size
    total = np.sum(a[:n - lag] * b[lag:]) if lag >= 0 else np.sum(a[-lag:] * b[:n + lag])
    return total / (n * a.std() * b.std())


def test_error_autocorrelation_matches_the_formula(rng):
    errors = rng.normal(size=300).cumsum()
    errors[:4] = np.nan  # forecasts that could not be made
    lags, correlation, bound = plotting.error_autocorrelation(errors, max_lag=7)
    finite = errors[4:]
    np.testing.assert_allclose(correlation, [_correlation(finite, finite, k) for k in lags])
    assert bound == pytest.approx(1.96 / np.sqrt(296))


def test_input_error_correlation_matches_the_formula(rng):
    inputs = rng.normal(size=250)
    errors = 0.5 * np.roll(inputs, 3) + rng.normal(size=250)
    lags, correlation, _ = plotting.input_error_correlation(inputs, errors, max_lag=5)
    assert lags.tolist() == list(range(-5, 6))
    np.testing.assert_allclose(correlation, [_correlation(inputs, errors, k) for k in lags])
    assert lags[np.argmax(correlation)] == 3


def _png(figure, path):
    figure.savefig(path, dpi=60)
    image = matplotlib.image.imread(path)
    assert image.shape[0] > 100 and image.shape[1] > 100
    assert image[..., :3].std() > 0.01  # something was drawn
    matplotlib.pyplot.close(figure)


def test_every_plot_renders(tmp_path, rng):
    u = rng.uniform(-1, 1, 400)
    y = np.zeros(400)
    for k in range(399):
        y[k + 1] = 0.5 * y[k] + np.tanh(u[k])
    index = pd.date_range("2026-01-01", periods=400, freq="h")
    model = NARXRegressor(input_delays=[1], feedback_delays=[1], hidden_layer_sizes=(4,),
                          solver=("ga", "lm"), population_size=10, n_generations=3, max_iter=5,
                          random_state=0).fit(u[:300, None], y[:300])
    open_loop = model.predict(u[300:, None], y[300:], horizon=1)
    closed_loop = model.predict(u[300:, None], y[300:], horizon=10)
    response, residual = plotting.plot_response(pd.Series(y[300:], index=index[300:]),
                                                {"open loop": open_loop,
                                                 "closed loop": closed_loop})
    np.testing.assert_array_equal(residual.lines[0].get_ydata(), open_loop - y[300:])
    _png(response.figure, tmp_path / "response.png")

    errors = open_loop - y[300:]
    ax = plotting.plot_error_autocorrelation(errors, max_lag=10)
    _, correlation, bound = plotting.error_autocorrelation(errors, max_lag=10)
    np.testing.assert_allclose([p.get_height() for p in ax.patches], correlation)
    assert ax.lines[0].get_ydata()[0] == pytest.approx(bound)
    _png(ax.figure, tmp_path / "errcorr.png")

    ax = plotting.plot_input_error_correlation(u[300:], errors, max_lag=10)
    assert len(ax.patches) == 21
    _png(ax.figure, tmp_path / "inerrcorr.png")

    ax = plotting.plot_training_curves({"ga then lm": model})
    evolution, refinement = ax.lines
    assert list(evolution.get_ydata()) == model.fitness_curve_
    generations = len(model.fitness_curve_)
    assert list(refinement.get_ydata()) == model.loss_curve_[generations:]
    assert refinement.get_xdata()[0] == generations + 1
    assert [line.get_label() for line in ax.lines] == ["ga then lm (ga, closed fitness)",
                                                       "ga then lm (lm, open loop)"]
    _png(ax.figure, tmp_path / "training.png")

    scores = pd.DataFrame({"estimator": ["a", "a", "b", "b"], "horizon": [1, 24, 1, 24],
                           "metric": "skill", "value": [0.1, 0.3, -0.2, 0.2]})
    ax = plotting.plot_skill_by_horizon(scores)
    assert [list(line.get_ydata()) for line in ax.lines[:2]] == [[0.1, 0.3], [-0.2, 0.2]]
    _png(ax.figure, tmp_path / "skill.png")


def test_residual_diagnostic_in_one_call_and_labels_that_speak(tmp_path):
    """plot_residuals: the residuals over time, their histogram and their autocorrelation;
    axes named after the pandas target and its units, lags in the unit given."""
    rng = np.random.default_rng(0)
    index = pd.date_range("2020-01-01", periods=300, freq="h")
    y = pd.Series(np.sin(np.arange(300) / 10), index=index, name="ghi")
    forecast = y.to_numpy() + rng.normal(0, 0.1, 300)
    forecast[:5] = np.nan
    over_time, histogram, correlation = plotting.plot_residuals(
        y, forecast, max_lag=12, lag_unit="hours", units="W/m2")
    errors = forecast - y.to_numpy()
    np.testing.assert_array_equal(over_time.lines[0].get_ydata(), errors)
    assert sum(patch.get_height() for patch in histogram.patches) == 295
    _, expected, _ = plotting.error_autocorrelation(errors, max_lag=12)
    np.testing.assert_allclose([p.get_height() for p in correlation.patches], expected)
    assert (over_time.get_xlabel(), over_time.get_ylabel()) == ("time", "error (W/m2)")
    assert correlation.get_xlabel() == "lag (hours)"
    assert "residuals of ghi" in over_time.figure.texts[0].get_text()
    response, _ = plotting.plot_response(y, {"model": forecast}, units="W/m2")
    assert response.get_ylabel() == "ghi (W/m2)"
    temperature = pd.Series(rng.normal(size=300), name="temperature")
    ax = plotting.plot_input_error_correlation(temperature, errors, max_lag=5,
                                               lag_unit="hours")
    assert ax.get_xlabel() == "lag (hours; temperature before error)"
    _png(over_time.figure, tmp_path / "residuals.png")


def test_interval_plots_show_what_was_forecast(tmp_path, rng):
    """Bands span the given bounds; the reliability diagram plots the fraction below each
    quantile (computed here by hand); the PIT of calibrated samples is flat."""
    y = rng.normal(size=2000)
    quantiles = np.array([0.1, 0.5, 0.9])
    forecasts = np.tile(norm.ppf(quantiles), (2000, 1))  # the true N(0, 1) quantiles
    ax = plotting.plot_reliability(y, forecasts, quantiles, label="N(0, 1)")
    below = (y[:, None] <= forecasts).mean(axis=0)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), below)
    assert np.abs(below - quantiles).max() < 0.03
    _png(ax.figure, tmp_path / "reliability.png")
    leads = plotting.plot_reliability(y, np.stack([forecasts, forecasts + 1], axis=1),
                                      quantiles)
    assert [line.get_label() for line in leads.lines][:2] == ["1 step ahead", "2 steps ahead"]
    samples = rng.normal(size=(2000, 99))
    pit = plotting.probability_integral_transform(y, samples)
    counts, _ = np.histogram(pit, bins=5, range=(0, 1))
    assert counts.min() > 0.8 * 400  # flat: 400 a bin
    narrow = plotting.probability_integral_transform(y, 0.3 * samples)
    assert np.mean((narrow < 0.1) | (narrow > 0.9)) > 0.5  # too narrow: U-shaped
    ax = plotting.plot_pit(y, samples)
    assert sum(p.get_height() for p in ax.patches) == pytest.approx(10.0)  # density, 10 bins
    _png(ax.figure, tmp_path / "pit.png")
    bounds = np.column_stack([y - 1, y + 1])
    response, _ = plotting.plot_response(y[:50], {"forecast": y[:50]},
                                         bands={"90% interval": bounds[:50]})
    band = response.collections[0]
    assert band.get_label() == "90% interval"
    np.testing.assert_allclose(band.get_paths()[0].vertices[:, 1].min(), bounds[:50, 0].min())
    _png(response.figure, tmp_path / "bands.png")


def test_plot_response_takes_a_series_a_frame_or_a_dict(tmp_path):
    """One forecast as a Series (labelled by its name), an all-horizons DataFrame (a line per
    lead), or a dict; forecasts of another length are refused by name."""
    import pandas as pd

    from narxcast.plotting import plot_response

    index = pd.date_range("2024-06-01", periods=48, freq="h")
    y = pd.Series(np.sin(np.arange(48) / 4), index=index, name="ghi")
    response, _ = plot_response(y, y.shift(1))
    assert response.get_legend_handles_labels()[1] == ["measured", "ghi forecast"]
    leads = pd.DataFrame({1: y.shift(1), 2: y.shift(2)}).rename_axis(columns="horizon")
    response, _ = plot_response(y, leads, units="W/m2")
    assert response.get_legend_handles_labels()[1] == ["measured", "horizon 1", "horizon 2"]
    assert response.get_ylabel() == "ghi (W/m2)"
    with pytest.raises(ValueError, match="one value per row of `y` \\(48\\)"):
        plot_response(y, y[:10])


def test_skill_lines_look_alike_across_panels_and_never_repeat():
    """More entries than colours still get distinct lines, and a style map keeps an entry's
    look the same in every panel."""
    import pandas as pd

    from narxcast.plotting import line_styles, plot_skill_by_horizon

    styles = line_styles(13)
    assert len({tuple(sorted(s.items())) for s in styles}) == 13
    names = [f"model {k:02d}" for k in range(13)]
    scores = pd.DataFrame([(name, h, "skill", 0.1 * k + h / 100) for k, name in enumerate(names)
                           for h in (1, 6, 24)],
                          columns=["estimator", "horizon", "metric", "value"])
    by_name = dict(zip(names, styles))
    ax = plot_skill_by_horizon(scores[scores.estimator != "model 00"], styles=by_name)
    for line in ax.get_lines()[:-1]:  # (the last is the zero line)
        style = by_name[line.get_label()]
        assert line.get_color() == style["color"] and line.get_marker() == style["marker"]
