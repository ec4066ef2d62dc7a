"""The default playbook uses the rebound-thesis metrics where the thesis says so, and its lists
move the documented way on the fictional sample: the runway rule narrows the early-rebound
list, the short-runway branch widens the avoid list, and sector-relative leverage narrows the
quality recovery."""

from __future__ import annotations

from pathlib import Path

import pytest

from screener.pipeline import run_screen
from screener.rules import compile_screen

PLAYBOOK = Path(__file__).resolve().parents[2] / "screens" / "rebound.yaml"


def _phases(**overrides):
    res = run_screen(PLAYBOOK, provider="sample",
                     overrides={k: str(v) for k, v in overrides.items()} or None)
    return {p.id: p for p in res.phases}, res


@pytest.fixture(scope="module")
def default():
    return _phases()


def test_the_playbook_validates_and_names_the_new_metrics():
    plan = compile_screen(PLAYBOOK)
    text = PLAYBOOK.read_text()
    for metric in ("cash_runway_months", "rate_cut_benefit_100bp",
                   "net_debt_to_ebitda_vs_sector", "refi_wall_rate_shock"):
        assert metric in text
    assert plan.params["min_runway_months"] == 18 and plan.params["short_runway_months"] == 12


def test_every_early_rebound_name_has_the_runway(default):
    phases, res = default
    listed = phases["early_rebound"].table["ticker"]
    runway = res.eligible.set_index("ticker")["cash_runway_months"] \
        if "ticker" in res.eligible else res.eligible["cash_runway_months"]
    assert len(listed) and (runway.reindex(listed) >= 18).all()


def test_lists_move_in_the_documented_direction(default):
    phases, _ = default
    # without the runway rule (0 months) more names pass the early rebound
    loose, _ = _phases(min_runway_months=0)
    assert loose["early_rebound"].passed > phases["early_rebound"].passed
    # without the short-runway branch (0 months) fewer names are on the avoid list
    narrow, _ = _phases(short_runway_months=0)
    assert narrow["refinancing_risk"].passed < phases["refinancing_risk"].passed
    # the sector-relative leverage rule removes names from the quality recovery (names above
    # their sector's median leverage, beyond the absolute max_leverage rule before it)
    (step,) = [s for s in phases["quality_recovery"].attrition
               if s.rule.startswith("net_debt_to_ebitda_vs_sector")]
    assert step.removed > 0
    # the runway rule is what removes names from the early rebound
    def runway_step(ph):
        (step,) = [s for s in ph["early_rebound"].attrition
                   if s.rule.startswith("cash_runway_months")]
        return step

    assert runway_step(phases).removed - runway_step(loose).removed \
        == loose["early_rebound"].passed - phases["early_rebound"].passed
