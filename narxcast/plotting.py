"""Diagnostic plots (matplotlib, the ``plot`` extra): response, error correlations as MATLAB's
``plotresponse`` / ``ploterrcorr`` / ``plotinerrcorr``, a one-call residual diagnostic,
training curves, skill by horizon.

Each ``plot_*`` function draws on ``ax`` (a new figure when None) and returns the axes; the
correlations it draws come from :func:`error_autocorrelation` and
:func:`input_error_correlation`, which return numbers only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from ._rows import (
    index_of as _index_of,
)

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = ["error_autocorrelation", "input_error_correlation", "line_styles",
           "plot_error_autocorrelation", "plot_input_error_correlation", "plot_pit",
           "plot_reliability", "plot_residuals", "plot_response", "plot_skill_by_horizon",
           "plot_training_curves", "probability_integral_transform"]


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:  # pragma: no cover - the plot extra is installed in tests
        raise ImportError('narxcast.plotting needs matplotlib: pip install "narxcast[plot]"'
                          ) from error
    return plt


def _axes(ax, **figure):
    if ax is not None:
        return ax
    _, ax = _pyplot().subplots(**figure)
    return ax


def error_autocorrelation(errors: ArrayLike,
                          max_lag: int = 20) -> tuple[np.ndarray, np.ndarray, float]:
    """Autocorrelation of forecast errors at lags ``0..max_lag`` and its 95% band.

    For a model that has taken all the information out of the past, the errors are white:
    every nonzero lag inside ``±1.96 / sqrt(n)``. NaN rows are dropped.

    Parameters
    ----------
    errors : array-like of shape (n,)
        Forecast errors (or residuals) in time order.
    max_lag : int, default=20

    Returns
    -------
    lags : ndarray of int
    correlation : ndarray
    bound : float

    Examples
    --------
    >>> import numpy as np
    >>> lags, r, bound = error_autocorrelation(np.random.default_rng(0).normal(size=400), 5)
    >>> lags.tolist(), float(r[0]), round(float(bound), 3), bool(np.all(np.abs(r[1:]) < bound))
    ([0, 1, 2, 3, 4, 5], 1.0, 0.098, True)
    """
    from statsmodels.tsa.stattools import acf

    values = np.asarray(errors, dtype=float)
    values = values[np.isfinite(values)]
    correlation = acf(values, nlags=max_lag, fft=False)
    return np.arange(max_lag + 1), correlation, 1.96 / np.sqrt(values.size)


def input_error_correlation(inputs: ArrayLike, errors: ArrayLike,
                            max_lag: int = 20) -> tuple[np.ndarray, np.ndarray, float]:
    """Cross-correlation ``corr(input_{t-k}, error_t)`` at lags ``-max_lag..max_lag`` and its
    95% band: a correlated lag is information in the input the model has not used.

    Parameters
    ----------
    inputs : array-like of shape (n,)
        One input, in time order.
    errors : array-like of shape (n,)
        The forecast errors at the same rows.
    max_lag : int, default=20

    Returns
    -------
    lags : ndarray of int
        ``-max_lag..max_lag`` (positive: the input before the error).
    correlation : ndarray
    bound : float
        The 95% band's half-width, ``1.96 / sqrt(n)``.

    Examples
    --------
    >>> import numpy as np
    >>> u = np.random.default_rng(0).normal(size=500)
    >>> e = np.roll(u, 2) + 0.1                 # the error echoes the input two steps later
    >>> lags, r, bound = input_error_correlation(u, e, max_lag=3)
    >>> int(lags[np.argmax(r)])
    2
    """
    from statsmodels.tsa.stattools import ccf

    u, e = np.asarray(inputs, dtype=float), np.asarray(errors, dtype=float)
    keep = np.isfinite(u) & np.isfinite(e)
    u, e = u[keep], e[keep]
    # ccf(x, y)[k] = corr(x_{t+k}, y_t): errors after the input (k > 0), and before it
    after = ccf(e, u, adjusted=False, fft=False, nlags=max_lag + 1)
    before = ccf(u, e, adjusted=False, fft=False, nlags=max_lag + 1)
    correlation = np.concatenate([before[:0:-1], after])
    return np.arange(-max_lag, max_lag + 1), correlation, 1.96 / np.sqrt(u.size)


def _target_label(y, units):
    """The y-axis label: the target's name (a pandas name, else "target") and its units."""
    name = getattr(y, "name", None) or "target"
    return f"{name} ({units})" if units else str(name)


