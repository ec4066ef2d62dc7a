"""Series computed from point-in-time statements, at each quarter end (``source = computed``).

On each quarter end d (its last trading day), over the members of the snapshot in force then,
with statements as first filed on or before d (``history.asof.QuarterTable``: TTM flows, MRQ
balances) and the close of d:

- ``refi_wall_share``: share of members (with a balance sheet) whose debt due within 12 months
  (``short_term_debt``, MRQ) exceeds their liquidity: cash + short-term investments + trailing
  free cash flow when positive. (The 24-month maturity ladder is not stored point in time;
  the 12-month wall is what every balance sheet reports.)
- ``median_pe``: median of close / trailing EPS over members with positive trailing EPS
  (EPS = TTM diluted EPS, else TTM net income / diluted shares).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from screener.history.asof import QuarterTable
from screener.history.prices import PricePanel

STATEMENT_SERIES = ("refi_wall_share", "median_pe")
ITEMS_USED = ["eps_diluted", "net_income", "shares_diluted", "cash", "short_term_investments",
              "short_term_debt", "total_debt", "free_cash_flow", "operating_cash_flow",
              "capital_expenditure"]
FACTS_LOOKBACK = pd.DateOffset(years=2)   # a TTM window and a spare year before the first date


def _latest_window(frame: pd.DataFrame) -> pd.DataFrame:
    """Per ticker the newest TTM/MRQ window (index ticker)."""
    if frame.empty:
        return frame.reset_index(level="fiscal_year", drop=True)
    last = frame.groupby(level="ticker").tail(1)
    return last.reset_index(level="fiscal_year", drop=True)


def wall_share_and_pe(st: pd.DataFrame, close: pd.Series) -> tuple[float, float]:
    """The two figures for one date from the latest windows ``st`` and closes by ticker."""
    if st.empty:
        return np.nan, np.nan
    g = lambda c: st[c] if c in st else pd.Series(np.nan, index=st.index)
    fcf = g("free_cash_flow")
    fcf = fcf.where(fcf.notna(), g("operating_cash_flow") - g("capital_expenditure").abs())
    liquidity = g("cash").fillna(0) + g("short_term_investments").fillna(0) \
        + fcf.where(fcf > 0, 0).fillna(0)
    due = g("short_term_debt")
    has_balance = g("cash").notna() | g("total_debt").notna() | due.notna()
    wall = (due.fillna(0) > liquidity) & has_balance
    share = float(wall[has_balance].mean()) if has_balance.any() else np.nan
    eps = g("eps_diluted")
    alt = g("net_income") / g("shares_diluted").where(g("shares_diluted") > 0)
    eps = eps.where(eps.notna(), alt)
    px = close.reindex(st.index)
    pe = (px / eps)[(eps > 0) & px.notna()]
    return share, (float(pe.median()) if len(pe) else np.nan)


def statement_series(store, panel: PricePanel, tickers: list[str],
                     memberships: pd.DataFrame | None, since, end) -> pd.DataFrame:
    """Rows of both series at each quarter end in (since, end]; empty when none passed."""
    first = panel.dates[0] if since is None and len(panel.dates) else since
    if first is None:
        return pd.DataFrame()
    qends = pd.date_range(pd.Timestamp(first), pd.Timestamp(end), freq="QE")
    qends = qends[qends > pd.Timestamp(first)] if since is not None else qends
    if not len(qends):
        return pd.DataFrame()
    facts = store.read("facts", tickers=tickers, start=qends[0] - FACTS_LOOKBACK, end=end,
                       as_of=end, where={"item": ITEMS_USED})
    if facts.empty:
        return pd.DataFrame()
    table = QuarterTable.build(facts, tickers)
    rows = []
    for q in qends:
        i = int(panel.dates.searchsorted(q, side="right")) - 1
        if i < 0:
            continue
        d = panel.dates[i]
        members = tickers
        if memberships is not None and len(memberships):
            snaps = memberships["as_of"]
            in_force = snaps[snaps <= d].max()
            if pd.isna(in_force):
                continue
            members = memberships.loc[snaps == in_force, "ticker"].unique().tolist()
        st = _latest_window(table.statements(d))
        st = st[st.index.isin(members)]
        close = pd.Series(panel.close[i], index=panel.tickers)
        share, pe = wall_share_and_pe(st, close)
        rows.append({"date": d, "refi_wall_share": share, "median_pe": pe})
    return pd.DataFrame(rows).set_index("date") if rows else pd.DataFrame()
