"""`screener regime`, `screener macro fetch` and the workbook's Regime sheet, end to end."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
from click.testing import CliRunner

from screener.cli import cli
from screener.devtools.mockhttp import MockServer
from screener.history.store import HistoryStore
from tests.regime import world

FIX = Path(__file__).parents[1] / "fixtures" / "fred"


def test_regime_command_prints_panel_verdict_and_flip(tmp_path):
    world.build(tmp_path)
    screen = world.screen(tmp_path)
    res = CliRunner().invoke(cli, ["regime", "--screen", str(screen), "--as-of", "2024-06-28",
                                   "--history-dir", str(tmp_path / "history")])
    assert res.exit_code == 0, res.output
    out = res.output
    assert "Regime panel as of 2024-06-28" in out
    assert "spreads_falling" in out and "2024-06-27" in out
    assert "Verdict: Early junk rally  -> list: early_rebound" in out
    assert "What would flip it: High-yield option-adjusted spread (change 3m) moving above 0" \
        in out and "1.6 sd) would make it Defensive" in out   # nearer than growth (7.1 sd)
    assert "Verdict history (month ends" in out


def test_regime_command_writes_the_panel_and_every_history_date(tmp_path):
    world.build(tmp_path)
    res = CliRunner().invoke(cli, ["regime", "--screen", str(world.screen(tmp_path)),
                                   "--as-of", "2024-06-28", "--spells", "0", "--out",
                                   str(tmp_path / "out"), "--history-dir",
                                   str(tmp_path / "history")])
    assert res.exit_code == 0, res.output
    panel = pd.read_csv(tmp_path / "out" / "regime_panel.csv")
    hist = pd.read_csv(tmp_path / "out" / "regime_history.csv")
    assert list(panel["indicator"]) == ["spreads_falling", "growth", "refi_cost"]
    assert panel.loc[1, "value"] == -0.5 and panel.loc[1, "vote"] == -1
    assert len(hist) == 241 and hist["verdict"].iloc[-1] == "Early junk rally"
    assert "2014-06-30 .. 2014-12-31" in res.output   # --spells 0 prints every spell


def test_regime_without_data_exits_1_and_says_what_to_do(tmp_path):
    screen = world.screen(tmp_path)
    res = CliRunner().invoke(cli, ["regime", "--screen", str(screen), "--no-history",
                                   "--history-dir", str(tmp_path / "empty")])
    assert res.exit_code == 1
    assert "screener macro fetch" in res.output


def test_regime_on_a_screen_without_a_section_is_a_usage_error(tmp_path):
    p = tmp_path / "plain.yaml"
    p.write_text("universes: [russell2000]\nphases:\n  a: {title: A, rank_by: market_cap}\n")
    res = CliRunner().invoke(cli, ["regime", "--screen", str(p)])
    assert res.exit_code == 2 and "has no regime: section" in res.output


def test_macro_fetch_cli_is_incremental(tmp_path, monkeypatch):
    monkeypatch.delenv("FRED_API_KEY", raising=False)
    hist = tmp_path / "h"
    with MockServer() as srv:
        srv.route("/graph/fredgraph.csv", body=(FIX / "T10Y2Y.csv").read_bytes())
        monkeypatch.setenv("SCREENER_FRED_BASE_URL", srv.url)
        args = ["macro", "fetch", "--series", "t10y2y", "--history-dir", str(hist)]
        first = CliRunner().invoke(cli, args)
        second = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert "4 row(s) written" in first.output and "1 request(s)" in first.output
    assert "0 row(s) written" in second.output
    rows = HistoryStore(hist).read("macro")
    assert len(rows) == 4 and set(rows["source"]) == {"fred"}


def test_macro_fetch_of_an_unknown_series(tmp_path):
    res = CliRunner().invoke(cli, ["macro", "fetch", "--series", "T10Y2", "--history-dir",
                                   str(tmp_path)])
    assert res.exit_code == 2 and "did you mean 'T10Y2Y'" in res.output


def test_macro_fetch_with_nothing_fetched_exits_1(tmp_path, monkeypatch):
    monkeypatch.delenv("FRED_API_KEY", raising=False)
    with MockServer() as srv:
        srv.route("/graph/fredgraph.csv", status=404, body=b"<html>no</html>")
        monkeypatch.setenv("SCREENER_FRED_BASE_URL", srv.url)
        res = CliRunner().invoke(cli, ["macro", "fetch", "--series", "DFF", "--history-dir",
                                       str(tmp_path)])
    assert res.exit_code == 1 and "nothing was fetched" in res.output


def test_run_workbook_shows_the_verdict_and_marks_its_phase(tmp_path, monkeypatch):
    """A run with the regime read from the history store: the Summary's first lines name the
    verdict and its list, the phase row is marked, the Regime sheet holds panel and charts."""
    world.build(tmp_path)
    monkeypatch.setenv("SCREENER_HISTORY_DIR", str(tmp_path / "history"))
    base = (Path(__file__).parents[2] / "screens" / "rebound.yaml").read_text()
    head, _, _ = base.partition("\nregime:")
    section = world.SCREEN.split("\nregime:", 1)[1]
    section = (section.replace("phase: refinancing_risk", "phase: refinancing_risk")
               .replace("junk: {title: Early junk rally, phase: early_rebound}",
                        "junk: {title: Early junk rally, phase: early_rebound}"))
    screen = tmp_path / "s.yaml"
    screen.write_text(head + "\nregime:" + section)
    from screener.export import write_workbook
    from screener.pipeline import run_screen
    from screener.regime.config import load_regime
    from screener.regime.for_run import regime_for_run

    result = run_screen(screen, provider="sample", n=300, regime=False)
    run, note = regime_for_run(load_regime(screen), ["russell2000"], None,
                               pd.Timestamp("2024-06-28").date())
    assert note is None and run.panel.verdict == "junk"
    result.regime = run
    path = write_workbook(result, tmp_path / "out.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:2] == ["Summary", "Regime"]
    summary = [c for row in wb["Summary"].iter_rows(max_row=8, values_only=True)
               for c in row if c]
    assert any(str(c).startswith("Regime (2024-06-28): Early junk rally") and
               "Early rebound (junk rally)" in str(c) for c in summary)
    titles = [r[0] for r in wb["Summary"].iter_rows(values_only=True) if r and r[0]]
    assert "▶ Early rebound (junk rally) (regime)" in titles
    reg = wb["Regime"]
    cells = [c for row in reg.iter_rows(values_only=True) for c in row if c is not None]
    assert "Early junk rally" in cells and "spreads_falling" in cells
    assert len(reg._charts) == 2 + 3      # IWM/SPY ratio, verdict band, one per indicator
    head = next(i for i, r in enumerate(reg.iter_rows(values_only=True), 1)
                if r[0] == "Date")
    rows = list(reg.iter_rows(min_row=head, values_only=True))
    hdr = list(rows[0])
    last = dict(zip(hdr, rows[-1]))
    assert last["Early junk rally"] == 1 and last["Defensive"] is None
    assert abs(last["IWM / SPY"] - 0.4) < 1e-3
    assert last["spreads_falling threshold"] == 0


def test_run_skips_the_regime_until_our_series_are_computed(tmp_path, monkeypatch):
    """The first computation of breadth reads every stored price: `run` leaves it to
    `screener regime` and says so instead of giving a verdict on half the evidence."""
    from screener.regime.config import load_regime
    from screener.regime.for_run import regime_for_run

    store_dir = tmp_path / "history"
    st = world.build(tmp_path)
    days = pd.bdate_range("2024-01-01", "2024-06-28")
    st.write("prices", pd.DataFrame({"ticker": "AAA", "date": days, "close": 1.0,
                                     "adj_close": 1.0, "volume": 1.0, "source": "test"}))
    rebound = Path(__file__).parents[2] / "screens" / "rebound.yaml"
    monkeypatch.setenv("SCREENER_HISTORY_DIR", str(store_dir))
    run, note = regime_for_run(load_regime(rebound), ["russell2000"], None,
                               pd.Timestamp("2024-06-28").date())
    assert run is None and "run `screener regime` once" in note
