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


def is_text(col: pd.Series) -> bool:
    """A column of strings only (a CSV read as text; empty cells are '')."""
    if pd.api.types.is_string_dtype(col.dtype) and col.dtype != object:
        return not col.isna().any()
    if col.dtype != object:
        return False
    return all(type(v) is str for v in col.tolist())


# what float() reads, in ASCII: parsed for the whole column at once by Arrow (correctly
# rounded, as float() is); any other spelling goes through float() itself, cell by cell
_PLAIN_NUMBER = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"


def _floats(strings) -> tuple[np.ndarray, np.ndarray]:
    """float() of each string (NaN and not parsed where it raises)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = strings if isinstance(strings, (pa.Array, pa.ChunkedArray)) \
        else pa.array(strings, type=pa.large_string())
    plain = pc.fill_null(pc.match_substring_regex(arr, _PLAIN_NUMBER), False)
    out = pc.cast(pc.if_else(plain, arr, pa.scalar("0", arr.type)), pa.float64()) \
        .to_numpy(zero_copy_only=False).copy()
    parsed = plain.to_numpy(zero_copy_only=False).copy()
    other = np.flatnonzero(~parsed)
    for i, text in zip(other.tolist(), arr.take(other).to_pylist(), strict=True):
        try:
            out[i] = float(text)
            parsed[i] = True
        except ValueError:
            out[i] = np.nan
    return out, parsed


def arrow(s: pd.Series):
    """A text column as an Arrow array (no copy for Arrow-backed strings)."""
    import pyarrow as pa

    try:
        return pa.array(s.array, type=pa.large_string())
    except (pa.ArrowException, TypeError):
        return pa.array(s.astype(object).tolist(), type=pa.large_string())


def number_cells(col: pd.Series, one_cell) -> tuple[np.ndarray, np.ndarray]:
    """(value or NaN when empty, ok) per cell, as ``one_cell`` (``file.to_number``) reads it:
    1,234.5 / (12) / 15% / $3 / blanks; text is not ok; infinities are not ok."""
    n = len(col)
    if pd.api.types.is_bool_dtype(col.dtype):
        pass  # booleans read as text (not numbers), below
    elif pd.api.types.is_numeric_dtype(col.dtype):
        v = col.to_numpy(dtype="float64", na_value=np.nan)
        return v, np.isfinite(v) | np.isnan(v)
    if not is_text(col):
        pairs = [one_cell(v) for v in col.tolist()]
        values = np.array([np.nan if v is None else v for v, _ in pairs], dtype="float64")
        return values, np.array([ok for _, ok in pairs], dtype=bool)
    import pyarrow as pa
    import pyarrow.compute as pc

    # the kernels pandas' .str methods run on Arrow-backed text, called directly
    s = pc.utf8_trim_whitespace(arrow(col.astype(str)))
    missing = pc.is_in(pc.utf8_lower(s), value_set=pa.array(sorted(MISSING), s.type)) \
        .to_numpy(zero_copy_only=False)
    neg = pc.and_(pc.starts_with(s, "("), pc.ends_with(s, ")")).to_numpy(zero_copy_only=False)
    cleaned = pc.utf8_trim_whitespace(pc.utf8_rtrim(pc.replace_substring(pc.replace_substring(
        pc.utf8_trim(s, "()"), ",", ""), "$", ""), "%"))
    values = np.full(n, np.nan)
    ok = np.ones(n, dtype=bool)
    todo = np.flatnonzero(~missing)
    if len(todo):
        v, parsed = _floats(cleaned.take(todo) if len(todo) < n else cleaned)
        v = np.where(neg[todo], -v, v)
        with np.errstate(invalid="ignore"):
            finite = np.isfinite(v)
        ok[todo] = parsed & finite
        values[todo] = np.where(parsed, v, np.nan)
    return values, ok


def text_array(col: pd.Series) -> np.ndarray:
    """Stripped text per cell (object array); None for blanks and the usual 'n/a' spellings."""
    if is_text(col):
        import pyarrow as pa
        import pyarrow.compute as pc

        s = pc.utf8_trim_whitespace(arrow(col))  # what .str.strip() runs on Arrow text
        blank = pc.is_in(pc.utf8_lower(s), value_set=pa.array(sorted(MISSING), s.type))
        return shared_strings(pc.if_else(blank, pa.scalar(None, s.type), s))
    return np.array([None if value is None or str(value).strip().lower() in MISSING
                     else str(value).strip() for value in col.tolist()] or [], dtype=object)


def shared_strings(arr) -> np.ndarray:
    """An Arrow text array as an object array (None for null) with one Python string per
    distinct value (a name repeated on five rows is one object, not five)."""
    encoded = pc_dictionary_encode(arr)
    values = np.asarray(encoded.dictionary.to_pylist() + [None], dtype=object)
    codes = encoded.indices.fill_null(len(encoded.dictionary)).to_numpy(zero_copy_only=False)
    return values[codes]


def pc_dictionary_encode(arr):
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return pc.dictionary_encode(arr)


def text_cells(col: pd.Series) -> list[str | None]:
    """``text_array`` as a list."""
    return text_array(col).tolist()


def one_date(value) -> date | None:
    """A date column's cell on its own: ISO first, then any other spelling pandas reads."""
    if value is None or (isinstance(value, str) and value == ""):
        return None
    d = pd.to_datetime(pd.Series([value], dtype=object), errors="coerce",
                       format="ISO8601").iloc[0]
    if d is None or pd.isna(d):
        d = pd.to_datetime(value, errors="coerce")
    return None if d is None or pd.isna(d) else d.date()


_ISO_DAY = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def date_array(col: pd.Series, one_cell=one_date) -> np.ndarray:
    """datetime64[D] per cell (NaT when empty or not a date), as ``one_cell`` reads a cell:
    plain ISO days (2024-12-31) parsed in one pass, other spellings once per distinct value."""
    n = len(col)
    out = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    if pd.api.types.is_datetime64_any_dtype(col.dtype):  # native dates (xlsx, parquet)
        values = col.dt.tz_localize(None) if getattr(col.dt, "tz", None) else col
        return values.to_numpy().astype("datetime64[D]")
    todo = np.arange(n)
    if is_text(col) and n:
        import pyarrow.compute as pc

        iso = pc.match_substring_regex(arrow(col), _ISO_DAY).to_numpy(zero_copy_only=False)
        if iso.any():
            days = pd.to_datetime(col[iso], format="%Y-%m-%d", errors="coerce")
            got = days.to_numpy("datetime64[D]") if days.notna().all() else None
            if got is not None:
                out[iso] = got
                todo = np.flatnonzero(~iso)
    if len(todo):
        values = col.iloc[todo]
        seen: dict = {}
        for j, v in zip(todo.tolist(), values.tolist(), strict=True):
            try:
                d = seen[v]
            except KeyError:
                d = seen[v] = one_cell(v)
            except TypeError:
                d = one_cell(v)
            if d is not None:
                out[j] = np.datetime64(d, "D")
    return out


def date_cells(col: pd.Series) -> list[date | None]:
    """``date_array`` as dates (None when empty or not a date)."""
    return [None if np.isnat(d) else d.item() for d in date_array(col)]


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
