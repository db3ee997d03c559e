"""Naive NumPy references for the kernels: one origin, one step, one neuron at a time."""

import numpy as np

ACTIVATIONS = {
    "identity": lambda z: z,
    "tanh": np.tanh,
    "logistic": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "relu": lambda z: np.maximum(z, 0.0),
}


def unpack(theta, sizes):
    """Split a flat θ into [(W (fan_in, fan_out), b (fan_out,)), ...]."""
    layers, offset = [], 0
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        weights = theta[offset:offset + fan_in * fan_out].reshape(fan_in, fan_out)
        offset += fan_in * fan_out
        layers.append((weights, theta[offset:offset + fan_out]))
        offset += fan_out
    assert offset == len(theta)
    return layers


def mlp(theta, sizes, activation, regressor):
    """The network output for one regressor vector."""
    a = np.asarray(regressor, dtype=float)
    layers = unpack(theta, sizes)
    for index, (weights, bias) in enumerate(layers):
        z = a @ weights + bias
        a = z if index == len(layers) - 1 else ACTIVATIONS[activation](z)
    return a


def narx_forecast(theta, sizes, activation, input_delays, feedback_delays, X, Y, origins,
                  horizon):
    """Forecasts (n_origins, horizon, n_targets): origin o knows y[:o + 1] and all of X."""
    out = np.full((len(origins), horizon, Y.shape[1]), np.nan)
    for b, origin in enumerate(origins):
        known = {t: Y[t] for t in range(origin + 1)}
        for step in range(horizon):
            t = origin + step + 1
            regressor = [X[t - d, f] for d in input_delays for f in range(X.shape[1])]
            regressor += [known[t - k][i] for k in feedback_delays for i in range(Y.shape[1])]
            known[t] = mlp(theta, sizes, activation, regressor)
            out[b, step] = known[t]
    return out


def narx_window_loss(theta, sizes, activation, input_delays, feedback_delays, X, Y, origins,
                     horizon, closed, weights=None):
    """Mean squared error / 2 of windows, closed loop or teacher-forced, step ``j``'s squared
    errors weighted by ``weights[j]`` if given."""
    errors = []
    for origin in origins:
        if closed:
            forecasts = narx_forecast(theta, sizes, activation, input_delays, feedback_delays, X,
                                      Y, [origin], horizon)[0]
        else:
            forecasts = np.array([
                narx_forecast(theta, sizes, activation, input_delays, feedback_delays, X, Y,
                              [origin + step], 1)[0, 0] for step in range(horizon)])
        errors.append(forecasts - Y[origin + 1:origin + 1 + horizon])
    weights = np.ones(horizon) if weights is None else np.asarray(weights)
    return 0.5 * np.mean(weights[None, :, None] * np.square(errors))


def tdnn_forecast(theta, sizes, activation, input_delays, target_delays, X, Y, origins,
                  max_horizon):
    """Direct forecasts (n_origins, max_horizon, n_targets) of an explicit sliding window."""
    out = []
    for origin in origins:
        t = origin + 1
        regressor = [X[t - d, f] for d in input_delays for f in range(X.shape[1])]
        regressor += [Y[t - k, i] for k in target_delays for i in range(Y.shape[1])]
        out.append(mlp(theta, sizes, activation, regressor).reshape(max_horizon, Y.shape[1]))
    return np.array(out)


def tdnn_loss(theta, sizes, activation, input_delays, target_delays, X, Y, origins,
              max_horizon):
    forecasts = tdnn_forecast(theta, sizes, activation, input_delays, target_delays, X, Y,
                              origins, max_horizon)
    truth = np.array([Y[o + 1:o + 1 + max_horizon] for o in origins])
    return 0.5 * np.mean((forecasts - truth) ** 2)


def _regressor(X, known, t, input_delays, target_delays):
    return np.array([X[t - d, f] for d in input_delays for f in range(X.shape[1])]
                    + [known[t - k][i] for k in target_delays for i in range(len(known[t - k]))])


def elman_cell(weights, n_layers, regressor, states):
    """One step of a stacked nn.RNN (tanh) + linear head; returns (output, new states)."""
    below, new = regressor, []
    for layer in range(n_layers):
        h = np.tanh(weights[f"weight_ih_l{layer}"] @ below + weights[f"bias_ih_l{layer}"]
                    + weights[f"weight_hh_l{layer}"] @ states[layer]
                    + weights[f"bias_hh_l{layer}"])
        new.append(h)
        below = h
    return weights["head.weight"] @ below + weights["head.bias"], new