def plot_response(y: ArrayLike, forecasts: Any, index: ArrayLike | None = None,
                  ax: tuple[Axes, Axes] | None = None, title: str | None = None,
                  units: str | None = None,
                  bands: dict[str, ArrayLike] | None = None) -> tuple[Axes, Axes]:
    """Measured series against forecasts, with their errors in a second panel. Returns the
    two axes.

    ``forecasts`` is one forecast (an array or a Series, labelled by its name, else
    "forecast"), a DataFrame (a forecast per column, e.g. ``all_horizons=True``'s lead
    times) or a dict of them (e.g. ``{"open loop": ..., "closed loop": ...}``).

    ``ax`` may be a pair of axes (response, errors); ``index`` the time axis (default: the
    index of ``y`` if it has one, else row numbers); the target's name comes from a pandas
    ``y`` and ``units`` (e.g. "W/m2") label the axes. ``bands`` shades prediction intervals:
    ``{"90% interval": bounds}`` with ``bounds`` of shape (n, 2) (lower, upper), as
    :meth:`narxcast.intervals.ConformalRegressor.predict_interval` returns; wider bands
    first.

    Parameters
    ----------
    y : array-like or pandas.Series of shape (n,)
        The measurements.
    forecasts : array-like, pandas.Series, pandas.DataFrame or dict of them
        See above.
    index : array-like of shape (n,), optional
    ax : pair of matplotlib Axes, optional
    title : str, optional
    units : str, optional
    bands : dict of str to array-like of shape (n, 2), optional

    Returns
    -------
    response, errors : matplotlib Axes

    Examples
    --------
    >>> import numpy as np, matplotlib
    >>> matplotlib.use("Agg")
    >>> y = np.sin(np.arange(100) / 8)
    >>> response, errors = plot_response(y, {"model": y + 0.1}, units="m")
    >>> response.get_ylabel(), errors.get_ylabel()
    ('target (m)', 'error (m)')
    """
    if index is None:
        index = _index_of(y) if _index_of(y) is not None else np.arange(np.shape(y)[0])
    label = _target_label(y, units)
    y = np.asarray(y, dtype=float)
    forecasts = _named_forecasts(forecasts, len(y))
    if ax is None:
        _, ax = _pyplot().subplots(2, 1, sharex=True, figsize=(10, 6),
                                   gridspec_kw={"height_ratios": [3, 1]})
    response, residual = ax
    for shade, (name, bounds) in zip(np.linspace(0.15, 0.35, len(bands or {})),
                                     (bands or {}).items()):
        bounds = np.asarray(bounds, dtype=float)
        response.fill_between(index, bounds[:, 0], bounds[:, 1], color="tab:blue",
                              alpha=shade, linewidth=0, label=name)
    response.plot(index, y, color="black", linewidth=1.0, label="measured")
    for name, values in forecasts.items():
        values = np.asarray(values, dtype=float)
        response.plot(index, values, linewidth=1.0, label=name)
        residual.plot(index, values - y, linewidth=0.8, label=name)
    residual.axhline(0.0, color="black", linewidth=0.5)
    response.set_ylabel(label)
    residual.set_ylabel(f"error ({units})" if units else "error")
    dated = hasattr(index, "dtype") and index.dtype.kind == "M"
    residual.set_xlabel("time" if dated else "step")
    if dated:  # dates that do not overlap, however narrow the panel
        from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

        locator = AutoDateLocator(maxticks=6)
        residual.xaxis.set_major_locator(locator)
        residual.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    response.legend(loc="best")
    if title:
        response.set_title(title)
    return response, residual


