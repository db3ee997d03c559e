"""narxcast: NARX, Elman and LSTM forecasting as scikit-learn estimators with Numba kernels.

The estimators are imported on first use (PEP 562, as SciPy loads its submodules), so that
``import narxcast`` costs little more than the package's name; ``from narxcast import
NARXRegressor`` imports what that estimator needs.
"""

from importlib import import_module
from typing import TYPE_CHECKING

__version__ = "0.1.0"

_ESTIMATORS = {"ARIMARegressor": "arima", "ElmanRegressor": "elman", "GRURegressor": "gru",
               "LSTMRegressor": "lstm", "NARXRegressor": "narx",
               "PersistenceRegressor": "persistence", "TDNNRegressor": "tdnn"}

__all__ = ["ARIMARegressor", "ElmanRegressor", "GRURegressor", "LSTMRegressor", "NARXRegressor",
           "PersistenceRegressor", "TDNNRegressor", "__version__"]

if TYPE_CHECKING:
    from .arima import ARIMARegressor
    from .elman import ElmanRegressor
    from .gru import GRURegressor
    from .lstm import LSTMRegressor
    from .narx import NARXRegressor
    from .persistence import PersistenceRegressor
    from .tdnn import TDNNRegressor


def __getattr__(name):
    if name in _ESTIMATORS:
        estimator = getattr(import_module(f".{_ESTIMATORS[name]}", __name__), name)
        globals()[name] = estimator  # later lookups skip this function
        return estimator
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_ESTIMATORS])
