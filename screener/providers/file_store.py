"""An import's kept rows into the store: the journal, and the parsed columns beside it.

The journal keeps the import itself, not a document per name built from it:

- the user's file, byte for byte (source ``file``, dataset ``upload``, name
  ``_FILE-<first 16 hex digits of its sha256, upper case>``, so ``screener store history``
  finds it; its sha256 is the file's, as ``sha256sum`` gives it), and the mapping's text
  (dataset ``mapping``, ``_MAPPING-<...>``), each stored once however often imported;
- per name a small reference (dataset ``records``, the as-of date of the import), the JSON
  ``{"as_of", "file", "import": "file-1", "lines", "mapping", "name"}``: which file and
  mapping, as of which date, the file's name then, and the spreadsheet lines kept for it.

``FileProvider.parse`` reads a reference by importing the stored file again with the stored
mapping as of that date (once per file: ``document``) and taking the name's rows, the
document ``file_journal.payloads`` writes, which is what the journal held before references
(those payloads still parse). The same rows are already in columns, so the import also
writes them straight into the store's parsed columns (``store.columns``), exactly as a load
would have parsed them: the first run after an import reads columns. When the columns cannot
be written (a read-only folder), nothing is lost: the next load parses the references.

Why: building and compressing a JSON document per name was two thirds of the import (1.0 of
1.6 s at 10,000 names); the file compressed once and the references (zlib stored blocks, no
deflate per name) cost a fifth of that, and the journal now holds what the user gave, which
is what an audit wants (bench/RESULTS.md, "fetch --from-file", third pass).

Memory: a CSV is compressed (zlib level 1, ``JOURNAL_LEVEL``) as read_csv reads it, so its
bytes are never all held; the compressed file is let go once it is in the journal, before the
columns. Each block is built and written ``CHUNK_ROWS`` rows at a time (one Parquet row group
each), so what the import holds on top of its checked columns is one slice of one block.
"""

from __future__ import annotations

import functools
import io
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from json.encoder import encode_basestring_ascii as _quote
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from screener.providers import file_journal as fj
from screener.raw.schema import BLOCKS

SOURCE, DATASET = "file", "records"
UPLOAD, MAPPING = "upload", "mapping"  # datasets of the stored file and mapping
FORMAT = "file-1"  # the "import" key of a reference
FAILURE_KEYS = ("ticker", "source", "dataset", "reason", "attempts", "transient")
# zlib level of an import's file: a fifth faster than the store's 6, ~9 % larger
JOURNAL_LEVEL = 1
KEPT_IMPORTS = 4  # stored files held read again by one provider (see ``document``)


@dataclass
class Upload:
    """The file and mapping of an import, compressed for the journal (``Packed``)."""

    name: str
    file: Any
    mapping: Any


def kept_name(dataset: str, sha256: str) -> str:
    """The journal's name for a stored file or mapping (private: ``_`` first)."""
    return f"_{'FILE' if dataset == UPLOAD else 'MAPPING'}-{sha256[:16].upper()}"


def read_upload(path: Path, mapping_path):
    """(``Upload``, mapping, table) of an import. What is stored is what was parsed: a CSV
    is compressed (and its sha256 taken) as the parser reads it, in one pass, so its bytes
    are never all held; other files are parsed from the bytes they were read as."""
    from screener.errors import InputDataError, Location, Problem
    from screener.fsutil import MB, UnreadableFile, open_bounded, read_bounded
    from screener.providers.file import _parse
    from screener.providers.file_mapping import read_mapping
    from screener.store.packed import Packed

    mapping, text = read_mapping(mapping_path)
    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".txt"):
            with open_bounded(path, 256 * MB, "data file") as fh:
                kept = _Kept(fh)
                frame = _parse(path, suffix, io.BufferedReader(kept), mapping.sheet)
                packed = kept.packed()
        else:
            data = read_bounded(path, 256 * MB, "data file")
            packed = Packed.of(data, JOURNAL_LEVEL)
            frame = _parse(path, suffix, io.BytesIO(data), mapping.sheet)
            del data
    except UnreadableFile as exc:
        raise InputDataError([Problem(Location(str(path)), exc.reason,
                                      "Check the path given to --from-file.")]) from None
    upload = Upload(path.name, packed, Packed.of(text.encode("utf-8"), JOURNAL_LEVEL))
    return upload, mapping, frame


