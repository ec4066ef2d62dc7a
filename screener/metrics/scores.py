"""Composite scores: Piotroski F-score, Altman Z and Altman Z''.

The Piotroski signals and the Altman Z ratios come from FinanceToolkit's pure functions, called
on the wide relative-year frames (rows tickers, columns fiscal years; FT shifts along axis=1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from financetoolkit.models import altman_model as ft_altman
from financetoolkit.models import piotroski_model as ft_pio

from screener.metrics.wide import Panel, latest, nz, positive

PIOTROSKI_INPUTS = ["net_income", "operating_cash_flow", "total_assets", "long_term_debt",
                    "current_assets", "current_liabilities", "revenue", "gross_profit",
                    "shares_outstanding"]


def piotroski(p: Panel) -> pd.Series:
    """Piotroski (2000) F-score of the latest fiscal year: 9 binary signals, 0-9.

    ROA, CFO, accruals and asset turnover are scaled by beginning-of-year total assets (the
    prior year's closing balance; the year's own ending assets when the year before is not in
    the data), leverage by the average of beginning and ending assets. "No dilution" scores 1
    when shares outstanding did not rise over the year. NaN (not a low score) unless every input
    is known for both the latest and the prior fiscal year, since FT scores NaN comparisons 0.
    FinanceToolkit: piotroski_model.get_*_criteria and get_piotroski_score.
    """
    ta = p["total_assets"]
    begin = ta.shift(1, axis=1).fillna(ta)
    avg = (begin + ta) / 2
    shares = p["shares_outstanding"]
    issued = (shares - shares.shift(1, axis=1)).clip(lower=0.0)
    crit = [
        ft_pio.get_return_on_assets_criteria(p["net_income"], nz(begin)),
        ft_pio.get_operating_cashflow_criteria(p["operating_cash_flow"]),
        ft_pio.get_change_in_return_on_asset_criteria(p["net_income"], nz(begin)),
        ft_pio.get_accruals_criteria(p["net_income"], p["operating_cash_flow"], nz(begin)),
        ft_pio.get_change_in_leverage_criteria(p["long_term_debt"], nz(avg)),
        ft_pio.get_change_in_current_ratio_criteria(p["current_assets"],
                                                    nz(p["current_liabilities"])),
        ft_pio.get_number_of_shares_criteria(issued),
        # gross margin from gross profit (reported first), as the gross_margin metric
        ft_pio.get_gross_margin_criteria(nz(p["revenue"]), p["revenue"] - p["gross_profit"]),
        ft_pio.get_asset_turnover_ratio_criteria(p["revenue"], nz(begin)),
    ]
    latest_crit = [c[[0]] for c in crit]  # score only the latest year: 9 tiny frames
    score = latest(ft_pio.get_piotroski_score(*latest_crit)).astype("float64")
    known = np.ones(len(score), dtype=bool)
    for item in PIOTROSKI_INPUTS:
        both = p[item][[-1, 0]].notna().all(axis=1).to_numpy()
        known &= both
    return score.where(known)


def altman_ratios(p: Panel) -> dict[str, pd.Series]:
    """X1 = working capital / TA, X2 = retained earnings / TA, X3 = EBIT / TA (latest year).
    FinanceToolkit: altman_model.get_*_to_total_assets_ratio."""
    ta = positive(latest(p["total_assets"]))
    wc = latest(p["current_assets"]) - latest(p["current_liabilities"])
    return {
        "x1": ft_altman.get_working_capital_to_total_assets_ratio(wc, ta),
        "x2": ft_altman.get_retained_earnings_to_total_assets_ratio(
            latest(p["retained_earnings"]), ta),
        "x3": ft_altman.get_earnings_before_interest_and_taxes_to_total_assets_ratio(
            latest(p["operating_income"]), ta),
    }


def altman_z(p: Panel, market_cap: pd.Series) -> pd.Series:
    """1.2 X1 + 1.4 X2 + 3.3 X3 + 0.6 market cap / total liabilities + 1.0 sales / TA.
    FinanceToolkit: altman_model.get_altman_z_score (and its ratio helpers)."""
    x = altman_ratios(p)
    ta = positive(latest(p["total_assets"]))
    x4 = ft_altman.get_market_value_of_equity_to_book_value_of_total_liabilities_ratio(
        market_cap, positive(latest(p["total_liabilities"])))
    x5 = ft_altman.get_sales_to_total_assets_ratio(latest(p["revenue"]), ta)
    return ft_altman.get_altman_z_score(x["x1"], x["x2"], x["x3"], x4, x5)


def altman_z2(p: Panel) -> pd.Series:
    """Altman Z'' (non-manufacturers): 6.56 X1 + 3.26 X2 + 6.72 X3 + 1.05 X4 with
    X4 = book equity / total liabilities. Not in FinanceToolkit; X1-X3 use its helpers."""
    x = altman_ratios(p)
    x4 = latest(p["total_equity"]) / positive(latest(p["total_liabilities"]))
    return 6.56 * x["x1"] + 3.26 * x["x2"] + 6.72 * x["x3"] + 1.05 * x4


def compute(p: Panel, market_cap: pd.Series) -> dict[str, pd.Series]:
    return {"piotroski_f": piotroski(p), "altman_z": altman_z(p, market_cap),
            "altman_z2": altman_z2(p)}
