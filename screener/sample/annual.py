"""Twenty fictional fiscal years per name: today's five (``world``) extended through the cycle.

Each name's five complete fiscal years from its world (ending in its latest fiscal year) are
kept as they are; years before are extended backwards and the year after forwards:

- revenue through persistent growth plus the business cycle (``cycle``: the market factor's
  move over each calendar year), more cyclical for junk names,
- operating margin moving with the cycle (junk names' margins swing more: their losses deepen
  in the bears, which is what a quality screen measured from the filings sees),
- the other lines as their ratio to revenue (or to debt, for interest) at the nearest of the
  five years, then the identities re-derived after rounding to thousands, as filings report.

Arrays are ``(names, years)`` over one calendar-year grid shared by every name; no loop runs
over names.
"""

from __future__ import annotations

import numpy as np

from screener.sample.economics import _in_thousands
from screener.sample.roster import Roster

FLOWS = ["revenue", "cost_of_revenue", "gross_profit", "operating_income",
         "depreciation_amortization", "ebitda", "interest_expense", "pretax_income",
         "income_tax", "net_income", "eps_diluted", "shares_diluted", "operating_cash_flow",
         "capital_expenditure", "free_cash_flow"]
INSTANTS = ["cash", "short_term_investments", "current_assets", "total_assets",
            "current_liabilities", "total_liabilities", "short_term_debt", "long_term_debt",
            "total_debt", "total_equity", "retained_earnings", "shares_outstanding",
            "floating_rate_debt"]
RATIO_ITEMS = ["cost_of_revenue", "depreciation_amortization", "capital_expenditure", "cash",
               "short_term_investments", "current_assets", "total_assets",
               "current_liabilities", "short_term_debt", "long_term_debt",
               "retained_earnings"]


def _gather(lines: dict[str, np.ndarray], item: str, col: np.ndarray) -> np.ndarray:
    """``lines[item][i, col[i, j]]`` for a (N, Y) matrix of world columns (0..4)."""
    a = lines[item]
    return np.take_along_axis(a, col, axis=1)


def extend(rng: np.random.Generator, ro: Roster, years: np.ndarray,
           cycle: np.ndarray) -> dict[str, np.ndarray]:
    """Statement lines over ``years`` (calendar years fiscal years end in), (N, len(years)).

    ``cycle``: per year, the market's log move (negative in bear years).
    """
    N, Y = len(ro), len(years)
    ln = ro.lines
    rel = years[None, :] - ro.last_fy[:, None]                 # 0 = latest world year
    inside = (rel >= -4) & (rel <= 0)
    col = np.clip(rel + 4, 0, 4)                              # nearest world column

    cyc_rev = 0.15 + 0.15 * (ro.junk + 1) / 2
    cyc_mar = 0.04 + 0.10 * (ro.junk + 1) / 2
    rev_w = ln["revenue"]
    with np.errstate(divide="ignore", invalid="ignore"):
        mu = np.nanmean(np.diff(np.log(np.maximum(rev_w, 1.0)), axis=1), axis=1)
    mu = np.clip(np.nan_to_num(mu), -0.05, 0.15)
    g = mu[:, None] + cyc_rev[:, None] * cycle[None, :] + rng.normal(0, 0.05, (N, Y))
    G = np.cumsum(g, axis=1)
    anchor_year = np.clip(years[None, :], ro.last_fy[:, None] - 4, ro.last_fy[:, None])
    a_idx = np.clip(np.searchsorted(years, anchor_year), 0, Y - 1)
    rev_a = _gather(ln, "revenue", col)
    revenue = np.exp(np.log(rev_a) + G - np.take_along_axis(G, a_idx, axis=1))
    cyc_a = cycle[a_idx]
    out = {"revenue": revenue}
    for item in RATIO_ITEMS:
        out[item] = revenue * _gather(ln, item, col) / rev_a
    om_a = _gather(ln, "operating_income", col) / rev_a
    out["operating_income"] = revenue * (om_a + cyc_mar[:, None] * (cycle[None, :] - cyc_a))
    other_liab = (_gather(ln, "total_liabilities", col) - _gather(ln, "total_debt", col)) / rev_a
    debt_a = _gather(ln, "total_debt", col)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(debt_a > 0, _gather(ln, "interest_expense", col) / debt_a, 0.05)
        other_inc = (_gather(ln, "pretax_income", col) - _gather(ln, "operating_income", col)
                     + _gather(ln, "interest_expense", col)) / rev_a
        pre_a = _gather(ln, "pretax_income", col)
        tax_rate = np.where(pre_a > 0, _gather(ln, "income_tax", col) / pre_a, 0.22)
        wc = (_gather(ln, "operating_cash_flow", col) - _gather(ln, "net_income", col)
              - _gather(ln, "depreciation_amortization", col)) / rev_a
    total_debt = out["short_term_debt"] + out["long_term_debt"]
    out["interest_expense"] = np.clip(rate, 0, 0.2) * total_debt
    pretax = out["operating_income"] - out["interest_expense"] + other_inc * revenue
    tax = np.where(pretax > 0, pretax * np.clip(tax_rate, 0, 0.4), -pretax * 0.01)
    out["income_tax"] = tax
    out["net_income"] = pretax - tax
    out["operating_cash_flow"] = out["net_income"] + out["depreciation_amortization"] \
        + wc * revenue
    out["total_liabilities"] = total_debt + other_liab * revenue
    out["gross_profit"] = revenue - out["cost_of_revenue"]
    out["ebitda"] = out["operating_income"] + out["depreciation_amortization"]
    out["pretax_income"] = pretax
    out["total_debt"] = total_debt
    out["total_equity"] = out["total_assets"] - out["total_liabilities"]
    out["free_cash_flow"] = out["operating_cash_flow"] - out["capital_expenditure"]
    with np.errstate(divide="ignore", invalid="ignore"):
        dil = np.nanmean(np.diff(np.log(ln["shares_outstanding"]), axis=1), axis=1)
    dil = np.clip(np.nan_to_num(dil), -0.02, 0.15)
    steps = years[None, :] - anchor_year
    shares = _gather(ln, "shares_outstanding", col) * np.exp(dil[:, None] * steps)
    diluted = shares * _gather(ln, "shares_diluted", col) / _gather(ln, "shares_outstanding", col)
    with np.errstate(divide="ignore", invalid="ignore"):   # NaN: the name does not disclose it
        fl_a = _gather(ln, "floating_rate_debt", col)
        float_share = np.where(debt_a > 0, fl_a / debt_a, np.where(np.isnan(fl_a), np.nan, 0.0))
    out = _in_thousands(out)
    out["shares_outstanding"] = np.round(shares)
    out["shares_diluted"] = np.round(diluted)
    out["floating_rate_debt"] = np.round(np.clip(float_share, 0, 1) * out["total_debt"], -3)
    # the five world years exactly as the demo shows them
    for item in FLOWS + INSTANTS:
        if item in ln and item in out:
            out[item] = np.where(inside, _gather(ln, item, col), out[item])
    with np.errstate(divide="ignore", invalid="ignore"):
        eps = out["net_income"] / out["shares_diluted"]
    out["eps_diluted"] = np.where(inside, _gather(ln, "eps_diluted", col), eps)
    return out
