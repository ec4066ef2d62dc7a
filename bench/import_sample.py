"""A messy fictional export of n names x 5 years for the import bench: the shape of the
Bloomberg fixture plus a date column, with blanks, 'n/a', text, (negatives), 1,234 thousands
separators, percent signs, negative capex and interest, bad tickers and fiscal years, and one
duplicated row. ``python bench/import_sample.py N OUT`` writes OUT.csv and OUT.yaml."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd


def make(n, path, seed=1):
    rng = np.random.default_rng(seed)
    years = 5
    t = np.repeat([f"T{i:05d} US Equity" for i in range(n)], years)
    fy = np.tile(np.arange(2021, 2026), n).astype(object)
    N = n * years
    def num(scale, neg=False):
        v = rng.lognormal(0, 1, N) * scale
        out = np.array([f"{x:.3f}" for x in v], dtype=object)
        r = rng.random(N)
        out[r < 0.02] = ""
        out[(r >= 0.02) & (r < 0.022)] = "n/a"
        out[(r >= 0.022) & (r < 0.0225)] = "abc"
        m = (r >= 0.0225) & (r < 0.03)
        out[m] = [f"({x})" for x in out[m]]
        m = (r >= 0.03) & (r < 0.04)
        out[m] = [f"{float(x):,.2f}" if x not in ("", "n/a", "abc") and not x.startswith("(") else x for x in out[m]]
        if neg:
            out = np.array([f"-{x}" if x and x[0].isdigit() and rng.random() < 0.01 else x
                            for x in out], dtype=object)
        return out
    fy[rng.random(N) < 0.003] = "20x5"
    t = t.copy(); t[rng.random(N) < 0.002] = "bad ticker!!"
    df = pd.DataFrame({
        "Ticker": t, "Name": np.repeat([f"Company {i}" for i in range(n)], years),
        "GICS Sector": rng.choice(["Industrials", "Health Care", "n/a", "Energy"], N),
        "FY": fy, "Period End": [f"{y}-12-31" if str(y).isdigit() else "" for y in fy],
        "Revenue": num(800), "EBITDA": num(100), "Interest Expense": num(20, neg=True),
        "Total Debt": num(300), "Cash & Equivalents": num(50), "Capex": num(40, neg=True),
        "Shares Out": num(50), "Px Last": num(25), "Short Int % Float": [f"{x}%" if x and x[0].isdigit() else x for x in num(10)],
        "Best EPS Cur Yr": num(1.3), "Best EPS Nxt Yr": num(1.6),
    })
    df.loc[5] = df.loc[4]  # a duplicate row of one name-year
    df.to_csv(path, index=False)


MAPPING = """ticker: Ticker
fiscal_year: FY
units:
  default: millions
percent: [Short Int % Float]
sign: {Capex: abs}
scale: {EBITDA: 1000}
columns:
  Name: identity.name
  GICS Sector: identity.sector
  Period End: statements.period_end
  Revenue: statements.revenue
  EBITDA: statements.ebitda
  Interest Expense: statements.interest_expense
  Total Debt: statements.total_debt
  Cash & Equivalents: statements.cash
  Capex: statements.capital_expenditure
  Shares Out: market.shares_outstanding
  Px Last: market.price
  Short Int % Float: market.short_pct_float
  Best EPS Cur Yr: estimates.eps_cy
  Best EPS Nxt Yr: estimates.eps_ny
"""


if __name__ == "__main__":
    n = int(sys.argv[1]); out = sys.argv[2]
    make(n, out + ".csv")
    with open(out + ".yaml", "w") as fh:
        fh.write(MAPPING)
