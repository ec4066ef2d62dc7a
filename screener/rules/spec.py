"""The screen file as pydantic models. ``extra="forbid"`` everywhere: a typo in a key fails
loudly instead of being ignored. Short forms (a rule as a plain string, a score part as a bare
metric id, a tie-breaker as a bare name) are normalised by ``mode="before"`` validators.

Names (metrics, scores, universes, params) are resolved later by ``compile.py``; this module only
checks shapes, types and ranges.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

Policy = Literal["skip", "neutral", "worst", "exclude"]
Order = Literal["descending", "ascending", "desc", "asc"]
Better = Literal["higher", "lower"]
IDENT = r"^[A-Za-z_][A-Za-z0-9_]*$"
MAX_WEIGHT = 1000.0


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _finite(v: float | None) -> float | None:
    if v is not None and not math.isfinite(v):
        raise ValueError("must be a finite number")
    return v


class Rule(Strict):
    """A filter: an expression string, or ``{metric, op, value}``."""

    expr: str | None = Field(None, description="A condition, e.g. 'net_debt_to_ebitda < 3'")
    metric: str | None = Field(None, description="Structured form: metric, score or param name")
    op: Literal["<", "<=", ">", ">=", "==", "=", "!=", "between", "not_between", "in",
                "not_in", "is_missing", "is_not_missing"] | None = None
    value: float | str | list[float | str] | None = None
    label: str | None = Field(None, description="Optional name shown in attrition tables")

    @model_validator(mode="before")
    @classmethod
    def _short(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"expr": data}
        if isinstance(data, bool | int | float) or data is None:
            raise ValueError("a rule is a condition such as 'market_cap >= 300M', "
                             f"not {data!r}")
        return data

    @model_validator(mode="after")
    def _one_form(self) -> Rule:
        if self.expr is None and self.metric is None:
            raise ValueError("a rule needs 'expr' or 'metric' + 'op' (+ 'value')")
        if self.expr is not None and self.metric is not None:
            raise ValueError("give either 'expr' or 'metric'/'op'/'value', not both")
        if self.metric is not None:
            if self.op is None:
                raise ValueError("a structured rule needs 'op', e.g. op: '>='")
            needs = self.op not in ("is_missing", "is_not_missing")
            if needs and self.value is None:
                raise ValueError(f"op {self.op!r} needs a 'value'")
            if self.op in ("between", "not_between") and not (
                    isinstance(self.value, list) and len(self.value) == 2):
                raise ValueError("'between' needs value: [low, high]")
            if self.op in ("in", "not_in") and not isinstance(self.value, list):
                raise ValueError("'in' needs value: [a, b, ...]")
        return self


class Part(Strict):
    """One ingredient of a score: a metric, another score, or an expression."""

    metric: str | None = Field(None, description="A metric id from the catalog")
    score: str | None = Field(None, description="Another score id (nested composite)")
    expr: str | None = Field(None, description="An arithmetic expression on metrics")
    label: str | None = None
    weight: float = Field(1.0, gt=0, le=MAX_WEIGHT, description="Relative weight (> 0)")
    better: Better | None = Field(None, description="Default: the catalog's direction")
    missing: Policy | None = Field(None, description="Overrides the score's missing policy")

    @model_validator(mode="before")
    @classmethod
    def _short(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"metric": data}
        return data

    @field_validator("weight")
    @classmethod
    def _w(cls, v: float) -> float:
        return _finite(v)

    @model_validator(mode="after")
    def _one_source(self) -> Part:
        given = [k for k in ("metric", "score", "expr") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("a part names exactly one of 'metric', 'score' or 'expr'")
        return self


class Score(Strict):
    """A composite: each part becomes a 0-100 value (100 best), the score is their weighted
    average."""

    label: str | None = None
    description: str = ""
    parts: list[Part] = Field(min_length=1)
    group_by: Literal["sector", "industry"] | None = Field(
        None, description="Rank within sector/industry (sector-neutral)")
    min_group_size: int = Field(5, ge=2, le=10_000,
                                description="Smaller groups are ranked against everyone")
    method: Literal["percentile", "zscore"] = "percentile"
    winsorize: float | None = Field(None, ge=0, lt=0.5,
                                    description="Clip each tail at this quantile (zscore)")
    missing: Policy = "skip"
    min_coverage: float = Field(0.5, ge=0, le=1,
                                description="Share of the weight a name must have data for")


class TieBreaker(Strict):
    by: str = Field(description="A metric, score or expression")
    order: Order = "descending"

    @model_validator(mode="before")
    @classmethod
    def _short(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"by": data}
        return data


class Phase(Strict):
    title: str
    description: str = ""
    filters: list[Rule] = Field(default_factory=list)
    rank_by: str = Field(description="A score id or an expression")
    order: Order = Field("descending", description="descending: highest first")
    tie_breakers: list[TieBreaker] = Field(default_factory=list)
    top: int | None = Field(None, ge=1, le=100_000, description="Keep the best N (all if absent)")


class Episode(Strict):
    """A named date range for the backtest's per-episode table (``screener backtest``)."""

    kind: Literal["rebound", "drawdown"] = Field(
        "rebound", description="rebound: which list led off a low; drawdown: which held up")
    start: dt.date = Field(description="First day, e.g. 2020-03-23 (the low of a rebound)")
    end: dt.date | None = Field(None, description="Last day (default: 6 months after start)")
    note: str = ""
    source: str = Field("", description="Where the dates come from")

    @model_validator(mode="after")
    def _order(self) -> Episode:
        if self.end is not None and self.end <= self.start:
            raise ValueError("'end' must be after 'start'")
        return self


class ScreenSpec(Strict):
    version: Literal[1] = 1
    name: str | None = None
    description: str = ""
    extends: str | None = Field(None, description="Path of a base screen, relative to this file")
    universes: list[str] = Field(min_length=1)
    params: dict[str, float | str] = Field(default_factory=dict)
    eligibility: list[Rule] = Field(default_factory=list)
    scores: dict[str, Score] = Field(default_factory=dict)
    phases: dict[str, Phase] = Field(min_length=1)
    episodes: dict[str, Episode] | None = Field(
        None, description="Backtest episodes (default: the small-cap rebounds and drawdowns "
                          "since 2008 listed in screens/README.md)")
    regime: dict[str, Any] | None = Field(
        None, description="The regime panel's indicators and verdicts (checked by "
        "screener.regime; see screens/README.md)")
    _source: Any = PrivateAttr(None)  # yamlload.Loaded: text and locations, set by load_screen

    @field_validator("params")
    @classmethod
    def _params(cls, v: dict) -> dict:
        from screener.rules.expressions import parse_literal
        out = {}
        for k, x in v.items():
            x = parse_literal(x) if isinstance(x, str) else x   # "300M" -> 3e8, "5%" -> 0.05
            if isinstance(x, float) and (not math.isfinite(x) or abs(x) > 1e18):
                raise ValueError(f"param {k!r} must be a finite number below 1e18")
            out[k] = x
        return out


def is_ascending(order: str) -> bool:
    return order in ("ascending", "asc")
