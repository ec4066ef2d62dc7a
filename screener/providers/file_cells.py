"""Reading a whole column of a user's file at once, cell by cell in meaning.

Each function reads one column of ``file.read_table``'s frame and returns, per cell, exactly
what the one-cell helpers of ``file`` (``to_number``, ``normalise_ticker``, ...) return for it,
but with the work done once per column: strings are cleaned with vectorised string methods,
numbers converted in one pass, dates parsed once per column (ISO first, then each remaining
cell on its own, as a single cell would be), tickers normalised once per distinct value.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

MISSING = {"", "-", "--", "—", "n/a", "na", "#n/a", "#n/a n/a", "nan", "none", "null"}


def _is_text(col: pd.Series) -> bool:
    """A column of strings only (a CSV read as text; empty cells are '')."""
    if pd.api.types.is_string_dtype(col.dtype) and col.dtype != object:
        return not col.isna().any()
    if col.dtype != object:
        return False
    return all(type(v) is str for v in col.tolist())


def _floats(strings: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """float() of each string (NaN and not parsed where it raises)."""
    out = np.empty(len(strings), dtype="float64")
    parsed = np.ones(len(strings), dtype=bool)
    for i, s in enumerate(strings):
        try:
            out[i] = float(s)
        except ValueError:
            out[i] = np.nan
            parsed[i] = False
    return out, parsed


def number_cells(col: pd.Series, one_cell) -> tuple[np.ndarray, np.ndarray]:
    """(value or NaN when empty, ok) per cell, as ``one_cell`` (``file.to_number``) reads it:
    1,234.5 / (12) / 15% / $3 / blanks; text is not ok; infinities are not ok."""
    n = len(col)
    if pd.api.types.is_bool_dtype(col.dtype):
        pass  # booleans read as text (not numbers), below
    elif pd.api.types.is_numeric_dtype(col.dtype):
        v = col.to_numpy(dtype="float64", na_value=np.nan)
        return v, np.isfinite(v) | np.isnan(v)
    if not _is_text(col):
        pairs = [one_cell(v) for v in col.tolist()]
        values = np.array([np.nan if v is None else v for v, _ in pairs], dtype="float64")
        return values, np.array([ok for _, ok in pairs], dtype=bool)
    s = col.astype(str).str.strip()
    missing = s.str.lower().isin(MISSING).to_numpy(bool)
    neg = (s.str.startswith("(") & s.str.endswith(")")).to_numpy(bool)
    cleaned = (s.str.strip("()").str.replace(",", "", regex=False)
               .str.replace("$", "", regex=False).str.rstrip("%").str.strip())
    values = np.full(n, np.nan)
    ok = np.ones(n, dtype=bool)
    todo = np.flatnonzero(~missing)
    if len(todo):
        v, parsed = _floats(cleaned.to_numpy(object)[todo].tolist())
        v = np.where(neg[todo], -v, v)
        with np.errstate(invalid="ignore"):
            finite = np.isfinite(v)
        ok[todo] = parsed & finite
        values[todo] = np.where(parsed, v, np.nan)
    return values, ok


def text_cells(col: pd.Series) -> list[str | None]:
    """Stripped text per cell; None for blanks and the usual 'n/a' spellings."""
    if _is_text(col):
        s = col.str.strip()
        keep = ~s.str.lower().isin(MISSING)
        return [v if k else None for v, k in zip(s.tolist(), keep.tolist(), strict=True)]
    return [None if value is None or str(value).strip().lower() in MISSING
            else str(value).strip() for value in col.tolist()]


def date_cells(col: pd.Series) -> list[date | None]:
    """A date per cell (None when empty or not a date): ISO dates parsed in one pass, any
    other spelling parsed on its own as a single cell would be."""
    values = col.tolist()
    empty = np.array([v is None or (isinstance(v, str) and v == "") for v in values])
    parsed = pd.to_datetime(col.where(~empty), errors="coerce", format="ISO8601")
    out: list[date | None] = []
    for v, is_empty, d in zip(values, empty.tolist(), parsed.tolist(), strict=True):
        if is_empty:
            out.append(None)
            continue
        if d is None or pd.isna(d):
            d = pd.to_datetime(v, errors="coerce")
        out.append(None if d is None or pd.isna(d) else d.date())
    return out


def ticker_cells(col: pd.Series, one_cell) -> list[str | None]:
    """``one_cell`` (``file.normalise_ticker``) per distinct value, spread over the column."""
    values = col.tolist()
    seen: dict = {}
    out = []
    for v in values:
        try:
            t = seen[v]
        except KeyError:
            t = seen[v] = one_cell(v)
        except TypeError:  # an unhashable cell
            t = one_cell(v)
        out.append(t)
    return out
