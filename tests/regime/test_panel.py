"""The panel and verdict on a hand-built history, and the point-in-time guarantee."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from screener.regime.config import load_regime
from screener.regime.run import regime_run
from tests.regime import world

AS_OF = "2024-06-28"


@pytest.fixture
def setup(tmp_path):
    return load_regime(world.screen(tmp_path)), world.build(tmp_path)


def test_panel_values_votes_and_verdict(setup):
    rules, store = setup
    res = regime_run(rules, store, AS_OF, history=False)
    p = res.panel
    rows = {r.id: r for r in p.rows}
    sp = rows["spreads_falling"]
    # released with a 1-day lag: the 2024-06-28 value is not out on 2024-06-28
    assert sp.date == pd.Timestamp("2024-06-27")
    assert sp.value == pytest.approx(sp.level - 4.0)          # vs 2024-03-27: 4.0
    assert sp.changes["3m"] == pytest.approx(sp.value)
    assert sp.vote == 1.0 and sp.direction == "rise" and sp.distance == pytest.approx(-sp.value)
    g = rows["growth"]
    assert g.date == pd.Timestamp("2024-04-01") and g.level == -0.5 and g.vote == -1.0
    assert g.distance == pytest.approx(0.5) and g.direction == "rise"
    # junk = (2*1 + -1*-1)/3 ; quality = (1 - 2)/3 ; defensive = (-2 + 1)/3 ; refi = -1
    assert p.scores["junk"] == pytest.approx(1.0)
    assert p.scores["quality"] == pytest.approx(-1 / 3)
    assert p.scores["defensive"] == pytest.approx(-1 / 3)
    assert p.scores["refi"] == pytest.approx(-1.0)
    assert p.verdict == "junk" and p.phase == "early_rebound" and p.overlays == {"refi": False}
    flips = {f.indicator: f.becomes for f in p.flips}
    assert flips == {"growth": "quality", "spreads_falling": "defensive"}
    assert "would make it" in p.flip_text()
    assert [f.becomes for f in p.overlay_flips] == ["refi raised"]


def test_percentile_and_changes_match_a_hand_computation(setup):
    rules, store = setup
    res = regime_run(rules, store, AS_OF, history=False)
    s = res.series["BAMLH0A0HYM2"]
    row = next(r for r in res.panel.rows if r.id == "spreads_falling")
    last = s.index[-1]
    win = s[s.index > last - pd.DateOffset(years=10)]
    assert row.pct_10y == pytest.approx((win <= s.iloc[-1]).mean())
    one_m = s[s.index <= last - pd.DateOffset(months=1)].iloc[-1]
    assert row.changes["1m"] == pytest.approx(s.iloc[-1] - one_m)


def test_a_later_release_does_not_leak(setup):
    """Plant a CFNAIMA3 reading dated before the as-of date but released after it, and a revised
    spread released after it: the panel as of the date must not see either."""
    rules, store = setup
    store.write("macro", pd.concat([
        world.macro_rows("CFNAIMA3", ["2024-05-01"], [0.8], 0).assign(
            released=pd.Timestamp("2024-06-29")),
        world.macro_rows("BAMLH0A0HYM2", ["2024-06-27"], [9.0], 0).assign(
            released=pd.Timestamp("2024-07-02")),
    ], ignore_index=True))
    run = regime_run(rules, store, AS_OF)
    before = run.panel
    g = next(r for r in before.rows if r.id == "growth")
    sp = next(r for r in before.rows if r.id == "spreads_falling")
    assert g.date == pd.Timestamp("2024-04-01") and g.level == -0.5
    assert sp.date == pd.Timestamp("2024-06-27") and sp.level < 4.0
    assert run.series["BAMLH0A0HYM2"].max() < 9.0
    assert before.verdict == "junk"
    later = regime_run(rules, store, "2024-07-05")
    assert next(r for r in later.panel.rows if r.id == "growth").level == 0.8
    assert later.series["BAMLH0A0HYM2"][pd.Timestamp("2024-06-27")] == 9.0
    assert later.panel.verdict == "quality"   # the planted reading changes it once released


def test_history_agrees_with_the_panel_and_sees_no_later_release(setup):
    rules, store = setup
    store.write("macro", world.macro_rows("CFNAIMA3", ["2024-05-01"], [0.8], 0).assign(
        released=pd.Timestamp("2024-06-29")))
    res = regime_run(rules, store, AS_OF)
    h = res.history
    assert h.dates[-1] == pd.Timestamp(AS_OF)
    assert h.verdict.iloc[-1] == res.panel.verdict == "junk"
    assert h.inputs["growth"].iloc[-1] == -0.5
    np.testing.assert_allclose(h.scores.iloc[-1].to_numpy(),
                               [res.panel.scores[k] for k in h.scores.columns])
    # 20 years of month ends, but the data begins in 2014: earlier dates have no verdict
    assert h.verdict[h.dates < "2014-01-31"].isna().all()
    assert len(h.dates) == 241


def test_stale_series_do_not_vote(setup):
    rules, store = setup
    p = regime_run(rules, store, "2025-06-30", history=False).panel
    assert all(r.state.startswith("stale") for r in p.rows)
    assert p.verdict is None
    assert "Fetch the series first" in p.flip_text()


def test_regime_choice_per_date_is_point_in_time(setup):
    """The phase chosen on each date equals the panel's on that date; a reading released
    after a date does not change that date's choice."""
    from screener.regime.run import regime_choice

    rules, store = setup
    dates = pd.DatetimeIndex(["2019-12-31", "2024-04-30", "2024-06-28"])
    before = regime_choice(rules, store, dates)
    for d in dates:
        assert before[d] == regime_run(rules, store, d, history=False).panel.phase
    assert before[pd.Timestamp("2024-06-28")] == "early_rebound"
    store.write("macro", world.macro_rows("CFNAIMA3", ["2024-05-01"], [0.8], 0).assign(
        released=pd.Timestamp("2024-06-29")))
    after = regime_choice(rules, store, dates.append(pd.DatetimeIndex(["2024-07-05"])))
    assert after[dates].tolist() == before.tolist()
    assert after[pd.Timestamp("2024-07-05")] == "quality_recovery"
