"""Yahoo payloads in the shapes real responses have (hand-written, fictional numbers).

Shapes taken from public code and yfinance 1.7 itself:
- quoteSummary ``earningsTrend.trend`` has six items (0q, +1q, 0y, +1y, +5y, -5y); the last two
  hold empty ``{}`` blocks; values are ``{"raw", "fmt"}`` (``formatted=true``) or bare numbers
  (``formatted=false``, what yfinance asks for); blocks carry currency strings
  (``epsTrendCurrency``, ``epsRevisionsCurrency``, ``earningsCurrency``), ``downLast90days: {}``,
  ``growthEstimate: null``, and the revision key is spelled ``downLast7Days``.
- yfinance 1.7 builds ``eps_trend`` / ``eps_revisions`` / ``earnings_estimate`` with
  ``Analysis._get_periodic_df``: index ``period`` = first four items, one column per non-empty
  ``{"raw"}`` value, plus a string ``currency`` column; missing values are NaN.
"""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import pytest

from screener.errors import PermanentFetchError
from screener.providers import yahoo as Y
from screener.providers.yahoo_parse import YF_FORMAT, parse_payload

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "yahoo" / "real_shapes"
AS_OF = date(2026, 5, 6)


def _payload(name: str) -> bytes:
    return (FIX / name).read_bytes()


def _estimates(name: str) -> dict:
    return parse_payload("EXSC", "estimates", _payload(name), AS_OF)["estimates"][0]


EXPECTED = {"eps_cy": 1.35, "eps_cy_7d": 1.34, "eps_cy_30d": 1.30, "eps_cy_60d": 1.28,
            "eps_cy_90d": 1.25, "eps_ny": 1.60, "eps_ny_30d": 1.62, "up_7d": 1.0,
            "down_7d": 0.0, "up_30d": 3.0, "down_30d": 1.0, "n_analysts": 8.0}


def test_full_quote_summary_with_five_year_items_and_currency_strings():
    out = parse_payload("EXSC", "market", _payload("quotesummary_full_EXSC.json"), AS_OF)
    est = out["estimates"][0]
    for k, v in EXPECTED.items():
        assert est[k] == pytest.approx(v), k
    assert est["eps_ny_90d"] == pytest.approx(1.66)
    mkt = out["market"][0]
    assert mkt["beta"] == 1.42 and mkt["short_pct_float"] == pytest.approx(0.1065)
    assert mkt["float_shares"] == 38_500_000 and mkt["market_cap"] == 1_049_600_000
    assert mkt["high_52w"] == 31.5 and mkt["price"] == 25.6
    assert mkt["adv_3m_usd"] == pytest.approx(605_000 * 25.6)  # averageDailyVolume3Month first
    assert out["identity"][0]["sector"] == "Industrials"


def test_unformatted_quote_summary_with_nulls_and_single_analyst():
    out = parse_payload("MICX", "estimates", _payload("quotesummary_unformatted_MICX.json"), AS_OF)
    est = out["estimates"][0]
    assert est["eps_cy"] == -0.42 and est["eps_cy_60d"] is None and est["eps_ny"] is None
    assert est["n_analysts"] == 1.0
    mkt = out["market"][0]
    assert mkt["beta"] is None and mkt["short_pct_float"] is None
    assert mkt["adv_3m_usd"] == pytest.approx(48_000 * 2.35)


def _yf_frames(trend: list) -> dict:
    """What ``yf.Ticker(t).eps_trend`` etc. return for this trend, built by yfinance itself."""
    analysis_mod = pytest.importorskip("yfinance.scrapers.analysis")
    a = analysis_mod.Analysis(None, "EXSC")
    a._earnings_trend = trend
    return {"eps_trend": a.eps_trend, "eps_revisions": a.eps_revisions,
            "earnings_estimate": a.earnings_estimate}


