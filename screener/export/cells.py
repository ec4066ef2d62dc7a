"""Cell values and styles: what a value looks like in the workbook, and how it is made safe.

Three promises are kept here, for every sheet:

- **Text is never a formula.** Every string is written as a text cell (``data_type 's'``), so a
  company name such as ``=HYPERLINK(...)``, ``+1-2`` or ``@SUM(A1)`` stays text; text starting
  with ``= + - @`` (or a tab / carriage return) also gets Excel's *quote prefix*, so editing the
  cell later does not turn it into a formula either. The value itself is never changed.
- **Numbers are numbers.** Values are written unchanged as numeric cells; the catalog unit only
  picks the *display* format. USD amounts keep their value in dollars and are *shown* in
  millions with ``#,##0.0,,"M"`` (each trailing comma divides the display by 1,000).
- **Missing is visible, never a fake value.** A missing (NaN) number is an empty cell with a
  light grey fill; the text ``NaN`` is never written.

Speed: rows are appended to openpyxl's write-only worksheets. Each column has a few template
cells (normal, missing, quoted text) styled once; a row reuses them, because openpyxl's
write-only mode serialises a row as soon as it is appended. Style objects (fonts, fills) are
module constants, never created per cell.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime

import numpy as np
import pandas as pd
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

# -- number formats per catalog unit -------------------------------------------------------
USD_MILLIONS = '#,##0.0,,"M"'   # value stays in USD; shown in millions with separators
NUMBER_FORMATS: dict[str, str] = {
    "usd": USD_MILLIONS,
    "usd_per_share": "#,##0.00",
    "fraction": "0.0%",
    "ratio": "0.00",
    "score": "0.0",
    "count": "#,##0",
    "flag": "0",
    "shares": "#,##0",
    "months": "#,##0.0",
}
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
GENERAL_NUMBER = "#,##0.00"
INTEGER = "0"

# -- style palette (created once) ----------------------------------------------------------
_THIN = Side(style="thin", color="BFBFBF")
HEADER_FONT = Font(name="Calibri", bold=True, color="FFFFFF", size=11)
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
HEADER_ALIGN = Alignment(wrap_text=True, vertical="center", horizontal="center")
HEADER_BORDER = Border(bottom=_THIN)
TITLE_FONT = Font(name="Calibri", bold=True, size=14, color="1F4E78")
SUBTITLE_FONT = Font(name="Calibri", italic=True, color="595959", size=11)
SECTION_FONT = Font(name="Calibri", bold=True, size=12, color="1F4E78")
LABEL_FONT = Font(name="Calibri", bold=True, size=11)
BANNER_FONT = Font(name="Calibri", bold=True, size=16, color="FFFFFF")
BANNER_FILL = PatternFill("solid", fgColor="C00000")
WARN_FONT = Font(name="Calibri", bold=True, color="9C0006", size=11)
WARN_FILL = PatternFill("solid", fgColor="FFC7CE")
MISSING_FILL = PatternFill("solid", fgColor="E7E6E6")
FLAG_FILL = PatternFill("solid", fgColor="F8CBAD")
PASS_FONT = Font(name="Calibri", color="006100", size=11)
FAIL_FONT = Font(bold=True, color="9C0006")   # conditional formats: no name or size
MONO_FONT = Font(name="Courier New", size=10)
LINK_FONT = Font(name="Calibri", color="0563C1", underline="single", size=11)
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
LEFT_TOP = Alignment(horizontal="left", vertical="top")
CENTER = Alignment(horizontal="center")
CENTER_TOP = Alignment(horizontal="center", vertical="top")
WRAP_TOP_INDENT = Alignment(wrap_text=True, vertical="top", indent=1)

EXCEL_MAX_TEXT = 32767
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def clean_text(value: object) -> str:
    """Text as Excel can hold it: XML-illegal control characters removed, at most 32,767 chars."""
    text = str(value)
    if _ILLEGAL.search(text):
        text = _ILLEGAL.sub("", text)
    return text[:EXCEL_MAX_TEXT]


def looks_like_formula(text: str) -> bool:
    return text.startswith(_FORMULA_START)


def is_missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float):
        return not math.isfinite(value)
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


# -- write-only worksheet that accepts prepared cells --------------------------------------
class FastSheet(WriteOnlyWorksheet):
    """openpyxl's write-only worksheet, fed with prepared cells.

    ``append`` takes a list of prepared ``Cell`` objects (templates reused row after row) or
    plain values (``None`` = empty). Plain strings are always text, never formulas.
    ``rows_written`` counts appended rows, so callers know the row number of what comes next.
    """

    def __init__(self, parent, title):
        super().__init__(parent, title)
        self.rows_written = 0

    def append(self, row):
        super().append(row)
        self.rows_written += 1

    @property
    def next_row(self) -> int:
        return self.rows_written + 1

    def _values_to_row(self, values, row_idx):
        for col_idx, value in enumerate(values, 1):
            if value is None:
                continue
            if isinstance(value, Cell):
                cell = value
            else:
                cell = WriteOnlyCell(self)
                set_value(cell, value)
            cell.row = row_idx
            cell.column = col_idx
            if cell.hyperlink is not None:
                cell.hyperlink.ref = cell.coordinate
            yield cell


class TemplateCell(Cell):
    """A styled cell reused row after row; its style id is looked up once, by ``freeze``."""

    __slots__ = ("_sid",)

    def freeze(self) -> TemplateCell:
        self._sid = Cell.style_id.fget(self)
        return self

    @property
    def style_id(self):
        return self._sid


def template_cell(ws) -> TemplateCell:
    return TemplateCell(ws, row=1, column=1)


def number_text(value: float) -> str:
    """The shortest text that reads back as exactly the same float (openpyxl's own writer
    keeps 16 digits, which changes about a third of all values in their last bit)."""
    return repr(float(value))


def add_sheet(wb, title: str) -> FastSheet:
    """A new sheet, printed landscape and one page wide (tables are wide)."""
    ws = FastSheet(parent=wb, title=title)
    wb._add_sheet(ws)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    return ws


def set_value(cell: Cell, value: object) -> Cell:
    """Put a Python value in a cell without openpyxl's formula guessing."""
    if is_missing(value):
        cell._value = None
        cell.data_type = "n"
    elif isinstance(value, str):
        cell._value = clean_text(value)
        cell.data_type = "s"
        if looks_like_formula(value):
            cell.quotePrefix = True
    elif isinstance(value, (bool, np.bool_)):
        cell._value = bool(value)
        cell.data_type = "b"
    elif isinstance(value, (int, np.integer)):
        cell._value = int(value)
        cell.data_type = "n"
    elif isinstance(value, (float, np.floating)):
        cell._value = number_text(value)   # written as a number, exactly
        cell.data_type = "n"
    elif isinstance(value, pd.Timestamp):
        cell._value = value.to_pydatetime().replace(tzinfo=None)
        cell.data_type = "d"
    elif isinstance(value, (datetime, date)):
        cell._value = value.replace(tzinfo=None) if isinstance(value, datetime) else value
        cell.data_type = "d"
    else:
        cell._value = clean_text(value)
        cell.data_type = "s"
    return cell


