"""MLP-based networks over a flat θ (NARX, TDNN): layer ``l`` holds its weights
(fan_in, fan_out) row-major, then its biases, as scikit-learn's ``coefs_`` and
``intercepts_``."""

from typing import NamedTuple

import numpy as np

from ._network import NetworkForecaster
from ._validation import check_hidden_layer_sizes
from .kernels.activations import ACTIVATION_CODES
from .kernels.mlp import layout


class MLPLayout(NamedTuple):
    """θ's layout and the regressor an MLP's kernels read, computed once per fit; the fields
    are the MLP kernels' leading arguments, in their order (``kernel(theta, *layout, ...)``)."""

    sizes: np.ndarray  # [n_regressors, hidden..., n_outputs]
    weight_offsets: np.ndarray  # where each layer's weights start in θ
    bias_offsets: np.ndarray  # ... and its biases
    unit_offsets: np.ndarray  # rows of each layer in the kernels' unit buffer
    activation: int  # kernels.activations code of the hidden layers
    input_delays: np.ndarray
    target_delays: np.ndarray  # fed back (NARX) or measured (TDNN)

    @property
    def n_params(self):
        return int(self.bias_offsets[-1] + self.sizes[-1])


class MLPForecaster(NetworkForecaster):
    """An MLP over a flat θ; the subclass gives the output size (``_n_outputs``)."""

    def _make_layout(self):
        sizes, weight_offsets, bias_offsets, unit_offsets, _ = layout(
            [self._n_regressors(), *check_hidden_layer_sizes(self.hidden_layer_sizes),
             self._n_outputs()])
        return MLPLayout(sizes, weight_offsets, bias_offsets, unit_offsets,
                         ACTIVATION_CODES[self.activation], self.input_delays_,
                         self.target_delays_)

    def _initial_theta(self, rng):
        """Glorot-uniform weights and biases, as scikit-learn's MLP."""
        sizes, weight_offsets, bias_offsets = (self.layout_.sizes, self.layout_.weight_offsets,
                                               self.layout_.bias_offsets)
        theta = np.empty(self.layout_.n_params)
        for layer in range(sizes.size - 1):
            fan_in, fan_out = sizes[layer], sizes[layer + 1]
            factor = 2.0 if self.activation == "logistic" else 6.0
            bound = np.sqrt(factor / (fan_in + fan_out))
            theta[weight_offsets[layer]:bias_offsets[layer]] = rng.uniform(
                -bound, bound, fan_in * fan_out)
            theta[bias_offsets[layer]:bias_offsets[layer] + fan_out] = rng.uniform(
                -bound, bound, fan_out)
        return theta

    def _weight_mask(self):
        mask = np.zeros(self.layout_.n_params)
        for start, stop in zip(self.layout_.weight_offsets, self.layout_.bias_offsets):
            mask[start:stop] = 1.0
        return mask

    @property
    def coefs_(self):
        """Weight matrices per layer, shape (fan_in, fan_out), views of ``theta_``."""
        sizes = self.layout_.sizes
        return [self.theta_[w:w + sizes[k] * sizes[k + 1]].reshape(sizes[k], sizes[k + 1])
                for k, w in enumerate(self.layout_.weight_offsets)]

    @property
    def intercepts_(self):
        """Bias vectors per layer, views of ``theta_``."""
        sizes = self.layout_.sizes
        return [self.theta_[b:b + sizes[k + 1]] for k, b in enumerate(self.layout_.bias_offsets)]
