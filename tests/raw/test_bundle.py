"""The raw input model rejects impossible values with the ticker named, and keeps good rows."""

import math

import pandas as pd
import pytest

from screener.errors import InputValidationError
from screener.raw import RawBundle, validate_bundle
from screener.raw.bundle import block_from_records, empty_block, failures_frame
from screener.raw.schema import BLOCKS, MarketRecord


def _bundle(market_rows, statement_rows=()):
    ident = block_from_records("identity", [
        {"ticker": r["ticker"], "name": f"Name {r['ticker']}"} for r in market_rows
        if isinstance(r["ticker"], str)
    ])
    return RawBundle(
        identity=ident,
        market=block_from_records("market", market_rows),
        statements=block_from_records("statements", list(statement_rows)),
    )


def test_negative_share_count_is_rejected_with_ticker_named():
    bundle = _bundle([
        {"ticker": "GOOD1", "price": 10.0, "shares_outstanding": 1e6, "source": "t"},
        {"ticker": "BADX1", "price": 10.0, "shares_outstanding": -5.0, "source": "t"},
    ])
    clean, report = validate_bundle(bundle)
    assert list(clean.market.index) == ["GOOD1"]
    assert report.loc[0, "ticker"] == "BADX1"
    assert report.loc[0, "field"] == "shares_outstanding"
    assert "impossible" in report.loc[0, "reason"]
    assert any(f.ticker == "BADX1" and f.dataset == "market" for f in clean.failures)


def test_strict_mode_raises_naming_every_bad_ticker():
    bundle = _bundle([
        {"ticker": "BADA1", "price": -1.0, "source": "t"},
        {"ticker": "BADB1", "price": 5.0, "short_pct_float": -0.1, "source": "t"},
    ])
    with pytest.raises(InputValidationError) as err:
        validate_bundle(bundle, strict=True)
    text = str(err.value)
    assert "BADA1" in text and "BADB1" in text and "price" in text


def test_nan_and_malformed_tickers_are_rejected():
    market = pd.DataFrame(
        {"price": [10.0, 11.0, 12.0], "source": ["t"] * 3},
        index=pd.Index(["OKAY1", None, "bad ticker!"], name="ticker"),
    )
    clean, report = validate_bundle(RawBundle(market=market))
    assert list(clean.market.index) == ["OKAY1"]
    assert set(report["field"]) == {"ticker"}
    assert len(report) == 2


def test_text_in_numeric_field_and_infinity_are_rejected():
    market = pd.DataFrame(
        {"price": ["12.5", "n/a", math.inf], "source": ["t"] * 3},
        index=pd.Index(["AAAA1", "BBBB1", "CCCC1"], name="ticker"),
    )
    clean, report = validate_bundle(RawBundle(market=market))
    assert list(clean.market.index) == ["AAAA1"]
    assert clean.market["price"].dtype == "float64"
    assert clean.market.loc["AAAA1", "price"] == 12.5
    assert sorted(report["ticker"]) == ["BBBB1", "CCCC1"]


def test_duplicated_statement_years_are_rejected():
    rows = [
        {"ticker": "DUPE1", "fiscal_year": 2024, "revenue": 1.0},
        {"ticker": "DUPE1", "fiscal_year": 2024, "revenue": 2.0},
        {"ticker": "DUPE1", "fiscal_year": 2025, "revenue": 3.0},
    ]
    bundle = RawBundle(statements=block_from_records("statements", rows))
    clean, report = validate_bundle(bundle)
    assert list(clean.statements.index) == [("DUPE1", 2025)]
    assert "duplicated" in report.iloc[0]["reason"]


def test_missing_values_are_nan_not_zero_and_pass():
    bundle = _bundle([{"ticker": "MISS1", "price": 3.0, "source": "t"}])
    clean, report = validate_bundle(bundle)
    assert report.empty
    assert math.isnan(clean.market.loc["MISS1", "beta"])


def test_record_model_and_frame_validation_share_one_declaration():
    with pytest.raises(ValueError):
        MarketRecord(ticker="ABCD1", shares_outstanding=-1)
    assert BLOCKS["market"].bounds()["shares_outstanding"] == (0, None, False)
    assert BLOCKS["market"].bounds()["price"] == (0, None, True)


def test_combine_keeps_first_source_per_block_and_all_failures():
    a = _bundle([{"ticker": "SAME1", "price": 1.0, "source": "first"}])
    b = _bundle([{"ticker": "SAME1", "price": 2.0, "source": "second"},
                 {"ticker": "ONLY1", "price": 3.0, "source": "second"}])
    merged = RawBundle.combine([a, b])
    assert merged.market.loc["SAME1", "source"] == "first"
    assert merged.market.loc["ONLY1", "price"] == 3.0


def test_empty_blocks_have_declared_columns():
    frame = empty_block("ladder")
    assert {"due_y1", "due_after_y5", "as_of", "source"} <= set(frame.columns)
    assert failures_frame([]).columns.tolist()[:3] == ["ticker", "source", "dataset"]