def _named_forecasts(forecasts, n):
    """``forecasts`` as a dict of name -> 1-D forecast of ``n`` rows (see plot_response)."""
    if isinstance(forecasts, dict):
        named = dict(forecasts)
    elif hasattr(forecasts, "columns"):  # a DataFrame: a forecast per column
        kind = forecasts.columns.name  # e.g. "horizon"
        named = {(f"{kind} {column}" if kind else str(column)): forecasts[column]
                 for column in forecasts.columns}
    else:
        name = getattr(forecasts, "name", None)
        values = np.asarray(forecasts, dtype=float)
        if values.ndim == 2:
            named = {f"forecast {k}": values[:, k] for k in range(values.shape[1])}
        else:
            named = {"forecast" if name is None else f"{name} forecast": values}
    for name, values in named.items():
        if np.shape(values) != (n,):
            raise ValueError(f"`forecasts`: {name!r} must hold one value per row of `y` "
                             f"({n}). Got shape {np.shape(values)}.")
    return named


def plot_residuals(y: ArrayLike, forecast: ArrayLike, index: ArrayLike | None = None,
                   max_lag: int = 24, lag_unit: str = "steps", units: str | None = None,
                   title: str | None = None) -> tuple[Axes, Axes, Axes]:
    """One call, three panels: the residuals ``forecast - y`` over time, their histogram,
    and their autocorrelation with its 95% band (white residuals: bars inside it). Returns
    the three axes.

    Parameters
    ----------
    y : array-like or pandas.Series of shape (n,)
        The measurements.
    forecast : array-like of shape (n,)
    index : array-like of shape (n,), optional
        The time axis (default: the index of ``y``, else row numbers).
    max_lag : int, default=24
    lag_unit : str, default="steps"
    units : str, optional
    title : str, optional

    Returns
    -------
    over_time, histogram, correlation : matplotlib Axes

    Examples
    --------
    >>> import numpy as np, matplotlib
    >>> matplotlib.use("Agg")
    >>> y = np.sin(np.arange(200) / 10)
    >>> axes = plot_residuals(y, y + np.random.default_rng(0).normal(0, 0.1, 200), max_lag=10)
    >>> [ax.get_xlabel() for ax in axes]
    ['step', 'error', 'lag (steps)']
    """
    if index is None:
        index = _index_of(y) if _index_of(y) is not None else np.arange(np.shape(y)[0])
    name = getattr(y, "name", None) or "target"
    errors = np.asarray(forecast, dtype=float) - np.asarray(y, dtype=float)
    figure, axes = _pyplot().subplots(1, 3, figsize=(14, 3.5),
                                      gridspec_kw={"width_ratios": [2, 1, 1]})
    over_time, histogram, correlation = axes
    over_time.plot(index, errors, linewidth=0.8)
    over_time.axhline(0.0, color="black", linewidth=0.5)
    over_time.set_ylabel(f"error ({units})" if units else "error")
    over_time.set_xlabel("time" if hasattr(index, "dtype") and index.dtype.kind == "M"
                         else "step")
    finite = errors[np.isfinite(errors)]
    histogram.hist(finite, bins=40)
    histogram.set_xlabel(f"error ({units})" if units else "error")
    histogram.set_ylabel("count")
    plot_error_autocorrelation(errors, max_lag=max_lag, ax=correlation, lag_unit=lag_unit)
    figure.suptitle(title or f"residuals of {name}: mean {finite.mean():.3g}, "
                             f"std {finite.std():.3g}")
    figure.tight_layout()
    return over_time, histogram, correlation


def _correlation_bars(ax, lags, correlation, bound, label, xlabel):
    """Bars of a correlation by lag between the dotted lines of its 95% band."""
    ax = _axes(ax, figsize=(7, 4))
    ax.bar(lags, correlation, width=0.6, label=label)
    ax.axhline(bound, color="red", linestyle=":", label="95% confidence")
    ax.axhline(-bound, color="red", linestyle=":")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("correlation")
    ax.legend(loc="best")
    return ax


def plot_error_autocorrelation(errors: ArrayLike, max_lag: int = 20, ax: Axes | None = None,
                               lag_unit: str = "steps") -> Axes:
    """Bars of :func:`error_autocorrelation` with its confidence band (``ploterrcorr``).

    Parameters
    ----------
    errors : array-like of shape (n,)
    max_lag : int, default=20
    ax : matplotlib Axes, optional
    lag_unit : str, default="steps"

    Returns
    -------
    matplotlib Axes
    """
    return _correlation_bars(ax, *error_autocorrelation(errors, max_lag),
                             "error autocorrelation", f"lag ({lag_unit})")


