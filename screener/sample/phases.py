"""The fictional market's calendar: trading days and the phases the history moves through.

The phase dates follow the shape of the small-cap episodes in DOMAIN.md (a sharp bear into
March 2009, a junk rally off the bottom, a quality-led recovery, the 2020 crash and rally, the
2022-23 high-rate grind, the 2025 rebound), so a backtest's default episodes line up with
something in the sample; every number in the table is invented.

Each phase sets, over its whole span:

- ``market``: the log return of the small-cap market factor (a beta-1 name's expected move),
- ``junk``: the log return of the junk-minus-quality factor (a name with junk exposure +1
  gains it, a quality name with exposure -1 loses it): positive in junk rallies, negative in
  bears and quality-led legs,
- ``vol``: the market factor's annualised volatility,
- the macro picture at the phase's end (the series move towards it during the phase): high-yield
  spread, fed funds target (upper), 10-year and 2-year yields, 3-month CFNAI, initial claims
  (thousands), VIX, NFCI, the recession flag, and the net share of banks tightening loans to
  small firms (DRTSCIS, percent).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# kind: bear, junk_rally, quality_recovery, grind (high rates), expansion
# start, kind, name, market, junk, vol | hy, ff, t10, t2, cfnai, claims, vix, nfci, rec, drts
PHASES: list[tuple] = [
    ("2006-01-02", "expansion", "Late-cycle expansion", .10, .02, .14,
     3.2, 5.25, 4.9, 4.8, .1, 320, 12, -.55, 0, -5),
    ("2007-07-16", "grind", "Credit strain", -.14, -.10, .22,
     6.5, 3.00, 3.9, 2.2, -.6, 420, 25, .2, 0, 40),
    ("2008-09-15", "bear", "Sharp bear market", -.62, -.28, .55,
     19.0, 0.25, 2.9, 0.9, -3.5, 650, 45, 2.8, 1, 70),
    ("2009-03-09", "junk_rally", "Junk rally off the bottom", .26, .17, .32,
     7.0, 0.25, 3.4, 1.0, -.9, 530, 24, .3, 0, 15),
    ("2009-09-09", "quality_recovery", "Quality-led recovery", .22, -.34, .20,
     5.5, 0.25, 3.4, 0.6, .3, 410, 16, -.4, 0, -10),
    ("2011-04-29", "bear", "Correction", -.28, -.12, .30,
     7.8, 0.25, 1.9, 0.3, -.3, 410, 38, .1, 0, 0),
    ("2011-10-03", "expansion", "Expansion", .55, .00, .17,
     4.9, 0.25, 2.3, 0.6, .1, 280, 13, -.6, 0, -8),
    ("2015-06-23", "bear", "Small-cap bear market", -.30, -.16, .22,
     8.4, 0.50, 1.7, 0.7, -.3, 290, 26, -.3, 0, 8),
    ("2016-02-11", "junk_rally", "Junk rally", .22, .10, .20,
     5.3, 0.50, 1.6, 0.8, -.1, 260, 13, -.5, 0, 0),
    ("2016-08-31", "quality_recovery", "Quality-led expansion", .25, -.14, .14,
     3.4, 2.00, 2.9, 2.6, .2, 210, 13, -.7, 0, -5),
    ("2018-08-31", "bear", "Q4 sell-off", -.29, -.08, .25,
     5.3, 2.50, 2.8, 2.6, -.1, 230, 28, -.4, 0, 3),
    ("2018-12-24", "junk_rally", "Rebound", .17, .04, .17,
     3.9, 2.50, 2.5, 2.3, -.1, 220, 14, -.6, 0, 0),
    ("2019-04-30", "grind", "Late-cycle grind", .00, -.05, .16,
     3.8, 1.75, 1.6, 1.4, -.2, 215, 15, -.6, 0, 5),
    ("2020-02-20", "bear", "Crash", -.48, -.16, .85,
     10.9, 0.25, 0.7, 0.3, -8.0, 3000, 66, .7, 1, 70),
    ("2020-03-23", "junk_rally", "Junk rally off the bottom", .55, .25, .35,
     3.6, 0.25, 1.2, 0.1, 1.5, 790, 22, -.6, 0, 0),
    ("2021-02-12", "quality_recovery", "Quality-led recovery", .02, -.30, .22,
     3.0, 0.25, 1.6, 0.5, .6, 270, 17, -.6, 0, -20),
    ("2021-11-08", "bear", "Rate-shock bear market", -.36, -.16, .30,
     5.9, 1.75, 3.4, 3.2, .1, 230, 32, -.1, 0, 40),
    ("2022-06-16", "junk_rally", "Bear-market bounce", .13, .05, .24,
     4.2, 2.50, 2.8, 3.3, .0, 250, 20, -.2, 0, 45),
    ("2022-08-16", "grind", "High-rate grind", -.10, -.24, .22,
     4.5, 5.50, 4.9, 5.1, -.2, 220, 21, -.2, 0, 50),
    ("2023-10-27", "junk_rally", "Rate-cut hopes rebound", .22, .06, .19,
     3.4, 5.50, 4.2, 4.6, -.1, 210, 13, -.5, 0, 15),
    ("2024-03-28", "grind", "High-rate grind", .06, -.07, .20,
     2.9, 4.50, 4.5, 4.2, -.2, 220, 16, -.5, 0, 5),
    ("2025-02-18", "bear", "Sharp bear market", -.30, -.12, .45,
     4.6, 4.50, 4.0, 3.7, -.4, 240, 45, -.3, 0, 18),
    ("2025-04-08", "junk_rally", "Junk rally off the bottom", .28, .20, .24,
     2.9, 4.25, 4.1, 3.6, -.1, 230, 16, -.5, 0, 5),
    ("2025-10-15", "quality_recovery", "Quality-led recovery", .06, -.16, .17,
     2.8, 3.75, 4.1, 3.5, .0, 225, 15, -.5, 0, 0),
]
MACRO_COLUMNS = ("hy", "ff", "t10", "t2", "cfnai", "claims", "vix", "nfci", "rec", "drts")
KINDS = ("expansion", "grind", "bear", "junk_rally", "quality_recovery")


def phase_table() -> pd.DataFrame:
    """The phase table: one row per phase, with its start and (exclusive) end date."""
    cols = ["start", "kind", "name", "market", "junk", "vol", *MACRO_COLUMNS]
    t = pd.DataFrame(PHASES, columns=cols)
    t["start"] = pd.to_datetime(t["start"])
    t["end"] = t["start"].shift(-1)
    return t


def trading_days(start, end) -> pd.DatetimeIndex:
    """NYSE sessions between ``start`` and ``end`` (inclusive), from exchange-calendars."""
    import warnings

    import exchange_calendars as xc

    with warnings.catch_warnings():          # the library's own pandas deprecation notices
        warnings.simplefilter("ignore", category=FutureWarning)
        warnings.simplefilter("ignore", category=DeprecationWarning)
        cal = xc.get_calendar("XNYS", start=pd.Timestamp(start).strftime("%Y-%m-%d"),
                              end=pd.Timestamp(end).strftime("%Y-%m-%d"))
    return pd.DatetimeIndex(cal.sessions.tz_localize(None) if cal.sessions.tz else cal.sessions)


@dataclass(frozen=True)
class Factors:
    """Daily factor returns on the trading days (log returns, shape ``(days,)``)."""

    dates: pd.DatetimeIndex
    phase: np.ndarray      # row of ``phase_table()`` in force each day
    market: np.ndarray
    junk: np.ndarray
    vol: np.ndarray        # the market factor's daily volatility


def phase_of(dates: pd.DatetimeIndex) -> np.ndarray:
    """Row of the phase table in force on each date."""
    starts = phase_table()["start"].to_numpy()
    return np.clip(np.searchsorted(starts, dates.to_numpy(), side="right") - 1, 0, None)


def factors(rng: np.random.Generator, dates: pd.DatetimeIndex) -> Factors:
    """Market and junk factor paths: each phase's drift spread over its days, plus noise whose
    sum over the phase is removed, so every phase moves exactly as the table says."""
    t = phase_table()
    ph = phase_of(dates)
    days_in = np.bincount(ph, minlength=len(t)).astype(float)
    n = len(dates)
    vol = t["vol"].to_numpy()[ph] / np.sqrt(252)
    out = {}
    for name, noise_scale in (("market", 1.0), ("junk", 0.35)):
        noise = rng.standard_normal(n) * vol * noise_scale
        noise -= (np.bincount(ph, weights=noise, minlength=len(t)) / np.maximum(days_in, 1))[ph]
        drift = t[name].to_numpy()[ph] / np.maximum(days_in[ph], 1)
        out[name] = drift + noise
    # the first phase may start before the history: its drift is per its own day count above
    return Factors(dates, ph, out["market"], out["junk"], vol)


def ar1(shocks: np.ndarray, phi: float, block: int = 256) -> np.ndarray:
    """``x[t] = phi * x[t-1] + shocks[t]`` along axis 0 (x[-1] = 0), for 1-D or 2-D arrays.

    Closed form inside blocks of days (``x = phi^t * cumsum(shocks * phi^-t)``, exact to
    rounding for blocks this short), the last value carried from block to block: numpy only,
    no loop over names and a few dozen steps over days.
    """
    out = np.empty_like(shocks, dtype=float)
    carry = np.zeros(shocks.shape[1:])
    for s in range(0, len(shocks), block):
        chunk = shocks[s:s + block]
        t = np.arange(1, len(chunk) + 1, dtype=float)
        pw = phi ** t
        shape = (-1,) + (1,) * (chunk.ndim - 1)
        x = pw.reshape(shape) * (carry + np.cumsum(chunk / pw.reshape(shape), axis=0))
        out[s:s + block] = x
        carry = x[-1]
    return out
