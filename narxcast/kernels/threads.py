"""Chunks of a batch on a pool of threads, for kernels compiled with ``nogil=True``.

A kernel that claims chunks of its batch (origins, individuals) one by one from a shared
counter (:func:`.core.claim_chunk`) and releases the GIL runs on Python threads as fast as
under Numba's ``parallel=True`` (``benchmarks/NOTES.md``, 'rolling calibration'), without
the two to three seconds the parallel machinery adds to each kernel's first compilation.
The number of threads is Numba's (``NUMBA_NUM_THREADS``, ``numba.set_num_threads``); the
calling thread is one of them.
"""

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np

_pool = None
_pool_lock = threading.Lock()


def _executor(workers):
    global _pool
    with _pool_lock:
        if _pool is None or _pool._max_workers < workers:
            _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="narxcast")
        return _pool


def _forget_pool():
    """A forked child has none of its parent's threads: it starts its own pool."""
    global _pool
    _pool = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def run_in_chunks(kernel, n_chunks, *args):
    """``kernel(*args, counter)`` on as many threads as Numba's thread count allows (at most
    ``n_chunks``), in parallel, sharing ``counter`` (an int64 array of one zero) from which
    each claims its next chunk (:func:`.core.claim_chunk`) until ``n_chunks`` are taken: a
    thread that starts late takes fewer. Returns when all are done."""
    counter = np.zeros(1, dtype=np.int64)
    n_threads = 1 if numba.config.DISABLE_JIT else min(numba.get_num_threads(), n_chunks)
    if n_threads <= 1:
        kernel(*args, counter)
        return
    pool = _executor(n_threads - 1)
    futures = [pool.submit(kernel, *args, counter) for _ in range(n_threads - 1)]
    try:
        kernel(*args, counter)
    finally:
        for future in futures:
            future.result()
