"""Composite scores, vectorised over the eligible names.

Each part becomes a 0-100 value where 100 is best:

* ``percentile`` (default): average-rank percentile, ``(rank - 1) / (n - 1) * 100`` over the names
  that have a value (ties share their average rank; a lone name gets 50). "Lower is better"
  parts are ranked on the negated value.
* ``zscore``: optionally winsorised at the ``winsorize`` quantile of each tail, standardised
  (population std), clipped to +/-3 and mapped linearly to 0-100 (``50 + z * 50 / 3``).
* a nested score used as a part is taken as is (its 0-100 value, not ranked again); with
  ``better: lower`` it enters as ``100 - value``.

With ``group_by: sector|industry`` percentiles/z-scores are computed within each group (one
grouped implementation for every part). A group with fewer than ``min_group_size`` names that
have a value, or a name without a group, falls back to the whole eligible universe; the
result's warnings say which groups did.

The score is the weighted average of the part values over the parts that count for the name:
present parts, plus missing parts under ``neutral`` (50) or ``worst`` (0); ``skip`` drops the
part and re-weights the rest; ``exclude`` gives the name no score. ``min_coverage``: a name
whose present parts carry less than that share of the total weight gets no score.
Each part's *contribution* is effective weight x part value, so contributions add up to the score.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from screener.rules.compile import CScore
from screener.rules.evaluator import Ctx, as_num

IMPUTE = {"neutral": 50.0, "worst": 0.0}


@dataclass
class PartOut:
    id: str
    raw: np.ndarray            # the metric value (or child score, or expression value)
    value: np.ndarray          # 0-100, NaN when missing
    used: np.ndarray           # the 0-100 value that entered the score (imputed or not)
    weight: np.ndarray         # effective weight (share of the score), 0 when skipped
    contribution: np.ndarray   # weight x used; NaN when the name has no score
    missing: np.ndarray        # bool
    policy: str
    fallback: np.ndarray       # bool: ranked against everyone instead of the group


@dataclass
class ScoreOut:
    values: np.ndarray
    coverage: np.ndarray       # share of the declared weight with data
    parts: list[PartOut]
    notes: list[str] = field(default_factory=list)


def _avg_ranks(x: np.ndarray, codes: np.ndarray, ngroups: int) -> tuple[np.ndarray, np.ndarray]:
    """1-based average ranks of ``x`` within each group code (NaN stays NaN), and the number
    of values in the row's group. One sort for every group (numpy lexsort)."""
    rank = np.full(len(x), np.nan)
    count = np.zeros(len(x))
    idx = np.flatnonzero(~np.isnan(x))
    if not len(idx):
        return rank, count
    v, c = x[idx], codes[idx]
    order = np.lexsort((v, c))
    sv, sc = v[order], c[order]
    n = len(sv)
    new_group = np.r_[True, sc[1:] != sc[:-1]]
    new_tie = new_group | np.r_[True, sv[1:] != sv[:-1]]
    tie_start = np.flatnonzero(new_tie)
    tie_end = np.r_[tie_start[1:], n]
    tie_id = np.cumsum(new_tie) - 1
    group_start = np.maximum.accumulate(np.where(new_group, np.arange(n), 0))
    rank[idx[order]] = (tie_start + tie_end - 1)[tie_id] / 2.0 - group_start + 1.0
    count[idx[order]] = np.bincount(sc, minlength=ngroups)[sc]
    return rank, count


