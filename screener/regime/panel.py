"""The regime panel as of a date: each indicator's value, changes, percentile, rule, vote and
distance to flipping; the verdict with its score per verdict and the one-line "what would flip
it". Input: each series as known on the date (``macro.known_series``), nothing later.

Columns shown for every indicator (definitions in ``transforms``):
- value and date: the latest observation released by the as-of date;
- change 1m/3m/6m: value minus the last observation on or before (date - 1/3/6 months);
- percentile 10y: share of the last 10 years' observations <= the value;
- the rule's input (the indicator's transform), the rule, its vote (+1 holds, -1 fails, none
  when there is no data or the latest observation is older than the indicator's max age);
- distance: how far the rule's input must move (and which way) to flip the vote, also in
  standard deviations of the input over the last 10 years.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from screener.regime.config import CIndicator, Regime
from screener.regime.transforms import Transform
from screener.regime.verdict import Flip, flips, pick, scores, weights

CHANGES = ("1m", "3m", "6m")
PCT_WINDOW = "10y"


@dataclass
class PanelRow:
    id: str
    label: str
    series: str
    units: str
    date: pd.Timestamp | None
    level: float
    changes: dict[str, float]
    pct_10y: float
    transform: str
    value: float
    rule: str
    vote: float               # +1 / -1 / NaN
    state: str               # ok | stale | no data
    distance: float
    distance_sd: float
    direction: str
    threshold: float
    votes: dict[str, float]
    why: str


@dataclass
class Panel:
    as_of: pd.Timestamp
    rows: list[PanelRow]
    scores: dict[str, float]
    verdict: str | None
    overlays: dict[str, bool]
    regime: Regime
    flips: list[Flip] = field(default_factory=list)
    overlay_flips: list[Flip] = field(default_factory=list)

    @property
    def title(self) -> str:
        if self.verdict is None:
            return "no verdict (no indicator has data)"
        t = self.regime.verdicts[self.verdict].title
        raised = [self.regime.verdicts[k].title for k, on in self.overlays.items() if on]
        return t + "".join(f" + {r} overlay" for r in raised)

    @property
    def phase(self) -> str | None:
        return self.regime.verdicts[self.verdict].phase if self.verdict else None

    @property
    def overlay_phases(self) -> list[str]:
        return [self.regime.verdicts[k].phase for k, on in self.overlays.items()
                if on and self.regime.verdicts[k].phase]

    def flip_text(self) -> str:
        if self.verdict is None:
            return "Fetch the series first (`screener macro fetch`)."
        if not self.flips:
            return "No single rule flips the verdict: it would take several indicators moving."
        f = self.flips[0]
        row = next(r for r in self.rows if r.id == f.indicator)
        where = "above" if f.direction == "rise" else "below"
        away = f"{f.distance:.3g} away" + (f", {f.distance_sd:.1f} sd"
                                           if np.isfinite(f.distance_sd) else "")
        return (f"{row.label} moving {where} {f.threshold:g} (now {row.value:.4g}; {away}) "
                f"would make it {self.regime.verdicts[f.becomes].title}.")

    def table(self) -> pd.DataFrame:
        recs = []
        for r in self.rows:
            recs.append({"indicator": r.id, "label": r.label, "series": r.series,
                         "units": r.units, "date": r.date, "value": r.level,
                         **{f"chg_{k}": r.changes.get(k, np.nan) for k in CHANGES},
                         "pct_10y": r.pct_10y, "transform": r.transform, "input": r.value,
                         "rule": r.rule, "vote": r.vote, "state": r.state,
                         "distance": r.distance, "distance_sd": r.distance_sd,
                         "to_flip": r.direction,
                         **{f"w_{k}": r.votes.get(k, 0.0) for k in self.regime.verdicts},
                         "why": r.why})
        return pd.DataFrame(recs)


def rule_state(rule, value: float) -> tuple[float, float, str, float]:
    """(vote, distance to flip, direction to flip, threshold crossed)."""
    if not np.isfinite(value):
        return np.nan, np.nan, "", np.nan
    op, t = rule.op, rule.value
    if op in ("<", "<=", ">", ">="):
        holds = {"<": value < t, "<=": value <= t, ">": value > t, ">=": value >= t}[op]
        direction = "rise" if (value <= t) else "fall"
        if value == t:
            direction = "rise" if op in ("<=", ">") else "fall"
        return (1.0 if holds else -1.0), abs(value - t), direction, float(t)
    lo, hi = t
    inside = lo <= value <= hi
    nearer_lo = abs(value - lo) <= abs(value - hi)
    edge = lo if nearer_lo else hi
    direction = ("fall" if nearer_lo else "rise") if inside else ("rise" if value < lo else "fall")
    holds = inside if op == "between" else not inside
    return (1.0 if holds else -1.0), abs(value - edge), direction, float(edge)


def _input_sd(t: Transform, s: pd.Series, pos: int) -> float:
    """Standard deviation of the rule's input over the 10 years up to ``pos`` (<= 520 points)."""
    dates = s.index
    lo = int(dates.searchsorted(dates[pos] - pd.DateOffset(years=10), side="right"))
    grid = np.unique(np.linspace(lo, pos, num=min(520, pos - lo + 1)).astype(int))
    vals = t.at(s, grid)
    vals = vals[np.isfinite(vals)]
    return float(vals.std(ddof=1)) if len(vals) > 2 else np.nan


