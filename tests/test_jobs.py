"""Faults and Ctrl-C in a batch run: whatever happens, every series gets an outcome, the
finished ones keep theirs, and nothing hangs."""

import os
import signal
import threading
import time
import warnings

import numpy as np
import pytest

from narxcast import NARXRegressor, jobs
from narxcast.compose import EnsembleRegressor
from narxcast.jobs import INTERRUPTED, NOT_RUN, run_jobs

SERIES = {name: (name,) for name in ("a", "b", "bad", "c", "d")}


def _status(outcomes):
    return {o.series: ("ok" if o.ok else o.error) for o in outcomes}


def test_a_killed_local_worker_costs_only_its_own_series():
    def job(series, name):  # defined here: sent to the workers by value
        if name == "bad":
            os.kill(os.getpid(), signal.SIGKILL)  # as the out-of-memory killer would
        return name.upper()

    outcomes = run_jobs(job, SERIES, n_jobs=2)
    status = _status(outcomes)
    assert [o.series for o in outcomes] == list(SERIES)
    assert {name: value for name, value in status.items() if name != "bad"} == dict.fromkeys(
        ["a", "b", "c", "d"], "ok")
    assert "its worker process died" in status["bad"]
    assert [o.result for o in outcomes if o.ok] == ["A", "B", "C", "D"]


def test_many_series_on_processes_all_come_back_in_order():
    """More series than joblib dispatches at once (its iteration is lazy)."""
    jobs = {f"s{k:03d}": (k,) for k in range(200)}
    outcomes = run_jobs(lambda series, k: k * k, jobs, n_jobs=2)
    assert [o.series for o in outcomes] == list(jobs)
    assert [o.result for o in outcomes] == [k * k for k in range(200)]


@pytest.mark.slow
def test_a_dask_task_that_kills_its_workers_fails_alone(tmp_path):
    distributed = pytest.importorskip("distributed")
    import dask

    def job(series, name):
        if name == "bad":  # the others finish first (none runs beside it when it kills),
            deadline = time.monotonic() + 120  # however loaded the machine
            while len(list(tmp_path.iterdir())) < 4 and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(4 * jobs.POLL)  # and the run has collected their outcomes
            os.kill(os.getpid(), signal.SIGKILL)
        (tmp_path / name).touch()
        return name.upper()

    with dask.config.set({"distributed.scheduler.allowed-failures": 1}), \
            distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                     dashboard_address=None) as cluster:
        outcomes = run_jobs(job, SERIES, scheduler=cluster.scheduler_address)
    status = _status(outcomes)
    assert all(status[name] == "ok" for name in ("a", "b", "c", "d"))
    assert "its Dask task failed (KilledWorker" in status["bad"]


@pytest.mark.slow
def test_a_dask_cluster_that_loses_every_worker_ends_the_run_in_bounded_time(
        tmp_path, monkeypatch):
    """A scheduler and one worker (no nanny to restart it) in processes of their own on the
    loopback; the worker is killed while it runs a series: the run ends soon after
    CLUSTER_LOST_AFTER with every series reported, instead of waiting for ever."""
    pytest.importorskip("distributed")
    import json
    import subprocess
    import sys

    from narxcast import jobs

    monkeypatch.setattr(jobs, "CLUSTER_LOST_AFTER", 3.0)
    address_file = tmp_path / "scheduler.json"
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
         "--port", "0", "--no-dashboard", "--scheduler-file", str(address_file)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    worker = None
    try:
        for _ in range(300):
            if address_file.exists() and address_file.stat().st_size:
                break
            time.sleep(0.1)
        address = json.loads(address_file.read_text())["address"]
        worker = subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", address, "--no-nanny",
             "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def job(series, name):
            time.sleep(30)  # the worker is killed meanwhile
            return name

        killer = threading.Timer(8.0, worker.kill)
        killer.start()
        started = time.monotonic()
        outcomes = run_jobs(job, {"first": ("first",), "second": ("second",)},
                            scheduler=address)
        took = time.monotonic() - started
        killer.join()
    finally:
        for process in (worker, scheduler):
            if process is not None:
                process.kill()
                process.wait(timeout=30)
    assert took < 25  # not the 60 s of two jobs, nor for ever
    status = _status(outcomes)
    assert set(status) == {"first", "second"}
    assert all("had no worker for 3 s" in error for error in status.values()), status


