"""Kernels against the naive references of tests/naive.py; gradients against finite differences."""

import numba
import numpy as np
import pytest
from numba import njit

from narxcast.kernels import blas, narx
from narxcast.kernels.activations import ACTIVATION_CODES, activate_array
from narxcast.kernels.blas import BLOCK_COLUMNS, call_in_blocks, gemm
from narxcast.kernels.mlp import layout

from .naive import ACTIVATIONS, narx_forecast, narx_window_loss


@njit(cache=True)
def _gemm(transpose_a, transpose_b, a, b, c, accumulate):
    """:func:`gemm` compiled (cached), as the kernels call it."""
    gemm(transpose_a, transpose_b, a, b, c, accumulate)


@pytest.mark.parametrize("name", sorted(ACTIVATION_CODES))
def test_activation_matches_numpy(name):
    x = np.concatenate([np.linspace(-30, 30, 20001), np.logspace(-300, 1.5, 2000),
                        -np.logspace(-300, 1.5, 2000), [0.0, -0.0, np.inf, -np.inf]])
    got = activate_array(x, ACTIVATION_CODES[name])
    with np.errstate(over="ignore"):
        expected = ACTIVATIONS[name](x)
    np.testing.assert_allclose(got, expected, rtol=4e-15, atol=4e-16)
    if name == "tanh":  # within 3 units in the last place everywhere
        nonzero = expected != 0
        ulps = np.abs(got - expected)[nonzero] / np.spacing(np.abs(expected[nonzero]))
        assert ulps.max() <= 3
        assert not np.signbit(got[-4]) and np.signbit(got[-3])  # tanh(+-0.0) = +-0.0


@pytest.mark.parametrize("name", sorted(ACTIVATION_CODES))
def test_float32_activation_is_computed_in_float32(name):
    """float32 rows get the float32 algorithm (tanh within 3 float32 ulp of the exact value)
    and stay float32."""
    x = np.concatenate([np.linspace(-30, 30, 20001), np.logspace(-30, 1.5, 2000),
                        -np.logspace(-30, 1.5, 2000), [0.0, -0.0, np.inf, -np.inf]])
    got = activate_array(x.astype(np.float32), ACTIVATION_CODES[name])
    assert got.dtype == np.float32
    with np.errstate(over="ignore"):
        expected = ACTIVATIONS[name](x.astype(np.float32).astype(np.float64))
    np.testing.assert_allclose(got, expected, rtol=3e-7, atol=1.2e-7)  # float64: 4e-16
    if name == "tanh":
        nonzero = expected != 0
        ulps = (np.abs(got[nonzero] - expected[nonzero])
                / np.spacing(np.abs(expected[nonzero]).astype(np.float32)))
        assert ulps.max() <= 3
        assert not np.signbit(got[-4]) and np.signbit(got[-3])


@pytest.mark.parametrize("code", sorted(ACTIVATION_CODES.values()))
def test_activation_propagates_nan(code):
    assert np.isnan(activate_array(np.array([np.nan]), code)[0])


def test_tanh_is_odd_and_bounded():
    x = np.linspace(0, 40, 4001)
    t = activate_array(x, ACTIVATION_CODES["tanh"])
    np.testing.assert_array_equal(activate_array(-x, ACTIVATION_CODES["tanh"]), -t)
    assert np.all(np.abs(t) <= 1.0)
    assert np.all(np.diff(t) >= -4e-16)  # monotone to within rounding


# (n_features, n_targets, input_delays, feedback_delays, hidden, activation)
CASES = [
    (1, 1, [0, 1, 2], [1, 2], [5], "tanh"),
    (2, 1, [1], [1, 3], [4, 3], "logistic"),
    (3, 2, [0, 2], [1], [6], "relu"),
    (0, 1, [], [1, 2, 4], [3], "tanh"),
    (2, 2, [0], [], [4], "identity"),
    (1, 1, [0, 1], [2, 3], [], "tanh"),
]


def _problem(rng, n_features, n_targets, input_delays, feedback_delays, hidden, n=40):
    sizes = [len(input_delays) * n_features + len(feedback_delays) * n_targets, *hidden,
             n_targets]
    theta = rng.normal(scale=0.7, size=layout(sizes).n_params)
    X = rng.normal(size=(n, n_features))
    Y = rng.normal(size=(n, n_targets))
    return sizes, theta, X, Y


