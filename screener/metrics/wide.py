"""Statements as wide frames: one row per ticker, one column per fiscal year *relative to the
ticker's latest year*.

Column ``0`` is each ticker's latest fiscal year, ``-1`` the fiscal year exactly one before it,
and so on back to ``-(WINDOW - 1)``. A year missing from the data is a NaN column value, so
``shift(1, axis=1)`` (what FinanceToolkit's change criteria do) compares with fiscal_year - 1
exactly and a gap yields NaN, never the previous available row.

The frames are filled by one numpy scatter per block (no per-ticker loop, no per-item pivot),
and the derivable items are derived here once (see ``derive``), before any metric is computed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from screener.metrics.debt_policy import complete_debt, latest_notes

WINDOW = 6  # latest year and 5 before: 5-year variability of YoY-averaged ratios needs 6
OFFSETS = list(range(-(WINDOW - 1), 1))  # [-5, ..., 0]
VOL_YEARS = 5  # variability uses the latest 5 fiscal years ...
VOL_MIN_YEARS = 3  # ... and needs at least 3 of them

ITEMS = [
    "revenue", "cost_of_revenue", "gross_profit", "operating_income",
    "depreciation_amortization", "ebitda", "interest_expense", "pretax_income", "income_tax",
    "net_income", "eps_diluted", "shares_diluted", "cash", "short_term_investments",
    "current_assets", "total_assets", "current_liabilities", "total_liabilities",
    "short_term_debt", "long_term_debt", "total_debt", "total_equity", "retained_earnings",
    "shares_outstanding", "operating_cash_flow", "capital_expenditure", "free_cash_flow",
    "floating_rate_debt",
]


@dataclass
class Panel:
    """Wide statement frames by item, plus where each ticker's latest year came from."""

    items: dict[str, pd.DataFrame]
    has_statements: np.ndarray  # bool per ticker: at least one fiscal year kept
    latest_year: np.ndarray  # float per ticker, NaN without statements
    latest_source: pd.Series
    latest_period_end: pd.Series
    notes: pd.Series | None = None  # per ticker: assumptions behind its latest year (text)

    def __getitem__(self, item: str) -> pd.DataFrame:
        return self.items[item]


def _fill(base: np.ndarray, derived: np.ndarray) -> np.ndarray:
    """Reported value where known, derived value otherwise."""
    return np.where(np.isnan(base), derived, base)


