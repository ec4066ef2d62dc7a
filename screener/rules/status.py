"""Where every universe name stands on every phase: listed, ranked below the top N, or the
first rule that kept it out (and whether because its value was missing).

One row per (universe name, phase), built from the engine's state with whole-column numpy
operations: the first failing rule of a name is the first rule whose result is False among the
rules it was still alive for. The run history (``screener.runs``) stores this table so that a
diff between two runs can say *why* a name entered or left a list.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

LISTED = "listed"
BELOW_TOP = "below top N"
NOT_RANKED = "no ranking value"
FAILED = "failed rule"
INELIGIBLE = "ineligible"

COLUMNS = ["ticker", "phase", "status", "rank", "score", "rule", "missing"]


def _first_failure(runs, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row: index of the first rule it failed (-1 if none) and whether its value was
    unknown there. ``runs`` are RuleRun objects applied in order."""
    first = np.full(n, -1, dtype="int64")
    unknown = np.zeros(n, dtype=bool)
    for i, rr in enumerate(runs):
        fail = rr.alive_before & ~rr.result.passed & (first < 0)
        first[fail] = i
        unknown[fail] = ~rr.result.known[fail]
    return first, unknown


def status_table(state) -> pd.DataFrame:
    """The long status table of an engine ``State`` (see the module docstring)."""
    universe = state.universe.index.astype(str).to_numpy()
    n_u = len(universe)
    e_first, e_unknown = _first_failure(state.elig_rules, n_u)
    eligible_pos = np.flatnonzero(e_first < 0)  # positions in the universe, in eligible order
    elig_rules = [rr.rule.title for rr in state.elig_rules]
    frames = []
    for pr in state.phases:
        status = np.full(n_u, INELIGIBLE, dtype=object)
        rule = np.full(n_u, None, dtype=object)
        missing = e_unknown.copy()
        rank = np.full(n_u, np.nan)
        score = np.full(n_u, np.nan)
        bad = e_first >= 0
        rule[bad] = np.array(elig_rules, dtype=object)[e_first[bad]] if bad.any() else []

        n_e = len(eligible_pos)
        p_first, p_unknown = _first_failure(pr.rules, n_e)
        p_status = np.full(n_e, NOT_RANKED, dtype=object)
        p_rule = np.full(n_e, None, dtype=object)
        failed = p_first >= 0
        titles = np.array([rr.rule.title for rr in pr.rules] or [""], dtype=object)
        p_status[failed] = FAILED
        p_rule[failed] = titles[p_first[failed]]
        p_rank = np.full(n_e, np.nan)
        p_rank[pr.full_order] = np.arange(1, len(pr.full_order) + 1)
        p_status[pr.full_order] = BELOW_TOP
        p_status[pr.order] = LISTED
        no_rank = ~failed & np.isnan(p_rank)
        p_rule[no_rank] = f"{pr.phase.rank_by.text} is not missing (needed to rank)"
        status[eligible_pos] = p_status
        rule[eligible_pos] = p_rule
        missing[eligible_pos] = np.where(failed, p_unknown, no_rank)
        rank[eligible_pos] = p_rank
        score[eligible_pos] = pr.rank_values
        frames.append(pd.DataFrame({"ticker": universe, "phase": pr.phase.id, "status": status,
                                    "rank": rank, "score": score, "rule": rule,
                                    "missing": missing}))
    if not frames:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat(frames, ignore_index=True)[COLUMNS]
