"""Quarterly filings of the fictional history: the ``facts`` dataset, as SEC-like filings.

Per name and fiscal year (``annual``), four filings:

- three 10-Qs (Q1-Q3): 3-month flows (``period_start`` set) and balances at the quarter end,
  filed 25-45 days after it (each name has its usual lag, a few days of noise);
- one 10-K: the fiscal-year flows (``FY``, 12 months), the fourth quarter's 3-month flows
  (``Q4``; exactly FY minus Q1-Q3, so both ways to get Q4 agree) and the year-end balances,
  filed 60-90 days after the year end.

Quarterly flows split the year with the name's seasonal weights (rounded to thousands, Q4
takes the remainder); quarter-end balances move in a straight line from the last year end.
The 10-K also carries the maturity ladder (``due_y1`` .. ``due_y5``, ``due_after_y5``: principal
due in each year after the year end; today's ladder in the latest year, the same shares of each
earlier year's debt). About 1% of 10-Qs are amended later by a 10-Q/A that restates revenue,
operating income, net income and EPS (an as-of view must keep using the first filing until the
amendment is filed).
A name files only while it trades; nothing is filed after the history's last day.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa

from screener.sample.annual import FLOWS, INSTANTS
from screener.sample.prices import constant, take_strings
from screener.sample.roster import Roster

AMENDED_SHARE = 0.01
AMENDED_ITEMS = ["revenue", "operating_income", "net_income", "eps_diluted"]
ITEMS = FLOWS + INSTANTS
# the 10-K's maturity ladder (principal due in years 1-5 and after), named as the raw ladder block
LADDER = ["due_y1", "due_y2", "due_y3", "due_y4", "due_y5", "due_after_y5"]
PERIODS = np.array(["Q1", "Q2", "Q3", "Q4", "FY"])
FORMS = np.array(["10-Q", "10-K", "10-Q/A"])
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
    N = annual["revenue"].shape[0]
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


def _ladders(ro: Roster, years: np.ndarray, total_debt: np.ndarray) -> dict[str, np.ndarray]:
    """(N, Y) principal due per ladder bucket at each fiscal year end: today's ladder (world)
    in the latest world year, the same shares of each year's debt before it."""
    world_debt = ro.lines["total_debt"][:, -1]
    latest = years[None, :] == ro.last_fy[:, None]
    out = {}
    for item in LADDER:
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(world_debt > 0, ro.ladder[item] / world_debt, 0.0)
        value = np.round(share[:, None] * np.maximum(total_debt, 0.0), -3)
        out[item] = np.where(latest, ro.ladder[item][:, None], value)
    return out


def _accession(n_i, filed, q_k) -> np.ndarray:
    """Fictional accession numbers in the SEC's shape: 10-digit filer, year, sequence."""
    yy = (filed.astype("datetime64[Y]").astype(int) + 1970) % 100
    filer = np.char.zfill((9_000_000_000 + n_i).astype(str), 10)
    seq = np.char.zfill((100_000 + 10 * (q_k + 1)).astype(str), 6)
    return np.char.add(np.char.add(np.char.add(filer, "-"), np.char.add(
        np.char.zfill(yy.astype(str), 2), "-")), seq)


def facts_tables(rng: np.random.Generator, ro: Roster, fl: Filings,
                 annual: dict[str, np.ndarray], source: str) -> Iterator[pa.Table]:
    """The facts rows, one table per calendar year of period ends (memory stays flat)."""
    qv = _quarters(rng, annual)
    qv.update(_ladders(ro, fl.years, annual["total_debt"]))
    n_i, y_j, q_k = np.nonzero(fl.kept)                                         # one per filing
    F = len(n_i)
    is_k = q_k == 3
    filed = fl.filed[n_i, y_j, q_k]
    accn = _accession(n_i, filed, q_k)
    # amendments: a later 10-Q/A restating a few items of some 10-Qs
    amended = ~is_k & (rng.random(F) < AMENDED_SHARE)
    a_filed = _weekday(filed + rng.integers(30, 200, F).astype("timedelta64[D]"))
    amended &= a_filed <= fl.last[n_i]
    factor = 1 + rng.choice([-1, 1], F, p=[0.75, 0.25]) * rng.uniform(0.02, 0.08, F)
    q_end = fl.period_end[n_i, y_j, q_k]
    year = q_end.astype("datetime64[Y]")
    for y in np.unique(year):
        idx = np.flatnonzero(year == y)
        yield _chunk(idx, n_i, y_j, q_k, filed, accn, amended, a_filed, factor, qv, annual,
                     ro, fl, source)


