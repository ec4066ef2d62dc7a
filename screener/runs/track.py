"""The track record: how each recorded list has done since its run, from stored prices.

Conventions (the backtest's, so the two agree):
- a run's lists are bought at the **next close after the run's date** (its ``--as-of`` date,
  else the day it ran), equal-weighted, and held to the last stored close (or ``until``);
- returns use the split- and dividend-adjusted close;
- a name that stopped trading keeps its return to its last price; when the history records
  a delisting, the delisting return is applied on top (default -30% for performance delistings
  and unknown causes, 0% when acquired); without a record the last price is used as is and the
  row's note says how many names stopped trading;
- the universe is every name of the run's universe (equal-weighted), the ETF is the universe's
  index fund (IWM for russell2000, IJR for sp600);
- hit rate = share of the list's priced names whose return beat the universe's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from screener.history.prices import PricePanel
from screener.runs.record import RunRecord

DELISTING_RETURNS = {"performance": -0.30, "acquired": 0.0, "unknown": -0.30}
ETF_OF_UNIVERSE = {"russell2000": "IWM", "sp600": "IJR", "sample": "IWM"}
COLUMNS = ["run_id", "run_date", "phase", "names", "priced", "entry_date", "end_date",
           "list_return", "universe_return", "etf", "etf_return", "excess_vs_universe",
           "hit_rate", "note"]


def name_returns(panel: PricePanel, tickers, start, end=None,
                 delistings: pd.DataFrame | None = None,
                 delisting_returns: dict[str, float] | None = None
                 ) -> tuple[pd.Series, pd.Timestamp | None, pd.Timestamp | None, int]:
    """Per ticker: return from the first close strictly after ``start`` to its last close on
    or before ``end`` (then the delisting return when recorded). NaN when not priced at entry.
    Returns (returns, entry date, end date, names that stopped trading before the end)."""
    rates = {**DELISTING_RETURNS, **(delisting_returns or {})}
    tickers = pd.Index(list(tickers))
    view = panel if end is None else panel.until(end)
    first = int(view.dates.searchsorted(pd.Timestamp(start), side="right"))
    if first >= len(view.dates):
        return pd.Series(np.nan, index=tickers), None, None, 0
    cols = view.tickers.get_indexer(tickers)
    px = np.full((len(view.dates) - first, len(tickers)), np.nan)
    have = cols >= 0
    px[:, have] = view.adj_close[first:, cols[have]]
    p0 = px[0]
    valid = ~np.isnan(px)
    last_row = np.where(valid.any(axis=0), len(px) - 1 - np.argmax(valid[::-1], axis=0), -1)
    p_last = np.where(last_row >= 0, px[np.maximum(last_row, 0), np.arange(len(tickers))],
                      np.nan)
    ret = p_last / p0 - 1.0
    stopped = (last_row >= 0) & (last_row < len(px) - 1) & ~np.isnan(p0)
    if delistings is not None and len(delistings):
        d = delistings.drop_duplicates("ticker", keep="last").set_index("ticker")
        reason = d["reason"].reindex(tickers).fillna("unknown").to_numpy(dtype=object)
        known = tickers.isin(d.index) & stopped
        extra = np.array([rates.get(str(r), rates["unknown"]) for r in reason])
        ret = np.where(known, (1 + ret) * (1 + extra) - 1, ret)
    return (pd.Series(ret, index=tickers), view.dates[first], view.dates[-1],
            int(stopped.sum()))


def track_runs(records: list[RunRecord], panel: PricePanel, *, until=None,
               delistings: pd.DataFrame | None = None,
               delisting_returns: dict[str, float] | None = None) -> pd.DataFrame:
    """One row per (run, phase); see the module docstring for the conventions."""
    rows = []
    for rec in records:
        universe = rec.names["ticker"].unique()
        uni_ret, entry, end, _ = name_returns(panel, universe, rec.date, until, delistings,
                                              delisting_returns)
        uni_mean = float(uni_ret.mean()) if uni_ret.notna().any() else np.nan
        first_universe = next(iter(rec.meta["universes"] or {}), "russell2000")
        etf = ETF_OF_UNIVERSE.get(first_universe, "IWM")
        etf_ret = (name_returns(panel, [etf], rec.date, until)[0].iloc[0]
                   if etf in panel.tickers else np.nan)
        for phase in rec.phase_ids:
            listed = rec.listed(phase)["ticker"]
            if entry is None:
                rows.append((rec.run_id, rec.date, phase, len(listed), 0, None, None, np.nan,
                             np.nan, etf, np.nan, np.nan, np.nan,
                             "no close after the run's date yet"))
                continue
            r, _, _, stopped = name_returns(panel, listed, rec.date, until, delistings,
                                            delisting_returns)
            priced = int(r.notna().sum())
            mean = float(r.mean()) if priced else np.nan
            hit = float((r.dropna() > uni_mean).mean()) if priced else np.nan
            notes = []
            if priced < len(listed):
                notes.append(f"{len(listed) - priced} name(s) without a price at entry")
            if stopped:
                notes.append(f"{stopped} name(s) stopped trading (last price"
                             f"{', then the delisting return' if delistings is not None else ''})")
            rows.append((rec.run_id, rec.date, phase, len(listed), priced, entry, end, mean,
                         uni_mean, etf, etf_ret, mean - uni_mean, hit, "; ".join(notes)))
    return pd.DataFrame(rows, columns=COLUMNS)
