"""What a colour means, the same on every sheet.

Green is better *for the company* by the metric's own direction (the catalog's ``better``),
red is worse, and the scale is anchored on the whole eligible universe (its 10th, 50th and 90th
percentiles), not on the rows a sheet happens to list, so a value has the same colour on every
sheet and the 50th name of a list is not red for being 50th. Metrics without a direction
(market cap, price, beta) get no colour.

A composite score is coloured by what it rewards: most are "higher is better", but a score
whose parts mostly run against their metrics' direction (the junk-rally exposure rewards low
quality; the refinancing risk rewards a large maturity wall and little liquidity) measures the
weak side, so its high values are red. A phase ranked by such a score seeks the weak side: its
header says so (``seeks_weak_side``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from screener.metrics.catalog import CATALOG
from screener.result import PhaseResult, RunResult

QUANTILES = (0.10, 0.50, 0.90)
LEGEND = ("Colours compare each value with the whole eligible universe: green = better for the "
          "company by the metric's direction, red = worse; the same on every sheet.")


def _score_of(key: str, result: RunResult) -> str | None:
    """The score a column belongs to: the score itself or one of its parts (``sid.part``)."""
    if key in result.scores:
        return key
    head = str(key).split(".", 1)[0]
    return head if "." in str(key) and head in result.scores else None


def weak_side(result: RunResult, sid: str, _seen: frozenset = frozenset()) -> bool:
    """True when the score rewards the weak side: the weight of parts that run against their
    natural direction outweighs the weight of parts that follow it."""
    info = result.scores.get(sid)
    if info is None or sid in _seen:
        return False
    against = along = 0.0
    for part, weight, better in info.parts:
        if part in result.scores:
            natural = "lower" if weak_side(result, part, _seen | {sid}) else "higher"
        elif part in CATALOG:
            natural = CATALOG[part].better
        else:
            natural = None
        if natural is None:
            continue
        if better == natural:
            along += weight
        else:
            against += weight
    return against > along


def direction(key: str, result: RunResult) -> str | None:
    """'high' (green = high), 'low' (green = low) or None (no colour) for a column."""
    sid = _score_of(key, result)
    if sid is not None:
        return "low" if weak_side(result, sid) else "high"
    if key in CATALOG:
        better = CATALOG[key].better
        return {"higher": "high", "lower": "low"}.get(better)
    return None


def anchors(key: str, result: RunResult) -> tuple[float, float, float] | None:
    """Values for red/yellow/green: the eligible universe's 10th, 50th and 90th percentiles;
    score parts are percentiles already (0, 50, 100). None when there is nothing to anchor."""
    if "." in str(key) and _score_of(key, result) is not None and key not in result.scores:
        return (0.0, 50.0, 100.0)
    source = result.eligible
    if key not in source:
        return None
    values = pd.to_numeric(source[key], errors="coerce").to_numpy(dtype=float)
    values = values[np.isfinite(values)]
    if len(values) < 2:
        return None
    lo, mid, hi = (float(v) for v in np.quantile(values, QUANTILES))
    if not lo < hi:
        return None
    mid = min(max(mid, lo), hi)
    return lo, mid, hi


def seeks_weak_side(phase: PhaseResult, result: RunResult) -> bool:
    """A phase ranked by a weak-side score, or by a metric worst first (the avoid list)."""
    if phase.rank_by in result.scores:
        weak = weak_side(result, phase.rank_by)
        return weak != phase.ascending
    if phase.rank_by in CATALOG and CATALOG[phase.rank_by].better:
        best_first_ascending = CATALOG[phase.rank_by].better == "lower"
        return phase.ascending != best_first_ascending
    return False
