"""The automatic model builder (:class:`AutoForecaster`), which starts from the orders of
the data (:func:`narxcast.orders.lipschitz_orders`) and a seasonal lag of the target's
autocorrelation (:func:`seasonal_lags`)."""

from __future__ import annotations

import numbers
import time
from collections.abc import Sequence
from typing import Any, Literal, Self

import joblib
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._auto_members import (
    refit_plan as _refit_plan,
    rmse as _rmse,
    train_on_every_row as _train_on_every_row,
    without_runaways as _without_runaways,
)
from ._delegating import DelegatingForecaster as _DelegatingForecaster
from ._rows import (
    groups_keyword as _groups_keyword,
    groups_of as _groups_of,
    record_bounds as _record_bounds,
    series_rows as _series_rows,
    take as _take,
)
from ._typing import Forecasts, Groups, RandomState, Rows
from ._validation import (
    check_horizon as _check_horizon,
)
from .ensembles import VotingRegressor
from .orders import lipschitz_orders

__all__ = ["AutoForecaster", "FAMILIES", "ensemble_selection", "seasonal_lags"]

FAMILIES = ("narx", "gru", "elman", "lstm", "arima")  # what AutoForecaster may try
SIMULATION_START = 10  # measured rows a validation free run starts from (at least the delays)


