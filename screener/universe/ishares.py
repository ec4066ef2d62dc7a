"""CSV holdings: the iShares layout, and plain CSVs with a ticker column.

The iShares layout (IWM, IJR): UTF-8 with BOM; preamble lines (fund name,
``Fund Holdings as of,"May 05, 2026"``, inception date, shares outstanding, ``Stock,"-"`` ...,
a line holding a single non-breaking space); the header ``Ticker,Name,Sector,Asset Class,...``;
every value quoted, numbers with thousands separators; then a blank line and a multi-line quoted
legal disclaimer. Columns are found by name (older IJR files order them differently).

A plain CSV is the same without preamble and trailer: a header with a ``ticker`` or ``symbol``
column (any case), optionally name, sector, weight.
"""

from __future__ import annotations

import csv
import io

import pandas as pd

from screener.universe.holdings import (
    EXPECTED,
    HEADER_SEARCH_ROWS,
    MAX_ROWS,
    Holdings,
    HoldingsFormatError,
    find_header,
    finish,
    parse_date,
    to_number,
    too_many_rows,
)


def decode(data: bytes, source: str, notes: list[str]) -> str:
    """UTF-8 (with or without BOM), UTF-16 with a BOM (Excel's "Unicode text"); cp1252 as a
    fallback, with a note."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        notes.append(f"{source} is UTF-16 (as Excel saves 'Unicode text'); read it as such.")
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        notes.append(f"{source} is not UTF-8; read it as Windows-1252 (cp1252).")
        return data.decode("cp1252", errors="replace")


def _blank(row: list[str]) -> bool:
    return all(not c.replace("\ufeff", "").strip() for c in row)


def _read_records(text: str, source: str) -> list[tuple[int, list[str]]]:
    """(line number, fields) of every CSV record. A quoted value still open at the end of the
    file means the download was cut: strict parsing finds it, lenient parsing reads the rest."""
    for strict in (True, False):
        reader = csv.reader(io.StringIO(text, newline=""), strict=strict)
        records: list[tuple[int, list[str]]] = []
        try:
            for row in reader:
                records.append((reader.line_num, row))
                if len(records) > MAX_ROWS + HEADER_SEARCH_ROWS + 50:
                    raise too_many_rows(source)
            return records
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                raise HoldingsFormatError(
                    source, "the file ends inside a quoted value: it looks truncated (an "
                    "incomplete download).", line=reader.line_num, retryable=True) from None
            if not strict:
                raise HoldingsFormatError(source, f"not a readable CSV ({exc}).",
                                          line=reader.line_num) from None
    return []  # pragma: no cover


def parse_csv(data: bytes, source: str) -> Holdings:
    notes: list[str] = []
    text = decode(data, source, notes)
    records = _read_records(text, source)

    header_at, columns = find_header([row for _, row in records])
    if header_at is None:
        raise HoldingsFormatError(
            source, f"no header line with a 'Ticker' (or 'Symbol') column in the first "
            f"{HEADER_SEARCH_ROWS} lines.")
    header_line, header = records[header_at]
    preamble = {(r[0].replace("\ufeff", "").strip().lower() if r else ""): r
                for _, r in records[:header_at]}
    is_ishares = "fund holdings as of" in preamble or "asset_class" in columns
    if is_ishares and "name" not in columns:
        raise HoldingsFormatError(
            source, "the header has no 'Name' column.", line=header_line,
            text=",".join(header))

    rows, trailer, ended_blank = [], False, False
    body = records[header_at + 1:]
    width = max(columns.values()) + 1
    for k, (line, row) in enumerate(body):
        if _blank(row):
            if rows:  # the closing text follows the blank line(s), unless the file was cut
                rest = [r for _, r in body[k + 1:] if not _blank(r)]
                # 2020 files end with one full row of empty quoted fields: a terminator no cut
                # produces (a cut leaves a partial row)
                trailer = (bool(rest) and _disclaimer(rest[0])) or len(row) >= len(header)
                ended_blank = True
                break
            continue
        if is_ishares and len(row) < width and sum(1 for c in row if c.strip()) == 1 \
                and _disclaimer(row):
            trailer = True                       # the disclaimer (after rows, or right after
            break                                # the header in a file with no holdings)
        if len(row) < len(header):
            last = all(_blank(r) for _, r in body[k + 1:])
            if is_ishares or len(row) < width:
                if last:
                    raise HoldingsFormatError(
                        source, f"the last row has {len(row)} of {len(header)} fields: the "
                        "file looks truncated (an incomplete download).", line=line,
                        text=",".join(row), retryable=True)
                raise HoldingsFormatError(
                    source, f"this row has {len(row)} fields, the header has {len(header)}.",
                    line=line, text=",".join(row))
            row = row + [""] * (len(header) - len(row))
        rows.append(row)
    if not rows:
        as_of_cell = _as_of_text(preamble)
        if as_of_cell is not None and as_of_cell.strip().strip('"') in ("-", "--", ""):
            raise HoldingsFormatError(
                source, "iShares has no holdings for the requested date: the 'Fund Holdings "
                "as of' line says '-' and no rows follow (iShares answers this way, with a "
                "normal download, for weekends, holidays, single missing days and dates "
                "before the history it keeps).", line=header_line,
                hint="Ask for another date (the previous business day) or download the latest "
                     "holdings file.")
        raise HoldingsFormatError(
            source, "the header is there but no holdings rows follow: the file is empty or "
            "truncated.", line=header_line, retryable=True)

    frame = pd.DataFrame({field: [r[pos] if pos < len(r) else "" for r in rows]
                          for field, pos in columns.items()}, dtype="string")
    as_of, fund = None, None
    if records[0][1] and header_at > 0:
        fund = records[0][1][0].replace("\ufeff", "").strip() or None
    for key, row in preamble.items():
        if "as of" in key and len(row) > 1:
            # quoted: ["Fund Holdings as of", "May 05, 2026"]; unquoted: [..., "Mar 28", " 2026"]
            as_of = parse_date(row[1]) or parse_date(",".join(row[1:]).strip().rstrip(","))
            if as_of is None:
                notes.append(f"{source}: could not read the date {row[1]!r} on the "
                             f"'{row[0]}' line.")
    # iShares files end with a disclaimer: without it the download was cut, whatever the
    # weights add up to (the first half of the rows can carry 90 % of the weight). A user's
    # own export without the preamble has no disclaimer and is not held to it.
    if is_ishares and "fund holdings as of" in preamble and not trailer:
        total = to_number(frame["weight_pct"]).sum() if "weight_pct" in columns else None
        weights = f" (the weights add up to {total:.1f} %)" if total is not None else ""
        raise HoldingsFormatError(
            source, f"the file stops after {len(rows)} rows without the closing disclaimer"
            f"{' text' if ended_blank else ''} that ends every iShares holdings file"
            f"{weights}: it looks truncated (an incomplete download). Nothing was stored.",
            retryable=True,
            hint="Download the file again (or save it again from the fund's page); a file "
                 "you trimmed yourself can be imported as a plain CSV without the preamble.")
    return finish(frame, kind="ishares" if is_ishares else "csv", source=source, as_of=as_of,
                  fund=fund, notes=notes)


_DISCLAIMER_WORDS = ("holdings are subject to change", "blackrock", "ishares",
                     "content contained herein", "information is provided", "copyright",
                     "not real holdings", "fictional")


def _disclaimer(row: list[str]) -> bool:
    """The closing text of an iShares file: a long sentence, or one naming BlackRock / the
    usual words. A row cut after its first field (a ticker, a short name) is not one."""
    text = " ".join(c.strip() for c in row if c.strip())
    low = text.lower()
    return len(text) >= 60 or (" " in text and any(w in low for w in _DISCLAIMER_WORDS))


def _as_of_text(preamble: dict[str, list[str]]) -> str | None:
    for key, row in preamble.items():
        if "as of" in key:
            return ",".join(row[1:]) if len(row) > 1 else ""
    return None


def looks_like_html(data: bytes) -> bool:
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(b"<") or b"<html" in head or b"<!doctype" in head


__all__ = ["EXPECTED", "decode", "looks_like_html", "parse_csv"]
