"""Cash runway: how many months of cash a cash-burning company has left.

Free cash flow is the latest year's (trailing twelve months on a point-in-time bundle) and
cash is the latest balance (most recent quarter on a point-in-time bundle), so the runway is
"at today's burn, months until the cash and short-term investments are gone".
"""

from __future__ import annotations

import pandas as pd

RUNWAY_CAP = 999.0  # months; a cash-generating company (FCF >= 0) never runs out


def burn_rate(fcf: pd.Series) -> pd.Series:
    """Monthly cash burn = -FCF / 12 when FCF < 0; 0 when FCF >= 0; NaN without FCF."""
    return (-fcf / 12.0).where(fcf < 0, 0.0).where(fcf.notna())


def cash_runway_months(cash_sti: pd.Series, fcf: pd.Series) -> pd.Series:
    """(cash + short-term investments) / monthly burn when FCF < 0, capped at RUNWAY_CAP;
    RUNWAY_CAP when FCF >= 0 (cash-generating); NaN without cash or without FCF."""
    burn = burn_rate(fcf)
    months = (cash_sti / burn.where(burn > 0)).clip(upper=RUNWAY_CAP)
    months = months.mask((fcf >= 0) & cash_sti.notna(), RUNWAY_CAP)
    return months.where(cash_sti.notna() & fcf.notna())


def compute(cash_sti: pd.Series, fcf: pd.Series) -> dict[str, pd.Series]:
    return {"burn_rate": burn_rate(fcf), "cash_runway_months": cash_runway_months(cash_sti, fcf)}
