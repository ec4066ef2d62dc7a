"""CSV / Parquet / JSON: the same tables as the workbook, readable by pandas."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from export_fixtures import HOSTILE

from screener.export import write_tables
from screener.export.cells import looks_like_formula

TABLES = {"run", "summary", "phase-early", "phase-quality", "phase-refi", "all_names",
          "explain", "explain_names", "attrition", "coverage", "data_quality"}


def test_csv_folder_one_file_per_table_equal_to_the_phase_tables(result, tmp_path):
    files = write_tables(result, tmp_path / "run.csv", "csv")
    assert {f.stem for f in files} == TABLES
    assert all(f.parent == tmp_path / "run" for f in files)
    for phase in result.phases:
        got = pd.read_csv(tmp_path / "run" / f"phase-{phase.id}.csv")
        assert got["ticker"].tolist() == phase.table["ticker"].tolist()
        for col in phase.score_columns + phase.metric_columns:
            assert got[col].tolist() == pytest.approx(phase.table[col].tolist(), nan_ok=True)
    assert [p.name for p in tmp_path.iterdir()] == ["run"]   # no temp files left


def test_csv_text_cannot_run_as_a_formula(result, tmp_path):
    write_tables(result, tmp_path / "run.csv", "csv")
    names = pd.read_csv(tmp_path / "run" / "all_names.csv")["name"].tolist()
    for hostile in HOSTILE:
        assert "'" + hostile in names
    assert not any(looks_like_formula(n) for n in names)
    # numbers are never prefixed (negative drawdowns stay numbers)
    drawdowns = pd.read_csv(tmp_path / "run" / "all_names.csv")["drawdown_52w"]
    assert pd.api.types.is_float_dtype(drawdowns) and (drawdowns < 0).all()


def test_parquet_keeps_types_and_values(result, tmp_path):
    files = write_tables(result, tmp_path / "run.parquet", "parquet")
    assert {f.stem for f in files} == TABLES
    got = pd.read_parquet(tmp_path / "run" / "phase-quality.parquet")
    table = result.phase("quality").table.reset_index(drop=True)
    pd.testing.assert_frame_equal(got[list(table.columns)], table, check_dtype=False)
    # each listed name says which fiscal year its statements come from
    fy = result.provenance["statements_fiscal_year"]
    assert got["statements_fiscal_year"].tolist() == fy.reindex(got["ticker"]).tolist()
    names = pd.read_parquet(tmp_path / "run" / "all_names.parquet")["name"].tolist()
    assert set(HOSTILE) <= set(names)   # parquet is not a spreadsheet: text unchanged


def test_json_has_run_identity_and_every_table(result, tmp_path):
    (path,) = write_tables(result, tmp_path / "run.json", "json")
    doc = json.loads(path.read_text())
    assert doc["is_sample"] is True
    assert doc["run"]["Screen hash (sha256)"] == result.screen_hash[:12]
    assert set(doc["tables"]) == TABLES - {"run"}
    table = pd.DataFrame(doc["tables"]["phase-early"])
    assert table["ticker"].tolist() == result.phase("early").table["ticker"].tolist()
    rows = doc["tables"]["all_names"]
    smpl4 = next(r for r in rows if r["ticker"] == "SMPL4")
    assert smpl4["roic"] is None   # missing is null, never NaN


def test_explain_names_table_says_why_each_name_is_missing(result, tmp_path):
    write_tables(result, tmp_path / "run.csv", "csv")
    why = pd.read_csv(tmp_path / "run" / "explain_names.csv").set_index("ticker")
    assert len(why) == len(result.eligible) + 4
    assert why.loc["THIN1", "failed_rule"] == "adv_3m >= 1e6"
    assert why.loc["THIN1", "eligibility: adv_3m >= 1e6"] == "FAIL"
    assert why.loc["THIN1", "quality: status"] == "not eligible"
    first = result.phase("quality").table["ticker"].iloc[0]
    assert why.loc[first, "quality: status"] == "listed #1"
    assert why.loc[first, "quality: roic > 0.05"] == "PASS"