def plot_input_error_correlation(inputs: ArrayLike, errors: ArrayLike, max_lag: int = 20,
                                 ax: Axes | None = None, lag_unit: str = "steps",
                                 name: str | None = None) -> Axes:
    """Bars of :func:`input_error_correlation` with its confidence band (``plotinerrcorr``);
    the input is named by ``name`` or its pandas name.

    Parameters
    ----------
    inputs, errors : array-like of shape (n,)
    max_lag : int, default=20
    ax : matplotlib Axes, optional
    lag_unit : str, default="steps"
    name : str, optional

    Returns
    -------
    matplotlib Axes
    """
    name = name or getattr(inputs, "name", None) or "input"
    return _correlation_bars(ax, *input_error_correlation(inputs, errors, max_lag),
                             f"{name}-error correlation",
                             f"lag ({lag_unit}; {name} before error)")


def plot_training_curves(estimators: dict[str, Any], ax: Axes | None = None) -> Axes:
    """Loss per epoch / iteration / generation of fitted estimators (``{name: estimator}``),
    on a log scale, one line per stage of a staged fit (``stages_``), drawn one after the
    other: one colour per estimator, one line style per stage, the legend beside the axes
    (where it covers no curve).

    Parameters
    ----------
    estimators : dict of str to fitted estimator
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = _axes(ax, figsize=(10, 4))
    styles = ("-", "--", ":", "-.")
    for k, (name, estimator) in enumerate(estimators.items()):
        loss = list(estimator.loss_curve_)
        starts = list(getattr(estimator, "stage_starts_", [0])) or [0]
        stages = list(getattr(estimator, "stages_", [])) or [None]
        for j, (start, stop, stage) in enumerate(zip(starts, [*starts[1:], len(loss)], stages)):
            label = name if len(starts) == 1 else f"{name} ({stage})"
            ax.plot(np.arange(start + 1, stop + 1), loss[start:stop], label=label,
                    color=f"C{k % 10}", linestyle=styles[j % len(styles)])
    ax.set_yscale("log")
    ax.set_xlabel("epoch / iteration / generation")
    ax.set_ylabel("training loss (MSE / 2, scaled)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize="small")
    return ax


def plot_skill_by_horizon(scores: pd.DataFrame, metric: str = "skill", ax: Axes | None = None,
                          styles: dict[str, dict[str, Any]] | None = None) -> Axes:
    """One line per estimator of ``metric`` against the horizon, from a tidy score table
    (columns ``estimator``, ``horizon``, ``metric``, ``value``, as ``backtest`` returns).
    ``styles`` (estimator -> line style, as :func:`line_styles` gives) keeps an estimator's
    look the same across several panels.

    Parameters
    ----------
    scores : pandas.DataFrame
        A tidy score table.
    metric : str, default="skill"
    ax : matplotlib Axes, optional
    styles : dict of str to dict, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = _axes(ax, figsize=(7, 4))
    table = scores[scores["metric"] == metric].pivot(index="horizon", columns="estimator",
                                                     values="value")
    if styles is None:
        styles = dict(zip(table.columns, line_styles(len(table.columns))))
    for name in table.columns:
        ax.plot(table.index, table[name], label=name, **styles[name])
    ax.axhline(0.0, color="black", linewidth=0.5)
    ax.set_xlabel("horizon (steps)")
    ax.set_ylabel("skill (1 - RMSE / RMSE of the reference)" if metric == "skill" else metric)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize="small")
    return ax


