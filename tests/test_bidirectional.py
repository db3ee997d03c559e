"""Bidirectional recurrent kernels against the NumPy reference (``tests/naive.py``) and
PyTorch's ``bidirectional=True`` (skipped without PyTorch)."""

import numpy as np
import pytest

from narxcast.kernels import bidirectional
from narxcast.kernels.recurrent import CELL_BLOCKS, ELMAN, GATE_BLOCKS, GRU, LSTM, uses_blas

from . import naive

CELLS = {"elman": ELMAN, "lstm": LSTM, "gru": GRU}


def _weights(layout, theta):
    return {name: theta[offset:offset + int(np.prod(shape))].reshape(shape)
            for name, offset, shape in bidirectional.weight_names(layout)}


@pytest.mark.parametrize("kind", list(CELLS))
@pytest.mark.parametrize("hidden", [(4,), (3, 5)])
@pytest.mark.parametrize("directions", [2, 1])
def test_kernel_outputs_match_the_naive_reference(rng, kind, hidden, directions):
    """Every step's output of a batch of sequences, each from its own zero states, equals
    the reference's (both directions, or the forward one, over the whole sequence, layers
    stacked)."""
    sizes = [2, *hidden, 2]
    layout = bidirectional.layout(sizes, CELLS[kind], directions)
    theta = rng.normal(0, 0.5, layout.n_params)
    inputs = rng.normal(size=(17, 2, 3))
    states, gates, outputs = bidirectional.buffers(layout, 17, 3)
    bidirectional.sequence_outputs(theta, layout, inputs, states, gates, outputs)
    weights = _weights(layout, theta)
    for b in range(3):
        if len(set(hidden)) == 1:
            top = naive.bidirectional_outputs(kind, weights, len(hidden), hidden[0],
                                              inputs[:, :, b], directions)
        else:  # the reference takes one width: run it layer by layer
            top = inputs[:, :, b]
            for layer, width in enumerate(hidden):
                renamed = {name.replace(f"_l{layer}", "_l0"): value
                           for name, value in weights.items() if f"_l{layer}" in name}
                top = naive.bidirectional_outputs(kind, renamed, 1, width, top, directions)
        expected = top @ weights["head.weight"].T + weights["head.bias"]
        np.testing.assert_allclose(outputs[:, :, b], expected, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("directions", [2, 1])
def test_kernel_layout_names_and_shapes_are_pytorchs(directions):
    torch = pytest.importorskip("torch")
    twin = torch.nn.LSTM(3, 4, num_layers=2, bidirectional=directions == 2)
    layout = bidirectional.layout([3, 4, 4, 1], LSTM, directions)
    names = [(name, shape) for name, _, shape in bidirectional.weight_names(layout)]
    assert names[:-2] == [(name, tuple(value.shape)) for name, value in twin.state_dict().items()]
    assert layout.n_params == (sum(value.numel() for value in twin.state_dict().values())
                               + 4 * directions + 1)


def _torch_twin(kind, hidden, directions):
    """PyTorch and its two-layer float64 ``nn.RNN/LSTM/GRU`` of 3 inputs and ``hidden`` units
    in ``directions`` (seeded; the test is skipped without PyTorch)."""
    torch = pytest.importorskip("torch")
    module = {"elman": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind]
    torch.manual_seed(0)
    return torch, module(3, hidden, num_layers=2, bidirectional=directions == 2,
                         dtype=torch.float64)


@pytest.mark.parametrize("kind", list(CELLS))
@pytest.mark.parametrize("directions", [2, 1])
def test_kernel_outputs_match_pytorch(rng, kind, directions):
    torch, twin = _torch_twin(kind, 5, directions)
    layout = bidirectional.layout([3, 5, 5, 1], CELLS[kind], directions)
    theta = np.zeros(layout.n_params)
    state = twin.state_dict()
    for name, offset, shape in bidirectional.weight_names(layout)[:-2]:
        theta[offset:offset + int(np.prod(shape))] = state[name].numpy().ravel()
    width = 5 * directions
    head = rng.normal(size=width + 1)
    theta[-width - 1:] = head
    inputs = rng.normal(size=(20, 3, 2))
    states, gates, outputs = bidirectional.buffers(layout, 20, 2)
    bidirectional.sequence_outputs(theta, layout, inputs, states, gates, outputs)
    top, _ = twin(torch.from_numpy(np.ascontiguousarray(inputs.transpose(0, 2, 1))))
    expected = top.detach().numpy() @ head[:width] + head[width]
    np.testing.assert_allclose(outputs[:, 0, :], expected, rtol=1e-12, atol=1e-13)


def _loss(theta, layout, inputs, targets, weights):
    states, gates, outputs = bidirectional.buffers(layout, inputs.shape[0], inputs.shape[2])
    bidirectional.sequence_outputs(theta, layout, inputs, states, gates, outputs)
    return 0.5 * np.sum(weights * (outputs - targets) ** 2) / weights.sum()


@pytest.mark.parametrize("kind", list(CELLS))
@pytest.mark.parametrize("hidden", [(3,), (3, 2)])
@pytest.mark.parametrize("directions", [2, 1])
def test_kernel_gradient_matches_finite_differences(rng, kind, hidden, directions):
    """Backpropagation through both directions (or the forward one): the loss is the forward
    pass's weighted squared error, and every partial derivative is the central
    difference's."""
    layout = bidirectional.layout([2, *hidden, 1], CELLS[kind], directions)
    theta = rng.normal(0, 0.5, layout.n_params)
    inputs = rng.normal(size=(9, 2, 2))
    targets = rng.normal(size=(9, 1, 2))
    weights = (rng.uniform(size=targets.shape) > 0.3).astype(float)  # some values left out
    grad = np.empty_like(theta)
    loss = bidirectional.loss_gradient(theta, layout, inputs, targets, weights, grad)
    assert loss == pytest.approx(_loss(theta, layout, inputs, targets, weights), rel=1e-12)
    step = 1e-6
    numeric = np.array([(_loss(theta + step * e, layout, inputs, targets, weights)
                         - _loss(theta - step * e, layout, inputs, targets, weights)) / (2 * step)
                        for e in np.eye(theta.size)])
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)



