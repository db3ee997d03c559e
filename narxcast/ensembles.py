"""Ensembles of forecasters: one forecaster trained from several seeds
(:class:`EnsembleRegressor`), and the weighted mean of several forecasters
(:class:`VotingRegressor`). Both are public in :mod:`narxcast.compose`."""

from __future__ import annotations

import numbers
import warnings
from typing import Any, Literal, Self

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.utils import Bunch, check_random_state, get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._forecaster import (
    Forecaster as _Forecaster,
    forecast_r2 as _forecast_r2,
    is_forecaster as _is_forecaster,
)
from ._rows import (
    as_pandas as _as_pandas,
    groups_keyword as _groups_keyword,
    wrapped_target_names as _wrapped_target_names,
)
from ._typing import Forecasts, Groups, RandomState, Rows


class _Members(_Forecaster, RegressorMixin, BaseEstimator):
    """What a forecaster made of fitted members (``estimators_``) shares: their number of
    inputs, ``predict`` and ``simulate`` (combined by the class's ``_combine``, spread by its
    ``_spread``), ``update`` and ``score``."""

    @property
    def n_features_in_(self):
        """The number of input columns the members were fitted on."""
        check_is_fitted(self, "estimators_")
        return self.estimators_[0].n_features_in_

    def _check_members_agree(self):
        shapes = {(getattr(m, "n_features_in_", None), getattr(m, "n_targets_", None))
                  for m in self.estimators_}
        if len(shapes) != 1:  # members that would not forecast the same rows
            raise ValueError(f"`estimators_` disagree on their inputs and targets: {shapes}.")

    def predict(self, X: Rows | None = None, y: Rows | None = None, horizon: int | None = None,
                all_horizons: bool = False, return_std: bool = False,
                groups: Groups = None) -> Forecasts | tuple[Forecasts, Forecasts]:
        """The members' forecasts combined (the class's ``_combine``), as each member's
        ``predict``; with ``return_std`` also their spread across members.

        Parameters
        ----------
        X, y, horizon, all_horizons, return_std, groups
            As :meth:`narxcast.NARXRegressor.predict` (``return_std``: also the members' spread).

        Returns
        -------
        ndarray, pandas.Series or pandas.DataFrame
            The forecasts (pandas in, pandas out).
        """
        check_is_fitted(self, "estimators_")
        forecasts = _stacked([member.predict(X, y=y, horizon=horizon,
                                             all_horizons=all_horizons, **_groups_keyword(groups))
                              for member in self.estimators_])
        combined = self._combine(forecasts)
        names = _wrapped_target_names(self)
        if return_std:
            return (_as_pandas(combined, X, y, all_horizons, names),
                    _as_pandas(self._spread(forecasts, combined), X, y, all_horizons))
        return _as_pandas(combined, X, y, all_horizons, names)

    def simulate(self, X: Rows | None, y_initial: Rows, **options: Any) -> Forecasts:
        """The members' free-run simulations (:meth:`narxcast.NARXRegressor.simulate`;
        ``options`` as the members' ``simulate``) combined.

        Parameters
        ----------
        X, y_initial, **options
            As :meth:`narxcast.NARXRegressor.simulate`.

        Returns
        -------
        ndarray or pandas.Series
            The initial rows (NaN), then the simulation.
        """
        check_is_fitted(self, "estimators_")
        combined = self._combine(_stacked([member.simulate(X, y_initial, **options)
                                           for member in self.estimators_]))
        return _as_pandas(combined, X, None, names=_wrapped_target_names(self))

    def update(self, X: Rows | None, y: Rows, groups: Groups = None) -> Self:
        """Append measurements to every member's history (``groups``: new records).

        Parameters
        ----------
        X, y, groups
            As :meth:`narxcast.NARXRegressor.update`.

        Returns
        -------
        self
        """
        check_is_fitted(self, "estimators_")
        for member in self.estimators_:
            member.update(X, y, **_groups_keyword(groups))
        return self

    def score(self, X: Rows | None, y: Rows, sample_weight: ArrayLike | None = None,
              horizon: int | None = None) -> float:
        """R^2 of forecasts of ``y``, as a narxcast forecaster's ``score``.

        Parameters
        ----------
        X, y, sample_weight, horizon
            As :meth:`narxcast.NARXRegressor.score`.

        Returns
        -------
        float
            R^2 of the forecasts.
        """
        return _forecast_r2(self, X, y, horizon, sample_weight)


