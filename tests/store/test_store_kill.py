"""Kill -9 a fetch halfway: the store opens, is intact, and a rerun fetches only the rest."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from screener.devtools.mockhttp import MockServer
from screener.http import RetryPolicy
from screener.providers.fetcher import fetch_to_store
from screener.providers.sec import SecProvider
from screener.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "sec"))
from secmock import serve_many

CHILD = textwrap.dedent("""
    import sys
    from screener.providers.fetcher import fetch_to_store
    from screener.providers.sec import SecProvider
    from screener.store import Store
    url, path, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    provider = SecProvider(user_agent="Kill Test kill@example.com", data_base_url=url,
                           www_base_url=url, rate=100, concurrency=2)
    names = [f"T{i:04d}" for i in range(n)]
    fetch_to_store(provider, names, Store.open(path))
""")


def test_kill_minus_9_mid_fetch_then_resume(tmp_path):
    path = tmp_path / "store.sqlite"
    n = 60
    with MockServer() as srv:
        names = serve_many(srv, n)
        srv.latency = 0.05
        child = subprocess.Popen([sys.executable, "-c", CHILD, srv.url, str(path), str(n)])
        try:
            deadline = time.monotonic() + 20
            stored = 0
            while time.monotonic() < deadline and stored < 12:
                time.sleep(0.05)
                if path.exists():
                    with Store.open(path) as st:
                        stored = len(st.tickers("sec"))
            os.kill(child.pid, signal.SIGKILL)
        finally:
            child.wait(timeout=10)
        assert child.returncode == -signal.SIGKILL
        time.sleep(0.5)  # let the server finish answering the dead child's in-flight requests
        with Store.open(path) as st:
            assert st.integrity_check() == "ok"
            kept = set(st.tickers("sec"))
            assert 12 <= len(kept) < n, "the kill should land halfway"
            before = srv.count("/api/xbrl/companyfacts/")
            provider = SecProvider(user_agent="Kill Test kill@example.com",
                                   data_base_url=srv.url, www_base_url=srv.url, rate=200,
                                   policy=RetryPolicy(initial_wait=0.02, max_wait=0.1))
            report = fetch_to_store(provider, names, st)
            refetched = srv.count("/api/xbrl/companyfacts/") - before
            assert sorted(st.tickers("sec")) == names
            assert st.integrity_check() == "ok"
    assert report.skipped_fresh == len(kept)
    assert refetched == n - len(kept)
    assert report.requests == n - len(kept)  # the ticker map was kept in the store too
