"""Yahoo parsing: quoteSummary wire format and our yfinance serialisation, one parser."""

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from screener.errors import PermanentFetchError, TransientFetchError
from screener.providers import yahoo_parse
from screener.providers.yahoo import _serialise
from screener.raw.schema import EstimateRecord, IdentityRecord, MarketRecord

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "yahoo"
AS_OF = date(2026, 5, 8)


def load(name: str) -> bytes:
    return (FIX / name).read_bytes()


def test_quote_summary_estimates_parse_to_trend_and_revisions():
    out = yahoo_parse.parse_payload("ABCD", "estimates", load("quotesummary_estimates_ABCD.json"),
                                    AS_OF)
    (rec,) = out["estimates"]
    EstimateRecord(**rec)  # valid raw record
    assert rec["as_of"] == AS_OF
    assert (rec["eps_cy"], rec["eps_cy_7d"], rec["eps_cy_30d"], rec["eps_cy_60d"],
            rec["eps_cy_90d"]) == (1.35, 1.33, 1.30, 1.28, 1.25)
    assert (rec["eps_ny"], rec["eps_ny_30d"], rec["eps_ny_90d"]) == (1.6, 1.55, 1.5)
    assert rec["eps_ny_60d"] is None  # {} in the payload is missing, not 0
    # downLast7Days (capital D) is matched case-insensitively
    assert (rec["up_7d"], rec["down_7d"], rec["up_30d"], rec["down_30d"]) == (2, 1, 5, 1)
    assert rec["n_analysts"] == 8


def test_quote_summary_market_and_identity():
    out = yahoo_parse.parse_payload("ABCD", "market", load("quotesummary_market_ABCD.json"),
                                    AS_OF)
    (m,) = out["market"]
    MarketRecord(**m)
    assert m["price"] == 25.0
    assert m["market_cap"] == 1.25e9
    assert m["shares_outstanding"] == 50e6 and m["float_shares"] == 48e6
    assert m["adv_3m_usd"] == pytest.approx(400_000 * 25.0)  # shares/day x price
    assert m["short_pct_float"] == pytest.approx(0.1215)  # already a fraction
    assert m["beta"] == 1.42 and m["high_52w"] == 38.0
    assert m["mom_12_1"] is None  # no price history in this payload
    (ident,) = out["identity"]
    IdentityRecord(**ident)
    assert ident["name"] == "Abcd Industries, Inc."
    assert (ident["sector"], ident["industry"]) == ("Industrials",
                                                    "Specialty Industrial Machinery")


def test_quote_summary_error_is_permanent_for_that_ticker():
    with pytest.raises(PermanentFetchError) as err:
        yahoo_parse.parse_payload("ZZZZ", "estimates", load("quotesummary_notfound.json"), AS_OF)
    assert err.value.ticker == "ZZZZ"
    assert "No fundamentals data found" in str(err.value)


@pytest.mark.parametrize("body", [b"<!DOCTYPE html><html>Access denied</html>",
                                  b'{"quoteSummary": {"result": [{"earningsTr'])
def test_html_or_truncated_body_is_transient(body):
    with pytest.raises(TransientFetchError):
        yahoo_parse.validate_quote_summary("ABCD")(body)


def test_mixed_case_keys_and_bare_numbers():
    doc = {"QuoteSummary": {"result": [{"earningstrend": {"trend": [
        {"period": "0Y", "epsTrend": {"Current": 2.0, "30DAYSAGO": 1.5},
         "epsRevisions": {"UPLAST30DAYS": 3, "downlast30days": 1}}]}}], "error": None}}
    out = yahoo_parse.parse_payload("X", "estimates", json.dumps(doc).encode(), AS_OF)
    rec = out["estimates"][0]
    assert (rec["eps_cy"], rec["eps_cy_30d"], rec["up_30d"], rec["down_30d"]) == (2.0, 1.5, 3, 1)


# -- the yfinance transport: stub objects carrying frames in yfinance's exact shapes -----------