def _ranks_pct(x: np.ndarray, codes: np.ndarray | None = None,
               ngroups: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Average-rank percentile (0 worst .. 100 best) and the count behind it."""
    if codes is None:
        codes = np.zeros(len(x), dtype=np.intp)
    r, n = _avg_ranks(x, codes, ngroups)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = (r - 1.0) / (n - 1.0) * 100.0
    pct = np.where(n > 1, pct, 50.0)
    return np.where(np.isnan(x), np.nan, pct), n


def _zmap(x: pd.Series, keys: pd.Series | None, winsorize: float | None) -> pd.Series:
    def z(s: pd.Series) -> pd.Series:
        if winsorize:
            s = s.clip(s.quantile(winsorize), s.quantile(1 - winsorize))
        sd = s.std(ddof=0)
        zz = (s - s.mean()) / sd if sd and np.isfinite(sd) else s * 0.0
        return (50.0 + zz.clip(-3, 3) * 50.0 / 3.0)

    if keys is None:
        return z(x)
    return x.groupby(keys, sort=False, dropna=False, group_keys=False).transform(z)


def part_value(raw: np.ndarray, better: str, method: str, groups: pd.Series | None,
               min_group_size: int, winsorize: float | None) -> tuple[np.ndarray, np.ndarray]:
    """0-100 values of one part over all rows, and the mask of rows that fell back from their
    group to the whole universe."""
    x = np.where(np.isnan(raw), np.nan, -raw if better == "lower" else raw)
    fallback = np.zeros(len(x), bool)
    if method == "zscore":
        whole = _zmap(pd.Series(x), None, winsorize).to_numpy()
    else:
        whole, _ = _ranks_pct(x)
    if groups is None:
        return whole, fallback
    codes, uniques = pd.factorize(groups, use_na_sentinel=True)
    no_group = codes < 0
    codes = np.where(no_group, len(uniques), codes).astype(np.intp)
    if method == "zscore":
        keys = pd.Series(codes)
        grouped = _zmap(pd.Series(x), keys, winsorize).to_numpy()
        n = pd.Series(x).groupby(keys).transform("count").to_numpy()
    else:
        grouped, n = _ranks_pct(x, codes, len(uniques) + 1)
    fallback = ((n < min_group_size) | no_group) & ~np.isnan(x)
    return np.where(fallback, whole, grouped), fallback


def compute_score(cs: CScore, ctx: Ctx) -> ScoreOut:
    n = ctx.n
    groups = None
    if cs.group_by:
        groups = ctx.frame[cs.group_by].astype("string") if cs.group_by in ctx.frame else \
            pd.Series(pd.NA, index=ctx.frame.index, dtype="string")
    total_w = float(sum(p.weight for p in cs.parts))
    num = np.zeros(n)
    den = np.zeros(n)
    present_w = np.zeros(n)
    excluded = np.zeros(n, bool)
    parts: list[PartOut] = []
    fell_back_groups: set[str] = set()
    for p in cs.parts:
        raw = np.array(as_num(p.node, ctx), dtype="float64")
        if p.kind == "score":
            value = 100.0 - raw if p.better == "lower" else raw.copy()
            fb = np.zeros(n, bool)
        else:
            value, fb = part_value(raw, p.better, cs.method, groups, cs.min_group_size,
                                   cs.winsorize)
        if fb.any() and groups is not None:
            fell_back_groups.update(groups[fb].fillna("(no " + cs.group_by + ")").unique())
        missing = np.isnan(value)
        policy = p.missing or cs.missing
        used = value.copy()
        counts = ~missing
        if policy in IMPUTE:
            used[missing] = IMPUTE[policy]
            counts = np.ones(n, bool)
        elif policy == "exclude":
            excluded |= missing
        w = np.where(counts, p.weight, 0.0)
        num += np.where(counts, w * np.nan_to_num(used), 0.0)
        den += w
        present_w += np.where(missing, 0.0, p.weight)
        parts.append(PartOut(p.id, raw, value, used, w, np.zeros(n), missing, policy, fb))
    coverage = present_w / total_w if total_w else np.zeros(n)
    with np.errstate(invalid="ignore", divide="ignore"):
        values = num / den
    no_score = excluded | (den == 0) | (coverage < cs.min_coverage - 1e-12)
    values = np.where(no_score, np.nan, values)
    for po in parts:
        with np.errstate(invalid="ignore", divide="ignore"):
            po.weight = np.where(no_score, np.nan, po.weight / np.where(den == 0, 1, den))
        po.contribution = po.weight * np.where(po.weight > 0, np.nan_to_num(po.used), 0.0)
    notes = []
    if fell_back_groups:
        names = ", ".join(sorted(str(g) for g in fell_back_groups))
        notes.append(f"score '{cs.id}': {cs.group_by} groups with fewer than "
                     f"{cs.min_group_size} names with data were ranked against the whole "
                     f"eligible universe: {names}")
    return ScoreOut(values, coverage, parts, notes)
