"""Fictional macro series for the regime panel, under the FRED ids the product reads.

Each phase of ``phases`` ends at a macro picture (spreads, policy rate, yields, activity,
claims, volatility, financial conditions, the recession flag, bank lending standards); the
series move from one picture to the next in a straight line across the phase, plus persistent
noise, so spreads and the VIX peak at the bottom of a bear and fall through the rally, and the
policy rate steps in quarter points on a meeting schedule (reaching a phase's level within
a year). Every observation carries a release
date after it, with each series' usual publication lag:

| series | what | frequency | released |
|---|---|---|---|
| BAMLH0A0HYM2, BAMLH0A0HYM2EY | high-yield spread / effective yield (%) | daily | next day |
| T10Y2Y, T10Y3M, DGS10, DGS2 | curve and yields (%) | daily | next day |
| DFF, DFEDTARU | effective fed funds / target upper limit (%) | daily | next day |
| VIXCLS | volatility index | daily | next day |
| ICSA | initial claims (persons), week ending Saturday | weekly | Thursday after |
| NFCI | financial conditions index, week ending Friday | weekly | Wednesday after |
| CFNAIMA3 | activity index, 3-month average | monthly | ~22 days after the month |
| INDPRO | industrial production (index) | monthly | ~16 days after the month |
| USREC | recession flag (0/1) | monthly | 60 days after the month |
| DRTSCIS | net % of banks tightening small-firm loans | quarterly | ~5 weeks into the quarter |

All of it is invented (``source = "sample"``); none of it is FRED's data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from screener.sample.phases import MACRO_COLUMNS, ar1, phase_of, phase_table
from screener.sample.prices import constant

SERIES = ("BAMLH0A0HYM2", "BAMLH0A0HYM2EY", "T10Y2Y", "T10Y3M", "DGS10", "DGS2", "DFF",
          "DFEDTARU", "VIXCLS", "ICSA", "NFCI", "CFNAIMA3", "INDPRO", "USREC", "DRTSCIS")
NOISE = {"hy": 0.12, "t10": 0.06, "t2": 0.05, "vix": 1.6, "nfci": 0.04, "cfnai": 0.12,
         "claims": 9.0, "drts": 3.0, "ff": 0.0, "rec": 0.0}
MEETING_EVERY = 21             # sessions between policy-rate decisions


def _paths(rng: np.random.Generator, dates: pd.DatetimeIndex) -> dict[str, np.ndarray]:
    """Daily paths of the phase table's macro columns: straight lines plus AR(1) noise."""
    t = phase_table()
    ph = phase_of(dates)
    first = np.r_[0, np.flatnonzero(ph[1:] != ph[:-1]) + 1]
    out = {}
    for col in MACRO_COLUMNS:
        target = t[col].to_numpy(dtype=float)
        prev = np.r_[target[0], target[:-1]]
        pos = np.arange(len(dates)) - first[np.searchsorted(first, np.arange(len(dates)),
                                                          side="right") - 1]
        span = np.bincount(ph, minlength=len(t))[ph]
        # the policy rate gets to its new level within a year; the others take the phase
        frac = (pos + 1) / np.maximum(np.minimum(span, 250) if col == "ff" else span, 1)
        frac = np.minimum(frac, 1.0)
        line = prev[ph] + (target[ph] - prev[ph]) * frac
        if col == "rec":
            line = target[ph]
        noise = ar1(rng.standard_normal(len(dates)), 0.97) \
            * NOISE[col] * np.sqrt(1 - 0.97 ** 2)
        out[col] = line + noise
    # policy rate: quarter-point steps on meeting days, never below zero
    meet = (np.arange(len(dates)) % MEETING_EVERY) == 0
    step = np.where(meet, np.round(np.maximum(out["ff"], 0.25) * 4) / 4, np.nan)
    out["ff"] = pd.Series(step).ffill().to_numpy()
    out["hy"] = np.maximum(out["hy"], 2.2)
    out["vix"] = np.maximum(out["vix"], 9.0)
    out["claims"] = np.maximum(out["claims"], 180.0)
    return out


