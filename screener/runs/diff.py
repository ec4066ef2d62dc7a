"""What changed between two recorded runs, with a reason per name.

Per phase:
- **entered**: listed now, not before. The reason is where the name stood before: "new in the
  universe", "now passes <rule>" (the rule it failed then, or its missing value), "rank rose
  from 63 to 12 (score 71.2 -> 80.4)".
- **left**: listed before, not now. The reason is where it stands now: "no longer in the
  universe", "fails <rule>", "data missing for <rule>", "rank fell below top 50 (now 57,
  score ...)".
- **moved**: listed both times; the biggest rank moves first.

Parameter and screen changes between the two runs are reported beside the table, since they
are often the reason a threshold now lets a name in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from screener.runs.record import RunRecord

COLUMNS = ["phase", "change", "ticker", "name", "rank_before", "rank_after", "score_before",
           "score_after", "reason"]


@dataclass
class RunDiff:
    before: RunRecord
    after: RunRecord
    table: pd.DataFrame  # COLUMNS
    param_changes: dict[str, tuple] = field(default_factory=dict)
    screen_changed: bool = False

    @property
    def changed(self) -> bool:
        """Did any list change (a name entered or left)?"""
        return bool(self.table["change"].isin(["entered", "left"]).any())

    def counts(self) -> pd.DataFrame:
        t = self.table
        out = pd.crosstab(t["phase"], t["change"]) if len(t) else pd.DataFrame()
        return out.reindex(columns=["entered", "left", "moved"], fill_value=0)

    def as_dict(self) -> dict:
        rows = self.table.astype(object).where(self.table.notna(), None).to_dict("records")
        return {"before": self.before.run_id, "after": self.after.run_id,
                "screen": self.after.meta["screen_name"], "screen_changed": self.screen_changed,
                "param_changes": {k: list(v) for k, v in self.param_changes.items()},
                "changed": self.changed, "changes": rows}


def _num(x: float, fmt: str = ".1f") -> str:
    return "n/a" if pd.isna(x) else format(x, fmt)


def _rank(x: float) -> str:
    return "n/a" if pd.isna(x) else str(int(x))


def _why_in(prev: pd.Series | None, now: pd.Series) -> str:
    """Why a name is listed now, from where it stood before."""
    if prev is None:
        return "new in the universe"
    s = prev["status"]
    if s == "below top N":
        return (f"rank rose from {_rank(prev['rank'])} to {_rank(now['rank'])} "
                f"(score {_num(prev['score'])} -> {_num(now['score'])})")
    if s in ("failed rule", "ineligible"):
        was = "its value was missing" if prev["missing"] else "it failed"
        return f"now passes '{prev['rule']}' ({was} before)"
    if s == "no ranking value":
        return "now has a ranking value (was missing)"
    return f"was {s}"


def _why_out(now: pd.Series | None, prev: pd.Series, top: int | None) -> str:
    """Why a name listed before is not listed now."""
    if now is None:
        return "no longer in the universe"
    s = now["status"]
    if s == "below top N":
        cut = f"top {top}" if top else "the cut"
        return (f"rank fell below {cut} (now {_rank(now['rank'])}, score "
                f"{_num(prev['score'])} -> {_num(now['score'])})")
    if s in ("failed rule", "ineligible"):
        kind = "eligibility rule " if s == "ineligible" else ""
        if now["missing"]:
            return f"data missing for {kind}'{now['rule']}'"
        return f"fails {kind}'{now['rule']}'"
    if s == "no ranking value":
        return "data missing: no ranking value"
    return f"now {s}"


def diff_runs(before: RunRecord, after: RunRecord, moves: int = 10) -> RunDiff:
    """The changes from ``before`` to ``after`` (see the module docstring)."""
    rows = []
    tops = {p["id"]: p.get("top") for p in after.meta["phases"]}
    for phase in after.phase_ids:
        b = before.names[before.names["phase"] == phase].set_index("ticker")
        a = after.names[after.names["phase"] == phase].set_index("ticker")
        b_list = b.index[b["status"] == "listed"]
        a_list = a.index[a["status"] == "listed"]
        for t in a_list.difference(b_list, sort=False):
            prev = b.loc[t] if t in b.index else None
            now = a.loc[t]
            rows.append((phase, "entered", t, now["name"], np.nan if prev is None
                         else prev["rank"], now["rank"], np.nan if prev is None
                         else prev["score"], now["score"], _why_in(prev, now)))
        for t in b_list.difference(a_list, sort=False):
            prev = b.loc[t]
            now = a.loc[t] if t in a.index else None
            rows.append((phase, "left", t, prev["name"], prev["rank"],
                         np.nan if now is None else now["rank"], prev["score"],
                         np.nan if now is None else now["score"], _why_out(now, prev,
                                                                          tops.get(phase))))
        both = a_list.intersection(b_list, sort=False)
        delta = (b.loc[both, "rank"] - a.loc[both, "rank"]).astype("float64")
        delta = delta[delta != 0]
        biggest = delta.abs().sort_values(ascending=False, kind="stable").index[:moves]
        for t in biggest:
            d = int(delta[t])
            rows.append((phase, "moved", t, a.loc[t, "name"], b.loc[t, "rank"],
                         a.loc[t, "rank"], b.loc[t, "score"], a.loc[t, "score"],
                         f"{'up' if d > 0 else 'down'} {abs(d)} place{'s' * (abs(d) != 1)}"))
    table = pd.DataFrame(rows, columns=COLUMNS)
    order = {"entered": 0, "left": 1, "moved": 2}
    table = table.sort_values(["phase", "change", "rank_after", "rank_before"],
                              key=lambda c: c.map(order) if c.name == "change" else c,
                              kind="stable").reset_index(drop=True)
    pb, pa = before.meta["params"] or {}, after.meta["params"] or {}
    params = {k: (pb.get(k), pa.get(k)) for k in sorted(set(pb) | set(pa))
              if pb.get(k) != pa.get(k)}
    return RunDiff(before, after, table, params,
                   before.meta["screen_hash"] != after.meta["screen_hash"])
