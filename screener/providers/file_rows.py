"""A user's file checked as whole columns: the rows of ``file.import_file`` kept as arrays.

``check_rows`` reads every mapped column once (``file_cells``) and returns a ``Checked``: per
block, per field, one array over every row of the file (float64 numbers with NaN for empty,
object arrays of text or None, datetime64[D] dates with NaT), the tickers and fiscal years, the
rows rejected with their problems and the cells left empty with theirs. ``keep_rows`` drops
duplicates (identical rows keep the first, conflicting rows are all rejected); ``file_journal``
turns the kept rows into the bundle's blocks and the journal's payloads. Nothing is built row
by row except the messages of the (few) rows and cells that have a problem.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from screener.providers import file_cells as fc
from screener.providers.file import CELL, ROW, _number_column, to_number
from screener.providers.file_mapping import FileMapping
from screener.raw.schema import BLOCKS, TICKER_PATTERN


@dataclass
class Checked:
    lines: np.ndarray                      # spreadsheet line of each row
    tickers: np.ndarray                    # object: normalised ticker or None
    fys: np.ndarray                        # float64: fiscal year, NaN when none
    ok: np.ndarray                         # bool: the row is placeable (no row problem)
    blocks: dict[str, dict[str, np.ndarray]]  # block -> field -> values (record key order)
    row_bad: dict[int, list[dict[str, Any]]]  # row position -> its problems (in order)
    cells: list[tuple[int, int, dict[str, Any]]]  # (row, column order, invalid cell)
    dated: bool = False
    keep: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # after duplicates


def _tickers(col: pd.Series, normalise, problem) -> tuple[np.ndarray, np.ndarray]:
    """(normalised ticker or None, its problem or None) per cell. Plain spellings (``ABC``,
    ``ABC US Equity``) are read for the whole column at once; any other, once per distinct
    value with the one-cell rules (``file.normalise_ticker``, ``file._ticker_problem``)."""
    import pyarrow.compute as pc

    from screener.universe import tickers as tk

    n = len(col)
    tickers = np.full(n, None, dtype=object)
    whys = np.full(n, None, dtype=object)
    fast = np.zeros(n, dtype=bool)
    if fc.is_text(col):
        arr = fc.arrow(col)
        base = pc.replace_substring_regex(pc.utf8_upper(arr), r" US EQUITY$", "")
        special = sorted({*tk.CONCATENATED_CLASSES, *tk._BLANK, "NAN", "<NA>"})
        fast = pc.and_(pc.match_substring_regex(arr, r"^[A-Za-z0-9]{1,15}( US Equity)?$"),
                       pc.invert(pc.is_in(base, value_set=pa_array(special))))
        fast = pc.and_(fast, pc.match_substring_regex(base, TICKER_PATTERN))
        fast = fast.to_numpy(zero_copy_only=False)
        tickers[fast] = fc.shared_strings(base.filter(fast))
    rest = np.flatnonzero(~fast)
    if len(rest):
        values = cells(col, rest)
        seen: dict = {}
        for j, v in zip(rest.tolist(), values, strict=True):
            try:
                t, why = seen[v]
            except KeyError:
                t = normalise(v)
                why = problem(v, t)
                seen[v] = t, why
            except TypeError:  # an unhashable cell
                t = normalise(v)
                why = problem(v, t)
            tickers[j], whys[j] = t, why
    return tickers, whys


def cells(col: pd.Series, rows: np.ndarray) -> list:
    """The cells at positions ``rows`` as Python values (only those are converted)."""
    return col.iloc[rows].tolist()


def pa_array(values):
    import pyarrow as pa

    return pa.array(values, type=pa.large_string())


def check_rows(frame: pd.DataFrame, header: dict[str, str], mapping: FileMapping,
               first_line: int, as_of: date, normalise, problem) -> Checked:
    """Every mapped column read and checked once (see the module docstring). The frame is
    consumed: each column is dropped from it once read for the last time."""
    n = len(frame)
    bounds = {b: BLOCKS[b].bounds() for b in BLOCKS}
    row_bad: dict[int, list[dict[str, Any]]] = {}

    def bad(i: int, entry: dict[str, Any]) -> None:
        row_bad.setdefault(int(i), []).append(entry)

    uses: dict[str, int] = {}
    for name in [mapping.ticker, mapping.fiscal_year, *mapping.columns, mapping.period,
                 mapping.filed_column if mapping.period else None]:
        if name:
            uses[header[name]] = uses.get(header[name], 0) + 1

    def take(name: str) -> pd.Series:
        h = header[name]
        col = frame[h]
        uses[h] -= 1
        if not uses[h]:
            del frame[h]
        return col

    ticker_col = take(mapping.ticker)
    tickers, whys = _tickers(ticker_col, normalise, problem)
    wrong = np.flatnonzero(pd.notna(whys))  # None: nothing wrong
    if len(wrong):
        for i, value in zip(wrong, cells(ticker_col, wrong), strict=True):
            why = whys[i]
            bad(i, {"column": mapping.ticker, "value": value,
                    "reason": "missing or malformed ticker" if why == "no ticker"
                    else f"missing or malformed ticker ({why})"})
    fys = np.full(n, np.nan)
    if mapping.fiscal_year:
        col = take(mapping.fiscal_year)
        values, ok = fc.number_cells(col, to_number)
        with np.errstate(invalid="ignore"):
            good = ok & (np.isnan(values) | ((values >= 1990) & (values <= 2100)
                                             & (values == np.floor(values))))
        wrong = np.flatnonzero(~good)
        for i, value in zip(wrong, cells(col, wrong), strict=True):
            bad(i, {"column": mapping.fiscal_year, "value": value,
                    "reason": "not a fiscal year (1990-2100)"})
        fys = np.where(good, values, np.nan)
    blocks: dict[str, dict[str, np.ndarray]] = {}
    invalid: list[tuple[int, int, dict[str, Any]]] = []
    for order, (col, target) in enumerate(mapping.columns.items()):
        block, name = target.split(".", 1)
        series = take(col)
        out = blocks.setdefault(block, {"ticker": tickers})
        if name in BLOCKS[block].text_fields:
            out[name] = fc.text_array(series)
        elif name in BLOCKS[block].date_fields:
            out[name] = fc.date_array(series)
        else:
            values, ok = fc.number_cells(series, to_number)
            num, reasons = _number_column(values, ok, mapping, col, block, name, bounds)
            if reasons:
                raw = cells(series, np.array([i for i, _ in reasons], dtype=int))
                invalid += [(i, order, {"column": col, "value": v, "reason": reason,
                                        "block": block})
                            for (i, reason), v in zip(reasons, raw, strict=True)]
            out[name] = num
    dated = None
    if mapping.period:
        dated = _period_and_filed(take(mapping.period), take(mapping.filed_column), mapping,
                                  bad)
    has_statements = "statements" in blocks or bool(mapping.period)
    if has_statements and mapping.fiscal_year:
        for i in np.flatnonzero(np.isnan(fys)):
            if int(i) not in row_bad:
                bad(i, {"column": mapping.fiscal_year, "value": None,
                        "reason": "fiscal year missing for statement values"})
    if "statements" in blocks or dated is not None:
        st = blocks.setdefault("statements", {})  # dated rows without statement fields
        if dated is not None:
            st["period_end"], st["_filed"] = dated
        st["fiscal_year"] = fys  # whole years or NaN: see ``rows_of``
    for block in ("estimates", "market", "ladder"):
        if block in blocks and "as_of" not in blocks[block]:
            blocks[block]["as_of"] = np.broadcast_to(np.datetime64(as_of, "D"), n)  # no copy
    ok = np.ones(n, dtype=bool)
    if row_bad:
        ok[list(row_bad)] = False
    return Checked(np.arange(n) + first_line, tickers, fys, ok, blocks, row_bad, invalid,
                   dated is not None)


def rows_of(name: str, values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``values`` of ``rows`` as the records held them: ``fiscal_year`` is an int (int64 when
    every row has one, else objects, None for none)."""
    part = values[rows]
    if name != "fiscal_year":
        return part
    if not np.isnan(part).any():
        return part.astype("int64")
    return np.array([None if np.isnan(v) else int(v) for v in part.tolist()], dtype=object)


