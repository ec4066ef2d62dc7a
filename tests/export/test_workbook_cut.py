"""A large run's workbook: above the limit, All names, Explain and Data quality hold their top
rows and say so; the whole tables are Parquet files beside the workbook, named after it;
``full`` writes every row (issue 17 item 4)."""

from __future__ import annotations

import math

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from screener.export import frames, write_tables
from screener.export import workbook as wbmod
from screener.export.workbook import write_workbook_files

SIDE = ["run-all_names.parquet", "run-explain_names.parquet", "run-data_quality.parquet"]


def _rows(ws, first_data_row):
    return [r for r in ws.iter_rows(min_row=first_data_row, values_only=True) if r[0]]


def _expected_top(result, top):
    """The names the cut keeps, worked out by hand: listed names by best rank, then the other
    eligible names by the first phase's score (its direction), then the rest."""
    table = frames.all_names(result)
    best = {}
    for p in result.phases:
        for t, r in zip(p.table["ticker"], p.table["rank"], strict=True):
            best[t] = min(best.get(t, math.inf), r)
    first = result.phases[0]
    sign = 1 if first.ascending else -1

    def key(item):
        pos, (t, eligible, score) = item
        score = sign * score if not pd.isna(score) else math.inf
        if t in best:     # equal best ranks (in different phases): by the first phase's score
            return (0, best[t], score, pos)
        if eligible == "yes":
            return (1, 0, score, pos)
        return (2, 0, score, pos)
    rows = list(enumerate(zip(table["ticker"], table["eligible"], table[first.rank_by],
                              strict=True)))
    return [t for _, (t, _, _) in sorted(rows, key=key)[:top]]


def test_under_the_limit_every_row_and_no_file_beside(result, tmp_path):
    paths = write_workbook_files(result, tmp_path / "run.xlsx", limit=34)
    assert paths == [tmp_path / "run.xlsx"]
    wb = openpyxl.load_workbook(paths[0])
    assert len(_rows(wb["All names"], 2)) == 34
    assert len(_rows(wb["Explain"], 5)) == 34
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.xlsx"]


def test_above_the_limit_top_rows_on_the_sheets_and_every_row_beside(result, tmp_path):
    paths = write_workbook_files(result, tmp_path / "run.xlsx", limit=20)
    assert [p.name for p in paths] == ["run.xlsx", *SIDE]
    # the files beside hold every row: the same bytes --format parquet writes
    full = {p.stem: p for p in write_tables(result, tmp_path / "tables.parquet", "parquet")}
    for side in paths[1:]:
        table = side.stem.removeprefix("run-")
        assert side.read_bytes() == full[table].read_bytes(), table
    assert len(pd.read_parquet(paths[1])) == 34

    wb = openpyxl.load_workbook(paths[0])
    ws = wb["All names"]
    note = ws["A1"].value
    assert "top 20 of 34 rows" in note and "run-all_names.parquet" in note
    assert "--full" in note and "SCREENER_WORKBOOK_LIMIT" in note
    assert ws["A2"].value == "Ticker" and ws.freeze_panes == "C3"
    expected = _expected_top(result, 20)
    assert [r[0] for r in _rows(ws, 3)] == expected
    listed = {t for p in result.phases for t in p.table["ticker"]}
    assert listed <= set(expected)          # every listed name made the cut

    ex = wb["Explain"]
    assert "run-explain_names.parquet" in ex["A2"].value
    assert [r[0] for r in _rows(ex, 5)] == expected
    # every ticker link (phase sheets, All names) lands on the Explain row of that ticker
    links = 0
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                link = cell.hyperlink.location if cell.hyperlink is not None else None
                if link and link.startswith("'Explain'!"):
                    target = cell.hyperlink.location.split("!")[1]
                    assert ex[target].value == cell.value, (sheet.title, cell.coordinate)
                    links += 1
    assert links > 40

    dq = wb["Data quality"]
    assert "top 7 of 7 rows" in dq["A1"].value and "run-data_quality.parquet" in dq["A1"].value
    issues = [r[2] for r in _rows(dq, 3)]
    assert issues == ["fetch failed", "fetch failed", "check", "assumption",
                      "missing value", "missing value", "missing value"]


