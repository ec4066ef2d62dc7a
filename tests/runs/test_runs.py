"""Run history: recorded runs, diffs with a reason per name, track record from stored prices."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from screener.cli import cli
from screener.history import HistoryStore
from screener.history.prices import PricePanel
from screener.runs import RunLog, diff_runs
from screener.runs.record import RunRecord
from screener.runs.track import name_returns, track_runs

SCREEN = """
name: tiny
universes: [sample]
params:
  min_cap: 300M
eligibility:
  - market_cap >= min_cap
phases:
  cheap:
    title: Cheap
    filters:
      - pe <= 40
    rank_by: pe
    top: 5
"""


@pytest.fixture()
def screen(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(SCREEN)
    return path


def test_two_runs_are_recorded_and_the_diff_names_every_change_with_its_reason(screen):
    runner = CliRunner()
    first = runner.invoke(cli, ["run", str(screen), "--provider", "sample", "--force"])
    assert first.exit_code == 0, first.output
    assert "First recorded run" in first.output
    # a higher market-cap floor: small names leave, failing the eligibility rule
    second = runner.invoke(cli, ["run", str(screen), "--provider", "sample", "--force",
                                 "--set", "min_cap=2B", "--notify-changes"])
    assert second.exit_code == 3, second.output
    with RunLog.open() as log:
        runs = log.runs("tiny")
        assert len(runs) == 2
        old, new = log.load(runs.iloc[1]["run_id"]), log.load(runs.iloc[0]["run_id"])
    d = diff_runs(old, new)
    before, after = set(old.listed("cheap")["ticker"]), set(new.listed("cheap")["ticker"])
    assert set(d.table.query("change == 'left'")["ticker"]) == before - after
    assert set(d.table.query("change == 'entered'")["ticker"]) == after - before
    assert before != after
    for row in d.table.query("change == 'left'").itertuples():
        now = new.names.set_index(["phase", "ticker"]).loc[("cheap", row.ticker)]
        if now["status"] == "ineligible":
            assert row.reason == "fails eligibility rule 'market_cap >= min_cap'"
        else:
            assert row.reason.startswith("rank fell below top 5")
    for row in d.table.query("change == 'entered'").itertuples():
        assert row.reason.startswith("rank rose from")  # they were ranked below the top 5
    assert d.param_changes == {"min_cap": (300e6, 2e9)}
    out = runner.invoke(cli, ["diff", "--format", "json"])
    payload = json.loads(out.output)
    assert payload["changed"] is True
    assert {c["ticker"] for c in payload["changes"] if c["change"] == "left"} == before - after
    hist = runner.invoke(cli, ["history"])
    assert f"+{len(after - before)} -{len(before - after)}" in hist.output


def test_unchanged_rerun_does_not_notify_and_no_record_records_nothing(screen):
    runner = CliRunner()
    runner.invoke(cli, ["run", str(screen), "--provider", "sample", "--force"])
    again = runner.invoke(cli, ["run", str(screen), "--provider", "sample", "--force",
                                "--notify-changes"])
    assert again.exit_code == 0, again.output
    runner.invoke(cli, ["run", str(screen), "--provider", "sample", "--force", "--no-record"])
    with RunLog.open() as log:
        assert len(log.runs("tiny")) == 2
        assert log.prune(1) == 1
        assert len(log.runs("tiny")) == 1


def test_the_workbook_of_a_second_run_has_a_changes_sheet(screen, tmp_path):
    from openpyxl import load_workbook

    runner = CliRunner()
    runner.invoke(cli, ["run", str(screen), "--provider", "sample", "--force"])
    out = tmp_path / "second.xlsx"
    r = runner.invoke(cli, ["run", str(screen), "--provider", "sample", "--set", "min_cap=2B",
                            "--out", str(out)])
    assert r.exit_code == 0, r.output
    wb = load_workbook(out, read_only=True)
    assert "Changes" in wb.sheetnames and "Track record" in wb.sheetnames
    rows = list(wb["Changes"].iter_rows(values_only=True))
    header = next(i for i, row in enumerate(rows) if row and row[0] == "Phase")
    changes = [r for r in rows[header + 1:] if r and r[1] in ("entered", "left")]
    assert changes and all(r[8] for r in changes)  # every change carries its reason


def _record(names: dict[str, list[str]], universe: list[str], date: str, run_id: str):
    rows = []
    for phase, listed in names.items():
        for t in universe:
            rank = listed.index(t) + 1 if t in listed else np.nan
            rows.append((t, phase, "listed" if t in listed else "failed rule", rank, 1.0,
                         None, False, t, None))
    meta = {"run_id": run_id, "as_of": date, "run_at": date + "T10:00:00",
            "universes": {"russell2000": date}, "phases": [{"id": p} for p in names]}
    return RunRecord(meta, pd.DataFrame(rows, columns=["ticker", "phase", "status", "rank",
                                                       "score", "rule", "missing", "name",
                                                       "parts"]))


def test_track_equals_a_hand_computation_and_keeps_delisted_names():
    dates = pd.bdate_range("2026-01-05", periods=6)
    px = {"AAA1": [10, 11, 12, 13, 14, 15], "BBB2": [20, 19, 18, np.nan, np.nan, np.nan],
          "CCC3": [5, 5, 5, 5, 5, 6], "IWM": [100, 100, 101, 102, 103, 104]}
    rows = pd.DataFrame([{"ticker": t, "date": d, "close": p, "adj_close": p, "volume": 1.0}
                         for t, ps in px.items() for d, p in zip(dates, ps) if not np.isnan(p)])
    panel = PricePanel.from_long(rows)
    delist = pd.DataFrame({"ticker": ["BBB2"], "last_date": [dates[2]], "last_price": [18.0],
                           "reason": ["performance"]})
    rec = _record({"junk": ["AAA1", "BBB2"]}, ["AAA1", "BBB2", "CCC3"], "2026-01-05", "r1")
    # a price after the end date must not count
    table = track_runs([rec], panel, until=dates[4], delistings=delist)
    row = table.iloc[0]
    a = 14 / 11 - 1  # bought at the next close (Jan 6) after the run date, held to Jan 9
    b = (18 / 19) * (1 - 0.30) - 1  # stopped trading: last price, then -30%
    c = 5 / 5 - 1
    assert row["entry_date"] == dates[1] and row["end_date"] == dates[4]
    assert row["list_return"] == pytest.approx((a + b) / 2, abs=1e-12)
    assert row["universe_return"] == pytest.approx((a + b + c) / 3, abs=1e-12)
    assert row["etf_return"] == pytest.approx(103 / 100 - 1, abs=1e-12)
    assert row["hit_rate"] == pytest.approx(0.5)
    assert "1 name(s) stopped trading" in row["note"]


def test_track_cli_reads_stored_prices(screen):
    runner = CliRunner()
    r = runner.invoke(cli, ["run", str(screen), "--provider", "sample", "--force"])
    assert r.exit_code == 0
    with RunLog.open() as log:
        rec = log.load(log.runs("tiny").iloc[0]["run_id"])
    listed = list(rec.listed("cheap")["ticker"])
    start = rec.date
    days = pd.bdate_range(start + pd.Timedelta(days=1), periods=3)
    prices = pd.DataFrame([{"ticker": t, "date": d, "close": 10.0 + i, "adj_close": 10.0 + i}
                           for t in listed + ["IWM"] for i, d in enumerate(days)])
    HistoryStore().write("prices", prices)
    out = runner.invoke(cli, ["track", "--screen", "tiny"])
    assert out.exit_code == 0, out.output
    assert "+20.0%" in out.output  # 12 / 10 - 1 for every listed name


def test_track_without_prices_says_how_to_get_them(screen):
    runner = CliRunner()
    runner.invoke(cli, ["run", str(screen), "--provider", "sample", "--force"])
    out = runner.invoke(cli, ["track"])
    assert out.exit_code != 0
    assert "fetch --universe russell2000 --history" in out.output


def test_name_returns_uses_no_price_after_the_end():
    dates = pd.bdate_range("2026-03-02", periods=4)
    rows = pd.DataFrame({"ticker": "AAA1", "date": dates, "close": [1.0, 2.0, 4.0, 1000.0]})
    panel = PricePanel.from_long(rows)
    ret, _entry, end, _ = name_returns(panel, ["AAA1"], dates[0], dates[2])
    assert ret.iloc[0] == pytest.approx(1.0) and end == dates[2]


KILL = """
import os, sys
from click.testing import CliRunner
import screener.export.workbook as wb
def die(*a, **k):
    os._exit(9)