def derive(arr: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Fill derivable items in place; a reported value always wins over a derived one.
    Returns the assumptions made (note -> boolean cells), see ``debt_policy``.

    - blank debt components: ``debt_policy.complete_debt`` (one component reported, the other
      blank -> 0), applied before total_debt is derived
    - gross_profit = revenue - cost_of_revenue (and cost_of_revenue = revenue - gross_profit)
    - ebitda = operating_income + depreciation_amortization
    - total_debt = short_term_debt + long_term_debt (after the debt policy); long_term_debt = total_debt - short_term_debt when both known,
      and 0 when total_debt is reported as 0
    - free_cash_flow = operating_cash_flow - capital_expenditure (capex is a positive outflow)
    - eps_diluted = net_income / shares_diluted when shares_diluted > 0
    - total_liabilities = total_assets - total_equity
    NaN in any input keeps the derived value NaN (numpy arithmetic propagates it).
    """
    arr["gross_profit"] = _fill(arr["gross_profit"], arr["revenue"] - arr["cost_of_revenue"])
    arr["cost_of_revenue"] = _fill(arr["cost_of_revenue"], arr["revenue"] - arr["gross_profit"])
    arr["ebitda"] = _fill(arr["ebitda"],
                          arr["operating_income"] + arr["depreciation_amortization"])
    flags = complete_debt(arr)
    arr["total_debt"] = _fill(arr["total_debt"], arr["short_term_debt"] + arr["long_term_debt"])
    ltd = _fill(arr["long_term_debt"], arr["total_debt"] - arr["short_term_debt"])
    arr["long_term_debt"] = np.where(np.isnan(ltd) & (arr["total_debt"] == 0), 0.0, ltd)
    arr["free_cash_flow"] = _fill(arr["free_cash_flow"],
                                  arr["operating_cash_flow"] - arr["capital_expenditure"])
    shares = arr["shares_diluted"]
    with np.errstate(divide="ignore", invalid="ignore"):
        eps = np.where(shares > 0, arr["net_income"] / np.where(shares > 0, shares, 1.0), np.nan)
    arr["eps_diluted"] = _fill(arr["eps_diluted"], eps)
    arr["total_liabilities"] = _fill(arr["total_liabilities"],
                                     arr["total_assets"] - arr["total_equity"])
    return flags


def build_panel(statements: pd.DataFrame, tickers: pd.Index,
                as_of: dt.date | None = None) -> Panel:
    """Scatter the long statements block into wide relative-year frames for ``tickers``.

    Latest year = per ticker the max fiscal_year present (with ``as_of``: among years whose
    period_end <= as_of; a row without period_end is kept). Rows of tickers not in ``tickers``
    are ignored. Years older than latest - (WINDOW - 1) are not needed and dropped.
    """
    n = len(tickers)
    st = statements
    if as_of is not None and len(st) and "period_end" in st.columns:
        pe = pd.to_datetime(st["period_end"])
        st = st[~(pe > pd.Timestamp(as_of)).to_numpy()]
    code = tickers.get_indexer(st.index.get_level_values("ticker"))
    year = st.index.get_level_values("fiscal_year").to_numpy(dtype="int64")
    known = code >= 0
    code, year = code[known], year[known]

    lowest = np.iinfo(np.int64).min
    latest = np.full(n, lowest, dtype="int64")
    np.maximum.at(latest, code, year)
    offset = year - latest[code]
    keep = offset >= -(WINDOW - 1)
    code_k, col_k = code[keep], offset[keep] + WINDOW - 1

    cols = [c for c in ITEMS if c in st.columns]
    values = st[cols].to_numpy(dtype="float64", na_value=np.nan)[known][keep]
    cube = np.full((len(ITEMS), n, WINDOW), np.nan)
    pos = np.array([ITEMS.index(c) for c in cols], dtype="int64")
    cube[pos[:, None], code_k[None, :], col_k[None, :]] = values.T  # one scatter, no loop
    arr = {item: cube[i] for i, item in enumerate(ITEMS)}
    flags = derive(arr)
    items = {k: pd.DataFrame(v, index=tickers, columns=OFFSETS) for k, v in arr.items()}

    has = latest != lowest
    is_latest = offset == 0
    src = np.full(n, None, dtype=object)
    pend = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    if is_latest.any():
        rows = st[known][is_latest]
        if "source" in rows.columns:
            src[code[is_latest]] = rows["source"].to_numpy(dtype=object)
        if "period_end" in rows.columns:
            pend[code[is_latest]] = pd.to_datetime(rows["period_end"]).to_numpy(
                dtype="datetime64[ns]")
    latest_f = np.where(has, latest, np.nan).astype("float64")
    return Panel(items, has, latest_f, pd.Series(src, index=tickers),
                 pd.Series(pend, index=tickers),
                 pd.Series(latest_notes(flags, WINDOW - 1), index=tickers))


# -- helpers every metric module uses -------------------------------------------------------

def nz(x: pd.DataFrame | pd.Series) -> pd.DataFrame | pd.Series:
    """The denominator with zeros as NaN, so a division by zero gives NaN, never inf."""
    return x.where(x != 0)


def positive(x: pd.DataFrame | pd.Series) -> pd.DataFrame | pd.Series:
    """Only the strictly positive values (for denominators where <= 0 has no meaning)."""
    return x.where(x > 0)


def finite(x: pd.DataFrame | pd.Series) -> pd.DataFrame | pd.Series:
    """±inf as NaN (a safety net after third-party arithmetic)."""
    return x.where(np.isfinite(x.to_numpy(dtype="float64", na_value=np.nan)))


def latest(wide: pd.DataFrame) -> pd.Series:
    """Value in each ticker's latest fiscal year."""
    return wide[0]


def prior(wide: pd.DataFrame, years: int = 1) -> pd.Series:
    """Value in fiscal year latest - ``years`` exactly (NaN when that year is missing)."""
    return wide[-years]


def average_with_prior(wide: pd.DataFrame) -> pd.DataFrame:
    """(this year + prior year) / 2 when both exist, else this year's ending value."""
    before = wide.shift(1, axis=1)
    return ((wide + before) / 2).where(before.notna(), wide)


def variability(wide: pd.DataFrame) -> pd.Series:
    """Sample standard deviation (ddof=1) over the latest VOL_YEARS fiscal years;
    NaN with fewer than VOL_MIN_YEARS known values."""
    window = wide[OFFSETS[-VOL_YEARS:]]
    out = window.std(axis=1, ddof=1)
    return out.where(window.count(axis=1) >= VOL_MIN_YEARS)
