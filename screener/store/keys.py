"""The journal's snapshot keys as one Arrow table, with a copy beside the parsed columns.

A load needs the key of every stored snapshot (source, dataset, ticker, as-of date, the time it
was stored) to pick each name's latest snapshot. Reading them from SQLite means one Python
tuple per snapshot (50,000 names: ~50 ms and a quarter of a million strings); the copy
(``<store file>.columns/keys.parquet``) reads in a few milliseconds. It is stamped with the
store's ``snapshot_stamp()`` (a generation every write bumps, the snapshot count, the largest
rowid) and used only while the store's stamp is the same, so a fetch, an import or a removed
damaged payload is seen on the next load. The stamp and the keys are read in one transaction,
so a write in between makes the copy look older than it is (read again), never newer.

A copy that cannot be read or written (read-only media, a damaged file) is not an error: the
keys come from SQLite, as they always can.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from screener.store.block_tables import snapshot_key_column

log = logging.getLogger(__name__)

KEY_COLUMNS = ("source", "dataset", "ticker", "as_of", "fetched_at")
KEY_SCHEMA = pa.schema([(c, pa.string()) for c in KEY_COLUMNS])
STAMP = b"screener.keys.stamp"
HISTORY_ONLY = frozenset({"chart"})  # daily price histories: the history store's, not a block


def journal_keys(store, root: Path) -> pa.Table:
    """Every snapshot key of ``store`` (columns ``KEY_COLUMNS``, ISO text as stored), sorted
    by source, dataset, ticker and as-of date."""
    copy = root / "keys.parquet"
    stamp = store.snapshot_stamp()
    table = _read(copy, stamp)
    if table is not None:
        return table
    stamp, rows = store.stamped_snapshot_keys()
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(KEY_COLUMNS)
    table = pa.Table.from_arrays([pa.array(c, pa.string()) for c in columns],
                                 schema=KEY_SCHEMA)
    if not store.read_only:
        _write(copy, table, stamp)
    return table


def _encode(stamp: tuple[int, int, int]) -> bytes:
    return ("sorted:" + ",".join(map(str, stamp))).encode()


def _read(path: Path, stamp: tuple[int, int, int]) -> pa.Table | None:
    try:
        meta = pq.read_schema(path).metadata or {}
        if meta.get(STAMP) != _encode(stamp):
            return None
        table = pq.read_table(path)
    except FileNotFoundError:
        return None
    except (OSError, pa.ArrowException) as exc:
        log.warning("copy of the snapshot keys %s unreadable (%s); reading the store", path,
                    exc)
        return None
    return table if table.schema.names == list(KEY_COLUMNS) else None


def _write(path: Path, table: pa.Table, stamp: tuple[int, int, int]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table.replace_schema_metadata({STAMP: _encode(stamp)}), tmp,
                       compression="snappy")
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("cannot keep a copy of the snapshot keys at %s (%s)", path,
                    exc.strerror or exc)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


# -- choosing the snapshots a load reads ---------------------------------------------------
def wanted_keys(keys: pa.Table, names: pa.Array, sources: Sequence[str] | None) -> pa.Table:
    """The keys of ``names`` (and ``sources``), daily price histories left out (dataset
    "chart" feeds the history store, not the raw blocks), with their snapshot keys
    (``block_tables.snapshot_key``)."""
    mask = pc.and_(pc.is_in(keys["ticker"], value_set=names),
                   pc.invert(pc.is_in(keys["dataset"], value_set=pa.array(sorted(HISTORY_ONLY)))))
    if sources is not None:
        mask = pc.and_(mask, pc.is_in(keys["source"], value_set=pa.array(list(sources),
                                                                         pa.string())))
    keys = keys.filter(mask)
    return keys.append_column("_key", snapshot_key_column(
        keys["dataset"], keys["ticker"], keys["as_of"], keys["fetched_at"]))


def source_pairs(keys: pa.Table) -> list[tuple[str, str]]:
    """The (source, dataset) pairs present, sorted."""
    if not keys.num_rows:
        return []
    pairs = keys.select(["source", "dataset"]).group_by(["source", "dataset"]).aggregate([])
    return sorted(zip(pairs["source"].to_pylist(), pairs["dataset"].to_pylist(), strict=True))


def latest_keys(keys: pa.Table, cutoff: str) -> pa.Table:
    """The newest snapshot per (source, dataset, ticker) dated on or before ``cutoff``, of
    ``keys`` sorted by source, dataset, ticker and as-of date (as ``journal_keys`` gives
    them): the last row of each run of the same name."""
    keys = keys.filter(pc.less_equal(keys["as_of"], cutoff))
    if keys.num_rows < 2:
        return keys
    same = None
    for c in ("ticker", "dataset", "source"):
        col = keys[c].combine_chunks()
        eq = pc.equal(col.slice(1), col.slice(0, len(col) - 1))
        same = eq if same is None else pc.and_(same, eq)
    if not pc.any(same).as_py():  # one snapshot each: all newest
        return keys
    return keys.filter(pa.concat_arrays([pc.invert(same), pa.array([True])]))


def snapshot_numbers(index: pa.Table, keys: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """The snapshot numbers of ``keys`` in ``index`` (-1: not parsed)."""
    pos = pc.index_in(keys, value_set=index["_key"])
    return pc.fill_null(pc.take(index["sid"], pos), -1).to_numpy().astype("int64")


def places(sids: np.ndarray) -> np.ndarray:
    """Snapshot number -> its place in ``sids`` (a row's snapshot is always one of them)."""
    place = np.full(int(sids.max()) + 1 if len(sids) else 0, -1, dtype="int64")
    place[sids[sids >= 0]] = np.flatnonzero(sids >= 0)
    return place

