"""FMP quarterly statements (real /stable layout, period=quarter) -> dated facts -> TTM."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from screener.history.asof import QuarterTable
from screener.providers.fmp_quarterly import parse_quarterly

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "fmp" / "quarterly"


@pytest.fixture(scope="module")
def facts():
    doc = {e: json.loads((FIX / f"{e}_QRTF.json").read_text())
           for e in ("income-statement", "balance-sheet-statement", "cash-flow-statement")}
    return parse_quarterly("QRTF", doc)


def test_rows_carry_filing_dates_and_quarter_durations(facts):
    rev = facts[facts["item"] == "revenue"].set_index("period_end", drop=False)
    assert rev.loc[pd.Timestamp("2026-03-31"), "filed"] == pd.Timestamp("2026-05-07")
    assert rev.loc[pd.Timestamp("2025-12-31"), "fiscal_period"] == "Q4"
    days = (rev["period_end"] - rev["period_start"]).dt.days + 1
    assert days.between(89, 92).all()  # 3-month durations
    capex = facts[facts["item"] == "capital_expenditure"]["value"]
    assert (capex > 0).all()  # FMP's negative capex is the positive amount spent
    assert facts.loc[facts["item"] == "total_assets", "period_start"].isna().all()


@pytest.mark.parametrize("as_of, revenue, assets", [
    ("2026-05-06", None, 1050e6),  # only three quarters known: no TTM, MRQ = Q4 2025
    ("2026-05-07", 200e6 + 210e6 + 230e6 + 220e6, 1060e6),
    ("2026-08-05", 210e6 + 230e6 + 220e6 + 240e6, 1080e6),
])
def test_ttm_and_mrq_by_filing_date(facts, as_of, revenue, assets):
    row = QuarterTable.build(facts).statements(as_of).loc["QRTF"].iloc[-1]
    assert row["total_assets"] == assets
    if revenue is None:
        assert pd.isna(row["revenue"])
    else:
        assert row["revenue"] == pytest.approx(revenue)
        assert row["free_cash_flow"] == pytest.approx(
            facts[(facts["item"] == "free_cash_flow") & (facts["filed"] <= as_of)]
            .sort_values("period_end")["value"].tail(4).sum())
