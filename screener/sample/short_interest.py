"""Short interest of the fictional history (the ``short_interest`` dataset).

Twice a month (settlement on the 15th and on the last business day of the month), published
eight business days later, as exchanges publish it. Shorts build up while the junk-minus-quality
factor falls (bears, quality-led legs) and are covered when it rallies, the more so the junkier
the name; so the most shorted names at a bottom are the junk names that lead the rally off it.
A name alive today ends at today's snapshot value (``world``), so the demo and the history's
last day agree.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from screener.sample.phases import Factors, ar1
from screener.sample.prices import Paths, constant, take_strings
from screener.sample.roster import Roster

PUBLICATION_BUSINESS_DAYS = 8
PRESSURE_PHI = 0.995            # the shorts' memory of the junk factor (half-life ~140 days)


def settlement_rows(dates: pd.DatetimeIndex) -> np.ndarray:
    """Row of each settlement date: the last trading day on or before the 15th and the
    month's last trading day."""
    mid = pd.DatetimeIndex(dates.to_period("M").unique().to_timestamp() + pd.Timedelta(days=14))
    mid_rows = dates.searchsorted(mid, side="right") - 1
    period = dates.to_period("M")
    end_rows = np.flatnonzero(np.r_[period[1:] != period[:-1], True])
    rows = np.unique(np.r_[mid_rows[mid_rows >= 0], end_rows])
    return rows


def short_interest_table(rng: np.random.Generator, ro: Roster, p: Paths, f: Factors,
                         source: str) -> pa.Table:
    rows = settlement_rows(p.dates)
    pressure = ar1(-f.junk, PRESSURE_PHI)[rows]                    # (S,)
    pressure = pressure / (np.std(pressure) or 1.0)
    sens = 0.45 * (1 + ro.junk)                                     # 0 .. 0.9
    noise = ar1(rng.standard_normal((len(rows), len(ro))) * 0.08, 0.9)
    log_si = sens[None, :] * pressure[:, None] + noise
    settle = p.dates[rows].to_numpy("datetime64[D]")
    released = np.busday_offset(settle, PUBLICATION_BUSINESS_DAYS, roll="forward")
    known = released <= p.dates[-1].to_numpy().astype("datetime64[D]")
    rows, released, settle = rows[known], released[known], settle[known]
    log_si = log_si[known]
    # pinned: the last published value of a name alive today is today's snapshot value
    log_si += (np.log(ro.short) - log_si[-1])[None, :]
    pct = np.clip(np.exp(log_si), 0.001, 0.6)
    s_idx, n_idx = np.nonzero(~np.isnan(p.close[rows]))
    day = settle[s_idx]
    value = np.round(pct[s_idx, n_idx], 5)
    shares = np.round(value * ro.shares[n_idx] * ro.float_share[n_idx], -2)
    released = released[s_idx]
    keep = np.ones(len(day), dtype=bool)
    return pa.table({
        "ticker": take_strings(ro.tickers, n_idx[keep]),
        "date": pa.array(day[keep], pa.date32()),
        "short_pct_float": value[keep], "shares_short": shares[keep],
        "released": pa.array(released[keep], pa.date32()),
        "source": constant(source, int(keep.sum())),
    })
