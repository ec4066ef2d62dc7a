"""An import's kept rows into the store: the journal, and the parsed columns beside it.

The journal (source ``file``, dataset ``records``, one JSON payload per ticker: see
``file_journal``) stays the record of what was imported. The same rows are already in columns,
so they are also written straight into the store's parsed columns (``store.columns``), exactly
as a load would have parsed them from those payloads: the first run after an import reads
columns instead of decoding one payload per name. When the columns cannot be written (a
read-only folder), nothing is lost: the next load parses the payloads.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from screener.providers import file_journal as fj
from screener.raw.schema import BLOCKS

SOURCE, DATASET = "file", "records"
FAILURE_KEYS = ("ticker", "source", "dataset", "reason", "attempts", "transient")


def store_import(store, checked, kept: np.ndarray, first: np.ndarray,
                 failures: dict[int, list[dict[str, Any]]], as_of: date) -> int:
    """Write the journal (one transaction) and the parsed columns; the names stored."""
    from screener.store.db import _now

    at = _now()
    names: list[str] = []

    def journal():
        for ticker, doc in fj.payloads(checked, kept, first, failures):
            names.append(ticker)
            yield SOURCE, DATASET, ticker, as_of, doc

    store.put_many(journal(), at)
    if names:
        _columns(store, checked, kept, first, failures, as_of.isoformat(), at.isoformat(),
                 names)
    return len(names)


def _columns(store, checked, kept, first, failures, as_of: str, fetched_at: str,
             names: list[str]) -> None:
    from screener.providers.file import FileProvider
    from screener.store.bundle import columns_root
    from screener.store.columns import SourceColumns, parser_version, snapshot_key

    snaps = pd.DataFrame({"dataset": DATASET, "ticker": np.asarray(names, dtype=object),
                          "as_of": as_of, "fetched_at": fetched_at})
    snaps["_key"] = [snapshot_key(DATASET, t, as_of, fetched_at) for t in names]
    alive = [snapshot_key(d, t, a, f) for s, d, t, a, f in store.snapshot_keys()
             if s == SOURCE]
    cols = SourceColumns(columns_root(store), SOURCE, write=not store.read_only)
    cols.add(snaps, parser_version(FileProvider), alive,
             lambda sids: parsed_tables(checked, kept, first, failures, sids))


def parsed_tables(checked, kept: np.ndarray, first: np.ndarray,
                  failures: dict[int, list[dict[str, Any]]], sids: np.ndarray) -> dict:
    """Per block, the rows ``FileProvider.parse`` gives for each ticker's payload (keys in
    the payload's sorted order), numbered with that ticker's snapshot number in ``sids``
    (tickers in order of their first kept row, as ``file_journal.payloads`` yields them)."""
    from screener.store.columns import FAILURES_BLOCK, SEP, table_from_frame

    codes = pd.factorize(checked.tickers[kept])[0]
    tables = {}
    for block, cols in checked.blocks.items():
        if block not in BLOCKS or (checked.dated and block == "statements"):
            continue
        if block in fj.SINGLE:
            rows, sid, seq = first, sids, np.zeros(len(first), dtype="int64")
        else:  # every kept row of a ticker, numbered in file order within it
            order = np.argsort(codes, kind="stable")
            rows, own = kept[order], codes[order]
            starts = np.searchsorted(own, own)
            sid, seq = sids[own], np.arange(len(own)) - starts
        keys = sorted(cols)
        frame = pd.DataFrame({"_sid": sid, "_seq": seq.astype("int64"),
                              **{k: fj.rows_of(k, cols[k], rows) for k in keys}})
        tables[block] = _with_cols(table_from_frame(block, frame), SEP.join(keys))
    fails = []
    position = dict(zip(checked.tickers[first].tolist(), range(len(first)), strict=True))
    seen: dict[int, int] = {}
    for i in kept.tolist():
        for f in failures.get(i, ()):
            k = position[checked.tickers[i]]
            fails.append({"_sid": sids[k], "_seq": seen.get(k, 0),
                          "_cols": SEP.join(sorted(f)), **f})
            seen[k] = seen.get(k, 0) + 1
    if fails:
        tables[FAILURES_BLOCK] = table_from_frame(FAILURES_BLOCK, pd.DataFrame(fails))
    return tables


def _with_cols(table, keys: str):
    """``_cols`` (the same key list on every row of a block) as one dictionary entry, not
    one string per row (files of the parsed columns are read back dictionary-encoded)."""
    import pyarrow as pa

    codes = pa.array(np.zeros(table.num_rows, dtype="int32"))
    return table.set_column(table.schema.get_field_index("_cols"), "_cols",
                            pa.DictionaryArray.from_arrays(codes, pa.array([keys])))