def styled(ws, value=None, *, font=None, fill=None, number_format=None, alignment=None,
           border=None, comment=None, hyperlink=None) -> WriteOnlyCell:
    """A one-off cell (titles, labels, headers). Style objects come from the palette above."""
    cell = WriteOnlyCell(ws)
    set_value(cell, value)
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if number_format is not None:
        cell.number_format = number_format
    if alignment is not None:
        cell.alignment = alignment
    if border is not None:
        cell.border = border
    if comment is not None:
        cell.comment = comment
    if hyperlink is not None:
        cell.hyperlink = hyperlink
        cell.font = LINK_FONT
    return cell


def to_python(series: pd.Series, kind: str) -> list:
    """A column as a list of plain Python values, ``None`` where missing, ready for cells."""
    if kind in ("number", "int"):
        arr = pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        arr = np.where(np.isfinite(arr), arr, np.nan)
        mask = np.isnan(arr).tolist()
        out = arr.tolist()
        if kind == "int":
            return [None if m else int(v) for v, m in zip(out, mask, strict=True)]
        return [None if m else v for v, m in zip(out, mask, strict=True)]
    if kind == "bool":
        return [None if is_missing(v) else bool(v) for v in series.tolist()]
    if kind == "yesno":
        return [None if is_missing(v) else ("yes" if bool(v) else "no") for v in series.tolist()]
    if kind in ("date", "datetime"):
        ts = pd.to_datetime(series, errors="coerce")
        if getattr(ts.dt, "tz", None) is not None:
            ts = ts.dt.tz_localize(None)
        vals = ts.tolist()
        if kind == "date":
            return [None if v is pd.NaT or v is None else v.date() for v in vals]
        return [None if v is pd.NaT or v is None else v.to_pydatetime() for v in vals]
    return [None if is_missing(v) else v for v in series.astype(object).tolist()]