def recurrent_window(cell, weights, n_layers, hidden, X, Y, input_delays, target_delays, start,
                     origin, horizon, closed):
    """Forecasts of targets origin+1..origin+horizon: zero state at the step of target
    ``start``, measured feedback up to ``origin``, then closed (or open) loop."""
    states = [np.zeros(h) for h in hidden]
    known = {t: Y[t] for t in range(origin + 1)}
    out = []
    for t in range(start, min(origin + horizon, len(X) - 1) + 1):
        source = known if (closed or t <= origin) else {**known, **{s: Y[s] for s in
                                                                    range(origin + 1, t)}}
        output, states = cell(weights, n_layers, _regressor(X, source, t, input_delays,
                                                            target_delays), states)
        if t > origin:
            known[t] = output if closed else Y[t]
            out.append(output)
    return np.array(out)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def lstm_cell(weights, n_layers, regressor, states):
    """One step of a stacked nn.LSTM (gates i, f, g, o; diagonal peepholes when the weights have
    them) + linear head; states are (h, c)."""
    below, new = regressor, []
    for layer in range(n_layers):
        h_previous, c_previous = states[layer] if isinstance(states[layer], tuple) else (
            states[layer], np.zeros_like(states[layer]))
        z = (weights[f"weight_ih_l{layer}"] @ below + weights[f"bias_ih_l{layer}"]
             + weights[f"weight_hh_l{layer}"] @ h_previous + weights[f"bias_hh_l{layer}"])
        i, f, g, o = np.split(z, 4)
        p_i, p_f, p_o = weights.get(f"weight_peephole_l{layer}", np.zeros((3, len(c_previous))))
        c = (_sigmoid(f + p_f * c_previous) * c_previous
             + _sigmoid(i + p_i * c_previous) * np.tanh(g))
        h = _sigmoid(o + p_o * c) * np.tanh(c)
        new.append((h, c))
        below = h
    return weights["head.weight"] @ below + weights["head.bias"], new


def gru_cell(weights, n_layers, regressor, states):
    """One step of a stacked nn.GRU (gates r, z, n) + linear head."""
    below, new = regressor, []
    for layer in range(n_layers):
        h_previous = states[layer]
        a = weights[f"weight_ih_l{layer}"] @ below + weights[f"bias_ih_l{layer}"]
        b = weights[f"weight_hh_l{layer}"] @ h_previous + weights[f"bias_hh_l{layer}"]
        (a_r, a_z, a_n), (b_r, b_z, b_n) = np.split(a, 3), np.split(b, 3)
        r, z = _sigmoid(a_r + b_r), _sigmoid(a_z + b_z)
        n = np.tanh(a_n + r * b_n)
        h = (1 - z) * n + z * h_previous
        new.append(h)
        below = h
    return weights["head.weight"] @ below + weights["head.bias"], new


def population_loss(simulate, thetas, Y, first, skip):
    """Half the MSE of each parameter vector's simulation ``simulate(theta)`` (the outputs
    for targets ``first..n - 1``) over the targets from ``first + skip`` on."""
    losses = []
    for theta in thetas:
        errors = simulate(theta)[skip:] - Y[first + skip:]
        losses.append(0.5 * np.mean(errors**2))
    return np.array(losses)


def _layer_step(kind, weights, suffix, x, state):
    """One step of one direction of one layer of nn.RNN / nn.LSTM / nn.GRU (PyTorch's
    equations and weight names; ``suffix`` is ``l{k}`` or ``l{k}_reverse``)."""
    w_ih, w_hh = weights[f"weight_ih_{suffix}"], weights[f"weight_hh_{suffix}"]
    b_ih, b_hh = weights[f"bias_ih_{suffix}"], weights[f"bias_hh_{suffix}"]
    if kind == "elman":
        return np.tanh(w_ih @ x + b_ih + w_hh @ state + b_hh)
    if kind == "lstm":
        h, c = state
        i, f, g, o = np.split(w_ih @ x + b_ih + w_hh @ h + b_hh, 4)
        c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
        return _sigmoid(o) * np.tanh(c), c
    (a_r, a_z, a_n), (b_r, b_z, b_n) = np.split(w_ih @ x + b_ih, 3), np.split(w_hh @ state
                                                                              + b_hh, 3)
    r, z = _sigmoid(a_r + b_r), _sigmoid(a_z + b_z)
    n = np.tanh(a_n + r * b_n)
    return (1 - z) * n + z * state


def bidirectional_outputs(kind, weights, n_layers, hidden, X, directions=2):
    """The top layer's outputs (T, 2 * hidden) of a stacked bidirectional nn.RNN / nn.LSTM /
    nn.GRU over one sequence ``X`` (T, n_inputs) from zero states: in each layer the forward
    direction runs over t = 0..T-1, the reverse one (``*_reverse`` weights) over t = T-1..0,
    and their states at each t, concatenated, are the next layer's input at t. With
    ``directions=1`` the forward direction alone (T, hidden)."""
    below = [np.asarray(x, dtype=float) for x in X]
    for layer in range(n_layers):
        runs = []
        for suffix, steps in ((f"l{layer}", range(len(below))),
                              (f"l{layer}_reverse", range(len(below) - 1, -1, -1)))[:directions]:
            zero = np.zeros(hidden)
            state, run = ((zero, zero) if kind == "lstm" else zero), [None] * len(below)
            for t in steps:
                state = _layer_step(kind, weights, suffix, below[t], state)
                run[t] = state[0] if kind == "lstm" else state
            runs.append(run)
        below = [np.concatenate(states) for states in zip(*runs)]
    return np.array(below)