def indicator_row(ind: CIndicator, s: pd.Series | None, as_of: pd.Timestamp) -> PanelRow:
    from screener.regime.transforms import evaluate

    base = {"id": ind.id, "label": ind.label, "series": ind.series.id,
            "units": ind.series.units, "transform": ind.transform.text, "rule": ind.rule.text,
            "votes": ind.votes, "why": ind.why}
    if s is None or s.empty:
        return PanelRow(date=None, level=np.nan, changes={}, pct_10y=np.nan, value=np.nan,
                        vote=np.nan, state="no data", distance=np.nan, distance_sd=np.nan,
                        direction="", threshold=np.nan, **base)
    s = s[s.index <= as_of].dropna()
    if s.empty:
        return indicator_row(ind, None, as_of)
    pos = np.array([len(s) - 1])
    x = s.to_numpy(dtype="float64")
    changes = {k: float(evaluate(Transform("change", k), s.index, x, pos)[0]) for k in CHANGES}
    pct = float(evaluate(Transform("percentile", PCT_WINDOW), s.index, x, pos)[0])
    value = float(ind.transform.at(s, pos)[0])
    date = s.index[-1]
    stale = (as_of - date).days > ind.max_age_days
    vote, dist, direction, thr = rule_state(ind.rule, value)
    sd = _input_sd(ind.transform, s, len(s) - 1) if np.isfinite(value) else np.nan
    state = "ok" if np.isfinite(value) else "no data"
    if stale:
        state, vote = f"stale (latest {date.date()})", np.nan
    return PanelRow(date=date, level=float(x[-1]), changes=changes, pct_10y=pct, value=value,
                    vote=vote, state=state, distance=dist,
                    distance_sd=dist / sd if sd and np.isfinite(sd) and sd > 0 else np.nan,
                    direction=direction, threshold=thr, **base)


def compute_panel(regime: Regime, series: dict[str, pd.Series], as_of) -> Panel:
    as_of = pd.Timestamp(as_of)
    rows = [indicator_row(ind, series.get(ind.series.id), as_of) for ind in regime.indicators]
    w, ids = weights(regime)
    votes = np.array([r.vote for r in rows], dtype="float64")
    sc = scores(votes[None, :], w)
    best, raised = pick(sc, regime)
    main_f, over_f = flips(votes, w, regime, np.array([r.distance for r in rows]),
                           np.array([r.distance_sd for r in rows]), [r.direction for r in rows],
                           np.array([r.threshold for r in rows]))
    return Panel(as_of=as_of, rows=rows, scores=dict(zip(ids, sc[0].tolist())),
                 verdict=ids[best[0]] if best[0] >= 0 else None,
                 overlays={k: bool(raised[0, j]) for j, k in enumerate(regime.overlays)},
                 regime=regime, flips=main_f, overlay_flips=over_f)
