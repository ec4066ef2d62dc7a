"""Quarterly filings of the fictional history: the ``facts`` dataset, as SEC-like filings.

Per name and fiscal year (``annual``), four filings:

- three 10-Qs (Q1-Q3): 3-month flows (``period_start`` set) and balances at the quarter end,
  filed 25-45 days after it (each name has its usual lag, a few days of noise);
- one 10-K: the fiscal-year flows (``FY``, 12 months), the fourth quarter's 3-month flows
  (``Q4``; exactly FY minus Q1-Q3, so both ways to get Q4 agree) and the year-end balances,
  filed 60-90 days after the year end.

Quarterly flows split the year with the name's seasonal weights (rounded to thousands, Q4
takes the remainder); quarter-end balances move in a straight line from the last year end.
About 1% of 10-Qs are amended later by a 10-Q/A that restates revenue, operating income, net
income and EPS (an as-of view must keep using the first filing until the amendment is filed).
A name files only while it trades; nothing is filed after the history's last day.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from screener.sample.annual import FLOWS, INSTANTS
from screener.sample.prices import constant, take_strings
from screener.sample.roster import Roster

AMENDED_SHARE = 0.01
AMENDED_ITEMS = ["revenue", "operating_income", "net_income", "eps_diluted"]
Q_LAG = (25, 45)
K_LAG = (60, 90)


def _month_end(month_index: np.ndarray) -> np.ndarray:
    """Last day of the month ``month_index`` (months since 1970-01), datetime64[D]."""
    return (month_index + 1).astype("datetime64[M]").astype("datetime64[D]") - np.timedelta64(1,
                                                                                               "D")


def _weekday(d: np.ndarray) -> np.ndarray:
    """Weekend dates moved to the next Monday."""
    dow = (d.astype(np.int64) + 3) % 7          # 1970-01-01 was a Thursday: Monday = 0
    return d + np.where(dow >= 5, 7 - dow, 0).astype("timedelta64[D]")


class Filings:
    """Dates of every (name, fiscal year, quarter) filing; quarter 4 is the 10-K."""

    def __init__(self, rng: np.random.Generator, ro: Roster, years: np.ndarray, end):
        N, Y = len(ro), len(years)
        fy_month = (years[None, :] - 1970) * 12 + (ro.fiscal_month[:, None] - 1)   # (N, Y)
        q = np.arange(1, 5)
        end_m = fy_month[:, :, None] - 3 * (4 - q)[None, None, :]                  # (N, Y, 4)
        self.period_end = _month_end(end_m)
        self.q_start = (end_m - 2).astype("datetime64[M]").astype("datetime64[D]")
        self.fy_start = (fy_month - 11).astype("datetime64[M]").astype("datetime64[D]")
        # usual lag per name, then +-3 days of noise and up to 2 more to leave a weekend
        q_lag = rng.integers(Q_LAG[0] + 3, Q_LAG[1] - 5 + 1, N)
        k_lag = rng.integers(K_LAG[0] + 3, K_LAG[1] - 5 + 1, N)
        base = np.where(q[None, None, :] == 4, k_lag[:, None, None], q_lag[:, None, None])
        lag = base + rng.integers(-3, 4, (N, Y, 4))
        self.filed = _weekday(self.period_end + lag.astype("timedelta64[D]"))
        last = np.minimum(ro.last, np.datetime64(pd.Timestamp(end).date(), "D"))
        self.kept = (self.filed >= ro.first[:, None, None]) & (self.filed <= last[:, None, None])
        self.years = years
        self.last = last

    def annual_known(self, annual: np.ndarray, dates: np.ndarray) -> np.ndarray:
        """(len(dates), N): the latest fiscal year's value whose 10-K was filed by each date."""
        k_filed = self.filed[:, :, 3]                                           # (N, Y)
        out = np.full((len(dates), annual.shape[0]), np.nan)
        for s, d in enumerate(dates):                                           # ~80 dates
            ok = k_filed <= d
            j = ok.shape[1] - 1 - np.argmax(ok[:, ::-1], axis=1)
            out[s] = np.where(ok.any(axis=1), annual[np.arange(len(j)), j], np.nan)
        return out


