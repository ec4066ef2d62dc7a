"""Claims: two fetches on one store share the work instead of fetching the same names twice.

Before its request for (source, dataset, ticker), a fetch takes a claim in the store; a claim
held by another live process (same host, process still running, younger than ``CLAIM_TTL``)
means "being fetched now": the fetcher does that name after the others, and only if the other
process did not store it. A failed fetch releases its claim.
"""

from __future__ import annotations

import contextlib
import os
import socket
from datetime import UTC, datetime

from screener.errors import StoreError

CLAIM_TTL = 300.0
_TABLE = ("CREATE TABLE IF NOT EXISTS claims (source TEXT NOT NULL, dataset TEXT NOT NULL, "
          "ticker TEXT NOT NULL, owner TEXT NOT NULL, at TEXT NOT NULL, "
          "PRIMARY KEY (source, dataset, ticker))")


def _me() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _live(owner: str, at: str, now: datetime) -> bool:
    if (now - datetime.fromisoformat(at)).total_seconds() > CLAIM_TTL:
        return False
    host, _, pid = owner.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return False
        except OSError:
            return True
    return True


def claim(store, source: str, dataset: str, ticker: str) -> bool:
    """Take the name for this process; False when another live process holds it."""
    me, now = _me(), datetime.now(UTC)
    with store._tx() as c:
        c.execute(_TABLE)
        row = c.execute("SELECT owner, at FROM claims WHERE source=? AND dataset=? AND ticker=?",
                        (source, dataset, ticker)).fetchone()
        if row and row[0] != me and _live(row[0], row[1], now):
            return False
        c.execute("INSERT OR REPLACE INTO claims VALUES (?, ?, ?, ?, ?)",
                  (source, dataset, ticker, me, now.isoformat()))
    return True


def release(store, source: str, dataset: str, ticker: str) -> None:
    with contextlib.suppress(StoreError), store._tx() as c:
        c.execute(_TABLE)
        c.execute("DELETE FROM claims WHERE source=? AND dataset=? AND ticker=? AND owner=?",
                  (source, dataset, ticker, _me()))
