"""Profitability: latest-year levels, ROIC / ROE / ROA, gross profitability, EPS sign.

ROE and ROA divide by the average of this and the prior fiscal year's balance when both are
known, else by the ending (latest) balance. An average whose endpoints straddle zero is near
zero and meaningless (equity going from -50 to +52 averages 1, and ROE explodes): the
denominator is NaN whenever either endpoint used is <= 0 (``positive_average``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from financetoolkit.ratios import profitability_model as ft_prof

from screener.metrics.wide import Panel, latest, positive, variability

STATUTORY_TAX = 0.21
MAX_TAX = 0.50


def tax_rate(income_tax: pd.Series, pretax: pd.Series) -> pd.Series:
    """income tax / pretax income clipped to [0, 50%] when pretax > 0 and tax is known;
    the 21% statutory rate when pretax <= 0 or either figure is missing."""
    rate = (income_tax / positive(pretax)).clip(lower=0.0, upper=MAX_TAX)
    return rate.fillna(STATUTORY_TAX)


def roic(ebit: pd.Series, income_tax: pd.Series, pretax: pd.Series, total_debt: pd.Series,
         equity: pd.Series, cash_sti: pd.Series) -> pd.Series:
    """EBIT x (1 - tax rate) / (total debt + total equity - cash - short-term investments),
    ending balances of the latest year; NaN when invested capital <= 0 or unknown.
    Screener's own: FT's get_return_on_invested_capital uses average debt + equity, no cash,
    and a 0% rate on a pre-tax loss."""
    invested = total_debt + equity - cash_sti
    return ebit * (1.0 - tax_rate(income_tax, pretax)) / positive(invested)


def positive_average(wide: pd.DataFrame) -> pd.DataFrame:
    """(this year + prior year) / 2 when both are known, else this year's ending value; NaN
    when any endpoint used is <= 0 (an average crossing zero is not a denominator)."""
    before = wide.shift(1, axis=1)
    avg = ((wide + before) / 2).where(before.notna(), wide)
    return avg.where((wide > 0) & (before.isna() | (before > 0)))


def roe(net_income: pd.DataFrame, equity: pd.DataFrame) -> pd.DataFrame:
    """net income / average equity (ending equity without a prior year); NaN when either
    endpoint is <= 0. FinanceToolkit: profitability_model.get_return_on_equity."""
    return ft_prof.get_return_on_equity(net_income, positive_average(equity))


def roa(net_income: pd.DataFrame, assets: pd.DataFrame) -> pd.DataFrame:
    """net income / average total assets (ending assets without a prior year); NaN when
    either endpoint is <= 0. FinanceToolkit: profitability_model.get_return_on_assets."""
    return ft_prof.get_return_on_assets(net_income, positive_average(assets))


def gross_profitability(gross_profit: pd.Series, assets: pd.Series) -> pd.Series:
    """gross profit / total assets (Novy-Marx 2013, ending assets)."""
    return gross_profit / positive(assets)


def eps_positive(eps: pd.Series) -> pd.Series:
    """1.0 when EPS > 0, 0.0 when EPS <= 0, NaN when EPS is unknown."""
    return pd.Series(np.where(eps.isna(), np.nan, (eps > 0).astype("float64")), index=eps.index)


PERIOD_TOTALS = {"revenue": "revenue", "ebitda": "ebitda", "fcf": "free_cash_flow",
                 "eps": "eps_diluted"}


def period_totals(p: Panel, is_ttm: np.ndarray | None, fy: Panel) -> dict[str, pd.Series]:
    """``<x>_ttm`` from ``p`` for the names whose statements are TTM windows (``is_ttm``; NaN
    for names with annual statements only: the id never passes a fiscal year off as TTM) and
    ``<x>_fy`` from the fiscal-year panel."""
    out: dict[str, pd.Series] = {}
    for short, item in PERIOD_TOTALS.items():
        fy_value = latest(fy[item])
        out[f"{short}_fy"] = fy_value
        ttm = latest(p[item])
        out[f"{short}_ttm"] = ttm.where(is_ttm) if is_ttm is not None \
            else pd.Series(np.nan, index=fy_value.index)
    return out


def compute(p: Panel, cash_sti: pd.Series, is_ttm: np.ndarray | None = None,
            fy: Panel | None = None) -> dict[str, pd.Series]:
    """``p``: the panel the ratios use (TTM windows when held, else fiscal years); ``is_ttm``
    (per name) and ``fy``: for the period-total ids (see ``period_totals``)."""
    totals = period_totals(p, is_ttm, fy if fy is not None else p)
    eps = totals["eps_ttm"].where(totals["eps_ttm"].notna(), totals["eps_fy"])
    roa_wide = roa(p["net_income"], p["total_assets"])
    return {
        **totals,
        "eps_positive": eps_positive(eps),
        "roic": roic(latest(p["operating_income"]), latest(p["income_tax"]),
                     latest(p["pretax_income"]), latest(p["total_debt"]),
                     latest(p["total_equity"]), cash_sti),
        "roe": latest(roe(p["net_income"], p["total_equity"])),
        "roa": latest(roa_wide),
        "roa_stability": variability(roa_wide),
        "gross_profitability": gross_profitability(latest(p["gross_profit"]),
                                                   latest(p["total_assets"])),
    }

