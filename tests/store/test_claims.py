"""Two fetches at once share the work: a name another live process is fetching is claimed by
it, and taken over once that process is gone (issue 16 item 2)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import UTC, datetime

from screener.store import Store
from screener.store.claims import claim, release


def _plant(store, owner: str, at: datetime | None = None) -> None:
    claim(store, "sec", "companyfacts", "ZZZ")  # creates the table
    with store._tx() as c:
        c.execute("UPDATE claims SET owner=?, at=? WHERE ticker='ZZZ'",
                  (owner, (at or datetime.now(UTC)).isoformat()))


def test_a_live_process_claim_is_respected_and_a_dead_ones_is_not(tmp_path):
    host = socket.gethostname()
    with Store.open(tmp_path / "s.sqlite") as st:
        _plant(st, f"{host}:{os.getppid()}")  # the test runner's parent: alive
        assert claim(st, "sec", "companyfacts", "ZZZ") is False
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True).stdout.strip()
        _plant(st, f"{host}:{dead}")
        assert claim(st, "sec", "companyfacts", "ZZZ") is True
        release(st, "sec", "companyfacts", "ZZZ")
        assert claim(st, "sec", "companyfacts", "ZZZ") is True  # free again, ours


def test_an_old_claim_expires(tmp_path):
    with Store.open(tmp_path / "s.sqlite") as st:
        _plant(st, "elsewhere:1", datetime(2020, 1, 1, tzinfo=UTC))
        assert claim(st, "sec", "companyfacts", "ZZZ") is True