def seasonal_lags(y: ArrayLike, na: int, max_lag: int = 48,
                  min_correlation: float = 0.3) -> list[int]:
    """A feedback delay beyond ``na`` for a strong periodicity of ``y``: the lag, up to
    ``max_lag``, of the highest local maximum of its autocorrelation, when that exceeds
    ``min_correlation`` (the daily cycle's 24 in hourly data); else none.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
    na : int
        The output order: only lags beyond it count.
    max_lag : int, default=48
    min_correlation : float, default=0.3

    Returns
    -------
    list of int
        The lag, or empty.

    Examples
    --------
    >>> t = np.arange(24 * 200)
    >>> y = np.sin(2 * np.pi * t / 24) + np.random.default_rng(0).normal(0, 0.3, t.size)
    >>> seasonal_lags(y, 2), seasonal_lags(np.random.default_rng(0).normal(size=500), 2)
    ([24], [])
    """
    from statsmodels.tsa.stattools import acf

    max_lag = min(max_lag, np.shape(y)[0] // 4)
    if max_lag <= na + 1:
        return []
    values = acf(y, nlags=max_lag, fft=True)
    peaks = [lag for lag in range(na + 1, max_lag)
             if values[lag] > values[lag - 1] and values[lag] >= values[lag + 1]]
    best = max(peaks, key=lambda lag: values[lag], default=None)
    return [best] if best is not None and values[best] > min_correlation else []


class AutoForecaster(_DelegatingForecaster, RegressorMixin, BaseEstimator):
    """Build a forecaster from the training rows alone: delays from the data, sizes, the
    model family and its regularisation chosen on a time-ordered validation tail over
    several seeds, an ensemble of the fits chosen there trained on every row.

    ``fit(X, y, groups=None)`` holds out the last ``validation_fraction`` of every record (time
    order), estimates the output and input orders on the rows before it (Lipschitz
    quotients, :func:`~narxcast.orders.lipschitz_orders`; with ``focus="prediction"`` also a
    seasonal feedback delay from the target's autocorrelation, :func:`seasonal_lags`), fits
    each candidate once per seed on those rows and scores it on the tail by the focus's
    error: the RMSE of the forecasts at ``horizons`` (pooled over them), or of the tail of a
    free-run simulation of the record from its first measured rows (``focus="simulation"``).
    Candidates: NARX networks with Bayesian regularisation (``solver="br"``: no penalty to
    search; for simulation each fit a committee of four restarts, as the network's
    ``n_init="auto"``) of two sizes and two orders (and, for simulation, twice the orders: the
    quotients' index flattens before it reaches the orders of a system with a long memory),
    gradient-trained NARX networks (of two orders for prediction), GRU, LSTM and Elman
    networks, all with the builder's ``focus``, and an ARIMA. Every fit (candidate and seed)
    joins a library from which an ensemble is chosen on the same tails (greedy ensemble
    selection with replacement, Caruana et al. 2004: :func:`ensemble_selection`): the fits
    whose mean forecasts or simulates the tails best, weighted by how often they were
    chosen (with several horizons, each horizon's errors relative to the library's best
    there, so that each has the same say). Each member is then trained on every row: for
    simulation it continues from the parameters the validation saw (``warm_start``), for
    prediction it is refitted so that it learns the latest rows, from its seed and from one
    more, each at a quarter of its weight, the validated fit itself keeping the other half
    (a refit is a new draw the validation never saw, and lands elsewhere; a refit that
    forecasts its own training rows far worse than the validated fit forecast its head rows
    is dropped, its weight to the other; an ARIMA is refitted once); the members' weighted
    mean (a
    :class:`~narxcast.compose.VotingRegressor`) is the ``best_estimator_``: ``predict``,
    ``simulate``, ``score`` and ``update`` are its.

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
    n_seeds : int or "auto", default="auto"
        Seeds per candidate; "auto": 5 with ``focus="prediction"`` (a larger library spreads
        the ensemble's weight over more fits), 3 with ``focus="simulation"`` (where two more
        did not lower the spread and cost 1.6 times the search; ``benchmarks/NOTES.md``).
    ensemble_size : int, default=20
        Rounds of the ensemble selection (:func:`ensemble_selection`): at most that many
        members, weighted by how often each was chosen (1: the best fit alone).
    validation_fraction : float, default=0.2
    random_state : int, RandomState instance or None, default=None
    n_jobs : int or None, default=None
        Processes that fit one candidate's seeds at once (joblib).
    progress : bool, default=True
        A progress bar over the fits (tqdm, where installed; off when not on a terminal).

    Attributes
    ----------
    best_estimator_ : VotingRegressor
        The chosen members trained on every row, and their weights.
    members_ : list of (str, int or None, float, str)
        Each member's candidate, seed, own validation error (NaN for the second refit of a
        chosen fit, with ``focus="prediction"``: never validated) and rows: "all" (trained
        on every row) or "head" (the validated fit, trained on the rows before the tail);
        ``ensemble_`` shows them with their weights, ``ensemble_validation_error_`` is the
        weighted mean's of the fits chosen.
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
        "n_seeds": [Interval(numbers.Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "ensemble_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "random_state": ["random_state"],
        "n_jobs": [numbers.Integral, None],
        "progress": ["boolean"],
    }

    def __init__(self, focus: Literal["prediction", "simulation"] = "prediction",
                 horizons: Sequence[int] = (1,), max_time: float | None = None,
                 families: Sequence[str] = FAMILIES, n_seeds: int | Literal["auto"] = "auto",
                 ensemble_size: int = 20,
                 validation_fraction: float = 0.2, random_state: RandomState = None,
                 n_jobs: int | None = None, progress: bool = True) -> None:
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

    def _n_seeds(self):
        """Seeds per candidate (``n_seeds``, "auto" resolved by the focus)."""
        if self.n_seeds == "auto":
            return 5 if self.focus == "prediction" else 3
        return self.n_seeds

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
        if self.focus == "simulation":  # (the orders fall short on long memories: NOTES)
            candidates["NARX br (10,), orders x 2"] = NARXRegressor(
                **delays(2 * na, 2 * nb), solver="br", **shared)
        families = set(self.families)
        return {name: candidate for name, candidate in candidates.items()
                if name.split()[0].lower() in families}

    # ------------------------------------------------------------------- validation
    def _forecast_rows(self, bounds):
        """With the prediction focus, the validation rows in the order :meth:`_tail_outputs`
        forecasts them (each record's tail once per horizon), and the position in
        ``horizons`` of each one's horizon."""
        blocks = [(np.arange(tail_start, end), k) for _, tail_start, end in bounds
                  for k in range(len(self.horizons))]
        return (np.concatenate([rows for rows, _ in blocks]),
                np.concatenate([np.full(rows.size, k) for rows, k in blocks]))

    def _tail_targets(self, y, bounds, first):
        """What :meth:`_tail_outputs` is scored against: the measured tails, concatenated."""
        if self.focus == "simulation":
            return np.concatenate([y[tail_start + first:end] for _, tail_start, end in bounds])
        return y[self._forecast_rows(bounds)[0]]

    def _horizon_scale(self, outputs, truth, bounds):
        """Per validation row, what gives each horizon the same say in the ensemble selection:
        one over the root mean squared error, at its horizon, of the library's best fit there
        (pooled as they are, a day-ahead error several times the hour-ahead one would choose
        the ensemble for the longest horizon alone); ones for simulation or one horizon."""
        if self.focus == "simulation" or len(self.horizons) == 1:
            return np.ones_like(truth)
        horizon = self._forecast_rows(bounds)[1]
        scale = np.empty_like(truth)
        for k in range(len(self.horizons)):
            rows = horizon == k
            best = min(_rmse(output[rows], truth[rows]) for output in outputs)
            scale[rows] = 1 / best if best > 0 else 1.0
        return scale

    def _tail_outputs(self, model, X, y, bounds, first):
        """The focus's outputs of ``model`` (fitted on the rows before each record's tail) on
        the tails, concatenated: a free-run simulation of each record from its first ``first``
        measured rows, through the rows fitted into the tail (measurement noise in the tail's
        own first rows would set a free run's initial state there, and a model that keeps such
        an offset would be judged by the noise), or the forecasts of the tail's rows at every
        horizon; None when any is not finite (a fit that ran away)."""
        parts = []
        for start, tail_start, end in bounds:
            inputs = None if X is None else X[start:end]
            if self.focus == "simulation":
                simulated = np.asarray(model.simulate(
                    inputs, y[start:start + first],
                    **({} if X is not None else {"horizon": end - start - first})))
                parts.append(simulated[tail_start - start + first:])
                continue
            for horizon in self.horizons:
                forecasts = np.asarray(model.predict(inputs, y[start:end], horizon=int(horizon)))
                parts.append(forecasts[tail_start - start:])
        outputs = np.concatenate(parts)
        return outputs if np.isfinite(outputs).all() else None

    def fit(self, X: Rows | None, y: Rows, groups: Groups = None) -> Self:
        """Search on the rows given (see the class), then train the chosen ensemble on all of
        them.

        Parameters
        ----------
        X, y, groups
            The training rows, as :meth:`narxcast.NARXRegressor.fit` takes them.

        Returns
        -------
        self
        """
        self._validate_params()
        horizons = [_check_horizon(h) for h in self.horizons]
        if not horizons:
            raise ValueError("`horizons` must not be empty.")
        unknown = sorted(set(self.families) - set(FAMILIES))
        if unknown or not len(self.families):
            raise ValueError(f"`families` must name some of {list(FAMILIES)}. Got "
                             f"{self.families!r}.")
        X, y = _series_rows(X, y, "AutoForecaster")
        targets = np.asarray(y, dtype=float)
        inputs = None if X is None else np.asarray(X, dtype=float)
        if inputs is not None and not np.isfinite(inputs).all():
            raise ValueError("Input X contains NaN or infinity: AutoForecaster fits on every "
                             "row.")
        if targets.size < 50:
            raise ValueError(f"AutoForecaster needs at least 50 rows to choose a model on. "
                             f"Got n_samples = {targets.size}.")
        ids = _groups_of(groups, X, y)
        records = _record_bounds(ids, targets.size, 50) or [(0, targets.size)]
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
        X_head, y_head = _take(X, head_rows), _take(y, head_rows)  # (pandas kept for the fits)
        rng = check_random_state(self.random_state)
        seeds = rng.randint(np.iinfo(np.int32).max, size=self._n_seeds())
        truth = self._tail_targets(targets, tails, first)
        names: list[str] = []
        settings: list[str] = []
        errors: list[np.ndarray] = []
        seconds: list[float] = []
        fits: list[tuple] = []  # (candidate, seed, model fitted on the head, tail outputs)
        started = time.perf_counter()
        bar = self._bar(len(candidates) * len(seeds))
        try:
            for name, candidate in candidates.items():
                if names and self.max_time is not None and (
                        time.perf_counter() - started > self.max_time):
                    break
                began = time.perf_counter()
                seeded = "random_state" in candidate.get_params()
                results = joblib.Parallel(n_jobs=self.n_jobs)(
                    joblib.delayed(_fit_and_score)(self, candidate, seed, X_head, y_head,
                                                   head_ids, inputs, targets, tails, first)
                    for seed in (seeds if seeded else seeds[:1]))
                fits += [(name, int(seed) if seeded else None, model, outputs)
                         for seed, (model, outputs) in zip(seeds, results)
                         if outputs is not None]
                names.append(name)
                settings.append(_settings(candidate))
                errors.append(np.resize([_rmse(outputs, truth) for _, outputs in results],
                                        len(seeds)))  # (a deterministic one fitted once)
                seconds.append(time.perf_counter() - began)
                bar.update(len(seeds))
        finally:
            bar.close()
        self.candidates_, self.settings_ = names, settings
        self.validation_errors_ = np.array(errors, dtype=float)
        self.fit_seconds_ = np.array(seconds)
        self.best_index_ = int(np.argmin(np.where(np.isfinite(self.validation_errors_),
                                                  self.validation_errors_, np.inf).mean(1)))
        if not fits:
            raise ValueError("No candidate fitted the training rows without running away; "
                             "see `leaderboard_`.")
        scale = self._horizon_scale([outputs for *_, outputs in fits], truth, tails)
        counts = ensemble_selection([outputs * scale for *_, outputs in fits], truth * scale,
                                    self.ensemble_size)
        chosen = np.flatnonzero(counts)
        self.ensemble_validation_error_ = _rmse(
            np.tensordot(counts[chosen] / counts.sum(),
                         np.stack([fits[i][3] for i in chosen]), 1), truth)
        plan = _refit_plan(self.focus, fits, chosen, counts, truth, rng)
        trained = iter(joblib.Parallel(n_jobs=self.n_jobs)(
            joblib.delayed(_train_on_every_row)(entry.model, X, y, ids, self.focus)
            for entry in plan if entry.rows == "all"))
        members = [entry.model if entry.rows == "head" else next(trained) for entry in plan]
        plan, members = _without_runaways(self, plan, members, fits, inputs, targets, tails,
                                          first)
        self.members_ = [(entry.candidate, entry.seed, entry.error, entry.rows)
                         for entry in plan]
        self.best_estimator_ = VotingRegressor(
            [(f"{entry.candidate}, seed {entry.seed}"
              + (", validated fit" if entry.rows == "head" else ""), clone(entry.model))
             for entry in plan],
            weights=[entry.weight for entry in plan])._set_fitted(members)
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

    @property
    def ensemble_(self):
        """The members chosen (see the class): ``candidate``, ``seed``, ``weight`` (summing to
        one), each one's own validation error, ``validation``, and the ``rows`` it was
        trained on ("all", or "head": the validated fit)."""
        check_is_fitted(self, "members_")
        weights = np.asarray(self.best_estimator_.weights, dtype=float)
        return pd.DataFrame([(name, seed, weight / weights.sum(), error, rows)
                             for (name, seed, error, rows), weight in zip(self.members_, weights)],
                            columns=["candidate", "seed", "weight", "validation", "rows"])

    def _check_fitted_state(self):
        """What a model archive must hold to be this builder's result (checked on load)."""
        if not isinstance(self.best_estimator_, VotingRegressor):
            raise ValueError("`best_estimator_` must be a fitted VotingRegressor.")
        self.best_estimator_._check_fitted_state()
        if not (isinstance(self.members_, list)
                and len(self.members_) == len(self.best_estimator_.estimators_)
                and all(isinstance(m, tuple) and len(m) == 4 and m[0] in self.candidates_
                        and (m[1] is None or isinstance(m[1], int)) and isinstance(m[2], float)
                        and m[3] in ("all", "head") for m in self.members_)
                and isinstance(self.ensemble_validation_error_, float)):
            raise ValueError("`members_` must name a candidate, a seed, an error and rows for "
                             "each member of `best_estimator_`.")
        n = len(self.candidates_)
        texts = (self.candidates_, self.settings_)
        if not (all(isinstance(t, list) and len(t) == n and all(isinstance(v, str) for v in t)
                    for t in texts)
                and isinstance(self.validation_errors_, np.ndarray)
                and self.validation_errors_.shape == (n, self._n_seeds())
                and isinstance(self.fit_seconds_, np.ndarray)
                and self.fit_seconds_.shape == (n,) and 0 <= self.best_index_ < n):
            raise ValueError("The leaderboard's candidates, errors and times do not match.")

    def simulate(self, X: Rows | None, y_initial: Rows, **options: Any) -> Forecasts:
        """The best estimator's free-run simulation (:meth:`narxcast.NARXRegressor.simulate`).

        Parameters
        ----------
        X, y_initial, **options
            As :meth:`narxcast.NARXRegressor.simulate`.

        Returns
        -------
        ndarray or pandas.Series
            The initial rows (NaN), then the simulation.
        """
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


def ensemble_selection(outputs: Sequence[np.ndarray], targets: np.ndarray,
                       rounds: int) -> np.ndarray:
    """Greedy ensemble selection with replacement (Caruana et al., "Ensemble selection from
    libraries of models", ICML 2004): up to ``rounds`` times, add the output whose inclusion
    gives the mean of those chosen the least squared error against ``targets``; the ensemble
    of the round with the least error is kept (never worse than the best output alone).
    Returns how many times each output was chosen (the members' weights).

    Parameters
    ----------
    outputs : sequence of ndarray
        Each candidate's outputs (forecasts, or a free run) on the validation rows.
    targets : ndarray
        What they are scored against, of the outputs' shape.
    rounds : int
        The most members chosen (with replacement).

    Returns
    -------
    ndarray of int
        How many times each output was chosen.

    Examples
    --------
    >>> targets = np.array([1.0, -1.0])
    >>> ensemble_selection([np.array([2.0, -1.0]), np.array([0.0, -1.0]),
    ...                     np.array([1.5, -2.0])], targets, 4)
    array([1, 1, 0])
    """
    stacked = np.stack(outputs)
    counts = np.zeros(len(stacked), dtype=int)
    total = np.zeros_like(stacked[0])
    axes = tuple(range(1, stacked.ndim))
    best_counts, best_error = counts, np.inf
    for size in range(1, rounds + 1):
        errors = np.mean(((total + stacked) / size - targets) ** 2, axis=axes)
        chosen = int(np.argmin(errors))
        counts = counts.copy()
        counts[chosen] += 1
        total += stacked[chosen]
        if errors[chosen] < best_error:
            best_counts, best_error = counts, errors[chosen]
    return best_counts


def _fit_and_score(auto, candidate, seed, X_head, y_head, head_ids, inputs, y, tails, first):
    """One candidate fitted with ``seed`` on the head rows, and its outputs on the tails of
    ``inputs`` and ``y`` (arrays of every row; None when it fails to fit or runs away)."""
    import warnings

    model = clone(candidate)
    if "random_state" in model.get_params():
        model.set_params(random_state=int(seed))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model.fit(X_head, y_head, **_groups_keyword(head_ids))
            return model, auto._tail_outputs(model, inputs, y, tails, first)
        except (ValueError, FloatingPointError, np.linalg.LinAlgError):
            return model, None
