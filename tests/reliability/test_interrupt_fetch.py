"""Ctrl-C during fetch: exit 130, what was fetched is kept, the message says what was done and
how to resume, no traceback (issue 16 item 6)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from screener.devtools.mockhttp import MockServer
from screener.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "sec"))
from secmock import serve_many

CLI = [sys.executable, "-c", "from screener.cli import cli; cli()"]


def test_ctrl_c_during_fetch_keeps_the_data_and_exits_130(tmp_path):
    store = tmp_path / "store.sqlite"
    with MockServer() as srv:
        names = serve_many(srv, 200)
        srv.latency = 0.05
        env = {**os.environ, "SCREENER_STORE": str(store),
               "SCREENER_SEC_DATA_BASE_URL": srv.url, "SCREENER_SEC_WWW_BASE_URL": srv.url,
               "SCREENER_SEC_USER_AGENT": "Interrupt Test test@example.com",
               "SCREENER_DATA_DIR": str(tmp_path / "data")}
        proc = subprocess.Popen([*CLI, "fetch", "--tickers", ",".join(names), "--provider",
                                 "sec"], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 60
        while srv.count("/api/xbrl/companyfacts/") < 15 and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        out = proc.communicate(timeout=60)[0]
    assert proc.returncode == 130, out
    assert "Traceback" not in out
    assert "Interrupted (sec " in out and "run the same command again to resume" in out
    with Store.open(store) as st:
        kept = st.tickers("sec")
    assert 10 <= len(kept) < 200
    fetched = int(out.split("Interrupted (sec ")[1].split(" fetched")[0])
    assert fetched == len(kept), out
