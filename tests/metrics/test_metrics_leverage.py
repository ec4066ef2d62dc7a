"""Leverage and maturities, hand-computed on tiny bundles."""

import datetime as dt
import math

import pytest

LEV = {
    # total debt 100 + 400 = 500, cash 150 + 50 = 200, EBITDA 200 + 50 = 250
    "AAA": {
        2024: {
            "short_term_debt": 100,
            "long_term_debt": 400,
            "cash": 150,
            "short_term_investments": 50,
            "total_equity": 1000,
            "total_assets": 2500,
            "operating_income": 200,
            "depreciation_amortization": 50,
            "interest_expense": 40,
            "operating_cash_flow": 120,
            "capital_expenditure": 20,
        }
    },
    # negative EBITDA, negative equity, no interest: nothing here is "low leverage"
    "BBB": {
        2024: {
            "total_debt": 1000,
            "cash": 10,
            "total_equity": -50,
            "total_assets": 900,
            "operating_income": -100,
            "depreciation_amortization": 20,
            "interest_expense": 0,
            "operating_cash_flow": -40,
            "capital_expenditure": 10,
        }
    },
    # debt free, profitable: coverage capped at 999, net cash
    "CCC": {
        2024: {
            "total_debt": 0,
            "cash": 100,
            "total_equity": 400,
            "total_assets": 500,
            "operating_income": 50,
            "ebitda": 60,
            "interest_expense": 0,
        }
    },
    # only short-term debt known, no interest figure
    "DDD": {2024: {"short_term_debt": 10, "cash": 5, "operating_income": 10}},
    # token interest: coverage would be 5000, capped at the debt-free level
    "EEE": {
        2024: {
            "total_debt": 20,
            "cash": 1000,
            "operating_income": 5000,
            "interest_expense": 1,
            "operating_cash_flow": -10,
            "capital_expenditure": 0,
        }
    },
}


@pytest.fixture
def lev(build, fy):
    rows = [r for t, y in LEV.items() for r in fy(t, y)]
    ladder = [
        {
            "ticker": "AAA",
            "as_of": "2024-12-31",
            "due_y1": 100,
            "due_y2": 50,
            "due_y3": 0,
            "due_y4": 200,
            "due_y5": 0,
            "due_after_y5": 150,
        },
        {
            "ticker": "BBB",
            "as_of": "2024-12-31",
            "due_y1": 0,
            "due_y2": 0,
            "due_y3": 0,
            "due_y4": 0,
            "due_y5": 0,
            "due_after_y5": 500,
        },
        {"ticker": "DDD", "as_of": "2024-12-31", "due_y1": 10},
        {
            "ticker": "EEE",
            "as_of": "2024-12-31",
            "due_y1": 1,
            "due_y2": 0,
            "due_y3": 0,
            "due_y4": 0,
            "due_y5": 0,
            "due_after_y5": 0,
        },
    ]
    return build(statements=rows, ladder=ladder).frame


def test_leverage_values(lev):
    a = lev.loc["AAA"]
    assert a.total_debt == 500 and a.cash == 200 and a.net_debt == 300
    assert a.debt_to_equity == pytest.approx(0.5)
    assert a.net_debt_to_ebitda == pytest.approx(1.2)
    assert a.interest_coverage == pytest.approx(5.0)
    assert a.debt_to_assets == pytest.approx(0.2)


def test_negative_ebitda_is_never_better_than_modest_leverage(lev):
    b = lev.loc["BBB"]
    assert math.isnan(b.net_debt_to_ebitda)
    assert math.isnan(b.debt_to_equity)  # negative book equity is not low leverage
    assert math.isnan(b.interest_coverage)  # no interest and EBIT <= 0
    ranked = lev.net_debt_to_ebitda.rank()  # lower is better
    assert math.isnan(ranked["BBB"]) and not math.isnan(ranked["AAA"])


def test_zero_interest_and_cap(lev):
    assert lev.loc["CCC", "interest_coverage"] == 999
    assert lev.loc["EEE", "interest_coverage"] == 999  # 5000 capped: debt free ranks no worse
    assert lev.loc["CCC", "net_debt"] == -100
    assert lev.loc["CCC", "net_debt_to_ebitda"] == pytest.approx(-100 / 60)  # net cash


def test_negative_ebit_with_interest_is_negative_coverage(build, fy):
    f = build(statements=fy("ZZZ", {2024: {"operating_income": -30, "interest_expense": 10}}))
    assert f.frame.loc["ZZZ", "interest_coverage"] == pytest.approx(-3.0)


