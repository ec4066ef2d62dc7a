"""Bring your own daily prices: a CSV or Parquet file of ``date, ticker, close[, adj_close],
volume`` (one row per name and day) into the ``prices`` history dataset.

Header names are matched without regard to case, spaces or underscores, with a few common
aliases (``symbol`` for ticker, ``adj close`` / ``adjusted_close`` for adj_close). Checked
vectorised, so a file of millions of rows imports in seconds: a row with an unreadable date, a
malformed ticker, a close that is not a positive number, a negative volume or a second row for
the same (ticker, date) is rejected and listed (line, ticker, column, value, reason); good rows
are stored (source ``file``). Without ``adj_close`` the close is taken as already adjusted.
Re-importing the same days replaces them (the store merges by ticker and date).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from screener.errors import InputDataError, Location, Problem
from screener.providers.file import REJECT_COLUMNS
from screener.raw.schema import TICKER_PATTERN

SOURCE = "file"
REQUIRED = ("date", "ticker", "close", "volume")
ALIASES = {
    "date": ("date", "day", "tradedate", "asof"),
    "ticker": ("ticker", "symbol"),
    "close": ("close", "price", "closeprice"),
    "adj_close": ("adjclose", "adjustedclose", "closeadj", "adjustedprice"),
    "volume": ("volume", "vol"),
}


@dataclass
class PriceImportReport:
    file: str
    accepted: int
    rejected: pd.DataFrame  # REJECT_COLUMNS
    names: int = 0
    first: pd.Timestamp | None = None
    last: pd.Timestamp | None = None

    def summary(self) -> str:
        span = f", {self.first:%Y-%m-%d} .. {self.last:%Y-%m-%d}" if self.accepted else ""
        return (f"{self.file}: {self.accepted} daily price row(s) accepted for {self.names} "
                f"name(s){span}; {len(self.rejected)} rejected")


def _key(name: str) -> str:
    return re.sub(r"[\s_\-.]", "", str(name)).lower()


def _columns(frame: pd.DataFrame, path: Path) -> dict[str, str]:
    found = {_key(c): c for c in frame.columns}
    out = {}
    for field, names in ALIASES.items():
        hit = next((found[n] for n in names if n in found), None)
        if hit is not None:
            out[field] = hit
    missing = [f for f in REQUIRED if f not in out]
    if missing:
        raise InputDataError([Problem(
            Location(str(path), 1), f"no column for {', '.join(missing)} "
            f"(columns found: {', '.join(map(str, frame.columns))})",
            "A daily price file needs the columns date, ticker, close and volume "
            "(adj_close optional).")])
    return out


def _read(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".txt"):
            return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(path)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise InputDataError([Problem(Location(str(path)), f"cannot read the file: {exc}",
                                      "Check it is a valid CSV (UTF-8) or Parquet file.")]) \
            from None
    raise InputDataError([Problem(Location(str(path)), f"unsupported file type {suffix!r}",
                                  "Use .csv or .parquet for daily prices.")])


def _dates(col: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(col):
        return col.dt.tz_localize(None).dt.normalize() if col.dt.tz is not None \
            else col.dt.normalize()
    text = col.astype("string").str.strip()
    out = pd.to_datetime(text, errors="coerce", format="ISO8601")
    retry = out.isna() & text.notna() & (text != "")
    if retry.any():  # other layouts (e.g. 06/28/2024), parsed one by one
        out[retry] = pd.to_datetime(text[retry], errors="coerce", format="mixed")
    return out.dt.normalize()


def _numbers(col: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers, and a mask of cells that hold something that is not a number."""
    if pd.api.types.is_numeric_dtype(col):
        return col.astype("float64"), pd.Series(False, index=col.index)
    text = col.astype("string").str.strip().str.replace(",", "", regex=False)
    empty = text.isna() | text.str.lower().isin(["", "-", "nan", "n/a", "na", "null", "none"])
    nums = pd.to_numeric(text.where(~empty), errors="coerce").astype("float64")
    return nums, nums.isna() & ~empty


def prices_frame(path: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The file's accepted rows (history ``prices`` columns) and its rejected rows."""
    path = Path(path)
    raw = _read(path)
    cols = _columns(raw, path)
    line = pd.Series(np.arange(len(raw)) + 2, index=raw.index)  # header is line 1
    ticker = raw[cols["ticker"]].astype("string").str.strip().str.upper()
    day = _dates(raw[cols["date"]])
    close, close_bad = _numbers(raw[cols["close"]])
    volume, volume_bad = _numbers(raw[cols["volume"]])
    if "adj_close" in cols:
        adj, adj_bad = _numbers(raw[cols["adj_close"]])
    else:
        adj, adj_bad = close.copy(), pd.Series(False, index=raw.index)
    checks = [
        ("ticker", ~ticker.fillna("").str.fullmatch(TICKER_PATTERN).fillna(False),
         "missing or malformed ticker"),
        ("date", day.isna(), "not a date (use YYYY-MM-DD)"),
        ("close", close_bad | ~(close > 0), "not a positive number"),
        ("adj_close", adj_bad | (adj.notna() & ~(adj > 0)), "not a positive number"),
        ("volume", volume_bad | (volume < 0), "not a non-negative number"),
    ]
    problems = []
    bad = pd.Series(False, index=raw.index)
    for field, mask, reason in checks:
        mask = mask.fillna(True).astype(bool) & ~bad  # one reason per row: the first
        if mask.any():
            source = raw[cols[field]] if field in cols else close
            problems.append(pd.DataFrame({"row": line[mask], "ticker": ticker[mask],
                                          "column": field, "value": source[mask],
                                          "reason": reason}))
        bad |= mask
    dup = ~bad & pd.DataFrame({"t": ticker, "d": day}).duplicated(keep="first")
    if dup.any():
        problems.append(pd.DataFrame({"row": line[dup], "ticker": ticker[dup], "column": "date",
                                      "value": raw[cols["date"]][dup],
                                      "reason": "a second row for this ticker and date"}))
    bad |= dup
    rejected = (pd.concat(problems, ignore_index=True).sort_values("row", kind="stable")
                if problems else pd.DataFrame(columns=REJECT_COLUMNS))
    good = ~bad
    rows = pd.DataFrame({"ticker": ticker[good].astype(str), "date": day[good],
                         "close": close[good], "adj_close": adj[good].fillna(close[good]),
                         "volume": volume[good], "source": SOURCE})
    return rows.reset_index(drop=True), rejected.reset_index(drop=True)


def import_prices(path: str | Path, history) -> PriceImportReport:
    """Check the file and store its good rows in ``history`` (a ``HistoryStore``)."""
    rows, rejected = prices_frame(path)
    if len(rows):
        history.write("prices", rows)
    return PriceImportReport(
        file=str(path), accepted=len(rows), rejected=rejected,
        names=int(rows["ticker"].nunique()),
        first=rows["date"].min() if len(rows) else None,
        last=rows["date"].max() if len(rows) else None)
