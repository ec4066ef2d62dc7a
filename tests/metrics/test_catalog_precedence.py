"""Every precedence the catalog states ("X reported, else Y", "when not given") holds on a
hand-built row where X and Y disagree, so the catalog and the code cannot drift apart.

The disagreeing row: revenue 100, COGS 50 but gross profit 40; EBITDA 50 but operating income
10 + D&A 5; FCF 10 but OCF 60 - capex 20; total debt 100 but short 30 + long 50; total
liabilities 300 but assets 1000 - equity 500; EPS 2 but net income 30 / 10 shares; market cap
500 but price 10 x 100 shares; a ladder summing to 20 but a filing total principal of 50.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from screener.metrics.catalog import CATALOG, CATALOG_LIST

PRECEDENCE = re.compile(r"\belse\b|when not given|when not reported")

ROW = {"revenue": 100, "cost_of_revenue": 50, "gross_profit": 40, "ebitda": 50,
       "operating_income": 10, "depreciation_amortization": 5, "free_cash_flow": 10,
       "operating_cash_flow": 60, "capital_expenditure": 20, "total_debt": 100,
       "short_term_debt": 30, "long_term_debt": 50, "total_liabilities": 300,
       "total_assets": 1000, "total_equity": 500, "eps_diluted": 2.0, "net_income": 30,
       "shares_diluted": 10, "cash": 20, "current_assets": 400, "current_liabilities": 200,
       "retained_earnings": 100}
PRIOR = {k: v for k, v in ROW.items()}
MARKET = {"ticker": "X", "price": 10.0, "shares_outstanding": 100, "market_cap": 500}
LADDER = {"ticker": "X", "due_y1": 10, "due_y2": 10, "due_y3": 0, "due_y4": 0, "due_y5": 0,
          "due_after_y5": 0, "total_principal": 50}

# metric -> (the precedence the formula must state, expected value under it); the expected
# values use the reported X, never the alternative Y
CASES = {
    "market_cap": ("price x shares outstanding when not given", 500),
    "cash": ("short-term investments (0 when not reported)", 20),
    "net_debt": ("short-term investments (0 when not reported)", 80),
    "debt_due_24m_share": ("the filing's total principal where reported, else the sum", 0.4),
    "total_debt": ("total debt as reported, else short-term + long-term", 100),
    "net_debt_to_ebitda": ("reported, else operating income + D&A", (100 - 20) / 50),
    "wall_coverage_24m": ("2 x latest FCF when positive, else 0", (20 + 2 * 10) / 20),
    "gross_margin": ("gross profit reported, else revenue - cost of revenue", 0.40),
    "ebitda_margin": ("EBITDA reported, else operating income + D&A", 0.50),
    "fcf_margin": ("FCF reported, else operating cash flow - capex", 0.10),
    "ebitda_ttm": ("EBITDA as reported, else operating income + D&A", 50),
    "fcf_ttm": ("free cash flow as reported, else operating cash flow", 10),
    "eps_ttm": ("(else net income / diluted shares)", 2.0),
    "ebitda_fy": ("EBITDA as reported, else operating income + D&A", 50),
    "fcf_fy": ("free cash flow as reported, else operating cash flow", 10),
    "eps_fy": ("(else net income / diluted shares)", 2.0),
    "gross_profitability": ("gross profit (reported, else revenue - cost of revenue)", 0.04),
    "ev_to_ebitda": ("EBITDA (reported, else operating income + D&A)", (500 + 100 - 20) / 50),
    "altman_z": ("TL reported, else TA - equity",
                 1.2 * 0.2 + 1.4 * 0.1 + 3.3 * 0.01 + 0.6 * 500 / 300 + 1.0 * 0.1),
    "altman_z2": ("TL reported, else TA - equity",
                  6.56 * 0.2 + 3.26 * 0.1 + 6.72 * 0.01 + 1.05 * 500 / 300),
}


@pytest.fixture
def frame(bundle, fy):
    """The rows as fiscal years, and (for the _ttm ids) the same rows as TTM windows."""
    from dataclasses import replace

    from screener.metrics import build_standard_frame

    rows = fy("X", {2023: PRIOR, 2024: ROW})
    b = bundle(statements=rows, market=[MARKET], ladder=[LADDER])
    fy_frame = build_standard_frame(b, as_of=dt.date(2025, 3, 31)).frame
    ttm = build_standard_frame(replace(b, statements_basis="ttm", annual=b.statements),
                               as_of=dt.date(2025, 3, 31)).frame
    ttm_ids = [c for c in ttm.columns if str(c).endswith("_ttm")]
    assert fy_frame[ttm_ids].isna().all().all()  # annual statements: no TTM value
    fy_frame[ttm_ids] = ttm[ttm_ids]
    return fy_frame


def test_every_stated_precedence_has_a_case():
    stated = {m.id for m in CATALOG_LIST if PRECEDENCE.search(m.formula)}
    assert stated == set(CASES), (
        "a catalog formula states a precedence without a test case (or a case lost its "
        f"statement): {sorted(stated ^ set(CASES))}")


@pytest.mark.parametrize("metric", sorted(CASES))
def test_stated_precedence_holds_where_the_alternatives_disagree(frame, metric):
    phrase, expected = CASES[metric]
    assert phrase in CATALOG[metric].formula
    assert frame.loc["X", metric] == pytest.approx(expected, rel=1e-9)
