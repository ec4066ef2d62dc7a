"""Two `screener fetch` commands on the same store at once: both finish, nothing is lost or
corrupt, and a third run has nothing left to fetch."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from screener.devtools.mockhttp import MockServer
from screener.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "sec"))
from secmock import serve_many  # noqa: E402

CLI = [sys.executable, "-c", "from screener.cli import cli; cli()"]


def test_two_fetch_commands_at_once_share_the_store(tmp_path):
    store = tmp_path / "store.sqlite"
    with MockServer() as srv:
        names = serve_many(srv, 80)
        srv.latency = 0.01
        env = {**os.environ, "SCREENER_STORE": str(store),
               "SCREENER_SEC_DATA_BASE_URL": srv.url, "SCREENER_SEC_WWW_BASE_URL": srv.url,
               "SCREENER_SEC_USER_AGENT": "Concurrent Test test@example.com",
               "SCREENER_DATA_DIR": str(tmp_path / "data")}
        first, second = ",".join(names[:60]), ",".join(names[20:])  # 40 names overlap
        procs = [subprocess.Popen([*CLI, "fetch", "--tickers", t, "--provider", "sec"], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                 for t in (first, second)]
        outs = [p.communicate(timeout=120)[0] for p in procs]
        assert [p.returncode for p in procs] == [0, 0], outs
        with Store.open(store) as st:
            assert st.integrity_check() == "ok"
            assert sorted(st.tickers("sec")) == names
        before = srv.count("/api/xbrl/companyfacts/")
        again = subprocess.run([*CLI, "fetch", "--tickers", ",".join(names), "--provider", "sec"],
                               env=env, capture_output=True, text=True, timeout=60)
        assert again.returncode == 0, again.stdout + again.stderr
        assert srv.count("/api/xbrl/companyfacts/") == before  # everything was fresh
