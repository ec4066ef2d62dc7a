"""SPDR holdings xlsx (SPSM, SLY): sheet ``holdings``, a short preamble, the header on row 5.

Preamble as published: ``Fund Name:`` / ``Ticker Symbol:`` / ``Holdings:  As of 05-May-2026`` /
blank / header ``Name, Ticker, Identifier, SEDOL, Weight, Sector, Shares Held, Local Currency``.
``Weight`` is in percent. Rows end at the first blank row; disclaimer lines follow.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import pandas as pd

from screener.universe.holdings import (
    HEADER_SEARCH_ROWS,
    MAX_ROWS,
    Holdings,
    HoldingsFormatError,
    find_header,
    finish,
    parse_date,
    too_many_rows,
)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, (datetime, date)):
        return value.strftime("%Y-%m-%d")
    return str(value).strip()


def parse_xlsx(data: bytes, source: str) -> Holdings:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise HoldingsFormatError(
            source, f"not a readable xlsx workbook ({type(exc).__name__}); it may be truncated "
            "(an incomplete download) or not a spreadsheet.", retryable=True) from None
    try:
        names = {n.lower(): n for n in book.sheetnames}
        sheet = book[names.get("holdings", book.sheetnames[0])]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append([_cell(v) for v in row])
            if len(rows) > MAX_ROWS + HEADER_SEARCH_ROWS + 50:
                raise too_many_rows(source)
    finally:
        book.close()

    header_at, columns = find_header(rows)
    if header_at is None:
        raise HoldingsFormatError(
            source, f"no header row with a 'Ticker' column in the first {HEADER_SEARCH_ROWS} "
            "rows of the sheet 'holdings'.")

    as_of, fund = None, None
    for row in rows[:header_at]:
        cells = [c for c in row if c]
        if not cells:
            continue
        key = cells[0].lower()
        for cell in cells:
            found = parse_date(cell)
            if found and ("as of" in cell.lower() or "holdings" in key or "date" in key):
                as_of = as_of or found
        if key.startswith("fund name") and len(cells) > 1:
            fund = cells[1]
        if key.startswith("ticker symbol") and len(cells) > 1:
            fund = f"{fund} ({cells[1]})" if fund else cells[1]

    body = []
    for row in rows[header_at + 1:]:
        if not any(row):
            break
        body.append(row)
    if not body:
        raise HoldingsFormatError(
            source, "the header is there but no holdings rows follow.", line=header_at + 1,
            retryable=True)
    frame = pd.DataFrame({field: [r[pos] if pos < len(r) else "" for r in body]
                          for field, pos in columns.items()}, dtype="string")
    return finish(frame, kind="spdr", source=source, as_of=as_of, fund=fund,
                  weight_is_percent=True)
