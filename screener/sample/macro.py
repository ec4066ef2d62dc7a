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
| BAMLH0A1HYBB, BAMLH0A3HYC, BAA10Y | BB and CCC spreads, Baa minus 10-year (%) | daily | next day |
| T10Y2Y, T10Y3M, DGS10, DGS2 | curve and yields (%) | daily | next day |
| DFF, DFEDTARU, DFEDTARL | effective fed funds / target range (%) | daily | next day |
| VIXCLS | volatility index | daily | next day |
| ICSA | initial claims (persons), week ending Saturday | weekly | Thursday after |
| NFCI, ANFCI | financial conditions, week ending Friday | weekly | Wednesday after |
| STLFSI4 | financial stress, week ending Friday | weekly | Thursday after |
| CFNAIMA3 | activity index, 3-month average | monthly | ~22 days after the month |
| INDPRO | industrial production (index) | monthly | ~16 days after the month |
| UNRATE, SAHMREALTIME | unemployment rate, Sahm rule (pp) | monthly | 7 days after the month |
| USREC | recession flag (0/1) | monthly | a year after the month (NBER dating) |
| DRTSCIS | net % of banks tightening small-firm loans | quarterly | 40 days into the quarter |

All of it is invented (``source = "sample"``); none of it is FRED's data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from screener.sample.phases import MACRO_COLUMNS, ar1, phase_of, phase_table
from screener.sample.prices import constant

SERIES = ("BAMLH0A0HYM2", "BAMLH0A0HYM2EY", "BAMLH0A1HYBB", "BAMLH0A3HYC", "BAA10Y", "T10Y2Y",
          "T10Y3M", "DGS10", "DGS2", "DFF", "DFEDTARU", "DFEDTARL", "VIXCLS", "ICSA", "NFCI",
          "ANFCI", "STLFSI4", "CFNAIMA3", "INDPRO", "UNRATE", "SAHMREALTIME", "USREC", "DRTSCIS")
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
        "DFEDTARU": x["ff"], "DFEDTARL": np.maximum(x["ff"] - 0.25, 0.0), "VIXCLS": x["vix"],
        "BAMLH0A1HYBB": 0.55 * x["hy"] + 0.1, "BAMLH0A3HYC": 2.6 * x["hy"] + 1.5,
        "BAA10Y": 0.3 * x["hy"] + 1.1,
    }
    rows = [(sid, day, v, next_day) for sid, v in daily.items()]
    s = pd.DataFrame({k: x[k] for k in ("claims", "nfci", "cfnai", "rec", "drts", "vix")},
                     index=dates)
    # weekly: claims for the week ending Saturday, NFCI for the week ending Friday
    wk = s.resample("W-SAT").mean().dropna()
    rows.append(("ICSA", wk.index.to_numpy("datetime64[D]"),
                 np.round(wk["claims"].to_numpy() * 1000, -3),
                 wk.index.to_numpy("datetime64[D]") + np.timedelta64(5, "D")))
    wf = s.resample("W-FRI").mean().dropna()
    fri = wf.index.to_numpy("datetime64[D]")
    rows += [
        ("NFCI", fri, np.round(wf["nfci"].to_numpy(), 5), fri + np.timedelta64(5, "D")),
        ("ANFCI", fri, np.round(0.9 * wf["nfci"].to_numpy() + 0.05, 5),
         fri + np.timedelta64(5, "D")),
        ("STLFSI4", fri, np.round(1.6 * wf["nfci"].to_numpy() + (wf["vix"].to_numpy() - 18) / 10,
                                  4), fri + np.timedelta64(6, "D")),
    ]
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
         _weekday(m_day + np.timedelta64(365, "D"))),
    ]
    # unemployment follows claims with a lag; the Sahm rule is its 3-month average over the
    # lowest 3-month average of the year before
    unrate = (np.clip(3.6 + (mo["claims"] - 210.0) / 70.0, 3.4, 14.7)).rolling(
        4, min_periods=1).mean()
    avg3 = unrate.rolling(3, min_periods=1).mean()
    sahm = np.maximum(avg3 - avg3.shift(1).rolling(12, min_periods=1).min().fillna(avg3), 0.0)
    first_friday = _weekday(m_end + np.timedelta64(7, "D"))
    rows += [("UNRATE", m_day, np.round(unrate.to_numpy(), 1), first_friday),
             ("SAHMREALTIME", m_day, np.round(sahm.to_numpy(), 2), first_friday)]
    qs = s.resample("QS").mean().dropna()
    q_day = qs.index.to_numpy("datetime64[D]")
    rows.append(("DRTSCIS", q_day, np.round(qs["drts"].to_numpy(), 1),
                 _weekday(q_day + np.timedelta64(40, "D"))))
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
