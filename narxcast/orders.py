"""The orders of a dynamic system from its data: how many past outputs and inputs its next
output depends on, by Lipschitz quotients (He & Asada 1993)."""

from __future__ import annotations

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["MAX_ORDER", "lipschitz_index", "lipschitz_orders"]

MAX_ORDER = 6  # the largest output and input order the Lipschitz quotients try


def lipschitz_index(regressors: np.ndarray, target: np.ndarray, fraction: float = 0.02) -> float:
    """He & Asada's order index of the regressors: the geometric mean of the largest
    ``fraction`` of the Lipschitz quotients ``|y_i - y_j| / ||phi_i - phi_j||`` over pairs of
    samples, times ``sqrt(n_regressors)``. It falls steeply while a regressor the target
    depends on is missing and flattens once all are there.

    Parameters
    ----------
    regressors : ndarray of shape (n, n_regressors)
    target : ndarray of shape (n,)
    fraction : float, default=0.02
        The share of the largest quotients whose geometric mean is taken.

    Returns
    -------
    float

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> phi = rng.uniform(-1, 1, (300, 3))
    >>> y = np.sin(2 * phi[:, 0]) + phi[:, 1] ** 2
    >>> bool(lipschitz_index(phi[:, :1], y) > 2 * lipschitz_index(phi[:, :2], y))
    True
    """
    n = len(target)
    i, j = np.triu_indices(n, k=1)
    distance = np.sqrt(((regressors[i] - regressors[j]) ** 2).sum(axis=1))
    usable = distance > 1e-12
    quotients = np.abs(target[i] - target[j])[usable] / distance[usable]
    count = max(1, int(fraction * n))
    largest = np.partition(quotients, quotients.size - count)[-count:]
    return float(np.exp(np.mean(np.log(np.sqrt(regressors.shape[1]) * largest + 1e-300))))


def lipschitz_orders(u: np.ndarray | None, y: np.ndarray, max_order: int = MAX_ORDER,
                     n_samples: int = 600, tolerance: float = 0.1,
                     random_state: int | np.random.RandomState | None = 0) -> tuple[int, int]:
    """The output order (feedback delays ``1..na``) and input order (input delays
    ``0..nb - 1``) at which the Lipschitz index stops falling by more than ``tolerance`` of
    itself when either order grows, on at most ``n_samples`` rows drawn at random;
    ``u`` of shape (n, n_features) or None. Returns ``(na, nb)`` (``nb`` 0 without inputs).

    Parameters
    ----------
    u : ndarray of shape (n_samples, n_features) or None
        The inputs; None for an autonomous series.
    y : ndarray of shape (n_samples,)
        The output.
    max_order : int, default=MAX_ORDER (6)
        The largest order tried.
    n_samples : int, default=600
        Rows the quotients are formed on (drawn at random; the pairs grow as its square).
    tolerance : float, default=0.1
    random_state : int, RandomState instance or None, default=0

    Returns
    -------
    na, nb : int

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> u = rng.uniform(-1, 1, 1500)
    >>> y = np.zeros(1500)
    >>> for k in range(1, 1499):
    ...     y[k + 1] = 0.5 * y[k] - 0.3 * y[k - 1] + np.tanh(2 * u[k])
    >>> lipschitz_orders(u[:, None], y)
    (2, 2)
    """
    y = (y - y.mean()) / (y.std() or 1.0)
    u = None if u is None or u.shape[1] == 0 else (u - u.mean(axis=0)) / np.where(
        u.std(axis=0) > 0, u.std(axis=0), 1.0)
    rows = np.arange(max_order, len(y))
    rows = check_random_state(random_state).permutation(rows)[:n_samples]

    def index(na, nb):
        columns = [y[rows - k] for k in range(1, na + 1)]
        if u is not None:
            columns += [u[rows - d, f] for d in range(nb) for f in range(u.shape[1])]
        return lipschitz_index(np.column_stack(columns), y[rows])

    na, nb = 1, 0 if u is None else 1
    current = index(na, nb)
    while True:
        moves = [(na + 1, nb)] if na < max_order else []
        if u is not None and nb < max_order:
            moves.append((na, nb + 1))
        if not moves:
            return na, nb
        scored = [(index(*move), move) for move in moves]
        best, move = min(scored)
        if best > (1 - tolerance) * current:
            return na, nb
        (na, nb), current = move, best
