"""Consensus estimate snapshots of the fictional history (the ``estimates`` dataset).

One snapshot per covered name on the last trading day of every month, in the shape of the
``eps_trend``/``eps_revisions`` snapshot the product stores from Yahoo: the consensus EPS for the
current and next fiscal year, the same consensus 7/30/60/90 days earlier, the number of
analysts revising up and down over 7 and 30 days, and the number of analysts.

The consensus for a fiscal year is its eventual diluted EPS (``annual``) plus an error that
shrinks as the report nears, plus the analysts' mood. The mood drifts at a rate set by the
phase in force a month *later* (revisions lead prices): cut hard in bear markets, raised into
and through junk rallies, raised moderately in quality-led recoveries, trimmed in high-rate
grinds; a name's junk exposure tilts it (junk names are cut hardest in a bear and raised most in
a junk rally; quality names are raised most in a quality-led recovery). The mood mean-reverts
(a few months), so a consensus never strays far from the eventual figure. The values ``d`` days
ago are the same formula at that date, so consecutive snapshots agree with each other.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from screener.history.schema import ESTIMATE_FIELDS
from screener.sample.filings import Filings
from screener.sample.phases import Factors, ar1, phase_table
from screener.sample.prices import Paths, constant, take_strings
from screener.sample.roster import Roster

LEAD_DAYS = 21                 # revisions follow the phase this many sessions ahead
MOOD_PHI = 0.985               # daily persistence of the mood
# per session, as a share of |EPS|: (all names, extra per unit of junk exposure)
MOOD_RATE = {"bear": (-0.003, -0.002), "junk_rally": (0.002, 0.0015),
             "quality_recovery": (0.001, -0.0015), "grind": (-0.0008, -0.001),
             "expansion": (0.0005, 0.0)}
COVERED = 0.92                 # share of names with a consensus
LOOKBACKS = (0, 7, 30, 60, 90)


def _month_ends(dates: pd.DatetimeIndex) -> np.ndarray:
    m = dates.to_period("M")
    return np.flatnonzero(np.r_[m[1:] != m[:-1], True])


def _moods(f: Factors) -> tuple[np.ndarray, np.ndarray]:
    """Daily mood common to all names, and its extra per unit of junk exposure."""
    kinds = phase_table()["kind"].to_numpy()
    ahead = f.phase[np.minimum(np.arange(len(f.phase)) + LEAD_DAYS, len(f.phase) - 1)]
    rate = np.array([MOOD_RATE[k] for k in kinds])[ahead]
    return ar1(rate[:, 0], MOOD_PHI), ar1(rate[:, 1], MOOD_PHI)


def estimates_table(rng: np.random.Generator, ro: Roster, p: Paths, f: Factors,
                    fl: Filings, eps: np.ndarray, source: str) -> pa.Table:
    N = len(ro)
    snaps = _month_ends(p.dates)
    covered = rng.random(N) < COVERED
    alive = ~np.isnan(p.close[snaps]) & covered[None, :]
    s_idx, n_idx = np.nonzero(alive)
    day = p.dates[snaps].to_numpy("datetime64[D]")[s_idx]
    mood_all, mood_junk = _moods(f)
    dates_d = p.dates.to_numpy("datetime64[D]")
    fy_end = fl.period_end[:, :, 3]                                   # (N, Y)
    # current fiscal year: the first not ended on the snapshot day
    j_cy = (fy_end[n_idx] < day[:, None]).sum(axis=1)
    j_cy = np.minimum(j_cy, fy_end.shape[1] - 2)
    err = rng.normal(0.0, 0.25, eps.shape)                           # per name and year
    a_sens = 1 + 0.5 * ro.junk

    def consensus(j, lookback):
        d = day - np.timedelta64(lookback, "D")
        k = np.clip(np.searchsorted(dates_d, d, side="right") - 1, 0, len(dates_d) - 1)
        true = eps[n_idx, j]
        until = (fy_end[n_idx, j] + np.timedelta64(60, "D") - d).astype(float)
        h = np.clip(until / 540.0, 0.05, 1.0)
        mood = a_sens[n_idx] * mood_all[k] + ro.junk[n_idx] * mood_junk[k]
        return true + np.maximum(np.abs(true), 0.05) * (err[n_idx, j] * h + mood)

    cols = {}
    for key, j in (("cy", j_cy), ("ny", j_cy + 1)):
        for lb in LOOKBACKS:
            name = f"eps_{key}" + (f"_{lb}d" if lb else "")
            cols[name] = np.round(consensus(j, lb), 4)
    growth = np.clip(np.arange(len(snaps)) / max(len(snaps) - 1, 1), 0, 1)
    world_an = np.clip(np.round(np.log(np.maximum(ro.shares * ro.price, 1e7) / 1.5e8) * 2.2
                                + 1), 1, 15)
    analysts = np.maximum(1, np.round(world_an[n_idx] * (0.6 + 0.4 * growth[s_idx])))
    scale = np.maximum(np.abs(cols["eps_cy"]), 0.05)
    for window, rate, past in (("7d", 0.15, "eps_cy_7d"), ("30d", 0.45, "eps_cy_30d")):
        change = (cols["eps_cy"] - cols[past]) / scale
        p_up = 1 / (1 + np.exp(-change / 0.03))
        movers = rng.binomial(analysts.astype(np.int64), rate)
        up = rng.binomial(movers, p_up)
        cols[f"up_{window}"] = up.astype(float)
        cols[f"down_{window}"] = (movers - up).astype(float)
    cols["n_analysts"] = analysts
    keep = ~np.isnan(cols["eps_cy"])
    out = {"ticker": take_strings(ro.tickers, n_idx[keep]),
           "as_of": pa.array(day[keep], pa.date32())}
    out.update({f: cols[f][keep] for f in ESTIMATE_FIELDS})
    out["source"] = constant(source, int(keep.sum()))
    return pa.table(out)
