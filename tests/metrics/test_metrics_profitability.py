"""Profitability: ROIC tax rules, ROE/ROA averaging, gross profitability, EPS flag,
Piotroski on a hand-worked 2-year example, Altman Z and Z''."""

import math

import pytest

BASE = {"operating_income": 200, "total_debt": 500, "total_equity": 1000, "cash": 200}


def _roic(build, fy, **over):
    return build(statements=fy("T", {2024: {**BASE, **over}})).frame.loc["T", "roic"]


def test_roic_effective_tax_rate(build, fy):
    # 200 x (1 - 30/150) / (500 + 1000 - 200)
    assert _roic(build, fy, income_tax=30, pretax_income=150) == pytest.approx(160 / 1300)


@pytest.mark.parametrize(
    "tax,pretax,rate",
    [
        (100, 150, 0.50),  # 67% clipped to 50%
        (-5, 100, 0.0),  # tax benefit on a profit: clipped to 0
        (3, -10, 0.21),  # pre-tax loss: statutory rate
        (None, 150, 0.21),  # unknown tax: statutory rate
    ],
)
def test_roic_tax_rate_rules(build, fy, tax, pretax, rate):
    assert _roic(build, fy, income_tax=tax, pretax_income=pretax) == pytest.approx(
        200 * (1 - rate) / 1300
    )


def test_roic_nan_when_invested_capital_not_positive(build, fy):
    assert math.isnan(_roic(build, fy, total_equity=-400, income_tax=30, pretax_income=150))


@pytest.fixture
def prof(build, fy):
    rows = (
        fy(
            "AAA",
            {
                2023: {"total_equity": 900, "total_assets": 1800},
                2024: {
                    "net_income": 100,
                    "total_equity": 1100,
                    "total_assets": 2200,
                    "revenue": 1000,
                    "cost_of_revenue": 600,
                    "eps_diluted": 0.5,
                },
            },
        )
        + fy(
            "BBB",
            {
                2024: {
                    "net_income": 50,
                    "total_equity": 500,
                    "total_assets": 1000,
                    "eps_diluted": -0.2,
                }
            },
        )
        + fy("CCC", {2023: {"total_equity": -300}, 2024: {"net_income": 10, "total_equity": 100}})
        + fy("DDD", {2024: {"net_income": 30, "shares_diluted": 10}})
    )
    return build(statements=rows, market=[{"ticker": "EEE", "price": 10}]).frame


def test_roe_roa_use_average_with_prior_year(prof):
    assert prof.loc["AAA", "roe"] == pytest.approx(100 / 1000)
    assert prof.loc["AAA", "roa"] == pytest.approx(100 / 2000)
    assert prof.loc["BBB", "roe"] == pytest.approx(0.1)  # no prior year: ending equity
    assert prof.loc["BBB", "roa"] == pytest.approx(0.05)
    assert math.isnan(prof.loc["CCC", "roe"])  # average equity (-300 + 100) / 2 < 0


def test_gross_profitability_and_eps_flag(prof):
    assert prof.loc["AAA", "gross_profitability"] == pytest.approx(400 / 2200)
    assert prof.loc["AAA", "eps_positive"] == 1.0
    assert prof.loc["BBB", "eps_positive"] == 0.0
    assert prof.loc["DDD", "eps_fy"] == pytest.approx(3.0)  # net income / diluted shares
    assert math.isnan(prof.loc["DDD", "eps_ttm"])  # annual statements only: no TTM
    assert prof.loc["DDD", "eps_positive"] == 1.0
    assert math.isnan(prof.loc["CCC", "eps_positive"])  # unknown, not "negative"
    assert math.isnan(prof.loc["EEE", "eps_positive"])  # no statements at all


def test_roa_stability(build, fy):
    rows = fy(
        "S",
        {
            y: {"net_income": ni, "total_assets": 1000}
            for y, ni in [(2021, 50), (2022, 70), (2023, 60)]
        },
    )
    assert build(statements=rows).frame.loc["S", "roa_stability"] == pytest.approx(0.01)


# -- Piotroski ------------------------------------------------------------------------------

Y23 = {
    "net_income": 50,
    "operating_cash_flow": 60,
    "total_assets": 1000,
    "long_term_debt": 300,
    "current_assets": 400,
    "current_liabilities": 200,
    "revenue": 800,
    "cost_of_revenue": 500,
    "shares_outstanding": 100,
}


