"""MLP-based networks over a flat θ (NARX, TDNN): layer ``l`` holds its weights
(fan_in, fan_out) row-major, then its biases, as scikit-learn's ``coefs_`` and
``intercepts_``. A committee of such networks (the mean of their outputs) is one network of
all their hidden units (:meth:`MLPForecaster._committee_theta`)."""

import numpy as np

from ._network import NetworkForecaster
from ._validation import check_hidden_layer_sizes
from .kernels.mlp import layout


class MLPForecaster(NetworkForecaster):
    """An MLP over a flat θ; the subclass gives the output size (``_n_outputs``)."""

    def _make_layout(self):
        """θ's layout: ``hidden_layer_sizes``, each times ``committee_size_`` (the members of a
        committee side by side, :meth:`_committee_theta`)."""
        members = getattr(self, "committee_size_", 1)
        hidden = [members * size for size in check_hidden_layer_sizes(self.hidden_layer_sizes)]
        return layout([self._n_regressors(), *hidden, self._n_outputs()], self.activation,
                      self.input_delays_, self.target_delays_)

    def _committee_members(self, theta):
        """The members of the committee network ``theta`` (of ``committee_size_`` members, as
        :meth:`_committee_theta` made it), each with the committee's output bias (the mean of
        theirs, which is all it keeps of them)."""
        n_members = self.committee_size_
        sizes = self.layout_.sizes
        if sizes.size == 2:  # linear: the committee is its members' mean
            return [theta.copy() for _ in range(n_members)]
        weights, biases, last = self.layout_.weight_offsets, self.layout_.bias_offsets, \
            sizes.size - 2
        members = [[] for _ in range(n_members)]
        for layer in range(sizes.size - 1):
            fan_in, fan_out = sizes[layer], sizes[layer + 1]
            matrix = theta[weights[layer]:biases[layer]].reshape(fan_in, fan_out)
            bias = theta[biases[layer]:biases[layer] + fan_out]
            width_in = fan_in if layer == 0 else fan_in // n_members
            width_out = fan_out if layer == last else fan_out // n_members
            for k, member in enumerate(members):
                rows = slice(0, fan_in) if layer == 0 else slice(k * width_in,
                                                                 (k + 1) * width_in)
                columns = slice(0, fan_out) if layer == last else slice(k * width_out,
                                                                        (k + 1) * width_out)
                scale = n_members if layer == last else 1
                member += [matrix[rows, columns].ravel() * scale,
                           bias[columns] if layer < last else bias]
        return [np.ascontiguousarray(np.concatenate(parts), dtype=theta.dtype)
                for parts in members]

    def _committee_theta(self, thetas):
        """θ of the network whose output is the mean of the outputs of networks ``thetas``
        (each of the layout of ``hidden_layer_sizes``): their hidden units side by side, each
        member's units fed by its own units of the layer before (block-diagonal weights; the
        inputs are shared), the output weights divided by their number and the output biases
        averaged. Its layout is :meth:`_make_layout`'s with ``committee_size_ = len(thetas)``.

        Examples
        --------
        >>> from narxcast import NARXRegressor
        >>> rng = np.random.default_rng(0)
        >>> u = rng.uniform(-1, 1, 200)
        >>> y = np.r_[0.0, np.tanh(u[:-1])]
        >>> members = [NARXRegressor(input_delays=[1], feedback_delays=[1], hidden_layer_sizes=3,
        ...                          max_iter=5, random_state=seed).fit(u[:, None], y)
        ...            for seed in (0, 1)]
        >>> committee = members[0]._committee_theta([m.theta_ for m in members])
        >>> committee.size == 2 * members[0].theta_.size - 1    # one output bias, not two
        True
        """
        sizes = self.layout_.sizes  # (one member's)
        if sizes.size == 2:  # linear members: the mean of their coefficients
            return np.ascontiguousarray(np.mean(thetas, axis=0), dtype=thetas[0].dtype)
        weights, biases = self.layout_.weight_offsets, self.layout_.bias_offsets
        n_members, last = len(thetas), sizes.size - 2
        parts = []
        for layer in range(sizes.size - 1):
            fan_in, fan_out = sizes[layer], sizes[layer + 1]
            blocks = [theta[weights[layer]:biases[layer]].reshape(fan_in, fan_out)
                      for theta in thetas]
            bias = [theta[biases[layer]:biases[layer] + fan_out] for theta in thetas]
            if layer == 0:  # the shared inputs feed every member
                parts += [np.concatenate(blocks, axis=1).ravel(), np.concatenate(bias)]
            elif layer == last:  # the mean of the members' outputs
                parts += [np.concatenate(blocks, axis=0).ravel() / n_members,
                          np.mean(bias, axis=0)]
            else:
                merged = np.zeros((n_members * fan_in, n_members * fan_out), thetas[0].dtype)
                for k, block in enumerate(blocks):
                    merged[k * fan_in:(k + 1) * fan_in, k * fan_out:(k + 1) * fan_out] = block
                parts += [merged.ravel(), np.concatenate(bias)]
        return np.ascontiguousarray(np.concatenate(parts), dtype=thetas[0].dtype)

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
