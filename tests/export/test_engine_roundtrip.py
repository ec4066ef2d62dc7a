"""The real engine on the fictional sample data, through the workbook: each phase sheet holds
exactly the tickers and scores of the engine's PhaseResult (numbers read back bit for bit)."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

rules = pytest.importorskip("screener.rules")
sample = pytest.importorskip("screener.providers.sample")
build = pytest.importorskip("screener.metrics.build")

from screener.export import write_workbook
from screener.export.workbook import phase_sheet_names
from screener.result import RunResult

SCREEN = Path(__file__).resolve().parents[2] / "screens" / "rebound.yaml"


@pytest.fixture(scope="module")
def engine_result() -> RunResult:
    if not SCREEN.exists():
        pytest.skip("screens/rebound.yaml not present")
    provider = sample.SampleProvider(n=400)
    sf = build.build_standard_frame(provider.fetch())
    plan = rules.compile_screen(str(SCREEN))
    ev = rules.evaluate(plan, sf.frame)
    text = SCREEN.read_text()
    failures = pd.DataFrame([f.__dict__ for f in sf.failures]) if sf.failures else \
        pd.DataFrame(columns=["ticker", "source", "dataset", "reason", "attempts"])
    return RunResult(
        screen_name="rebound", screen_path=str(SCREEN), screen_text=text,
        screen_hash=hashlib.sha256(text.encode()).hexdigest(),
        universes=["russell2000", "sp600"], universe_as_of={}, providers=["sample"],
        is_sample=True, run_at=datetime(2026, 11, 20, 9, 0), version="test",
        phases=ev.phases, eligible=ev.eligible, scores=ev.scores, eligibility=ev.eligibility,
        coverage=ev.coverage, failures=failures, missing=ev.missing, explain=ev.explain,
        provenance=sf.provenance, warnings=ev.warnings, data_as_of=(None, str(date.today())))


def test_phase_sheets_equal_the_engine_tables(engine_result, tmp_path):
    path = write_workbook(engine_result, tmp_path / "sample.xlsx")
    wb = openpyxl.load_workbook(path)
    sheets = phase_sheet_names(engine_result)
    for phase in engine_result.phases:
        ws = wb[sheets[phase.id]]
        head = next(c.row for c in ws["A"] if c.value == "Rank")
        headers = [c.value for c in ws[head]]
        rows = list(ws.iter_rows(min_row=head + 1, values_only=True))
        rows = [r for r in rows if r[0] is not None]
        assert [r[headers.index("Ticker")] for r in rows] == phase.table["ticker"].tolist()
        for j, key in enumerate(phase.table.columns):
            if key in phase.score_columns or key in phase.metric_columns:
                expected = phase.table[key].tolist()
                got = [r[j] for r in rows]
                for g, e in zip(got, expected, strict=True):
                    assert (g is None and pd.isna(e)) or g == e, (phase.id, key)
    assert len(wb["All names"]["A"]) == len(engine_result.eligible) + 1