class EnsembleRegressor(_Members):
    """An ensemble of one forecaster trained from several seeds: the mean (or median) of its
    members' forecasts, in every predict mode.

    A network's fit depends on its initialisation and on the order of its mini-batches; the
    members are clones of ``estimator`` that differ only in ``random_state`` (drawn from this
    estimator's ``random_state``), so their average keeps what the data determine and averages
    away what the seed does. Works wherever a narxcast forecaster does: ``Pipeline``,
    ``GridSearchCV`` (parameters ``estimator__...``), ``backtest``, inside
    :class:`ClearSkyIndexRegressor`.

    Parameters
    ----------
    estimator : narxcast forecaster
        Cloned per member; its ``random_state`` is replaced.
    n_estimators : int, default=5
        Members, 1 to 1000.
    combine : {"mean", "median"}, default="mean"
    random_state : int, RandomState instance or None, default=None
        Draws the members' seeds.

    Attributes
    ----------
    estimators_ : list of fitted forecasters
    seeds_ : list of int
        The members' ``random_state``.

    Examples
    --------
    >>> import numpy as np
    >>> from narxcast import NARXRegressor
    >>> from narxcast.compose import EnsembleRegressor
    >>> rng = np.random.default_rng(0)
    >>> u = rng.uniform(-1, 1, 400)
    >>> y = np.zeros(400)
    >>> for k in range(399):
    ...     y[k + 1] = 0.5 * y[k] + np.tanh(u[k])
    >>> ensemble = EnsembleRegressor(NARXRegressor(input_delays=[1], feedback_delays=[1],
    ...                                            max_iter=20), n_estimators=3, random_state=0)
    >>> ensemble = ensemble.fit(u[:300, None], y[:300])
    >>> mean, spread = ensemble.predict(u[300:, None], y[300:], horizon=2, return_std=True)
    >>> mean.shape, spread.shape
    ((100,), (100,))
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "predict"])],
        "n_estimators": [Interval(numbers.Integral, 1, 1000, closed="both")],
        "combine": [StrOptions({"mean", "median"})],
        "random_state": ["random_state"],
    }

    def __sklearn_tags__(self):
        """The members' tags (multi-output targets, a forecaster's poor i.i.d. score)."""
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.target_tags.multi_output = inner.target_tags.multi_output
        tags.regressor_tags.poor_score = inner.regressor_tags.poor_score
        return tags

    def __init__(self, estimator: BaseEstimator, n_estimators: int = 5,
                 combine: Literal["mean", "median"] = "mean",
                 random_state: RandomState = None) -> None:
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.combine = combine
        self.random_state = random_state

    def fit(self, X: Rows | None, y: Rows, groups: Groups = None) -> Self:
        """Fit ``n_estimators`` clones of ``estimator``, each with its own seed (``groups``:
        the records, as the estimator's ``fit``).

        Parameters
        ----------
        X, y, groups
            As :meth:`narxcast.NARXRegressor.fit`.

        Returns
        -------
        self
        """
        self._validate_params()
        if "random_state" not in self.estimator.get_params():
            raise ValueError(f"`estimator` {type(self.estimator).__name__} has no "
                             "random_state: its members would all be the same.")
        seeds = check_random_state(self.random_state).randint(np.iinfo(np.int32).max,
                                                              size=self.n_estimators)
        self.estimators_, self.seeds_ = [], []
        for seed in seeds:
            member = clone(self.estimator).set_params(random_state=int(seed))
            self.estimators_.append(member.fit(X, y, **_groups_keyword(groups)))
            self.seeds_.append(int(seed))
            if getattr(member, "stopped_by_", None) == "interrupted":  # one Ctrl-C stops all
                warnings.warn(f"Ensemble fit interrupted after {len(self.estimators_)} of "
                              f"{self.n_estimators} members; those fitted are kept.",
                              RuntimeWarning, stacklevel=2)
                break
        return self

    def _check_fitted_state(self):
        if not (isinstance(self.estimators_, list)
                and 1 <= len(self.estimators_) <= self.n_estimators
                and all(map(_is_forecaster, self.estimators_))):
            raise ValueError(f"`estimators_` must be 1 to {self.n_estimators} fitted narxcast "
                             "forecasters.")
        self._check_members_agree()

    def _combine(self, stacked):
        """The members' outputs (stacked on the first axis): their mean or median."""
        return stacked.mean(axis=0) if self.combine == "mean" else np.median(stacked, axis=0)

    def _spread(self, stacked, combined):
        """The members' standard deviation (the seed's share of the error)."""
        return stacked.std(axis=0)


class VotingRegressor(_Members):
    """The weighted mean of several forecasters' forecasts, in every predict mode: scikit-learn's
    :class:`~sklearn.ensemble.VotingRegressor` over narxcast forecasters.

    Each forecaster is cloned and fitted on the same rows; ``predict``, ``simulate``,
    ``update`` and ``score`` are those of every member, combined by ``weights``. Forecasters of
    different families may be mixed (a NARX network, a GRU and an ARIMA, say): their errors
    differ, and their mean is often better than the best of them. :class:`AutoForecaster
    <narxcast.model_selection.AutoForecaster>` builds one from the fits its validation tail
    chose.

    Parameters
    ----------
    estimators : list of (str, forecaster) tuples
        The members, each with a distinct name.
    weights : array-like of shape (n_estimators,) or None, default=None
        Non-negative weights of the members' forecasts (they need not sum to one); None:
        equal.

    Attributes
    ----------
    estimators_ : list of fitted forecasters
    named_estimators_ : sklearn.utils.Bunch
        The fitted members by name.

    Examples
    --------
    >>> import numpy as np
    >>> from narxcast import ARIMARegressor, NARXRegressor
    >>> from narxcast.compose import VotingRegressor
    >>> rng = np.random.default_rng(0)
    >>> u = rng.uniform(-1, 1, 400)
    >>> y = np.zeros(400)
    >>> for k in range(399):
    ...     y[k + 1] = 0.5 * y[k] + np.tanh(u[k])
    >>> voting = VotingRegressor([("narx", NARXRegressor(max_iter=20, random_state=0)),
    ...                           ("arima", ARIMARegressor(order=(1, 0, 0)))], weights=[3, 1])
    >>> voting = voting.fit(u[:300, None], y[:300])
    >>> voting.predict(u[300:, None], y[300:], horizon=2).shape
    (100,)
    """

    _parameter_constraints = {
        "estimators": [list],
        "weights": ["array-like", None],
    }

    def __init__(self, estimators: list[tuple[str, BaseEstimator]],
                 weights: ArrayLike | None = None) -> None:
        self.estimators = estimators
        self.weights = weights

    def __sklearn_tags__(self):
        """Multi-output targets when every member takes them; a forecaster's poor i.i.d.
        score when any member has it."""
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = all(
            get_tags(estimator).target_tags.multi_output for _, estimator in self._members())
        tags.regressor_tags.poor_score = any(
            get_tags(estimator).regressor_tags.poor_score for _, estimator in self._members())
        return tags

    @property
    def named_estimators_(self):
        """The fitted members by name."""
        check_is_fitted(self, "estimators_")
        return Bunch(**{name: member for (name, _), member in zip(self.estimators,
                                                                  self.estimators_)})

    def _members(self):
        """``estimators`` checked: (name, forecaster) pairs, distinct names."""
        if not (isinstance(self.estimators, list) and self.estimators
                and all(isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[0], str)
                        and _is_forecaster(pair[1]) for pair in self.estimators)):
            raise ValueError("`estimators` must be a non-empty list of (name, narxcast "
                             f"forecaster) tuples. Got {self.estimators!r:.200}.")
        names = [name for name, _ in self.estimators]
        if len(set(names)) != len(names):
            raise ValueError(f"`estimators` must have distinct names. Got {names}.")
        return self.estimators

    def _weights(self):
        """``weights`` checked, normalised to sum to one."""
        n = len(self._members())
        if self.weights is None:
            return np.full(n, 1 / n)
        try:
            weights = np.asarray(self.weights, dtype=float)
        except (TypeError, ValueError):
            weights = None
        if (weights is None or weights.shape != (n,) or not np.isfinite(weights).all()
                or (weights < 0).any() or weights.sum() <= 0):
            raise ValueError(f"`weights` must be {n} non-negative numbers, not all zero, one "
                             f"per estimator. Got {self.weights!r:.200}.")
        return weights / weights.sum()

    def fit(self, X: Rows | None, y: Rows, groups: Groups = None) -> Self:
        """Fit a clone of every member on the rows (``groups``: the records, as the members'
        ``fit``).

        Parameters
        ----------
        X, y, groups
            As :meth:`narxcast.NARXRegressor.fit`.

        Returns
        -------
        self
        """
        self._validate_params()
        self._weights()
        self.estimators_ = [clone(estimator).fit(X, y, **_groups_keyword(groups))
                            for _, estimator in self._members()]
        return self

    def _set_fitted(self, members):
        """Take ``members`` (fitted as the ``estimators`` of the same names) as the fitted
        members."""
        self.estimators_ = list(members)
        self._check_fitted_state()
        return self

    def _check_fitted_state(self):
        self._weights()
        if not (isinstance(self.estimators_, list)
                and len(self.estimators_) == len(self.estimators)
                and all(map(_is_forecaster, self.estimators_))):
            raise ValueError(f"`estimators_` must be {len(self.estimators)} fitted narxcast "
                             "forecasters, one per estimator.")
        self._check_members_agree()

    def _combine(self, stacked):
        """The weighted mean of the members' outputs (stacked on the first axis)."""
        return np.tensordot(self._weights(), stacked, 1)

    def _spread(self, stacked, combined):
        """The members' weighted standard deviation."""
        return np.sqrt(self._combine((stacked - combined) ** 2))


def _stacked(outputs):
    """The members' outputs stacked on a first axis; a single target as a 1-D array when any
    member gives it so (a one-column ``y`` given to a single-output member)."""
    outputs = [np.asarray(output) for output in outputs]
    shape = min((output.shape for output in outputs), key=len)
    return np.stack([output.reshape(shape) for output in outputs])
