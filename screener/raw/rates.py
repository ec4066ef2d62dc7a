"""Market rates a run uses as of its date: a small context passed in with the raw bundle.

Two FRED series feed the debt-cost metrics (``metrics.debt_cost``):

- ``DGS10``: the 10-year Treasury constant-maturity yield (the risk-free benchmark of
  ``cost_of_debt_spread``);
- ``BAMLH0A0HYM2EY``: the ICE BofA US High Yield index effective yield (what a small, levered
  borrower pays to refinance today: ``refi_wall_rate_shock``).

Values are fractions (FRED publishes percent: 4.25 -> 0.0425). Each value is the latest
observation released on or before the run date (``history.rates.rates_as_of``); a series with
nothing stored, or whose latest observation is older than ``MAX_AGE_DAYS``, is NaN and says why
in ``notes`` (the Data quality sheet). Nothing here is global state: the pipeline builds one
``MarketRates`` per run date and hands it over in ``RawBundle.rates``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

TREASURY_10Y = "DGS10"
HY_YIELD = "BAMLH0A0HYM2EY"
SERIES = (TREASURY_10Y, HY_YIELD)
MAX_AGE_DAYS = 31  # an observation older than this before the run date is not "today's" rate


@dataclass(frozen=True)
class MarketRates:
    """Rates as fractions, with the observation date and source of each (None when absent)."""

    values: dict[str, float] = field(default_factory=dict)
    dates: dict[str, str] = field(default_factory=dict)   # series -> ISO observation date
    source: str | None = None
    notes: tuple[str, ...] = ()

    def get(self, series: str) -> float:
        v = self.values.get(series)
        return float("nan") if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)

    @property
    def treasury_10y(self) -> float:
        return self.get(TREASURY_10Y)

    @property
    def hy_yield(self) -> float:
        return self.get(HY_YIELD)

    def describe(self) -> str:
        parts = [f"{s} {self.values[s]:.2%} ({self.dates.get(s, '?')})"
                 for s in SERIES if not math.isnan(self.get(s))]
        return ", ".join(parts) if parts else "no rates"


NO_RATES_NOTE = ("no macro series in the history store: DGS10 and BAMLH0A0HYM2EY are not "
                 "stored, so cost_of_debt_spread and refi_wall_rate_shock are NaN (fetch the "
                 "FRED series into the history store to fill them)")
NO_RATES = MarketRates(notes=(NO_RATES_NOTE,))