def _weekday(d: np.ndarray) -> np.ndarray:
    dow = (d.astype(np.int64) + 3) % 7
    return d + np.where(dow >= 5, 7 - dow, 0).astype("timedelta64[D]")


def macro_table(rng: np.random.Generator, dates: pd.DatetimeIndex, source: str) -> pa.Table:
    x = _paths(rng, dates)
    day = dates.to_numpy("datetime64[D]")
    next_day = _weekday(day + np.timedelta64(1, "D"))
    t3m = np.maximum(x["ff"] - 0.12 + rng.normal(0, 0.03, len(day)), 0.01)
    daily = {
        "BAMLH0A0HYM2": x["hy"], "BAMLH0A0HYM2EY": x["hy"] + x["t2"] * 0.5 + x["t10"] * 0.5,
        "T10Y2Y": x["t10"] - x["t2"], "T10Y3M": x["t10"] - t3m, "DGS10": x["t10"],
        "DGS2": np.maximum(x["t2"], 0.1), "DFF": np.maximum(x["ff"] - 0.17, 0.05),
        "DFEDTARU": x["ff"], "VIXCLS": x["vix"],
    }
    rows = [(sid, day, v, next_day) for sid, v in daily.items()]
    s = pd.DataFrame({k: x[k] for k in ("claims", "nfci", "cfnai", "rec", "drts")}, index=dates)
    # weekly: claims for the week ending Saturday, NFCI for the week ending Friday
    wk = s.resample("W-SAT").mean().dropna()
    rows.append(("ICSA", wk.index.to_numpy("datetime64[D]"),
                 np.round(wk["claims"].to_numpy() * 1000, -3),
                 wk.index.to_numpy("datetime64[D]") + np.timedelta64(5, "D")))
    wf = s.resample("W-FRI").mean().dropna()
    rows.append(("NFCI", wf.index.to_numpy("datetime64[D]"), np.round(wf["nfci"].to_numpy(), 5),
                 wf.index.to_numpy("datetime64[D]") + np.timedelta64(5, "D")))
    # monthly: observation dated the first of the month, as FRED does
    mo = s.resample("MS").mean().dropna()
    m_day = mo.index.to_numpy("datetime64[D]")
    m_end = (mo.index + pd.offsets.MonthEnd(0)).to_numpy("datetime64[D]")
    growth = 0.0012 + 0.004 * mo["cfnai"].to_numpy()
    indpro = np.exp(np.cumsum(growth))
    indpro = 103.2 * indpro / indpro[-1]
    rows += [
        ("CFNAIMA3", m_day, np.round(mo["cfnai"].to_numpy(), 2),
         _weekday(m_end + np.timedelta64(22, "D"))),
        ("INDPRO", m_day, np.round(indpro, 4), _weekday(m_end + np.timedelta64(16, "D"))),
        ("USREC", m_day, (mo["rec"].to_numpy() > 0.5).astype(float),
         _weekday(m_end + np.timedelta64(60, "D"))),
    ]
    qs = s.resample("QS").mean().dropna()
    q_day = qs.index.to_numpy("datetime64[D]")
    rows.append(("DRTSCIS", q_day, np.round(qs["drts"].to_numpy(), 1),
                 _weekday(q_day + np.timedelta64(35, "D"))))
    last = day[-1]
    parts = []
    for sid, d, v, rel in rows:
        keep = rel <= last                       # nothing released after the history's end
        parts.append(pa.table({
            "series": constant(sid, int(keep.sum())), "date": pa.array(d[keep], pa.date32()),
            "value": np.round(np.asarray(v, dtype=float)[keep], 4),
            "released": pa.array(rel[keep], pa.date32()),
            "source": constant(source, int(keep.sum())),
        }))
    return pa.concat_tables(parts)
