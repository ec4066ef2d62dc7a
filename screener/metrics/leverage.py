"""Leverage: debt against equity, earnings and assets (latest fiscal year).

Every ratio whose denominator can be zero or negative is NaN there, so that a company with
negative EBITDA or negative book equity never ranks as "low leverage".
"""

from __future__ import annotations

import pandas as pd
from financetoolkit.ratios import solvency_model as ft_solvency

from screener.metrics.wide import Panel, latest, nz, positive

COVERAGE_CAP = 999.0


def cash_and_short_term_investments(cash: pd.Series, sti: pd.Series) -> pd.Series:
    """cash + short-term investments; unreported short-term investments count as 0 (most small
    companies hold none), unknown cash gives NaN."""
    return cash + sti.fillna(0.0)


def net_debt(total_debt: pd.Series, cash_sti: pd.Series) -> pd.Series:
    """total debt - cash - short-term investments (negative = net cash)."""
    return total_debt - cash_sti


def debt_to_equity(total_debt: pd.Series, equity: pd.Series) -> pd.Series:
    """total debt / total equity; NaN when equity <= 0.
    FinanceToolkit: solvency_model.get_debt_to_equity_ratio."""
    return ft_solvency.get_debt_to_equity_ratio(total_debt, positive(equity))


def net_debt_to_ebitda(net_debt_: pd.Series, ebitda: pd.Series) -> pd.Series:
    """net debt / EBITDA; NaN when EBITDA <= 0. Screener's own: FT's version recomputes EBITDA
    from operating income + D&A and would ignore a reported EBITDA."""
    return net_debt_ / positive(ebitda)


def interest_coverage(ebit: pd.Series, interest: pd.Series) -> pd.Series:
    """EBIT / interest expense (negative when EBIT is negative), capped at COVERAGE_CAP;
    COVERAGE_CAP when interest is 0 and EBIT > 0; NaN when interest is 0 or missing and
    EBIT <= 0, or when interest is missing. The cap keeps a debt-free company ranked at least as
    well as one paying a token amount of interest.
    FinanceToolkit: solvency_model.get_interest_coverage_ratio (NaN where interest == 0)."""
    ratio = ft_solvency.get_interest_coverage_ratio(ebit, interest)
    ratio = ratio.mask((interest == 0) & (ebit > 0), COVERAGE_CAP)
    return ratio.clip(upper=COVERAGE_CAP)


def debt_to_assets(total_debt: pd.Series, total_assets: pd.Series) -> pd.Series:
    """total debt / total assets. FinanceToolkit: solvency_model.get_debt_to_assets_ratio."""
    return ft_solvency.get_debt_to_assets_ratio(total_debt, nz(total_assets))


def compute(p: Panel) -> dict[str, pd.Series]:
    td = latest(p["total_debt"])
    cash = cash_and_short_term_investments(latest(p["cash"]), latest(p["short_term_investments"]))
    nd = net_debt(td, cash)
    return {
        "total_debt": td,
        "cash": cash,
        "net_debt": nd,
        "debt_to_equity": debt_to_equity(td, latest(p["total_equity"])),
        "net_debt_to_ebitda": net_debt_to_ebitda(nd, latest(p["ebitda"])),
        "interest_coverage": interest_coverage(latest(p["operating_income"]),
                                               latest(p["interest_expense"])),
        "debt_to_assets": debt_to_assets(td, latest(p["total_assets"])),
    }
