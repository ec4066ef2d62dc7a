"""The workbook as an analyst opens it: sheets, headers, numbers, formats, warnings."""

from __future__ import annotations

import math

import openpyxl
import pandas as pd
import pytest
from export_fixtures import HOSTILE, LONG_TITLE, SCREEN_YAML, make_result

from screener.export import write_workbook
from screener.export.cells import USD_MILLIONS
from screener.export.frames import SAMPLE_BANNER
from screener.export.workbook import phase_sheet_names

FIXED = ["Summary", "All names", "Explain", "Charts", "Data quality", "Definitions"]


@pytest.fixture
def book(result, tmp_path):
    path = write_workbook(result, tmp_path / "run.xlsx")
    return openpyxl.load_workbook(path), result


def _header_row(ws, first="Rank"):
    for row in ws.iter_rows(min_row=1, max_row=10):
        if row[0].value == first:
            return row[0].row
    raise AssertionError(f"no header row starting with {first!r} on {ws.title}")


def _table(ws, header_row):
    rows = list(ws.iter_rows(min_row=header_row, values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def test_every_sheet_present_in_order_with_valid_phase_names(book):
    wb, result = book
    names = phase_sheet_names(result)
    assert wb.sheetnames == ["Summary", *names.values(), *FIXED[1:]]
    long_name = names["early"]
    assert len(long_name) <= 31 and not set("[]:*?/\\") & set(long_name)
    assert long_name.startswith("Early rebound")
    for title in wb.sheetnames:
        assert wb[title].max_row > 1, f"{title} is empty"


def test_phase_sheet_values_equal_the_result_table(book):
    wb, result = book
    for phase in result.phases:
        ws = wb[phase_sheet_names(result)[phase.id]]
        head = _header_row(ws)
        got = _table(ws, head)
        assert got["Ticker"].tolist() == phase.table["ticker"].tolist()
        assert got["Rank"].tolist() == phase.table["rank"].tolist()
        score = result.scores[phase.rank_by].label
        expected = phase.table[phase.rank_by].tolist()
        assert got[score].tolist() == pytest.approx(expected)
        # every metric of the phase's rules, in rule order, after the scores
        headers = list(got.columns)
        assert headers[:3] == ["Rank", "Ticker", "Name"]
        # then which fiscal year / period end each name's statements come from
        assert headers[len(phase.table.columns):] == ["Statements FY", "Statements period end",
                                                      "Statements stale"]
        fy = result.provenance["statements_fiscal_year"]
        assert got["Statements FY"].tolist() == fy.reindex(phase.table["ticker"]).tolist()
        for key in phase.metric_columns:
            col = phase.table.columns.get_loc(key)
            values = [ws.cell(row=head + 1 + i, column=col + 1).value
                      for i in range(len(phase.table))]
            for v, e in zip(values, phase.table[key], strict=True):
                assert (v is None and math.isnan(e)) or v == pytest.approx(e)


def test_frozen_header_and_identity_columns_and_autofilter(book):
    wb, result = book
    ws = wb[phase_sheet_names(result)["quality"]]
    head = _header_row(ws)
    assert ws.freeze_panes == f"D{head + 1}"
    assert ws.auto_filter.ref.startswith(f"A{head}:")
    assert wb["All names"].freeze_panes == "C2"
    assert wb["All names"]["A1"].value == "Ticker"


def test_sample_line_on_every_phase_sheet(book):
    wb, result = book
    for name in phase_sheet_names(result).values():
        assert wb[name]["A1"].value == SAMPLE_BANNER


def test_number_formats_follow_the_catalog_unit_and_numbers_are_numeric(book):
    wb, result = book
    ws = wb[phase_sheet_names(result)["quality"]]
    head = _header_row(ws)
    headers = {c.value: c.column for c in ws[head]}
    expect = {"Market cap": USD_MILLIONS, "ROIC": "0.0%", "Interest coverage": "0.00",
              "Quality score": "0.0", "Number of analysts": "#,##0",
              "EPS (TTM, diluted)": "#,##0.00", "Piotroski F-score": "0.0",
              "Positive EPS (S&P 600 test)": "0"}
    for header, unit_fmt in expect.items():
        for r in range(head + 1, ws.max_row + 1):
            fmt = unit_fmt
            cell = ws.cell(row=r, column=headers[header])
            if header == "Interest coverage" and cell.value == 999:
                fmt = '"no interest"'   # the cap, shown as its meaning (still a number)
            assert cell.number_format == fmt, header
            if cell.value is not None:
                assert cell.data_type == "n" and isinstance(cell.value, (int, float)), header


def test_usd_values_are_stored_in_dollars(book):
    wb, result = book
    ws = wb[phase_sheet_names(result)["quality"]]
    head = _header_row(ws)
    col = [c.value for c in ws[head]].index("Market cap") + 1
    first = result.phase("quality").table["market_cap"].iloc[0]
    assert ws.cell(row=head + 1, column=col).value == pytest.approx(first)
    assert first > 1e8   # dollars, not millions


def test_missing_values_are_empty_grey_cells_never_nan_text(tmp_path):
    result = make_result()
    path = write_workbook(result, tmp_path / "run.xlsx")
    ws = openpyxl.load_workbook(path)["All names"]
    col = [c.value for c in ws[1]].index("ROIC") + 1
    row = [c.value for c in ws["A"]].index("SMPL4") + 1
    cell = ws.cell(row=row, column=col)
    assert cell.value is None
    assert cell.fill.fgColor.rgb.endswith("E7E6E6")
    for row in ws.iter_rows(values_only=True):
        assert "NaN" not in [str(v) for v in row] and "nan" not in [str(v) for v in row]


def test_header_cells_carry_definitions_and_direction(book):
    wb, result = book
    ws = wb[phase_sheet_names(result)["quality"]]
    head = _header_row(ws)
    notes = {c.value: c.comment.text for c in ws[head] if c.comment}
    assert "EBIT / interest expense" in notes["Interest coverage"]
    assert "higher is better" in notes["Interest coverage"]
    assert "Grey cell = value missing" in notes["ROIC"]


def test_scores_get_a_colour_scale(book):
    wb, result = book
    ws = wb[phase_sheet_names(result)["early"]]
    rules = [(str(cf.sqref), r.type) for cf in ws.conditional_formatting for r in cf.rules]
    assert any(t == "colorScale" for _, t in rules)


def test_hostile_names_are_text_not_formulas(book):
    wb, _ = book
    ws = wb["All names"]
    cells = {c.value: c for c in ws["B"] if c.value in HOSTILE}
    assert set(cells) == set(HOSTILE)
    for text, cell in cells.items():
        assert cell.data_type == "s" and cell.value == text
        assert cell.quotePrefix


def test_all_names_has_every_name_score_metric_phase_rank_and_source(book):
    wb, result = book
    got = _table(wb["All names"], 1)
    assert got["Ticker"].tolist() == result.eligible.index.tolist()
    for label in ("Quality score", "Junk-rally score", "ROIC", "Beta", "Market cap"):
        assert label in got.columns
    ranks = got.set_index("Ticker")[f"Rank: {LONG_TITLE}"]
    early = result.phase("early").table
    assert ranks[early["ticker"].iloc[0]] == 1
    assert ranks.notna().sum() == len(early)
    assert "market source" in got.columns
    asof = wb["All names"].cell(row=2, column=list(got.columns).index("market as of") + 1)
    assert asof.is_date and asof.number_format == "yyyy-mm-dd"


def test_failed_ticker_is_flagged_with_the_reason(book):
    wb, _ = book
    ws = wb["All names"]
    cell = next(c for c in ws["A"] if c.value == "SMPL29")
    assert "HTTP 404" in cell.comment.text


def test_summary_identity_banner_warnings_phases_attrition_coverage(book):
    wb, result = book
    ws = wb["Summary"]
    text = [str(v) for row in ws.iter_rows(values_only=True) for v in row if v is not None]
    assert text[0] == SAMPLE_BANNER
    assert ws["A1"].fill.fgColor.rgb.endswith("C00000")
    joined = "\n".join(text)
    for needle in (result.screen_hash[:12], "russell2000 (as of 2026-05-05)", "sample",
                   "2025-12-31 to 2026-05-05", "screener 0.1.0", "Fetch failures", "stale",
                   "Attrition", "Coverage", "interest_coverage > 3", "Quality-led recovery"):
        assert needle in joined, needle
    # the attrition table: names left after each rule of the quality phase
    rows = list(ws.iter_rows(values_only=True))
    left = [r[2] for r in rows if r[0] == "Quality-led recovery" and r[1] in
            ("roic > 0.05", "interest_coverage > 3")]
    steps = result.phase("quality").attrition[-2:]
    assert left == [s.remaining for s in steps]
    # the phases table links each phase to its sheet
    link = next(c for c in ws["A"] if c.value == "Quality-led recovery" and c.hyperlink)
    assert "Quality-led recovery" in link.hyperlink.location


def test_real_data_has_no_banner(tmp_path):
    path = write_workbook(make_result(is_sample=False), tmp_path / "run.xlsx")
    wb = openpyxl.load_workbook(path)
    values = [v for ws in wb for row in ws.iter_rows(values_only=True) for v in row]
    assert SAMPLE_BANNER not in values


def test_explain_rows_per_listed_name(book):
    wb, result = book
    got = _table(wb["Explain"], 1)
    assert len(got) == len(result.explain)
    quality = got[got["Phase"] == "Quality-led recovery"]
    assert set(quality["Ticker"]) == set(result.phase("quality").table["ticker"])
    assert {"pass"} == set(got.loc[got["Kind"] == "rule", "Passed"])
    assert got.loc[got["Kind"] == "score", "Contribution"].notna().any()


def test_definitions_hold_the_verbatim_yaml_and_the_catalog(book):
    wb, _ = book
    ws = wb["Definitions"]
    lines = [c.value if c.value is not None else "" for c in ws["A"]]
    start = lines.index("# Rebound playbook (test copy)")
    yaml_lines = SCREEN_YAML.splitlines()
    assert lines[start:start + len(yaml_lines)] == yaml_lines
    assert "net_debt_to_ebitda" in lines and "Metric id" in lines


def test_data_quality_lists_failures_and_missing_with_reasons(book):
    wb, _ = book
    got = _table(wb["Data quality"], 1)
    failed = got[got["Issue"] == "fetch failed"]
    assert set(failed["Ticker"]) == {"SMPL29", "GONE"}
    assert "HTTP 429" in " ".join(failed["Reason / detail"])
    missing = got[got["Issue"] == "missing value"]
    assert ("SMPL4" in set(missing["Ticker"])) and missing["Source"].eq("sample").all()


def test_charts_sheet_has_sector_and_score_charts(book):
    wb, result = book
    ws = wb["Charts"]
    assert len(ws._charts) == 1 + len(result.phases)


def test_fiscal_year_stale_flag_and_notes_are_visible_for_every_name(book):
    wb, _ = book
    got = _table(wb["All names"], 1).set_index("Ticker")
    assert got["Statements FY"].notna().all()
    assert got.loc["SMPL9", "Statements FY"] == 2023 and got.loc["SMPL9", "Statements stale"] \
        == "yes"
    assert got.loc["SMPL1", "Statements stale"] == "no"
    assert got.loc["SMPL7", "Statements note"] == "short-term debt not reported, taken as 0"
    summary = [str(v) for row in wb["Summary"].iter_rows(values_only=True) for v in row if v]
    assert any("FY2025: " in v and "1 stale" in v and "FY2023: 1" in v for v in summary)


def test_data_quality_lists_assumptions_and_ladder_checks(book):
    wb, _ = book
    got = _table(wb["Data quality"], 1)
    assumed = got[got["Issue"] == "assumption"]
    assert assumed[["Ticker", "Dataset"]].values.tolist() == [["SMPL7", "statements"]]
    assert assumed["Reason / detail"].iloc[0] == "short-term debt not reported, taken as 0"
    check = got[got["Issue"] == "check"]
    assert check["Ticker"].tolist() == ["SMPL10"] and check["Dataset"].tolist() == ["ladder"]
    assert "does not add up" in check["Reason / detail"].iloc[0]


def test_capped_values_keep_their_number_but_show_their_meaning(book):
    wb, _ = book
    ws = wb["All names"]
    headers = [c.value for c in ws[1]]
    col = headers.index("Interest coverage") + 1
    cells = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=col)
             for r in range(2, ws.max_row + 1)}
    capped, plain = cells["SMPL19"], cells["SMPL1"]
    assert capped.value == 999 and capped.number_format == '"no interest"'  # sorts as 999
    assert plain.number_format == "0.00" and plain.value < 999
    assert "the cap" in ws.cell(row=1, column=col).comment.text
    ex = wb["Explain"]
    rows = [r for r in ex.iter_rows(min_row=2) if r[0].value == "SMPL19"
            and r[4].value in ("interest_coverage", "interest_coverage > x")]
    assert len(rows) == 2
    head = [c.value for c in ex[1]]
    value, note = head.index("Value"), head.index("Note")
    for r in rows:
        assert r[value].value == 999 and r[value].number_format == '"no interest"'
        assert "shown as 'no interest'" in r[note].value
