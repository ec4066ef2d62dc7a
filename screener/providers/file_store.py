"""An import's kept rows into the store: the journal, and the parsed columns beside it.

The journal (source ``file``, dataset ``records``, one JSON payload per ticker: see
``file_journal``) stays the record of what was imported. The same rows are already in columns,
so they are also written straight into the store's parsed columns (``store.columns``), exactly
as a load would have parsed them from those payloads: the first run after an import reads
columns instead of decoding one payload per name. When the columns cannot be written (a
read-only folder), nothing is lost: the next load parses the payloads.

Memory: each block is built and written ``CHUNK_ROWS`` rows at a time (one Parquet row group
each), only when its turn comes, so what the import holds on top of its checked columns is one
slice of one block; the journal is compressed at zlib level 1 (``JOURNAL_LEVEL``).
"""

from __future__ import annotations

import functools
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from screener.providers import file_journal as fj
from screener.raw.schema import BLOCKS

SOURCE, DATASET = "file", "records"
FAILURE_KEYS = ("ticker", "source", "dataset", "reason", "attempts", "transient")
# zlib level of an import's payloads: a fifth faster than the store's 6, ~9 % larger
JOURNAL_LEVEL = 1


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

    store.put_many(journal(), at, level=JOURNAL_LEVEL)
    if names:
        _columns(store, checked, kept, first, failures, as_of.isoformat(), at.isoformat(),
                 names)
    return len(names)


def _columns(store, checked, kept, first, failures, as_of: str, fetched_at: str,
             names: list[str]) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc

    from screener.providers.file import FileProvider
    from screener.store.bundle import columns_root
    from screener.store.columns import SEP, SourceColumns, parser_version

    n = len(names)
    ticker = pa.array(names, pa.string())
    dataset, as_of_, fetched = (pa.array([v], pa.string()).take(pa.array(np.zeros(n, "int32")))
                                for v in (DATASET, as_of, fetched_at))
    snaps = pa.table({"dataset": dataset, "ticker": ticker, "as_of": as_of_,
                      "fetched_at": fetched,  # the key: store.columns.snapshot_key
                      "_key": pc.binary_join_element_wise(dataset, ticker, as_of_, fetched,
                                                          SEP)})
    del ticker, dataset, as_of_, fetched
    cols = SourceColumns(columns_root(store), SOURCE, write=not store.read_only)
    cols.add(snaps, parser_version(FileProvider),
             lambda sids: parsed_tables(checked, kept, first, failures, sids))


def parsed_tables(checked, kept: np.ndarray, first: np.ndarray,
                  failures: dict[int, list[dict[str, Any]]], sids: np.ndarray) -> dict:
    """Per block, what builds the rows ``FileProvider.parse`` gives for each ticker's payload
    (keys in the payload's sorted order), numbered with that ticker's snapshot number in
    ``sids`` (tickers in order of their first kept row, as ``file_journal.payloads`` yields
    them): the tables of ``CHUNK_ROWS`` rows at a time, built only when the block is
    written, so one block's slice is held at once."""
    from screener.store.columns import FAILURES_BLOCK

    tables = {}
    for block, cols in checked.blocks.items():
        if block not in BLOCKS or (checked.dated and block == "statements"):
            continue
        tables[block] = functools.partial(_block_tables, block, cols, checked, kept, first,
                                          sids)
    if any(i in failures for i in kept.tolist()):
        tables[FAILURES_BLOCK] = functools.partial(_failure_table, checked, kept, first,
                                                   failures, sids)
    return tables


CHUNK_ROWS = 4096  # rows of a block built and written at once (one Parquet row group)


def _block_tables(block: str, cols: dict[str, np.ndarray], checked, kept: np.ndarray,
                  first: np.ndarray, sids: np.ndarray):
    """The block's rows, ``CHUNK_ROWS`` at a time: each ticker's first kept row for the
    one-record blocks, every kept row (in file order within the ticker) for the others."""
    if block in fj.SINGLE:
        rows, sid, seq = first, sids, np.zeros(len(first), dtype="int64")
    else:
        codes = pd.factorize(checked.tickers[kept])[0]
        order = np.argsort(codes, kind="stable")
        rows, own = kept[order], codes[order]
        del codes, order
        sid, seq = sids[own], np.arange(len(own)) - np.searchsorted(own, own)
        del own
    for start in range(0, len(rows), CHUNK_ROWS):
        part = slice(start, start + CHUNK_ROWS)
        yield _block_table(block, cols, rows[part], sid[part], seq[part])


def _failure_table(checked, kept: np.ndarray, first: np.ndarray,
                   failures: dict[int, list[dict[str, Any]]], sids: np.ndarray):
    from screener.store.columns import FAILURES_BLOCK, SEP, table_from_frame

    fails = []
    position = dict(zip(checked.tickers[first].tolist(), range(len(first)), strict=True))
    seen: dict[int, int] = {}
    for i in kept.tolist():
        for f in failures.get(i, ()):
            k = position[checked.tickers[i]]
            fails.append({"_sid": sids[k], "_seq": seen.get(k, 0),
                          "_cols": SEP.join(sorted(f)), **f})
            seen[k] = seen.get(k, 0) + 1
    return table_from_frame(FAILURES_BLOCK, pd.DataFrame(fails))


def _block_table(block: str, cols: dict[str, np.ndarray], rows: np.ndarray, sid: np.ndarray,
                 seq: np.ndarray):
    """The rows of one block as ``store.columns.table_from_frame`` builds them from the
    parsed records (same schema, same values), straight from the arrays: numbers stay
    float64 (empty: null), fiscal years int64, dates date32, text strings; ``_cols`` (the
    same sorted key list on every row) one dictionary entry; the fields left out share one
    zeroed buffer of nulls."""
    import pyarrow as pa

    from screener.store.columns import SEP, _nulls, block_schema, table_from_frame

    keys = sorted(cols)
    schema = block_schema(block)
    n = len(rows)
    if not set(keys) <= set(schema.names):  # a key the schema lacks: the general path
        frame = pd.DataFrame({"_sid": sid, "_seq": seq,
                              **{k: fj.rows_of(k, cols[k], rows) for k in keys}})
        frame["_cols"] = SEP.join(keys)
        return table_from_frame(block, frame)
    zeros = pa.py_buffer(np.zeros((n + 1) * 8, dtype=np.uint8))
    arrays = []
    for field in schema:
        name, kind = field.name, field.type
        if name == "_sid":
            arrays.append(pa.array(np.asarray(sid, dtype="int64")))
        elif name == "_seq":
            arrays.append(pa.array(np.asarray(seq, dtype="int64")))
        elif name == "_cols":
            arrays.append(pa.DictionaryArray.from_arrays(
                pa.array(np.zeros(n, dtype="int32")), pa.array([SEP.join(keys)])))
        elif name not in cols:
            arrays.append(_nulls(n, kind, zeros))
        else:
            values = fj.rows_of(name, cols[name], rows)
            if kind == pa.date32():
                values = values.astype("datetime64[D]")
            elif kind == pa.float64():
                values = values.astype("float64")
            arrays.append(pa.array(values, type=kind, from_pandas=True))
    # _cols stays one dictionary entry (from_arrays would cast it to text, row by row)
    at = schema.get_field_index("_cols")
    schema = schema.set(at, pa.field("_cols", pa.dictionary(pa.int32(), pa.string())))
    return pa.Table.from_arrays(arrays, schema=schema)
