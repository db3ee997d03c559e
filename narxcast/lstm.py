"""Long short-term memory (LSTM) regressor."""

from ._base import RecurrentForecaster
from .kernels.recurrent import LSTM


class LSTMRegressor(RecurrentForecaster):
    """LSTM network (PyTorch's ``nn.LSTM`` cell, gates i, f, g, o) and a linear head, stacked.

    ``c_t = f ⊙ c_{t-1} + i ⊙ g``, ``h_t = o ⊙ tanh(c_t)``, ``y_t = V h_t + b``: the cell state
    is a constant error carousel that gradients cross without vanishing while ``f`` is near 1,
    so the LSTM remembers across many steps where an Elman network forgets. The forget-gate
    biases start at 1. Inputs, feedback, training and forecasting as in
    :class:`~narxcast.ElmanRegressor`, whose parameters it takes.

    Examples
    --------
    >>> import numpy as np
    >>> from narxcast import LSTMRegressor
    >>> rng = np.random.default_rng(0)
    >>> u = rng.uniform(-1, 1, 800)
    >>> y = np.zeros(800)
    >>> for k in range(799):
    ...     y[k + 1] = 0.6 * y[k] + np.tanh(u[k])
    >>> model = LSTMRegressor(input_delays=1, feedback_delays=(), hidden_layer_sizes=(8,),
    ...                       learning_rate_init=0.01, max_iter=100, random_state=0)
    >>> model = model.fit(u[:600, None], y[:600])
    >>> bool(np.sqrt(np.mean((model.predict(u[600:, None]) - y[600:]) ** 2)) < 0.1)
    True
    >>> model.get_weights()["weight_ih_l0"].shape   # 4 gates x 8 units, u at delays 0 and 1
    (32, 2)
    """

    _cell = LSTM
