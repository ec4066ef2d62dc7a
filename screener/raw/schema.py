"""Declared fields of each raw block: one pydantic model per block.

The same declaration validates one record at a time (providers that fetch per ticker build
``Model(**payload)``) and, through ``BlockSpec``, whole frames at once (``validate_bundle``),
so a constraint is written once. Units: base USD, shares in units, fractions for percentages
(0.15 means 15%), dates as ``datetime64``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

TICKER_PATTERN = r"^[A-Z0-9][A-Z0-9.\-]{0,14}$"

Num = float | None


class _Record(BaseModel):
    """Lenient about extras from providers (ignored), strict about types and ranges."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    ticker: str = Field(pattern=TICKER_PATTERN, description="Provider ticker, Yahoo style (BRK-B)")

    @field_validator("*", mode="before")
    @classmethod
    def _nan_to_none(cls, value: Any) -> Any:
        if isinstance(value, float) and math.isnan(value):
            return None
        return value


class IdentityRecord(_Record):
    name: str = Field(min_length=1)
    sector: str | None = None
    industry: str | None = None
    exchange: str | None = None


class StatementRecord(_Record):
    """One fiscal year of annual statements. Capex is the positive amount spent."""

    fiscal_year: int = Field(ge=1990, le=2100)
    period_end: date | None = None
    # income statement
    revenue: Num = Field(None, ge=0)
    cost_of_revenue: Num = None
    gross_profit: Num = None
    operating_income: Num = Field(None, description="EBIT")
    depreciation_amortization: Num = Field(None, ge=0)
    ebitda: Num = None
    interest_expense: Num = Field(None, ge=0, description="Positive amount paid")
    pretax_income: Num = None
    income_tax: Num = None
    net_income: Num = None
    eps_diluted: Num = None
    shares_diluted: Num = Field(None, ge=0)
    # balance sheet
    cash: Num = Field(None, ge=0, description="Cash and cash equivalents")
    short_term_investments: Num = Field(None, ge=0)
    current_assets: Num = Field(None, ge=0)
    total_assets: Num = Field(None, ge=0)
    current_liabilities: Num = Field(None, ge=0)
    total_liabilities: Num = Field(None, ge=0)
    short_term_debt: Num = Field(None, ge=0)
    long_term_debt: Num = Field(None, ge=0)
    total_debt: Num = Field(None, ge=0)
    floating_rate_debt: Num = Field(None, ge=0, description=(
        "Debt bearing a variable (floating) interest rate at the balance date; SEC: see "
        "providers.sec_floating for the tags read"))
    total_equity: Num = None
    retained_earnings: Num = None
    shares_outstanding: Num = Field(None, ge=0)
    # cash flow
    operating_cash_flow: Num = None
    capital_expenditure: Num = Field(None, ge=0, description="Positive amount spent")
    free_cash_flow: Num = None
    debt_note: str | None = Field(None, description=(
        "How total debt was put together from the filing, and how it checks against the "
        "filing's own totals (SEC)"))


class LadderRecord(_Record):
    """Principal due by period after ``as_of`` (the balance-sheet date of the filing)."""

    as_of: date | None = None
    due_y1: Num = Field(None, ge=0)
    due_y2: Num = Field(None, ge=0)
    due_y3: Num = Field(None, ge=0)
    due_y4: Num = Field(None, ge=0)
    due_y5: Num = Field(None, ge=0)
    due_after_y5: Num = Field(None, ge=0)
    total_principal: Num = Field(None, ge=0, description=(
        "The filing's own total of the debt the ladder schedules (e.g. SEC "
        "DebtInstrumentCarryingAmount or LongTermDebt at the ladder's date)"))
    note: str | None = Field(None, description="Which filing each part of the ladder came from")


class EstimateRecord(_Record):
    """Consensus EPS for the current (cy) and next (ny) fiscal year, now and N days ago."""

    as_of: date | None = None
    eps_cy: Num = None
    eps_cy_7d: Num = None
    eps_cy_30d: Num = None
    eps_cy_60d: Num = None
    eps_cy_90d: Num = None
    eps_ny: Num = None
    eps_ny_7d: Num = None
    eps_ny_30d: Num = None
    eps_ny_60d: Num = None
    eps_ny_90d: Num = None
    up_7d: Num = Field(None, ge=0)
    down_7d: Num = Field(None, ge=0)
    up_30d: Num = Field(None, ge=0)
    down_30d: Num = Field(None, ge=0)
    n_analysts: Num = Field(None, ge=0)
    eps_cy_low: Num = Field(None, description="Lowest analyst EPS estimate, current fiscal year")
    eps_cy_high: Num = Field(None, description="Highest analyst EPS estimate, current fiscal year")


class MarketRecord(_Record):
    as_of: date | None = None
    price: Num = Field(None, gt=0)
    shares_outstanding: Num = Field(None, ge=0)
    float_shares: Num = Field(None, ge=0)
    market_cap: Num = Field(None, ge=0)
    adv_3m_usd: Num = Field(None, ge=0, description="3-month average daily dollar volume")
    beta: Num = None
    short_pct_float: Num = Field(None, ge=0, description="Short interest as a fraction of float")
    high_52w: Num = Field(None, gt=0)
    mom_12_1: Num = Field(None, ge=-1, description="Return from 12 to 1 months ago, fraction")
    volatility_1y: Num = Field(None, ge=0, description="Annualised volatility, fraction")


@dataclass(frozen=True)
class BlockSpec:
    """How a block is laid out as a frame: its model, index and value columns."""

    name: str
    model: type[_Record]
    index: tuple[str, ...]
    label: str

    @property
    def numeric_fields(self) -> list[str]:
        return [
            n for n, f in self.model.model_fields.items()
            if f.annotation in (Num, float, int) and n not in self.index
        ]

    @property
    def text_fields(self) -> list[str]:
        return [
            n for n, f in self.model.model_fields.items()
            if f.annotation in (str, str | None) and n not in self.index
        ]

    @property
    def date_fields(self) -> list[str]:
        return [
            n for n, f in self.model.model_fields.items()
            if f.annotation in (date, date | None) and n not in self.index
        ]

    def bounds(self) -> dict[str, tuple[float | None, float | None, bool]]:
        """field -> (lower, upper, lower_is_strict) from the pydantic constraints."""
        out: dict[str, tuple[float | None, float | None, bool]] = {}
        for name in self.numeric_fields:
            lo = hi = None
            strict = False
            for meta in self.model.model_fields[name].metadata:
                if getattr(meta, "ge", None) is not None:
                    lo = meta.ge
                if getattr(meta, "gt", None) is not None:
                    lo, strict = meta.gt, True
                if getattr(meta, "le", None) is not None:
                    hi = meta.le
            if lo is not None or hi is not None:
                out[name] = (lo, hi, strict)
        return out


BLOCKS: dict[str, BlockSpec] = {
    "identity": BlockSpec("identity", IdentityRecord, ("ticker",), "identity"),
    "statements": BlockSpec(
        "statements", StatementRecord, ("ticker", "fiscal_year"), "annual statements"
    ),
    "ladder": BlockSpec("ladder", LadderRecord, ("ticker",), "debt maturity ladder"),
    "estimates": BlockSpec("estimates", EstimateRecord, ("ticker",), "EPS estimates"),
    "market": BlockSpec("market", MarketRecord, ("ticker",), "market data"),
}

# Value-bearing blocks carry these provenance columns too.
SOURCE_COLUMN = "source"
