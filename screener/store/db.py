"""The embedded store: one SQLite file (stdlib), WAL mode, one transaction per write.

Tables
- ``meta(key, value)``: ``schema_version``, and ``generation`` (bumped by every write of a
  snapshot: ``stamp``); the file also carries ``PRAGMA application_id`` so a
  foreign SQLite file is recognised and refused (never modified).
- ``snapshots(source, dataset, ticker, as_of, fetched_at, payload, sha256)``: raw payloads,
  zlib-compressed, unique on (source, dataset, ticker, as_of). History accumulates one snapshot
  per as-of date; re-fetching the same as-of replaces it.
- ``failures(source, dataset, ticker, reason, attempts, transient, at)``: every failed fetch.
- Parsed records are not kept here: they live in columns beside the file (``columns.py``),
  derived from these payloads. Stores written before carry a ``parsed`` table that is no longer
  read or written.

Safety: a kill or crash mid-write leaves the last committed state (SQLite journal); two
processes writing at once wait for each other (busy_timeout) instead of failing; every SQLite
error becomes a ``StoreError`` naming the path and what to do. Payloads never contain secrets:
providers store response bodies only, never request URLs.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
import threading
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from screener.errors import StoreError
from screener.raw.bundle import Failure
from screener.settings import redact, store_path
from screener.store.packed import Packed
from screener.store.stamp import KeyReads, bump_generation
from screener.store.wal import wal_belongs

APPLICATION_ID = 0x53435231  # "SCR1"
SCHEMA_VERSION = 1
SQLITE_MAGIC = b"SQLite format 3\x00"
PRIVATE_PREFIX = "_"  # tickers such as "_MAP" hold source-wide data (SEC ticker map)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS snapshots (
    source TEXT NOT NULL, dataset TEXT NOT NULL, ticker TEXT NOT NULL, as_of TEXT NOT NULL,
    fetched_at TEXT NOT NULL, payload BLOB NOT NULL, sha256 TEXT NOT NULL,
    PRIMARY KEY (source, dataset, ticker, as_of)
);
CREATE INDEX IF NOT EXISTS snapshots_ticker ON snapshots (ticker);
CREATE TABLE IF NOT EXISTS failures (
    source TEXT NOT NULL, dataset TEXT NOT NULL, ticker TEXT NOT NULL, reason TEXT NOT NULL,
    attempts INTEGER NOT NULL, transient INTEGER NOT NULL, at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS failures_key ON failures (source, dataset, ticker);
"""

_HINT = "Move the file away, or point SCREENER_STORE (or --store) at another path."


@dataclass(frozen=True)
class Snapshot:
    """One stored payload. ``payload`` is the original (decompressed) bytes."""

    source: str
    dataset: str
    ticker: str
    as_of: date
    fetched_at: datetime
    payload: bytes
    sha256: str


def _now() -> datetime:
    return datetime.now(UTC)  # microseconds: orders a failure against a snapshot of the same second


def _iso(d: date | datetime) -> str:
    return d.isoformat()


class DamagedPayload(StoreError):
    """A stored payload does not decompress or does not match its sha256."""

    def __init__(self, source: str, dataset: str, ticker: str, as_of: str, path: Path):
        super().__init__(f"The store {path} holds a damaged payload for {ticker} "
                         f"({source}/{dataset} as of {as_of}).",
                         "It is treated as missing: the next screener fetch gets it again.")
        self.source, self.dataset, self.ticker, self.as_of = source, dataset, ticker, as_of
        self.failure = Failure(ticker, source, dataset,
                               f"damaged: the stored payload of {as_of} was unreadable and is "
                               "treated as missing (fetched again by the next screener fetch)",
                               0, True)


