"""Bring your own data: a CSV/xlsx/parquet export mapped onto the raw input model.

``import_file(path, mapping_path, store=None)`` reads the file, maps its columns (see
``file_mapping``), converts units, flips signs and scales where the mapping says, and checks
every value PER CELL: an invalid cell (text in a numeric column, an impossible value such as a
negative share count or a negative capex the mapping did not flip) becomes missing and the rest
of the row is kept, so a name never silently falls back to an older fiscal year because one
cell of its latest year was bad. Only what makes a row unplaceable rejects it: a malformed
ticker, an invalid fiscal year, conflicting duplicates. Both are listed in
``ImportReport.rejected`` (row, ticker, column, value, reason, action = "row rejected" or
"cell left empty"); emptied cells are also stored as ``validation`` failures of the ticker,
so the run's Data quality sheet lists them.
With a store, the accepted records are stored as one snapshot per ticker (source ``file``,
dataset ``records``, payload = JSON ``{block: [records]}``), which ``FileProvider.parse``
reads back for ``load_bundle``. Row numbers are spreadsheet lines (the header is line 1).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from screener.errors import InputDataError, Location, Problem
from screener.providers.base import Provider, Records
from screener.providers.file_cells import MISSING
from screener.providers.file_mapping import FileMapping, load_mapping
from screener.raw.bundle import Failure, RawBundle, block_from_records
from screener.raw.schema import BLOCKS, SOURCE_COLUMN, TICKER_PATTERN

SOURCE, DATASET = "file", "records"
FAILURES = "_failures"  # invalid cells, stored with the ticker's records (see store.bundle)
REJECT_COLUMNS = ["row", "ticker", "column", "value", "reason", "action"]
ROW, CELL = "row rejected", "cell left empty"
_INDEX = {name: spec.index for name, spec in BLOCKS.items()}


@dataclass
class ImportReport:
    accepted: int
    rejected: pd.DataFrame
    bundle: RawBundle
    file: str = ""
    facts: pd.DataFrame | None = None  # dated statement rows for the history (period/filed)

    @property
    def rows_rejected(self) -> pd.DataFrame:
        return self.rejected[self.rejected["action"] == ROW]

    @property
    def cells_emptied(self) -> pd.DataFrame:
        return self.rejected[self.rejected["action"] == CELL]

    def summary(self) -> str:
        return (f"{self.file}: {self.accepted} row(s) accepted, "
                f"{self.rows_rejected['row'].nunique()} rejected, "
                f"{len(self.cells_emptied)} invalid cell(s) left empty")


def read_table(path: Path, sheet: str | int | None = None) -> pd.DataFrame:
    """The file as text cells (CSV) or native cells (xlsx, parquet); clear error otherwise."""
    import io

    from screener.fsutil import MB, UnreadableFile, read_bounded

    suffix = path.suffix.lower()
    try:  # bounded while reading; devices and pipes refused (/dev/zero never ends)
        data = io.BytesIO(read_bounded(path, 256 * MB, "data file"))
    except UnreadableFile as exc:
        raise InputDataError([Problem(Location(str(path)), exc.reason,
                                      "Check the path given to --from-file.")]) from None
    try:
        if suffix in (".csv", ".txt"):
            frame = pd.read_csv(data, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            if len(frame.columns) == 1 and ";" in str(frame.columns[0]):
                raise InputDataError([Problem(
                    Location(str(path), 1), "the file is separated by ';', not ','",
                    "Export it again as comma-separated CSV (or save it as xlsx).")])
            return frame
        if suffix in (".xlsx", ".xlsm"):
            return pd.read_excel(data, sheet_name=sheet if sheet is not None else 0, dtype=object,
                                 engine="openpyxl")
        if suffix == ".parquet":
            return pd.read_parquet(data)
    except InputDataError:
        raise
    except FileNotFoundError:
        raise InputDataError([Problem(Location(str(path)), "file not found",
                                      "Check the path given to --from-file.")]) from None
    except Exception as exc:  # noqa: BLE001 - any reader failure is a bad input file
        raise InputDataError([Problem(Location(str(path)), f"cannot read the file: {exc}",
                                      "Save it again as CSV (UTF-8), xlsx or parquet.")]) from None
    raise InputDataError([Problem(Location(str(path)), f"unsupported file type {suffix!r}",
                                  "Use .csv, .xlsx or .parquet.")])


def normalise_ticker(value: Any) -> str | None:
    """'aapl', 'AAPL US Equity', 'BRK/B', 'MOG A' -> 'AAPL', 'BRK-B', 'MOG-A'; None if empty."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    from screener.universe import tickers as tk  # the one normaliser of every entry point

    return tk.normalise(value) or None


