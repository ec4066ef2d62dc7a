"""The file provider's dated quarterly rows (``period`` + ``filed`` columns) -> history facts
-> TTM and MRQ as of a date; a restated row never replaces the first filing."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from screener.cli import cli
from screener.history import HistoryStore
from screener.history.asof import QuarterTable
from screener.providers.file import import_file

FIX = Path(__file__).resolve().parents[1] / "fixtures"
CSV, MAPPING = FIX / "files" / "quarterly_export.csv", FIX / "files" / "quarterly_mapping.yaml"


def test_dated_rows_become_facts_and_bad_dates_are_rejected():
    report = import_file(CSV, MAPPING)
    rej = report.rejected
    assert rej[["row", "ticker", "column"]].values.tolist() == [[8, "BRVO", "Filing Date"]]
    f = report.facts
    assert set(f["ticker"]) == {"ALPX"}
    q1 = f[(f["item"] == "revenue") & (f["period_end"] == "2026-03-31")]
    assert q1.set_index("filed")["value"].to_dict() == {
        pd.Timestamp("2026-05-06"): 120e6, pd.Timestamp("2026-07-15"): 125e6}
    assert f.loc[f["item"] == "total_assets", "period_start"].isna().all()


@pytest.mark.parametrize("as_of, revenue, net_income, assets", [
    ("2026-05-06", (100 + 110 + 130 + 120) * 1e6, (10 + 11 - 4 + 12) * 1e6, 960e6),
    ("2026-07-31", (100 + 110 + 130 + 120) * 1e6, (10 + 11 - 4 + 12) * 1e6, 960e6),  # not 125
    ("2026-08-04", (110 + 130 + 120 + 140) * 1e6, (11 - 4 + 12 + 14) * 1e6, 990e6),
])
def test_ttm_and_mrq_as_of(as_of, revenue, net_income, assets):
    row = QuarterTable.build(import_file(CSV, MAPPING).facts).statements(as_of).loc["ALPX"]
    row = row.iloc[-1]
    assert row["revenue"] == pytest.approx(revenue)
    assert row["net_income"] == pytest.approx(net_income)
    assert row["total_assets"] == assets


def test_fetch_from_file_writes_the_history_and_runs_use_it():
    res = CliRunner().invoke(cli, ["fetch", "--from-file", str(CSV), "--mapping", str(MAPPING)])
    assert res.exit_code == 2, res.output  # one rejected row
    assert "dated statement value(s) of 1 name(s) stored in the history" in res.output
    held = HistoryStore().read("facts", tickers=["ALPX"])
    assert len(held) == 6 * 4 and set(held["source"]) == {"file"}
    from screener import pipeline
    from screener.universe import import_file as import_holdings

    import_holdings("russell2000", FIX / "holdings" / "iwm_2026-06-12.csv")
    data = pipeline.load_dataset(["russell2000"], as_of=pd.Timestamp("2026-06-20").date())
    assert data.frame.loc["ALPX", "revenue_ttm"] == pytest.approx(460e6)
    latest = pipeline.load_dataset(["russell2000"])  # today: every filing known, first filed
    assert latest.frame.loc["ALPX", "revenue_ttm"] == pytest.approx(500e6)
    assert latest.provenance.loc["ALPX", "statements_basis"] == "ttm"