class Store(KeyReads):
    """The local store. Thread-safe (one connection behind a lock); use ``Store.open``."""

    def __init__(self, path: Path, conn: sqlite3.Connection, read_only: bool = False):
        self.path = path
        self._conn = conn
        self._lock = threading.RLock()
        self.read_only = read_only
        self.damaged: list[Failure] = []  # damaged payloads met while reading (see _readable)
        self.notes: list[str] = []

    # -- opening ------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path | None = None, timeout: float = 30.0) -> Store:
        """Open (creating it and its folder if needed) the store at ``path`` or the default
        (``settings.store_path()``: $SCREENER_STORE or the user data dir)."""
        p = Path(path).expanduser() if path else store_path()
        if p.is_dir():
            raise StoreError(f"The store path {p} is a folder, not a file.", _HINT)
        if p.exists() and p.stat().st_size > 0:
            with open(p, "rb") as fh:
                head = fh.read(16)
            if head != SQLITE_MAGIC:
                raise StoreError(f"{p} is not a screener store (not an SQLite file).", _HINT)
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(p), timeout=timeout, isolation_level=None,
                                   check_same_thread=False)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"Cannot open the store {p}: {exc}", _HINT) from None
        store = cls(p, conn)
        try:
            store._init(timeout)
        except BaseException:
            conn.close()
            raise
        return store

    @classmethod
    def open_read_only(cls, path: str | Path | None = None, timeout: float = 30.0) -> Store:
        """Open for inspection (``store info`` and friends): nothing is created or written,
        and a ``-wal`` file beside the store is used only when it belongs to it (same page
        size; its copy of page 1, if any, carries our application id). A foreign one is left
        untouched and ignored, with a warning in ``notes``."""
        p = Path(path).expanduser() if path else store_path()
        if p.is_dir():
            raise StoreError(f"The store path {p} is a folder, not a file.", _HINT)
        if not p.exists():
            raise StoreError(f"There is no store at {p} yet.",
                             "Fill it first: screener fetch --universe russell2000")
        with open(p, "rb") as fh:
            head = fh.read(100)
        if head[:16] != SQLITE_MAGIC:
            raise StoreError(f"{p} is not a screener store (not an SQLite file).", _HINT)
        notes = []
        wal = p.with_name(p.name + "-wal")
        mode = "ro"
        if wal.exists() and wal.stat().st_size > 0 and not wal_belongs(wal, head,
                                                                         APPLICATION_ID):
            mode = "ro&immutable=1"
            notes.append(f"{wal} does not belong to this store; it was ignored and left as it "
                         "is (move it away).")
        try:
            conn = sqlite3.connect(f"{p.resolve().as_uri()}?mode={mode}", uri=True,
                                   timeout=timeout, isolation_level=None,
                                   check_same_thread=False)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"Cannot open the store {p}: {exc}", _HINT) from None
        store = cls(p, conn, read_only=True)
        store.notes = notes
        try:
            with store._guard():
                app_id = conn.execute("PRAGMA application_id").fetchone()[0]
                if app_id != APPLICATION_ID:
                    raise StoreError(f"{p} is an SQLite file but not a screener store.", _HINT)
        except BaseException:
            conn.close()
            raise
        return store

    def _init(self, timeout: float) -> None:
        with self._guard():
            c = self._conn
            c.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            app_id = c.execute("PRAGMA application_id").fetchone()[0]
            if app_id not in (0, APPLICATION_ID):
                raise StoreError(f"{self.path} is an SQLite file of another application.", _HINT)
            if app_id == 0:
                tables = c.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
                if tables:
                    raise StoreError(
                        f"{self.path} is an SQLite file but not a screener store.", _HINT)
                c.execute("BEGIN IMMEDIATE")
                try:
                    # re-check under the write lock: another process may have created it
                    if c.execute("PRAGMA application_id").fetchone()[0] == 0:
                        c.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                        for stmt in _SCHEMA.strip().split(";"):
                            if stmt.strip():
                                c.execute(stmt)
                        c.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)",
                                  (str(SCHEMA_VERSION),))
                    c.execute("COMMIT")
                except BaseException:
                    c.execute("ROLLBACK")
                    raise
            c.execute("PRAGMA journal_mode = WAL")
            c.execute("PRAGMA synchronous = NORMAL")
            row = c.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            version = int(row[0]) if row else 0
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path} was written by a newer screener (schema {version}).",
                    "Upgrade screener, or point SCREENER_STORE at another path.")

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except StoreError:
            raise
        except sqlite3.OperationalError as exc:
            if "full" in str(exc) or getattr(exc, "sqlite_errorcode", None) == 13:
                raise StoreError(f"The disk is full: the store {self.path} cannot take more "
                                 "data.", "Free some space and run the same command again: "
                                 "everything stored so far is kept.") from None
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreError(f"The store {self.path} is locked by another process.",
                                 "Wait for the other screener command to finish.") from None
            raise StoreError(f"The store {self.path} cannot be used: {exc}.", _HINT) from None
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"The store {self.path} is corrupt or not a store: {exc}.",
                             _HINT) from None

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (taken at once, so concurrent writers queue up)."""
        with self._lock, self._guard():
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException:
                # SQLite rolls back by itself on some errors (a full disk): a second rollback
                # would say "no transaction is active" and hide the real error
                if self._conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        self._conn.execute("ROLLBACK")
                raise

    def _query(self, sql: str, params: Iterable[Any] = ()) -> list[tuple]:
        with self._lock, self._guard():
            return self._conn.execute(sql, tuple(params)).fetchall()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- snapshots ----------------------------------------------------------------------
    def put(self, source: str, dataset: str, ticker: str, as_of: date, payload: bytes,
            fetched_at: datetime | None = None) -> Snapshot:
        """Store one payload (one transaction). Same (source, dataset, ticker, as_of) replaces."""
        fetched_at = fetched_at or _now()
        self.put_many([(source, dataset, ticker, as_of, payload)], fetched_at)
        return Snapshot(source, dataset, ticker, as_of, fetched_at, payload,
                        hashlib.sha256(payload).hexdigest())

    def put_many(self, rows: Iterable[tuple[str, str, str, date, bytes | Packed]],
                 fetched_at: datetime | None = None, level: int = 6) -> int:
        """Store several payloads in one transaction (all or none). Returns the count. ``rows``
        may be a generator: each payload is compressed and written as it comes (a ``Packed``
        one as it is). ``level``: zlib's (1 fastest, 9 smallest); any level reads back with
        ``zlib.decompress``."""
        at = _iso(fetched_at or _now())
        count = 0

        def prepared():  # compressed one at a time: a generator of payloads is never held
            nonlocal count
            for s, d, t, a, p in rows:
                count += 1
                if isinstance(p, Packed):
                    yield s, d, t, _iso(a), at, p.blob, p.sha256
                    continue
                yield s, d, t, _iso(a), at, zlib.compress(p, level), hashlib.sha256(p).hexdigest()

        with self._tx() as c:
            c.executemany(
                "INSERT OR REPLACE INTO snapshots VALUES (?, ?, ?, ?, ?, ?, ?)", prepared())
            bump_generation(c)
        return count

    def _snapshot(self, row: tuple) -> Snapshot:
        s, d, t, a, f, blob, sha = row
        try:
            payload = zlib.decompress(blob)
        except (zlib.error, TypeError):
            payload = None
        if payload is None or hashlib.sha256(payload).hexdigest() != sha:
            raise DamagedPayload(s, d, t, a, self.path)
        return Snapshot(s, d, t, date.fromisoformat(a), datetime.fromisoformat(f), payload, sha)

    def _readable(self, rows: Iterable[tuple]) -> Iterator[Snapshot]:
        """The snapshots of ``rows`` that can be read; a damaged one is treated as missing:
        removed (so the next fetch gets it again), recorded as a failure (shown on the Data
        quality sheet and by ``store failures``), and skipped."""
        for row in rows:
            try:
                yield self._snapshot(row)
            except DamagedPayload as bad:
                self._drop_damaged(bad)

    def _drop_damaged(self, bad: DamagedPayload) -> None:
        self.damaged.append(bad.failure)
        if self.read_only:
            return
        with contextlib.suppress(StoreError), self._tx() as c:
            c.execute("DELETE FROM snapshots WHERE source=? AND dataset=? AND ticker=? "
                      "AND as_of=?", (bad.source, bad.dataset, bad.ticker, bad.as_of))
            bump_generation(c)
            c.execute("INSERT INTO failures VALUES (?, ?, ?, ?, ?, ?, ?)",
                      (bad.source, bad.dataset, bad.ticker, bad.failure.reason, 0, 1,
                       _iso(_now())))

    def latest(self, source: str, dataset: str, ticker: str,
               as_of: date | None = None) -> Snapshot | None:
        """The newest readable snapshot (with as-of on or before ``as_of`` when given)."""
        keys = self._query(
            "SELECT as_of FROM snapshots WHERE source=? AND dataset=? AND ticker=? AND as_of<=? "
            "ORDER BY as_of DESC", (source, dataset, ticker, _iso(as_of) if as_of else "9999-12-31"))
        for (a,) in keys:  # one payload at a time: older ones only when a newer is damaged
            rows = self._query("SELECT * FROM snapshots WHERE source=? AND dataset=? AND "
                               "ticker=? AND as_of=?", (source, dataset, ticker, a))
            for snap in self._readable(rows):
                return snap
        return None

    def history(self, source: str, dataset: str, ticker: str) -> list[Snapshot]:
        """Every readable snapshot of one (source, dataset, ticker), oldest first."""
        rows = self._query(
            "SELECT * FROM snapshots WHERE source=? AND dataset=? AND ticker=? ORDER BY as_of",
            (source, dataset, ticker))
        return list(self._readable(rows))

    def catalog(self, ticker: str | None = None) -> list[dict[str, Any]]:
        """Snapshot metadata (no payloads): source, dataset, ticker, as_of, fetched_at, size."""
        sql = ("SELECT source, dataset, ticker, as_of, fetched_at, length(payload), sha256 "
               "FROM snapshots")
        rows = self._query(sql + (" WHERE ticker=?" if ticker else "") + " ORDER BY 1,2,3,4",
                           (ticker,) if ticker else ())
        keys = ("source", "dataset", "ticker", "as_of", "fetched_at", "bytes", "sha256")
        return [dict(zip(keys, r)) for r in rows]

    def fresh(self, source: str, dataset: str, tickers: Iterable[str],
              max_age: timedelta | None = None, now: datetime | None = None) -> set[str]:
        """Tickers with a snapshot fetched less than ``max_age`` ago (None: fetched today)."""
        now = now or _now()
        if max_age is None:
            cutoff = datetime.combine(now.astimezone().date(), datetime.min.time()) \
                .astimezone(UTC)
        else:
            cutoff = now - max_age
        wanted = set(tickers)
        if len(wanted) <= 50:  # a few names (the check just before each request): by key
            marks = ",".join("?" * len(wanted))
            rows = self._query(
                "SELECT ticker, max(fetched_at) FROM snapshots WHERE source=? AND dataset=? "
                f"AND ticker IN ({marks}) GROUP BY ticker", (source, dataset, *sorted(wanted)))
        else:
            rows = self._query(
                "SELECT ticker, max(fetched_at) FROM snapshots WHERE source=? AND dataset=? "
                "GROUP BY ticker", (source, dataset))
        return {t for t, f in rows if t in wanted and datetime.fromisoformat(f) >= cutoff}

    def tickers(self, source: str | None = None, dataset: str | None = None) -> list[str]:
        """Tickers with at least one snapshot (source-wide entries such as _MAP excluded)."""
        where, params = ["ticker NOT LIKE '\\_%' ESCAPE '\\'"], []
        if source:
            where.append("source=?")
            params.append(source)
        if dataset:
            where.append("dataset=?")
            params.append(dataset)
        rows = self._query("SELECT DISTINCT ticker FROM snapshots WHERE " + " AND ".join(where)
                           + " ORDER BY ticker", params)
        return [r[0] for r in rows]

    # -- failures -----------------------------------------------------------------------
    def record_failure(self, failure: Failure, at: datetime | None = None) -> None:
        with self._tx() as c:
            c.execute("INSERT INTO failures VALUES (?, ?, ?, ?, ?, ?, ?)",
                      (failure.source, failure.dataset, failure.ticker, redact(failure.reason),
                       int(failure.attempts), int(failure.transient), _iso(at or _now())))

    def failures(self, source: str | None = None, tickers: Iterable[str] | None = None,
                 unresolved: bool = True) -> list[Failure]:
        """Recorded failures, newest per (source, dataset, ticker). ``unresolved``: only those
        with no snapshot fetched after the failure (a fetch that fails on a name another process
        has already stored records no failure: see ``fetcher``)."""
        sql = ("SELECT f.source, f.dataset, f.ticker, f.reason, f.attempts, f.transient, "
               "max(f.at) FROM failures f")
        where, params = [], []
        if source:
            where.append("f.source=?")
            params.append(source)
        if unresolved:
            where.append("NOT EXISTS (SELECT 1 FROM snapshots s WHERE s.source=f.source AND "
                         "s.dataset=f.dataset AND s.ticker=f.ticker AND s.fetched_at>=f.at)")
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self._query(sql + " GROUP BY f.source, f.dataset, f.ticker", params)
        wanted = set(tickers) if tickers is not None else None
        return [Failure(t, s, d, r, int(a), bool(tr)) for s, d, t, r, a, tr, _ in rows
                if wanted is None or t in wanted]

    def snapshots(self, source: str, dataset: str, tickers: Iterable[str], chunk: int = 500
                  ) -> Iterator[tuple[tuple[str, str, str], Snapshot | None]]:
        """Every snapshot of ``tickers`` as ((ticker, as_of, fetched_at), snapshot), one query
        per ``chunk`` names; a damaged one is treated as missing (``_drop_damaged``) and comes
        back as None, so the caller can fall back to an older one."""
        names = list(tickers)
        for i in range(0, len(names), chunk):
            part = names[i:i + chunk]
            rows = self._query(
                "SELECT * FROM snapshots WHERE source=? AND dataset=? AND ticker IN "
                f"({','.join('?' * len(part))})", (source, dataset, *part))
            for row in rows:
                try:
                    snap = self._snapshot(row)
                except DamagedPayload as bad:
                    self._drop_damaged(bad)
                    snap = None
                yield (row[2], row[3], row[4]), snap

    def load_bundle(self, tickers, sources=None, as_of=None, providers=None, universe=None):
        """Raw blocks for ``tickers``: see ``screener.store.bundle.load_bundle``."""
        from screener.store.bundle import load_bundle

        return load_bundle(self, tickers, sources=sources, as_of=as_of, providers=providers,
                           universe=universe)

    # -- overview -----------------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        """Size, names, and per (source, dataset): names, snapshots, oldest/newest dates."""
        rows = self._query(
            "SELECT source, dataset, count(DISTINCT ticker), count(*), min(as_of), max(as_of), "
            "min(fetched_at), max(fetched_at), sum(length(payload)) FROM snapshots "
            "WHERE ticker NOT LIKE '\\_%' ESCAPE '\\' GROUP BY source, dataset ORDER BY 1, 2")
        keys = ("source", "dataset", "names", "snapshots", "oldest_as_of", "newest_as_of",
                "first_fetched", "last_fetched", "bytes")
        size = sum(f.stat().st_size for f in self.path.parent.glob(self.path.name + "*")
                   if f.is_file() and f.name in {self.path.name, self.path.name + "-wal"})
        n_fail = self._query("SELECT count(*) FROM failures")[0][0]
        return {
            "path": str(self.path),
            "size_bytes": size,
            "schema_version": SCHEMA_VERSION,
            "names": len(self.tickers()),
            "datasets": [dict(zip(keys, r)) for r in rows],
            "failures": n_fail,
        }

    def integrity_check(self) -> str:
        """``"ok"`` or SQLite's description of the damage."""
        return self._query("PRAGMA integrity_check")[0][0]
