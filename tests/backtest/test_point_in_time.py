"""Through the stored history (``PointInTime``) and the CLI: memberships as of each date,
statements as first filed, no value published after a signal moves that signal's lists."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from screener.backtest.run import BacktestConfig, run_backtest
from screener.cli import cli
from screener.history.store import HistoryStore

from .world import RATES, delistings, prices, write_screen

MCAP_SCREEN = """\
version: 1
name: biggest
universes: [russell2000]
phases:
  big:
    title: Biggest
    rank_by: market_cap
    top: 3
"""
TICKERS = [t for t in RATES if t != "IWM"]


def _store(root, snapshot="2019-12-31", extra_facts=(), extra_prices=None) -> HistoryStore:
    h = HistoryStore(root)
    px = prices()
    if extra_prices is not None:
        px = pd.concat([px, extra_prices]).drop_duplicates(["ticker", "date"], keep="last")
    h.write("prices", px.assign(source="test"))
    h.write("memberships", pd.DataFrame({
        "universe": "russell2000", "as_of": pd.Timestamp(snapshot), "ticker": TICKERS,
        "name": TICKERS, "sector": "Industrials", "weight": np.nan, "source": "test"}))
    h.write("delistings", delistings().assign(source="test"))
    facts = [{"ticker": t, "item": "shares_outstanding", "value": 1e6 * (i + 1), "period_start": None,
                  "period_end": "2019-09-30", "fiscal_year": 2019, "fiscal_period": "Q3", "form": "10-Q",
                  "filed": "2019-11-05", "accn": f"a{i}", "source": "test"}
             for i, t in enumerate(TICKERS)]
    h.write("facts", pd.DataFrame(facts + list(extra_facts)))
    return h


def _run(tmp_path, root, **kw):
    cfg = BacktestConfig(screen=write_screen(tmp_path, MCAP_SCREEN, "big.yaml"),
                         start="2020-01", end="2020-05", store_path=root, **kw)
    return run_backtest(cfg)


def _signal_side(res):
    """Everything decided at the signals: lists, factor values, sample counts."""
    h = res.tables["holdings"][["signal", "phase", "rank", "ticker"]]
    fd = res.tables["factor_dates"]
    return h, fd[["date", "factor", "horizon", "with_value", "universe"]], res.tables["sample"]


def test_lists_from_the_stored_history_rank_by_market_cap_as_of_each_close(tmp_path):
    root = tmp_path / "h"
    _store(root)
    res = _run(tmp_path, root)
    h = res.tables["holdings"]
    # market cap = close x shares (1..7 million): HHH (7M shares, fastest grower) leads
    first = h[h.signal == "2020-01-31"]
    assert list(first.ticker) == ["HHH", "GGG", "FFF"]
    # HHH delisted 2020-05-15: not a member's price after that, out of the 2020-05-29 list
    assert "HHH" not in set(h[h.signal == "2020-05-29"].ticker)
    assert (h[(h.ticker == "HHH") & (h.signal == "2020-04-30")].status == "delisted").all()
    assert not res.survivorship


def test_a_filing_published_one_day_after_a_signal_changes_nothing_at_that_signal(tmp_path):
    base_root, planted_root = tmp_path / "a", tmp_path / "b"
    _store(base_root)
    plant = {"ticker": "AAA", "item": "shares_outstanding", "value": 1e12, "period_start": None,
                 "period_end": "2020-03-31", "fiscal_year": 2020, "fiscal_period": "Q1", "form": "10-Q",
                 "filed": "2020-04-01", "accn": "late", "source": "test"}  # the day after 2020-03-31
    _store(planted_root, extra_facts=[plant])
    base, planted = _run(tmp_path, base_root), _run(tmp_path, planted_root)
    hb, fb, sb = _signal_side(base)
    hp, fp, sp = _signal_side(planted)
    upto = pd.Timestamp("2020-03-31")
    pd.testing.assert_frame_equal(hb[hb.signal <= upto], hp[hp.signal <= upto])
    pd.testing.assert_frame_equal(fb[fb.date <= upto], fp[fp.date <= upto])
    pd.testing.assert_frame_equal(sb[sb.index <= upto], sp[sp.index <= upto])
    before = base.tables["periods"].loc[:"2020-04-01"]
    pd.testing.assert_frame_equal(before, planted.tables["periods"].loc[:"2020-04-01"])
    # the plant is real: once published, AAA tops the list
    assert hp[hp.signal == "2020-04-30"].ticker.iloc[0] == "AAA"


def test_a_price_after_the_signal_close_is_not_used_in_the_signal(tmp_path):
    base_root, planted_root = tmp_path / "a", tmp_path / "b"
    _store(base_root)
    spike = pd.DataFrame({"ticker": ["AAA"], "date": [pd.Timestamp("2020-04-01")],
                          "close": [1e9], "adj_close": [1e9], "volume": [1e6]})
    _store(planted_root, extra_prices=spike)
    hb, fb, sb = _signal_side(_run(tmp_path, base_root))
    hp, fp, sp = _signal_side(_run(tmp_path, planted_root))
    pd.testing.assert_frame_equal(hb, hp)  # no list at any signal moves
    pd.testing.assert_frame_equal(fb, fp)  # nor any factor's coverage
    pd.testing.assert_frame_equal(sb, sp)


def test_no_snapshot_that_early_is_labelled_survivorship_biased(tmp_path):
    root = tmp_path / "h"
    _store(root, snapshot="2020-03-31")
    res = _run(tmp_path, root)
    assert res.survivorship.startswith("SURVIVORSHIP-BIASED for signals through 2020-02-28")
    assert res.tables["sample"]["survivorship_biased"].sum() == 2  # Jan and Feb signals


def test_cli_backtest_writes_the_workbook_and_tables(tmp_path, monkeypatch):
    root = tmp_path / "h"
    _store(root)
    monkeypatch.setenv("SCREENER_HISTORY_DIR", str(root))
    screen = write_screen(tmp_path, MCAP_SCREEN, "big.yaml")
    runner = CliRunner()
    out = tmp_path / "out" / "bt.xlsx"
    r = runner.invoke(cli, ["backtest", str(screen), "--from", "2020-01", "--to", "2020-05",
                            "--horizons", "1m,3m", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "big" in r.output and "universe_ew" in r.output and "IWM" in r.output
    import openpyxl
    wb = openpyxl.load_workbook(out, read_only=True)
    assert wb.sheetnames[:3] == ["About", "Summary", "Years"]
    assert "Holdings" in wb.sheetnames and "Dropped" in wb.sheetnames
    r = runner.invoke(cli, ["backtest", str(screen), "--from", "2020-01", "--to", "2020-05",
                            "--format", "csv", "--out", str(tmp_path / "csv" / "bt.csv")])
    assert r.exit_code == 0, r.output
    summary = pd.read_csv(tmp_path / "csv" / "bt" / "summary.csv")
    assert set(summary.strategy) == {"big", "universe_ew", "IWM"}


@pytest.mark.parametrize("args, message", [
    (["--from", "2020-08", "--to", "2020-01"], "not before --to"),
    (["--from", "2020-01", "--to", "2020-05", "--horizons", "1y"], "is not a horizon"),
    (["--from", "2020-01", "--to", "2020-05", "--factors", "roicc"], "did you mean 'roic'"),
    (["--from", "2020-01", "--to", "2020-05", "--delisting-return", "performance"],
     "REASON=RATE"),
    (["--from", "20x0", "--to", "2020-05"], "is not a date"),
    (["--from", "2020-01", "--to", "2020-05", "--provider", "fmp"], "reads the stored history"),
])
def test_bad_options_give_one_message_and_status_2(tmp_path, monkeypatch, args, message):
    monkeypatch.setenv("SCREENER_HISTORY_DIR", str(tmp_path / "empty"))
    screen = write_screen(tmp_path, MCAP_SCREEN, "big.yaml")
    r = CliRunner().invoke(cli, ["backtest", str(screen), *args])
    assert r.exit_code == 2
    assert message in r.output
    assert "Traceback" not in r.output


def test_loading_the_history_in_windows_changes_no_result(tmp_path):
    root = tmp_path / "h"
    _store(root)
    screen = write_screen(tmp_path, MCAP_SCREEN, "big.yaml")
    one, two = (run_backtest(BacktestConfig(screen=screen, start="2020-11", end="2021-01",
                                            store_path=root, horizons="1m", chunk_years=c))
                for c in (5, 1))  # 2020 and 2021 in one window, then in two
    for name in ("holdings", "periods", "factor_dates", "sample"):
        pd.testing.assert_frame_equal(one.tables[name], two.tables[name])
