"""Recurrent regressors: kernels against naive references, BPTT against finite differences,
PyTorch parity when torch is importable, and the estimator contract."""

import numpy as np
import pytest

from narxcast import ElmanRegressor, GRURegressor, LSTMRegressor
from narxcast.kernels import bptt, recurrent

from . import naive
from .naive import elman_cell, gru_cell, lstm_cell, recurrent_window

MODELS = {"elman": (ElmanRegressor, elman_cell), "lstm": (LSTMRegressor, lstm_cell),
          "gru": (GRURegressor, gru_cell), "peephole lstm": (LSTMRegressor, lstm_cell)}
# n_features, n_targets, input_delays, feedback_delays, hidden
CASES = [(2, 1, [0, 1], [1, 2], (4,)), (1, 1, [0], [], (3, 5)), (1, 2, [1], [1], (4, 3))]


def _model(kind, case, rng, n=60, **params):
    n_features, n_targets, input_delays, feedback_delays, hidden = case
    X = rng.normal(size=(n, n_features))
    Y = rng.normal(size=(n, n_targets))
    estimator, _ = MODELS[kind]
    if kind == "peephole lstm":
        params["peephole"] = True
    model = estimator(input_delays=input_delays, feedback_delays=feedback_delays,
                      hidden_layer_sizes=hidden, max_iter=1, scale=False, random_state=0,
                      **params).fit(X, Y)
    model.theta_ = rng.normal(scale=0.5, size=model.theta_.size)
    return model, X, Y


