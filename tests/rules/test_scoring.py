"""Scores against hand-computed percentiles: ties, directions, sector-neutral ranks with the
small-group fallback, every missing-data policy, minimum coverage, nested scores, z-scores."""

from __future__ import annotations

import numpy as np
import pytest

from screener.rules import evaluate

from .conftest import NaN, make_frame

BASE = """
universes: [russell2000]
scores:
{scores}
phases:
  p:
    title: P
    rank_by: {rank}
"""


def run(screen, scores: str, rows: dict, rank: str = "q"):
    plan = screen(BASE.format(scores=scores, rank=rank))
    return evaluate(plan, make_frame(rows))


def score_of(ev, sid: str) -> dict:
    return {t: (None if np.isnan(v) else round(v, 4)) for t, v in ev.eligible[sid].items()}


def test_average_rank_percentile_with_ties(screen):
    ev = run(screen, "  q:\n    parts: [roic]", {
        "A": {"roic": 0.1}, "B": {"roic": 0.2}, "C": {"roic": 0.2}, "D": {"roic": 0.3},
        "E": {"roic": NaN}})
    assert score_of(ev, "q") == {"A": 0.0, "B": 50.0, "C": 50.0, "D": 100.0, "E": None}
    table = ev.phases[0].table
    assert table["ticker"].tolist() == ["D", "B", "C", "A"]   # tie B/C broken by ticker A-Z
    assert table["rank"].tolist() == [1, 2, 3, 4]


def test_lower_is_better_from_catalog_and_explicit(screen):
    ev = run(screen, "  q:\n    parts: [debt_to_assets]\n  r:\n    parts:\n"
                     "      - {metric: roic, better: lower}", {
        "A": {"debt_to_assets": 0.1, "roic": 0.1}, "B": {"debt_to_assets": 0.5, "roic": 0.3},
        "C": {"debt_to_assets": 0.3, "roic": 0.2}})
    assert score_of(ev, "q") == {"A": 100.0, "B": 0.0, "C": 50.0}
    assert score_of(ev, "r") == {"A": 100.0, "B": 0.0, "C": 50.0}


def test_sector_neutral_percentiles_with_small_group_fallback(screen):
    rows = {
        "A": {"sector": "Energy", "roic": 0.1}, "B": {"sector": "Energy", "roic": 0.2},
        "C": {"sector": "Energy", "roic": 0.3}, "D": {"sector": "Tech", "roic": 0.05},
        "E": {"sector": "Tech", "roic": 0.5}, "F": {"sector": "Tech", "roic": 0.6},
        "G": {"sector": "Utilities", "roic": 0.4},
    }
    ev = run(screen, "  q:\n    group_by: sector\n    min_group_size: 3\n    parts: [roic]", rows)
    s = score_of(ev, "q")
    assert (s["A"], s["B"], s["C"]) == (0.0, 50.0, 100.0)
    assert (s["D"], s["E"], s["F"]) == (0.0, 50.0, 100.0)
    assert s["G"] == pytest.approx(66.6667)   # 5th of 7 in the whole universe: 4/6
    assert any("Utilities" in w and "whole eligible universe" in w for w in ev.warnings)
    note = ev.explain.query("ticker == 'G' and kind == 'part'")["note"].iloc[0]
    assert "whole eligible universe" in note


POLICY_ROWS = {"A": {"roic": 0.1, "gross_margin": 0.5}, "B": {"roic": 0.2, "gross_margin": 0.4},
               "C": {"roic": 0.3, "gross_margin": NaN}}


@pytest.mark.parametrize("policy,expected_c", [
    ("skip", 100.0), ("neutral", 75.0), ("worst", 50.0), ("exclude", None)])
def test_missing_policies(screen, policy, expected_c):
    ev = run(screen, f"  q:\n    missing: {policy}\n    parts: [roic, gross_margin]",
             POLICY_ROWS)
    s = score_of(ev, "q")
    assert s["A"] == 50.0 and s["B"] == 25.0   # (0 + 100) / 2 and (50 + 0) / 2
    assert s["C"] == expected_c
    assert ev.missing.to_dict("records") == [
        {"ticker": "C", "score": "q", "metric": "gross_margin"}]


def test_policy_overridden_per_metric(screen):
    ev = run(screen, "  q:\n    missing: skip\n    parts:\n      - roic\n"
                     "      - {metric: gross_margin, missing: worst}", POLICY_ROWS)
    assert score_of(ev, "q")["C"] == 50.0


def test_min_coverage_removes_thinly_covered_names(screen):
    ev = run(screen, "  q:\n    min_coverage: 0.6\n    parts: [roic, gross_margin]",
             POLICY_ROWS)
    assert score_of(ev, "q")["C"] is None
    # C has no score, so it cannot be ranked: the attrition says so
    steps = ev.phases[0].attrition
    assert steps[-1].rule.startswith("q is not missing") and steps[-1].removed == 1
    assert ev.phases[0].table["ticker"].tolist() == ["A", "B"]


def test_nested_score_uses_child_value_as_is(screen):
    scores = ("  child:\n    parts: [roic]\n  q:\n    parts:\n"
              "      - {score: child, weight: 3}\n      - {metric: debt_to_assets, weight: 1}\n"
              "  inv:\n    parts:\n      - {score: child, better: lower}")
    rows = {"A": {"roic": 0.1, "debt_to_assets": 0.1}, "B": {"roic": 0.2, "debt_to_assets": 0.2},
            "C": {"roic": 0.3, "debt_to_assets": 0.3}}
    ev = run(screen, scores, rows)
    assert score_of(ev, "child") == {"A": 0.0, "B": 50.0, "C": 100.0}
    # (3 x child + 1 x debt pct) / 4; debt pct (lower better) A 100, B 50, C 0
    assert score_of(ev, "q") == {"A": 25.0, "B": 50.0, "C": 75.0}
    assert score_of(ev, "inv") == {"A": 100.0, "B": 50.0, "C": 0.0}


def test_zscore_method_maps_to_0_100(screen):
    ev = run(screen, "  q:\n    method: zscore\n    parts: [roic]",
             {"A": {"roic": 1.0}, "B": {"roic": 2.0}, "C": {"roic": 3.0}})
    z = 1.0 / np.sqrt(2.0 / 3.0)
    s = score_of(ev, "q")
    assert s["A"] == pytest.approx(50 - z * 50 / 3, abs=1e-3)
    assert s["B"] == 50.0
    assert s["C"] == pytest.approx(50 + z * 50 / 3, abs=1e-3)


def test_weights_renormalise_and_contributions_add_up(screen):
    ev = run(screen, "  q:\n    parts:\n      - {metric: roic, weight: 3}\n"
                     "      - {metric: gross_margin, weight: 1}", POLICY_ROWS)
    s = score_of(ev, "q")
    assert s["A"] == 25.0 and s["B"] == 37.5 and s["C"] == 100.0
    x = ev.explain
    for t in "ABC":
        parts = x.query(f"ticker == '{t}' and kind == 'part'")
        assert parts["contribution"].sum() == pytest.approx(s[t])
    c = x.query("ticker == 'C' and kind == 'part'").set_index("item")
    assert c.loc["q.roic", "weight"] == 1.0 and c.loc["q.gross_margin", "weight"] == 0.0
    assert bool(c.loc["q.gross_margin", "missing"])
