"""The verdict over time: every indicator's rule input and vote, the scores and the verdict on
a grid of dates (month or week ends), each date seeing only what was released by then.

Observations are taken as first released (``macro.first_release_series``); an observation's
transform is known once it and every earlier observation are out (running maximum of the
release dates), and a date uses the last such observation - the "previous event" indexing of
Zipline's loaders, one ``searchsorted`` per series for all dates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from screener.regime.config import Regime
from screener.regime.panel import rule_state
from screener.regime.verdict import pick, scores, weights


@dataclass
class VerdictHistory:
    dates: pd.DatetimeIndex
    inputs: pd.DataFrame     # dates x indicator ids: the rule's input
    votes: pd.DataFrame      # dates x indicator ids: +1 / -1 / NaN
    scores: pd.DataFrame     # dates x verdict ids
    verdict: pd.Series       # dates -> main verdict id (None when no data)
    overlays: pd.DataFrame   # dates x overlay ids: bool

    def frame(self, regime: Regime) -> pd.DataFrame:
        titles = {k: v.title for k, v in regime.verdicts.items()}
        out = pd.DataFrame(index=self.dates)
        out["verdict"] = self.verdict.map(titles)
        out["phase"] = self.verdict.map({k: v.phase for k, v in regime.verdicts.items()})
        for k in self.overlays.columns:
            out[f"{k}_raised"] = self.overlays[k]
        for k in self.scores.columns:
            out[f"score_{k}"] = self.scores[k]
        out.index.name = "date"
        return out

    def episodes(self) -> pd.DataFrame:
        """Runs of the same verdict: start, end, verdict."""
        v = self.verdict.fillna("")
        change = v.ne(v.shift())
        starts = v.index[change]
        ends = list(v.index[np.flatnonzero(change)[1:] - 1]) + [v.index[-1]] if len(v) else []
        return pd.DataFrame({"start": starts, "end": ends, "verdict": v[change].to_numpy()})


def grid(start, end, step: str = "month") -> pd.DatetimeIndex:
    freq = "W-FRI" if step == "week" else "ME"
    g = pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq=freq)
    end = pd.Timestamp(end)
    return g.append(pd.DatetimeIndex([end])) if len(g) == 0 or g[-1] != end else g


def verdict_history(regime: Regime, first_release: dict, dates: pd.DatetimeIndex
                    ) -> VerdictHistory:
    """``first_release``: series id -> (values by observation date, release dates)."""
    n, k = len(dates), len(regime.indicators)
    inputs = np.full((n, k), np.nan)
    votes = np.full((n, k), np.nan)
    for j, ind in enumerate(regime.indicators):
        got = first_release.get(ind.series.id)
        if got is None:
            continue
        s, released = got
        if s.empty:
            continue
        known = np.maximum.accumulate(released.to_numpy("datetime64[ns]"))
        pos = np.searchsorted(known, dates.to_numpy("datetime64[ns]"), side="right") - 1
        vals = ind.transform.at(s, pos)
        obs_date = np.where(pos >= 0, s.index.to_numpy("datetime64[ns]")[np.maximum(pos, 0)],
                            np.datetime64("NaT"))
        age = (dates.to_numpy("datetime64[ns]") - obs_date) / np.timedelta64(1, "D")
        vals = np.where(age <= ind.max_age_days, vals, np.nan)
        inputs[:, j] = vals
        votes[:, j] = [rule_state(ind.rule, v)[0] for v in vals]
    w, ids = weights(regime)
    sc = scores(votes, w)
    best, raised = pick(sc, regime)
    verdict = pd.Series([ids[b] if b >= 0 else None for b in best], index=dates, dtype=object)
    cols = [i.id for i in regime.indicators]
    return VerdictHistory(dates, pd.DataFrame(inputs, index=dates, columns=cols),
                          pd.DataFrame(votes, index=dates, columns=cols),
                          pd.DataFrame(sc, index=dates, columns=ids), verdict,
                          pd.DataFrame(raised, index=dates, columns=regime.overlays))