class StubTicker:
    """What ``yfinance.Ticker`` exposes, with frames shaped like yfinance 1.x builds them."""

    def __init__(self, revisions_columns=("upLast7days", "upLast30days", "downLast30days",
                                          "downLast7days"), closes=None):
        idx = pd.Index(["0q", "+1q", "0y", "+1y"], name="period")
        self.eps_trend = pd.DataFrame({
            "current": [0.31, 0.35, 1.35, 1.60], "7daysAgo": [0.30, 0.35, 1.33, 1.60],
            "30daysAgo": [0.29, 0.34, 1.30, 1.55], "60daysAgo": [0.28, 0.33, 1.28, None],
            "90daysAgo": [0.27, 0.33, 1.25, 1.50], "currency": ["USD"] * 4}, index=idx)
        up7, up30, dn30, dn7 = revisions_columns
        self.eps_revisions = pd.DataFrame({up7: [0, 0, 2, 1], up30: [1, 1, 5, 3],
                                           dn30: [0, 0, 1, 2], dn7: [0, 0, 1, 0]}, index=idx)
        self.earnings_estimate = pd.DataFrame({
            "avg": [0.31, 0.35, 1.35, 1.6], "low": [0.3, 0.3, 1.2, 1.4],
            "high": [0.33, 0.4, 1.5, 1.8], "yearAgoEps": [0.25, 0.3, 1.2, 1.35],
            "numberOfAnalysts": [6, 6, 8, 7], "growth": [0.2, 0.1, 0.125, 0.18]}, index=idx)
        self.info = {"longName": "Abcd Industries, Inc.", "sector": "Industrials",
                     "currentPrice": 25.0, "marketCap": 1_250_000_000, "beta": 1.42,
                     "shortPercentOfFloat": 0.1215, "floatShares": 48_000_000,
                     "sharesOutstanding": 50_000_000, "fiftyTwoWeekHigh": 38.0,
                     "averageVolume": 400_000, "companyOfficers": [{"name": "x"}]}
        self._closes = closes

    def history(self, period="1mo", auto_adjust=True):
        assert period == "13mo"
        closes = self._closes or [25.0]
        idx = pd.date_range("2025-04-01", periods=len(closes), freq="B", tz="America/New_York")
        return pd.DataFrame({"Open": closes, "Close": closes,
                             "Volume": [400_000] * len(closes)}, index=idx)


def test_yfinance_frames_round_trip_through_our_payload():
    payload = _serialise("ABCD", "estimates", StubTicker())
    doc = json.loads(payload)
    assert doc["format"] == yahoo_parse.YF_FORMAT
    assert doc["eps_trend"]["0y"]["30daysAgo"] == 1.30
    rec = yahoo_parse.parse_payload("ABCD", "estimates", payload, AS_OF)["estimates"][0]
    direct = yahoo_parse.parse_payload("ABCD", "estimates",
                                       load("quotesummary_estimates_ABCD.json"), AS_OF)
    assert rec == direct["estimates"][0]  # both transports give the same record


def test_yfinance_revision_columns_matched_case_insensitively():
    stub = StubTicker(revisions_columns=("UpLast7Days", "UPLAST30DAYS", "downLast30Days",
                                         "downLast7Days"))
    rec = yahoo_parse.parse_payload("ABCD", "estimates", _serialise("ABCD", "estimates", stub),
                                    AS_OF)["estimates"][0]
    assert (rec["up_7d"], rec["down_7d"], rec["up_30d"], rec["down_30d"]) == (2, 1, 5, 1)


def test_yfinance_market_with_momentum_and_volatility():
    # 300 sessions: flat at 10, then a rise to 20 in the last 30 sessions
    closes = [10.0] * 270 + [10.0 + 10.0 * (i + 1) / 30 for i in range(30)]
    payload = _serialise("ABCD", "market", StubTicker(closes=closes))
    assert "companyOfficers" not in json.loads(payload)["info"]  # only what we use is kept
    out = yahoo_parse.parse_payload("ABCD", "market", payload, AS_OF)
    m = out["market"][0]
    MarketRecord(**m)
    assert m["price"] == 25.0 and m["adv_3m_usd"] == pytest.approx(400_000 * 25.0)
    expected = closes[-22] / closes[-253] - 1.0
    assert m["mom_12_1"] == pytest.approx(expected)
    assert 0 < m["volatility_1y"] < 1
    assert out["identity"][0]["sector"] == "Industrials"


def test_no_estimates_is_permanent_failure():
    stub = StubTicker()
    stub.eps_trend = pd.DataFrame()
    stub.earnings_estimate = pd.DataFrame()
    with pytest.raises(PermanentFetchError, match="no EPS estimates"):
        _serialise("ABCD", "estimates", stub)


def test_quote_summary_estimates_carry_the_current_years_high_and_low():
    out = yahoo_parse.parse_payload("ABCD", "estimates", load("quotesummary_estimates_ABCD.json"),
                                    AS_OF)
    (rec,) = out["estimates"]
    assert (rec["eps_cy_low"], rec["eps_cy"], rec["eps_cy_high"]) == (1.2, 1.35, 1.5)