def _unbounded(n_targets):
    """The NARX forecast kernel's (lower, upper, residuals, seed): no bounds, no paths."""
    return np.full(n_targets, -np.inf), np.full(n_targets, np.inf), *_no_paths(n_targets)


def _no_paths(n_targets):
    return np.empty((0, n_targets)), 0


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("horizon", [1, 5])
def test_forecast_matches_naive(rng, case, horizon):
    n_features, n_targets, input_delays, feedback_delays, hidden, activation = case
    sizes, theta, X, Y = _problem(rng, n_features, n_targets, input_delays, feedback_delays, hidden)
    max_delay = max([*input_delays, *feedback_delays])
    origins = np.arange(max_delay - 1, len(Y) - horizon, dtype=np.int64)
    rng.shuffle(origins)
    out = np.empty((horizon, n_targets, origins.size))
    narx.forecast(theta, layout(sizes, activation, input_delays, feedback_delays),
                  np.ascontiguousarray(X.T), np.ascontiguousarray(Y.T), origins, horizon,
                  *_unbounded(n_targets), out)
    expected = narx_forecast(theta, sizes, activation, input_delays, feedback_delays, X, Y,
                             origins, horizon)
    np.testing.assert_allclose(out.transpose(2, 0, 1), expected, rtol=1e-12, atol=1e-12)


def test_forecast_spans_several_chunks(rng):
    sizes, theta, X, Y = _problem(rng, 1, 1, [0, 1], [1, 2], [4], n=narx.CHUNK * 2 + 50)
    origins = np.arange(1, len(Y) - 3, dtype=np.int64)
    out = np.empty((3, 1, origins.size))
    narx.forecast(theta, layout(sizes, "tanh", [0, 1], [1, 2]),
                  np.ascontiguousarray(X.T), np.ascontiguousarray(Y.T), origins, 3,
                  *_unbounded(1), out)
    expected = narx_forecast(theta, sizes, "tanh", [0, 1], [1, 2], X, Y, origins, 3)
    np.testing.assert_allclose(out.transpose(2, 0, 1), expected, rtol=1e-12, atol=1e-12)


def test_threads_claim_every_chunk_once():
    """Kernels sharing a counter (kernels.threads) take every chunk once between them, on
    however many threads, compiled (atomic) and in Python."""
    from narxcast.kernels.core import claim_chunk
    from narxcast.kernels.threads import run_in_chunks

    @njit(nogil=True)
    def mark(n_chunks, taken, counter):
        while True:
            chunk = claim_chunk(counter)
            if chunk >= n_chunks:
                break
            for _ in range(2000):  # long enough for the threads to overlap
                taken[chunk] += 1

    for n_chunks in (1, 7, 500):
        taken = np.zeros(n_chunks, dtype=np.int64)
        run_in_chunks(mark, n_chunks, n_chunks, taken)
        np.testing.assert_array_equal(taken, 2000)
    taken, counter = np.zeros(3, dtype=np.int64), np.zeros(1, dtype=np.int64)
    getattr(mark, "py_func", mark)(3, taken, counter)  # Python (NUMBA_DISABLE_JIT: the same)
    np.testing.assert_array_equal(taken, 2000)


def test_forecasts_and_sample_paths_do_not_depend_on_the_threads(rng):
    """Chunks of origins run on threads (kernels.threads): one thread or two give the same
    forecasts and, each chunk drawing from its own seed, the same sample paths."""
    sizes, theta, X, Y = _problem(rng, 1, 1, [0, 1], [1, 2], [4], n=narx.CHUNK * 5 + 7)
    origins = np.arange(1, len(Y) - 4, dtype=np.int64)
    args = (layout(sizes, "tanh", [0, 1], [1, 2]), np.ascontiguousarray(X.T),
            np.ascontiguousarray(Y.T), origins, 4, *_unbounded(1)[:2])
    pool = rng.normal(size=(30, 1))
    results = {}
    before = numba.get_num_threads()
    try:
        for n in sorted({1, min(2, numba.config.NUMBA_NUM_THREADS)}):
            numba.set_num_threads(n)
            plain, paths = np.empty((4, 1, origins.size)), np.empty((4, 1, origins.size))
            narx.forecast(theta, *args, *_no_paths(1), plain)
            narx.forecast(theta, *args, pool, 3, paths)
            results[n] = plain, paths
    finally:
        numba.set_num_threads(before)
    for plain, paths in results.values():
        np.testing.assert_array_equal(plain, results[1][0])
        np.testing.assert_array_equal(paths, results[1][1])
    expected = narx_forecast(theta, sizes, "tanh", [0, 1], [1, 2], X, Y, origins, 4)
    np.testing.assert_allclose(results[1][0].transpose(2, 0, 1), expected, rtol=1e-12,
                               atol=1e-12)


