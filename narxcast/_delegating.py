"""The forecaster that forecasts through one fitted forecaster it holds
(:class:`DelegatingForecaster`): the base of the meta-estimators."""

from __future__ import annotations

from typing import Self

from numpy.typing import ArrayLike
from sklearn.utils.validation import check_is_fitted

from ._forecaster import Forecaster, forecast_r2
from ._rows import groups_keyword
from ._typing import Forecasts, Groups, Rows


class DelegatingForecaster(Forecaster):
    """``predict``, ``update`` and ``score`` of a meta-estimator that forecasts with one
    fitted forecaster, its attribute ``_delegate`` (e.g. "estimator_")."""

    _delegate = "estimator_"

    def predict(self, X: Rows | None = None, y: Rows | None = None, horizon: int | None = None,
                all_horizons: bool = False, groups: Groups = None) -> Forecasts:
        """The fitted forecaster's forecasts (every predict mode).

        Parameters
        ----------
        X, y, horizon, all_horizons, groups
            As :meth:`narxcast.NARXRegressor.predict`.

        Returns
        -------
        ndarray, pandas.Series or pandas.DataFrame
            The forecasts (pandas in, pandas out).
        """
        check_is_fitted(self, self._delegate)
        extra = groups_keyword(groups)
        return getattr(self, self._delegate).predict(X, y=y, horizon=horizon,
                                                    all_horizons=all_horizons, **extra)

    def update(self, X: Rows | None, y: Rows, groups: Groups = None) -> Self:
        """Append measurements to the fitted forecaster's history (``groups``: new records,
        see :meth:`narxcast.NARXRegressor.update`).

        Parameters
        ----------
        X, y, groups
            As :meth:`narxcast.NARXRegressor.update`.

        Returns
        -------
        self
        """
        check_is_fitted(self, self._delegate)
        extra = groups_keyword(groups)
        getattr(self, self._delegate).update(X, y, **extra)
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
        return forecast_r2(self, X, y, horizon, sample_weight)

    @property
    def n_features_in_(self):
        """The number of input columns the fitted forecaster was fitted on."""
        check_is_fitted(self, self._delegate)
        return getattr(self, self._delegate).n_features_in_

    def __sklearn_tags__(self):
        """One target, and a forecaster's poor score as an i.i.d. regressor (scikit-learn's
        checks fit it on shuffled rows)."""
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = False
        tags.regressor_tags.poor_score = True
        return tags