def line_styles(n: int) -> list[dict[str, str]]:
    """``n`` distinct line styles (colour, marker, dash): the ten-colour cycle first, then
    the same colours with other markers and dashes, so that no two lines look alike.

    Parameters
    ----------
    n : int

    Returns
    -------
    list of dict
        Keyword arguments of ``Axes.plot``: ``color``, ``marker``, ``linestyle``.

    Examples
    --------
    >>> styles = line_styles(12)
    >>> styles[0]
    {'color': 'C0', 'marker': 'o', 'linestyle': '-'}
    >>> styles[10]   # the first colour again, with another marker and dash
    {'color': 'C0', 'marker': 's', 'linestyle': '--'}
    """
    colors = [f"C{k}" for k in range(10)]
    markers, dashes = ["o", "s", "^", "D"], ["-", "--", ":", "-."]
    return [{"color": colors[k % 10], "marker": markers[(k // 10) % 4],
             "linestyle": dashes[(k // 10) % 4]} for k in range(n)]


def plot_reliability(y: ArrayLike, quantile_forecasts: ArrayLike, quantiles: ArrayLike,
                     ax: Axes | None = None, label: str | None = None) -> Axes:
    """Reliability diagram: the fraction of measurements at or below each forecast quantile
    (empirical) against its level (nominal); a calibrated forecast lies on the diagonal.

    ``quantile_forecasts`` has shape (n, n_quantiles), or (n, n_leads, n_quantiles) for one
    line per lead time (as ``predict_quantiles(..., all_horizons=True)`` returns); NaN rows
    are skipped. Returns the axes.

    Parameters
    ----------
    y : array-like of shape (n,)
    quantile_forecasts : array-like of shape (n, n_quantiles) or (n, n_leads, n_quantiles)
    quantiles : array-like of shape (n_quantiles,)
    ax : matplotlib Axes, optional
    label : str, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = _axes(ax, figsize=(5, 5))
    y = np.asarray(y, dtype=float)
    values = np.asarray(quantile_forecasts, dtype=float)
    quantiles = np.asarray(quantiles, dtype=float)
    leads = values[:, None, :] if values.ndim == 2 else values
    for lead in range(leads.shape[1]):
        forecast = leads[:, lead]
        formed = ~np.isnan(y) & ~np.isnan(forecast).any(axis=1)
        below = (y[formed, None] <= forecast[formed]).mean(axis=0)
        name = label if leads.shape[1] == 1 else f"{lead + 1} step{'s' * (lead > 0)} ahead"
        ax.plot(quantiles, below, marker="o", markersize=3, label=name)
    ax.plot([0, 1], [0, 1], color="black", linestyle=":", linewidth=0.8, label="calibrated")
    ax.set_xlabel("nominal quantile level")
    ax.set_ylabel("fraction of measurements below")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.legend(loc="upper left", fontsize="small")
    return ax


def probability_integral_transform(y: ArrayLike, samples: ArrayLike) -> np.ndarray:
    """The probability integral transform of each measurement under its forecast samples
    (n, n_samples): the fraction of samples below it (ties count half); uniform on [0, 1]
    for a calibrated forecast. Rows without a measurement or samples are NaN.

    Parameters
    ----------
    y : array-like of shape (n,)
    samples : array-like of shape (n, n_samples)

    Returns
    -------
    ndarray of shape (n,)

    Examples
    --------
    >>> probability_integral_transform([0.5, 3.0], [[0.0, 1.0], [1.0, 2.0]]).tolist()
    [0.5, 1.0]
    """
    y = np.asarray(y, dtype=float)
    samples = np.asarray(samples, dtype=float)
    counted = (~np.isnan(samples)).sum(axis=1)
    below = (samples < y[:, None]).sum(axis=1) + 0.5 * (samples == y[:, None]).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(np.isnan(y) | (counted == 0), np.nan, below / counted)


def plot_pit(y: ArrayLike, samples: ArrayLike, bins: int = 10, ax: Axes | None = None,
             title: str | None = None) -> Axes:
    """PIT histogram of sample forecasts (:func:`probability_integral_transform`): flat for
    a calibrated forecast, U-shaped when too narrow, a hump when too wide. Returns the
    axes.

    Parameters
    ----------
    y : array-like of shape (n,)
    samples : array-like of shape (n, n_samples)
    bins : int, default=10
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = _axes(ax, figsize=(5, 3.5))
    values = probability_integral_transform(y, samples)
    values = values[~np.isnan(values)]
    ax.hist(values, bins=bins, range=(0, 1), density=True, color="tab:blue", alpha=0.7,
            label=f"{values.size} forecasts")
    ax.axhline(1.0, color="black", linestyle=":", linewidth=0.8, label="calibrated")
    ax.set_xlabel("probability integral transform")
    ax.set_ylabel("density")
    ax.legend(loc="upper center", fontsize="small")
    if title:
        ax.set_title(title)
    return ax
