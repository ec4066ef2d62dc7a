"""`screener demo` end to end through the CLI: the workbook a new user opens first."""

from __future__ import annotations

import openpyxl
import pytest
from click.testing import CliRunner

from screener.cli import cli
from screener.pipeline import SAMPLE, run_screen
from screener.settings import screens_dir

PHASES = ["early_rebound", "quality_recovery", "defensive", "refinancing_risk"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "demo.xlsx"
    result = CliRunner().invoke(cli, ["demo", "--out", str(out)])
    return result, out


def _phase_tickers(ws) -> list[str]:
    rows = list(ws.iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r and r[0] == "Rank")
    col = rows[header].index("Ticker")
    return [r[col] for r in rows[header + 1:] if r and r[col]]


def test_demo_prints_a_summary_per_phase_and_says_it_is_fictional(demo):
    result, out = demo
    assert result.exit_code == 0, result.output
    assert "FICTIONAL SAMPLE DATA" in result.output
    for phase in PHASES:
        assert f"({phase}):" in result.output
    assert f"Wrote {out}" in result.output
    assert out.exists()


def test_each_phase_sheet_lists_exactly_the_engines_names(demo):
    _, out = demo
    expected = run_screen(screens_dir() / "rebound.yaml", provider=SAMPLE)
    wb = openpyxl.load_workbook(out, read_only=True)
    assert "FICTIONAL" in str(wb["Summary"]["A1"].value).upper()
    sheets = {ws.title: ws for ws in wb.worksheets}
    for phase in expected.phases:
        sheet = next(s for name, s in sheets.items() if phase.title.startswith(name))
        tickers = _phase_tickers(sheet)
        assert tickers == list(phase.table["ticker"]), phase.id
        assert 10 <= len(tickers) <= 50


def test_same_seed_same_workbook_values(tmp_path):
    values = []
    for i in range(2):
        out = tmp_path / f"run{i}.xlsx"
        result = CliRunner().invoke(cli, ["demo", "--out", str(out), "--names", "600"])
        assert result.exit_code == 0, result.output
        wb = openpyxl.load_workbook(out, read_only=True)
        values.append({ws.title: [r for r in ws.iter_rows(values_only=True)]
                       for ws in wb.worksheets if ws.title not in ("Summary", "Definitions")})
    assert values[0] == values[1]


def test_a_different_seed_gives_a_different_universe(tmp_path):
    a = run_screen(screens_dir() / "rebound.yaml", provider=SAMPLE, seed=1, n=600)
    b = run_screen(screens_dir() / "rebound.yaml", provider=SAMPLE, seed=2, n=600)
    assert list(a.eligible.index) != list(b.eligible.index)
