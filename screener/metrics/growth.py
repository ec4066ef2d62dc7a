"""Growth of revenue and EPS over exactly 1 and 3 fiscal years (a gap year gives NaN).

Screener's own: FinanceToolkit's statistics_model.calculate_growth forward-fills a one-year
gap before computing, which would hide a missing year, and rounds to 4 decimals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from screener.metrics.wide import Panel, latest, prior


def revenue_growth(now: pd.Series, before: pd.Series) -> pd.Series:
    """now / before - 1; NaN when the earlier revenue is <= 0 or missing."""
    return now / before.where(before > 0) - 1.0


def revenue_cagr(now: pd.Series, before: pd.Series, years: int) -> pd.Series:
    """(now / before)^(1/years) - 1; NaN when the earlier revenue is <= 0 or now < 0."""
    ratio = now / before.where(before > 0)
    return np.power(ratio.where(ratio >= 0), 1.0 / years) - 1.0


def change_over_abs(now: pd.Series, before: pd.Series) -> pd.Series:
    """(now - before) / |before|; NaN when the base is 0 or missing (sign = sign of change)."""
    return (now - before) / before.abs().where(before != 0)


def compute(p: Panel) -> dict[str, pd.Series]:
    rev, eps = p["revenue"], p["eps_diluted"]
    return {
        "revenue_growth_1y": revenue_growth(latest(rev), prior(rev)),
        "revenue_cagr_3y": revenue_cagr(latest(rev), prior(rev, 3), 3),
        "eps_growth_1y": change_over_abs(latest(eps), prior(eps)),
        "eps_growth_3y": change_over_abs(latest(eps), prior(eps, 3)) / 3.0,
    }
