"""Phases over a hand-built frame: universe, eligibility, attrition (with missing counts),
ordering with tie-breakers and top N, table layout, coverage, explain."""

from __future__ import annotations

import numpy as np
import pytest

from screener.errors import ScreenerError, UniverseError
from screener.rules import evaluate, explain_ticker

from .conftest import NaN, make_frame

SCREEN = """
universes: [russell2000, sp600]
params: {max_lev: 3}
eligibility:
  - market_cap >= 300M
  - sector not in [Financials]
scores:
  quality:
    parts: [roic, {metric: net_debt_to_ebitda, weight: 2}]
phases:
  lev:
    title: Low leverage
    filters:
      - net_debt_to_ebitda < max_lev
      - {metric: beta, op: between, value: [0.5, 1.5]}
    rank_by: quality
    tie_breakers: [{by: market_cap, order: ascending}]
    top: 3
  cheap:
    title: By leverage
    rank_by: net_debt_to_ebitda
    order: ascending
"""


def frame():
    return make_frame({
        "A": {"market_cap": 1e9, "roic": 0.10, "net_debt_to_ebitda": 1.0, "beta": 1.0},
        "B": {"market_cap": 2e9, "roic": 0.20, "net_debt_to_ebitda": 2.0, "beta": 1.2},
        "C": {"market_cap": 5e8, "roic": 0.20, "net_debt_to_ebitda": 2.0, "beta": 0.9},
        "D": {"market_cap": 4e8, "roic": 0.30, "net_debt_to_ebitda": NaN, "beta": 1.0},
        "E": {"market_cap": 9e8, "roic": 0.05, "net_debt_to_ebitda": 5.0, "beta": 1.0},
        "F": {"market_cap": 8e8, "roic": 0.15, "net_debt_to_ebitda": 0.5, "beta": NaN},
        "G": {"market_cap": 1e8, "roic": 0.40, "net_debt_to_ebitda": 0.1, "beta": 1.0},
        "H": {"market_cap": NaN, "roic": 0.40, "net_debt_to_ebitda": 0.1, "beta": 1.0},
        "I": {"market_cap": 3e9, "sector": "Financials", "roic": 0.4,
              "net_debt_to_ebitda": 0.1, "beta": 1.0},
        "J": {"market_cap": 3e9, "in_russell2000": False, "in_sp600": True, "roic": 0.1,
              "net_debt_to_ebitda": 1.5, "beta": 1.0},
        "K": {"market_cap": 3e9, "in_russell2000": False, "in_sp600": False, "roic": 0.1},
    })


def test_eligibility_attrition_counts_missing(screen):
    ev = evaluate(screen(SCREEN), frame())
    steps = [(s.rule, s.remaining, s.removed, s.missing) for s in ev.eligibility]
    assert steps == [
        ("universe: russell2000 or sp600", 10, 1, 0),
        ("market_cap >= 300M", 8, 2, 1),            # G too small, H missing
        ("sector not in [Financials]", 7, 1, 0),    # I
    ]
    assert sorted(ev.eligible.index) == ["A", "B", "C", "D", "E", "F", "J"]


def test_phase_attrition_ordering_ties_and_top(screen):
    ev = evaluate(screen(SCREEN), frame())
    lev = ev.phases[0]
    steps = [(s.rule, s.remaining, s.removed, s.missing) for s in lev.attrition[3:]]
    assert steps == [
        ("net_debt_to_ebitda < max_lev", 5, 2, 1),      # D missing, E 5.0
        ("beta between 0.5 and 1.5", 4, 1, 1),          # F missing beta
    ]
    assert lev.passed == 4
    # quality over the 7 eligible names, by hand:
    #   roic pct: E 0, A/J 25, F 50, B/C 75, D 100 (ties share the average rank)
    #   leverage pct (lower better, 6 values): E 0, B/C 30, J 60, A 80, F 100
    #   quality = (roic + 2 x leverage) / 3: A 61.67, J 48.33, B/C 45 (D: coverage 1/3 < 50%)
    # B and C tie -> tie-breaker market cap ascending puts C (500M) before B (2B); top 3
    assert lev.table["ticker"].tolist() == ["A", "J", "C"]
    assert lev.table["quality"].round(2).tolist() == [61.67, 48.33, 45.0]
    assert ev.eligible.loc["B", "quality"] == pytest.approx(45.0)
    assert np.isnan(ev.eligible.loc["D", "quality"])
    assert len(lev.table) == 3 and lev.top == 3
    assert lev.cutoff == pytest.approx(lev.table[lev.rank_by].iloc[-1])


