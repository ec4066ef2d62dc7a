"""Benchmark: build the standard frame for synthetic universes and print the timings.

    python bench/bench_metrics.py            # 2,600 and 50,000 tickers x 5 years
    python bench/bench_metrics.py 10000      # custom sizes

The synthetic bundle is generated with vectorised numpy (fictional tickers, plausible
magnitudes, ~5% missing values, some tickers without statements or market data). When the
sample provider is available its bundle is timed too.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from screener.metrics import build_standard_frame
from screener.raw.bundle import RawBundle
from screener.raw.schema import BLOCKS

YEARS = 5


def synthetic_bundle(n: int, seed: int = 0) -> RawBundle:
    rng = np.random.default_rng(seed)
    tickers = pd.Index([f"T{i:06d}" for i in range(n)], name="ticker")
    identity = pd.DataFrame(
        {
            "name": [f"Company {i}" for i in range(n)],
            "sector": rng.choice(["Industrials", "Health Care", "Financials", "Energy"], n),
            "industry": "Misc",
            "exchange": "NASDAQ",
            "in_russell2000": rng.random(n) < 0.8,
            "in_sp600": rng.random(n) < 0.3,
        },
        index=tickers,
    )

    rows = n * YEARS
    t = np.repeat(tickers.to_numpy(), YEARS)
    fy = np.tile(np.arange(2021, 2021 + YEARS), n)
    rev = rng.lognormal(19, 1, rows)
    spec = BLOCKS["statements"]
    cols = {f: rev * rng.normal(0.3, 0.3, rows) for f in spec.numeric_fields}
    cols.update(
        revenue=rev,
        cost_of_revenue=rev * rng.uniform(0.3, 0.9, rows),
        depreciation_amortization=rev * 0.05,
        interest_expense=rev * rng.uniform(0, 0.05, rows),
        total_assets=rev * 1.5,
        current_assets=rev * 0.6,
        current_liabilities=rev * 0.4,
        total_liabilities=rev * 0.8,
        short_term_debt=rev * 0.1,
        long_term_debt=rev * 0.4,
        cash=rev * 0.2,
        short_term_investments=rev * 0.05,
        shares_outstanding=1e7 + fy,
        shares_diluted=1e7 + fy,
        capital_expenditure=rev * 0.04,
        eps_diluted=rng.normal(0.5, 1, rows),
    )
    for k in ("gross_profit", "ebitda", "total_debt", "free_cash_flow"):
        cols[k] = np.nan
    st = pd.DataFrame(cols)
    for f in spec.numeric_fields:
        st.loc[rng.random(rows) < 0.05, f] = np.nan
    st["period_end"] = pd.to_datetime(fy.astype(str) + "-12-31")
    st["source"] = "bench"
    st.index = pd.MultiIndex.from_arrays([t, fy], names=["ticker", "fiscal_year"])
    st = st[np.repeat(rng.random(n) > 0.02, YEARS)]  # 2% without statements

    def block(name: str, covered: float, gen) -> pd.DataFrame:
        keep = rng.random(n) < covered
        fields = BLOCKS[name].numeric_fields
        df = pd.DataFrame({f: gen(f, keep.sum()) for f in fields}, index=tickers[keep])
        df["as_of"] = pd.Timestamp("2026-05-01")
        df["source"] = "bench"
        return df

    market = block(
        "market",
        0.98,
        lambda f, k: rng.lognormal(3, 1, k) if f != "mom_12_1" else rng.uniform(-0.5, 1, k),
    )
    ladder = block("ladder", 0.6, lambda f, k: rng.lognormal(16, 1, k))
    est = block(
        "estimates",
        0.7,
        lambda f, k: (
            rng.normal(1, 0.5, k) if f.startswith("eps") else rng.integers(0, 8, k).astype(float)
        ),
    )
    return RawBundle(identity=identity, statements=st, ladder=ladder, estimates=est, market=market)


def _time(bundle: RawBundle, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        build_standard_frame(bundle)
        best = min(best, time.perf_counter() - t0)
    return best


def main(sizes: list[int]) -> None:
    build_standard_frame(synthetic_bundle(50))  # warm-up (imports, caches)
    for n in sizes:
        bundle = synthetic_bundle(n)
        print(f"synthetic {n:>7,} tickers x {YEARS} years: {_time(bundle):.3f} s (best of 3)")
    try:
        from screener.providers.sample import SampleProvider
    except ImportError:
        print("sample provider not available: skipped")
        return
    for n in sizes:
        try:
            bundle = SampleProvider(n=n).fetch(None)
        except Exception as exc:  # noqa: BLE001 - a bench reports, it does not fail
            print(f"sample provider n={n}: could not build a bundle ({exc})")
            continue
        if isinstance(bundle, tuple):
            bundle = bundle[0]
        print(f"sample    {n:>7,} tickers: {_time(bundle):.3f} s (best of 3)")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [2_600, 50_000])
