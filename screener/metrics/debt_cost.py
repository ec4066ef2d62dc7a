"""What a company pays on its debt, how much of it floats, and what rates do to its EBIT.

- cost of debt = interest expense / average total debt (this and the prior balance date);
- its spread over the 10-year Treasury at the run date (``RawBundle.rates``);
- the share of debt bearing a variable rate (``statements.floating_rate_debt``) and the EBIT
  relief of a 100 bp cut on it;
- the refinancing shock: the debt due within 24 months repriced from today's cost of debt to
  the high-yield effective yield, against EBIT.

Every ratio over EBIT is NaN when EBIT <= 0 (a relief or a shock "as a share of a loss" has no
meaning); a ratio over debt is NaN when debt <= 0.
"""

from __future__ import annotations

import pandas as pd

from screener.metrics.wide import Panel, average_with_prior, latest, positive

CUT = 0.01  # 100 basis points


def average_total_debt(total_debt_wide: pd.DataFrame) -> pd.Series:
    """(latest + prior balance) / 2 when both are known, else the latest balance."""
    return latest(average_with_prior(total_debt_wide))


def cost_of_debt(interest: pd.Series, avg_debt: pd.Series) -> pd.Series:
    """interest expense / average total debt; NaN when that average is <= 0 or unknown."""
    return interest / positive(avg_debt)


def cost_of_debt_spread(cod: pd.Series, treasury_10y: float) -> pd.Series:
    """cost of debt - 10-year Treasury yield (NaN when either is unknown)."""
    return cod - treasury_10y


def floating_debt(floating: pd.Series, total_debt: pd.Series) -> pd.Series:
    """Floating-rate debt used by the ratios: the reported amount, at most total debt; 0 when
    total debt is 0 (nothing can float); NaN when not disclosed."""
    out = floating.where(~(floating > total_debt), total_debt)
    return out.mask(total_debt == 0, 0.0)


def floating_rate_share(floating: pd.Series, total_debt: pd.Series) -> pd.Series:
    """floating-rate debt / total debt, in [0, 1]; NaN when total debt <= 0 or undisclosed."""
    return (floating_debt(floating, total_debt) / positive(total_debt)).clip(0.0, 1.0)


def rate_cut_benefit(floating: pd.Series, total_debt: pd.Series, ebit: pd.Series) -> pd.Series:
    """floating-rate debt x 1% / EBIT: the interest saved by a 100 bp cut, as a share of EBIT;
    0 when total debt is 0; NaN when EBIT <= 0 or floating debt is undisclosed."""
    return floating_debt(floating, total_debt) * CUT / positive(ebit)


def refi_wall_rate_shock(due_24m: pd.Series, hy_yield: float, cod: pd.Series,
                         ebit: pd.Series) -> pd.Series:
    """debt due within 24 months x (high-yield effective yield - cost of debt) / EBIT; 0 when
    nothing is due within 24 months; NaN when EBIT <= 0 or an input is unknown. Negative when
    the company pays more than the high-yield market today (refinancing would be cheaper)."""
    shock = due_24m * (hy_yield - cod) / positive(ebit)
    return shock.mask(due_24m == 0, 0.0)


def compute(p: Panel, total_debt: pd.Series, due_24m: pd.Series, treasury_10y: float,
            hy_yield: float) -> dict[str, pd.Series]:
    ebit = latest(p["operating_income"])
    cod = cost_of_debt(latest(p["interest_expense"]), average_total_debt(p["total_debt"]))
    floating = latest(p["floating_rate_debt"])
    return {
        "cost_of_debt": cod,
        "cost_of_debt_spread": cost_of_debt_spread(cod, treasury_10y),
        "floating_rate_share": floating_rate_share(floating, total_debt),
        "rate_cut_benefit_100bp": rate_cut_benefit(floating, total_debt, ebit),
        "refi_wall_rate_shock": refi_wall_rate_shock(due_24m, hy_yield, cod, ebit),
    }
