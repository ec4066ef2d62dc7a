"""Parsed blocks kept in columns beside the journal: one Parquet file per source and block.

The SQLite journal (``db.py``) stays the record of raw payloads (audit, re-parsing). What a run
loads is their *parsed* form, kept here as columns so a load is one read per block instead of
one decompress-and-parse per ticker::

    <store file>.columns/<source>/index.parquet       one row per parsed snapshot
    <store file>.columns/<source>/<block>.parquet     identity, statements, ladder, estimates,
                                                      market, _failures: rows of every snapshot

The index names each parsed snapshot by its key (dataset, ticker, as-of date and the time the
payload was stored) and gives it a number; every row carries the number of the snapshot it was
parsed from (``_sid``), so a row is used only while that exact payload is the one in the
journal. The index also records the parser version (the provider's
``parser_version`` plus a digest of the block layout), so a new parser or a new field re-parses;
a replaced payload (re-fetched for the same date) has a new stored time and is re-parsed too.
Nothing else is cached: there is no parsed JSON in the journal.

Only snapshots a load needs are parsed (the latest on or before its as-of date, and the earlier
estimate snapshots the revision history reads), in chunks, so memory stays bounded. Writes are
atomic per file (temporary file + ``os.replace``) under a per-source lock; the index is written
last, and rows whose key is not in the index are never read, so a kill mid-write costs at most a
re-parse. When the folder cannot be written (read-only media), the load still works from the
rows parsed in memory and logs a warning.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from screener.fsutil import exclusive_lock
from screener.store.block_tables import (
    ALL_BLOCKS,
    SEP,
    block_schema,
    concat_tables,
    conform,
    rows_table,
)

log = logging.getLogger(__name__)

INDEX_SCHEMA = pa.schema([("_key", pa.string()), ("sid", pa.int64()), ("dataset", pa.string()),
                          ("ticker", pa.string()), ("as_of", pa.string()),
                          ("fetched_at", pa.string()), ("version", pa.string()),
                          ("error", pa.string())])
CHUNK = 2_000  # snapshots parsed before their rows become columns (bounds memory)


def _index_table(index: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(index.astype({"sid": "int64"}), schema=INDEX_SCHEMA,
                                preserve_index=False)


TableSource = pa.Table | Callable[[], pa.Table | Iterator[pa.Table]]


def _extent(index: pa.Table) -> tuple[int, int] | None:
    """(entries, largest snapshot number) of an index (see ``SourceColumns._every_row``)."""
    return (index.num_rows, pc.max(index["sid"]).as_py()) if index.num_rows else None


class SourceColumns:
    """The parsed columns of one source (see the module docstring)."""

    def __init__(self, root: Path, source: str, write: bool = True):
        self.source = source
        self.folder = root / source
        self.write = write  # False: a read-only store; what is parsed stays in memory
        self._indexed: tuple[int, int] | None = None  # (entries, largest number) of the index

    def path(self, block: str) -> Path:
        return self.folder / f"{block}.parquet"

    # -- reading -------------------------------------------------------------------------
    def index(self) -> pa.Table:
        """The parsed snapshots: key, number, dataset, ticker, dates, version, error."""
        p = self.folder / "index.parquet"
        try:
            table = pq.read_table(p) if p.exists() else INDEX_SCHEMA.empty_table()
        except (OSError, pa.ArrowException) as exc:
            log.warning("parsed columns %s unreadable (%s); parsing again", p, exc)
            return INDEX_SCHEMA.empty_table()
        if table.schema.names != INDEX_SCHEMA.names:  # another layout: parse again
            return INDEX_SCHEMA.empty_table()
        self._indexed = _extent(table)
        return table

    def rows(self, block: str, sids: Iterable[int],
             extra: dict[str, pa.Table] | None = None) -> pa.Table:
        """Rows of ``block`` parsed from the snapshots numbered ``sids`` (one read, one
        filter)."""
        keyset = pa.array(np.asarray(sids, dtype="int64"))
        tables = []
        p = self.path(block)
        if p.exists():
            try:
                tables.append(pq.read_table(p, read_dictionary=["_cols"]))
            except (OSError, pa.ArrowException) as exc:
                log.warning("parsed columns %s unreadable (%s)", p, exc)
        if extra and block in extra:
            tables.append(extra[block])
        tables = [t for t in tables if "_sid" in t.schema.names]
        if not tables or not len(keyset):
            return block_schema(block).empty_table()
        table = concat_tables(tables)
        if len(tables) == 1 and self._every_row(keyset, table):
            return table
        mask = pc.is_in(table["_sid"], value_set=keyset)
        return table if pc.all(mask).as_py() else table.filter(mask)

    def _every_row(self, sids: pa.Array, table: pa.Table) -> bool:
        """Whether ``sids`` (distinct numbers of the index last read or written) are every
        snapshot of that index, and ``table`` (a block file) holds rows of no later one (a
        write killed before its index leaves such rows): then every row is wanted."""
        if self._indexed is None or len(sids) != self._indexed[0] or not table.num_rows:
            return False
        low, high = pc.min_max(sids).values()
        top = pc.max(table["_sid"]).as_py()
        return low.as_py() >= 0 and high.as_py() == self._indexed[1] and top is not None \
            and top <= self._indexed[1]

    # -- parsing -------------------------------------------------------------------------
    def refresh(self, wanted: pa.Table, alive: pa.ChunkedArray | pa.Array, version: str,
                payloads: Callable[[pd.DataFrame], Iterator[tuple[str, bytes | Exception]]],
                parse: Callable[[str, str, bytes, str], dict],
                prepare: Callable[[], object] | None = None) -> tuple[pa.Table,
                                                                      dict[str, pa.Table]]:
        """Parse the snapshots of ``wanted`` (dataset, ticker, as_of, fetched_at, _key) that
        are not parsed under ``version`` yet; returns the index (as a table) and, when the
        folder could not be written, the new rows (pass them to ``rows(..., extra=)``).
        ``alive``: the keys of every snapshot still in the journal (rows of replaced or
        deleted payloads are dropped on the next write). ``prepare`` is called once before the
        first parse (to import the parser only when something is to be parsed); what it
        raises is raised."""
        with self._lock():
            table = self.index()
            next_sid = (pc.max(table["sid"]).as_py() or 0) + 1 if table.num_rows else 0
            table = table.filter(pc.equal(table["version"], version))
            parsed = pc.is_in(wanted["_key"], value_set=table["_key"].combine_chunks())
            if pc.all(parsed).as_py() is not False:
                # entries of snapshots gone from the journal stay until the next write: no
                # wanted key can name them (a key holds the time its payload was stored)
                return table, {}
            if prepare is not None:
                prepare()
            if isinstance(alive, pa.ChunkedArray):
                alive = alive.combine_chunks()
            table = table.filter(pc.is_in(table["_key"], value_set=alive))
            ok = table.to_pandas().astype(object)
            todo = wanted.filter(pc.invert(parsed)).select(
                ["_key", "ticker", "dataset", "as_of", "fetched_at"])
            todo = pd.DataFrame({c: todo[c].to_numpy(zero_copy_only=False)
                                 for c in todo.column_names}).drop_duplicates("_key")
            new_rows: dict[str, list[pa.Table]] = {b: [] for b in ALL_BLOCKS}
            new_index = []
            for start in range(0, len(todo), CHUNK):
                chunk = todo.iloc[start:start + CHUNK]
                meta = {k: (t, d, a, f) for k, t, d, a, f in zip(
                    chunk["_key"], chunk["ticker"], chunk["dataset"], chunk["as_of"],
                    chunk["fetched_at"], strict=True)}
                rows: dict[str, list[dict]] = {b: [] for b in ALL_BLOCKS}
                for key, payload in payloads(chunk):
                    ticker, dataset, as_of, fetched_at = meta[key]
                    sid, next_sid = next_sid, next_sid + 1
                    error = None
                    if isinstance(payload, Exception):
                        error = str(payload)
                    else:
                        try:
                            records = parse(ticker, dataset, payload, as_of)
                        except Exception as exc:  # noqa: BLE001 - one bad payload, one failure
                            error = str(exc) or type(exc).__name__
                    if error is None:
                        for block, recs in records.items():
                            if block in rows:
                                rows[block].extend({**r, "_sid": sid, "_seq": i,
                                                    "_cols": SEP.join(r)}
                                                   for i, r in enumerate(recs))
                    new_index.append({"_key": key, "sid": sid, "dataset": dataset,
                                      "ticker": ticker,
                                      "as_of": as_of, "fetched_at": fetched_at,
                                      "version": version, "error": error})
                for block, recs in rows.items():
                    if recs:
                        new_rows[block].append(rows_table(block, recs))
            added = pd.DataFrame(new_index, columns=INDEX_SCHEMA.names, dtype=object)
            tables = {b: concat_tables(t) for b, t in new_rows.items() if t}
            # the index keeps every snapshot parsed under this version (other as-of dates
            # of the same name stay usable); rows of snapshots parsed again are replaced
            again = set(added["_key"])
            index = pd.concat([ok[[k not in again for k in ok["_key"]]], added],
                              ignore_index=True)
            fresh = set(added["sid"])
            if not self.write:
                return _index_table(index), tables
            try:
                self._write(index, tables, fresh)
            except OSError as exc:
                log.warning("cannot keep parsed columns under %s (%s); they are parsed again "
                            "next time", self.folder, exc.strerror or exc)
                return _index_table(index), tables  # read from memory this time
            return _index_table(index), {}

    def add(self, snapshots: pa.Table, version: str,
            build: Callable[[np.ndarray], dict[str, TableSource]]) -> bool:
        """Keep rows parsed elsewhere (an import that has its records in columns already):
        ``snapshots`` (dataset, ticker, as_of, fetched_at, _key), just stored in the journal,
        get new numbers; ``build`` returns their rows per block for those numbers (a table, or
        what builds it when that block is written: a table or its tables in turn, written
        one at a time), as ``refresh`` would have parsed them from the payloads. The
        snapshots they replaced in the journal (same dataset, ticker and as-of date) leave the
        index; other stale entries leave it on the next ``refresh``. False (nothing kept: a
        load parses them) when the folder cannot be written."""
        if not self.write:
            return False
        with self._lock():
            table = self.index()
            next_sid = (pc.max(table["sid"]).as_py() or 0) + 1 if table.num_rows else 0
            same = pc.binary_join_element_wise(table["dataset"], table["ticker"],
                                               table["as_of"], SEP)
            new = pc.binary_join_element_wise(snapshots["dataset"], snapshots["ticker"],
                                              snapshots["as_of"], SEP)
            keep = pc.and_(pc.equal(table["version"], version),
                           pc.invert(pc.is_in(same, value_set=new)))
            del same, new
            n = snapshots.num_rows
            sids = np.arange(next_sid, next_sid + n, dtype="int64")
            added = pa.Table.from_arrays(
                [snapshots["_key"], pa.array(sids), snapshots["dataset"], snapshots["ticker"],
                 snapshots["as_of"], snapshots["fetched_at"],
                 pa.array([version], pa.string()).take(pa.array(np.zeros(n, "int32"))),
                 pa.nulls(n, pa.string())], schema=INDEX_SCHEMA)
            index = pa.concat_tables([table.filter(keep).cast(INDEX_SCHEMA), added])
            del table, keep, added
            try:
                self._write(index, build(sids), set(sids.tolist()))
            except OSError as exc:
                log.warning("cannot keep parsed columns under %s (%s); they are parsed on "
                            "the next load", self.folder, exc.strerror or exc)
                return False
        return True

    def _write(self, index: pd.DataFrame | pa.Table, tables: dict[str, TableSource],
               replaced: set[int]) -> None:
        """Every block file again: its rows of snapshots still in ``index`` (less those of
        ``replaced``, parsed again), then the new rows of ``tables``; the index last. A new
        block given as tables (an iterator) is written one table at a time."""
        if isinstance(index, pd.DataFrame):
            index = _index_table(index)
        self._indexed = None
        drop = pa.array(np.asarray(sorted(replaced), dtype="int64"))
        old: dict[str, pa.Table | None] = {}
        for block in ALL_BLOCKS:
            p = self.path(block)
            try:
                old[block] = pq.read_table(p) if p.exists() else None
                if old[block] is not None and "_sid" not in old[block].schema.names:
                    old[block] = None  # another layout: its snapshots are in no index
            except (OSError, pa.ArrowException):
                # a damaged file: keep only what was just parsed, the rest parses again
                old[block] = None
                index = index.filter(pc.is_in(index["sid"], value_set=drop))
        keep = index["sid"]
        for block in ALL_BLOCKS:
            parts = []
            t = old.pop(block)
            if t is not None:
                parts.append(t.filter(pc.and_(pc.is_in(t["_sid"], value_set=keep),
                                              pc.invert(pc.is_in(t["_sid"], value_set=drop)))))
            del t
            new = tables.get(block)  # a table, or what builds it (one at a time)
            new = new() if callable(new) else new
            if new is not None and not isinstance(new, pa.Table):
                self._atomic_parts(self.path(block), parts, new)
                continue
            if new is not None:
                parts.append(new)
            if parts or self.path(block).exists():
                self._atomic(self.path(block), concat_tables(parts) if parts
                             else block_schema(block).empty_table())
        self._atomic(self.folder / "index.parquet", index)
        self._indexed = _extent(index)

    def _atomic_parts(self, target: Path, parts: list[pa.Table],
                      new: Iterator[pa.Table]) -> None:
        """``_atomic`` of ``parts`` followed by the tables of ``new``, each written as it
        comes (one row group each): a block's new rows are never all held at once."""
        first = next(new, None)
        if first is None:
            if parts or target.exists():
                self._atomic(target, concat_tables(parts) if parts
                             else block_schema(target.stem).empty_table())
            return
        head = concat_tables([*parts, first])
        del parts, first
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            with pq.ParquetWriter(tmp, head.schema, compression="snappy") as writer:
                writer.write_table(head)
                schema, head = head.schema, None
                for table in new:
                    writer.write_table(conform(table, schema))
            os.replace(tmp, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()

    def _atomic(self, target: Path, table: pa.Table) -> None:
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            pq.write_table(table, tmp, compression="snappy")
            os.replace(tmp, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        with contextlib.ExitStack() as stack:
            if self.write:
                try:
                    stack.enter_context(exclusive_lock(self.folder / ".lock"))
                except OSError:
                    pass  # read-only: nothing is written either (see refresh)
            yield


