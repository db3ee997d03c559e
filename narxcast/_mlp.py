"""MLP-based networks over a flat θ (NARX, TDNN): layer ``l`` holds its weights
(fan_in, fan_out) row-major, then its biases, as scikit-learn's ``coefs_`` and
``intercepts_``. A committee of such networks (the mean of their outputs) is one network of
all their hidden units (:meth:`MLPForecaster._committee_theta`)."""

import numpy as np
from scipy.linalg import block_diag

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
        layers = _layers(theta, self.layout_)
        if len(layers) == 1:  # linear: the committee is its members' mean
            return [theta.copy() for _ in range(n_members)]
        members = [[] for _ in range(n_members)]
        for index, (weights, bias) in enumerate(layers):
            first, last = index == 0, index == len(layers) - 1
            rows = weights.shape[0] // (1 if first else n_members)  # a member's block
            columns = weights.shape[1] // (1 if last else n_members)
            for k, member in enumerate(members):
                top, left = (0 if first else k * rows), (0 if last else k * columns)
                block = weights[top:top + rows, left:left + columns]
                member += [block.ravel() * (n_members if last else 1),
                           bias if last else bias[left:left + columns]]
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
        layers = list(zip(*(_layers(theta, self.layout_) for theta in thetas)))  # by layer
        if len(layers) == 1:  # linear members: the mean of their coefficients
            return np.ascontiguousarray(np.mean(thetas, axis=0), dtype=thetas[0].dtype)
        parts = []
        for index, members in enumerate(layers):
            weights, biases = [w for w, _ in members], [b for _, b in members]
            if index == 0:  # the shared inputs feed every member
                parts += [np.concatenate(weights, axis=1), np.concatenate(biases)]
            elif index == len(layers) - 1:  # the mean of the members' outputs
                parts += [np.concatenate(weights, axis=0) / len(thetas), np.mean(biases, axis=0)]
            else:
                parts += [block_diag(*weights), np.concatenate(biases)]
        return np.ascontiguousarray(np.concatenate([part.ravel() for part in parts]),
                                    dtype=thetas[0].dtype)

    def _initial_theta(self, rng):
        """Glorot-uniform weights and biases, as scikit-learn's MLP."""
        theta = np.empty(self.layout_.n_params)
        factor = 2.0 if self.activation == "logistic" else 6.0
        for weights, bias in _layers(theta, self.layout_):
            bound = np.sqrt(factor / sum(weights.shape))
            weights[...] = rng.uniform(-bound, bound, weights.shape)
            bias[...] = rng.uniform(-bound, bound, bias.shape)
        return theta

    def _weight_mask(self):
        mask = np.zeros(self.layout_.n_params)
        for weights, _ in _layers(mask, self.layout_):
            weights[...] = 1.0
        return mask

    @property
    def coefs_(self):
        """Weight matrices per layer, shape (fan_in, fan_out), views of ``theta_``."""
        return [weights for weights, _ in _layers(self.theta_, self.layout_)]

    @property
    def intercepts_(self):
        """Bias vectors per layer, views of ``theta_``."""
        return [bias for _, bias in _layers(self.theta_, self.layout_)]


def _layers(theta, mlp_layout):
    """``(weights, biases)`` of each layer of θ in ``mlp_layout``: views, weights of shape
    (fan_in, fan_out)."""
    sizes = mlp_layout.sizes
    return [(theta[w:b].reshape(sizes[k], sizes[k + 1]), theta[b:b + sizes[k + 1]])
            for k, (w, b) in enumerate(zip(mlp_layout.weight_offsets, mlp_layout.bias_offsets))]
