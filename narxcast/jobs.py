"""The jobs of a batch run, one per series: serially, on local processes (joblib's loky) or
on a Dask cluster, and what a fault or Ctrl-C does to them.

Whatever happens, :func:`run_jobs` returns an :class:`Outcome` for every series, so that the
command writes the outputs of those that finished and reports the others with the reason:

- a series that raises fails alone, with its error;
- a local worker process that dies (killed, out of memory) loses only the series it ran: the
  series not yet done run again in a new pool, and if a worker dies again, one by one, each in
  a worker of its own, so that the series that kills its worker fails alone;
- on Dask, a task whose worker died fails its series (``KilledWorker``: Dask retried it on
  other workers first), and a cluster left without any worker for
  :data:`CLUSTER_LOST_AFTER` seconds fails the series not yet done, instead of waiting for
  ever;
- Ctrl-C (SIGINT) stops the run: the fit it interrupts keeps its best weights but its series
  is reported interrupted (its model is not written), no further series starts, and the
  series done stay done.
"""

import signal
import threading
import time
import warnings
from dataclasses import dataclass, replace

import joblib
import pandas as pd

from .tables import InputError

CLUSTER_LOST_AFTER = 60.0  # seconds without a Dask worker before the run gives up on them
POLL = 1.0  # seconds between looks at a Dask run's futures and workers
INTERRUPTED = "interrupted (Ctrl-C) before it finished"
NOT_RUN = "not run: the run was interrupted (Ctrl-C)"


@dataclass
class Outcome:
    """How one series' job ended: ``ok`` with its ``result``, or the ``error`` that stopped
    it; ``notes`` the warnings it raised, in the command's words; ``interrupted`` when
    Ctrl-C stopped it or kept it from starting."""

    series: str
    ok: bool
    seconds: float
    result: object = None
    error: str = ""
    notes: tuple = ()
    interrupted: bool = False


def command_note(warning):
    """What a warning raised while a series ran says on the command line: a training budget
    used up names the ``--param`` that gives more; others, their first line."""
    from .training.stages import IterationsExhaustedWarning

    if isinstance(warning, IterationsExhaustedWarning):
        return ("training used every iteration allowed, its loss still falling (usable; to "
                f"train longer: --param max_iter={warning.suggested_max_iter})")
    return str(warning).splitlines()[0] if str(warning) else type(warning).__name__


def _attempt(function, series, args):
    started = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = function(series, *args)
        except InputError as error:
            return Outcome(series, False, time.perf_counter() - started, error=str(error))
        except Exception as error:  # a failed series is reported; the others go on
            message = str(error).splitlines()[0] if str(error) else ""
            return Outcome(series, False, time.perf_counter() - started,
                           error=f"{type(error).__name__}: {message}")
    notes = tuple(dict.fromkeys(command_note(w.message) for w in caught))
    return Outcome(series, True, time.perf_counter() - started, result=result, notes=notes)


class _BarPostfix:
    """An iteration listener that shows a series' training iteration and loss beside the
    progress bar, redrawn at most ten times a second."""

    def __init__(self, bar, series):
        self.bar, self.series, self.shown = bar, series, 0.0

    def __call__(self, iteration, loss):
        now = time.monotonic()
        if now - self.shown >= 0.1:
            self.shown = now
            self.bar.set_postfix_str(f"{self.series}: iteration {iteration}, loss {loss:.4g}")


class _CtrlC:
    """Counts Ctrl-C (SIGINT) during a run. Each still raises ``KeyboardInterrupt`` where the
    run is, which a fit's training loop turns into a stop with its best weights; the count
    tells the run that it was interrupted."""

    def __init__(self):
        self.count, self.previous = 0, None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame):
        self.count += 1
        raise KeyboardInterrupt

    def __exit__(self, *exception):
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
        return False


def run_jobs(function, jobs, n_jobs=1, scheduler=None, progress=False, description="series"):
    """Run ``function(series, *args)`` for every ``{series: args}``; returns the outcomes in
    the order of ``jobs``, one for every series whatever happened (see the module). Serial for
    ``n_jobs=1``, local processes (joblib, loky) for more, a Dask distributed cluster at
    ``scheduler`` (an address) when given."""
    from tqdm.auto import tqdm

    # (no bar where standard error is not a terminal: its redraws would run into the output)
    bar = tqdm(total=len(jobs), desc=description, disable=None if progress else True,
               leave=False)
    outcomes = {}

    def done(outcome):
        outcomes[outcome.series] = outcome
        bar.update()

    try:
        with _CtrlC() as ctrl_c:
            try:
                if scheduler is not None:
                    _run_on_dask(function, jobs, scheduler, done)
                elif n_jobs == 1:
                    _run_serially(function, jobs, done, bar, ctrl_c)
                else:
                    _run_on_processes(function, jobs, n_jobs, done)
            except KeyboardInterrupt:
                ctrl_c.count += 1
    finally:
        bar.close()
    return [outcomes.get(series) or Outcome(series, False, 0.0, error=NOT_RUN, interrupted=True)
            for series in jobs]


