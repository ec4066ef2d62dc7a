"""Margins: level, YoY change (exact prior fiscal year) and 5-year variability."""

import math
import statistics

import pytest


@pytest.fixture
def mar(build, fy):
    aaa = {
        y: {"revenue": r, "cost_of_revenue": c}
        for y, r, c in [
            (2020, 100, 60),
            (2021, 110, 66),
            (2022, 120, 60),
            (2023, 130, 65),
            (2024, 140, 70),
        ]
    }
    aaa[2024].update(
        operating_income=28,
        depreciation_amortization=7,
        net_income=14,
        operating_cash_flow=30,
        capital_expenditure=9,
    )
    aaa[2023].update(operating_income=13, ebitda=20, net_income=6.5, free_cash_flow=13)
    # 2023 is missing: the change must not compare 2024 with 2022
    bbb = {
        2021: {"revenue": 100, "gross_profit": 30},
        2022: {"revenue": 100, "gross_profit": 35},
        2024: {"revenue": 100, "gross_profit": 50},
    }
    ccc = {2023: {"revenue": 200, "gross_profit": 50}, 2024: {"revenue": 0, "gross_profit": 0}}
    ddd = {2023: {"revenue": 100, "gross_profit": 20}, 2024: {"revenue": 100, "gross_profit": 25}}
    rows = fy("AAA", aaa) + fy("BBB", bbb) + fy("CCC", ccc) + fy("DDD", ddd)
    return build(statements=rows).frame


def test_margin_levels(mar):
    a = mar.loc["AAA"]
    assert a.gross_margin == pytest.approx(0.5)
    assert a.operating_margin == pytest.approx(0.2)
    assert a.ebitda_margin == pytest.approx(35 / 140)  # derived: operating income + D&A
    assert a.net_margin == pytest.approx(0.1)
    assert a.fcf_margin == pytest.approx(21 / 140)  # derived: OCF - capex


def test_margin_change(mar):
    a = mar.loc["AAA"]
    assert a.gross_margin_chg == pytest.approx(0.0)
    assert a.operating_margin_chg == pytest.approx(0.2 - 0.1)
    assert a.ebitda_margin_chg == pytest.approx(0.25 - 20 / 130)  # 2023 EBITDA as reported
    assert a.fcf_margin_chg == pytest.approx(0.15 - 0.1)
    assert mar.loc["DDD", "gross_margin_chg"] == pytest.approx(0.05)


def test_gap_year_gives_nan_change(mar):
    assert math.isnan(mar.loc["BBB", "gross_margin_chg"])
    assert mar.loc["BBB", "gross_margin"] == pytest.approx(0.5)


def test_variability(mar):
    assert mar.loc["AAA", "gross_margin_vol"] == pytest.approx(
        statistics.stdev([0.4, 0.4, 0.5, 0.5, 0.5])
    )
    # three known years inside the 5-year window are enough, the gap is skipped
    assert mar.loc["BBB", "gross_margin_vol"] == pytest.approx(statistics.stdev([0.3, 0.35, 0.5]))
    assert math.isnan(mar.loc["DDD", "gross_margin_vol"])  # two years only
    assert math.isnan(mar.loc["AAA", "net_margin_vol"])  # net income in two years only


def test_zero_revenue_gives_nan_not_inf(mar):
    c = mar.loc["CCC"]
    assert math.isnan(c.gross_margin) and math.isnan(c.gross_margin_chg)


def test_variability_uses_only_latest_five_years(build, fy):
    # 2018 and 2019 are outside the window: 2020-2024 hold only 2 known margins
    rows = fy(
        "OLD",
        {
            2018: {"revenue": 10, "gross_profit": 1},
            2019: {"revenue": 10, "gross_profit": 2},
            2023: {"revenue": 10, "gross_profit": 3},
            2024: {"revenue": 10, "gross_profit": 4},
        },
    )
    assert math.isnan(build(statements=rows).frame.loc["OLD", "gross_margin_vol"])


def test_reported_gross_profit_wins_for_margin_and_profitability_alike(build, fy):
    # revenue 100, COGS 50, gross profit 40 (the filer's own): one rule for both metrics
    rows = fy("GP", {2023: {"revenue": 100, "cost_of_revenue": 60, "total_assets": 200},
                     2024: {"revenue": 100, "cost_of_revenue": 50, "gross_profit": 40,
                            "total_assets": 200}})
    f = build(statements=rows).frame
    assert f.loc["GP", "gross_margin"] == pytest.approx(0.40)
    assert f.loc["GP", "gross_profitability"] == pytest.approx(0.20)
    assert f.loc["GP", "gross_margin_chg"] == pytest.approx(0.0)  # 2023: 100 - 60 = 40 too
