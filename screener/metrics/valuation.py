"""Valuation multiples: market data (now) over the latest fiscal year's fundamentals.

A multiple whose denominator is <= 0 (loss-making EPS, negative EBITDA, negative book equity)
is NaN: it is not "cheap".
"""

from __future__ import annotations

import pandas as pd
from financetoolkit.ratios import solvency_model as ft_solvency
from financetoolkit.ratios import valuation_model as ft_val

from screener.metrics.wide import Panel, latest, nz, positive


def enterprise_value(market_cap: pd.Series, total_debt: pd.Series,
                     cash_sti: pd.Series) -> pd.Series:
    """market cap + total debt - cash - short-term investments (minority interest and
    preferred equity are not in the raw model: 0). FinanceToolkit:
    valuation_model.get_enterprise_value."""
    return ft_val.get_enterprise_value(market_cap, total_debt, 0.0, 0.0, cash_sti)


def pe(price: pd.Series, eps: pd.Series) -> pd.Series:
    """price / diluted EPS; NaN when EPS <= 0.
    FinanceToolkit: valuation_model.get_price_to_earnings_ratio."""
    return ft_val.get_price_to_earnings_ratio(price, positive(eps))


def ev_to_ebitda(ev: pd.Series, ebitda: pd.Series) -> pd.Series:
    """EV / EBITDA; NaN when EBITDA <= 0 (FT's version rebuilds EBITDA from OI + D&A)."""
    return ev / positive(ebitda)


def pb(market_cap: pd.Series, equity: pd.Series) -> pd.Series:
    """market cap / total equity; NaN when equity <= 0."""
    return market_cap / positive(equity)


def ps(market_cap: pd.Series, revenue: pd.Series) -> pd.Series:
    """market cap / revenue; NaN when revenue is 0.
    FinanceToolkit: valuation_model.get_price_to_sales_ratio."""
    return ft_val.get_price_to_sales_ratio(market_cap, nz(revenue))


def fcf_yield(fcf: pd.Series, market_cap: pd.Series) -> pd.Series:
    """free cash flow / market cap; NaN when market cap is 0.
    FinanceToolkit: solvency_model.get_free_cash_flow_yield."""
    return ft_solvency.get_free_cash_flow_yield(fcf, nz(market_cap))


def compute(p: Panel, market_cap: pd.Series, price: pd.Series, total_debt: pd.Series,
            cash_sti: pd.Series) -> dict[str, pd.Series]:
    ev = enterprise_value(market_cap, total_debt, cash_sti)
    return {
        "enterprise_value": ev,
        "pe": pe(price, latest(p["eps_diluted"])),
        "ev_to_ebitda": ev_to_ebitda(ev, latest(p["ebitda"])),
        "pb": pb(market_cap, latest(p["total_equity"])),
        "ps": ps(market_cap, latest(p["revenue"])),
        "fcf_yield": fcf_yield(latest(p["free_cash_flow"]), market_cap),
    }
