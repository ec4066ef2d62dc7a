"""Follow the regime: each period holds the list of the phase the verdict chose at its signal,
with only the series released by that close; compared with each static list."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from screener.backtest.run import BacktestConfig, run_backtest
from screener.history.store import HistoryStore

from .world import SCREEN, HandSource, write_screen

REGIME = """\
regime:
  verdicts:
    up: {title: Curve up, phase: best}
    down: {title: Curve down, phase: worst}
  indicators:
    curve:
      series: T10Y2Y
      rule: "> 0"
      votes: {up: 1, down: -1}
      max_age_days: 40          # monthly readings of a daily series in this test
"""


def _store(tmp_path, values_by_month: dict[str, float], planted=None) -> HistoryStore:
    st = HistoryStore(tmp_path / "h")
    rows = [{"series": "T10Y2Y", "date": pd.Timestamp(m), "value": v,
             "released": pd.Timestamp(m) + pd.Timedelta(days=1), "source": "test"}
            for m, v in values_by_month.items()]
    rows += planted or []
    st.write("macro", pd.DataFrame(rows))
    return st


def _run(tmp_path, store):
    src = HandSource()
    src.history = store
    screen = write_screen(tmp_path, SCREEN + REGIME)
    cfg = BacktestConfig(screen=screen, start="2020-01", end="2020-12", cost_bps=0)
    return run_backtest(cfg, source=src)


def test_each_period_holds_the_list_chosen_then(tmp_path):
    months = pd.date_range("2019-12-01", "2020-12-01", freq="MS")
    vals = {m: (1.0 if i % 2 else -1.0) for i, m in enumerate(months)}
    # planted: a reading dated on a signal day but released two days later must not count
    plant = [{"series": "T10Y2Y", "date": pd.Timestamp("2020-03-31"), "value": 5.0,
              "released": pd.Timestamp("2020-04-02"), "source": "test"}]
    res = _run(tmp_path, _store(tmp_path, vals, plant))
    per = res.tables["regime_dates"]
    assert len(per) > 5
    for row in per.itertuples(index=False):
        month_start = pd.Timestamp(row.signal).to_period("M").to_timestamp()
        want = "best" if vals[month_start] > 0 else "worst"
        assert row.phase_chosen == want, row.signal
        assert row.follow_regime == pytest.approx(getattr(row, want), abs=1e-12)
    summary = res.tables["summary"]
    assert set(summary.loc[summary.strategy == "follow_regime", "basis"]) == {"net", "gross"}
    comp = res.tables["regime"]
    assert list(comp["static_list"]) == ["best", "worst"]
    # best beats worst every period, so alternating between them cannot beat best
    assert comp["note"].iloc[0].startswith("The regime added nothing")
    assert any(w.startswith("The regime added nothing") for w in res.warnings)
    assert "follow_regime.net" in res.tables["curve"].columns


def test_a_regime_that_always_picks_the_better_list_is_said_to_match_it(tmp_path):
    months = pd.date_range("2019-12-01", "2020-12-01", freq="MS")
    res = _run(tmp_path, _store(tmp_path, {m: 1.0 for m in months}))
    per = res.tables["regime_dates"]
    assert set(per["phase_chosen"]) == {"best"}
    np.testing.assert_allclose(per["follow_regime"], per["best"], atol=1e-12)
    comp = res.tables["regime"].set_index("static_list")
    assert comp.loc["best", "regime_excess_same_periods"] == pytest.approx(0, abs=1e-12)
    assert comp.loc["worst", "regime_excess_same_periods"] > 0


def test_without_a_regime_section_nothing_is_added(tmp_path):
    src = HandSource()
    src.history = _store(tmp_path, {"2020-01-01": 1.0})
    cfg = BacktestConfig(screen=write_screen(tmp_path), start="2020-01", end="2020-12")
    res = run_backtest(cfg, source=src)
    assert "regime" not in res.tables


def test_periods_whose_chosen_list_is_empty_are_said(tmp_path):
    """A verdict pointing to a phase that lists nobody: those periods hold nothing and the
    comparison line says how many."""
    months = pd.date_range("2019-12-01", "2020-12-01", freq="MS")
    src = HandSource()
    src.history = _store(tmp_path, {m: 1.0 for m in months})
    text = SCREEN.replace("    rank_by: roic\n    top: 3", "    rank_by: roic\n    filters: "
                          "['roic > 5']\n    top: 3")
    screen = write_screen(tmp_path, text + REGIME)
    res = run_backtest(BacktestConfig(screen=screen, start="2020-01", end="2020-12"), source=src)
    note = res.tables["regime"]["note"].iloc[0]
    periods = len(res.tables["regime_dates"])
    assert f"In {periods} period(s) the chosen list was empty" in note
