"""Index membership over the fictional history, and the names that stopped trading.

Snapshots on the last trading day of every quarter (and on the last day of the history), for
the two fictional indexes the sample has always had:

- ``russell2000``: reconstituted each June by market cap (the names ranked below the largest
  ``share_large`` of listed names, as many as today's share of members); between
  reconstitutions a name leaves only when it stops trading, and new listings join at the next
  quarter's snapshot when their cap falls in the band. The last reconstitution is today's
  membership (``world``), so the newest snapshot is the demo's.
- ``sp600``: committee-style, checked quarterly: a member stays while it trades and its cap stays
  in a wide band; vacancies are filled from names with positive trailing earnings known at the
  time (the S&P 600 rule), in the band, largest first.

Loops run over snapshot dates (about 80), each step vectorised over names.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from screener.sample.prices import Paths, constant, take_strings
from screener.sample.roster import Roster

SP_BAND = (0.30, 0.92)        # cap quantiles (of listed names) where S&P-like additions come from
SP_KEEP = (0.08, 0.985)       # members leave when their cap moves outside these quantiles


def snapshot_days(dates: pd.DatetimeIndex) -> np.ndarray:
    """Row index of each quarter's last trading day, plus the last day of the history."""
    q = dates.to_period("Q")
    last_of_q = np.flatnonzero(np.r_[q[1:] != q[:-1], True])
    return np.unique(np.r_[last_of_q, len(dates) - 1])


def _band(cap: np.ndarray, listed: np.ndarray, lo: float, hi: float):
    c = cap[listed]
    return np.quantile(c, lo), np.quantile(c, hi)


def membership_matrix(p: Paths, ro: Roster, eps_ttm_known: np.ndarray | None):
    """(snapshot rows, russell2000 (S, N) bool, sp600 (S, N) bool).

    ``eps_ttm_known``: (S, N) trailing net income known at each snapshot (NaN when none).
    """
    rows = snapshot_days(p.dates)
    cap = p.close[rows] * ro.shares[None, :]
    listed = ~np.isnan(cap)
    S, N = cap.shape
    live_share_r = ro.in_russell2000[ro.live].mean() if ro.live.any() else 0.75
    live_share_sp = ro.in_sp600[ro.live].mean() if ro.live.any() else 0.23
    large = (ro.group == 4)[ro.live].mean() if ro.live.any() else 0.05
    month = p.dates[rows].month.to_numpy()
    last_recon = np.flatnonzero(month == 6)
    last_recon = last_recon[-1] if len(last_recon) else S - 1
    r = np.zeros((S, N), dtype=bool)
    sp = np.zeros((S, N), dtype=bool)
    for k in range(S):
        lst = listed[k]
        c = np.where(lst, cap[k], -np.inf)
        n_listed = lst.sum()
        if k >= last_recon:
            r[k] = ro.in_russell2000 & lst
            sp[k] = ro.in_sp600 & lst
            continue
        order = np.argsort(-c, kind="stable")
        n_top = round(large * n_listed)
        band = order[n_top: n_top + round(live_share_r * n_listed)]
        in_band = np.zeros(N, dtype=bool)
        in_band[band] = True
        if k == 0 or month[k] == 6:
            r[k] = in_band
        else:                      # keep members that still trade; new listings in the band
            new = lst & ~listed[k - 1]
            r[k] = (r[k - 1] & lst) | (new & in_band)
        lo, hi = _band(cap[k], lst, *SP_KEEP)
        keep = (sp[k - 1] if k else np.zeros(N, bool)) & lst & (cap[k] >= lo) & (cap[k] <= hi)
        want = round(live_share_sp * n_listed) - keep.sum()
        if want > 0:
            blo, bhi = _band(cap[k], lst, *SP_BAND)
            ok = lst & ~keep & (cap[k] >= blo) & (cap[k] <= bhi)
            if eps_ttm_known is not None:
                ok &= np.nan_to_num(eps_ttm_known[k], nan=-1.0) > 0
            cand = np.flatnonzero(ok)
            cand = cand[np.argsort(-cap[k][cand], kind="stable")][:want]
            keep[cand] = True
        sp[k] = keep
    return rows, r, sp


def membership_table(p: Paths, ro: Roster, rows, r, sp, source: str) -> pa.Table:
    parts = []
    names = ro.identity["name"].to_numpy(dtype=str)
    sectors = ro.identity["sector"].to_numpy(dtype=str)
    for universe, m in (("russell2000", r), ("sp600", sp)):
        k_idx, n_idx = np.nonzero(m)
        cap = p.close[rows][k_idx, n_idx] * ro.shares[n_idx]
        total = np.bincount(k_idx, weights=cap, minlength=len(rows))
        parts.append(pa.table({
            "universe": constant(universe, len(k_idx)),
            "as_of": pa.array(p.dates[rows][k_idx].to_numpy("datetime64[D]"), pa.date32()),
            "ticker": take_strings(ro.tickers, n_idx),
            "name": take_strings(names, n_idx),
            "sector": take_strings(sectors, n_idx),
            "weight": cap / total[k_idx],
            "source": constant(source, len(k_idx)),
        }))
    return pa.concat_tables(parts)


def delistings_table(p: Paths, ro: Roster, source: str) -> pa.Table:
    gone = np.flatnonzero(~ro.live)
    last_i = p.dates.searchsorted(pd.DatetimeIndex(ro.last[gone]))
    return pa.table({
        "ticker": pa.array(ro.tickers[gone].to_numpy(dtype=str)),
        "last_date": pa.array(ro.last[gone], pa.date32()),
        "last_price": p.close[last_i, gone],
        "reason": pa.array(ro.reason[gone].astype(str)),
        "source": constant(source, len(gone)),
    })
