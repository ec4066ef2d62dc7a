"""FMP /stable JSON -> raw records: aliases, signs, annual rows only, estimates snapshot."""

import json
from datetime import date
from pathlib import Path

import pytest

from screener.errors import PermanentFetchError
from screener.providers import fmp
from screener.raw.bundle import block_from_records
from screener.raw.schema import EstimateRecord, IdentityRecord, MarketRecord, StatementRecord

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "fmp"


def fixture_json(name):
    return json.loads((FIX / name).read_text())


def statements_doc():
    return {e: fixture_json(f"{e}_ABCD.json") for e in fmp.STATEMENT_ENDPOINTS}


def test_statements_merge_three_endpoints_per_fiscal_year():
    recs = fmp.parse_statements("ABCD", statements_doc())
    assert [r["fiscal_year"] for r in recs] == [2024, 2025]
    r = recs[1]
    StatementRecord(**r)
    assert r["period_end"] == date(2025, 12, 31)
    assert r["revenue"] == 800e6 and r["gross_profit"] == 280e6
    assert r["operating_income"] == 90e6 and r["ebitda"] == 138e6
    assert r["interest_expense"] == 25e6 and r["net_income"] == 51e6
    assert r["eps_diluted"] == 1.0 and r["shares_diluted"] == 51e6
    assert r["cash"] == 60e6 and r["total_debt"] == 360e6 and r["total_equity"] == 340e6
    assert r["operating_cash_flow"] == 101e6 and r["free_cash_flow"] == 59e6
    assert r["capital_expenditure"] == 42e6  # FMP's -42M flipped to the positive amount spent


def test_legacy_lowercase_epsdiluted_alias():
    recs = fmp.parse_statements("ABCD", statements_doc())
    assert recs[0]["eps_diluted"] == 0.65  # 2024 row spells it "epsdiluted"
    assert recs[0]["short_term_investments"] == 0.0  # a real zero stays zero


def test_quarterly_rows_and_missing_years_are_ignored():
    doc = statements_doc()
    doc["income-statement"].append({"date": "2026-03-31", "fiscalYear": "2026", "period": "Q1",
                                    "revenue": 1})
    doc["income-statement"].append({"revenue": 5})  # no year at all
    years = [r["fiscal_year"] for r in fmp.parse_statements("ABCD", doc)]
    assert years == [2024, 2025]


def test_market_from_profile_and_quote():
    doc = {"profile": fixture_json("profile_ABCD.json"), "quote": fixture_json("quote_ABCD.json")}
    market, ident = fmp.parse_market("ABCD", doc, date(2026, 5, 8))
    MarketRecord(**market)
    IdentityRecord(**ident)
    assert market["price"] == 25.0 and market["market_cap"] == 1.25e9
    assert market["shares_outstanding"] == pytest.approx(50e6)  # market cap / price
    assert market["adv_3m_usd"] == pytest.approx(400_000 * 25.0)
    assert market["beta"] == 1.42 and market["high_52w"] == 38.0
    assert ident == {"ticker": "ABCD", "name": "Abcd Industries, Inc.", "sector": "Industrials",
                     "industry": "Industrial - Machinery", "exchange": "NASDAQ"}


def test_high_52w_from_profile_range_without_quote():
    market, _ = fmp.parse_market("ABCD", {"profile": fixture_json("profile_ABCD.json")}, None)
    assert market["high_52w"] == 38.0


def test_estimates_pick_current_and_next_fiscal_year_by_date():
    rows = fixture_json("analyst-estimates_ABCD.json")
    rec = fmp.parse_estimates("ABCD", rows, date(2026, 5, 8))
    EstimateRecord(**rec)
    assert (rec["eps_cy"], rec["eps_ny"], rec["n_analysts"]) == (1.35, 1.6, 8)
    assert rec.get("eps_cy_30d") is None  # FMP has no trend: filled from our own history


def test_stored_payload_round_trip_and_errors():
    payload = json.dumps(statements_doc()).encode()
    out = fmp.parse_payload("ABCD", "statements", payload, None)
    frame = block_from_records("statements", out["statements"])
    assert frame.loc[("ABCD", 2025), "total_debt"] == 360e6


@pytest.mark.parametrize("name, error", [
    ("error_limit.json", fmp.FmpLimitReached),
    ("error_invalid_key.json", fmp.FmpKeyError),
    ("error_premium.txt", PermanentFetchError),
])
def test_error_bodies_become_typed_errors(name, error):
    with pytest.raises(error):
        fmp.classify_body((FIX / name).read_bytes(), 200, "ABCD")


def test_ordinary_json_is_not_an_error():
    fmp.classify_body((FIX / "quote_ABCD.json").read_bytes(), 200, "ABCD")
    fmp.classify_body(b"[]", 200, "ABCD")


def test_estimates_carry_the_current_years_high_and_low():
    rows = json.loads((FIX / "analyst-estimates_ABCD.json").read_text())
    rec = fmp.parse_estimates("ABCD", rows, date(2026, 5, 8))
    EstimateRecord(**rec)
    assert (rec["eps_cy_low"], rec["eps_cy"], rec["eps_cy_high"]) == (1.2, 1.35, 1.5)
    legacy = [{"date": "2026-12-31", "estimatedEpsAvg": 2.0, "estimatedEpsLow": 1.5,
               "estimatedEpsHigh": 2.6, "numberAnalystEstimatedEps": 4}]
    rec = fmp.parse_estimates("ABCD", legacy, date(2026, 5, 8))
    assert (rec["eps_cy_low"], rec["eps_cy_high"]) == (1.5, 2.6)
