"""Simulated systems with published equations, for system identification: input and output
records (noisy training records, clean test records) of discrete plants and of
continuous-time systems sampled as an experiment would be.

``make_system(name, n_samples, amplitude, noise, random_state)`` returns ``(u, y)``; the
systems are those of :data:`SYSTEMS`. A record starts at rest (zero state). The
continuous-time systems are integrated by fourth-order Runge–Kutta on a grid finer than
the sampling (the input held between samples), as the public benchmarks generate theirs.

Examples
--------
>>> from narxcast.systems import make_system
>>> u, y = make_system("narendra-2", n_samples=500, random_state=0)
>>> u.shape, y.shape
((500,), (500,))
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy import signal
from sklearn.utils import check_random_state

__all__ = ["SYSTEMS", "make_system", "multisine"]


def _narendra_1(u):
    """y(k+1) = 0.3 y(k) + 0.6 y(k-1) + 0.6 sin(pi u) + 0.3 sin(3 pi u) + 0.1 sin(5 pi u)."""
    y = np.zeros(u.size)
    f = 0.6 * np.sin(np.pi * u) + 0.3 * np.sin(3 * np.pi * u) + 0.1 * np.sin(5 * np.pi * u)
    for k in range(1, u.size - 1):
        y[k + 1] = 0.3 * y[k] + 0.6 * y[k - 1] + f[k]
    return y


def _narendra_2(u):
    """y(k+1) = y(k) y(k-1) (y(k) + 2.5) / (1 + y(k)^2 + y(k-1)^2) + u(k)."""
    y = np.zeros(u.size)
    for k in range(1, u.size - 1):
        y[k + 1] = (y[k] * y[k - 1] * (y[k] + 2.5) / (1 + y[k] ** 2 + y[k - 1] ** 2)) + u[k]
    return y


def _narendra_3(u):
    """y(k+1) = y(k) / (1 + y(k)^2) + u(k)^3."""
    y = np.zeros(u.size)
    for k in range(u.size - 1):
        y[k + 1] = y[k] / (1 + y[k] ** 2) + u[k] ** 3
    return y


def _narendra_4(u):
    """y(k+1) = (y(k) y(k-1) y(k-2) u(k-1) (y(k-2) - 1) + u(k)) / (1 + y(k-1)^2 + y(k-2)^2)."""
    y = np.zeros(u.size)
    for k in range(2, u.size - 1):
        y[k + 1] = ((y[k] * y[k - 1] * y[k - 2] * u[k - 1] * (y[k - 2] - 1) + u[k])
                    / (1 + y[k - 1] ** 2 + y[k - 2] ** 2))
    return y


def _wiener_hammerstein(u):
    """A third-order Chebyshev low-pass, a diode-like static nonlinearity (a saturating
    forward branch, a small reverse conductance), a third-order inverse-Chebyshev low-pass
    (the structure of Schoukens, Suykens & Ljung's 2009 electronic benchmark)."""
    before = signal.cheby1(3, 0.5, 0.2, output="sos")
    after = signal.cheby2(3, 40, 0.3, output="sos")
    x = signal.sosfilt(before, u)
    z = np.where(x > 0, np.tanh(2.0 * x), 0.1 * x)
    return signal.sosfilt(after, z)


def _rk4(derivative, state, u, fine):
    """States sampled once per input sample: ``fine`` RK4 steps of ``1 / fine`` sample each,
    the input held (zero-order hold), from ``state``; returns (samples, states)."""
    out = np.empty((u.size, state.size))
    h = 1.0 / fine
    for k in range(u.size):
        out[k] = state
        for _ in range(fine):
            k1 = derivative(state, u[k])
            k2 = derivative(state + 0.5 * h * k1, u[k])
            k3 = derivative(state + 0.5 * h * k2, u[k])
            k4 = derivative(state + h * k3, u[k])
            state = state + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return out


def _bouc_wen(u):
    """Noël & Schoukens (2016): m y'' + c y' + k y + z = u with the hysteretic force
    z' = alpha y' - beta (gamma |y'| |z|^(nu-1) z - delta y' |z|^nu), m = 2, c = 10,
    k = 5e4, alpha = 5e4, beta = 1e3, gamma = 0.8, delta = -1.1, nu = 1, sampled at 750 Hz
    (20 integration steps per sample); the output is the displacement in mm."""
    m, c, k, alpha, beta, gamma, delta = 2.0, 10.0, 5e4, 5e4, 1e3, 0.8, -1.1
    dt = 1.0 / 750

    def derivative(state, force):
        y, v, z = state
        dz = alpha * v - beta * (gamma * abs(v) * z - delta * v * abs(z))
        return dt * np.array([v, (force - c * v - k * y - z) / m, dz])

    return 1e3 * _rk4(derivative, np.zeros(3), u, 20)[:, 0]


def _duffing(u):
    """A lightly damped hardening oscillator y'' + 0.2 y' + (1 + 2 y^2) y = u (damping ratio
    0.1; not chaotic at the training level nor 1.4 times it), sampled at 2 Hz (10
    integration steps per sample)."""
    dt = 0.5

    def derivative(state, force):
        y, v = state
        return dt * np.array([v, force - 0.2 * v - (1.0 + 2.0 * y * y) * y])

    return _rk4(derivative, np.zeros(2), u, 10)[:, 0]


def _two_tanks(u):
    """Cascaded tanks (Schoukens, Mattsson, Wigren & Noël 2016): x1' = -k1 sqrt(x1) + k4 u,
    x2' = k2 sqrt(x1) - k3 sqrt(x2), y = x2; the upper tank overflows at 10 (x1 held there,
    a fifth of the overflow reaching the lower tank), sampled every 4 s, the level sensor
    quantised to 0.05."""
    k1, k2, k3, k4, top, dt = 0.06, 0.06, 0.07, 0.02, 10.0, 4.0

    def derivative(state, flow):
        x1, x2 = np.maximum(state, 0.0)
        inflow = k4 * flow
        dx1 = -k1 * np.sqrt(x1) + inflow
        spill = 0.0
        if x1 >= top and dx1 > 0:
            spill, dx1 = dx1, 0.0
        return dt * np.array([dx1, k2 * np.sqrt(x1) + 0.2 * spill - k3 * np.sqrt(x2)])

    x2 = _rk4(derivative, np.zeros(2), u, 8)[:, 1]
    return np.round(x2 / 0.05) * 0.05


def multisine(n_samples: int, band: tuple[float, float], rms: float,
              rng: np.random.RandomState) -> np.ndarray:
    """A random-phase multisine of ``n_samples`` with equal amplitudes at the bins inside
    ``band`` (fractions of the sampling rate), scaled to ``rms``.

    Parameters
    ----------
    n_samples : int
    band : (float, float)
        The lowest and highest excited frequency, as fractions of the sampling rate.
    rms : float
    rng : numpy.random.RandomState
        Draws the phases.

    Returns
    -------
    ndarray of shape (n_samples,)

    Examples
    --------
    >>> u = multisine(1000, (0.0, 0.1), 0.5, np.random.RandomState(0))
    >>> round(float(u.std()), 6), bool(abs(np.fft.rfft(u)[200]) < 1e-9)   # 0.2 is not excited
    (0.5, True)
    """
    frequencies = np.fft.rfftfreq(n_samples)
    spectrum = np.zeros(frequencies.size, dtype=complex)
    excited = (frequencies >= band[0]) & (frequencies <= band[1])
    spectrum[excited] = np.exp(2j * np.pi * rng.uniform(size=excited.sum()))
    u = np.fft.irfft(spectrum, n_samples)
    return rms * u / u.std()


# name: (plant, input kind, band (fraction of the sampling rate) or range, training level,
# measurement noise as a fraction of the output's std)
SYSTEMS = {
    "narendra-1": (_narendra_1, "uniform", (-1.0, 1.0), 0.05),
    "narendra-2": (_narendra_2, "uniform", (-2.0, 2.0), 0.05),
    "narendra-3": (_narendra_3, "uniform", (-1.0, 1.0), 0.05),
    "narendra-4": (_narendra_4, "uniform", (-1.0, 1.0), 0.05),
    "wiener-hammerstein": (_wiener_hammerstein, "multisine", (0.0, 0.25, 1.0), 0.02),
    "bouc-wen": (_bouc_wen, "multisine", (5 / 750, 150 / 750, 50.0), 0.02),
    "duffing": (_duffing, "multisine", (0.01, 0.25, 0.5), 0.02),
    "two-tanks": (_two_tanks, "uniform-hold", (0.0, 10.0), 0.0),
}


MAX_SAMPLES = 10_000_000  # a record's length: what the plants' loops may be asked to run


def make_system(name: str, n_samples: int = 1000, amplitude: float = 1.0, noise: bool = True,
                random_state: int | np.random.RandomState | None = None,
                ) -> tuple[np.ndarray, np.ndarray]:
    """An input record and the system's output (see :data:`SYSTEMS`).

    Parameters
    ----------
    name : str
        A key of :data:`SYSTEMS`.
    n_samples : int, default=1000
    amplitude : float, default=1.0
        The input's level relative to the system's training level (its range for uniform
        inputs, its RMS for multisines): above 1 extrapolates beyond a training record.
    noise : bool, default=True
        Add white measurement noise to the output (the system's share of the output's
        standard deviation); False for a clean test record.
    random_state : int, RandomState instance or None

    Returns
    -------
    u, y : ndarray of shape (n_samples,)

    Examples
    --------
    >>> u, y = make_system("narendra-2", 500, noise=False, random_state=0)
    >>> k = np.arange(1, 499)   # y(k+1) = y(k) y(k-1) (y(k) + 2.5) / (1 + y(k)^2 + y(k-1)^2) + u(k)
    >>> expected = y[k] * y[k - 1] * (y[k] + 2.5) / (1 + y[k] ** 2 + y[k - 1] ** 2) + u[k]
    >>> bool(np.allclose(y[k + 1], expected))
    True
    """
    if name not in SYSTEMS:
        raise ValueError(f"`name` must be one of {sorted(SYSTEMS)}. Got {name!r}.")
    if (isinstance(n_samples, bool) or not isinstance(n_samples, (numbers.Integral, np.integer))
            or not 10 <= n_samples <= MAX_SAMPLES):
        raise ValueError(f"`n_samples` must be an integer in [10, {MAX_SAMPLES}]. Got "
                         f"{n_samples!r}.")
    if (isinstance(amplitude, bool) or not isinstance(amplitude, (numbers.Real, np.floating))
            or not 0 < amplitude <= 100):
        raise ValueError(f"`amplitude` must be a number in (0, 100]. Got {amplitude!r}.")
    plant, kind, level, noise_share = SYSTEMS[name]
    rng = check_random_state(random_state)
    if kind == "multisine":
        u = multisine(n_samples, level[:2], amplitude * level[2], rng)
    elif kind == "uniform":
        u = amplitude * rng.uniform(*level, size=n_samples)
    else:  # levels held for 5 to 30 samples, as the tanks' pump is driven
        u = np.empty(n_samples)
        k = 0
        while k < n_samples:
            hold = rng.randint(5, 31)
            u[k:k + hold] = amplitude * rng.uniform(*level)
            k += hold
    y = plant(u)
    if noise and noise_share:
        y = y + noise_share * y.std() * rng.standard_normal(n_samples)
    return u, y
