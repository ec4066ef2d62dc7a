"""The parsed holdings of one file, and the steps every layout shares.

Each layout parser (``ishares``, ``spdr``) turns its file into raw string records keyed by the
standard field names below; ``finish`` then parses numbers, drops what is not an equity
constituent (counting each reason), normalises tickers and removes duplicates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from screener.errors import InputDataError, Location, Problem
from screener.textsafe import terminal_safe
from screener.universe import tickers as tk

# Columns of a parsed holdings frame / snapshot (the index is the normalised ticker).
COLUMNS = ["original_ticker", "name", "sector", "weight", "market_value", "exchange",
           "location", "currency", "asset_class"]

# Header aliases (lower-case, stripped) -> standard field. Columns are found by name.
ALIASES: dict[str, str] = {
    "ticker": "ticker", "symbol": "ticker", "ticker symbol": "ticker", "code": "ticker",
    "name": "name", "company": "name", "company name": "name", "security name": "name",
    "description": "name", "issuer": "name",
    "sector": "sector", "gics sector": "sector",
    "asset class": "asset_class", "asset_class": "asset_class",
    "market value": "market_value", "market_value": "market_value",
    "weight (%)": "weight_pct", "weight(%)": "weight_pct", "weight %": "weight_pct",
    "% weight": "weight_pct", "weight": "weight",
    # 2026 "latest-holdings" layout (IJR, IJH: funds that overlay futures) has no "Weight (%)"
    # but "Market Weight" (adds up to 100 %) and "Notional Weight" (includes the futures).
    "market weight": "weight_pct", "market weight (%)": "weight_pct",
    # same layout: a "Type" column (EQUITY, SWAP, STIF, FUTURES, COLLATERAL, ...) that tells
    # a stock from an equity swap on the same ticker (both have Asset Class "Equity").
    "type": "security_type", "security type": "security_type",
    "exchange": "exchange", "location": "location", "location of risk": "location",
    "currency": "currency", "market currency": "market_currency", "local currency": "currency",
}

# The largest real index has ~3,000 members (Russell 3000 / total-market funds ~3,700 rows with
# cash and futures lines): a file with more rows is not a holdings file, and reading it whole
# would take gigabytes. Parsers stop at this many rows.
MAX_ROWS = 20_000

EXPECTED = ("an iShares holdings CSV with a header line starting 'Ticker,Name,...', "
            "an SPDR holdings xlsx (sheet 'holdings') or a plain CSV with a 'ticker' column")

_DATE_FORMATS = ("%b %d, %Y", "%B %d, %Y", "%d-%b-%Y", "%d-%B-%Y", "%m/%d/%Y", "%Y-%m-%d",
                 "%d %b %Y", "%d %B %Y", "%b. %d, %Y", "%Y%m%d")
# "Type" values that are not a holding of the stock itself (matched as words, upper case).
_NOT_STOCK_TYPE = re.compile(r"\b(?:SWAPS?|FUTURES?|FORWARDS?|OPTIONS?|WARRANTS?|RIGHTS?|STIF|"
                             r"COLLATERAL|CASH|MONEY MARKET|FX|CURRENCY|CFD|MARGIN)\b")
# Exchanges that are not a listing (iShares prints these for delisted leftovers, escrows).
_OTC_EXCHANGE = re.compile(r"NON-NMS QUOTATION SERVICE|\bNNQS\b|\bOTC\b|PINK SHEETS|GREY MARKET")
_CASH_NAME = re.compile(r"\b(?:MONEY MARKET|US DOLLAR|USD CASH|CASH COLLATERAL|TREASURY SL AGENCY)\b")


def too_many_rows(source: str) -> HoldingsFormatError:
    return HoldingsFormatError(
        source, f"more than {MAX_ROWS:,} rows: no index holds that many (the largest has about "
        "3,000 members), so this is not a holdings file.",
        hint="Check that this is the fund's holdings file.")


class HoldingsFormatError(InputDataError):
    """A holdings file is not in an expected layout. ``retryable``: the body looks like a
    failed download (HTML page, empty, truncated) that another attempt may fix."""

    def __init__(self, file: str, message: str, *, line: int | None = None,
                 text: str | None = None, retryable: bool = False, hint: str | None = None):
        self.retryable = retryable
        loc = Location(file, line, None, text[:120] if text else None)
        super().__init__([Problem(loc, message)],
                         hint or f"Expected {EXPECTED}. Download the file again, or check "
                                 "that it is the fund's holdings file.")


@dataclass
class Holdings:
    """Equity constituents of one holdings file.

    ``frame`` is indexed by normalised ticker (name ``ticker``) with ``COLUMNS``; ``weight`` is a
    fraction (0.0052 for 0.52 %). ``dropped`` counts rows left out, by reason. ``as_of`` is ISO
    (``2026-05-05``) or None when the file does not say.
    """

    as_of: str | None
    frame: pd.DataFrame
    dropped: dict[str, int]
    fund: str | None
    kind: str                       # "ishares" | "spdr" | "csv"
    source: str                     # file name or URL
    rows_total: int
    notes: list[str] = field(default_factory=list)

    @property
    def kept(self) -> int:
        return len(self.frame)


def parse_date(text: str | None) -> str | None:
    """ISO date from the formats holdings files use (``May 05, 2026``, ``05-May-2026``, ...)."""
    if not text:
        return None
    value = re.sub(r"(?i)^\s*(holdings:)?\s*(as of)?\s*", "", str(text)).strip().strip('"')
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def to_number(values: pd.Series) -> pd.Series:
    """Quoted numbers with thousands separators -> float64; ``-``/blank -> NaN; (1.0) -> -1.0."""
    s = values.astype("string").str.strip().str.replace("\u00a0", "", regex=False)
    s = s.str.replace(",", "", regex=False).str.replace("%", "", regex=False)
    s = s.str.replace("$", "", regex=False)
    s = s.str.replace(r"^\((.*)\)$", r"-\1", regex=True)
    s = s.mask(s.isin(["-", "--", "", "N/A", "NA"]))
    return pd.to_numeric(s, errors="coerce").astype("float64")


HEADER_SEARCH_ROWS = 20


def find_header(rows: list[list[str]]) -> tuple[int | None, dict[str, int]]:
    """(index, field -> column) of the first of ``rows`` that has a ticker column, within
    ``HEADER_SEARCH_ROWS``; (None, {}) when there is none."""
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        cols = map_header(row)
        if "ticker" in cols:
            return i, cols
    return None, {}


def map_header(cells: list[str]) -> dict[str, int]:
    """Standard field -> column position, by name (first match wins)."""
    found: dict[str, int] = {}
    for i, cell in enumerate(cells):
        key = ALIASES.get(re.sub(r"\s+", " ", str(cell or "").replace("\ufeff", "")).strip().lower())
        if key and key not in found:
            found[key] = i
    return found


def finish(records: pd.DataFrame, *, kind: str, source: str, as_of: str | None,
           fund: str | None, notes: list[str] | None = None,
           weight_is_percent: bool | None = None) -> Holdings:
    """Raw string records (standard field names as columns) -> ``Holdings``."""
    notes = list(notes or [])
    n = len(records)
    raw = records.reindex(columns=["ticker", "name", "sector", "asset_class", "market_value",
                                   "weight_pct", "weight", "exchange", "location", "currency",
                                   "market_currency", "security_type"])
    raw = raw.astype("string").apply(lambda c: c.str.replace("\u00a0", " ").str.strip())
    for col in ("name", "sector", "exchange", "location", "currency"):  # shown on terminals
        raw[col] = raw[col].map(lambda v: terminal_safe(v).strip() if isinstance(v, str) else v,
                                na_action="ignore").astype("string")
    dropped: dict[str, int] = {}
    keep = pd.Series(True, index=raw.index)

    def drop(mask: pd.Series, reason: str) -> None:
        nonlocal keep
        hit = mask.fillna(False).astype(bool) & keep
        if hit.any():
            dropped[reason] = dropped.get(reason, 0) + int(hit.sum())
            keep = keep & ~hit

    if raw["asset_class"].notna().any():
        cls = raw["asset_class"].fillna("")
        for value in cls[keep & (cls.str.lower() != "equity")].unique():
            drop(cls == value, f"asset class {value or 'missing'}")
    if raw["security_type"].notna().any():
        typ = raw["security_type"].fillna("").str.upper()
        for value in typ[keep & typ.str.contains(_NOT_STOCK_TYPE)].unique():
            drop(typ == value, f"type {value}")
    drop(raw["ticker"].map(tk.is_blank, na_action=None).astype(bool), "no ticker")
    exch = raw["exchange"].fillna("").str.upper()
    drop(exch.str.contains("NO MARKET", regex=False), "no market listing")
    drop(exch.str.contains(_OTC_EXCHANGE), "not exchange-listed (OTC)")
    if raw["asset_class"].isna().all():
        names = raw["name"].fillna("").str.upper()
        ticks = raw["ticker"].fillna("").str.upper()
        drop(names.str.contains(_CASH_NAME) | ticks.str.match(r"^CASH[_ ]"), "cash or money market")

    kept = raw[keep].copy()
    kept["original_ticker"] = kept["ticker"].map(tk.clean)
    kept["norm"] = kept["ticker"].map(tk.normalise)
    why = [tk.problem(raw_t, norm) for raw_t, norm in zip(kept["ticker"], kept["norm"])]
    invalid = pd.Series([w is not None for w in why], index=kept.index)
    if invalid.any():  # formulas, invisible characters, lookalike letters: never a ticker
        dropped["not a valid ticker"] = int(invalid.sum())
        shown = [f"{tk.printable(t)} ({w})" for t, w in zip(kept["ticker"][invalid],
                                                          [w for w in why if w])][:5]
        notes.append(f"{source}: {int(invalid.sum())} row(s) without a valid ticker left out: "
                     + "; ".join(shown))
        kept = kept[~invalid]
    dup = kept["norm"].duplicated(keep="first")
    if dup.any():
        dropped["duplicate ticker"] = int(dup.sum())
        kept = kept[~dup]

    if kept["weight_pct"].notna().any():
        weight = to_number(kept["weight_pct"]) / 100.0
    else:
        weight = to_number(kept["weight"])
        total = weight.sum(skipna=True)
        percent = weight_is_percent if weight_is_percent is not None else total > 1.5
        if percent:
            weight = weight / 100.0
    currency = kept["currency"].fillna(kept["market_currency"])
    frame = pd.DataFrame({
        "original_ticker": kept["original_ticker"],
        "name": kept["name"],
        "sector": kept["sector"].mask(kept["sector"].isin(["-", ""])),
        "weight": weight.astype("float64"),
        "market_value": to_number(kept["market_value"]),
        "exchange": kept["exchange"],
        "location": kept["location"],
        "currency": currency,
        "asset_class": kept["asset_class"],
    })
    frame.index = pd.Index(kept["norm"].astype("string"), name="ticker")
    for col in ("original_ticker", "name", "sector", "exchange", "location", "currency",
                "asset_class"):
        frame[col] = frame[col].astype("string")
    return Holdings(as_of=as_of, frame=frame, dropped=dropped, fund=fund, kind=kind,
                    source=source, rows_total=n, notes=notes)
