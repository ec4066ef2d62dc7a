"""Benchmark: how long the fictional sample universe takes to generate, and what it looks like.

Run: ``python bench/bench_sample.py [runs]``. Prints figures; asserts nothing.
"""

from __future__ import annotations

import statistics
import sys
import time

import numpy as np

from screener.providers.sample import SampleProvider
from screener.raw import validate_bundle


def time_generation(n: int, runs: int) -> tuple[float, object]:
    times = []
    bundle = None
    for _ in range(runs):
        start = time.perf_counter()
        bundle = SampleProvider(n=n).fetch()          # a fresh provider: no cache
        times.append(time.perf_counter() - start)
    return statistics.median(times), bundle


def realism(bundle) -> dict[str, float]:
    idn, st, m = bundle.identity, bundle.statements, bundle.market
    last = st.groupby(level="ticker").tail(1).droplevel("fiscal_year")
    df = idn.join(last[["net_income", "total_debt", "cash", "ebitda"]]).join(
        m[["market_cap", "beta", "short_pct_float", "adv_3m_usd"]])
    r, s = df.in_russell2000, df.in_sp600
    unp = df.net_income < 0
    prof = df.net_income > 0
    nd_ebitda = ((df.total_debt - df.cash) / df.ebitda).where(df.ebitda > 0)
    numeric = {b: bundle.block(b).select_dtypes("number").to_numpy() for b in
               ("statements", "ladder", "estimates", "market")}
    return {
        "russell-like names": r.sum(), "sp600-like names": s.sum(),
        "sp600 also russell": (r & s).sum() / s.sum(),
        "russell loss-makers": unp[r & df.net_income.notna()].mean(),
        "sp600 loss-makers": unp[s & df.net_income.notna()].mean(),
        "median mcap russell ($B)": df.market_cap[r].median() / 1e9,
        "median mcap sp600 ($B)": df.market_cap[s].median() / 1e9,
        "adv < $1M/day": (df.adv_3m_usd.dropna() < 1e6).mean(),
        "median beta loss/profit": (df.beta[unp].median(), df.beta[prof].median()),
        "median short loss/profit": (df.short_pct_float[unp].median(),
                                     df.short_pct_float[prof].median()),
        "median ND/EBITDA loss/profit": (nd_ebitda[unp].median(), nd_ebitda[prof].median()),
        **{f"missing {b}": np.isnan(v).mean() for b, v in numeric.items()},
        "no estimates": 1 - len(bundle.estimates) / len(idn),
        "no ladder": 1 - len(bundle.ladder) / len(idn),
    }


def main(runs: int = 5) -> None:
    for n in (2_600, 50_000):
        seconds, bundle = time_generation(n, runs if n < 10_000 else max(3, runs // 2))
        issues = len(validate_bundle(bundle)[1])
        rows = len(bundle.statements)
        print(f"n={n:>6,}: {seconds:.3f} s median, {rows:,} statement rows, "
              f"{issues} validation issues")
    print("\nrealism (seed 2026, n=2,600):")
    for key, value in realism(SampleProvider().fetch()).items():
        if isinstance(value, tuple):
            print(f"  {key:<30} {value[0]:.2f} / {value[1]:.2f}")
        else:
            print(f"  {key:<30} {value:.3f}" if isinstance(value, float) else
                  f"  {key:<30} {value}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
