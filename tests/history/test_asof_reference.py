"""QuarterTable against a plain per-ticker reference on random quarterly filings: random
filing lags, restatements filed later, missing quarters; many as-of dates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from screener.history.asof import QuarterTable

QUARTER_ENDS = pd.date_range("2015-03-31", "2020-12-31", freq="QE")


def _random_facts(rng: np.random.Generator, n_tickers: int = 12) -> pd.DataFrame:
    rows = []
    for k in range(n_tickers):
        ticker = f"R{k:02d}"
        for end in QUARTER_ENDS:
            if rng.random() < 0.08:  # a quarter never filed
                continue
            filed = end + pd.Timedelta(days=int(rng.integers(20, 80)))
            start = end - pd.DateOffset(months=3) + pd.Timedelta(days=1)
            rev, assets = float(rng.integers(50, 500)), float(rng.integers(1000, 5000))
            for item, value, s in (("revenue", rev, start), ("total_assets", assets, None)):
                rows.append((ticker, item, value, s, end, filed))
                if rng.random() < 0.2:  # restated in a later filing: never first-filed
                    rows.append((ticker, item, value * 1.5, s, end,
                                 filed + pd.Timedelta(days=int(rng.integers(30, 400)))))
    f = pd.DataFrame(rows, columns=["ticker", "item", "value", "period_start", "period_end",
                                    "filed"])
    return f.assign(source="file", form="file")


def _reference(facts: pd.DataFrame, d: pd.Timestamp) -> dict[str, tuple[float, float]]:
    out = {}
    for ticker, g in facts[facts["filed"] <= d].groupby("ticker"):
        g = g.sort_values("filed").drop_duplicates(["item", "period_end"], keep="first")
        latest = g["period_end"].max()
        ends = [latest - pd.offsets.QuarterEnd(j) for j in range(4)]
        rev = g[g["item"] == "revenue"].set_index("period_end")["value"]
        ttm = rev.reindex(ends).sum(min_count=4) if rev.reindex(ends).notna().all() else np.nan
        assets = g[g["item"] == "total_assets"].set_index("period_end")["value"].get(latest,
                                                                                     np.nan)
        out[ticker] = (ttm, assets)
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ttm_and_mrq_equal_a_plain_reference(seed):
    rng = np.random.default_rng(seed)
    facts = _random_facts(rng)
    qt = QuarterTable.build(facts)
    for d in pd.to_datetime(["2016-02-01", "2017-08-15", "2019-05-20", "2021-06-30"]):
        got = qt.statements(d).groupby(level="ticker").tail(1).droplevel("fiscal_year")
        want = _reference(facts, d)
        assert set(got.index) == set(want)
        for ticker, (ttm, assets) in want.items():
            g = got.loc[ticker]
            assert (np.isnan(ttm) and np.isnan(g["revenue"])) or g["revenue"] == ttm, ticker
            assert g["total_assets"] == assets, ticker