@pytest.mark.parametrize("kind", list(MODELS))
@pytest.mark.parametrize("case", CASES)
def test_forecasts_from_every_origin_match_naive(rng, kind, case):
    model, X, Y = _model(kind, case, rng)
    horizon = 4
    forecasts = model.predict(X, Y, horizon=horizon, all_horizons=True)
    weights = model.get_weights()
    n_layers = len(case[4])
    first = model.max_delay_
    for origin in range(first - 1, len(Y) - 1, 5):
        expected = recurrent_window(MODELS[kind][1], weights, n_layers, case[4], X, Y, case[2],
                                    case[3], first, origin, horizon, closed=True)
        leads = np.arange(min(horizon, len(Y) - 1 - origin))
        np.testing.assert_allclose(forecasts[origin + 1 + leads, leads], expected[leads],
                                   rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kind", list(MODELS))
def test_state_pass_with_a_blas_layer_over_a_loop_layer_matches_naive(rng, kind):
    """The state pass (batch 1) sums a small layer's pre-activations in loops and multiplies
    a large one's through BLAS: with both in one stack, the forecasts continued from its
    states still match the naive reference."""
    case = (1, 1, [0], [1], (3, 40))
    model, X, Y = _model(kind, case, rng, clip_forecasts=None)  # 40 random units run far
    sizes = model.layout_.sizes
    cell = model.layout_.cell
    blocks = recurrent.CELL_BLOCKS[cell, recurrent.GATE_BLOCKS]
    assert not recurrent.uses_blas(blocks * sizes[1], sizes[0] + sizes[1], 1)
    assert recurrent.uses_blas(blocks * sizes[2], sizes[1] + sizes[2], 1)
    forecasts = model.predict(X, Y, horizon=3, all_horizons=True)
    weights = model.get_weights()
    for origin in range(model.max_delay_ - 1, len(Y) - 4, 7):
        expected = recurrent_window(MODELS[kind][1], weights, 2, case[4], X, Y, case[2],
                                    case[3], model.max_delay_, origin, 3, closed=True)
        np.testing.assert_allclose(forecasts[origin + 1 + np.arange(3), np.arange(3)],
                                   expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kind", list(MODELS))
@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("closed", [False, True])
def test_bptt_loss_and_gradient(rng, kind, case, closed):
    """Loss against the naive reference, gradient against central differences; in closed
    loop each scored step's errors weighted differently."""
    model, X, Y = _model(kind, case, rng, n=40)
    args = (model.layout_, np.ascontiguousarray(X.T), np.ascontiguousarray(Y.T))
    burn_in, window = 3, 5
    step_weights = rng.uniform(0.2, 3.0, window) if closed else np.ones(window)
    origins = np.array([model.max_delay_ - 1 + burn_in, 20, 30], dtype=np.int64)

    def loss(theta):
        return bptt.loss_gradient(theta, *args, origins, burn_in, window, closed,
                                       step_weights, np.empty_like(theta))

    grad = np.empty_like(model.theta_)
    value = bptt.loss_gradient(model.theta_, *args, origins, burn_in, window, closed,
                                    step_weights, grad)
    weights = model.get_weights()
    errors = np.array([recurrent_window(
        MODELS[kind][1], weights, len(case[4]), case[4], X, Y, case[2], case[3], o - burn_in + 1,
        o, window, closed) - Y[o + 1:o + 1 + window] for o in origins])
    expected = np.mean(step_weights[None, :, None] * errors ** 2) / 2
    np.testing.assert_allclose(value, expected, rtol=1e-10)
    numeric = np.empty_like(grad)
    for i in range(grad.size):
        step = np.zeros_like(grad)
        step[i] = 1e-6
        numeric[i] = (loss(model.theta_ + step) - loss(model.theta_ - step)) / 2e-6
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("kind", list(MODELS))
def test_continuation_update_and_weights_round_trip(rng, kind):
    model, X, Y = _model(kind, CASES[0], rng, n=120)
    model.fit(X[:80], Y[:80])
    future = model.predict(X[80:90])
    segment = model.predict(X[:90], Y[:90], horizon=10, all_horizons=True)
    np.testing.assert_allclose(future, segment[80 + np.arange(10), np.arange(10)], rtol=1e-10)
    model.update(X[80:100], Y[80:100])
    segment = model.predict(X[:110], Y[:110], horizon=10, all_horizons=True)
    np.testing.assert_allclose(model.predict(X[100:110]),
                               segment[100 + np.arange(10), np.arange(10)], rtol=1e-10)
    weights = model.get_weights()
    other = MODELS[kind][0](**model.get_params()).fit(X[:80], Y[:80]).set_weights(weights)
    np.testing.assert_array_equal(other.theta_, model.theta_)
    with pytest.raises(ValueError, match="`set_weights` replaced the parameters"):
        other.predict(X[80:85])
    other.update(X[:100], Y[:100])  # the state restarts from zero over these rows
    np.testing.assert_allclose(other.predict(X[100:110]), model.predict(X[100:110]),
                               rtol=1e-10)
    with pytest.raises(ValueError, match="`weights\\['head.bias'\\]` must have shape"):
        other.set_weights({**weights, "head.bias": np.zeros(3)})


def test_washout_and_learning(rng):
    u = rng.uniform(-1, 1, 700)
    y = np.zeros(700)
    for k in range(699):
        y[k + 1] = 0.7 * y[k] + np.tanh(2 * u[k])
    model = ElmanRegressor(input_delays=1, feedback_delays=(), hidden_layer_sizes=(6,),
                           washout=10, learning_rate_init=0.01, max_iter=60,
                           random_state=0).fit(u[:500, None], y[:500])
    assert model.loss_curve_[-1] < 0.2 * model.loss_curve_[0]
    one_step = model.predict(u[500:, None], y[500:], horizon=1)
    assert np.isnan(one_step[:11]).all() and np.isfinite(one_step[11:]).all()
    assert np.sqrt(np.mean((one_step[11:] - y[511:]) ** 2)) < 0.15


def _pytorch_twin(torch, kind, weights, n_layers, dtype):
    """nn.RNN / nn.LSTM / nn.GRU (2 inputs, 5 units a layer) and a Linear head in ``dtype``,
    loaded with ``weights``; also their parameters under get_weights()'s names."""
    module = {"elman": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind]
    rnn = module(2, 5, num_layers=n_layers, dtype=dtype)
    head = torch.nn.Linear(5, 1, dtype=dtype)
    parameters = {**dict(rnn.named_parameters()),
                  **{f"head.{name}": value for name, value in head.named_parameters()}}
    with torch.no_grad():
        for name, parameter in parameters.items():
            parameter.copy_(torch.from_numpy(weights[name]))
    return rnn, head, parameters


def _window_gradients(torch, model, twin, X, Y, dtype):
    """Loss and gradient (θ's layout) of one 30-step window from a zero state: the BPTT
    kernel's with θ in ``dtype``, then autograd's through the PyTorch ``twin``."""
    rnn, head, parameters = twin
    theta = model.theta_.astype(dtype)
    grad = np.empty_like(theta)
    loss = bptt.loss_gradient(theta, model.layout_,
                                   np.ascontiguousarray(X.T), np.ascontiguousarray(Y.T),
                                   np.array([-1], dtype=np.int64), 0, 30, False, np.ones(30),
                                   grad)
    outputs, _ = rnn(torch.from_numpy(X[:30, None, :].astype(dtype)))
    torch_loss = 0.5 * ((head(outputs)[:, 0, 0] - torch.from_numpy(Y[:30, 0].astype(dtype)))
                        ** 2).mean()
    torch_loss.backward()
    expected = np.concatenate([parameters[name].grad.numpy().ravel()
                               for name, _, _ in model._weight_names()])
    return loss, grad, torch_loss.item(), expected


@pytest.mark.parametrize("kind", ["elman", "lstm", "gru"])
@pytest.mark.parametrize("n_layers", [1, 2])
def test_matches_pytorch_outputs_and_gradients(rng, kind, n_layers):
    torch = pytest.importorskip("torch")
    model, X, Y = _model(kind, (2, 1, [0], [], (5,) * n_layers), rng, n=50)
    twin = _pytorch_twin(torch, kind, model.get_weights(), n_layers, torch.float64)
    rnn, head, _ = twin
    # the free run of the whole segment from a zero state = nn.RNN over all inputs
    outputs, _ = rnn(torch.from_numpy(X[:, None, :]))
    expected = head(outputs)[:, 0, 0].detach().numpy()
    got = model.predict(X, Y, horizon=49, all_horizons=True)[np.arange(1, 50), np.arange(49), 0]
    np.testing.assert_allclose(got, expected[1:], rtol=1e-10)
    # BPTT gradient of one window (burn-in 0) = autograd's
    loss, grad, torch_loss, torch_grad = _window_gradients(torch, model, twin, X, Y, np.float64)
    assert loss == pytest.approx(torch_loss, rel=1e-12)
    np.testing.assert_allclose(grad, torch_grad, rtol=1e-9, atol=1e-12)


def _pulse_recall(model, seed):
    """Episodes of 60 steps: a pulse of random sign at step 0, small noise after it (0.1),
    and the target is the pulse's sign at steps 50-59 (0 before). Trains on 150 episodes;
    returns the share of signs recalled over the other 50."""
    rng = np.random.default_rng(seed)
    episodes, length, delay = 200, 60, 50
    signs = rng.choice([-1.0, 1.0], episodes)
    x = 0.1 * rng.standard_normal(episodes * length)
    x[::length] = signs
    y = np.zeros(episodes * length)
    for episode, sign in enumerate(signs):
        y[episode * length + delay:(episode + 1) * length] = sign
    n_train = 150 * length
    recall = (np.arange(x.size - n_train) % length) >= delay
    fitted = model(input_delays=0, feedback_delays=(), hidden_layer_sizes=(16,),
                   bptt_steps=60, burn_in=60, learning_rate_init=0.01, max_iter=150,
                   n_iter_no_change=150, random_state=seed).fit(x[:n_train, None], y[:n_train])
    forecasts = fitted.predict(x[n_train:, None], y[n_train:], horizon=1)
    return np.mean(np.sign(forecasts[recall]) == signs[150:].repeat(10))


@pytest.mark.slow
def test_lstm_remembers_a_pulse_50_steps_where_elman_forgets():
    """Same budget for both networks. Over seeds 0-4 the LSTM recalled 83, 46, 100, 99 and
    100% of the signs (one run in five stays at chance, and which one moves with any
    rounding-level change to training: BLAS products and the fused Adam step each reshuffled
    it), the Elman network 40-56% at every seed. So the LSTM gets a second seed if the first
    fails (both failing: ~4%); without the noise an Elman network can hold a sign in a
    saturated state, and sometimes does."""
    lstm = _pulse_recall(LSTMRegressor, seed=2)
    if lstm <= 0.95:
        lstm = max(lstm, _pulse_recall(LSTMRegressor, seed=3))
    assert lstm > 0.95
    assert _pulse_recall(ElmanRegressor, seed=0) < 0.65


def _sign_recall(model, seed, **options):
    """Blocks of 60 steps: a sign on the first input over steps 0-9, noise on the second, the
    target the sign at steps 50-59 (0 elsewhere); 150 blocks train, 50 others score the share
    of steps 50-59 forecast with the right sign."""
    rng = np.random.default_rng(seed)
    signs = rng.choice([-1.0, 1.0], 200)
    x = np.zeros((200 * 60, 2))
    x[:, 1] = rng.standard_normal(200 * 60)
    y = np.zeros(200 * 60)
    for block, sign in enumerate(signs):
        x[block * 60:block * 60 + 10, 0] = sign
        y[block * 60 + 50:(block + 1) * 60] = sign
    fitted = model(hidden_layer_sizes=(16,), input_delays=0, feedback_delays=(), bptt_steps=60,
                   max_iter=200, random_state=seed, **options).fit(x[:9000], y[:9000])
    forecasts = fitted.predict(x[9000:], y[9000:], horizon=1)
    recall = (np.arange(3000) % 60) >= 50
    return np.mean(np.sign(forecasts[recall]) == signs[150:].repeat(10)), fitted.n_iter_


@pytest.mark.slow
def test_lstm_defaults_learn_a_40_step_memory():
    """With its defaults the LSTM trains through the loss's plateau and recalls the sign; a
    patience of ten epochs stops it there, at chance (``benchmarks/results/recall.md``: four
    seeds of ten)."""
    recalls = [_sign_recall(LSTMRegressor, seed)[0] for seed in (0, 1)]
    assert min(recalls) >= 0.95, recalls
    recall, n_iter = _sign_recall(LSTMRegressor, 3, n_iter_no_change=10)
    assert n_iter < 200 and recall < 0.7, (recall, n_iter)


@pytest.mark.parametrize("kind", list(MODELS))
@pytest.mark.parametrize("closed", [False, True])
def test_blas_path_of_large_layers(rng, kind, closed):
    """Layers of 48 units multiply through BLAS (recurrent.uses_blas) even for one origin:
    same checks, with the finite differences on a sample of the parameters."""
    case = (1, 1, [0], [1, 2], (48, 6))
    model, X, Y = _model(kind, case, rng, n=40)
    assert recurrent.uses_blas(recurrent.CELL_BLOCKS[model._cell, recurrent.GATE_BLOCKS] * 48,
                               3 + 48, 1)
    model.theta_ *= 0.3
    forecasts = model.predict(X, Y, horizon=3, all_horizons=True)
    weights = model.get_weights()
    for origin in (1, 17, 30):
        expected = recurrent_window(MODELS[kind][1], weights, 2, case[4], X, Y, case[2],
                                    case[3], model.max_delay_, origin, 3, closed=True)
        np.testing.assert_allclose(forecasts[origin + 1 + np.arange(3), np.arange(3)], expected,
                                   rtol=1e-9, atol=1e-12)
    args = (model.layout_, np.ascontiguousarray(X.T), np.ascontiguousarray(Y.T))
    origins = np.array([4, 20, 33], dtype=np.int64)
    grad = np.empty_like(model.theta_)
    bptt.loss_gradient(model.theta_, *args, origins, 3, 5, closed, np.ones(5), grad)
    for i in rng.choice(model.theta_.size, 60, replace=False):
        step = np.zeros_like(grad)
        step[i] = 1e-6
        numeric = (bptt.loss_gradient(model.theta_ + step, *args, origins, 3, 5, closed,
                                           np.ones(5), np.empty_like(grad))
                   - bptt.loss_gradient(model.theta_ - step, *args, origins, 3, 5, closed,
                                             np.ones(5), np.empty_like(grad))) / 2e-6
        assert grad[i] == pytest.approx(numeric, rel=1e-5, abs=1e-9)


@pytest.mark.parametrize("kind", list(MODELS))
@pytest.mark.parametrize("closed", [False, True])
def test_batch_split_into_parallel_parts_equals_one_batch(rng, kind, closed):
    """A mini-batch of 37 windows, cut into parts of 16, 16 and 5 run on parallel threads, has
    the loss and gradient of the whole batch in one pass."""
    model, X, Y = _model(kind, CASES[-1], rng, n=120)
    args = (model.layout_, np.ascontiguousarray(X.T), np.ascontiguousarray(Y.T))
    origins = np.sort(rng.choice(np.arange(model.max_delay_ + 3, 110), 37, replace=False))
    whole, split = np.empty_like(model.theta_), np.empty_like(model.theta_)
    loss = bptt.loss_gradient(model.theta_, *args, origins, 4, 6, closed, np.ones(6), whole)
    assert bptt.PART < origins.size
    loss_split = bptt.batch_loss_gradient(model.theta_, *args, origins, 4, 6, closed,
                                               np.ones(6), split)
    assert loss_split == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(split, whole, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("kind", list(MODELS))
@pytest.mark.parametrize("case", [CASES[0], (1, 1, [0], [1, 2], (48, 6))])
@pytest.mark.parametrize("closed", [False, True])
def test_float32_bptt_equals_float64_to_single_precision(rng, kind, case, closed):
    """float32 parameters run the whole BPTT in float32 (loops and the 48-unit layer's
    BLAS): the loss and gradient of float64 to single precision."""
    model, X, Y = _model(kind, case, rng, n=80)
    model.theta_ *= 0.5
    args = (model.layout_, np.ascontiguousarray(X.T), np.ascontiguousarray(Y.T))
    origins = np.sort(rng.choice(np.arange(model.max_delay_ + 3, 70), 20, replace=False))
    grad, grad_single = np.empty_like(model.theta_), np.empty(model.theta_.size, np.float32)
    loss = bptt.batch_loss_gradient(model.theta_, *args, origins, 3, 6, closed, np.ones(6),
                                         grad)
    loss_single = bptt.batch_loss_gradient(model.theta_.astype(np.float32), *args, origins,
                                                3, 6, closed, np.ones(6), grad_single)
    assert loss_single == pytest.approx(loss, rel=1e-5)
    assert np.abs(grad_single - grad).max() <= 1e-5 * np.abs(grad).max()


@pytest.mark.parametrize("kind", ["elman", "lstm", "gru"])
def test_float32_gradient_matches_pytorch_float32(rng, kind):
    torch = pytest.importorskip("torch")
    model, X, Y = _model(kind, (2, 1, [0], [], (5, 5)), rng, n=50)
    twin = _pytorch_twin(torch, kind, model.get_weights(), 2, torch.float32)
    loss, grad, torch_loss, torch_grad = _window_gradients(torch, model, twin, X, Y, np.float32)
    assert loss == pytest.approx(torch_loss, rel=1e-5)
    assert np.abs(grad - torch_grad).max() <= 1e-5 * np.abs(torch_grad).max()


@pytest.mark.parametrize("kind", ["elman", "lstm"])
def test_float32_training_learns_as_float64(kind):
    rng = np.random.default_rng(0)
    u = rng.uniform(-1, 1, 800)
    y = np.zeros(800)
    for k in range(799):
        y[k + 1] = 0.6 * y[k] + np.tanh(u[k])
    fits = {}
    for dtype in ("float64", "float32"):
        model = MODELS[kind][0](input_delays=1, feedback_delays=(), hidden_layer_sizes=(8,),
                                learning_rate_init=0.01, max_iter=60, random_state=0,
                                dtype=dtype).fit(u[:600, None], y[:600])
        assert model.theta_.dtype == np.float64
        fits[dtype] = model
        error = model.predict(u[600:, None]) - y[600:]
        assert np.sqrt(np.mean(error**2)) < 0.1
    # same seed and batches: the curves part only by single-precision rounding
    np.testing.assert_allclose(fits["float32"].loss_curve_, fits["float64"].loss_curve_,
                               rtol=1e-2)


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_float32_state_pass_equals_float64_to_single_precision(kind):
    """A float32 model runs its state pass (the end of fit, update, segment forecasts) in
    float32, the 48-unit layer's products through sgemv: the states equal a float64 pass to
    single precision, and ``state_`` stays float64."""
    from narxcast.kernels import recurrent

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(600, 1)), np.sin(np.arange(600) / 7)
    model = MODELS[kind][0](input_delays=0, feedback_delays=[1], hidden_layer_sizes=(48,),
                            max_iter=2, random_state=0, dtype="float32").fit(X, y)
    inputs_t, targets_t = model._scaled_t(X, y[:, None])
    single = model._states(model.theta_, inputs_t, targets_t)
    assert single.dtype == np.float32 and model.state_.dtype == np.float64
    double = np.empty(single.shape)
    recurrent.open_loop_states(model.theta_, model.layout_, inputs_t, targets_t,
                               model.max_delay_, np.zeros(single.shape[:2]), double)
    np.testing.assert_allclose(single, double, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(model.state_, double[:, :, -1], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("kind", list(MODELS))
def test_state_pass_in_loops_and_by_step_agree(rng, kind, monkeypatch):
    """The state pass runs in plain loops for a network whose layers all multiply in loops at
    batch 1, by the generic step otherwise (checked against the naive reference with a BLAS
    layer above): where both apply they give the same states to the bit, and each network
    takes the kernel its sizes call for."""
    chosen = []
    for name in ("_states_in_loops", "_states_by_step"):
        kernel = getattr(recurrent, name)
        monkeypatch.setattr(recurrent, name, lambda *args, kernel=kernel, name=name: (
            chosen.append(name), kernel(*args))[1])
    for case, expected in (((1, 1, [0], [1], (3, 40)), "_states_by_step"),
                           ((2, 1, [0, 1], [1, 2], (4, 3)), "_states_in_loops")):
        model, X, Y = _model(kind, case, rng, n=200)
        inputs_t, targets_t = model._scaled_t(X, Y)
        chosen.clear()
        states = model._states(model.theta_, inputs_t, targets_t)
        assert chosen == [expected]
    by_step = np.empty_like(states)  # the loop network's states by the other kernel
    recurrent._states_by_step(model.theta_, model.layout_, inputs_t, targets_t,
                              model.max_delay_, np.zeros(states.shape[:2]), by_step)
    np.testing.assert_array_equal(states, by_step)


def test_training_in_parallel_parts_or_one_call_gives_the_same_fit(monkeypatch):
    """Networks above PARALLEL_MIN_WORK train on parallel parts of PART windows, smaller ones
    in one call per mini-batch: the same fit either way (to rounding)."""
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(400, 1)), np.sin(np.arange(400) / 5)
    options = dict(input_delays=0, feedback_delays=(), hidden_layer_sizes=(40,), bptt_steps=12,
                   burn_in=4, batch_size=40, max_iter=3, random_state=0)
    sizes = GRURegressor(**options).fit(X, y).layout_.sizes
    assert bptt.runs_in_parts(sizes, recurrent.GRU)
    in_parts = GRURegressor(**options).fit(X, y)
    monkeypatch.setattr(bptt, "PARALLEL_MIN_WORK", 10**9)
    assert not bptt.runs_in_parts(sizes, recurrent.GRU)
    in_one_call = GRURegressor(**options).fit(X, y)
    np.testing.assert_allclose(in_one_call.loss_curve_, in_parts.loss_curve_, rtol=1e-9)
    np.testing.assert_allclose(in_one_call.theta_, in_parts.theta_, rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("kind", ["elman", "lstm", "gru"])
def test_closed_loop_fine_tuning_with_early_stopping(rng, kind):
    """Train open loop, close the loop and retrain (warm start): the closed-loop training
    improves the free-run error it optimises, and early stopping keeps its best epoch."""
    u = rng.uniform(-1, 1, 900)
    y = np.zeros(900)
    for k in range(899):
        y[k + 1] = 0.8 * y[k] / (1 + y[k] ** 2) + u[k] ** 3
    model = MODELS[kind][0](input_delays=0, feedback_delays=1, hidden_layer_sizes=(8,),
                            learning_rate_init=0.01, max_iter=40, random_state=0)
    model.fit(u[:700, None], y[:700])
    free_run = np.sqrt(np.mean((model.predict(u[700:, None]) - y[700:]) ** 2))
    model.set_params(loop="closed", warm_start=True, early_stopping=True, max_iter=40,
                     learning_rate_init=0.003).fit(u[:700, None], y[:700])
    assert model.best_validation_score_ == max(model.validation_scores_)
    tuned = np.sqrt(np.mean((model.predict(u[700:, None]) - y[700:]) ** 2))
    assert tuned < free_run


def test_washout_longer_than_the_segment_gives_nan(rng):
    model, X, Y = _model("elman", CASES[0], rng, n=60, washout=30)
    forecasts = model.predict(X[:20], Y[:20], horizon=2, all_horizons=True)
    assert forecasts.shape == (20, 2, 1) and np.isnan(forecasts).all()


@pytest.mark.parametrize("kind", ["elman", "lstm", "gru"])
@pytest.mark.parametrize("n_layers", [1, 2])
def test_naive_bidirectional_reference_matches_pytorch(rng, kind, n_layers):
    """The NumPy reference of stacked bidirectional layers (``tests/naive.py``), which the
    bidirectional kernels are checked against, is PyTorch's ``bidirectional=True``."""
    torch = pytest.importorskip("torch")
    module = {"elman": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind]
    torch.manual_seed(0)
    twin = module(3, 4, num_layers=n_layers, bidirectional=True, dtype=torch.float64)
    weights = {name: value.detach().numpy() for name, value in twin.state_dict().items()}
    X = rng.normal(size=(25, 3))
    expected, _ = twin(torch.from_numpy(X[:, None, :]))
    got = naive.bidirectional_outputs(kind, weights, n_layers, 4, X)
    np.testing.assert_allclose(got, expected[:, 0, :].detach().numpy(), rtol=1e-12,
                               atol=1e-14)
