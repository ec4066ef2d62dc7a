"""The plain tables do not change when the way they are built changes (issue 17 item 3).

Two guards: the Data quality table of the hand-built run against rows written out by hand
(an independent expectation), and every csv table and the json file of that run pinned by
their bytes' sha256, taken from the code before the tables were built as whole columns. A
changed row, column, value or format fails here; if a change is meant, say so in the commit
and update the pin.
"""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from screener.export import frames, write_tables

PINNED = {
    "run": "20f042b47ec163c9",
    "summary": "b7f89d416d53a2ef",
    "phase-early": "32eb96413c0ba666",
    "phase-quality": "27e3846bea6d23cc",
    "phase-refi": "869111f91dbb5f69",
    "all_names": "9d4cd5f16ff20de7",
    "explain": "881e1d31048a02b9",
    "explain_names": "372376a4da878eb9",
    "attrition": "e548991afbfe83f4",
    "coverage": "1fa6b6540c1c320b",
    "data_quality": "20570b69beb9e7ae",
}
PINNED_JSON = "2f1bd998d94f1543"


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def test_every_csv_table_is_byte_identical_to_the_pinned_one(result, tmp_path):
    written = write_tables(result, tmp_path / "t.csv", "csv")
    assert {p.stem: _sha(p) for p in written} == PINNED


def test_the_json_file_is_byte_identical_to_the_pinned_one(result, tmp_path):
    (path,) = write_tables(result, tmp_path / "t.json", "json")
    assert _sha(path) == PINNED_JSON


def test_data_quality_rows_equal_the_hand_written_expectation(result):
    # plant a missing value for a name the provenance does not know: no source, no date
    result.missing = pd.concat([result.missing, pd.DataFrame(
        [{"ticker": "NOPE", "score": None, "metric": "roic"}])], ignore_index=True)
    dq = frames.data_quality(result)
    stmt, market = pd.Timestamp("2025-12-31"), pd.Timestamp("2026-05-05")
    name = dict(zip(result.eligible.index, result.eligible["name"], strict=True))
    expected = [
        ("SMPL29", name["SMPL29"], "fetch failed", "sec", "companyfacts",
         "HTTP 404: CIK not found", 1, None),
        ("GONE", None, "fetch failed", "yahoo", "estimates", "HTTP 429 after 5 attempts", 5,
         None),
        ("SMPL4", name["SMPL4"], "missing value", "sample", "statements",
         "no value for ROIC (needed by score quality)", None, stmt),
        ("SMPL7", name["SMPL7"], "missing value", "sample", "statements",
         "no value for Interest coverage (needed by score quality)", None, stmt),
        ("SMPL10", name["SMPL10"], "missing value", "sample", "market",
         "no value for Short interest % float (needed by score junk)", None, market),
        ("NOPE", None, "missing value", None, "statements", "no value for ROIC", None, None),
        ("SMPL7", name["SMPL7"], "assumption", "sample", "statements",
         "short-term debt not reported, taken as 0", None, stmt),
        ("SMPL10", name["SMPL10"], "check", None, "ladder",
         result.provenance.at["SMPL10", "ladder_note"], None, None),
    ]
    assert list(dq.columns) == ["ticker", "name", "issue", "source", "dataset", "detail",
                                "attempts", "as_of"]
    got = [tuple(None if pd.isna(v) else v for v in row)
           for row in dq.astype(object).itertuples(index=False)]
    got = [row[:7] + ((pd.Timestamp(row[7]) if row[7] is not None else None),)
           for row in got]
    assert got == expected


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\")", "+1-2", "@SUM(A1)", "-3"])
def test_a_formula_in_a_string_column_is_quoted_and_nothing_else(result, tmp_path, text):
    result.eligible["name"] = result.eligible["name"].astype("str")   # the vectorised path
    result.eligible.iloc[1, result.eligible.columns.get_loc("name")] = text
    names = frames.all_names(result)["name"].tolist()
    written = {p.stem: p for p in write_tables(result, tmp_path / "t.csv", "csv")}
    got = pd.read_csv(written["all_names"], dtype=str, keep_default_na=False)["name"].tolist()
    assert got[1] == "'" + text
    assert got == [("'" + n) if n[:1] in ("=", "+", "-", "@") else n for n in names]


def test_the_fast_json_text_equals_json_dumps_whatever_the_cells():
    import json

    from screener.export import jsontext
    from screener.export.tables import _records

    tricky = pd.DataFrame({
        "text": ['quote " and \\ back', "line\nbreak\ttab", "ünïcødé ✓ 名", "=1+2", None],
        "number": [1.5, float("nan"), -0.0, 1e300, 12345678901234567.0],
        "count": [1, 2, 3, 4, 5],
        "flag": [True, False, True, None, False],
        "when": pd.to_datetime(["2026-05-05", None, "2024-02-29T13:45:00", "1999-12-31T00:00:00",
                                "2000-01-01T00:00:00"], format="ISO8601"),
    })
    tables = {"tricky": tricky, "empty": pd.DataFrame({"a": []}),
              "no_columns": pd.DataFrame(index=range(2)), "one": tricky.head(1)}
    head = {"run": {"Screen": "rebound \"quoted\"", "Eligible names": "3"}, "is_sample": True}
    expected = json.dumps({**head, "tables": {n: _records(df) for n, df in tables.items()}},
                          ensure_ascii=False, indent=1)
    assert jsontext.document(head, tables, _records) == expected
    # a cell holding a list is written nested: the whole document takes json.dumps
    nested = {"nested": pd.DataFrame({"x": [[1, 2], [3]]}), **tables}
    expected = json.dumps({**head, "tables": {n: _records(df) for n, df in nested.items()}},
                          ensure_ascii=False, indent=1)
    assert jsontext.document(head, nested, _records) == expected
