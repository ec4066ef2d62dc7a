"""The windows evaluated in worker processes (``--jobs 2``) give exactly the serial tables;
a user error in a worker is the same one-line error; Ctrl-C leaves no worker behind.

History: the small fictional sample (80 names, 3 years) generated into the test's folder,
read through its store as a user's stored history would be."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from screener.backtest.run import BacktestConfig, run_backtest
from screener.errors import ConfigError, Location, Problem

ROOT = Path(__file__).resolve().parents[2]
SCREEN = ROOT / "screens" / "rebound.yaml"
UNIVERSES = ["russell2000", "sp600"]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from screener.sample.history import sample_history

    return sample_history(n=80, years=3, cache=tmp_path_factory.mktemp("sample")).root


def _cfg(store, jobs, **kw):
    return BacktestConfig(screen=SCREEN, start="2024-01", end="2025-11", universes=UNIVERSES,
                          store_path=store, horizons="1m,3m", jobs=jobs, **kw)


@pytest.mark.slow
def test_two_workers_give_exactly_the_serial_tables(store):
    from screener.backtest.parallel import parallel_windows

    dates = pd.date_range("2024-01-01", "2025-11-30", freq="BME")
    assert parallel_windows(dates, 2) == 2  # two windows, one per worker
    seen = []
    serial = run_backtest(_cfg(store, 1))
    both = run_backtest(_cfg(store, 2), progress=lambda i, n: seen.append((i, n)))
    assert serial.tables.keys() == both.tables.keys()
    for name, table in serial.tables.items():
        assert_frame_equal(table, both.tables[name], check_exact=True, obj=name)
    assert serial.warnings == both.warnings and serial.survivorship == both.survivorship
    assert len(serial.tables["sample"]) == 23 and serial.tables["factors"]["ic_mean"].notna().any()
    n = len(serial.tables["sample"])
    assert seen == [(i, n) for i in range(1, n + 1)]  # the bar moves date by date


def test_a_user_error_in_a_worker_is_the_same_one_line_error(store, monkeypatch):
    from screener.backtest import source

    problem = Problem(Location("universes/sp600.csv", 7, text="ZZZ?"), "not a ticker",
                      "fix the line")

    def broken(self, k):  # fork: the workers run this copy
        if k == 1:
            raise ConfigError([problem])
        return real(self, k)

    real = source.SignalWindows.load
    monkeypatch.setattr(source.SignalWindows, "load", broken)
    with pytest.raises(ConfigError) as caught:
        run_backtest(_cfg(store, 2))
    assert str(caught.value) == str(ConfigError([problem]))
    assert caught.value.problems[0].location.line == 7


def test_a_worker_killed_midway_is_said_not_waited_for(store, monkeypatch):
    from screener.backtest import source
    from screener.backtest.parallel import WorkerLostError

    def killed(self, k):  # as the out-of-memory killer would
        if k == 1:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(self, k)

    real = source.SignalWindows.load
    monkeypatch.setattr(source.SignalWindows, "load", killed)
    started = time.monotonic()
    with pytest.raises(WorkerLostError, match="--jobs 1") as caught:
        run_backtest(_cfg(store, 2))
    assert caught.value.exit_code == 1 and "exit code -9" in str(caught.value)
    assert time.monotonic() - started < 60


CHILD = r"""
import os, sys, time
from screener.backtest import evaluate, parallel
from screener.backtest.run import BacktestConfig, run_backtest
def slow(*a, **k):
    print("worker", os.getpid(), flush=True)
    time.sleep(60)
parallel.evaluate_window = slow
run_backtest(BacktestConfig(screen=sys.argv[1], start="2024-01", end="2025-11",
                            universes=["russell2000", "sp600"], store_path=sys.argv[2], jobs=2))
"""


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_stops_the_workers(store):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(SCREEN), str(store)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=env)
    workers = []
    deadline = time.monotonic() + 60
    while len(workers) < 2 and time.monotonic() < deadline:
        line = child.stdout.readline()
        if line.startswith("worker"):
            workers.append(int(line.split()[1]))
    if len(workers) < 2:
        child.kill()
        pytest.fail(f"workers did not start: {child.communicate(timeout=30)[1][-2000:]}")
    child.send_signal(signal.SIGINT)
    child.wait(timeout=60)
    err = child.stderr.read()
    assert "KeyboardInterrupt" in err, err[-2000:]
    for pid in workers:  # gone (terminated and reaped by the parent), not orphaned
        assert _gone(pid), f"worker {pid} still running after Ctrl-C"


def _gone(pid: int, wait: float = 10.0) -> bool:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            if Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z":
                return True  # exited, not yet reaped by init
        except OSError:
            return True
        time.sleep(0.1)
    return False
