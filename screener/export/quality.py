"""The Data quality table: fetch failures, missing values and the provenance notes, one row
each, built as whole columns (one look-up array per block, no per-row ``.at``).

Rows in this order: the failures (as recorded), the missing values (as recorded), the notes
the metrics stage left (statements, then ladder; per name in the provenance order).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from screener.metrics.catalog import CATALOG
from screener.result import RunResult

DQ_COLUMNS = ["ticker", "name", "issue", "source", "dataset", "detail", "attempts", "as_of"]

# provenance note column -> (dataset, the as-of column beside it)
NOTE_COLUMNS = {"statements_note": ("statements", "statements_as_of"),
                "ladder_note": ("ladder", "ladder_as_of")}


def failure_kind(rec: dict) -> str:
    """How a failure reads to an analyst: stale data, an invalid value, no data, or a failed fetch."""
    reason = str(rec.get("reason") or "").lower()
    if reason.startswith("stale"):
        return "stale data"
    if rec.get("source") == "validation":
        return "invalid value"
    if rec.get("source") == "metrics" or reason.startswith("no "):
        return "no data"
    return "fetch failed"


def _names(result: RunResult) -> dict:
    from screener.export.frames import tickers_of

    return dict(zip(tickers_of(result.eligible), result.eligible.get("name", []), strict=False))


def _column(frame: pd.DataFrame, key: str) -> list:
    """``frame[key]`` as plain Python values (None for every row without the column), as
    ``to_dict("records")`` would give them."""
    if key not in frame:
        return [None] * len(frame)
    return frame[key].tolist()


def _failures(f: pd.DataFrame | None, names: dict) -> dict[str, list]:
    if f is None or not len(f):
        return {c: [] for c in DQ_COLUMNS}
    tickers, sources, reasons = _column(f, "ticker"), _column(f, "source"), _column(f, "reason")
    return {"ticker": tickers, "name": [names.get(t) for t in tickers],
            "issue": [failure_kind({"reason": r, "source": s})
                      for r, s in zip(reasons, sources, strict=True)],
            "source": sources, "dataset": _column(f, "dataset"), "detail": reasons,
            "attempts": _column(f, "attempts"), "as_of": [None] * len(f)}


def _lookup(prov: pd.DataFrame | None, column: str, pos: np.ndarray) -> np.ndarray:
    """prov[column] at row positions ``pos`` (object array as ``to_numpy(dtype=object)`` gives;
    None where the column is absent or the position is -1, a ticker the provenance lacks)."""
    out = np.full(len(pos), None, dtype=object)
    if prov is None or column not in prov:
        return out
    found = pos >= 0
    col = prov[column].take(pos[found])
    if col.dtype.kind == "M" or (col.dtype != object and pd.api.types.is_string_dtype(col)):
        # few distinct dates or sources: box each once (an object per cell costs more)
        codes, uniques = pd.factorize(col, use_na_sentinel=False)
        out[found] = uniques.to_numpy(dtype=object)[codes]
    else:
        out[found] = col.to_numpy(dtype=object)
    return out


def _missing(m: pd.DataFrame | None, prov: pd.DataFrame | None, names: dict) -> dict[str, list]:
    if m is None or not len(m):
        return {c: [] for c in DQ_COLUMNS}
    tickers, metrics, scores = _column(m, "ticker"), _column(m, "metric"), _column(m, "score")
    block_of, label_of = {}, {}
    for metric in set(metrics):
        meta = CATALOG.get(metric)
        block_of[metric] = meta.blocks[0] if meta and meta.blocks else None
        label_of[metric] = meta.label if meta else metric
    blocks = [block_of[x] for x in metrics]
    source = np.full(len(m), None, dtype=object)
    as_of = np.full(len(m), None, dtype=object)
    if prov is not None:
        block_arr = np.array(blocks, dtype=object)
        pos = prov.index.get_indexer(pd.Index(tickers, dtype=object))   # one look-up
        for block in {b for b in blocks if b}:
            rows = np.flatnonzero(block_arr == block)
            source[rows] = _lookup(prov, f"{block}_source", pos[rows])
            as_of[rows] = _lookup(prov, f"{block}_as_of", pos[rows])
    detail = [f"no value for {label_of[x]}" + (f" (needed by score {s})" if s else "")
              for x, s in zip(metrics, scores, strict=True)]
    return {"ticker": tickers, "name": [names.get(t) for t in tickers],
            "issue": ["missing value"] * len(m), "source": list(source), "dataset": blocks,
            "detail": detail, "attempts": [None] * len(m), "as_of": list(as_of)}


def provenance_notes(result: RunResult, names: dict) -> dict[str, list]:
    """One Data quality row per note the metrics stage left in the provenance: values taken
    as 0 by the debt policy ("assumption"), totals that do not match the filing ("check")."""
    out: dict[str, list] = {c: [] for c in DQ_COLUMNS}
    prov = result.provenance
    if prov is None or not len(prov):
        return out
    for col, (dataset, as_of_col) in NOTE_COLUMNS.items():
        if col not in prov:
            continue
        rows = np.flatnonzero((prov[col].fillna("").astype(str) != "").to_numpy())
        texts = prov[col].to_numpy(dtype=object)[rows]
        tickers = prov.index[rows]
        sources = _lookup(prov, f"{dataset}_source", rows)
        as_ofs = _lookup(prov, as_of_col, rows)
        for ticker, text, src, when in zip(tickers, texts, sources, as_ofs, strict=True):
            for note in str(text).split(" | "):
                if not note:
                    continue
                for key, value in zip(DQ_COLUMNS, (
                        ticker, names.get(ticker),
                        "assumption" if "taken as 0" in note else "check", src, dataset, note,
                        None, when), strict=True):
                    out[key].append(value)
    return out


def data_quality(result: RunResult) -> pd.DataFrame:
    """Failures and missing values by ticker and source, with the reason."""
    names = _names(result)
    parts = [_failures(result.failures, names),
             _missing(result.missing, result.provenance, names),
             provenance_notes(result, names)]
    columns = [[v for p in parts for v in p[c]] for c in DQ_COLUMNS]
    # rows as tuples: pandas infers each column's type exactly as from the row records
    # (e.g. attempts 1, 5 and None make a float column)
    return pd.DataFrame(list(zip(*columns, strict=True)), columns=DQ_COLUMNS)
