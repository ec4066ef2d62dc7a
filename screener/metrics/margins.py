"""Margins for every fiscal year in the window, their latest level, YoY change and variability.

Margins are NaN when revenue is 0 or missing. The YoY change compares with fiscal year - 1
exactly; a gap year gives NaN. Variability is the sample std (ddof=1) over the latest 5 fiscal
years, NaN with fewer than 3 known margins.
"""

from __future__ import annotations

import pandas as pd
from financetoolkit.ratios import profitability_model as ft_prof

from screener.metrics.wide import Panel, latest, nz, prior, variability


def ebitda_margin(ebitda: pd.DataFrame, revenue: pd.DataFrame) -> pd.DataFrame:
    """EBITDA / revenue. Screener's own: FT's get_ebitda_margin rebuilds EBITDA from
    operating income + D&A and would ignore a reported EBITDA."""
    return ebitda / nz(revenue)


def gross_margin(gross_profit: pd.DataFrame, revenue: pd.DataFrame) -> pd.DataFrame:
    """gross profit / revenue, gross profit as reported, else revenue - cost of revenue."""
    return gross_profit / nz(revenue)


def margin_frames(p: Panel) -> dict[str, pd.DataFrame]:
    """Wide margin frames by metric id (rows tickers, columns relative fiscal years)."""
    rev = nz(p["revenue"])
    return {
        # gross profit (reported, else revenue - cost of revenue: wide.derive) / revenue, the
        # same gross profit as gross_profitability. Not FT's get_gross_margin, which takes
        # revenue - COGS and would ignore a reported gross profit that disagrees with it.
        "gross_margin": gross_margin(p["gross_profit"], rev),
        # FinanceToolkit: profitability_model.get_operating_margin
        "operating_margin": ft_prof.get_operating_margin(p["operating_income"], rev),
        "ebitda_margin": ebitda_margin(p["ebitda"], rev),
        # FinanceToolkit: profitability_model.get_net_profit_margin
        "net_margin": ft_prof.get_net_profit_margin(p["net_income"], rev),
        # FinanceToolkit: profitability_model.get_free_cash_flow_margin
        "fcf_margin": ft_prof.get_free_cash_flow_margin(p["free_cash_flow"], rev),
    }


def compute(p: Panel) -> dict[str, pd.Series]:
    out: dict[str, pd.Series] = {}
    for mid, wide in margin_frames(p).items():
        out[mid] = latest(wide)
        out[f"{mid}_chg"] = latest(wide) - prior(wide)
        out[f"{mid}_vol"] = variability(wide)
    return out
