"""SEC total debt from one decomposition per filing, checked against the filing's totals, and
maturity ladders read from one filing, through to the metrics an analyst reads.

Fixtures (fictional companies, companyfacts shape) for both tagging styles:
- ``debt_classic_lines``: noncurrent + current portion + a revolver outside LongTermDebt;
- ``debt_double_tagged``: the current portion inside LongTermDebt AND tagged again on the
  balance sheet as ShortTermBorrowings (LongTermDebt + ShortTermBorrowings would be +11%);
- ``debt_footnote_total``: only LongTermDebt and a borrowings line equal to the ladder's next
  twelve months (the line is the current portion, already inside the total).
"""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import pytest

from screener.metrics import build_standard_frame
from screener.providers.sec_debt import decompose
from screener.providers.sec_facts import parse_companyfacts
from screener.providers.sec_xbrl import Fact
from screener.raw.bundle import RawBundle, block_from_records

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "sec" / "real_shapes"
M = 1_000_000
AS_OF = date(2025, 6, 30)
NAMES = {"DBL": "debt_double_tagged", "CLS": "debt_classic_lines", "FNT": "debt_footnote_total"}


def parsed(ticker):
    return parse_companyfacts(ticker, json.loads((FIX / f"{NAMES[ticker]}.json").read_text()),
                              as_of=AS_OF)


def statements(ticker):
    return {r["fiscal_year"]: r for r in parsed(ticker)["statements"]}


@pytest.fixture(scope="module")
def std():
    recs = {t: parsed(t) for t in NAMES}
    blocks = {b: [dict(r, source="sec") for t in NAMES for r in recs[t][b]]
              for b in ("statements", "ladder")}
    bundle = RawBundle(
        identity=block_from_records("identity", [r for t in NAMES for r in recs[t]["identity"]]),
        statements=block_from_records("statements", blocks["statements"]),
        ladder=block_from_records("ladder", blocks["ladder"]))
    return build_standard_frame(bundle, as_of=AS_OF)


def test_double_tagged_current_portion_is_counted_once():
    st = statements("DBL")
    assert st[2024]["total_debt"] == 1000 * M      # not LongTermDebt + ShortTermBorrowings 1110
    assert st[2024]["long_term_debt"] == 890 * M and st[2024]["short_term_debt"] == 110 * M
    assert st[2023]["total_debt"] == 900 * M
    assert "agrees with LongTermDebt, DebtInstrumentCarryingAmount" in st[2024]["debt_note"]


def test_classic_lines_add_a_revolver_outside_long_term_debt():
    st = statements("CLS")
    assert st[2024]["total_debt"] == 525 * M       # 450 + 50 + revolver 25
    assert st[2023]["total_debt"] == 520 * M
    assert "LongTermDebtNoncurrent + current LongTermDebtCurrent + ShortTermBorrowings" \
        in st[2024]["debt_note"]


def test_borrowings_equal_to_the_ladders_next_year_are_the_current_portion():
    st = statements("FNT")
    assert st[2024]["total_debt"] == 300 * M       # not 330
    assert st[2024]["debt_note"].startswith("total debt = LongTermDebt (includes its current")


@pytest.mark.parametrize("ticker,tag", [("DBL", "LongTermDebt"), ("CLS", "LongTermDebt"),
                                        ("FNT", "LongTermDebt")])
def test_total_debt_within_one_percent_of_the_filings_total(ticker, tag):
    data = json.loads((FIX / f"{NAMES[ticker]}.json").read_text())
    reported = {e["end"]: e["val"] for e in data["facts"]["us-gaap"][tag]["units"]["USD"]}
    borrow = {e["end"]: e["val"] for e in data["facts"]["us-gaap"].get(
        "ShortTermBorrowings", {"units": {"USD": []}})["units"]["USD"]}
    for rec in statements(ticker).values():
        end = rec["period_end"]
        # LongTermDebt excludes borrowings outside it: the total is LTD + at most those
        assert reported[end] * 0.99 <= rec["total_debt"] <= (reported[end] + borrow.get(end, 0)) \
            * 1.01


def _get(values):
    def get(tag):
        v = values.get(tag)
        return None if v is None else Fact(tag, v * M, date(2024, 12, 31), None,
                                           date(2025, 3, 1), "10-K", 2024, "FY", "a")
    return get


def test_the_filings_combined_total_wins_and_a_miss_is_said():
    rec, note, _ = decompose(_get({"DebtLongtermAndShorttermCombinedAmount": 700,
                                   "DebtCurrent": 100, "LongTermDebtNoncurrent": 600}))
    assert rec["total_debt"] == 700 * M and rec["short_term_debt"] == 100 * M
    assert "the filing's total" in note
    rec, note, _ = decompose(_get({"LongTermDebtNoncurrent": 600, "DebtCurrent": 100,
                                   "DebtInstrumentCarryingAmount": 900}))
    assert rec["total_debt"] == 700 * M
    assert "does not match DebtInstrumentCarryingAmount (off 22.2%)" in note


def test_one_sided_debt_is_left_to_the_metrics_policy():
    rec, _, _ = decompose(_get({"DebtCurrent": 40}))
    assert rec == {"short_term_debt": 40 * M, "long_term_debt": None, "total_debt": None}
    assert decompose(_get({}))[0] == {}


def test_ladder_is_read_from_one_filing_and_divided_by_its_total_principal(std):
    f, p = std.frame, std.provenance
    ladder = parsed("DBL")["ladder"][0]
    # the 10-Q stops at fiscal year four: the 10-K's $500M year five is never borrowed
    assert ladder["as_of"] == "2025-03-31" and ladder["due_after_y5"] is None
    assert f.loc["DBL", "debt_due_24m"] == (230 + 200) * M
    assert f.loc["DBL", "debt_due_24m_share"] == pytest.approx(430 / 1010)
    assert math.isnan(f.loc["DBL", "debt_due_1_5y"])      # year five unknown
    assert p.loc["DBL", "ladder_note"] == ""              # a partial ladder below its total
    # a complete ladder 5.7% short of the filing's principal: used, and said
    assert f.loc["CLS", "debt_due_24m_share"] == pytest.approx(110 / 530)
    assert "maturity ladder does not add up" in p.loc["CLS", "ladder_note"]
    assert "-5.7%" in p.loc["CLS", "ladder_note"]


def test_leverage_metrics_from_the_consistent_total(std):
    f = std.frame
    assert f.loc["DBL", "total_debt"] == 1000 * M
    assert f.loc["DBL", "net_debt"] == 850 * M              # not 960 (+13%)
    assert f.loc["DBL", "debt_to_assets"] == pytest.approx(1000 / 2500)
    assert std.provenance.loc["DBL", "statements_fiscal_year"] == 2024


def test_a_total_that_misses_the_filings_totals_reaches_the_provenance():
    rec = {"ticker": "MISS", "fiscal_year": 2024, "period_end": "2024-12-31", "source": "sec",
           "total_debt": 700 * M, "total_assets": 1000 * M,
           "debt_note": "total debt = noncurrent LongTermDebtNoncurrent + current DebtCurrent; "
                        "does not match DebtInstrumentCarryingAmount (off 22.2%)"}
    bundle = RawBundle(identity=block_from_records("identity", [{"ticker": "MISS", "name": "M"}]),
                       statements=block_from_records("statements", [rec]))
    p = build_standard_frame(bundle, as_of=AS_OF).provenance
    assert "does not match DebtInstrumentCarryingAmount" in p.loc["MISS", "statements_note"]