def test_frames_built_by_yfinance_itself_round_trip_through_our_format():
    trend = json.loads(_payload("quotesummary_full_EXSC.json"))["quoteSummary"]["result"][0][
        "earningsTrend"]["trend"]
    frames = _yf_frames(trend)
    assert list(frames["eps_trend"].index) == ["0q", "+1q", "0y", "+1y"]
    assert "downLast7Days" in frames["eps_revisions"].columns      # Yahoo's spelling
    assert "currency" in frames["eps_trend"].columns               # a string column
    doc = {"format": YF_FORMAT, "ticker": "EXSC",
           **{k: Y._frame_dict(v) for k, v in frames.items()}}
    est = parse_payload("EXSC", "estimates", json.dumps(doc).encode(), AS_OF)["estimates"][0]
    for k, v in EXPECTED.items():
        assert est[k] == pytest.approx(v), k


def test_yfinance_frames_from_bare_numbers_are_empty_and_say_so():
    # formatted=false answers (bare numbers) make yfinance drop every value: only "currency"
    trend = json.loads(_payload("quotesummary_unformatted_MICX.json"))["quoteSummary"][
        "result"][0]["earningsTrend"]["trend"]
    frames = _yf_frames(trend)
    doc = {"format": YF_FORMAT, "ticker": "MICX",
           **{k: Y._frame_dict(v) for k, v in frames.items()}}
    with pytest.raises(PermanentFetchError, match="no EPS estimates"):
        parse_payload("MICX", "estimates", json.dumps(doc).encode(), AS_OF)


def test_stored_yfinance17_payload_with_nan_rows():
    est = _estimates("yfinance17_estimates_EXSC.json")
    for k, v in EXPECTED.items():
        assert est[k] == pytest.approx(v), k
    assert est["eps_ny_60d"] is None and est["eps_ny_90d"] is None   # NaN -> null -> None


def test_other_dataframe_orientations_read_the_same():
    # split (eps_trend), records with a "period" column (eps_revisions), column-major (estimate)
    assert _estimates("yfinance17_other_orients_EXSC.json") == \
        _estimates("yfinance17_estimates_EXSC.json")


@pytest.mark.parametrize("labels", [("0y", "+1y"), ("0Y", "+1Y"), (" 0y ", "1y"),
                                    ("Current Year (2026)", "Next Year (2027)")])
@pytest.mark.parametrize("keys", [
    ("upLast7days", "downLast7days", "upLast30days", "downLast30days"),
    ("upLast7Days", "downLast7Days", "upLast30Days", "downLast30Days"),
    ("up_last_7_days", "down_last_7_days", "up_last_30_days", "down_last_30_days"),
    ("Up Last 7 Days", "Down Last 7 Days", "Up Last 30 Days", "Down Last 30 Days"),
])
def test_period_labels_and_revision_key_variants(labels, keys):
    cy, ny = labels
    doc = {"format": YF_FORMAT, "ticker": "X",
           "eps_trend": {cy: {"current": 2.0, "30daysAgo": 1.8}, ny: {"current": 2.5}},
           "eps_revisions": {cy: dict(zip(keys, (1, 2, 3, 4)))}}
    est = parse_payload("X", "estimates", json.dumps(doc).encode(), AS_OF)["estimates"][0]
    assert (est["eps_cy"], est["eps_cy_30d"], est["eps_ny"]) == (2.0, 1.8, 2.5)
    assert (est["up_7d"], est["down_7d"], est["up_30d"], est["down_30d"]) == (1, 2, 3, 4)


def test_yfinance17_info_keys():
    out = parse_payload("EXSC", "market", _payload("yfinance17_info_EXSC.json"), AS_OF)
    mkt = out["market"][0]
    assert (mkt["beta"], mkt["float_shares"], mkt["high_52w"]) == (1.42, 38_500_000, 31.5)
    assert not math.isnan(mkt["adv_3m_usd"])
    assert out["identity"][0]["industry"] == "Specialty Industrial Machinery"