def test_forecast_is_held_within_bounds_before_it_is_fed_back(rng):
    """An unstable linear model y_t = 2 y_{t-1}: unbounded, its forecasts double each step;
    bounded, each is held at the bound and the next is computed from the held value."""
    sizes, theta, X, Y = _problem(rng, 1, 1, [0], [1], [])
    theta[:] = [0.0, 2.0, 0.0]  # weights of x_t and y_{t-1}, bias
    Y[:] = 1.0
    origins = np.array([5], dtype=np.int64)
    out = np.empty((6, 1, 1))
    args = (layout(sizes, "identity", [0], [1]), np.ascontiguousarray(X.T),
            np.ascontiguousarray(Y.T), origins, 6)
    narx.forecast(theta, *args, *_unbounded(1), out)
    np.testing.assert_array_equal(out[:, 0, 0], [2, 4, 8, 16, 32, 64])
    narx.forecast(theta, *args, np.array([-5.0]), np.array([10.0]), *_no_paths(1), out)
    np.testing.assert_array_equal(out[:, 0, 0], [2, 4, 8, 10, 10, 10])


def test_sample_paths_feed_the_drawn_residual_back(rng):
    """A one-value residual pool is a known shift: each step's output plus that value, fed
    back (checked against the naive forecast of a model whose output bias holds the shift);
    a pool of zeros gives the plain forecasts; draws repeat for a seed and differ across
    paths."""
    sizes, theta, X, Y = _problem(rng, 1, 1, [0, 1], [1, 2], [4], n=narx.CHUNK + 60)
    origins = np.repeat(np.arange(1, len(Y) - 5, dtype=np.int64), 3)
    args = (layout(sizes, "tanh", [0, 1], [1, 2]), np.ascontiguousarray(X.T),
            np.ascontiguousarray(Y.T), origins, 5, *_unbounded(1)[:2])
    out = np.empty((5, 1, origins.size))
    narx.forecast(theta, *args, np.array([[0.3]]), 7, out)
    shifted = theta.copy()
    shifted[-1] += 0.3  # the output bias is θ's last entry
    expected = narx_forecast(shifted, sizes, "tanh", [0, 1], [1, 2], X, Y, origins, 5)
    np.testing.assert_allclose(out.transpose(2, 0, 1), expected, rtol=1e-12, atol=1e-12)
    narx.forecast(theta, *args, np.zeros((4, 1)), 7, out)
    plain = narx_forecast(theta, sizes, "tanh", [0, 1], [1, 2], X, Y, origins, 5)
    np.testing.assert_allclose(out.transpose(2, 0, 1), plain, rtol=1e-12, atol=1e-12)
    pool = rng.normal(size=(50, 1))
    first, again = np.empty_like(out), np.empty_like(out)
    narx.forecast(theta, *args, pool, 7, first)
    narx.forecast(theta, *args, pool, 7, again)
    np.testing.assert_array_equal(first, again)
    assert np.ptp(first[-1, 0].reshape(-1, 3), axis=1).min() > 0  # the 3 paths differ


def test_forecast_nan_input_gives_nan_only_downstream(rng):
    sizes, theta, X, Y = _problem(rng, 1, 1, [0], [1], [3])
    X[20] = np.nan
    origins = np.arange(0, 30, dtype=np.int64)
    out = np.empty((4, 1, origins.size))
    narx.forecast(theta, layout(sizes, "tanh", [0], [1]), np.ascontiguousarray(X.T),
                  np.ascontiguousarray(Y.T), origins, 4, *_unbounded(1), out)
    targets = origins[None, :] + np.arange(1, 5)[:, None]
    # closed loop: a forecast is NaN once its step or an earlier step of its window uses X[20]
    expected_nan = (targets >= 20) & (origins[None, :] < 20)
    np.testing.assert_array_equal(np.isnan(out[:, 0, :]), expected_nan)


