"""``parse_holdings``: any supported holdings file -> ``Holdings``, or a clear error.

Layouts are detected from the content, not the file name: an xlsx (zip) is read as SPDR
holdings; text is read as an iShares CSV when it has the iShares preamble or columns, else as a
plain CSV with a ticker column. An HTML page (what iShares sends to refused clients), an empty
file or a truncated one raise ``HoldingsFormatError`` naming the file and what was expected.
"""

from __future__ import annotations

import os
from pathlib import Path

from screener.fsutil import MB, UnreadableFile, read_bounded
from screener.universe.holdings import Holdings, HoldingsFormatError

MAX_BYTES = 16 * MB  # a real index file is ~1 MB (3,000 rows); see also holdings.MAX_ROWS
from screener.universe.ishares import looks_like_html, parse_csv
from screener.universe.spdr import parse_xlsx


def parse_holdings(path_or_bytes: str | os.PathLike | bytes, filename: str | None = None) -> Holdings:
    """Parse a holdings file (path) or body (bytes; ``filename`` names it in errors)."""
    if isinstance(path_or_bytes, (bytes, bytearray)):
        data = bytes(path_or_bytes)
        source = filename or "<downloaded holdings>"
    else:
        path = Path(path_or_bytes)
        source = filename or str(path)
        try:  # bounded while reading; devices and pipes refused (/dev/zero never ends)
            data = read_bounded(path, MAX_BYTES, "holdings file")
        except UnreadableFile as exc:
            raise HoldingsFormatError(source, f"{exc.reason}.", hint=exc.hint) from None
    if len(data) > MAX_BYTES:
        raise HoldingsFormatError(source, f"larger than the {MAX_BYTES // MB} MB a holdings "
                                  "file may have.", hint="Check that this is a holdings file.")

    if not data.strip(b"\xef\xbb\xbf \t\r\n\x00"):
        raise HoldingsFormatError(source, "the file is empty.", retryable=True)
    if data[:4] == b"PK\x03\x04":
        return _check(parse_xlsx(data, source))
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise HoldingsFormatError(
            source, "this is an old binary Excel file (.xls).",
            hint="Open it in Excel or LibreOffice and save it as .xlsx or .csv, then import again.")
    if looks_like_html(data):
        raise HoldingsFormatError(
            source, "this is an HTML page, not a holdings file (iShares answers refused "
            "downloads with an HTML page).", text=_first_line(data), retryable=True,
            hint="Download the holdings CSV in a browser from the fund's page and run "
                 "`screener universe import NAME FILE`.")
    if str(source).lower().endswith(".xlsx"):
        raise HoldingsFormatError(source, "the name says .xlsx but the content is not an "
                                  "xlsx workbook (it may be truncated).", retryable=True)
    return _check(parse_csv(data, source))


def _check(holdings: Holdings) -> Holdings:
    if holdings.kept == 0:
        why = ", ".join(f"{k}: {v}" for k, v in holdings.dropped.items()) or "no rows"
        raise HoldingsFormatError(
            holdings.source, f"no equity constituents left after dropping the other rows "
            f"({why}).")
    return holdings


def _first_line(data: bytes) -> str:
    return data[:200].decode("utf-8", errors="replace").strip().splitlines()[0]