def _period_and_filed(period_col, filed_col, mapping, bad) -> tuple[np.ndarray, np.ndarray]:
    """Period end and filing date per row; a row without either, or filed before its period
    ended, is rejected (``file_facts.row_dates``, for the whole column)."""
    from screener.providers.file_facts import one_date  # a dated row's cell on its own

    end, filed = fc.date_array(period_col, one_date), fc.date_array(filed_col, one_date)
    no_end, no_filed = np.isnat(end), np.isnat(filed)
    early = ~no_end & ~no_filed & (filed < end)
    if (no_end | no_filed | early).any():
        wrong = np.flatnonzero(no_end | no_filed | early)
        raw_end = dict(zip(wrong.tolist(), cells(period_col, wrong), strict=True))
        raw_filed = dict(zip(wrong.tolist(), cells(filed_col, wrong), strict=True))
        for i in wrong.tolist():
            if no_end[i]:
                bad(i, {"column": mapping.period, "value": raw_end[i],
                        "reason": "not a date (the period end, e.g. 2024-03-31)"})
            if no_filed[i]:
                bad(i, {"column": mapping.filed_column, "value": raw_filed[i],
                        "reason": "not a date (the filing or publication date)"})
            if early[i]:
                bad(i, {"column": mapping.filed_column, "value": raw_filed[i],
                        "reason": f"filed before the period ended ({end[i]})"})
    return end, filed