def _ticker_problem(value: Any, ticker: str | None) -> str | None:
    from screener.universe import tickers as tk

    if ticker is None:
        return "no ticker"
    why = tk.problem(value, ticker)
    if why is None and not re.fullmatch(TICKER_PATTERN, ticker):
        why = "not a ticker"
    return why


def to_number(value: Any) -> tuple[float | None, bool]:
    """-> (number or None, ok). Accepts 1,234.5 / (12) / 15% / blanks; text is not ok."""
    if value is None:
        return None, True
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        v = float(value)
        return (None, True) if np.isnan(v) else (v, bool(np.isfinite(v)))
    s = str(value).strip()
    if s.lower() in MISSING:
        return None, True
    neg = s.startswith("(") and s.endswith(")")
    s = s.strip("()").replace(",", "").replace("$", "").rstrip("%").strip()
    try:
        v = float(s)
    except ValueError:
        return None, False
    return (-v if neg else v), bool(np.isfinite(v))


def _resolve_columns(frame: pd.DataFrame, mapping: FileMapping, where: str) -> dict[str, str]:
    """mapping column -> actual header (exact, else case/space-insensitive)."""
    headers = {str(c).strip().lower(): str(c) for c in frame.columns}
    wanted = [mapping.ticker, *([mapping.fiscal_year] if mapping.fiscal_year else []),
              *[c for c in (mapping.period, mapping.filed_column) if c], *mapping.columns]
    found, problems = {}, []
    for col in dict.fromkeys(wanted):
        actual = col if col in frame.columns else headers.get(col.strip().lower())
        if actual is None:
            import difflib

            close = difflib.get_close_matches(col, [str(c) for c in frame.columns], n=1)
            problems.append(Problem(Location(where, 1), f"column {col!r} (named in the mapping) "
                                    "is not in the file",
                                    f"Did you mean {close[0]!r}?" if close else
                                    "Fix the mapping or the file header."))
        found[col] = actual
    if problems:
        raise InputDataError(problems)
    return found


def import_file(path: str | Path, mapping_path: str | Path, store: Any = None,
                as_of: date | None = None) -> ImportReport:
    path = Path(path)
    mapping = load_mapping(mapping_path)
    frame = read_table(path, mapping.sheet)
    header = _resolve_columns(frame, mapping, str(path))
    first_line = 1 if path.suffix.lower() == ".parquet" else 2
    as_of = as_of or date.today()
    rejected: list[dict[str, Any]] = []
    rows = _rows(frame, header, mapping, path, first_line, as_of, rejected)

    rows = _drop_duplicates(rows, mapping, rejected)
    facts = None
    if mapping.period:  # dated rows: statements go to the history's facts, not the journal
        from screener.providers.file_facts import facts_frame

        facts = facts_frame(rows, mapping, SOURCE)
        rows = [(line, t, {b: r for b, r in blocks.items() if b != "statements"})
                for line, t, blocks in rows]
    docs = _per_ticker(rows)
    per_block: dict[str, list[dict[str, Any]]] = {}
    failures = []
    for doc in docs.values():
        for block, recs in doc.items():
            if block == FAILURES:
                failures += [Failure(**f) for f in recs]
                continue
            per_block.setdefault(block, []).extend(recs)
    bundle = RawBundle(**{b: block_from_records(b, [
        {**r, SOURCE_COLUMN: SOURCE} if b != "identity" else r for r in recs])
        for b, recs in per_block.items()}, failures=failures)
    journal = {t: d for t, d in docs.items() if d}
    if store is not None and journal:
        store.put_many([
            (SOURCE, DATASET, t, as_of,
             json.dumps(d, default=lambda v: v.isoformat(), sort_keys=True).encode("utf-8"))
            for t, d in journal.items()])
    report = pd.DataFrame(rejected, columns=REJECT_COLUMNS).sort_values(
        ["row", "column"], kind="stable").reset_index(drop=True)
    return ImportReport(len(rows), report, bundle, str(path), facts)