def test_blank_debt_component_is_none_reported(lev):
    # the catalog's policy: one debt component reported, the other blank -> taken as 0
    d = lev.loc["DDD"]
    assert d.total_debt == 10 and d.net_debt == 5
    assert math.isnan(d.debt_to_assets)  # total assets not reported: still unknown
    assert math.isnan(d.interest_coverage)  # interest missing


def test_maturity_ladder(lev):
    a = lev.loc["AAA"]
    assert a.debt_due_12m == 100 and a.debt_due_24m == 150
    assert a.debt_due_1_5y == 350 and a.debt_due_after_5y == 150
    assert a.debt_due_24m_share == pytest.approx(150 / 500)
    # (cash 150 + sti 50 + 2 x FCF (120 - 20)) / 150
    assert a.wall_coverage_24m == pytest.approx(400 / 150)


def test_wall_coverage_edges(lev):
    assert lev.loc["BBB", "wall_coverage_24m"] == 99  # nothing due within 24 months
    assert lev.loc["BBB", "debt_due_24m_share"] == 0
    assert math.isnan(lev.loc["CCC", "wall_coverage_24m"])  # no ladder at all
    assert math.isnan(lev.loc["CCC", "debt_due_12m"])
    d = lev.loc["DDD"]  # year 2 unknown: the 24m wall is unknown, not 10
    assert d.debt_due_12m == 10 and math.isnan(d.debt_due_24m)
    assert math.isnan(d.wall_coverage_24m) and math.isnan(d.debt_due_1_5y)
    assert lev.loc["EEE", "wall_coverage_24m"] == 99  # 1000 / 1 capped


def test_wall_coverage_ignores_negative_fcf(build, fy):
    rows = fy("FFF", {2024: {"cash": 100, "operating_cash_flow": -30, "capital_expenditure": 20}})
    ladder = [{"ticker": "FFF", "due_y1": 30, "due_y2": 20}]
    f = build(statements=rows, ladder=ladder).frame
    assert f.loc["FFF", "wall_coverage_24m"] == pytest.approx(2.0)


def test_blank_short_term_debt_keeps_every_leverage_metric_and_is_noted(build, fy):
    rows = fy("LTO", {2024: {"long_term_debt": 300, "total_assets": 1000, "total_equity": 400,
                             "cash": 50, "ebitda": 100, "total_liabilities": 600}}) \
        + fy("STO", {2024: {"short_term_debt": 40, "total_assets": 200, "total_equity": 100}}) \
        + fy("TOT", {2024: {"total_debt": 70, "total_assets": 700, "total_equity": 100}})
    sf = build(statements=rows, market=[{"ticker": "LTO", "price": 10, "market_cap": 500}],
               as_of=dt.date(2025, 3, 31))
    f, p = sf.frame, sf.provenance
    assert f.loc["LTO", "total_debt"] == 300
    assert f.loc["LTO", "debt_to_assets"] == pytest.approx(0.3)
    assert f.loc["LTO", "debt_to_equity"] == pytest.approx(0.75)
    assert f.loc["LTO", "net_debt_to_ebitda"] == pytest.approx(2.5)
    assert f.loc["LTO", "enterprise_value"] == pytest.approx(750)
    assert f.loc["STO", "debt_to_assets"] == pytest.approx(0.2)
    assert p.loc["LTO", "statements_note"] == "short-term debt not reported, taken as 0"
    assert p.loc["STO", "statements_note"] == "long-term debt not reported, taken as 0"
    assert p.loc["TOT", "statements_note"] == ""  # a reported total needs no assumption


def test_no_debt_line_is_zero_only_where_the_source_reports_debt_for_the_name(build, fy):
    rows = fy("PAID", {2023: {"long_term_debt": 50, "total_liabilities": 90},
                       2024: {"total_liabilities": 80, "total_assets": 400}}) \
        + fy("NEVR", {2023: {"total_liabilities": 90},
                      2024: {"total_liabilities": 80, "total_assets": 400}}) \
        + fy("INTR", {2023: {"long_term_debt": 50, "total_liabilities": 90},
                      2024: {"total_liabilities": 80, "interest_expense": 4}})
    sf = build(statements=rows, as_of=dt.date(2025, 3, 31))
    assert sf.frame.loc["PAID", "total_debt"] == 0  # repaid: the balance sheet has no debt line
    assert sf.frame.loc["PAID", "debt_to_assets"] == 0
    assert "no debt line reported" in sf.provenance.loc["PAID", "statements_note"]
    # a source that never reports a debt line for the name says nothing about its debt
    assert math.isnan(sf.frame.loc["NEVR", "total_debt"])
    assert sf.provenance.loc["NEVR", "statements_note"] == ""
    # interest is paid: the debt exists under a line the source does not carry -> unknown
    assert math.isnan(sf.frame.loc["INTR", "total_debt"])