class _Kept(io.RawIOBase):
    """A stream compressed (zlib, ``JOURNAL_LEVEL``) and hashed as it is read."""

    def __init__(self, raw):
        import hashlib
        import zlib

        self._raw, self._sha = raw, hashlib.sha256()
        self._zlib, self._parts = zlib.compressobj(JOURNAL_LEVEL), []

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self._raw.readinto(buffer)
        if n:
            chunk = memoryview(buffer)[:n]
            self._sha.update(chunk)
            self._parts.append(self._zlib.compress(chunk))
        return n

    def packed(self):
        """``Packed`` of the whole stream (what the reader left unread is read first)."""
        from screener.store.packed import Packed

        while self.read(1 << 20):
            pass
        blob = b"".join([*self._parts, self._zlib.flush()])
        self._parts = []
        return Packed(blob, self._sha.hexdigest())


def store_import(store, upload: Upload, checked, kept: np.ndarray, first: np.ndarray,
                 failures: dict[int, list[dict[str, Any]]], as_of: date) -> int:
    """Write the journal (one transaction: the file and mapping unless stored already, a
    reference per name) and the parsed columns; the names stored."""
    from screener.store.db import _now

    names = _named(checked, kept, first, failures)
    if not names:  # nothing to keep for any name: the journal is left as it is
        return 0
    at = _now()
    kept_files = []
    for dataset, packed in ((UPLOAD, upload.file), (MAPPING, upload.mapping)):
        name = kept_name(dataset, packed.sha256)
        if not any(r["dataset"] == dataset and r["sha256"] == packed.sha256
                   for r in store.catalog(name)):
            kept_files.append((SOURCE, dataset, name, as_of, packed))
    day = as_of.isoformat()

    def journal(files):  # one reference at a time: they are never all held
        yield from files
        for t, ref in zip(names, references(checked, kept, first, names, upload, day),
                          strict=True):
            yield SOURCE, DATASET, t, as_of, ref

    store.put_many(journal(kept_files), at, level=JOURNAL_LEVEL)
    kept_files.clear()
    upload.file = upload.mapping = None  # in the journal now: let go before the columns
    _columns(store, checked, kept, first, failures, day, at.isoformat(), names)
    return len(names)


def _named(checked, kept: np.ndarray, first: np.ndarray,
           failures: dict[int, list[dict[str, Any]]]) -> list[str]:
    """The names with something to keep (as ``file_journal.payloads`` yields them): every
    kept name when a block is mapped, else the names with invalid cells."""
    tickers = checked.tickers[first].tolist()
    if any(not (checked.dated and b == "statements") for b in checked.blocks):
        return tickers
    failing = {checked.tickers[i] for i in kept.tolist() if i in failures}
    return [t for t in tickers if t in failing]


def references(checked, kept: np.ndarray, first: np.ndarray, names: list[str],
               upload: Upload, day: str) -> Iterator:
    """Per name of ``names`` (in order of first kept row) its reference (see the module
    docstring), keys sorted as ``json.dumps(..., sort_keys=True)`` writes them, packed for
    ``put_many`` (``Packed.stored``: a reference is a few hundred bytes)."""
    from screener.store.packed import Packed

    codes = pd.factorize(checked.tickers[kept])[0]
    order = np.argsort(codes, kind="stable")  # each name's rows together, in file order
    own = codes[order]
    lines = list(map(str, checked.lines[kept[order]].tolist()))
    ends = np.searchsorted(own, np.arange(1, len(first) + 1)).tolist()
    position = dict(zip(checked.tickers[first].tolist(), range(len(first)), strict=True))
    head = (f'{{"as_of": "{day}", "file": "{upload.file.sha256}", "import": "{FORMAT}", '
            '"lines": [')
    tail = f'], "mapping": "{upload.mapping.sha256}", "name": {_quote(upload.name)}}}'
    for t in names:
        k = position[t]
        yield Packed.stored((head + ", ".join(lines[ends[k - 1] if k else 0:ends[k]])
                             + tail).encode("utf-8"))