def _number_column(values: np.ndarray, ok: np.ndarray, mapping: FileMapping, col: str,
                   block: str, field: str, bounds: dict) -> tuple[np.ndarray, list]:
    """A column's numbers in base units and, per invalid cell, (position, reason): units,
    scale, sign and percent applied in that order, then the field's bounds."""
    reasons: dict[int, str] = {int(i): "not a number" for i in np.flatnonzero(~ok)}
    num = np.where(ok, values, np.nan) * mapping.unit_of(col, field) * mapping.scale.get(col, 1.0)
    sign = mapping.sign.get(col)
    if sign == "flip":
        num = -num
    elif sign == "abs":
        num = np.abs(num)
    if col in mapping.percent:
        num = num / 100.0
    target = f"{block}.{field}"
    lo, hi, strict = bounds[block].get(field, (None, None, False))
    with np.errstate(invalid="ignore"):
        if lo is not None:
            low = (num <= lo) if strict else (num < lo)
            hint = ""
            for i in np.flatnonzero(low):
                hint = (f" (if the export writes it as a negative number, add 'sign: flip' for "
                        f"{col!r})" if num[i] < 0 and lo == 0 and mapping.sign_of(col) is None
                        else "")
                reasons[int(i)] = (f"impossible value for {target} (must be "
                                   f"{'>' if strict else '>='} {lo})" + hint)
        if hi is not None:
            for i in np.flatnonzero(num > hi):
                reasons[int(i)] = f"impossible value for {target} (must be <= {hi})"
    if reasons:
        num[list(reasons)] = np.nan
    return num, sorted(reasons.items())


def _rows(frame: pd.DataFrame, header: dict[str, str], mapping: FileMapping, path: Path,
          first_line: int, as_of: date, rejected: list[dict[str, Any]]):
    """Accepted rows as (line, ticker, {block: record}); rejected rows and emptied cells go to
    ``rejected``. Every column is read and checked once, as a whole (``file_cells``); only
    the records themselves are built row by row."""
    from screener.providers import file_cells as fc

    n = len(frame)
    bounds = {b: BLOCKS[b].bounds() for b in BLOCKS}
    raw_ticker = frame[header[mapping.ticker]].tolist()
    tickers = fc.ticker_cells(frame[header[mapping.ticker]], normalise_ticker)
    # what is wrong with each distinct ticker cell (None: nothing), worked out once per value
    whys = fc.ticker_cells(frame[header[mapping.ticker]],
                           lambda v: _ticker_problem(v, normalise_ticker(v)))
    bad: list[list[dict[str, Any]]] = [[] for _ in range(n)]
    for i, why in enumerate(whys):
        if why is not None:
            bad[i].append({"column": mapping.ticker, "value": raw_ticker[i],
                           "reason": "missing or malformed ticker" if why == "no ticker"
                           else f"missing or malformed ticker ({why})"})
    fys: list[float | None] = [None] * n
    if mapping.fiscal_year:
        col = frame[header[mapping.fiscal_year]]
        values, ok = fc.number_cells(col, to_number)
        with np.errstate(invalid="ignore"):
            good = ok & (np.isnan(values) | ((values >= 1990) & (values <= 2100)
                                             & (values == np.floor(values))))
        raw_fy = col.tolist()
        for i in np.flatnonzero(~good):
            bad[i].append({"column": mapping.fiscal_year, "value": raw_fy[i],
                           "reason": "not a fiscal year (1990-2100)"})
        fys = [None if (not g or np.isnan(v)) else float(v)
               for v, g in zip(values.tolist(), good.tolist(), strict=True)]
    # per block: field -> cell values (a later column of the same field wins, as before)
    fields: dict[str, dict[str, list]] = {}
    cells: list[list[dict[str, Any]]] = [[] for _ in range(n)]
    for col, target in mapping.columns.items():
        block, field = target.split(".", 1)
        series = frame[header[col]]
        out = fields.setdefault(block, {})
        if field in BLOCKS[block].text_fields:
            out[field] = fc.text_cells(series)
        elif field in BLOCKS[block].date_fields:
            out[field] = fc.date_cells(series)
        else:
            values, ok = fc.number_cells(series, to_number)
            num, reasons = _number_column(values, ok, mapping, col, block, field, bounds)
            raw = series.tolist()
            for i, reason in reasons:
                cells[i].append({"column": col, "value": raw[i], "reason": reason,
                                 "block": block})
            out[field] = [None if math.isnan(v) else v for v in num.tolist()]
    if mapping.period:  # dated rows (period end, filing date): read per row as before
        from screener.providers.file_facts import row_dates

        dated_cols = (header[mapping.period], header[mapping.filed_column])
        dated_cells = list(zip(frame[dated_cols[0]].tolist(), frame[dated_cols[1]].tolist(),
                               strict=True))
    has_statements = "statements" in fields or bool(mapping.period)
    rows = []
    for i in range(n):
        line = i + first_line
        ticker, fy, row_bad = tickers[i], fys[i], bad[i]
        dated = None
        if mapping.period:
            dated = {}
            row_bad += row_dates(dict(zip(dated_cols, dated_cells[i], strict=True)), header,
                                 mapping, dated)
        if has_statements and mapping.fiscal_year and fy is None and not row_bad:
            row_bad.append({"column": mapping.fiscal_year, "value": None,
                            "reason": "fiscal year missing for statement values"})
        if row_bad:
            rejected += [{"row": line, "ticker": ticker, **b, "action": ROW} for b in row_bad]
            continue
        blocks: dict[str, Any] = {}
        for block, cols in fields.items():
            rec = {"ticker": ticker}
            for field, values in cols.items():
                rec[field] = values[i]
            if block == "statements":
                rec.update(dated or {})
                rec["fiscal_year"] = int(fy) if fy is not None else None
            elif block in ("estimates", "market", "ladder"):
                rec.setdefault("as_of", as_of)
            blocks[block] = rec
        if dated is not None and "statements" not in blocks:
            blocks["statements"] = {**dated, "fiscal_year": int(fy) if fy is not None else None}
        row_cells = cells[i]  # in the mapping's column order
        rejected += [{"row": line, "ticker": ticker, "action": CELL,
                      **{k: v for k, v in c.items() if k != "block"}} for c in row_cells]
        if row_cells:
            fy_text = f" FY{int(fy)}" if fy is not None else ""
            blocks[FAILURES] = [{
                "ticker": ticker, "source": "validation", "dataset": c["block"],
                "reason": f"{c['column']}={c['value']!r} ({path.name} row {line}{fy_text}): "
                          f"{c['reason']}; left empty, the rest of the row is used",
                "attempts": 1, "transient": False} for c in row_cells]
        rows.append((line, ticker, blocks))
    return rows


