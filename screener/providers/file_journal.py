"""The kept rows of an import (``file_rows.Checked``) -> the bundle's blocks and the journal.

Both are built from whole columns:

- ``bundle_blocks``: one frame per block, as ``raw.bundle.block_from_records`` builds it from
  the records (same columns in the same order, same dtypes, sorted by the block's index):
  identity, ladder, estimates and market hold the first kept row of each ticker, statements
  every kept row;
- ``payloads``: per ticker the JSON document ``{block: [records]}`` the store keeps (source
  ``file``, dataset ``records``) and ``FileProvider.parse`` reads back, byte for byte what
  ``json.dumps(doc, sort_keys=True)`` writes for the same records (dates as ISO text), with
  the ticker's invalid cells as ``_failures``.
"""

from __future__ import annotations

import json
import math
from json.encoder import encode_basestring_ascii as _quote
from typing import Any

import numpy as np
import pandas as pd

from screener.providers.file_rows import rows_of
from screener.raw.bundle import Failure, RawBundle
from screener.raw.schema import BLOCKS, SOURCE_COLUMN

SINGLE = ("identity", "ladder", "estimates", "market")  # one record per ticker: the first
FAILURES = "_failures"


def selection(checked) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(kept rows, the first kept row of each ticker, tickers in order of first kept row)."""
    kept = np.flatnonzero(checked.keep)
    codes = pd.factorize(checked.tickers[kept])[0]  # numbered in order of first kept row
    first = kept[np.unique(codes, return_index=True)[1]]
    return kept, first, checked.tickers[first].tolist()


def bundle_blocks(checked, kept: np.ndarray, first: np.ndarray, source: str,
                  failures: dict[int, list[dict[str, Any]]]) -> RawBundle:
    """The bundle of the kept rows (see the module docstring)."""
    frames = {}
    for block, cols in checked.blocks.items():
        if block not in BLOCKS or (block == "statements" and checked.dated):
            continue  # dated statements go to the history's facts, not the bundle
        rows = kept if block == "statements" else first
        if not len(rows):
            continue
        frames[block] = _block_frame(block, cols, rows, source)
    order = {t: k for k, t in enumerate(checked.tickers[first].tolist())}
    fails = sorted((order[checked.tickers[i]], int(i)) for i in failures if checked.keep[i])
    return RawBundle(**frames, failures=[Failure(**f) for _, i in fails for f in failures[i]])


def _block_frame(block: str, cols: dict[str, np.ndarray], rows: np.ndarray,
                 source: str) -> pd.DataFrame:
    spec = BLOCKS[block]
    data: dict[str, Any] = {}
    for name, values in cols.items():
        part = rows_of(name, values, rows)
        if part.dtype.kind == "M":
            part = pd.to_datetime(part.astype("datetime64[s]"))
        data[name] = part
    if block != "identity":
        data[SOURCE_COLUMN] = np.full(len(rows), source, dtype=object)
    frame = pd.DataFrame(data)
    for f in spec.numeric_fields:
        if f not in frame:
            frame[f] = np.nan
    for f in spec.date_fields:
        if f not in frame:
            frame[f] = pd.NaT
        elif frame[f].dtype.kind != "M":
            frame[f] = pd.to_datetime(frame[f], errors="coerce")
    for f in spec.text_fields:
        if f not in frame:
            frame[f] = None
    return frame.set_index(list(spec.index)).sort_index()


# -- the journal ----------------------------------------------------------------------------
def _json_column(values: np.ndarray, key: str = "") -> list[str]:
    """Each cell as ``json.dumps`` writes it (None/NaN/NaT: null; dates: ISO text), after
    ``key`` (``'"key": '``) when given: one formatting pass per column."""
    head = (f"{_quote(key)}: " if key else "").replace("%", "%%")
    kind = values.dtype.kind
    if kind == "f":
        out = list(map(f"{head}%r".__mod__, values.tolist()))  # %r: float.__repr__
        for i in np.flatnonzero(~np.isfinite(values)).tolist():
            out[i] = head + _float(values[i])
        return out
    if kind in "iu":
        return list(map(f"{head}%d".__mod__, values.tolist()))
    if kind == "M":
        day = values.astype("datetime64[D]")
        out = list(map(f'{head}"%s"'.__mod__, np.datetime_as_string(day, unit="D").tolist()))
        for i in np.flatnonzero(np.isnat(day)).tolist():
            out[i] = head + "null"
        return out
    empty = pd.isna(values)
    try:  # text (or None) only: quoted in one pass
        out = list(map(f"{head}%s".__mod__, map(_quote, np.where(empty, "", values).tolist())))
    except TypeError:
        return [head + _value(v) for v in values.tolist()]
    for i in np.flatnonzero(empty).tolist():
        out[i] = head + _value(values[i])
    return out


def _float(v: float) -> str:
    if math.isnan(v):
        return "null"  # an empty cell (the records held None)
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return float.__repr__(v)


def _value(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, str):
        return _quote(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return _float(v) if not math.isnan(v) else "NaN"
    import json

    return json.dumps(v, default=lambda d: d.isoformat(), sort_keys=True)


class _Json(str):
    """A cell already written as JSON text: ``%r`` writes it as it is."""

    __slots__ = ()

    def __repr__(self) -> str:
        return str.__str__(self)


def _cells(values: np.ndarray) -> tuple[str, list]:
    """(format, cells) of one column for ``_records``' row template: floats and ints as
    Python numbers (``%r`` is ``float.__repr__``, as ``json.dumps`` writes them; empty and
    infinite cells as their JSON text), anything else as JSON text already (``%s``)."""
    kind = values.dtype.kind
    if kind == "f":
        out = values.tolist()
        for i in np.flatnonzero(~np.isfinite(values)).tolist():
            out[i] = _Json(_float(out[i]))
        return "%r", out
    if kind in "iu":
        return "%d", values.tolist()
    if kind == "M":
        day = values.astype("datetime64[D]")
        if not np.isnat(day).any():  # ISO days, quoted by the template
            return '"%s"', np.datetime_as_string(day, unit="D").tolist()
    return "%s", _json_column(values)


def _records(cols: dict[str, np.ndarray], rows: np.ndarray) -> list[str]:
    """One JSON object per row, keys sorted: one row template filled per row."""
    keys = sorted(cols)
    if not keys:
        return ["{}"] * len(rows)
    formats, cells = zip(*(_cells(rows_of(k, cols[k], rows)) for k in keys), strict=True)
    fields = ", ".join(f"{_quote(k).replace('%', '%%')}: {f}"
                       for k, f in zip(keys, formats, strict=True))
    template = "{" + fields + "}"
    return list(map(template.__mod__, zip(*cells, strict=True)))


def _failure(f: dict[str, Any]) -> str:
    # the C encoder: for these values (text, numbers, booleans, None), _value's text
    return json.dumps(f, sort_keys=True, default=lambda d: d.isoformat())


def payloads(checked, kept: np.ndarray, first: np.ndarray,
             failures: dict[int, list[dict[str, Any]]], chunk: int = 100):
    """(ticker, journal document) in order of each ticker's first kept row (see the module
    docstring), ``chunk`` tickers at a time, so only one chunk's text is held at once."""
    tickers = checked.tickers
    codes = pd.factorize(tickers[kept])[0]  # tickers numbered in order of first kept row
    by_ticker = np.argsort(codes, kind="stable")  # each ticker's rows together, in file order
    kept, codes = kept[by_ticker], codes[by_ticker]
    del by_ticker
    blocks = sorted(b for b in checked.blocks if not (checked.dated and b == "statements"))
    template = ", ".join(f"{_quote(b).replace('%', '%%')}: [%s]" for b in blocks)
    for start in range(0, len(first), chunk):
        heads = first[start:start + chunk]
        a, b = np.searchsorted(codes, [start, start + chunk])
        rows, own = kept[a:b], codes[a:b] - start
        ends = np.searchsorted(own, np.arange(1, len(heads) + 1))
        bounds = list(zip([0, *ends[:-1].tolist()], ends.tolist(), strict=True))
        parts = []  # per block, its records' text per ticker
        for block in blocks:
            cols = checked.blocks[block]
            if block in SINGLE:
                parts.append(_records(cols, heads))
            else:  # every kept row of the ticker, in file order
                text = _records(cols, rows)
                parts.append([", ".join(text[a:b]) for a, b in bounds])
        docs = list(map(template.__mod__, zip(*parts, strict=True))) if parts \
            else [""] * len(heads)
        fails: dict[int, list[str]] = {}
        for i, k in zip(rows.tolist(), own.tolist(), strict=True):  # file order per name
            if i in failures:
                fails.setdefault(k, []).extend(_failure(f) for f in failures[i])
        for k, recs in fails.items():  # "_failures" sorts before every block
            head = f"{_quote(FAILURES)}: [{', '.join(recs)}]"
            docs[k] = f"{head}, {docs[k]}" if docs[k] else head
        for t, doc in zip(tickers[heads].tolist(), docs, strict=True):
            if doc:
                yield t, ("{" + doc + "}").encode("utf-8")
