"""The SEC companyfacts parser on hand-written fixtures in the real wire format."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from screener.providers.sec_facts import annual_statements, maturity_ladder, parse_companyfacts

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "sec"
M = 1_000_000


def load(name):
    return json.loads((FIX / name).read_text())


def test_classic_ladder_is_read_at_the_latest_10k():
    rec, fails = maturity_ladder("ACME", load("classic.json"), as_of=date(2025, 3, 1))
    assert rec["as_of"] == "2024-12-31"
    assert [rec[k] for k in ("due_y1", "due_y2", "due_y3", "due_y4", "due_y5", "due_after_y5")] \
        == [100 * M, 200 * M, 0.0, 50 * M, 300 * M, 500 * M]
    assert "10-K for 2024-12-31 (filed 2025-02-20)" in rec["note"]
    assert fails == []  # 8-K value at a later date is ignored; not stale


def test_rolling_ladder_ignores_classic_tags_last_used_years_ago():
    rec, _ = maturity_ladder("ROLL", load("rolling.json"), as_of=date(2025, 9, 1))
    assert rec["as_of"] == "2025-06-30"
    assert rec["due_y1"] == 12 * M and rec["due_after_y5"] == 17 * M  # not 999 / 888 from 2018
    assert "rolling" in rec["note"]


def test_quarterly_remainder_ladder_is_read_from_its_own_filing_only():
    rec, _ = maturity_ladder("QTR", load("quarter.json"), as_of=date(2024, 12, 1))
    assert rec["as_of"] == "2024-09-30"
    # remainder rule: y1 = remainder (5) + fiscal year two (22); the 10-Q/A restated year three
    assert rec["due_y1"] == 27 * M
    assert rec["due_y2"] == 35 * M
    assert rec["due_y3"] == 44 * M
    # fiscal year five and after are not in the 10-Q: unknown, never borrowed from the 10-K
    # (whose "year five" is a different fiscal year from the 10-Q's), and said so
    assert rec["due_y4"] is None and rec["due_after_y5"] is None
    assert rec["due_y5"] is None
    note = rec["note"]
    assert "10-Q for 2024-09-30 (filed 2024-11-05)" in note
    assert "10-Q/A for 2024-09-30 (filed 2024-11-20)" in note
    assert "not reported: due_y4, due_after_y5 (the 10-Q's ladder stops there; not taken from " \
        "another filing)" in note and "10-K" not in note
    assert "remainder rule" in note


def test_company_without_ladder_tags_has_no_ladder_and_says_why():
    out = parse_companyfacts("NOLAD", load("noladder.json"), as_of=date(2025, 4, 1))
    assert out["ladder"] == []
    assert any(f["dataset"] == "ladder" and "no debt maturity tags" in f["reason"]
               for f in out["_failures"])
    assert out["statements"][0]["operating_income"] == -5 * M


def test_old_data_is_kept_but_flagged_stale():
    out = parse_companyfacts("OLD", load("stale.json"), as_of=date(2025, 6, 1))
    [ladder] = out["ladder"]
    assert ladder["as_of"] == "2019-12-31" and ladder["note"].startswith("STALE")
    reasons = [f["reason"] for f in out["_failures"]]
    assert any(r.startswith("stale: latest maturity ladder is at 2019-12-31") for r in reasons)
    assert any(r.startswith("stale: latest annual statements") for r in reasons)
    fresh = parse_companyfacts("OLD", load("stale.json"), as_of=date(2020, 6, 1))
    assert not [f for f in fresh["_failures"] if f["reason"].startswith("stale")]


def test_stale_limit_is_configurable():
    out = parse_companyfacts("ACME", load("classic.json"), as_of=date(2025, 3, 1),
                             stale_after_days=30)
    assert any(f["reason"].startswith("stale") for f in out["_failures"])


def by_year(records):
    return {r["fiscal_year"]: r for r in records}


def test_statements_use_one_period_per_year_and_never_carry_old_tags_forward():
    recs, _ = annual_statements("ACME", load("classic.json"), as_of=date(2025, 3, 1))
    years = by_year(recs)
    assert sorted(years) == [2022, 2023, 2024]
    y24, y23, y22 = years[2024], years[2023], years[2022]
    assert y24["period_end"] == "2024-12-31"
    assert y24["revenue"] == 1200 * M            # the Q3 10-Q duration is not an annual figure
    assert y23["revenue"] == 1150 * M            # restated in the later 10-K: later filing wins
    assert y24["interest_expense"] == 45 * M     # renamed tag (InterestExpenseNonoperating)
    assert y22["interest_expense"] == 30 * M     # old tag for the old year
    assert y24["cash"] == 120 * M                # at year end, not the 10-Q's 95
    assert "short_term_investments" not in y24   # last reported 2019: missing, not filled
    assert y24["long_term_debt"] == 1050 * M and y24["short_term_debt"] == 100 * M
    assert y24["total_debt"] == 1150 * M
    assert y23["long_term_debt"] == 1020 * M     # LongTermDebt - LongTermDebtCurrent at 2023
    assert y24["ebitda"] == 190 * M              # operating income + D&A
    assert "depreciation_amortization" not in y23
    assert y24["filed"] == "2025-02-20"


def test_june_fiscal_year_is_labelled_by_the_filing():
    recs, _ = annual_statements("ROLL", load("rolling.json"))
    years = by_year(recs)
    assert years[2025]["period_end"] == "2025-06-30" and years[2025]["revenue"] == 400 * M
    assert years[2024]["revenue"] == 380 * M
    assert years[2025]["total_debt"] == 87 * M   # LongTermDebtNoncurrent + DebtCurrent


def test_identity_and_all_blocks_from_one_document():
    out = parse_companyfacts("ACME", load("classic.json"), as_of=date(2025, 3, 1))
    assert out["identity"] == [{"ticker": "ACME", "name": "Acme Industrial Corp"}]
    assert len(out["ladder"]) == 1 and len(out["statements"]) == 3


def test_not_a_companyfacts_document_is_rejected():
    with pytest.raises(ValueError, match="companyfacts"):
        parse_companyfacts("X", {"hello": 1})


def test_malformed_entries_are_skipped_not_fatal():
    doc = load("classic.json")
    entries = doc["facts"]["us-gaap"]["Revenues"]["units"]["USD"]
    entries += [{"end": "bad", "val": 1}, {"val": "12", "end": "2024-12-31", "form": "10-K",
                                          "filed": "2025-01-01"}, "junk", None]
    recs, _ = annual_statements("ACME", doc)
    assert by_year(recs)[2024]["revenue"] == 1200 * M