def _drop_duplicates(rows, mapping: FileMapping, rejected: list[dict[str, Any]]):
    """Same ticker (and fiscal year) twice: identical rows keep the first, conflicting rows
    are all rejected (which one is right is the user's call). Rows are compared on their
    values, not on where their invalid cells were found."""
    groups: dict[tuple, list[int]] = {}
    for i, (_, ticker, blocks) in enumerate(rows):
        st = blocks.get("statements", {})
        fy = (st.get("period_end"), st.get("_filed")) if mapping.period \
            else st.get("fiscal_year")
        groups.setdefault((ticker, fy), []).append(i)
    drop: set[int] = set()
    for (ticker, _), idx in groups.items():
        if len(idx) < 2:
            continue
        lines = [rows[i][0] for i in idx]
        def values(i):
            return {b: r for b, r in rows[i][2].items() if b != FAILURES}

        same = all(values(i) == values(idx[0]) for i in idx)
        for i in (idx[1:] if same else idx):
            drop.add(i)
            reason = (f"duplicate of row {lines[0]}" if same
                      else f"conflicting rows {', '.join(map(str, lines))} for the same "
                           f"ticker{_dup_key(mapping)}")
            rejected.append({"row": rows[i][0], "ticker": ticker, "column": mapping.ticker,
                             "value": ticker, "reason": reason, "action": ROW})
    return [r for i, r in enumerate(rows) if i not in drop]


def _dup_key(mapping: FileMapping) -> str:
    if mapping.period:
        return ", period and filing date"
    return " and fiscal year" if mapping.fiscal_year else ""


def _per_ticker(rows) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Accepted rows -> {ticker: {block: [records]}}; identity, ladder, estimates and market
    hold one record per ticker (the first row that has them wins)."""
    per_ticker: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for _, ticker, blocks in rows:
        doc = per_ticker.setdefault(ticker, {})
        for block, rec in blocks.items():
            if block == FAILURES:
                doc.setdefault(block, []).extend(rec)
                continue
            if block != "statements" and doc.get(block):
                continue
            doc.setdefault(block, []).append(rec)
    return per_ticker


class FileProvider(Provider):
    """Provider "file": the user's own export. ``FileProvider()`` (no arguments) only parses
    stored snapshots, which is how ``load_bundle`` uses it."""

    name = "file"
    datasets: ClassVar[tuple[str, ...]] = (DATASET,)
    parser_version: ClassVar[str] = "file-2"  # 2: invalid cells stored as failures

    def __init__(self, path: str | Path | None = None, mapping: str | Path | None = None):
        self.path, self.mapping = path, mapping

    def fetch(self, tickers: Sequence[str] | None, as_of: date | None = None) -> RawBundle:
        if self.path is None or self.mapping is None:
            raise InputDataError([Problem(Location("--from-file"), "no file given",
                                          "Pass --from-file FILE --mapping MAPPING.yaml.")])
        bundle = import_file(self.path, self.mapping, as_of=as_of).bundle
        return bundle.subset(tickers) if tickers else bundle

    def parse(self, ticker: str, dataset: str, payload: bytes, as_of: date | None) -> Records:
        doc = json.loads(payload.decode("utf-8"))
        return {block: [dict(r) for r in recs] for block, recs in doc.items()
                if block in BLOCKS or block == FAILURES}
