"""narxcast: NARX, Elman and LSTM forecasting as scikit-learn estimators with Numba kernels."""

from .narx import NARXRegressor
from .tdnn import TDNNRegressor

__version__ = "0.1.0"

__all__ = ["NARXRegressor", "TDNNRegressor", "__version__"]
