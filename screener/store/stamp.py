"""The snapshot keys of the journal and their stamp: what a load reads to choose snapshots,
and how it knows a copy of them is current (``keys.journal_keys``).

The stamp is (generation, count, largest rowid): every write of ``Store`` that adds, replaces
or removes a snapshot bumps the generation in ``meta`` inside its own transaction
(``bump_generation``); the count and the rowid change with a writer that does not.
"""

from __future__ import annotations

import contextlib
import sqlite3

from screener.errors import StoreError


def bump_generation(c: sqlite3.Connection) -> None:
    """Count one more change of the snapshot keys (see ``Store.snapshot_stamp``)."""
    c.execute("INSERT INTO meta VALUES ('generation', '1') ON CONFLICT(key) DO UPDATE "
              "SET value = CAST(value AS INTEGER) + 1")


def _stamp(c: sqlite3.Connection) -> tuple[int, int, int]:
    gen = c.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
    count = c.execute("SELECT count(*) FROM snapshots").fetchone()[0]
    top = c.execute("SELECT max(rowid) FROM snapshots").fetchone()[0]
    return int(gen[0]) if gen else 0, int(count), int(top or 0)


class KeyReads:
    """The key reads of ``Store`` (it provides ``_conn``, ``_lock``, ``_guard``, ``_tx``, ``_query`` and
    ``read_only``)."""

    def snapshot_keys(self) -> list[tuple[str, str, str, str, str]]:
        """(source, dataset, ticker, as_of, fetched_at) of every snapshot, as stored (ISO text),
        read from a covering index (made on first use; skipped on a read-only store), so the
        payload pages are not read."""
        self._key_index()
        return self._query("SELECT source, dataset, ticker, as_of, fetched_at FROM snapshots")

    def _key_index(self) -> None:
        if not self.read_only and not self._query(
                "SELECT 1 FROM sqlite_master WHERE name = 'snapshots_keys'"):
            with contextlib.suppress(StoreError), self._tx() as c:
                c.execute("CREATE INDEX IF NOT EXISTS snapshots_keys ON snapshots "
                          "(source, dataset, ticker, as_of, fetched_at)")

    def snapshot_stamp(self) -> tuple[int, int, int]:
        """(generation, count, largest rowid) of the snapshot keys: changes whenever a key is
        added, replaced or removed (the generation is bumped by every write of this class;
        the count and rowid catch a writer that does not bump it), so a copy of the keys
        stamped with it is current while the stamp is the same."""
        with self._lock, self._guard():
            return _stamp(self._conn)

    def stamped_snapshot_keys(self) -> tuple[tuple[int, int, int], list[tuple]]:
        """``snapshot_stamp()`` and ``snapshot_keys()`` read in one transaction (a write in
        between cannot give keys newer than their stamp says), the keys sorted by source,
        dataset, ticker and as-of date (the covering index's order: no sort)."""
        self._key_index()
        with self._lock, self._guard():
            c = self._conn
            c.execute("BEGIN")
            try:
                stamp = _stamp(c)
                rows = c.execute("SELECT source, dataset, ticker, as_of, fetched_at FROM "
                                 "snapshots ORDER BY source, dataset, ticker, as_of").fetchall()
            finally:
                c.execute("COMMIT")
        return stamp, rows