def _loss(theta, mlp, X_t, Y_t, origins, horizon, closed, weights=None):
    grad = np.empty_like(theta)
    weights = np.ones(horizon) if weights is None else weights
    loss = narx.loss_gradient(theta, mlp, X_t, Y_t, origins, horizon, closed, weights, grad)
    return loss, grad


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("closed", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_loss_matches_naive_and_gradient_matches_finite_differences(rng, case, closed,
                                                                     weighted):
    """The windows' loss (each step's errors weighted, or not) against the naive reference,
    its gradient against central differences."""
    n_features, n_targets, input_delays, feedback_delays, hidden, activation = case
    sizes, theta, X, Y = _problem(rng, n_features, n_targets, input_delays, feedback_delays, hidden,
                                  n=30)
    mlp = layout(sizes, activation, input_delays, feedback_delays)
    X_t, Y_t = np.ascontiguousarray(X.T), np.ascontiguousarray(Y.T)
    horizon = 6
    max_delay = max([*input_delays, *feedback_delays])
    origins = np.array([max_delay - 1, max_delay + 4, len(Y) - horizon - 1], dtype=np.int64)
    weights = rng.uniform(0.2, 3.0, horizon) if weighted else np.ones(horizon)
    loss, grad = _loss(theta, mlp, X_t, Y_t, origins, horizon, closed, weights)
    expected = narx_window_loss(theta, sizes, activation, input_delays, feedback_delays, X, Y,
                                origins, horizon, closed, weights)
    np.testing.assert_allclose(loss, expected, rtol=1e-12)
    step = 1e-6
    numeric = np.empty_like(theta)
    for i in range(theta.size):
        shift = np.zeros_like(theta)
        shift[i] = step
        numeric[i] = (_loss(theta + shift, mlp, X_t, Y_t, origins, horizon, closed, weights)[0]
                      - _loss(theta - shift, mlp, X_t, Y_t, origins, horizon, closed,
                              weights)[0]) / (2 * step)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


def test_closed_and_open_gradients_differ_only_through_feedback(rng):
    sizes, theta, X, Y = _problem(rng, 1, 1, [0], [1, 2], [4], n=30)
    mlp = layout(sizes, "tanh", [0], [1, 2])
    X_t, Y_t = np.ascontiguousarray(X.T), np.ascontiguousarray(Y.T)
    origins = np.array([3, 10], dtype=np.int64)
    # with a one-step window nothing is fed back, so both loops agree exactly
    open_loss, open_grad = _loss(theta, mlp, X_t, Y_t, origins, 1, False)
    closed_loss, closed_grad = _loss(theta, mlp, X_t, Y_t, origins, 1, True)
    assert open_loss == closed_loss
    np.testing.assert_array_equal(open_grad, closed_grad)
    assert _loss(theta, mlp, X_t, Y_t, origins, 5, False)[0] != _loss(
        theta, mlp, X_t, Y_t, origins, 5, True)[0]


@pytest.mark.parametrize("closed", [False, True])
def test_loss_of_more_windows_than_a_chunk_sums_its_chunks(rng, closed):
    """A batch of more than ``CHUNK`` windows runs in chunks on one thread: its mean loss and
    gradient are the windows-weighted means of those of its parts."""
    sizes, theta, X, Y = _problem(rng, 2, 1, [0, 1], [1, 3], [4], n=400)
    mlp = layout(sizes, "tanh", [0, 1], [1, 3])
    X_t, Y_t = np.ascontiguousarray(X.T), np.ascontiguousarray(Y.T)
    origins = np.arange(2, 2 + narx.CHUNK + 44, dtype=np.int64)
    weights = rng.uniform(0.5, 2.0, 5)
    loss, grad = _loss(theta, mlp, X_t, Y_t, origins, 5, closed, weights)
    first, first_grad = _loss(theta, mlp, X_t, Y_t, origins[:narx.CHUNK], 5, closed, weights)
    rest, rest_grad = _loss(theta, mlp, X_t, Y_t, origins[narx.CHUNK:], 5, closed, weights)
    np.testing.assert_allclose(loss, (narx.CHUNK * first + 44 * rest) / origins.size, rtol=1e-12)
    np.testing.assert_allclose(grad, (narx.CHUNK * first_grad + 44 * rest_grad) / origins.size,
                               rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("transpose_a", [False, True])
@pytest.mark.parametrize("transpose_b", [False, True])
@pytest.mark.parametrize("accumulate", [False, True])
def test_gemm_accumulates_into_strided_views(rng, transpose_a, transpose_b, accumulate):
    """The kernels' BLAS product (compiled; the doctest runs the NumPy fallback) against
    NumPy: transposes by flag, output a strided view whose neighbours stay untouched, and
    without accumulating the old values (NaN here) are not read."""
    a = rng.normal(size=(5, 7) if transpose_a else (7, 5))
    b = rng.normal(size=(3, 5) if transpose_b else (5, 3))
    buffer = rng.normal(size=(9, 6))
    if not accumulate:
        buffer[1:8, 2:5] = np.nan
    before = buffer.copy()


    _gemm(transpose_a, transpose_b, a, b, buffer[1:8, 2:5], accumulate)
    expected = (a.T if transpose_a else a) @ (b.T if transpose_b else b)
    if accumulate:
        expected += before[1:8, 2:5]
    np.testing.assert_allclose(buffer[1:8, 2:5], expected, rtol=1e-13)
    outside = np.ones(buffer.shape, dtype=bool)
    outside[1:8, 2:5] = False
    np.testing.assert_array_equal(buffer[outside], before[outside])


@pytest.mark.parametrize("transpose_a", [False, True])
@pytest.mark.parametrize("transpose_b", [False, True])
@pytest.mark.parametrize("shape", [(300, 5, 200), (40, 8, 1000), (97, 3, 1201)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n_blocks", [None, 2, 7])
def test_blocked_gemm_equals_numpy(rng, transpose_a, transpose_b, shape, dtype, n_blocks):
    """Products of a few columns run whole or, where OpenBLAS has small-matrix kernels, in
    blocks of rows of c (m >= k) or of terms (k > m, the first block overwriting unless
    accumulating): the product of the whole either way (blocks forced here, or as ``gemm``
    chooses on this machine)."""
    m, n, k = shape
    assert n <= BLOCK_COLUMNS
    if n_blocks is not None and numba.config.DISABLE_JIT:
        pytest.skip("the BLAS calls in blocks exist compiled only")
    a = rng.normal(size=(k, m) if transpose_a else (m, k)).astype(dtype)
    b = rng.normal(size=(n, k) if transpose_b else (k, n)).astype(dtype)
    for accumulate in (False, True):
        buffer = rng.normal(size=(m + 2, n + 3)).astype(dtype)
        if not accumulate:
            buffer[1:m + 1, 2:n + 2] = np.nan
        before = buffer.copy()


        if n_blocks is None:
            _gemm(transpose_a, transpose_b, a, b, buffer[1:m + 1, 2:n + 2], accumulate)
        else:
            double, c = dtype == np.float64, buffer[1:m + 1, 2:n + 2]
            item = c.itemsize
            call_in_blocks(ord("d" if double else "s"), transpose_a, transpose_b, m, n, k,
                           a.ctypes.data, a.strides[0] // item, b.ctypes.data,
                           b.strides[0] // item, c.ctypes.data, c.strides[0] // item,
                           accumulate, (blas._ONE_ZERO_64 if double
                                        else blas._ONE_ZERO_32).ctypes.data, item, n_blocks)
        expected = ((a.T if transpose_a else a).astype(np.float64)
                    @ (b.T if transpose_b else b).astype(np.float64))
        if accumulate:
            expected += before[1:m + 1, 2:n + 2]
        tolerance = 1e-12 if dtype == np.float64 else 2e-4
        np.testing.assert_allclose(buffer[1:m + 1, 2:n + 2], expected, rtol=tolerance,
                                   atol=tolerance * np.abs(expected).max())
        outside = np.ones(buffer.shape, dtype=bool)
        outside[1:m + 1, 2:n + 2] = False
        np.testing.assert_array_equal(buffer[outside], before[outside])


@pytest.mark.parametrize("transpose_a", [False, True])
@pytest.mark.parametrize("transpose_b", [False, True])
@pytest.mark.parametrize("accumulate", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("unit_stride", [True, False])
def test_single_column_gemm_equals_numpy(rng, transpose_a, transpose_b, accumulate, dtype,
                                         unit_stride):
    """A product of one column (a batch of one: the state pass, a forecast from one origin;
    a one-input weight's gradient) takes BLAS's gemv when op(b) and c have unit strides,
    gemm otherwise: the same result, from a strided weight view."""
    weights = rng.normal(size=(9, 12)).astype(dtype)
    a = weights[1:6, 2:9] if transpose_a else weights[1:8, 2:7]  # op(a) is 7 x 5
    width = 1 if unit_stride else 3
    if transpose_b:  # a row of a larger array
        b = rng.normal(size=(3, 5)).astype(dtype)[1:2]
    else:
        b = rng.normal(size=(5, width)).astype(dtype)[:, :1]
    c = rng.normal(size=(7, width)).astype(dtype)
    if not accumulate:
        c[:, 0] = np.nan
    before = c.copy()


    _gemm(transpose_a, transpose_b, a, b, c[:, :1], accumulate)
    expected = (a.T if transpose_a else a) @ (b.T if transpose_b else b)
    if accumulate:
        expected += before[:, :1]
    tolerance = 1e-5 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(c[:, :1], expected, rtol=tolerance, atol=tolerance)
    np.testing.assert_array_equal(c[:, 1:], before[:, 1:])


def test_gemm_refuses_strided_columns():
    with pytest.raises(ValueError, match="unit column strides"):
        _gemm(False, False, np.ones((2, 2)), np.ones((2, 2)), np.ones((2, 4))[:, ::2], False)


@pytest.mark.parametrize("accumulate", [False, True])
def test_gemm_with_an_empty_inner_dimension(accumulate):
    """``op(a) op(b)`` of an empty inner dimension is zero: c is zeroed without reading its
    old values (NaN here), or left as it is when accumulating, as BLAS."""
    c = np.full((2, 3), 1.5 if accumulate else np.nan)
    _gemm(False, False, np.empty((2, 0)), np.empty((0, 3)), c, accumulate)
    np.testing.assert_array_equal(c, np.full((2, 3), 1.5) if accumulate else np.zeros((2, 3)))


def test_single_threaded_blas_limits_every_loaded_blas_each_time():
    """The cached threadpoolctl controller limits NumPy's and SciPy's BLAS to one thread on
    every use, and gives the threads back after."""
    from threadpoolctl import threadpool_info

    from narxcast.kernels.blas import single_threaded_blas

    def blas_threads():
        return {info["filepath"]: info["num_threads"] for info in threadpool_info()
                if info["user_api"] == "blas"}

    before = blas_threads()
    for _ in range(2):
        with single_threaded_blas():
            inside = blas_threads()
            assert inside and set(inside.values()) == {1}
        assert blas_threads() == before


def test_forecasts_from_several_python_threads_at_once_equal_serial_ones(rng):
    """Callers on their own threads share the kernels' thread pool: each gets its own
    forecasts, equal to a serial call's."""
    from concurrent.futures import ThreadPoolExecutor

    sizes, theta, X, Y = _problem(rng, 1, 1, [0, 1], [1, 2], [4], n=narx.CHUNK * 4 + 9)
    origins = np.arange(1, len(Y) - 6, dtype=np.int64)
    args = (layout(sizes, "tanh", [0, 1], [1, 2]), np.ascontiguousarray(X.T),
            np.ascontiguousarray(Y.T), origins, 6)

    def forecast(scale):
        out = np.empty((6, 1, origins.size))
        narx.forecast(theta * scale, *args, *_unbounded(1), out)
        return out

    scales = [1.0, 0.5, 0.25, 2.0] * 3
    with ThreadPoolExecutor(4) as callers:
        together = list(callers.map(forecast, scales))
    for scale, got in zip(scales, together):
        np.testing.assert_array_equal(got, forecast(scale))
