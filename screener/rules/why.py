"""Why every name is (or is not) on each list: one row per name of the universe, wide.

``why_table(state)`` answers the analyst's most common question, "why is X missing?", for
every name at once: its identity (sector and industry as text), whether it is eligible and the
first eligibility rule it failed, then per phase its status (listed, passed but below the top N,
the first filter it failed, not eligible), the rank it reached among every name that passed,
and one column per rule: PASS, FAIL or missing (the rule could not be decided: the value is
missing). Everything comes from the rule results the engine already holds (no re-evaluation).

It complements ``status.py`` (the long per (name, phase) table the run history stores) with
one column per rule, for the workbook's Explain sheet. Column keys are stable ids
(``elig.1``, ``<phase>.status``, ``<phase>.rank``, ``<phase>.rule1``);
``why_labels`` maps each to (group, header) for display.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PASS, FAIL, MISSING = "PASS", "FAIL", "missing"
IDENT = ["name", "sector", "industry"]


def _marks(passed: np.ndarray, known: np.ndarray) -> np.ndarray:
    return np.where(~known, MISSING, np.where(passed, PASS, FAIL)).astype(object)


def _first_failed(runs, n: int, base: np.ndarray | None = None) -> np.ndarray:
    """The title of the first rule each row failed (in rule order), None when none failed."""
    out = np.full(n, None, dtype=object)
    for rr in runs:
        hit = (out == None) & ~rr.result.passed
        if base is not None:
            hit &= base
        out[hit & rr.result.known] = rr.rule.title
        out[hit & ~rr.result.known] = f"{rr.rule.title} (value missing)"
    return out


def why_table(state) -> tuple[pd.DataFrame, dict[str, tuple[str, str]]]:
    """(table, labels): see the module doc. Rows: every name of the screen's universes."""
    uni = state.universe
    n = len(uni)
    tickers = uni.index.astype(str).to_numpy(dtype=object)
    data: dict[str, object] = {"ticker": tickers}
    labels: dict[str, tuple[str, str]] = {"ticker": ("", "Ticker")}
    for c in IDENT:
        data[c] = uni[c].astype(object).to_numpy() if c in uni else np.full(n, None, object)
        labels[c] = ("", c.capitalize())
    eligible = uni.index.isin(state.eligible.index)
    data["eligible"] = np.where(eligible, "yes", "no").astype(object)
    labels["eligible"] = ("Eligibility", "Eligible")
    data["failed_rule"] = _first_failed(state.elig_rules, n)
    labels["failed_rule"] = ("Eligibility", "First eligibility rule failed")
    for i, rr in enumerate(state.elig_rules, 1):
        data[f"elig.{i}"] = _marks(rr.result.passed, rr.result.known)
        labels[f"elig.{i}"] = ("Eligibility", rr.rule.title)

    epos = uni.index.get_indexer(state.eligible.index)   # eligible row -> universe row
    for pr in state.phases:
        ph = pr.phase
        group = ph.title or ph.id
        rank = np.full(n, np.nan)
        reached = np.empty(0, dtype=int)
        if len(pr.full_order):
            reached = epos[pr.full_order]
            rank[reached] = np.arange(1, len(reached) + 1)
        status = np.full(n, "not eligible", dtype=object)
        failed = _first_failed(pr.rules, len(state.eligible))
        listed = len(pr.order)
        e_status = np.where(failed == None, "no value to rank by",
                            np.array(["failed: " + str(f) for f in failed], dtype=object))
        status[epos] = e_status
        if len(reached):
            status[reached[:listed]] = [f"listed #{k}" for k in range(1, listed + 1)]
            if len(reached) > listed:
                status[reached[listed:]] = (f"passed; ranked below the top {ph.top}")
        data[f"{ph.id}.status"] = status
        labels[f"{ph.id}.status"] = (group, "Status")
        data[f"{ph.id}.rank"] = rank
        labels[f"{ph.id}.rank"] = (group, f"Rank reached (of {len(reached):,} that passed)")
        for j, rr in enumerate(pr.rules, 1):
            col = np.full(n, None, dtype=object)
            col[epos] = _marks(rr.result.passed, rr.result.known)
            data[f"{ph.id}.rule{j}"] = col
            labels[f"{ph.id}.rule{j}"] = (group, rr.rule.title)
    table = pd.DataFrame(data)
    for c in table.columns:
        if c.endswith(".rank"):
            table[c] = table[c].astype("float64")
    return table, labels
