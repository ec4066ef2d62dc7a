"""Revisions and breadth, growth (1y and 3y), valuation, size and risk."""

import math

import pytest


def test_revisions_and_breadth(build):
    est = [
        {
            "ticker": "AAA",
            "eps_cy": 1.10,
            "eps_cy_7d": 1.00,
            "eps_cy_30d": 1.00,
            "eps_cy_90d": 0.0,
            "eps_ny": -0.5,
            "eps_ny_30d": -1.0,
            "up_30d": 3,
            "down_30d": 1,
            "n_analysts": 6,
        },
        {
            "ticker": "BBB",
            "eps_cy": 2.0,
            "eps_cy_30d": 2.5,
            "up_30d": 0,
            "down_30d": 0,
            "n_analysts": 5,
        },
        {"ticker": "CCC", "eps_cy": 1.0, "up_30d": 0, "down_30d": 0, "n_analysts": 0},
    ]
    f = build(estimates=est, identity=["AAA", "BBB", "CCC", "DDD"]).frame
    a = f.loc["AAA"]
    assert a.eps_rev_cy_7d == pytest.approx(0.10) and a.eps_rev_cy_30d == pytest.approx(0.10)
    assert math.isnan(a.eps_rev_cy_90d)  # base 0
    assert a.eps_rev_ny_30d == pytest.approx(0.5)  # loss narrowing is an upward revision
    assert math.isnan(a.eps_rev_ny_90d)  # base missing
    assert a.revision_breadth_30d == pytest.approx(0.5)
    assert a.n_analysts == 6
    assert f.loc["BBB", "eps_rev_cy_30d"] == pytest.approx(-0.2)
    assert f.loc["BBB", "revision_breadth_30d"] == 0.0  # covered, nobody revised
    assert math.isnan(f.loc["CCC", "revision_breadth_30d"])  # nobody covers it
    assert (
        f.loc[["DDD"], ["revision_breadth_30d", "n_analysts", "eps_rev_cy_7d"]]
        .isna()
        .all(axis=None)
    )  # no estimate data at all


def test_growth_exact_years(build, fy):
    rows = (
        fy(
            "AAA",
            {
                2021: {"revenue": 100, "eps_diluted": -1.0},
                2022: {"revenue": 110},
                2023: {"revenue": 121, "eps_diluted": 0.5},
                2024: {"revenue": 133.1, "eps_diluted": 1.0},
            },
        )
        + fy(
            "GAP",
            {
                2021: {"revenue": 100},
                2022: {"revenue": 100},
                2024: {"revenue": 200, "eps_diluted": 1.0},
            },
        )
        + fy(
            "ZER",
            {2023: {"revenue": 0, "eps_diluted": 0.0}, 2024: {"revenue": 50, "eps_diluted": 1.0}},
        )
    )
    f = build(statements=rows).frame
    a = f.loc["AAA"]
    assert a.revenue_growth_1y == pytest.approx(0.10)
    assert a.revenue_cagr_3y == pytest.approx(0.10)
    assert a.eps_growth_1y == pytest.approx(1.0)
    assert a.eps_growth_3y == pytest.approx(2 / 3)  # (1 - -1) / |-1| / 3
    g = f.loc["GAP"]  # 2023 missing: no comparison with 2022 instead
    assert math.isnan(g.revenue_growth_1y) and math.isnan(g.eps_growth_1y)
    assert g.revenue_cagr_3y == pytest.approx(2 ** (1 / 3) - 1)
    z = f.loc["ZER"]  # growth from zero is undefined, not infinite
    assert math.isnan(z.revenue_growth_1y) and math.isnan(z.eps_growth_1y)


def test_valuation(build, fy):
    rows = fy(
        "AAA",
        {
            2024: {
                "eps_diluted": 2.0,
                "total_debt": 500,
                "cash": 150,
                "short_term_investments": 50,
                "ebitda": 250,
                "total_equity": 1000,
                "revenue": 1500,
                "free_cash_flow": 150,
            }
        },
    ) + fy(
        "BBB",
        {
            2024: {
                "eps_diluted": -1.0,
                "total_debt": 0,
                "cash": 100,
                "ebitda": -80,
                "total_equity": -50,
                "revenue": 0,
            }
        },
    )
    mkt = [
        {"ticker": "AAA", "price": 20, "market_cap": 3000},
        {"ticker": "BBB", "price": 5, "market_cap": 500},
    ]
    f = build(statements=rows, market=mkt).frame
    a = f.loc["AAA"]
    assert a.pe == pytest.approx(10)
    assert a.enterprise_value == pytest.approx(3300)
    assert a.ev_to_ebitda == pytest.approx(13.2)
    assert a.pb == pytest.approx(3) and a.ps == pytest.approx(2)
    assert a.fcf_yield == pytest.approx(0.05)
    b = f.loc["BBB"]
    assert b.enterprise_value == pytest.approx(400)
    for col in ("pe", "ev_to_ebitda", "pb", "ps"):  # loss, negative EBITDA/equity, no sales
        assert math.isnan(b[col]), col


def test_size_and_risk(build):
    mkt = [
        {
            "ticker": "AAA",
            "price": 12,
            "shares_outstanding": 1e6,
            "float_shares": 8e5,
            "high_52w": 20,
            "adv_3m_usd": 5e5,
            "beta": 1.4,
            "mom_12_1": 0.3,
            "volatility_1y": 0.45,
            "short_pct_float": 0.12,
        },
        {"ticker": "BBB", "price": 10, "market_cap": 2e9, "shares_outstanding": 0, "high_52w": 10},
    ]
    f = build(market=mkt).frame
    a = f.loc["AAA"]
    assert a.market_cap == pytest.approx(12e6)  # price x shares when not given
    assert a.free_float == pytest.approx(0.8)
    assert a.drawdown_52w == pytest.approx(-0.4)
    assert (a.adv_3m, a.beta, a.mom_12_1, a.volatility, a.short_interest, a.price) == (
        5e5,
        1.4,
        0.3,
        0.45,
        0.12,
        12,
    )
    b = f.loc["BBB"]
    assert b.market_cap == 2e9  # the provider's figure wins
    assert math.isnan(b.free_float)  # zero shares: no division by zero
    assert b.drawdown_52w == 0.0
