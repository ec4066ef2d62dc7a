"""Tables on a sheet: header with notes, typed rows, widths, filters, colour scales.

A ``Column`` says how one DataFrame column is shown: its header, the kind of cell, the number
format, the note in the header cell and whether it gets a colour scale. ``write_table`` streams
the rows. Openpyxl's write-only sheets need widths and frozen panes before the first row, so a
sheet calls ``set_widths`` (and sets ``freeze_panes``) first, then appends its rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from openpyxl.comments import Comment
from openpyxl.formatting.rule import ColorScaleRule, DataBarRule
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink

from screener.export import cells as C

MISSING_NOTE = "Grey cell = value missing (no data, or not computable)."


@dataclass
class Column:
    key: str                          # column of the DataFrame
    header: str                       # what the user reads
    kind: str = "text"                # text | number | int | bool | date | datetime
    number_format: str | None = None
    note: str = ""                    # the header cell's comment
    width: float | None = None        # None = fit the content
    scale: str | None = None          # "high" (green = high) | "low" (green = low) | "bar"
    mark_missing: bool = True         # grey fill on missing values
    font: object = None               # a palette font for every value cell
    wrap: bool = False
    format_by: str | None = None      # key of a column whose value picks this cell's format
    formats: dict | None = None       # value of that column -> number format
    align: object = None              # a palette alignment for every value cell
    anchors: tuple | None = None      # (red-ish, mid, green-ish) values of the scale: fixed
                                      # points (the eligible universe's), not the rows' min/max


_FORMAT_WIDTH = {
    C.USD_MILLIONS: 11, "#,##0.00": 11, "0.0%": 8, "0.00": 8, "0.0": 7, "#,##0": 9, "0": 6,
    C.DATE_FORMAT: 11, C.DATETIME_FORMAT: 16,
}


def fit_width(col: Column, values: list) -> float:
    """A width that shows the header (wrapped on up to 3 lines) and most values in full."""
    if col.width is not None:
        return col.width
    words = col.header.split()
    header_w = max([len(w) for w in words] + [len(col.header) / 3]) + 2
    if col.kind in ("text",):
        sample = [len(str(v)) for v in values[:300] if v is not None]
        sample.sort()
        body = sample[int(len(sample) * 0.95)] if sample else 6
        body_w = min(body + 2, 48)
    elif col.kind in ("bool", "yesno"):
        body_w = 7
    else:
        body_w = _FORMAT_WIDTH.get(col.number_format or "", 10) + 1
    return float(max(6.0, min(max(header_w, body_w), 60.0)))


def set_widths(ws, columns: list[Column], df: pd.DataFrame | None = None,
               first_col: int = 1) -> list[float]:
    widths = []
    for i, col in enumerate(columns):
        values = C.to_python(df[col.key], col.kind) if df is not None and col.key in df else []
        widths.append(fit_width(col, values))
        ws.column_dimensions[get_column_letter(first_col + i)].width = widths[-1]
    return widths


def header_cells(ws, columns: list[Column]) -> list:
    out = []
    for col in columns:
        comment = None
        if col.note:
            text = col.note
            if col.mark_missing and col.kind != "text":
                text = f"{text}\n{MISSING_NOTE}"
            comment = Comment(text, "screener", height=140, width=320)
        out.append(C.styled(ws, col.header, font=C.HEADER_FONT, fill=C.HEADER_FILL,
                            alignment=C.HEADER_ALIGN, comment=comment))
    return out


def _templates(ws, col: Column, number_format: str | None = None):
    """Template cells for one column: (normal, missing, quoted text)."""
    def make(fill=None, quote=False):
        cell = C.template_cell(ws)
        if number_format or col.number_format:
            cell.number_format = number_format or col.number_format
        if col.font is not None:
            cell.font = col.font
        if fill is not None:
            cell.fill = fill
        if col.wrap:
            cell.alignment = C.WRAP_TOP
        elif col.align is not None:
            cell.alignment = col.align
        if quote:
            cell.quotePrefix = True
        return cell.freeze()

    normal = make()
    missing = make(C.MISSING_FILL if col.mark_missing else None)
    quoted = make(quote=True) if col.kind in ("text", "yesno") else None
    return normal, missing, quoted


_DTYPE = {"number": "n", "int": "n", "bool": "b", "date": "d", "datetime": "d", "text": "s",
          "yesno": "s"}


def write_table(ws, df: pd.DataFrame, columns: list[Column], *, header: bool = True,
                flags: dict[str, dict[object, str]] | None = None,
                links: dict[str, dict[object, str]] | None = None) -> tuple[int, int]:
    """Append a header row (optional) and one row per DataFrame row.

    ``flags`` maps a column key to {value: note}: matching cells get the flag fill and the note
    as a comment (e.g. tickers whose fetch failed). ``links`` maps a column key to {value:
    location}: matching cells link there (e.g. every ticker to its row on the Explain sheet).
    Returns (header row, last row).
    """
    if header:
        ws.append(header_cells(ws, columns))
    header_row = ws.rows_written
    data = [C.to_python(df[c.key], c.kind) if c.key in df else [None] * len(df)
            for c in columns]
    for j, c in enumerate(columns):   # numbers as exact text; still numeric cells (t="n")
        if c.kind == "number":
            data[j] = [None if v is None else repr(v) for v in data[j]]
    templates = [_templates(ws, c) for c in columns]
    kinds = [_DTYPE[c.kind] for c in columns]
    flags = flags or {}
    flag_idx = {i: flags[c.key] for i, c in enumerate(columns) if c.key in flags}
    link_idx = {i: links[c.key] for i, c in enumerate(columns) if links and c.key in links}
    by_format = {}   # column index -> (values choosing the format, {format: templates})
    for j, c in enumerate(columns):
        if c.format_by and c.formats and c.format_by in df:
            chooser = [c.formats.get(v) for v in df[c.format_by].astype(object).tolist()]
            per = {f: _templates(ws, c, f) for f in set(chooser) if f}
            by_format[j] = (chooser, per)
    ncols = len(columns)
    for r in range(len(df)):
        row = [None] * ncols
        for j in range(ncols):
            v = data[j][r]
            normal, missing, quoted = templates[j]
            if j in by_format:
                chooser, per = by_format[j]
                if chooser[r] in per:
                    normal, missing, quoted = per[chooser[r]]
            if v is None:
                row[j] = missing if columns[j].mark_missing else None   # nothing to show
                continue
            if kinds[j] == "s":
                v = C.clean_text(v)
                cell = quoted if v.startswith(C._FORMULA_START) else normal
            else:
                cell = normal
            cell._value = v
            cell.data_type = kinds[j]
            row[j] = cell
        for j, where in link_idx.items():
            v = data[j][r]
            if v in where:
                row[j] = C.styled(ws, v, hyperlink=Hyperlink(ref="", location=where[v],
                                                             display=str(v)))
        for j, notes in flag_idx.items():
            v = data[j][r]
            if v in notes:
                link = links[columns[j].key].get(v) if links and columns[j].key in links \
                    else None
                row[j] = C.styled(ws, v, fill=C.FLAG_FILL,
                                  comment=Comment(notes[v], "screener", height=120, width=320),
                                  hyperlink=Hyperlink(ref="", location=link, display=str(v))
                                  if link else None)
        ws.append(row)
    last_row = ws.rows_written
    return header_row, last_row


def finish_table(ws, columns: list[Column], header_row: int, last_row: int, *,
                 first_col: int = 1, autofilter: bool = True) -> None:
    """Autofilter over the table and colour scales on the columns that ask for one."""
    last_col = get_column_letter(first_col + len(columns) - 1)
    if autofilter:
        ws.auto_filter.ref = f"{get_column_letter(first_col)}{header_row}:{last_col}{max(last_row, header_row)}"
    if last_row <= header_row:
        return
    for i, col in enumerate(columns):
        if not col.scale:
            continue
        letter = get_column_letter(first_col + i)
        ref = f"{letter}{header_row + 1}:{letter}{last_row}"
        ws.conditional_formatting.add(ref, scale_rule(col.scale, col.anchors))


def scale_rule(kind: str, anchors: tuple | None = None):
    red, yellow, green = "F8696B", "FFEB84", "63BE7B"
    if kind == "coverage":   # 0% red, 80% yellow, 100% green
        return ColorScaleRule(start_type="num", start_value=0, start_color=red,
                              mid_type="num", mid_value=0.8, mid_color=yellow,
                              end_type="num", end_value=1, end_color=green)
    if kind == "bar":
        return DataBarRule(start_type="num", start_value=0, end_type="max", color="5B9BD5")
    lo, hi = (red, green) if kind == "high" else (green, red)
    if anchors is not None:
        a, m, b = anchors
        return ColorScaleRule(start_type="num", start_value=a, start_color=lo,
                              mid_type="num", mid_value=m, mid_color=yellow,
                              end_type="num", end_value=b, end_color=hi)
    return ColorScaleRule(start_type="min", start_color=lo, mid_type="percentile", mid_value=50,
                          mid_color=yellow, end_type="max", end_color=hi)