def _run_serially(function, jobs, done, bar, ctrl_c):
    """In this process, one series after the other; a long fit shows its iterations."""
    from .training.gradient import ITERATION_LISTENER

    for series, args in jobs.items():
        if ctrl_c.count:
            return
        token = ITERATION_LISTENER.set(None if bar.disable else _BarPostfix(bar, series))
        started = time.perf_counter()
        try:
            outcome = _attempt(function, series, args)
        except KeyboardInterrupt:  # outside a training loop (reading, forecasting)
            ctrl_c.count = max(ctrl_c.count, 1)
            outcome = Outcome(series, False, time.perf_counter() - started)
        finally:
            ITERATION_LISTENER.reset(token)
        if ctrl_c.count:  # the fit stopped early, keeping its best weights: not this run's
            outcome = replace(outcome, ok=False, result=None, error=INTERRUPTED,
                              interrupted=True)
        done(outcome)


def _run_on_processes(function, jobs, n_jobs, done):
    """On ``n_jobs`` local worker processes; a dead worker costs only its own series."""
    from joblib.externals.loky.process_executor import BrokenProcessPool

    remaining = dict(jobs)
    for _ in range(2):
        try:
            parallel = joblib.Parallel(n_jobs=n_jobs, return_as="generator_unordered")
            tasks = [joblib.delayed(_attempt)(function, series, args)
                     for series, args in remaining.items()]  # (remaining shrinks below)
            for outcome in parallel(tasks):
                remaining.pop(outcome.series)
                done(outcome)
            return
        except BrokenProcessPool:  # a worker died: the series not yet done run again
            continue
    for series, args in remaining.items():  # each alone, in a worker of its own
        started = time.perf_counter()
        try:
            outcome, = joblib.Parallel(n_jobs=2)(
                [joblib.delayed(_attempt)(function, series, args)])
        except BrokenProcessPool as error:
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            outcome = Outcome(series, False, time.perf_counter() - started,
                              error=f"its worker process died (killed, or out of memory): "
                                    f"{reason}")
        done(outcome)


def _run_on_dask(function, jobs, scheduler, done):
    """On the Dask cluster at ``scheduler``; a task that fails fails its series, and a
    cluster without workers for :data:`CLUSTER_LOST_AFTER` seconds fails the rest."""
    from distributed import Client, wait

    with Client(scheduler, timeout="20s") as client:
        futures = {client.submit(_attempt, function, series, args, pure=False): series
                   for series, args in jobs.items()}
        pending, alone_since = set(futures), None
        while pending:
            try:
                finished, pending = wait(pending, timeout=POLL, return_when="FIRST_COMPLETED")
            except TimeoutError:
                finished = set()
            for future in finished:
                try:
                    done(future.result())
                except Exception as error:  # KilledWorker: its workers died running it
                    message = str(error).splitlines()[0] if str(error) else ""
                    done(Outcome(futures[future], False, 0.0,
                                 error=f"its Dask task failed ({type(error).__name__}: "
                                       f"{message[:200]})"))
                # the outcome is here: the cluster may forget it (a worker that dies later
                # would otherwise have it computed again, and count that run against it)
                future.release()
            try:
                workers = len(client.nthreads())
            except Exception:  # the scheduler itself is gone
                workers, alone_since = 0, -float("inf")
            if workers or not pending:
                alone_since = None
                continue
            alone_since = time.monotonic() if alone_since is None else alone_since
            if time.monotonic() - alone_since >= CLUSTER_LOST_AFTER:
                for future in pending:
                    future.cancel()
                    done(Outcome(futures[future], False, 0.0,
                                 error=f"not run: the Dask cluster at {scheduler} had no "
                                       f"worker for {CLUSTER_LOST_AFTER:.0f} s"))
                return


def summary(outcomes):
    """The end-of-run table: one row per series."""
    return pd.DataFrame({"series": [o.series for o in outcomes],
                         "status": ["ok" if o.ok else "INTERRUPTED" if o.interrupted
                                    else "FAILED" for o in outcomes],
                         "seconds": [round(o.seconds, 3) for o in outcomes],
                         "error": [o.error for o in outcomes],
                         "notes": ["; ".join(o.notes) for o in outcomes]})
