"""Quarterly facts as known on a date: first filed, quarters from YTD, TTM and MRQ.

The fixture is a hand-written SEC companyfacts document (real layout) of a fictional company:
10-Qs with 3-month and year-to-date durations, a 10-Q/A that amends Q2 2020, a Q3 10-Q that
reports only the nine-month YTD, and a 10-K that restates the prior year.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from screener.history.asof import QuarterTable, first_filed, quarter_slot
from screener.providers.sec_quarterly import parse_companyfacts_history

FIXTURE = Path(__file__).parents[1] / "fixtures" / "sec" / "quarterly_QRTL.json"


@pytest.fixture(scope="module")
def facts() -> pd.DataFrame:
    return parse_companyfacts_history("QRTL", json.loads(FIXTURE.read_text()))


def _ttm(facts, as_of, item="revenue"):
    st = QuarterTable.build(facts).statements(as_of)
    return st.loc["QRTL", item]


def test_parser_keeps_every_filing_and_skips_other_forms(facts):
    q2 = facts[(facts["item"] == "revenue") & (facts["period_end"] == "2020-06-30")
               & (facts["period_start"] == "2020-04-01")]
    assert sorted(q2["form"]) == ["10-Q", "10-Q/A"]  # the amendment is its own row
    assert 999 not in facts["value"].tolist()  # the 8-K is not a statement filing
    fy19 = facts[(facts["item"] == "revenue") & (facts["fiscal_period"] == "FY")
                 & (facts["fiscal_year"] == 2019)]
    assert fy19.set_index("filed")["value"].to_dict() == {
        pd.Timestamp("2020-02-20"): 1000.0, pd.Timestamp("2021-02-18"): 1010.0}
    # the comparative column of the 2020 Q1 10-Q is labelled by its own period, not the filing's
    comp = facts[(facts["item"] == "revenue") & (facts["period_end"] == "2019-03-31")
                 & (facts["filed"] == "2020-05-07")]
    assert comp[["fiscal_year", "fiscal_period"]].values.tolist() == [[2019, "Q1"]]


def test_first_filed_view_ignores_amendments_and_restatements(facts):
    ff = first_filed(facts).set_index(["item", "period_start", "period_end"])
    assert ff.loc[("revenue", pd.Timestamp("2020-04-01"), pd.Timestamp("2020-06-30")),
                  "value"] == 250.0
    assert ff.loc[("revenue", pd.Timestamp("2019-01-01"), pd.Timestamp("2019-12-31")),
                  "value"] == 1000.0


@pytest.mark.parametrize("as_of, expected", [
    ("2020-05-06", 1000.0),  # 10-K 2019 known, Q1 2020 not yet: the FY is the TTM
    ("2020-06-30", 240 + 260 + 300 + 210.0),  # Q4 2019 = FY 1000 - 9M YTD 700
    ("2020-08-31", 260 + 300 + 210 + 250.0),
    ("2020-10-01", 260 + 300 + 210 + 250.0),  # the 10-Q/A (255) is not the first filing
    ("2020-11-30", 300 + 210 + 250 + 280.0),  # Q3 2020 = 9M 740 - H1 460 (first filed)
    ("2021-03-01", 1100.0),  # the latest quarter is Q4: the 10-K's fiscal year
])
def test_ttm_revenue_as_of(facts, as_of, expected):
    assert _ttm(facts, as_of).iloc[-1] == pytest.approx(expected)


def test_mrq_balance_and_windows_a_year_apart(facts):
    st = QuarterTable.build(facts).statements("2020-10-01").loc["QRTL"]
    assert st["total_assets"].iloc[-1] == 5200.0  # first filed, not the 10-Q/A's 5250
    assert st.index.tolist() == [2020]  # 2019 Q2's window: no balance, no full TTM -> no row
    assert st["period_end"].tolist() == [pd.Timestamp("2020-06-30")]
    st = QuarterTable.build(facts).statements("2021-03-01").loc["QRTL"]
    assert st.index.tolist() == [2019, 2020]  # window 0 = FY 2020, window -1 = FY 2019
    assert st["total_assets"].tolist() == [5000.0, 5400.0]  # 2019 as first filed, not 4900
    gap = facts[~((facts["item"] == "revenue") & (facts["period_end"] == "2020-03-31"))]
    partial = QuarterTable.build(gap).statements("2020-06-30").loc["QRTL"].iloc[-1]
    assert np.isnan(partial["revenue"])  # a quarter missing: NaN, never a three-quarter sum
    assert partial["total_assets"] == 5100.0


def test_yoy_compares_ttm_with_ttm_four_quarters_earlier(facts):
    from screener.metrics.growth import revenue_growth
    from screener.metrics.wide import build_panel, latest, prior

    st = QuarterTable.build(facts).statements("2021-03-01")
    panel = build_panel(st, pd.Index(["QRTL"]))
    g = revenue_growth(latest(panel["revenue"]), prior(panel["revenue"]))
    assert g["QRTL"] == pytest.approx(1100 / 1000 - 1)  # first-filed FY 2019, not 1010


def test_net_income_ttm_and_averaged_shares(facts):
    qt = QuarterTable.build(facts)
    st = qt.statements("2020-06-30").loc["QRTL"].iloc[-1]
    assert st["net_income"] == pytest.approx(24 + 26 + (100 - 70) + 21)
    # share counts are weighted averages: Q4 2019 is not FY - 9M, so no TTM average
    assert np.isnan(st["shares_diluted"])
    fy = qt.annual("2020-06-30").loc["QRTL"].iloc[-1]
    assert fy["shares_diluted"] == 10.3e6 and fy["revenue"] == 1000.0


def test_annual_view_uses_fiscal_years_first_filed(facts):
    fy = QuarterTable.build(facts).annual("2021-03-01").loc["QRTL"]
    assert fy["revenue"].to_dict() == {2019: 1000.0, 2020: 1100.0}
    assert fy["total_assets"].to_dict() == {2019: 5000.0, 2020: 5400.0}


def test_quarter_slots_are_consecutive_for_any_fiscal_calendar():
    ends = ["2020-01-02", "2020-03-28", "2020-06-27", "2020-09-26", "2021-01-02"]
    assert np.diff(quarter_slot(ends)).tolist() == [1, 1, 1, 1]
    assert np.diff(quarter_slot(["2020-01-31", "2020-04-30", "2020-07-31"])).tolist() == [1, 1]


def test_nothing_filed_after_the_date_is_used(facts):
    """Plant huge values filed after D (a later 10-K, an amendment, a new quarter): the view as
    of D must equal the view built from only the rows filed on or before D."""
    d = pd.Timestamp("2020-10-01")
    late = facts[facts["filed"] <= d].copy()
    late["value"] = 1e12
    late["filed"] = d + pd.Timedelta(days=1)
    new_q = late.iloc[:3].assign(period_end=pd.Timestamp("2020-09-30"),
                                 period_start=pd.Timestamp("2020-07-01"))
    planted = pd.concat([facts, late, new_q], ignore_index=True)
    got = QuarterTable.build(planted).statements(d)
    want = QuarterTable.build(facts[facts["filed"] <= d]).statements(d)
    pd.testing.assert_frame_equal(got, want)
    assert not (got.select_dtypes("number").abs() >= 1e11).any().any()