def test_the_kept_rows_hold_the_same_values_as_the_full_workbook(result, tmp_path):
    cut = openpyxl.load_workbook(write_workbook_files(result, tmp_path / "a.xlsx", limit=20)[0])
    full = openpyxl.load_workbook(write_workbook_files(result, tmp_path / "b.xlsx", limit=20,
                                                       full=True)[0])
    for sheet, cut_first, full_first in (("All names", 3, 2), ("Explain", 5, 5)):
        every = {r[0]: r for r in _rows(full[sheet], full_first)}
        kept = _rows(cut[sheet], cut_first)
        assert len(kept) == 20 and len(every) == 34
        for row in kept:
            assert row == every[row[0]], (sheet, row[0])


def test_full_writes_every_row_whatever_the_size(result, tmp_path):
    paths = write_workbook_files(result, tmp_path / "run.xlsx", limit=5, full=True)
    assert paths == [tmp_path / "run.xlsx"]
    wb = openpyxl.load_workbook(paths[0])
    assert wb["All names"]["A1"].value == "Ticker"
    assert len(_rows(wb["All names"], 2)) == 34
    assert len(_rows(wb["Data quality"], 2)) == 7


def test_a_workbook_that_fails_leaves_no_file_beside(result, tmp_path, monkeypatch):
    def broken(wb, fh):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(wbmod, "_save", broken)
    with pytest.raises(Exception, match="disk is full"):
        write_workbook_files(result, tmp_path / "run.xlsx", limit=20)
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith(".")] == []


@pytest.mark.slow
def test_demo_above_the_limit_names_the_files_and_full_writes_all(tmp_path, monkeypatch):
    from screener.cli import cli

    monkeypatch.setenv("SCREENER_WORKBOOK_LIMIT", "200")
    out = tmp_path / "d.xlsx"
    res = CliRunner().invoke(cli, ["demo", "--names", "400", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "and d-all_names.parquet (every row)" in res.output
    names = len(pd.read_parquet(tmp_path / "d-all_names.parquet"))
    ws = openpyxl.load_workbook(out, read_only=True)["All names"]
    assert f"top 200 of {names:,} rows" in next(ws.iter_rows(values_only=True))[0]
    res = CliRunner().invoke(cli, ["demo", "--names", "400", "--out", str(tmp_path / "f.xlsx"),
                                   "--full"])
    assert res.exit_code == 0, res.output
    assert not (tmp_path / "f-all_names.parquet").exists()
    rows = sum(1 for _ in openpyxl.load_workbook(tmp_path / "f.xlsx", read_only=True)[
        "All names"].iter_rows()) - 1
    assert rows == names


def test_a_failed_workbook_leaves_the_previous_runs_files_as_they_were(result, tmp_path,
                                                                       monkeypatch):
    write_workbook_files(result, tmp_path / "run.xlsx", limit=20)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def broken(wb, fh):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(wbmod, "_save", broken)
    with pytest.raises(Exception, match="disk is full"):
        write_workbook_files(result, tmp_path / "run.xlsx", limit=10)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_a_locked_workbook_keeps_its_files_and_the_new_one_names_its_own(result, tmp_path,
                                                                         monkeypatch):
    import os
    from pathlib import Path

    from screener.export import TargetLockedError

    write_workbook_files(result, tmp_path / "run.xlsx", limit=20)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    real_replace = os.replace

    def replace(src, dst):  # run.xlsx is open in Excel (Windows refuses to replace it)
        if Path(dst) == tmp_path / "run.xlsx":
            raise PermissionError(13, "The process cannot access the file", str(src))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(TargetLockedError) as err:
        write_workbook_files(result, tmp_path / "run.xlsx", limit=10)
    written = err.value.written
    stem = written.stem
    assert stem.startswith("run-")
    for name, data in before.items():  # the open workbook still matches its files
        assert (tmp_path / name).read_bytes() == data, name
    note = openpyxl.load_workbook(written)["All names"]["A1"].value
    assert "top 10 of 34 rows" in note and f"{stem}-all_names.parquet" in note
    assert len(pd.read_parquet(tmp_path / f"{stem}-all_names.parquet")) == 34
    assert [p.name for p in err.value.also] == [f"{stem}-{s[4:]}" for s in SIDE]
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == sorted(
        [*before, written.name, *(f"{stem}-{s[4:]}" for s in SIDE)])
