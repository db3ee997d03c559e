"""MLP-based networks over a flat θ (NARX, TDNN): layer ``l`` holds its weights
(fan_in, fan_out) row-major, then its biases, as scikit-learn's ``coefs_`` and
``intercepts_``."""

import numpy as np

from ._network import NetworkForecaster
from ._validation import check_hidden_layer_sizes
from .kernels.mlp import layout


class MLPForecaster(NetworkForecaster):
    """An MLP over a flat θ; the subclass gives the output size (``_n_outputs``)."""

    def _make_layout(self):
        return layout([self._n_regressors(), *check_hidden_layer_sizes(self.hidden_layer_sizes),
                       self._n_outputs()], self.activation, self.input_delays_,
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
