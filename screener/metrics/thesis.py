"""The metrics the small-cap rebound thesis names, in one call from ``build``:

cash runway and burn (``runway``), cost of debt, floating-rate exposure and the refinancing
shock (``debt_cost``, with the run date's rates from ``RawBundle.rates``), leverage against the
sector (``sector_relative``) and analyst coverage (``coverage``).
"""

from __future__ import annotations

import pandas as pd

from screener.metrics import coverage, debt_cost, runway, sector_relative
from screener.metrics.wide import Panel
from screener.raw.bundle import Failure
from screener.raw.rates import NO_RATES, MarketRates

FAILURE_TICKER = "(all names)"  # a Data quality row about the run, not one name


def compute(p: Panel, values: dict[str, pd.Series], estimates: pd.DataFrame,
            sector: pd.Series, fcf: pd.Series, rates: MarketRates | None
            ) -> dict[str, pd.Series]:
    """``values`` holds the metrics computed so far (leverage and maturities are needed)."""
    rates = rates or NO_RATES
    out = runway.compute(values["cash"], fcf)
    out |= debt_cost.compute(p, values["total_debt"], values["debt_due_24m"],
                             rates.treasury_10y, rates.hy_yield)
    out |= sector_relative.compute(values["net_debt_to_ebitda"], sector)
    out |= coverage.compute(estimates)
    return out


def rate_failures(rates: MarketRates | None, values: dict[str, pd.Series]) -> list[Failure]:
    """One Data quality row per rate the run lacks (the metrics that use it are NaN), when a
    name needed it (its cost of debt is known)."""
    if not values["cost_of_debt"].notna().any():
        return []
    rates = rates or NO_RATES
    return [Failure(FAILURE_TICKER, "metrics", "macro", note) for note in rates.notes]