def _chunk(idx, n_i, y_j, q_k, filed, accn, amended, a_filed, factor, qv, annual, ro, fl,
           source) -> pa.Table:
    n, y, q = n_i[idx], y_j[idx], q_k[idx]
    is_k = q == 3
    q_end = fl.period_end[n, y, q]
    q_start = fl.q_start[n, y, q]
    no_start = np.full(len(idx), np.datetime64("NaT"), dtype="datetime64[D]")
    cols = {k: [] for k in ("f", "item", "value", "start", "period")}
    local = np.arange(len(idx))

    def add(item_code, sel, value, start, period):
        cols["f"].append(local[sel])
        cols["item"].append(np.full(int(sel.sum()), item_code))
        cols["value"].append(value[sel])
        cols["start"].append(start[sel])
        cols["period"].append(period[sel])

    everyone = np.ones(len(idx), dtype=bool)
    for code, item in enumerate(ITEMS):
        v = qv[item][n, y, q]
        if item in FLOWS:
            add(code, everyone, v, q_start, q)                                   # 3 months
            add(code, is_k, annual[item][n, y], fl.fy_start[n, y], np.full(len(idx), 4))  # FY
        else:
            add(code, everyone, v, no_start, np.where(is_k, 4, q))
    for code, item in enumerate(LADDER, start=len(ITEMS)):
        add(code, is_k & ro.has_ladder[n], qv[item][n, y], no_start, np.full(len(idx), 4))
    c = {k: np.concatenate(v) for k, v in cols.items()}
    f = c["f"]
    form = np.where(is_k[f], 1, 0)
    # the amendments' rows: same period, later filing, other value
    item_codes = np.array([ITEMS.index(i) for i in AMENDED_ITEMS])
    rows = np.flatnonzero(amended[idx][f] & np.isin(c["item"], item_codes))
    fr = f[rows]
    old_value = c["value"][rows]
    is_eps = c["item"][rows] == ITEMS.index("eps_diluted")
    new_value = np.where(is_eps, old_value * factor[idx][fr],
                         np.round(old_value * factor[idx][fr], -3))
    new_value = np.where(new_value == old_value, old_value - np.where(is_eps, 0.01, 1000.0),
                         new_value)                    # a restatement always changes the value
    accn_here = accn[idx]
    accn_all = np.concatenate([accn_here, np.char.add(accn_here, "A")])

    def both(a, b):
        return np.concatenate([a, b])

    value = both(c["value"], new_value)
    ff = both(f, fr)
    table = pa.table({
        "ticker": take_strings(ro.tickers, n[ff]),
        "item": take_strings(ITEMS + LADDER, both(c["item"], c["item"][rows])),
        "value": value,
        "period_start": pa.array(both(c["start"], c["start"][rows]), pa.date32()),
        "period_end": pa.array(q_end[ff], pa.date32()),
        "fiscal_year": fl.years[y][ff].astype(np.int64),
        "fiscal_period": take_strings(PERIODS, both(c["period"], c["period"][rows])),
        "form": take_strings(FORMS, both(form, np.full(len(rows), 2))),
        "filed": pa.array(both(filed[idx][f], a_filed[idx][fr]), pa.date32()),
        "accn": take_strings(accn_all, both(f, len(idx) + fr)),
        "source": constant(source, len(value)),
    })
    return table.filter(pa.array(~np.isnan(value)))
