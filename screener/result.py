"""The Result of a screen run: what the engine produces and the exporters only format.

Exporters (Excel, CSV, Parquet, JSON, console) read these fields and compute nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd


@dataclass
class RuleStep:
    """Attrition: how many names were left after a rule, in the order the rules apply."""

    rule: str          # the rule as the user wrote it (expression text)
    remaining: int     # names left after this rule
    removed: int       # names this rule removed
    missing: int = 0   # of the removed, how many because the value was missing (NaN)


@dataclass
class PhaseResult:
    """One rebound phase's ranked candidate list."""

    id: str                        # key in the YAML, e.g. "early_rebound"
    title: str
    description: str
    rank_by: str                   # score id or expression text
    ascending: bool                # True when lower rank_by is better
    table: pd.DataFrame            # ordered rows; columns below
    score_columns: list[str]       # the rank_by column first, then each score part, in table
    metric_columns: list[str]      # metrics the phase's rules use, in rule order, in table
    attrition: list[RuleStep]      # eligibility steps first, then the phase's own filters
    passed: int                    # names passing every filter (before top N)
    top: int | None = None         # the top N the screen asked for
    cutoff: float | None = None    # rank_by value of the last listed name

    # table columns: rank (1..n), ticker, name, sector, industry, in_<universe>..., then
    # score_columns, then metric_columns.


@dataclass
class ScoreInfo:
    """A composite score's definition as compiled (for headers, notes and the explain sheet)."""

    id: str
    label: str
    parts: list[tuple[str, float, str]]   # (metric or score id, weight, better direction)
    group_by: str | None = None
    method: str = "percentile"            # percentile | zscore
    missing: str = "skip"                 # skip | neutral | worst | exclude
    description: str = ""


@dataclass
class RunResult:
    screen_name: str
    screen_path: str
    screen_text: str                      # verbatim YAML as run
    screen_hash: str                      # sha256 of screen_text (first 12 hex shown)
    universes: list[str]
    universe_as_of: dict[str, str]        # universe -> as-of date of its snapshot
    providers: list[str]
    is_sample: bool                       # fictional sample data: warn everywhere
    run_at: datetime
    version: str
    phases: list[PhaseResult]
    eligible: pd.DataFrame                # every eligible name: identity, metrics, scores, phases
    scores: dict[str, ScoreInfo]
    eligibility: list[RuleStep]           # universe size then each eligibility rule
    coverage: pd.DataFrame                # index metric id: columns label, share (0..1), missing
    failures: pd.DataFrame                # ticker, source, dataset, reason, attempts
    missing: pd.DataFrame                 # ticker, score, metric: missing inputs per name/score
    explain: pd.DataFrame                 # long: ticker, phase, kind, item, value, passed,
                                          # percentile, weight, contribution, missing, note
    data_as_of: tuple[str | None, str | None] = (None, None)  # oldest, newest input date
    provenance: pd.DataFrame | None = None   # index ticker: <block>_source, <block>_as_of
    warnings: list[str] = field(default_factory=list)  # stale data, fallbacks, sample data
    params: dict[str, object] = field(default_factory=dict)
    status: pd.DataFrame | None = None    # ticker, phase, status, rank, score, rule, missing:
                                          # every universe name on every phase (rules/status)
    as_of: str | None = None              # evaluation date of a point-in-time run (ISO)
    run_id: str | None = None             # set when the run is recorded (screener.runs)
    changes: pd.DataFrame | None = None   # vs the previous run of the same screen (runs.diff)
    changes_against: str | None = None    # the run id compared with
    track: pd.DataFrame | None = None     # returns of earlier runs' lists since (runs.track)
    newest_data: dict[str, str | None] = field(default_factory=dict)  # block -> newest date
    regime: object | None = None          # screener.regime.run.RegimeRun: verdict + panel

    def phase(self, phase_id: str) -> PhaseResult:
        for p in self.phases:
            if p.id == phase_id:
                return p
        raise KeyError(phase_id)
