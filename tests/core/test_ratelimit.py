"""The per-machine rate limit: counted as violations of a sliding window, never as timings.

Every test checks the grant times the limiter hands out (or the times a mock server saw) for
windows holding more than the allowed count; a slow or busy machine only makes them sparser.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

from screener.http import HttpClient, RetryPolicy
from screener.ratelimit import RateLimiter, limiter_for

ROOT = Path(__file__).resolve().parents[2]


def violations(times, allowed: int, window: float = 1.0) -> int:
    """Grants that make more than ``allowed`` within any ``window``-second span."""
    times = sorted(times)
    lo, over = 0, 0
    for hi, t in enumerate(times):
        while t - times[lo] >= window:
            lo += 1
        over += hi - lo + 1 > allowed
    return over


def test_violations_helper_counts_an_eleventh_request():
    assert violations([i * 0.09 for i in range(11)], 10) == 1
    assert violations([i * 0.1 for i in range(11)], 10) == 0  # 0.0 and 1.0: two windows


def test_threads_never_exceed_the_window(tmp_path):
    lim = RateLimiter(20, path=tmp_path / "rate.bin")
    grants: list[float] = []
    lock = threading.Lock()

    def worker():
        for _ in range(12):
            t = lim.acquire()
            time.sleep(0.001)  # the request itself
            with lock:
                grants.append(t)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(grants) == 72
    assert violations(grants, 20) == 0


def test_a_late_wake_up_cannot_squeeze_the_window(tmp_path, monkeypatch):
    """Grant times are taken after the sleep: a caller that oversleeps pushes the next ones."""
    lim = RateLimiter(5, path=tmp_path / "rate.bin")
    real_sleep = time.sleep
    monkeypatch.setattr(time, "sleep", lambda s: real_sleep(s + 0.03))  # a loaded machine
    grants = [lim.acquire() for _ in range(12)]
    assert violations(grants, 5) == 0


CHILD = r"""
import sys, time
from screener.ratelimit import RateLimiter
lim = RateLimiter(10, path=sys.argv[1])
out = [lim.acquire() for _ in range(int(sys.argv[2]))]
print(" ".join(repr(t) for t in out))
"""


def test_two_processes_share_one_limit(tmp_path):
    """CLOCK_MONOTONIC is one clock per machine: both processes' grants are comparable."""
    path = tmp_path / "rate-sec.bin"
    procs = [subprocess.Popen([sys.executable, "-c", CHILD, str(path), "15"],
                              stdout=subprocess.PIPE, text=True, cwd=ROOT) for _ in range(2)]
    outs = [p.communicate(timeout=60)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    grants = [float(x) for out in outs for x in out.split()]
    assert len(grants) == 30
    assert violations(grants, 10) == 0


def test_pause_holds_every_process(tmp_path):
    path = tmp_path / "rate.bin"
    RateLimiter(10, path=path).pause(0.4)
    other = RateLimiter(10, path=path)  # another process would open the same file
    asked = time.monotonic()
    assert other.acquire() - asked >= 0.35


def test_a_damaged_or_foreign_file_is_reset(tmp_path):
    path = tmp_path / "rate.bin"
    path.write_bytes(b"\x00garbage" * 3)
    lim = RateLimiter(10, path=path)
    grants = [lim.acquire() for _ in range(3)]
    assert violations(grants, 10) == 0 and path.read_bytes()[:4] == b"SRL2"


def test_an_unusable_lock_folder_falls_back_to_this_process(tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    lim = RateLimiter(50, path=blocker / "rate.bin")
    grants = [lim.acquire() for _ in range(60)]
    assert violations(grants, 50) == 0
    assert "this process only" in caplog.text


def test_clients_of_one_source_share_the_limiter(tmp_path, monkeypatch):
    monkeypatch.setenv("SCREENER_LOCK_DIR", str(tmp_path))
    a = HttpClient("demo-src", rate=7, policy=RetryPolicy(attempts=1))
    b = HttpClient("demo-src", rate=7, policy=RetryPolicy(attempts=1))
    assert a.limiter is b.limiter is limiter_for("demo-src", 7)
    assert a.limiter.path == tmp_path / "rate-demo-src.bin"


def test_a_server_counting_late_never_sees_more_than_the_limit(tmp_path):
    """The server counts each request at a random moment between our send and its answer
    (up to 150 ms late, as a loaded machine does): still never 11 in a second."""
    import random

    lim = RateLimiter(10, path=tmp_path / "rate.bin")
    rng = random.Random(7)
    counted: list[float] = []
    lock = threading.Lock()

    def worker():
        for _ in range(8):
            with lim.request() as grant:
                delay = rng.choice([0.0, 0.0, 0.01, 0.05, 0.15])
                time.sleep(delay)
                with lock:
                    counted.append(grant + rng.uniform(0, delay))

    threads = [threading.Thread(target=worker) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(counted) == 40
    assert violations(counted, 10) == 0


def test_a_request_in_flight_of_a_killed_process_stops_counting(tmp_path, monkeypatch):
    import screener.ratelimit as rl

    monkeypatch.setattr(rl, "STALE_IN_FLIGHT", 0.2)
    lim = RateLimiter(2, path=tmp_path / "rate.bin")
    lim.begin()
    lim.begin()  # two in flight, never answered (their process was killed)
    asked = time.monotonic()
    RateLimiter(2, path=tmp_path / "rate.bin").acquire()
    assert time.monotonic() - asked < 5