def _quarters(rng, annual: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """(N, Y, 4) quarterly values: 3-month flows and quarter-end balances."""
    N, Y = annual["revenue"].shape
    w = rng.dirichlet(np.full(4, 40.0), N)[:, None, :]                          # seasonality
    out = {}
    for item in FLOWS:
        if item in ("eps_diluted", "shares_diluted"):
            continue
        a = annual[item][:, :, None]
        q = np.round(a * w, -3)
        q[:, :, 3] = a[:, :, 0] - q[:, :, :3].sum(axis=2)
        out[item] = q
    frac = np.arange(1, 5)[None, None, :] / 4
    for item in INSTANTS + ["shares_diluted"]:
        a = annual[item]
        prev = np.concatenate([a[:, :1], a[:, :-1]], axis=1)[:, :, None]
        v = prev + (a[:, :, None] - prev) * frac
        out[item] = np.round(v) if item.startswith("shares") else np.round(v, -3)
    out["total_debt"] = out["short_term_debt"] + out["long_term_debt"]
    out["total_equity"] = out["total_assets"] - out["total_liabilities"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["eps_diluted"] = out["net_income"] / out["shares_diluted"]
    return out


def facts_table(rng: np.random.Generator, ro: Roster, fl: Filings,
                annual: dict[str, np.ndarray], source: str) -> pa.Table:
    qv = _quarters(rng, annual)
    n_i, y_j, q_k = np.nonzero(fl.kept)                                         # one per filing
    F = len(n_i)
    is_k = q_k == 3
    filing_id = np.arange(F)
    accn = np.char.add(np.char.add(
        np.char.zfill((9_000_000_000 + n_i).astype(str), 10), "-"),
        np.char.add(np.char.add(np.char.zfill(
            ((fl.filed[n_i, y_j, q_k].astype("datetime64[Y]").astype(int) + 1970) % 100).astype(str), 2),
            "-"),
                    np.char.zfill((100_000 + 10 * (q_k + 1)).astype(str), 6)))
    cols = {k: [] for k in ("n", "f", "item", "value", "start", "end", "period")}
    periods = np.array(["Q1", "Q2", "Q3", "Q4", "FY"])

    def add(item_code, sel, value, start, end, period):
        cols["n"].append(n_i[sel])
        cols["f"].append(filing_id[sel])
        cols["item"].append(np.full(sel.sum(), item_code))
        cols["value"].append(value[sel])
        cols["start"].append(start[sel])
        cols["end"].append(end[sel])
        cols["period"].append(period[sel])

    items = FLOWS + INSTANTS
    everyone = np.ones(F, dtype=bool)
    q_end = fl.period_end[n_i, y_j, q_k]
    q_start = fl.q_start[n_i, y_j, q_k]
    no_start = np.full(F, np.datetime64("NaT"), dtype="datetime64[D]")
    for code, item in enumerate(items):
        v = qv[item][n_i, y_j, q_k]
        if item in FLOWS:
            add(code, everyone, v, q_start, q_end, q_k)                         # 3 months
            add(code, is_k, annual[item][n_i, y_j], fl.fy_start[n_i, y_j], q_end,
                np.full(F, 4))                                                  # FY
        else:
            add(code, everyone, v, no_start, q_end, np.where(is_k, 4, q_k))
    c = {k: np.concatenate(v) for k, v in cols.items()}
    form = np.where(is_k[c["f"]], 1, 0)
    filed = fl.filed[n_i, y_j, q_k][c["f"]]
    accn_rows = c["f"]
    forms = np.array(["10-Q", "10-K", "10-Q/A"])

    # amendments: a later 10-Q/A restating a few items of some 10-Qs
    amend = np.flatnonzero(~is_k & (rng.random(F) < AMENDED_SHARE))
    a_filed = _weekday(fl.filed[n_i[amend], y_j[amend], q_k[amend]]
                       + rng.integers(30, 200, len(amend)).astype("timedelta64[D]"))
    ok = a_filed <= fl.last[n_i[amend]]
    amend, filed_a = amend[ok], a_filed[ok]
    item_codes = np.array([items.index(i) for i in AMENDED_ITEMS])
    rows = np.flatnonzero(np.isin(c["f"], amend) & np.isin(c["item"], item_codes)
                          & (c["period"] != 4))
    where = np.searchsorted(amend, c["f"][rows])
    factor = 1 + rng.choice([-1, 1], len(amend), p=[0.75, 0.25]) * rng.uniform(0.02, 0.08,
                                                                                len(amend))
    old_value = c["value"][rows]
    is_eps = c["item"][rows] == items.index("eps_diluted")
    new_value = np.where(is_eps, old_value * factor[where], np.round(old_value * factor[where], -3))
    new_value = np.where(new_value == old_value, old_value - np.where(is_eps, 0.01, 1000.0),
                         new_value)                    # a restatement always changes the value
    amend_accn = np.char.add(accn[amend], "A")
    accn_all = np.concatenate([accn, amend_accn])

    def both(a, b):
        return np.concatenate([a, b])

    value = both(c["value"], new_value)
    n_all = both(c["n"], c["n"][rows])
    total = len(value)
    table = pa.table({
        "ticker": take_strings(ro.tickers, n_all),
        "item": take_strings(items, both(c["item"], c["item"][rows])),
        "value": value,
        "period_start": pa.array(both(c["start"], c["start"][rows]), pa.date32()),
        "period_end": pa.array(both(c["end"], c["end"][rows]), pa.date32()),
        "fiscal_year": both(fl.years[y_j][c["f"]], fl.years[y_j][c["f"]][rows]).astype(np.int64),
        "fiscal_period": take_strings(periods, both(c["period"], c["period"][rows])),
        "form": take_strings(forms, both(form, np.full(len(rows), 2))),
        "filed": pa.array(both(filed, filed_a[where]), pa.date32()),
        "accn": take_strings(accn_all, both(accn_rows, F + where)),
        "source": constant(source, total),
    })
    return table.filter(pa.array(~np.isnan(value)))