wb.build_workbook = die
from screener.cli import cli
CliRunner().invoke(cli, ["run", sys.argv[1], "--provider", "sample", "--force"])
"""


def test_kill_during_the_workbook_leaves_the_run_recorded_whole(screen):
    import os
    import subprocess
    import sys

    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.run([sys.executable, "-c", KILL, str(screen)], env=env)
    assert proc.returncode == 9
    with RunLog.open() as log:
        runs = log.runs("tiny")
        assert len(runs) == 1
        rec = log.load(runs.iloc[0]["run_id"])
    assert len(rec.listed("cheap")) == 5
    assert not list(
        __import__("pathlib").Path(os.environ["SCREENER_OUTPUT_DIR"]).glob("*.xlsx"))


def test_as_of_runs_are_compared_with_runs_as_of_the_same_date(screen):
    from screener.pipeline import run_screen
    from screener.runs.attach import record_and_attach

    live = run_screen(screen, provider="sample")
    record_and_attach(live)
    # an as-of run is recorded (for its track record) but never compared with a live run
    past = run_screen(screen, provider="sample")
    past.as_of = "2019-06-28"
    assert record_and_attach(past) is None and past.changes is None
    again = run_screen(screen, provider="sample", overrides={"min_cap": "2B"})
    again.as_of = "2019-06-28"
    d = record_and_attach(again)
    assert d is not None and d.before.run_id == past.run_id
    assert d.after.meta["screen_hash"] != d.before.meta["screen_hash"]  # --set is identity
