"""narxcast: NARX, Elman and LSTM forecasting as scikit-learn estimators with Numba kernels."""

from .arima import ARIMARegressor
from .elman import ElmanRegressor
from .gru import GRURegressor
from .lstm import LSTMRegressor
from .narx import NARXRegressor
from .persistence import PersistenceRegressor
from .tdnn import TDNNRegressor

__version__ = "0.1.0"

__all__ = ["ARIMARegressor", "ElmanRegressor", "GRURegressor", "LSTMRegressor", "NARXRegressor",
           "PersistenceRegressor", "TDNNRegressor", "__version__"]
