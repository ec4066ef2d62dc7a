"""Ladder and short interest as of a date: first filings only, nothing published later."""

from __future__ import annotations

import numpy as np
import pandas as pd

from screener.history.asof_blocks import LADDER_ITEMS, ladder_as_of, short_interest_as_of

T = pd.Timestamp


def _facts(rows):
    cols = ["ticker", "item", "value", "period_end", "filed", "form", "accn", "source"]
    f = pd.DataFrame(rows, columns=cols)
    f["period_end"] = pd.to_datetime(f["period_end"])
    f["filed"] = pd.to_datetime(f["filed"])
    return f


FACTS = _facts([
    # FY2022 10-K
    ("AAAA1", "due_y1", 100.0, "2022-12-31", "2023-03-01", "10-K", "k22", "sample"),
    ("AAAA1", "due_y2", 200.0, "2022-12-31", "2023-03-01", "10-K", "k22", "sample"),
    # FY2023 10-K: only part of the ladder reported
    ("AAAA1", "due_y1", 150.0, "2023-12-31", "2024-03-04", "10-K", "k23", "sample"),
    # a restatement of FY2023 filed later: must not leak before it is filed, never replaces
    ("AAAA1", "due_y1", 999.0, "2023-12-31", "2024-08-01", "10-K/A", "k23a", "sample"),
    # planted: next year's ladder, filed after the dates we ask about
    ("AAAA1", "due_y1", 777.0, "2024-12-31", "2025-03-03", "10-K", "k24", "sample"),
    ("BBBB2", "due_after_y5", 50.0, "2023-06-30", "2023-09-01", "10-K", "b23", "sample"),
    ("BBBB2", "revenue", 1e6, "2023-06-30", "2023-09-01", "10-K", "b23", "sample"),
])


def test_ladder_uses_the_latest_period_reported_by_then_first_filing_only():
    before = ladder_as_of(FACTS, "2024-03-01")
    assert before.loc["AAAA1", "due_y1"] == 100.0 and before.loc["AAAA1", "due_y2"] == 200.0
    assert before.loc["AAAA1", "as_of"] == T("2022-12-31")
    after = ladder_as_of(FACTS, "2024-12-31")
    row = after.loc["AAAA1"]
    assert row["due_y1"] == 150.0                         # the first filing, not the 10-K/A
    assert np.isnan(row["due_y2"])                        # not filled from FY2022
    assert row["as_of"] == T("2023-12-31") and "2024-03-04" in row["note"]
    assert after.loc["BBBB2", "due_after_y5"] == 50.0
    assert list(after.columns[1:7]) == list(LADDER_ITEMS)


def test_ladder_never_sees_a_filing_after_the_date():
    for day in ("2023-02-28", "2024-03-03", "2024-07-31", "2025-03-02"):
        block = ladder_as_of(FACTS, day)
        used = FACTS[FACTS["value"].isin(block[list(LADDER_ITEMS)].stack().to_numpy())]
        assert (used["filed"] <= T(day)).all(), day
        assert 777.0 not in block[list(LADDER_ITEMS)].to_numpy()
    assert ladder_as_of(FACTS, "2023-02-28").empty
    assert list(ladder_as_of(FACTS, "2025-12-31", tickers=["BBBB2"]).index) == ["BBBB2"]


def test_short_interest_is_the_newest_published_settlement():
    rows = pd.DataFrame({
        "ticker": ["AAAA1", "AAAA1", "AAAA1", "BBBB2"],
        "date": pd.to_datetime(["2024-01-15", "2024-01-31", "2024-02-15", "2024-01-31"]),
        "short_pct_float": [0.10, 0.12, 0.30, 0.05],
        "shares_short": [1e5, 1.2e5, 3e5, 5e4],
        "released": pd.to_datetime(["2024-01-25", "2024-02-09", "2024-02-27", "2024-02-09"]),
    })
    on = short_interest_as_of(rows, "2024-02-20")
    assert on.loc["AAAA1", "short_pct_float"] == 0.12     # the Feb-15 figure is not out yet
    assert on.loc["AAAA1", "as_of"] == T("2024-01-31")
    assert on.loc["BBBB2", "short_pct_float"] == 0.05
    assert "BBBB2" not in short_interest_as_of(rows, "2024-02-08").index
    assert short_interest_as_of(rows, "2024-03-01").loc["AAAA1", "short_pct_float"] == 0.30