def document(provider, ticker: str, ref: dict[str, Any]) -> bytes:
    """The records document of ``ticker`` a reference stands for (what the journal held
    before references: ``file_journal.payloads``): the stored file imported again with the
    stored mapping as of the reference's date. The last ``KEPT_IMPORTS`` files read stay
    with ``provider``, so a load reads each once."""
    from screener.providers.file import import_again
    from screener.providers.file_mapping import mapping_from_text

    key = (ref["file"], ref["mapping"], ref["as_of"], ref["name"])
    kept: OrderedDict = provider.__dict__.setdefault("_documents", OrderedDict())
    if key not in kept:
        store = provider._store
        if store is None:
            raise ValueError(f"{ticker} refers to the imported file {ref['name']}: read it "
                             "with its store (FileProvider.use_store)")
        data = _stored(store, UPLOAD, ref["file"], ref["name"])
        text = _stored(store, MAPPING, ref["mapping"], f"the mapping of {ref['name']}")
        mapping = mapping_from_text(text.decode("utf-8"), f"the mapping of {ref['name']} "
                                                          "(kept in the store)")
        checked, rows, first, failures = import_again(
            data, ref["name"], mapping, date.fromisoformat(ref["as_of"]))
        del data
        kept[key] = dict(fj.payloads(checked, rows, first, failures))
        while len(kept) > KEPT_IMPORTS:
            kept.popitem(last=False)
    kept.move_to_end(key)
    return kept[key].get(ticker, b"{}")


def records_document(store, snapshot) -> bytes:
    """The records document a ``records`` snapshot of ``store`` holds: its payload, or the
    document its reference stands for (for ``store`` commands and audits)."""
    import json

    from screener.providers.file import REFERENCE, FileProvider

    doc = json.loads(snapshot.payload)
    if not (isinstance(doc, dict) and REFERENCE in doc):
        return snapshot.payload
    provider = FileProvider()
    provider.use_store(store)
    return document(provider, snapshot.ticker, doc)


def _stored(store, dataset: str, sha256: str, what: str) -> bytes:
    snap = store.latest(SOURCE, dataset, kept_name(dataset, sha256))
    if snap is None or snap.sha256 != sha256:
        raise ValueError(f"{what} ({sha256[:12]}) is no longer in the store (damaged or "
                         "removed); import the file again with screener fetch --from-file")
    return snap.payload


def _columns(store, checked, kept, first, failures, as_of: str, fetched_at: str,
             names: list[str]) -> None:
    import pyarrow as pa

    from screener.providers.file import FileProvider
    from screener.store.block_tables import parser_version, snapshot_key_column
    from screener.store.bundle import columns_root
    from screener.store.columns import SourceColumns

    n = len(names)
    ticker = pa.array(names, pa.string())
    dataset, as_of_, fetched = (pa.array([v], pa.string()).take(pa.array(np.zeros(n, "int32")))
                                for v in (DATASET, as_of, fetched_at))
    snaps = pa.table({"dataset": dataset, "ticker": ticker, "as_of": as_of_,
                      "fetched_at": fetched,
                      "_key": snapshot_key_column(dataset, ticker, as_of_, fetched)})
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
    from screener.store.block_tables import FAILURES_BLOCK

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
    from screener.store.block_tables import FAILURES_BLOCK, SEP, table_from_frame

    position = dict(zip(checked.tickers[first].tolist(), range(len(first)), strict=True))
    seen: dict[int, int] = {}
    out: dict[str, list] = {"_sid": [], "_seq": [], "_cols": []}
    keys: dict[str, list] = {}  # the failures' own keys, in order of first use
    n = 0
    for i in sorted(i for i in failures if checked.keep[i]):  # kept rows, in file order
        k = position[checked.tickers[i]]
        for f in failures[i]:
            out["_sid"].append(sids[k])
            out["_seq"].append(seen.get(k, 0))
            out["_cols"].append(SEP.join(sorted(f)))
            seen[k] = seen.get(k, 0) + 1
            for key, value in f.items():
                if key not in keys:
                    keys[key] = [None] * n
                keys[key].append(value)
            n += 1
            for values in keys.values():  # a key this failure lacks: empty
                if len(values) < n:
                    values.append(None)
    return table_from_frame(FAILURES_BLOCK, pd.DataFrame({**out, **keys}))


def _block_table(block: str, cols: dict[str, np.ndarray], rows: np.ndarray, sid: np.ndarray,
                 seq: np.ndarray):
    """The rows of one block as ``store.columns.table_from_frame`` builds them from the
    parsed records (same schema, same values), straight from the arrays: numbers stay
    float64 (empty: null), fiscal years int64, dates date32, text strings; ``_cols`` (the
    same sorted key list on every row) one dictionary entry; the fields left out share one
    zeroed buffer of nulls."""
    import pyarrow as pa

    from screener.store.block_tables import SEP, block_schema, null_column, table_from_frame

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
            arrays.append(null_column(n, kind, zeros))
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