def test_ctrl_c_stops_the_run_keeps_what_finished_and_reports_the_rest():
    def job(series, name):
        if name == "b":
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)  # interrupted here
        return name

    outcomes = run_jobs(job, SERIES)
    status = _status(outcomes)
    assert status["a"] == "ok"
    assert status["b"] == INTERRUPTED
    assert status["bad"] == status["c"] == status["d"] == NOT_RUN
    assert [o.interrupted for o in outcomes] == [False, True, True, True, True]


def test_ctrl_c_inside_a_fit_that_keeps_its_best_weights_still_stops_the_run():
    """A fit turns Ctrl-C into a stop with its best weights; the run still reports the
    series interrupted and starts no other."""
    def job(series, name):
        if name == "a":
            try:
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(5)
            except KeyboardInterrupt:
                pass  # as a training loop does
        return name

    outcomes = run_jobs(job, {"a": ("a",), "b": ("b",)})
    assert _status(outcomes) == {"a": INTERRUPTED, "b": NOT_RUN}
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # restored


def test_one_ctrl_c_stops_an_ensemble_fit():
    y = np.sin(np.arange(400) / 7.0)
    ensemble = EnsembleRegressor(NARXRegressor(feedback_delays=2, max_iter=10**6,
                                               n_iter_no_change=10**6),
                                 n_estimators=5, random_state=0)
    timer = threading.Timer(1.0, signal.raise_signal, (signal.SIGINT,))
    timer.start()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ensemble.fit(None, y)
    timer.join()
    assert len(ensemble.estimators_) == 1 and ensemble.estimators_[0].stopped_by_ == \
        "interrupted"
    assert any("interrupted after 1 of 5 members" in str(w.message) for w in caught)
    assert np.isfinite(ensemble.predict(None, y, horizon=2)[3:]).all()  # from t = 2 + 1


@pytest.mark.slow
def test_one_ctrl_c_stops_a_command_line_fit_with_status_130(tmp_path):
    """``narxcast fit`` over three series, interrupted once while the first fits: nothing is
    reported ok, nothing is written, every series is listed as interrupted, exit status 130."""
    import subprocess
    import sys

    import pandas as pd

    from narxcast.datasets import load_solar_wind

    frame = load_solar_wind("colorado-2017")[["ghi", "temperature"]].iloc[:300].reset_index()
    parts = [frame.assign(site=name) for name in ("a", "b", "c")]
    pd.concat(parts).to_csv(tmp_path / "all.csv", index=False)
    run = subprocess.Popen(
        [sys.executable, "-m", "narxcast.cli", "fit", str(tmp_path / "all.csv"), "--target",
         "ghi", "--exog", "temperature", "--series-column", "site", "--param",
         "max_iter=1000000", "--param", "n_iter_no_change=1000000", "--out",
         str(tmp_path / "models"), "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ticks = os.sysconf("SC_CLK_TCK")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # until the process has worked past its imports
        fields = open(f"/proc/{run.pid}/stat").read().rsplit(")", 1)[1].split()
        if (int(fields[11]) + int(fields[12])) / ticks > 4.0:
            break
        time.sleep(0.2)
    time.sleep(1.0)
    run.send_signal(signal.SIGINT)
    out, err = run.communicate(timeout=120)
    assert run.returncode == 130, (out, err)
    assert out.count("INTERRUPTED") == 3 and " ok " not in out
    assert "interrupted (Ctrl-C)" in err and "Traceback" not in err
    assert not (tmp_path / "models").exists() or not any((tmp_path / "models").iterdir())