@pytest.mark.parametrize("kind", list(CELLS))
def test_kernel_gradient_through_blas_matches_finite_differences(rng, kind):
    """At sizes whose products go through BLAS (``recurrent.uses_blas``; the tests above
    take the loops), two bidirectional layers: partial derivatives of every tensor, a few
    of each, against central differences."""
    hidden, n_batch = 10, 10
    layout = bidirectional.layout([3, hidden, hidden, 1], CELLS[kind])
    rows = int(CELL_BLOCKS[CELLS[kind], GATE_BLOCKS]) * hidden
    assert uses_blas(rows, 3 + hidden, n_batch)
    theta = rng.normal(0, 0.3, layout.n_params)
    inputs = rng.normal(size=(5, 3, n_batch))
    targets = rng.normal(size=(5, 1, n_batch))
    weights = (rng.uniform(size=targets.shape) > 0.3).astype(float)
    grad = np.empty_like(theta)
    bidirectional.loss_gradient(theta, layout, inputs, targets, weights, grad)
    sampled = np.concatenate([offset + rng.choice(size, min(2, size), replace=False)
                              for _, offset, shape in bidirectional.weight_names(layout)
                              for size in [int(np.prod(shape))]])
    step = 1e-6
    numeric = [(_loss(theta + step * e, layout, inputs, targets, weights)
                - _loss(theta - step * e, layout, inputs, targets, weights)) / (2 * step)
               for e in np.eye(theta.size)[sampled]]
    np.testing.assert_allclose(grad[sampled], numeric, rtol=1e-5, atol=1e-8)

@pytest.mark.parametrize("kind", list(CELLS))
@pytest.mark.parametrize("directions", [2, 1])
@pytest.mark.parametrize("hidden, n_batch", [(4, 2), (12, 12)])  # loops, then BLAS
def test_kernel_gradient_matches_pytorch(rng, kind, directions, hidden, n_batch):
    torch, twin = _torch_twin(kind, hidden, directions)
    head = torch.nn.Linear(hidden * directions, 1, dtype=torch.float64)
    layout = bidirectional.layout([3, hidden, hidden, 1], CELLS[kind], directions)
    state = {**twin.state_dict(), **{f"head.{k}": v for k, v in head.state_dict().items()}}
    theta = np.concatenate([state[name].numpy().ravel()
                            for name, _, _ in bidirectional.weight_names(layout)])
    inputs = rng.normal(size=(15, 3, n_batch))
    targets = rng.normal(size=(15, 1, n_batch))
    weights = np.ones_like(targets)
    grad = np.empty_like(theta)
    loss = bidirectional.loss_gradient(theta, layout, inputs, targets, weights, grad)
    top, _ = twin(torch.from_numpy(np.ascontiguousarray(inputs.transpose(0, 2, 1))))
    outputs = head(top)  # (steps, batch, 1)
    torch_loss = 0.5 * ((outputs - torch.from_numpy(targets.transpose(0, 2, 1))) ** 2).mean()
    torch_loss.backward()
    expected = np.concatenate([
        (dict(twin.named_parameters()).get(name) if not name.startswith("head.")
         else dict(head.named_parameters())[name[5:]]).grad.numpy().ravel()
        for name, _, _ in bidirectional.weight_names(layout)])
    assert loss == pytest.approx(torch_loss.item(), rel=1e-12)
    np.testing.assert_allclose(grad, expected, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("directions", [2, 1])
def test_kernel_batch_on_parallel_threads_equals_one_batch(rng, directions):
    """The batch cut into parts on threads has the whole batch's loss and gradient, parts
    weighted by their share of the weights (one part may have none)."""
    layout = bidirectional.layout([3, 4, 2], GRU, directions)
    theta = rng.normal(0, 0.5, layout.n_params)
    n_batch = 2 * bidirectional.PART + 3  # three parts, the last a short one
    inputs = rng.normal(size=(11, 3, n_batch))
    targets = rng.normal(size=(11, 2, n_batch))
    weights = (rng.uniform(size=targets.shape) > 0.5).astype(float)
    weights[:, :, :bidirectional.PART] = 0.0  # the first part has no weight
    whole, parts = np.empty(layout.n_params), np.empty(layout.n_params)
    loss = bidirectional.loss_gradient(theta, layout, inputs, targets, weights, whole)
    assert bidirectional.batch_loss_gradient(theta, layout, inputs, targets, weights,
                                             parts) == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(parts, whole, rtol=1e-10, atol=1e-14)
