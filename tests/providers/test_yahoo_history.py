"""Revisions from our own stored snapshots (estimates_history), and FMP estimates using them."""

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from screener.providers import fmp
from screener.providers.estimates_history import estimates_timeline, revisions_from_history

AS_OF = date(2026, 5, 8)


def day(n):
    return AS_OF - timedelta(days=n)


# a hand-built history: snapshots 0, 6, 8, 29, 33, 61, 95 days ago
HISTORY = [
    (day(95), {"eps_cy": 1.10, "eps_ny": 1.40}),
    (day(61), {"eps_cy": 1.20, "eps_ny": 1.45}),
    (day(33), {"eps_cy": 1.25, "eps_ny": 1.50}),
    (day(29), {"eps_cy": 1.28, "eps_ny": 1.52}),
    (day(8), {"eps_cy": 1.31, "eps_ny": 1.55}),
    (day(6), {"eps_cy": 1.32, "eps_ny": 1.56}),
    (AS_OF, {"eps_cy": 1.35, "eps_ny": 1.60, "n_analysts": 8}),
]


def test_nearest_snapshot_on_or_before_the_target_within_tolerance():
    rec = revisions_from_history(HISTORY, AS_OF)
    assert rec["eps_cy"] == 1.35 and rec["n_analysts"] == 8  # today's snapshot is the current
    assert rec["eps_cy_7d"] == 1.31  # 8 days ago: on or before day 7, within 3 days
    assert rec["eps_cy_30d"] == 1.25  # 33 days ago; the 29-day one is after the target
    assert rec["eps_cy_60d"] == 1.20 and rec["eps_ny_60d"] == 1.45
    assert rec["eps_cy_90d"] is None  # 95 days ago is 5 days off: left empty, not mislabelled
    assert "eps_cy_30d<-" + day(33).isoformat() in rec["history_note"]


def test_values_given_by_the_source_are_kept():
    current = {"eps_cy": 1.35, "eps_cy_30d": 1.29}
    rec = revisions_from_history(HISTORY, AS_OF, current=current)
    assert rec["eps_cy_30d"] == 1.29 and rec["eps_cy_7d"] == 1.31


def test_wider_tolerance_for_weekly_runs():
    assert revisions_from_history(HISTORY, AS_OF, tolerance=6)["eps_cy_90d"] == 1.10


def test_empty_history():
    rec = revisions_from_history([], AS_OF, current={"eps_cy": 2.0})
    assert rec["eps_cy"] == 2.0 and rec["eps_cy_30d"] is None


def test_timeline_shows_how_the_consensus_moved():
    tl = estimates_timeline(HISTORY)
    assert next(iter(tl["as_of"])) == day(95) and len(tl) == 7
    assert tl["eps_cy_change"].iloc[-1] == pytest.approx(0.03)


def test_fmp_estimates_use_embedded_history_for_the_same_fiscal_year():
    rows = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "fmp" /
                       "analyst-estimates_ABCD.json").read_text())
    history = [
        {"as_of": day(31).isoformat(), "consensus": {"2026-12-31": 1.30, "2027-12-31": 1.55}},
        {"as_of": day(62).isoformat(), "consensus": {"2026-12-31": 1.28}},
        # 90 days ago the current year was 2025: a different fiscal year is never compared
        {"as_of": day(90).isoformat(), "consensus": {"2025-12-31": 0.9}},
    ]
    rec = fmp.parse_estimates("ABCD", rows, AS_OF, history)
    assert rec["eps_cy"] == 1.35 and rec["eps_cy_30d"] == 1.30 and rec["eps_ny_30d"] == 1.55
    assert rec["eps_cy_60d"] == 1.28 and rec["eps_cy_90d"] is None
