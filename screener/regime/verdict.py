"""Votes -> scores -> verdict, and what would flip it. Vectorised over dates.

``votes``: (dates x indicators) of +1 (rule holds), -1 (fails), NaN (no data / stale).
A verdict's score = sum(weight * vote) / sum(|weight|) over the indicators with a vote, in
-1..+1. The verdict is the best-scoring main verdict (ties: the first in the YAML); each
overlay is raised when its score >= its threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from screener.regime.config import Regime


def weights(regime: Regime) -> tuple[np.ndarray, list[str]]:
    ids = list(regime.verdicts)
    w = np.array([[ind.votes.get(v, 0.0) for v in ids] for ind in regime.indicators],
                 dtype="float64").reshape(len(regime.indicators), len(ids))
    return w, ids


def scores(votes: np.ndarray, w: np.ndarray) -> np.ndarray:
    """(dates x verdicts) scores; NaN where no indicator with a weight has a vote."""
    v = np.nan_to_num(votes, nan=0.0)
    has = ~np.isnan(votes)
    num = v @ w
    den = has.astype("float64") @ np.abs(w)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / den, np.nan)


def pick(sc: np.ndarray, regime: Regime) -> tuple[np.ndarray, np.ndarray]:
    """(main verdict index per date, -1 when no score; overlay raised flags dates x overlays)."""
    ids = list(regime.verdicts)
    main = np.array([ids.index(k) for k in regime.main])
    sub = sc[:, main]
    best = np.full(len(sc), -1)
    ok = ~np.all(np.isnan(sub), axis=1)
    if ok.any():
        best[ok] = main[np.nanargmax(np.where(np.isnan(sub[ok]), -np.inf, sub[ok]), axis=1)]
    over = np.array([ids.index(k) for k in regime.overlays], dtype=int)
    thr = np.array([regime.verdicts[k].threshold for k in regime.overlays])
    raised = (sc[:, over] >= thr) if len(over) else np.zeros((len(sc), 0), bool)
    return best, raised


@dataclass
class Flip:
    indicator: str
    becomes: str            # the verdict it would lead to (or "overlay raised/cleared: x")
    distance: float         # how far the indicator's value must move, in its own units
    distance_sd: float      # the same in standard deviations of its 10-year history
    direction: str          # "rise" / "fall"
    threshold: float


def flips(votes: np.ndarray, w: np.ndarray, regime: Regime, distance: np.ndarray,
          distance_sd: np.ndarray, direction: list[str], threshold: np.ndarray
          ) -> tuple[list[Flip], list[Flip]]:
    """For one date: the single-rule flips that change the main verdict, and those that raise
    or clear an overlay, nearest first (by distance in standard deviations)."""
    ids = list(regime.verdicts)
    base = scores(votes[None, :], w)
    best0, raised0 = pick(base, regime)
    main_flips, over_flips = [], []
    for i, ind in enumerate(regime.indicators):
        if np.isnan(votes[i]):
            continue
        alt = votes.copy()
        alt[i] = -alt[i]
        b, r = pick(scores(alt[None, :], w), regime)
        f = {"indicator": ind.id, "distance": float(distance[i]),
             "distance_sd": float(distance_sd[i]), "direction": direction[i],
             "threshold": float(threshold[i])}
        if b[0] != best0[0] and b[0] >= 0:
            main_flips.append(Flip(becomes=ids[b[0]], **f))
        for k, ov in enumerate(regime.overlays):
            if r[0, k] != raised0[0, k]:
                over_flips.append(Flip(becomes=f"{ov} {'raised' if r[0, k] else 'cleared'}",
                                       **f))
    key = lambda fl: (np.nan_to_num(fl.distance_sd, nan=np.inf), fl.indicator)
    return sorted(main_flips, key=key), sorted(over_flips, key=key)
