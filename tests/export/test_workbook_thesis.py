"""The rebound-thesis metrics in the workbook a sample run writes: a Definitions row each, a
column note with the formula on the phase sheets that use them, the runway cap shown as
'cash-generating' while the cell keeps 999, and the missing-rates note on Data quality."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from screener.export import write_workbook
from screener.export.workbook import phase_sheet_names
from screener.metrics import build_standard_frame
from screener.pipeline import run_screen
from screener.raw.bundle import RawBundle, block_from_records, failures_frame

pytestmark = pytest.mark.slow

PLAYBOOK = Path(__file__).resolve().parents[2] / "screens" / "rebound.yaml"
NEW = ["burn_rate", "cash_runway_months", "cost_of_debt", "cost_of_debt_spread",
       "floating_rate_share", "rate_cut_benefit_100bp", "refi_wall_rate_shock",
       "net_debt_to_ebitda_vs_sector", "net_debt_to_ebitda_above_sector",
       "analyst_coverage_band", "estimate_dispersion"]


def _no_rates_failures() -> pd.DataFrame:
    """The Data quality rows the metrics stage leaves when no rates are stored."""
    bundle = RawBundle(
        identity=block_from_records("identity", [{"ticker": "ABC", "name": "Abc"}]),
        statements=block_from_records("statements", [
            {"ticker": "ABC", "fiscal_year": 2024, "period_end": "2024-12-31", "source": "t",
             "total_debt": 100e6, "interest_expense": 7e6}]))
    sf = build_standard_frame(bundle, as_of=dt.date(2025, 6, 30))
    return failures_frame([f for f in sf.failures if f.dataset == "macro"])


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    result = run_screen(PLAYBOOK, provider="sample")
    result = replace(result, failures=pd.concat([result.failures, _no_rates_failures()],
                                                ignore_index=True))
    path = write_workbook(result, tmp_path_factory.mktemp("wb") / "run.xlsx")
    return result, load_workbook(path)


def test_every_new_metric_has_a_definitions_row(run):
    _, wb = run
    ids = {row[0] for row in wb["Definitions"].iter_rows(values_only=True) if row and row[0]}
    assert set(NEW) <= ids


def test_runway_column_has_its_note_and_shows_the_cap_as_its_meaning(run):
    result, wb = run
    ws = wb[phase_sheet_names(result)["early_rebound"]]
    head = None
    for row in ws.iter_rows(min_row=1, max_row=12):
        labels = [c.value for c in row]
        if "Cash runway (months)" in labels:
            head, col = row[0].row, labels.index("Cash runway (months)") + 1
            break
    assert head is not None, "the early-rebound sheet shows the runway its rule uses"
    note = ws.cell(row=head, column=col).comment.text
    assert "(-FCF / 12)" in note and "cash-generating" in note
    cells = [ws.cell(row=r, column=col) for r in range(head + 1, ws.max_row + 1)
             if isinstance(ws.cell(row=r, column=col).value, (int, float))]
    capped = [c for c in cells if c.value == 999]
    assert capped and all(c.number_format == '"cash-generating"' for c in capped)
    assert all(c.value >= 18 for c in cells)


def test_missing_rates_are_said_on_data_quality(run):
    _, wb = run
    rows = [r for r in wb["Data quality"].iter_rows(values_only=True)
            if r and r[0] == "(all names)"]
    assert len(rows) == 1 and rows[0][4] == "macro"
    assert "DGS10" in rows[0][5] and "cost_of_debt_spread" in rows[0][5]