def test_piotroski_hand_worked(build, fy):
    good = {
        "net_income": 80,
        "operating_cash_flow": 120,
        "total_assets": 1100,
        "long_term_debt": 250,
        "current_assets": 500,
        "current_liabilities": 200,
        "revenue": 950,
        "cost_of_revenue": 570,
        "shares_outstanding": 100,
    }
    # ROA -0.02 <0 (0), CFO 10 > 0 (1), dROA -0.02 < 0.05 (0), CFO/TA 0.01 > ROA (1),
    # LTD/avg TA 400/1100 > 300/1000 (0), current ratio 1.2 < 2 (0), shares up (0),
    # gross margin 0.333 < 0.375 (0), turnover 0.78 < 0.8 (0)  -> 2
    bad = {
        "net_income": -20,
        "operating_cash_flow": 10,
        "total_assets": 1200,
        "long_term_debt": 400,
        "current_assets": 300,
        "current_liabilities": 250,
        "revenue": 780,
        "cost_of_revenue": 520,
        "shares_outstanding": 120,
    }
    missing = {**good, "current_assets": None}
    rows = (
        fy("GOOD", {2023: Y23, 2024: good})
        + fy("BAD", {2023: Y23, 2024: bad})
        + fy("HOLE", {2023: Y23, 2024: missing})
        + fy("ONE", {2024: good})
        + fy("GAP", {2022: Y23, 2024: good})
    )
    f = build(statements=rows).frame
    assert f.loc["GOOD", "piotroski_f"] == 9
    assert f.loc["BAD", "piotroski_f"] == 2
    # missing data gives no score rather than a low one
    assert math.isnan(f.loc["HOLE", "piotroski_f"])
    assert math.isnan(f.loc["ONE", "piotroski_f"])
    assert math.isnan(f.loc["GAP", "piotroski_f"])


# -- Altman -----------------------------------------------------------------------------------

ALT = {
    "current_assets": 600,
    "current_liabilities": 300,
    "retained_earnings": 400,
    "operating_income": 200,
    "total_assets": 2000,
    "total_liabilities": 1000,
    "revenue": 1500,
    "total_equity": 1000,
}


def test_altman_z_and_z2(build, fy):
    derived_tl = {**ALT, "total_liabilities": None}  # TA - equity = 1000
    rows = fy("ALT", {2024: ALT}) + fy("DER", {2024: derived_tl}) + fy("NOM", {2024: ALT})
    mkt = [{"ticker": "ALT", "market_cap": 3000}, {"ticker": "DER", "market_cap": 3000}]
    f = build(statements=rows, market=mkt).frame
    # X1 .15, X2 .2, X3 .1, MVE/TL 3, Sales/TA .75
    z = 1.2 * 0.15 + 1.4 * 0.2 + 3.3 * 0.1 + 0.6 * 3 + 1.0 * 0.75
    z2 = 6.56 * 0.15 + 3.26 * 0.2 + 6.72 * 0.1 + 1.05 * 1.0
    for t in ("ALT", "DER"):
        assert f.loc[t, "altman_z"] == pytest.approx(z)
        assert f.loc[t, "altman_z2"] == pytest.approx(z2)
    assert math.isnan(f.loc["NOM", "altman_z"])  # no market cap
    assert f.loc["NOM", "altman_z2"] == pytest.approx(z2)  # Z'' needs book values only


def test_average_denominator_crossing_zero_is_nan_not_a_huge_ratio(build, fy):
    # equity -50 -> +52: the average (1) would give ROE 10 = 1,000%; ending equity negative
    # with a positive average would give a positive ROE on negative equity: both undefined
    rows = fy("CRS", {2023: {"total_equity": -50, "total_assets": 500, "net_income": 10},
                      2024: {"total_equity": 52, "total_assets": 520, "net_income": 10}}) \
        + fy("NEG", {2023: {"total_equity": 900, "total_assets": 1000, "net_income": -40},
                     2024: {"total_equity": -100, "total_assets": 900, "net_income": -900}}) \
        + fy("OK", {2023: {"total_equity": 100, "total_assets": 200, "net_income": 5},
                    2024: {"total_equity": 300, "total_assets": 400, "net_income": 20}})
    f = build(statements=rows).frame
    assert math.isnan(f.loc["CRS", "roe"]) and math.isnan(f.loc["NEG", "roe"])
    assert f.loc["CRS", "roa"] == pytest.approx(10 / 510)  # assets stay positive: defined
    assert f.loc["OK", "roe"] == pytest.approx(20 / 200)
