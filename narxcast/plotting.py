"""Diagnostic plots (matplotlib, the ``plot`` extra): response, error correlations as MATLAB's
``plotresponse`` / ``ploterrcorr`` / ``plotinerrcorr``, training curves, skill by horizon.

Each ``plot_*`` function draws on ``ax`` (a new figure when None) and returns the axes; the
correlations it draws come from :func:`error_autocorrelation` and
:func:`input_error_correlation`, which return numbers only.
"""

import numpy as np


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


def error_autocorrelation(errors, max_lag=20):
    """Autocorrelation of forecast errors at lags ``0..max_lag`` and its 95% band.

    For a model that has taken all the information out of the past, the errors are white:
    every nonzero lag inside ``±1.96 / sqrt(n)``. NaN rows are dropped.

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

    errors = np.asarray(errors, dtype=float)
    errors = errors[np.isfinite(errors)]
    correlation = acf(errors, nlags=max_lag, fft=False)
    return np.arange(max_lag + 1), correlation, 1.96 / np.sqrt(errors.size)


def input_error_correlation(inputs, errors, max_lag=20):
    """Cross-correlation ``corr(input_{t-k}, error_t)`` at lags ``-max_lag..max_lag`` and its
    95% band: a correlated lag is information in the input the model has not used.

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

    inputs, errors = np.asarray(inputs, dtype=float), np.asarray(errors, dtype=float)
    keep = np.isfinite(inputs) & np.isfinite(errors)
    inputs, errors = inputs[keep], errors[keep]
    # ccf(x, y)[k] = corr(x_{t+k}, y_t): errors after the input (k > 0), and before it
    after = ccf(errors, inputs, adjusted=False, fft=False, nlags=max_lag + 1)
    before = ccf(inputs, errors, adjusted=False, fft=False, nlags=max_lag + 1)
    correlation = np.concatenate([before[:0:-1], after])
    return np.arange(-max_lag, max_lag + 1), correlation, 1.96 / np.sqrt(inputs.size)


def plot_response(y, forecasts, index=None, ax=None, title=None):
    """Measured series against forecasts (e.g. ``{"open loop": ..., "closed loop": ...}``),
    with their errors in a second panel. Returns the two axes.

    ``ax`` may be a pair of axes (response, errors); ``index`` the time axis (default: the
    index of ``y`` if it has one, else row numbers).
    """
    if index is None:
        index = getattr(y, "index", np.arange(len(y)))
    y = np.asarray(y, dtype=float)
    if ax is None:
        _, ax = _pyplot().subplots(2, 1, sharex=True, figsize=(10, 6),
                                   gridspec_kw={"height_ratios": [3, 1]})
    response, residual = ax
    response.plot(index, y, color="black", linewidth=1.0, label="measured")
    for name, values in forecasts.items():
        values = np.asarray(values, dtype=float)
        response.plot(index, values, linewidth=1.0, label=name)
        residual.plot(index, values - y, linewidth=0.8, label=name)
    residual.axhline(0.0, color="black", linewidth=0.5)
    response.set_ylabel("target")
    residual.set_ylabel("error")
    response.legend(loc="upper right")
    if title:
        response.set_title(title)
    return response, residual


def _correlation_bars(ax, lags, correlation, bound, label, xlabel):
    """Bars of a correlation by lag between the dotted lines of its 95% band."""
    ax = _axes(ax, figsize=(7, 4))
    ax.bar(lags, correlation, width=0.6, label=label)
    ax.axhline(bound, color="red", linestyle=":", label="95% confidence")
    ax.axhline(-bound, color="red", linestyle=":")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("correlation")
    ax.legend(loc="upper right")
    return ax


def plot_error_autocorrelation(errors, max_lag=20, ax=None):
    """Bars of :func:`error_autocorrelation` with its confidence band (``ploterrcorr``)."""
    return _correlation_bars(ax, *error_autocorrelation(errors, max_lag),
                             "error autocorrelation", "lag")


def plot_input_error_correlation(inputs, errors, max_lag=20, ax=None):
    """Bars of :func:`input_error_correlation` with its confidence band (``plotinerrcorr``)."""
    return _correlation_bars(ax, *input_error_correlation(inputs, errors, max_lag),
                             "input-error correlation", "lag (input before error)")


def plot_training_curves(estimators, ax=None):
    """Loss per epoch / iteration / generation of fitted estimators (``{name: estimator}``),
    on a log scale, one line per stage of a staged fit (``stages_``), drawn one after the
    other."""
    ax = _axes(ax, figsize=(7, 4))
    for name, estimator in estimators.items():
        loss = list(estimator.loss_curve_)
        starts = list(getattr(estimator, "stage_starts_", [0])) or [0]
        stages = list(getattr(estimator, "stages_", [])) or [None]
        for start, stop, stage in zip(starts, [*starts[1:], len(loss)], stages):
            label = name if len(starts) == 1 else f"{name} ({stage})"
            ax.plot(np.arange(start + 1, stop + 1), loss[start:stop], label=label)
    ax.set_yscale("log")
    ax.set_xlabel("epoch / iteration / generation")
    ax.set_ylabel("training loss (MSE / 2, scaled)")
    ax.legend(loc="upper right")
    return ax


def plot_skill_by_horizon(scores, metric="skill", ax=None):
    """One line per estimator of ``metric`` against the horizon, from a tidy score table
    (columns ``estimator``, ``horizon``, ``metric``, ``value``, as ``backtest`` returns)."""
    ax = _axes(ax, figsize=(7, 4))
    table = scores[scores["metric"] == metric].pivot(index="horizon", columns="estimator",
                                                     values="value")
    for name in table.columns:
        ax.plot(table.index, table[name], marker="o", label=name)
    ax.axhline(0.0, color="black", linewidth=0.5)
    ax.set_xlabel("horizon (steps)")
    ax.set_ylabel(metric)
    ax.legend(loc="best", fontsize="small")
    return ax