def test_table_columns_layout(screen):
    ev = evaluate(screen(SCREEN), frame())
    t = ev.phases[0]
    assert list(t.table.columns[:7]) == ["rank", "ticker", "name", "sector", "industry",
                                         "in_russell2000", "in_sp600"]
    assert t.score_columns == ["quality", "quality.roic", "quality.net_debt_to_ebitda"]
    assert t.metric_columns == ["market_cap", "net_debt_to_ebitda", "beta"]
    assert list(t.table.columns[7:]) == t.score_columns + t.metric_columns


def test_ascending_expression_rank(screen):
    ev = evaluate(screen(SCREEN), frame())
    cheap = ev.phases[1]
    assert cheap.ascending and cheap.score_columns == ["net_debt_to_ebitda"]
    # D has no leverage value: removed before ranking and counted as missing
    assert cheap.table["ticker"].tolist() == ["F", "A", "J", "B", "C", "E"]
    assert cheap.attrition[-1].removed == 1 and cheap.attrition[-1].missing == 1


def test_eligible_table_lists_phases_and_scores(screen):
    ev = evaluate(screen(SCREEN), frame())
    e = ev.eligible
    assert "quality" in e.columns and "roic" in e.columns
    assert e.loc["C", "phases"] == "lev, cheap"
    assert e.loc["D", "phases"] == ""


def test_coverage_over_eligible_names(screen):
    ev = evaluate(screen(SCREEN), frame())
    cov = ev.coverage
    assert cov.loc["net_debt_to_ebitda", "missing"] == 1
    assert cov.loc["net_debt_to_ebitda", "share"] == pytest.approx(6 / 7)
    assert cov.loc["beta", "share"] == pytest.approx(6 / 7)
    assert cov.loc["roic", "label"] == "ROIC"


def test_explain_contributions_add_up_to_listed_score(screen):
    ev = evaluate(screen(SCREEN), frame())
    x = ev.explain
    for phase in ev.phases:
        if phase.rank_by != "quality":
            continue
        for _, row in phase.table.iterrows():
            parts = x[(x.ticker == row.ticker) & (x.phase == phase.id) & (x.kind == "part")]
            assert parts["contribution"].sum() == pytest.approx(row["quality"])
    rules = x[(x.ticker == "C") & (x.phase == "lev") & (x.kind == "rule")]
    assert rules["item"].tolist() == ["market_cap >= 300M", "sector not in [Financials]",
                                      "net_debt_to_ebitda < max_lev",
                                      "beta between 0.5 and 1.5"]
    assert rules["passed"].tolist() == [True, True, True, True]
    assert rules["value"].tolist()[0] == 5e8


def test_missing_universe_column_is_a_clear_error(screen):
    f = frame().drop(columns=["in_sp600"])
    with pytest.raises(UniverseError) as e:
        evaluate(screen(SCREEN), f)
    assert "sp600" in str(e.value) and "refresh" in str(e.value)


def test_explain_ticker_text(screen):
    plan = screen(SCREEN)
    text = explain_ticker(plan, frame(), "c")
    assert "LISTED #3 of 3" in text
    assert "PASS" in text and "net_debt_to_ebitda < max_lev" in text
    assert "score quality" in text and "total" in text
    text_e = explain_ticker(plan, frame(), "E")
    assert "FAIL" in text_e and "not listed" in text_e
    text_g = explain_ticker(plan, frame(), "G")
    assert "not eligible" in text_g
    with pytest.raises(ScreenerError) as e:
        explain_ticker(plan, frame(), "ZZZ")
    assert "not in the data" in str(e.value)


def test_empty_result_is_not_an_error(screen):
    ev = evaluate(screen(SCREEN), frame().assign(market_cap=1.0))
    assert all(len(p.table) == 0 for p in ev.phases)
    assert ev.explain.empty and np.isnan(ev.coverage["share"]).all()


def test_explain_shows_capped_values_as_their_meaning(screen):
    plan = screen("""
        universes: [russell2000]
        phases:
          cov:
            title: Covered
            filters: [interest_coverage > 3, wall_coverage_24m > 1]
            rank_by: interest_coverage
    """)
    f = make_frame({"A": {"interest_coverage": 999.0, "wall_coverage_24m": 99.0},
                    "B": {"interest_coverage": 4.5, "wall_coverage_24m": 2.0}})
    text = explain_ticker(plan, f, "A")
    assert "no interest (999, the cap)" in text
    assert "nothing due in 24m (99, the cap)" in text
    assert "4.50" in explain_ticker(plan, f, "B")
