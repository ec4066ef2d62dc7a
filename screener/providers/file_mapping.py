"""The mapping file of ``screener fetch --from-file F --mapping M`` (strict YAML).

    # mapping.yaml: a Bloomberg export, amounts in millions, percentages as 15.2
    ticker: Ticker                 # the file column holding tickers (required)
    fiscal_year: FY                # needed when statements.* fields are mapped
    sheet: Sheet1                  # xlsx only, optional (default: the first sheet)
    units:
      default: millions            # millions | thousands | units (default: units)
      Shares Out: millions         # per-column override
    percent: [Short Int % Float]   # columns written as 15.2 meaning 15.2%
    period: Period End             # optional: quarterly rows with their dates; the
    filed: Filing Date             #   statement values go to the history (as-of runs)
    frequency: quarterly           # quarterly (3-month flows, default) | annual
    columns:                       # file column -> <block>.<field> of the raw input model
      Revenue: statements.revenue
      Short Int % Float: market.short_pct_float

``units.default`` scales amounts in USD and share counts; it never scales per-share values,
ratios, prices or counts (``eps_*``, ``price``, ``beta``, ``n_analysts``, ...) unless a
column is named under ``units`` explicitly. Unknown keys or fields fail with the line and a
did-you-mean (``ConfigError``).

Signs and scales per column (most exports write capex, interest and dividends paid as negative
numbers; some write values in thousands or in a unit of their own):

    sign:                          # flip: multiply by -1; abs: always positive; keep: as is
      Capital Expenditures: flip
      Interest Expense: abs
    scale:                         # a multiplier applied after units (any positive number)
      Revenue (000s): 1000

or the same next to the column, one mapping per column:

    columns:
      Capital Expenditures: {field: statements.capital_expenditure, sign: flip, units: thousands}
      Revenue (000s): {field: statements.revenue, scale: 1000}
      Short %: {field: market.short_pct_float, percent: true}

A value is read as: number x units x scale, then the sign, then / 100 for percent columns; the
result is checked against the field's bounds (an invalid cell is left empty and reported).

Common exports:

    # SimFin-style bulk CSV (USD units; capex and interest paid negative; ';' -> save as ',')
    ticker: Ticker
    fiscal_year: Fiscal Year
    sign:
      Change in Fixed Assets & Intangibles: flip
      Interest Expense, Net: abs
    columns:
      Revenue: statements.revenue
      Operating Income (Loss): statements.operating_income
      Interest Expense, Net: statements.interest_expense
      Short Term Debt: statements.short_term_debt     # often blank: counts 0 (noted)
      Long Term Debt: statements.long_term_debt
      Change in Fixed Assets & Intangibles: statements.capital_expenditure

    # Bloomberg (BDP/BDH export, millions; capex CAPITAL_EXPEND is negative)
    ticker: Ticker
    fiscal_year: FY
    units: {default: millions}
    sign: {Capex: flip}
    columns:
      Revenue: statements.revenue
      Capex: statements.capital_expenditure
      Short Int % Float: {field: market.short_pct_float, percent: true}
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from screener.errors import ConfigError, Location, Problem
from screener.raw.schema import BLOCKS

Unit = Literal["millions", "thousands", "units"]
Sign = Literal["flip", "abs", "keep"]
FACTORS = {"millions": 1e6, "thousands": 1e3, "units": 1.0}

# fields never scaled by units.default (per share, ratios, prices, counts, years)
UNSCALED = {
    "eps_diluted", "price", "beta", "high_52w", "mom_12_1", "volatility_1y", "short_pct_float",
    "up_7d", "down_7d", "up_30d", "down_30d", "n_analysts", "fiscal_year",
} | {f for f in BLOCKS["estimates"].numeric_fields if f.startswith("eps_")}


class Units(BaseModel):
    model_config = ConfigDict(extra="allow")
    default: Unit = "units"


class ColumnSpec(BaseModel):
    """One mapped column written as a mapping: its field and how to read its values."""

    model_config = ConfigDict(extra="forbid")

    field: str
    units: Unit | None = None
    scale: float | None = Field(None, gt=0, allow_inf_nan=False)
    sign: Sign | None = None
    percent: bool = False


class FileMapping(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ticker: str = Field(min_length=1)
    fiscal_year: str | None = None
    # quarterly (or annual) statements with the date each became known: the statement values
    # of a row go to the history's ``facts`` (see providers/file_facts.py)
    period: str | None = None  # column holding the period end date
    filed: str | None = None  # column holding the filing / publication date
    published: str | None = None  # same as filed (the name some exports use)
    frequency: Literal["quarterly", "annual"] = "quarterly"  # what one row's flows cover
    sheet: str | int | None = None
    units: Units = Field(default_factory=Units)
    percent: list[str] = Field(default_factory=list)
    sign: dict[str, Sign] = Field(default_factory=dict)
    scale: dict[str, float] = Field(default_factory=dict)
    columns: dict[str, str | ColumnSpec] = Field(min_length=1)

    def model_post_init(self, _context) -> None:
        """Inline column mappings become the same top-level entries as the short form."""
        extra = self.units.model_extra if self.units.model_extra is not None else {}
        for col, spec in list(self.columns.items()):
            if not isinstance(spec, ColumnSpec):
                continue
            if spec.units is not None:
                extra[col] = spec.units
            if spec.scale is not None:
                self.scale[col] = spec.scale
            if spec.sign is not None:
                self.sign[col] = spec.sign
            if spec.percent and col not in self.percent:
                self.percent.append(col)
            self.columns[col] = spec.field

    def sign_of(self, column: str) -> str | None:
        return self.sign.get(column)

    def transform(self, column: str, field: str, value: float) -> float:
        """A file value in base units: x units x scale, then the sign, then / 100 for
        percent columns."""
        value = value * self.unit_of(column, field) * self.scale.get(column, 1.0)
        sign = self.sign.get(column)
        if sign == "flip":
            value = -value
        elif sign == "abs":
            value = abs(value)
        if column in self.percent:
            value /= 100.0
        return value

    def targets(self) -> dict[str, tuple[str, str]]:
        """file column -> (block, field)."""
        return {col: tuple(t.split(".", 1)) for col, t in self.columns.items()}  # type: ignore

    @property
    def filed_column(self) -> str | None:
        return self.filed or self.published

    def unit_of(self, column: str, field: str) -> float:
        extra = self.units.model_extra or {}
        if column in extra:
            return FACTORS[extra[column]]
        return 1.0 if field in UNSCALED else FACTORS[self.units.default]


def _all_fields() -> list[str]:
    out = []
    for name, spec in BLOCKS.items():
        out += [f"{name}.{f}" for f in spec.numeric_fields + spec.text_fields + spec.date_fields]
    return out


def _lines(text: str) -> dict[tuple[str, ...], int]:
    """YAML key path -> 1-based line, from the node tree (for error locations)."""
    out: dict[tuple[str, ...], int] = {}

    def walk(node, path):
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                key = (*path, str(k.value))
                out[key] = k.start_mark.line + 1
                out[(*key, "=")] = v.start_mark.line + 1
                walk(v, key)
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                out[(*path, str(i))] = v.start_mark.line + 1

    try:
        walk(yaml.compose(text), ())
    except yaml.YAMLError:
        pass
    return out


def _suggest(word: str, choices: list[str]) -> str | None:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"Did you mean {close[0]!r}?" if close else None


MAPPING_HINT = ("Fix the mapping file; each entry maps a column of your file to a raw field "
                "(see `screener metrics` and screener/raw/schema.py for the fields).")


def load_mapping(path: str | Path) -> FileMapping:
    """Read and check a mapping file; every problem is reported at once with its line."""
    return read_mapping(path)[0]


def read_mapping(path: str | Path) -> tuple[FileMapping, str]:
    """``load_mapping``, and the text it was read from."""
    path = Path(path)
    where = str(path)
    from screener.fsutil import MB, UnreadableFile, read_bounded

    try:
        text = read_bounded(path, 1 * MB, "mapping file").decode("utf-8")
    except UnreadableFile as exc:
        raise ConfigError([Problem(Location(where), f"cannot read the mapping: {exc.reason}",
                                   "Check the path given to --mapping.")]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError([Problem(Location(where), f"the mapping is not UTF-8 text ({exc.reason})",
                                   "Save it as UTF-8 in your editor.")]) from None
    return mapping_from_text(text, where), text


def mapping_from_text(text: str, where: str) -> FileMapping:
    """``load_mapping`` of the mapping's text (``where`` names it in messages): an import
    stored in the journal is read again from the text it kept."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError([Problem(Location(where, mark.line + 1 if mark else None),
                                   f"not valid YAML: {getattr(exc, 'problem', exc)}",
                                   "Check the indentation, brackets and ':' on that line.")]) \
            from None
    if not isinstance(raw, dict):
        raise ConfigError([Problem(Location(where, 1), "the mapping must be a YAML mapping",
                                   "Start with 'ticker: <column>' and 'columns:'.")])
    lines = _lines(text)
    try:
        mapping = FileMapping.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(str(p) for p in err["loc"])
            hint = None
            if err["type"] == "extra_forbidden":
                hint = _suggest(loc[-1], list(FileMapping.model_fields))
            line = lines.get(loc) or (lines.get(loc[:1]) if loc else None)
            problems.append(Problem(Location(where, line), f"{'.'.join(loc) or 'mapping'}: "
                                    f"{err['msg']}", hint))
        raise ConfigError(problems, hint=MAPPING_HINT) from None

    problems = []
    fields = _all_fields()
    for col, target in mapping.columns.items():
        if target not in fields:
            problems.append(Problem(
                Location(where, lines.get(("columns", col, "=")), text=f"{col}: {target}"),
                f"unknown field {target!r} for column {col!r}",
                _suggest(target, fields) or "Use <block>.<field>; see 'screener schema'."))
    for key, unit in (mapping.units.model_extra or {}).items():
        if unit not in FACTORS:
            problems.append(Problem(Location(where, lines.get(("units", key, "="))),
                                    f"unknown unit {unit!r} for {key!r}",
                                    "Use millions, thousands or units."))
    if (mapping.period is None) != (mapping.filed_column is None):
        problems.append(Problem(Location(where, lines.get(("period",)) or lines.get(("filed",))
                                         or lines.get(("published",))),
                                "'period' and 'filed' (or 'published') go together",
                                "Name both the column holding each row's period end and the "
                                "one holding the date it was filed or published."))
    if mapping.filed and mapping.published:
        problems.append(Problem(Location(where, lines.get(("published",))),
                                "'filed' and 'published' name the same date; give one",
                                "Keep 'filed: <column>'."))
    mapped = list(mapping.columns)
    for section in ("sign", "scale", "percent"):
        named = getattr(mapping, section)
        for i, key in enumerate(named):
            if key not in mapping.columns:
                line = lines.get((section, key)) or lines.get((section, str(i))) \
                    or lines.get((section,))
                problems.append(Problem(
                    Location(where, line), f"{section}: {key!r} is not a mapped column",
                    _suggest(key, mapped) or "Name a column listed under 'columns:'."))
    for key, factor in mapping.scale.items():
        if not (factor > 0 and factor != float("inf")):
            problems.append(Problem(Location(where, lines.get(("scale", key, "="))),
                                    f"scale for {key!r} must be a positive number, not {factor}",
                                    "Write e.g. 1000 for values in thousands."))
    if mapping.fiscal_year is None and mapping.period is None and any(
            t.startswith("statements.") for t in mapping.columns.values()):
        problems.append(Problem(Location(where, lines.get(("columns",))),
                                "statements.* fields are mapped but no fiscal_year column",
                                "Add 'fiscal_year: <column holding the fiscal year>' (or "
                                "'period:' and 'filed:' columns for dated quarterly rows)."))
    if problems:
        raise ConfigError(problems, hint=MAPPING_HINT)
    return mapping
