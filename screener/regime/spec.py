"""The ``regime:`` section of a screen file, as strictly validated as the phases.

    regime:
      universe: russell2000          # breadth and revisions are measured on its members
      verdicts:                      # what the panel can conclude, and the list each points to
        junk_rally:       {title: Early junk rally, phase: early_rebound}
        quality_recovery: {title: Quality-led recovery, phase: quality_recovery}
        defensive:        {title: Defensive, phase: defensive}
        refi_stress:      {title: Refinancing stress, phase: refinancing_risk, overlay: true}
      indicators:
        hy_spread_3m:
          series: BAMLH0A0HYM2       # a series id from the catalog (screener macro series)
          transform: change 3m       # level | change W | pct_change W | percentile W |
                                     # zscore W | ma_cross F/S | from_high W | from_low W
          rule: "< 0"                # <, <=, >, >= a number; or {op: between, value: [a, b]}
          votes: {junk_rally: 2, quality_recovery: 1, defensive: -1}
          why: Spreads tightening over a quarter is the credit market reopening.

A rule that holds votes +1 times each weight, one that fails votes -1 times it; a verdict's
score is the weighted sum over the indicators that have data, divided by the sum of the
absolute weights (so -1..+1). The verdict is the best-scoring non-overlay verdict; an overlay
(``overlay: true``) is raised on top of it when its score is at least its ``threshold``.
"""

from __future__ import annotations

import math
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from screener.regime.transforms import Transform

RULE_RE = re.compile(r"^\s*(<=|>=|<|>)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")
IDENT = r"^[A-Za-z_][A-Za-z0-9_]*$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Comparison(Strict):
    """``{op, value}``; the short form is a string such as ``"< 4.5"``."""

    op: Literal["<", "<=", ">", ">=", "between", "outside"]
    value: float | list[float]

    @model_validator(mode="before")
    @classmethod
    def _short(cls, data: Any) -> Any:
        if isinstance(data, str):
            m = RULE_RE.match(data)
            if not m:
                raise ValueError(f"{data!r} is not a comparison like '< 4.5' or '>= 0'; "
                                 "use {op: between, value: [a, b]} for a range")
            return {"op": m.group(1), "value": float(m.group(2))}
        if isinstance(data, bool | int | float) or data is None:
            raise ValueError(f"a rule is a comparison such as '< 4.5', not {data!r}")
        return data

    @model_validator(mode="after")
    def _shape(self) -> Comparison:
        ranged = self.op in ("between", "outside")
        if ranged:
            if not (isinstance(self.value, list) and len(self.value) == 2
                    and self.value[0] < self.value[1]):
                raise ValueError(f"'{self.op}' needs value: [low, high] with low < high")
        elif isinstance(self.value, list):
            raise ValueError(f"'{self.op}' compares with one number, not a list")
        vals = self.value if isinstance(self.value, list) else [self.value]
        if not all(math.isfinite(v) for v in vals):
            raise ValueError("the threshold must be a finite number")
        return self

    @property
    def text(self) -> str:
        if isinstance(self.value, list):
            return f"{self.op} [{self.value[0]:g}, {self.value[1]:g}]"
        return f"{self.op} {self.value:g}"


class Indicator(Strict):
    series: str = Field(description="A series id from the catalog (screener macro series)")
    label: str | None = None
    transform: str = Field("level", description="level | change 3m | pct_change 1y | "
                           "percentile 10y | zscore 10y | ma_cross 50/200 | from_high 2y | "
                           "from_low 1y")
    rule: Comparison
    votes: dict[str, float] = Field(min_length=1, description="verdict -> weight (+ for, - against)")
    why: str = Field("", description="The reasoning behind the threshold (shown in the panel)")
    max_age_days: int | None = Field(None, ge=1, le=3650,
                                     description="Older latest observation: stale, no vote")

    @field_validator("transform")
    @classmethod
    def _t(cls, v: str) -> str:
        Transform.parse(v)
        return v

    @field_validator("votes")
    @classmethod
    def _w(cls, v: dict[str, float]) -> dict[str, float]:
        for k, w in v.items():
            if not math.isfinite(w) or abs(w) > 1000:
                raise ValueError(f"weight of {k!r} must be a number between -1000 and 1000")
        if all(w == 0 for w in v.values()):
            raise ValueError("every weight is 0: this indicator would never count")
        return v


class Verdict(Strict):
    title: str
    phase: str | None = Field(None, description="The screen phase this verdict points to")
    overlay: bool = Field(False, description="Raised on top of the main verdict")
    threshold: float = Field(0.0, ge=-1, le=1, description="Overlay: raised at this score")
    description: str = ""


class RegimeSpec(Strict):
    description: str = ""
    universe: str | None = Field(None, description="Members for breadth (default: the first "
                                 "universe of the screen)")
    benchmarks: dict[Literal["small", "large", "quality"], str] = Field(
        default_factory=lambda: {"small": "IWM", "large": "SPY", "quality": "IJR"})
    verdicts: dict[str, Verdict] = Field(min_length=2)
    indicators: dict[str, Indicator] = Field(min_length=1)
    history_step: Literal["week", "month"] = Field(
        "month", description="Spacing of the verdict history (workbook band)")

    @model_validator(mode="after")
    def _main(self) -> RegimeSpec:
        if not any(not v.overlay for v in self.verdicts.values()):
            raise ValueError("at least one verdict must not be an overlay")
        return self
