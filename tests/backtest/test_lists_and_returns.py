"""Per-phase list returns on a hand-built world whose every figure can be computed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from screener.backtest.returns import DelistingPolicy
from screener.backtest.run import BacktestConfig, run_backtest
from screener.backtest.schedule import sessions

from .world import DAYS, RATES, HandSource, write_screen


def _growth(ticker, entry, exit_):
    """Hand formula: price = 100 (1 + r)^row, so growth is (1 + r)^(rows between)."""
    e, x = DAYS.get_loc(pd.Timestamp(entry)), DAYS.get_loc(pd.Timestamp(exit_))
    return (1 + RATES[ticker]) ** (x - e)


def _run(tmp_path, source=None, **kw):
    cfg = BacktestConfig(screen=write_screen(tmp_path), start="2020-01", end="2020-12", **kw)
    return run_backtest(cfg, source=source or HandSource())


def test_top_n_is_bought_at_the_next_close_and_held_to_the_next_entry(tmp_path):
    res = _run(tmp_path, cost_bps=0)
    h = res.tables["holdings"]
    first = h[(h.phase == "best") & (h.signal == "2020-01-31")]
    assert list(first.ticker) == ["HHH", "AAA", "BBB"]  # highest ROIC first
    assert (first.entry == pd.Timestamp("2020-02-03")).all()  # next NYSE close
    assert (first.exit == pd.Timestamp("2020-03-02")).all()  # next signal's entry
    want = np.mean([_growth(t, "2020-02-03", "2020-03-02") for t in ("HHH", "AAA", "BBB")]) - 1
    got = res.tables["periods"].loc[pd.Timestamp("2020-03-02"), "best.gross"]
    assert got == pytest.approx(want, abs=1e-12)
    worst = h[(h.phase == "worst") & (h.signal == "2020-01-31")]
    assert list(worst.ticker) == ["GGG", "FFF"]


def test_lag_of_two_sessions_moves_the_entry(tmp_path):
    res = _run(tmp_path, lag="2d")
    h = res.tables["holdings"]
    assert (h[h.signal == "2020-01-31"].entry == pd.Timestamp("2020-02-04")).all()


def test_delisted_name_keeps_its_return_then_the_delisting_return(tmp_path):
    res = _run(tmp_path, cost_bps=0)
    h = res.tables["holdings"]
    row = h[(h.phase == "best") & (h.ticker == "HHH") & (h.signal == "2020-04-30")].iloc[0]
    assert row.status == "delisted"
    want = _growth("HHH", "2020-05-01", "2020-05-15") * (1 - 0.30) - 1
    assert row["return"] == pytest.approx(want, abs=1e-12)
    acquired = _run(tmp_path, cost_bps=0,
                    policy=DelistingPolicy(performance=0.0)).tables["holdings"]
    row = acquired[(acquired.ticker == "HHH") & (acquired.signal == "2020-04-30")].iloc[0]
    assert row["return"] == pytest.approx(_growth("HHH", "2020-05-01", "2020-05-15") - 1)
    # the period's list return includes it: never silently dropped
    period = res.tables["periods"].loc[pd.Timestamp("2020-06-01")]
    assert period["best.names"] == 3 and period["best.delisted"] == 1


def test_costs_turnover_and_net_beside_gross(tmp_path):
    res = _run(tmp_path, cost_bps=25)
    p = res.tables["periods"]
    first = p.iloc[0]
    assert first["best.cost"] == pytest.approx(0.0025)  # buys the whole list once
    assert first["best.net"] == pytest.approx((1 + first["best.gross"]) * (1 - 0.0025) - 1)
    # after HHH delists (signal 2020-05-29) one name of three is replaced: turnover ~ 1/3
    assert p.loc[pd.Timestamp("2020-07-01"), "best.turnover"] == pytest.approx(1 / 3, abs=0.01)
    s = res.tables["summary"].set_index(["strategy", "basis"])
    assert s.loc[("best", "gross"), "annual_return"] > s.loc[("best", "net"), "annual_return"]
    assert s.loc[("best", "net"), "cost_drag"] > 0
    free = _run(tmp_path, cost_bps=0).tables["periods"]
    np.testing.assert_allclose(free["best.net"], free["best.gross"])


def test_summary_figures_equal_hand_computation(tmp_path):
    res = _run(tmp_path)
    net = res.tables["periods"]["best.net"]
    s = res.tables["summary"].set_index(["strategy", "basis"]).loc[("best", "net")]
    assert s["cumulative"] == pytest.approx(np.prod(1 + net) - 1, abs=1e-12)
    assert s["annual_return"] == pytest.approx(np.prod(1 + net) ** (12 / len(net)) - 1,
                                               abs=1e-12)
    assert s["annual_volatility"] == pytest.approx(net.std(ddof=1) * np.sqrt(12), abs=1e-12)
    assert s["sharpe"] == pytest.approx(net.mean() / net.std(ddof=1) * np.sqrt(12), abs=1e-9)
    wealth = np.cumprod(1 + net.to_numpy())
    dd = (wealth / np.maximum.accumulate(np.r_[1.0, wealth])[1:] - 1).min()
    assert s["max_drawdown"] == pytest.approx(min(dd, 0.0), abs=1e-12)
    uni = res.tables["periods"]["universe_ew"]
    assert s["hit_rate"] == pytest.approx((net > uni).mean())
    years = res.tables["years"]
    assert years.loc[2020, "best.net"] == pytest.approx(
        np.prod(1 + net[net.index.year == 2020]) - 1, abs=1e-12)


def test_universe_and_etf_over_the_same_closes(tmp_path):
    res = _run(tmp_path)
    p = res.tables["periods"].iloc[0]
    members = [t for t in RATES if t != "IWM"]
    want = np.mean([_growth(t, "2020-02-03", "2020-03-02") for t in members]) - 1
    assert p["universe_ew"] == pytest.approx(want, abs=1e-12)
    assert p["IWM"] == pytest.approx(_growth("IWM", "2020-02-03", "2020-03-02") - 1, abs=1e-12)


def test_sample_states_names_per_date_and_survivorship(tmp_path):
    res = _run(tmp_path, source=HandSource(biased_before=pd.Timestamp("2020-04-01")))
    sample = res.tables["sample"]
    assert sample["universe"].iloc[0] == 8 and sample["universe"].iloc[-1] == 7
    assert sample["survivorship_biased"].sum() == 3
    assert res.survivorship.startswith("SURVIVORSHIP-BIASED")
    assert any("SURVIVORSHIP" in w for w in res.warnings)
    about = dict(zip(res.tables["about"]["item"], res.tables["about"]["value"], strict=True))
    assert "SURVIVORSHIP" in about["membership"]
    dropped = res.tables["dropped"].set_index("what")
    assert dropped.loc["list best", "status.delisted"] == 1


def test_follow_the_regime_holds_the_chosen_list_each_date(tmp_path):
    plain = _run(tmp_path, cost_bps=0)
    dates = pd.DatetimeIndex(plain.tables["sample"].index)
    choice = pd.Series(["best" if i % 2 else "worst" for i in range(len(dates))], index=dates)
    res = _run(tmp_path, cost_bps=0, regime=choice)
    per = res.tables["periods"]
    want = [per[f"{choice.iloc[i]}.gross"].iloc[i] for i in range(len(per))]
    np.testing.assert_allclose(per["follow_regime.gross"], want, atol=1e-12)
    h = res.tables["holdings"]
    second = h[(h.phase == "follow_regime") & (h.signal == dates[1])]
    assert list(second.ticker) == ["HHH", "AAA", "BBB"]  # the "best" list, in rank order
    assert "follow_regime" in set(res.tables["summary"].strategy)
    with pytest.raises(Exception, match="unknown phases: nope"):
        _run(tmp_path, regime=pd.Series(["nope"], index=dates[:1]))


def test_rolling_starts_trade_on_staggered_days(tmp_path):
    res = _run(tmp_path, rolling=3)
    r = res.tables["rolling"]
    assert sorted(r["start_offset_sessions"].unique()) == [0, 7, 14]
    firsts = r.groupby("start_offset_sessions")["first_signal"].first()
    assert firsts.nunique() == 3
    assert all(d in set(sessions("2020-01-01", "2020-01-31")) for d in firsts)
    assert {"phase_min_annual", "phase_max_annual"} <= set(r.columns)


def test_an_empty_list_is_left_out_and_said(tmp_path):
    text = """\
    version: 1
    universes: [russell2000]
    phases:
      none:
        title: Nothing passes
        filters: [roic > 5]
        rank_by: roic
        top: 3
      best:
        title: Best
        rank_by: roic
        top: 3
    """
    cfg = BacktestConfig(screen=write_screen(tmp_path, text, "empty.yaml"), start="2020-01",
                         end="2020-06")
    res = run_backtest(cfg, source=HandSource())
    p = res.tables["periods"]
    assert p["none.gross"].isna().all() and (p["none.names"] == 0).all()
    s = res.tables["summary"].set_index(["strategy", "basis"])
    assert s.loc[("none", "net"), "periods"] == 0
    assert any(w.startswith("none: no names listed on 5 of 5 dates") for w in res.warnings)


def test_episode_return_is_measured_over_the_window_with_daily_closes(tmp_path):
    text = """\
    version: 1
    universes: [russell2000]
    phases:
      best: {title: Best, rank_by: roic, top: 3}
    episodes:
      mid_february: {kind: rebound, start: 2020-02-10, end: 2020-02-25, source: test}
      early_2019: {kind: drawdown, start: 2019-01-02, end: 2019-02-01}
    """
    cfg = BacktestConfig(screen=write_screen(tmp_path, text, "ep.yaml"), start="2020-01",
                         end="2020-06")
    e = run_backtest(cfg, source=HandSource()).tables["episodes"].set_index("episode")
    assert list(e.index) == ["mid_february", "early_2019"]
    held = ("HHH", "AAA", "BBB")  # bought 2020-02-03, valued at the window's closes
    a = np.mean([_growth(t, "2020-02-03", "2020-02-10") for t in held])
    b = np.mean([_growth(t, "2020-02-03", "2020-02-25") for t in held])
    assert e.loc["mid_february", "best"] == pytest.approx(b / a - 1, abs=1e-12)
    assert e.loc["mid_february", "leader"] == "best"
    assert e.loc["mid_february", "IWM"] == pytest.approx(
        _growth("IWM", "2020-02-10", "2020-02-25") - 1, abs=1e-12)
    assert e.loc["early_2019", "leader"] == "outside the backtest range"


def test_episode_dates_are_validated_with_file_and_line(tmp_path):
    from screener.errors import ConfigError
    text = """\
    version: 1
    universes: [russell2000]
    phases:
      best: {title: Best, rank_by: roic, top: 3}
    episodes:
      backwards: {start: 2020-03-01, end: 2020-02-01}
    """
    with pytest.raises(ConfigError) as exc:
        run_backtest(BacktestConfig(screen=write_screen(tmp_path, text, "bad.yaml"),
                                    start="2020-01", end="2020-06"), source=HandSource())
    assert "bad.yaml:6" in str(exc.value) and "'end' must be after 'start'" in str(exc.value)