def _comparable(values: np.ndarray, rows: np.ndarray) -> list:
    """Cells of ``rows`` as Python values compared as the old records were (NaN/NaT: None)."""
    part = values[rows]
    if part.dtype.kind == "f":
        return [None if math.isnan(v) else v for v in part.tolist()]
    if part.dtype.kind == "M":
        return [None if np.isnat(v) else v for v in part]
    return part.tolist()


def keep_rows(checked: Checked, mapping: FileMapping) -> list[dict[str, Any]]:
    """Set ``checked.keep`` (placeable rows that are no duplicate) and return the duplicates'
    rejections. Same ticker (and fiscal year, or period and filing date) twice: identical
    rows keep the first, conflicting rows are all rejected (which one is right is the user's
    call). Rows are compared on their values, not on where their invalid cells were found."""
    ok = np.flatnonzero(checked.ok)
    st = checked.blocks.get("statements")
    keys = {"ticker": pd.factorize(checked.tickers[ok])[0]}  # numbers, not text, hashed
    if checked.dated:
        keys["end"] = st["period_end"][ok].astype("int64")  # NaT: one number, as None was
        keys["filed"] = st["_filed"][ok].astype("int64")
    elif st is not None:
        keys["fy"] = checked.fys[ok]
    twice = ok[pd.DataFrame(keys).duplicated(keep=False).to_numpy(bool)]
    checked.keep = checked.ok.copy()
    rejected: list[dict[str, Any]] = []
    if not len(twice):
        return rejected
    columns = [v for cols in checked.blocks.values() for v in cols.values()]
    values = list(zip(*(_comparable(v, twice) for v in columns), strict=True))
    groups: dict[tuple, list[int]] = {}
    for j, i in enumerate(twice.tolist()):
        key = tuple(_comparable(k, np.array([i]))[0] for k in _key_columns(checked))
        groups.setdefault(key, []).append(j)
    for idx in groups.values():
        lines = [int(checked.lines[twice[j]]) for j in idx]
        same = all(values[j] == values[idx[0]] for j in idx)
        for j in (idx[1:] if same else idx):
            i = int(twice[j])
            checked.keep[i] = False
            reason = (f"duplicate of row {lines[0]}" if same
                      else f"conflicting rows {', '.join(map(str, lines))} for the same "
                           f"ticker{_dup_key(mapping)}")
            rejected.append({"row": int(checked.lines[i]), "ticker": checked.tickers[i],
                             "column": mapping.ticker, "value": checked.tickers[i],
                             "reason": reason, "action": ROW})
    return rejected


def _key_columns(checked: Checked) -> list[np.ndarray]:
    st = checked.blocks.get("statements")
    if checked.dated:
        return [checked.tickers, st["period_end"], st["_filed"]]
    return [checked.tickers, checked.fys] if st is not None else [checked.tickers]


def _dup_key(mapping: FileMapping) -> str:
    if mapping.period:
        return ", period and filing date"
    return " and fiscal year" if mapping.fiscal_year else ""


def rejections(checked: Checked, path: Path) -> tuple[list[dict[str, Any]], dict[int, list]]:
    """The rows rejected and the cells left empty (in file order: a row's problems, or its
    invalid cells in the mapping's column order), and per accepted row its failures."""
    out: list[tuple[int, int, dict[str, Any]]] = []
    for i, problems in checked.row_bad.items():
        out += [(i, k, {"row": int(checked.lines[i]), "ticker": checked.tickers[i], **b,
                        "action": ROW}) for k, b in enumerate(problems)]
    failures: dict[int, list[dict[str, Any]]] = {}
    for i, order, c in checked.cells:
        if not checked.ok[i]:
            continue
        line, ticker = int(checked.lines[i]), checked.tickers[i]
        out.append((i, order, {"row": line, "ticker": ticker, "action": CELL,
                               **{k: v for k, v in c.items() if k != "block"}}))
        fy = checked.fys[i]
        fy_text = f" FY{int(fy)}" if not np.isnan(fy) else ""
        failures.setdefault(i, []).append((order, {
            "ticker": ticker, "source": "validation", "dataset": c["block"],
            "reason": f"{c['column']}={c['value']!r} ({path.name} row {line}{fy_text}): "
                      f"{c['reason']}; left empty, the rest of the row is used",
            "attempts": 1, "transient": False}))
    out.sort(key=lambda e: e[:2])
    return [e[2] for e in out], {i: [f for _, f in sorted(fs, key=lambda x: x[0])]
                                 for i, fs in failures.items()}
