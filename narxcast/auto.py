"""The automatic model builder (:class:`AutoForecaster`), which starts from the orders of
the data (:func:`narxcast.orders.lipschitz_orders`) and a seasonal lag of the target's
autocorrelation (:func:`seasonal_lags`)."""

import numbers
import time

import joblib
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._forecaster import DelegatingForecaster, is_forecaster
from ._rows import groups_keyword, groups_of, record_bounds, series_rows, take
from ._validation import check_horizon
from .orders import lipschitz_orders

FAMILIES = ("narx", "gru", "elman", "lstm", "arima")  # what AutoForecaster may try
SIMULATION_START = 10  # measured rows a validation free run starts from (at least the delays)


def seasonal_lags(y, na, max_lag=48, min_correlation=0.3):
    """A feedback delay beyond ``na`` for a strong periodicity of ``y``: the lag, up to
    ``max_lag``, of the highest local maximum of its autocorrelation, when that exceeds
    ``min_correlation`` (the daily cycle's 24 in hourly data); else none.

    Examples
    --------
    >>> t = np.arange(24 * 200)
    >>> y = np.sin(2 * np.pi * t / 24) + np.random.default_rng(0).normal(0, 0.3, t.size)
    >>> seasonal_lags(y, 2), seasonal_lags(np.random.default_rng(0).normal(size=500), 2)
    ([24], [])
    """
    from statsmodels.tsa.stattools import acf

    max_lag = min(max_lag, len(y) // 4)
    if max_lag <= na + 1:
        return []
    values = acf(y, nlags=max_lag, fft=True)
    peaks = [lag for lag in range(na + 1, max_lag)
             if values[lag] > values[lag - 1] and values[lag] >= values[lag + 1]]
    best = max(peaks, key=lambda lag: values[lag], default=None)
    return [best] if best is not None and values[best] > min_correlation else []


class AutoForecaster(DelegatingForecaster, RegressorMixin, BaseEstimator):
    """Build a forecaster from the training rows alone: delays from the data, sizes, the
    model family and its regularisation chosen on a time-ordered validation tail over
    several seeds, the best refitted on every row as an ensemble.

    ``fit(X, y, groups=None)`` holds out the last ``validation_fraction`` of every record (time
    order), estimates the output and input orders on the rows before it (Lipschitz
    quotients, :func:`~narxcast.orders.lipschitz_orders`; with ``focus="prediction"`` also a
    seasonal feedback delay from the target's autocorrelation, :func:`seasonal_lags`), fits
    each candidate once per seed on those rows and scores it on the tail by the focus's
    error: the RMSE of the forecasts at ``horizons`` (pooled over them), or of a free-run
    simulation of the tail from its first measured rows (``focus="simulation"``).
    Candidates: NARX networks with Bayesian regularisation (``solver="br"``: no penalty to
    search) of two sizes and two orders, gradient-trained NARX networks (of two orders for
    prediction), GRU, LSTM and Elman networks, all with the builder's ``focus``, and an
    ARIMA. The best candidate (the least mean error over seeds) is refitted on every row, as
    an :class:`~narxcast.compose.EnsembleRegressor` of ``ensemble_size`` members from their
    own seeds (its forecasts are the mean: the seed-to-seed spread of a single network
    averages out); ``predict``, ``simulate``, ``score`` and ``update`` are its.

    Parameters
    ----------
    focus : {"prediction", "simulation"}, default="prediction"
        What the model is for, and how candidates are scored (see above); passed on to the
        networks (:class:`~narxcast.NARXRegressor`'s ``focus``).
    horizons : sequence of int, default=(1,)
        With ``focus="prediction"``: the lead times scored.
    max_time : float or None, default=None
        Seconds the search may take: no candidate starts after it (the first always runs).
        None: every candidate.
    families : sequence of str, default=("narx", "gru", "elman", "lstm", "arima")
        The model families to try (:data:`FAMILIES`).
    n_seeds : int, default=3
        Seeds per candidate.
    ensemble_size : int, default=5
        Members of the refitted ensemble (seeds drawn from ``random_state``): a network's
        fits from different seeds differ most where the data are thin, and their mean less.
    validation_fraction : float, default=0.2
    random_state : int, RandomState instance or None, default=None
    n_jobs : int or None, default=None
        Processes that fit one candidate's seeds at once (joblib).
    progress : bool, default=True
        A progress bar over the fits (tqdm, where installed; off when not on a terminal).

    Attributes
    ----------
    best_estimator_ : fitted forecaster
        The best candidate refitted on every row (an ensemble over the seeds).
    leaderboard_ : pandas.DataFrame
        One row per candidate, best first: ``candidate``, ``settings``, the validation error's
        ``mean`` and ``std`` over seeds, ``seconds`` (its fits, all seeds).
    orders_ : tuple of int
        The output and input orders the Lipschitz quotients chose; ``seasonal_lags_`` the
        extra feedback delays.

    Examples
    --------
    >>> import numpy as np
    >>> from narxcast.model_selection import AutoForecaster
    >>> from narxcast.systems import make_system
    >>> u, y = make_system("narendra-3", n_samples=800, random_state=0)
    >>> auto = AutoForecaster(focus="simulation", n_seeds=2, max_time=30, random_state=0,
    ...                       progress=False).fit(u[:600, None], y[:600])
    >>> simulated = auto.simulate(u[600:, None], y[600:610])
    >>> bool(np.sqrt(np.mean((simulated[10:] - y[610:]) ** 2)) < 0.3 * y.std())
    True
    """

    _delegate = "best_estimator_"
    _fits_records = True
    _parameter_constraints = {
        "focus": [StrOptions({"prediction", "simulation"})],
        "horizons": ["array-like"],
        "max_time": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "families": ["array-like"],
        "n_seeds": [Interval(numbers.Integral, 1, None, closed="left")],
        "ensemble_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "random_state": ["random_state"],
        "n_jobs": [numbers.Integral, None],
        "progress": ["boolean"],
    }

    def __init__(self, focus="prediction", horizons=(1,), max_time=None, families=FAMILIES,
                 n_seeds=3, ensemble_size=5, validation_fraction=0.2, random_state=None,
                 n_jobs=None, progress=True):
        self.focus = focus
        self.horizons = horizons
        self.max_time = max_time
        self.families = families
        self.n_seeds = n_seeds
        self.ensemble_size = ensemble_size
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.progress = progress

    # ------------------------------------------------------------------- candidates
    def _candidates(self, na, nb, extra, has_inputs):
        """The candidates, cheapest first: name -> unfitted estimator."""
        from . import (
            ARIMARegressor,
            ElmanRegressor,
            GRURegressor,
            LSTMRegressor,
            NARXRegressor,
        )

        def delays(output_order, input_order):
            return dict(feedback_delays=list(range(1, output_order + 1)) + extra,
                        input_delays=list(range(input_order)) if has_inputs else 0)

        shared = dict(focus=self.focus)
        if self.focus == "prediction":
            shared["validation_horizons"] = list(self.horizons)
        wider = delays(na + 1, nb + 1 if has_inputs else 0)
        candidates = {
            "ARIMA": ARIMARegressor(order=(min(na, 3), 0, 1)),
            "NARX br (5,)": NARXRegressor(**delays(na, nb), hidden_layer_sizes=(5,),
                                          solver="br", **shared),
            "NARX br (10,)": NARXRegressor(**delays(na, nb), solver="br", **shared),
            "NARX br (10,), orders + 1": NARXRegressor(**wider, solver="br", **shared),
            "NARX adam (10,)": NARXRegressor(**delays(na, nb), solver="adam", **shared),
        }
        if self.focus == "prediction":  # (for simulation Adam lost on every system: NOTES)
            candidates["NARX adam (10,), orders + 1"] = NARXRegressor(**wider, solver="adam",
                                                                      **shared)
        for name, family in (("GRU", GRURegressor), ("Elman", ElmanRegressor),
                             ("LSTM", LSTMRegressor)):
            candidates[f"{name} (10,)"] = family(**delays(na, nb), **shared)
        families = set(self.families)
        return {name: candidate for name, candidate in candidates.items()
                if name.split()[0].lower() in families}

    # ------------------------------------------------------------------- validation
    def _error(self, model, X, y, bounds, first):
        """The focus's validation error of ``model`` (fitted on the rows before each
        record's tail): RMSE over the tails, pooled over records."""
        squared, count = 0.0, 0
        for start, tail_start, end in bounds:
            if self.focus == "simulation":
                inputs = None if X is None else X[tail_start:end]
                simulated = np.asarray(model.simulate(
                    inputs, y[tail_start:tail_start + first],
                    **({} if X is not None else {"horizon": end - tail_start - first})))
                errors = [simulated[first:] - y[tail_start + first:end]]
            else:
                inputs = None if X is None else X[start:end]
                errors = []
                for horizon in self.horizons:
                    forecasts = np.asarray(model.predict(inputs, y[start:end],
                                                         horizon=int(horizon)))
                    errors.append(forecasts[tail_start - start:] - y[tail_start:end])
            for error in errors:
                if not np.isfinite(error).all():
                    return np.inf
                squared += float(np.sum(error ** 2)) / len(errors)
                count += error.size / len(errors)
        return float(np.sqrt(squared / count))

    def fit(self, X, y, groups=None):
        """Search on the rows given (see the class), then refit the best on all of them."""
        self._validate_params()
        horizons = [check_horizon(h) for h in self.horizons]
        if not horizons:
            raise ValueError("`horizons` must not be empty.")
        unknown = sorted(set(self.families) - set(FAMILIES))
        if unknown or not len(self.families):
            raise ValueError(f"`families` must name some of {list(FAMILIES)}. Got "
                             f"{self.families!r}.")
        X, y = series_rows(X, y, "AutoForecaster")
        targets = np.asarray(y, dtype=float)
        inputs = None if X is None else np.asarray(X, dtype=float)
        if inputs is not None and not np.isfinite(inputs).all():
            raise ValueError("Input X contains NaN or infinity: AutoForecaster fits on every "
                             "row.")
        if targets.size < 50:
            raise ValueError(f"AutoForecaster needs at least 50 rows to choose a model on. "
                             f"Got n_samples = {targets.size}.")
        ids = groups_of(groups, X, y)
        records = record_bounds(ids, targets.size, 50) or [(0, targets.size)]
        tails = [(start, end - int(np.ceil(self.validation_fraction * (end - start))), end)
                 for start, end in records]
        longest = max(tails, key=lambda bound: bound[1] - bound[0])
        head = slice(longest[0], longest[1])
        self.orders_ = lipschitz_orders(None if inputs is None else inputs[head],
                                        targets[head], random_state=0)
        na, nb = self.orders_
        self.seasonal_lags_ = (seasonal_lags(targets[head], na) if self.focus == "prediction"
                               else [])
        candidates = self._candidates(na, nb, self.seasonal_lags_, inputs is not None)
        if ids is not None:  # ARIMA fits one record
            candidates.pop("ARIMA", None)
        if not candidates:
            raise ValueError("`families`: none of them fits several records (`groups`).")
        first = max(SIMULATION_START, na + 1, *self.seasonal_lags_)
        if any(tail_start - start <= first + 10 or end - tail_start <= first + 10
               for start, tail_start, end in tails):
            raise ValueError("`validation_fraction` leaves a record too short to train or "
                             "validate on; give longer records or change it.")
        head_rows = np.concatenate([np.arange(start, tail_start)
                                    for start, tail_start, _ in tails])
        head_ids = None if ids is None else np.asarray(ids)[head_rows]
        X_head, y_head = take(X, head_rows), take(y, head_rows)  # (pandas kept for the fits)
        seeds = check_random_state(self.random_state).randint(np.iinfo(np.int32).max,
                                                              size=self.n_seeds)
        names, settings, errors, seconds = [], [], [], []
        started = time.perf_counter()
        bar = self._bar(len(candidates) * len(seeds))
        try:
            for name, candidate in candidates.items():
                if names and self.max_time is not None and (
                        time.perf_counter() - started > self.max_time):
                    break
                began = time.perf_counter()
                scores = joblib.Parallel(n_jobs=self.n_jobs)(
                    joblib.delayed(_fit_and_score)(self, candidate, seed, X_head, y_head,
                                                   head_ids, inputs, targets, tails, first)
                    for seed in seeds)
                names.append(name)
                settings.append(_settings(candidate))
                errors.append(scores)
                seconds.append(time.perf_counter() - began)
                bar.update(len(seeds))
        finally:
            bar.close()
        self.candidates_, self.settings_ = names, settings
        self.validation_errors_ = np.array(errors, dtype=float)
        self.fit_seconds_ = np.array(seconds)
        self.best_index_ = int(np.argmin(np.where(np.isfinite(self.validation_errors_),
                                                  self.validation_errors_, np.inf).mean(1)))
        best = clone(candidates[names[self.best_index_]])
        if "random_state" in best.get_params() and self.ensemble_size > 1:
            from .compose import EnsembleRegressor

            best = EnsembleRegressor(best, n_estimators=self.ensemble_size,
                                     random_state=int(seeds[0]))
        elif "random_state" in best.get_params():
            best.set_params(random_state=int(seeds[0]))
        self.best_estimator_ = best.fit(X, y, **groups_keyword(ids))
        return self

    def _bar(self, total):
        try:
            from tqdm import tqdm
        except ImportError:
            tqdm = None
        if tqdm is None or not self.progress:
            return _NoBar()
        return tqdm(total=total, desc="AutoForecaster", disable=None)

    @property
    def leaderboard_(self):
        """The candidates scored, best first (see the class)."""
        check_is_fitted(self, "validation_errors_")
        errors = np.where(np.isfinite(self.validation_errors_), self.validation_errors_, np.nan)
        board = pd.DataFrame({
            "candidate": self.candidates_, "settings": self.settings_,
            "mean": np.nanmean(errors, axis=1) if errors.size else [],
            "std": np.nanstd(errors, axis=1) if errors.size else [],
            "failed": np.isnan(errors).sum(axis=1), "seconds": self.fit_seconds_})
        return board.sort_values("mean", ignore_index=True, na_position="last")

    def _check_fitted_state(self):
        """What a model archive must hold to be this builder's result (checked on load)."""
        if not is_forecaster(self.best_estimator_):
            raise ValueError("`best_estimator_` must be a fitted narxcast forecaster.")
        n = len(self.candidates_)
        texts = (self.candidates_, self.settings_)
        if not (all(isinstance(t, list) and len(t) == n and all(isinstance(v, str) for v in t)
                    for t in texts)
                and isinstance(self.validation_errors_, np.ndarray)
                and self.validation_errors_.shape == (n, self.n_seeds)
                and isinstance(self.fit_seconds_, np.ndarray)
                and self.fit_seconds_.shape == (n,) and 0 <= self.best_index_ < n):
            raise ValueError("The leaderboard's candidates, errors and times do not match.")

    def simulate(self, X, y_initial, **options):
        """The best estimator's free-run simulation (:meth:`narxcast.NARXRegressor.simulate`)."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.simulate(X, y_initial, **options)


class _NoBar:
    def update(self, _):
        pass

    def close(self):
        pass


def _settings(estimator):
    """The parameters of ``estimator`` that differ from its class's defaults, as text."""
    defaults = type(estimator)().get_params(deep=False)
    changed = {key: value for key, value in estimator.get_params(deep=False).items()
               if not (key in defaults and repr(defaults[key]) == repr(value))}
    return ", ".join(f"{key}={value!r}" for key, value in changed.items())


def _fit_and_score(auto, candidate, seed, X_head, y_head, head_ids, inputs, y, tails, first):
    """One candidate fitted with ``seed`` on the head rows, and its validation error on the
    tails of ``inputs`` and ``y`` (arrays of every row; inf when it fails to fit or runs
    away)."""
    import warnings

    model = clone(candidate)
    if "random_state" in model.get_params():
        model.set_params(random_state=int(seed))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model.fit(X_head, y_head, **groups_keyword(head_ids))
            return auto._error(model, inputs, y, tails, first)
        except (ValueError, FloatingPointError, np.linalg.LinAlgError):
            return np.inf
