"""Layout of the standard frame, provenance, failures, as_of, and no inf anywhere."""

import datetime as dt
import importlib.util
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from screener.metrics import StandardFrame, build_standard_frame
from screener.metrics.catalog import CATALOG_LIST, IDENTITY_COLUMNS
from screener.metrics.prices import PRICE_INPUTS
from screener.raw.bundle import Failure
from screener.raw.rates import SERIES as RATE_SERIES
from screener.raw.schema import BLOCKS

IDS = [m.id for m in CATALOG_LIST]


@pytest.fixture
def sf(build, fy):
    identity = [
        {
            "ticker": "AAA",
            "name": "Alpha",
            "sector": "Industrials",
            "industry": "Machinery",
            "exchange": "NASDAQ",
            "in_russell2000": True,
            "in_sp600": False,
        },
        {
            "ticker": "BBB",
            "name": "Beta",
            "sector": "Energy",
            "in_russell2000": False,
            "in_sp600": True,
        },
        {"ticker": "CCC", "name": "Gamma"},
    ]
    rows = fy(
        "AAA",
        {
            2023: {"revenue": 100, "total_debt": 10, "source": "sec"},
            2024: {"revenue": 120, "total_debt": 0, "cash": 5, "source": "fmp"},
        },
    ) + fy("CCC", {2024: {"revenue": 50}})
    mkt = [
        {"ticker": "AAA", "as_of": "2026-05-01", "price": 10, "market_cap": 100},
        {"ticker": "BBB", "as_of": "2026-05-02", "price": 5},
    ]
    ladder = [{"ticker": "AAA", "as_of": "2024-12-31", "due_y1": 0, "due_y2": 0}]
    est = [{"ticker": "BBB", "as_of": "2026-04-30", "n_analysts": 3}]
    carried = Failure("CCC", "yahoo", "market", "HTTP 404 for CCC", attempts=1)
    return build(
        identity=identity,
        statements=rows,
        market=mkt,
        ladder=ladder,
        estimates=est,
        failures=[carried],
        is_sample=True,
        as_of=dt.date(2025, 6, 30),
    )


def test_layout(sf):
    f = sf.frame
    assert isinstance(sf, StandardFrame)
    assert f.index.name == "ticker" and list(f.index) == ["AAA", "BBB", "CCC"]
    assert list(f.columns) == list(IDENTITY_COLUMNS) + ["in_russell2000", "in_sp600"] + IDS
    assert (f[IDS].dtypes == np.float64).all()
    assert f["in_russell2000"].dtype == bool and f["in_sp600"].dtype == bool
    assert f.loc["CCC", "in_sp600"] == False
    assert f.loc["AAA", "name"] == "Alpha" and f.loc["BBB", "sector"] == "Energy"
    assert pd.isna(f.loc["CCC", "sector"])
    assert sf.is_sample is True


def test_missing_block_is_nan_not_zero(sf):
    f = sf.frame
    statement_ids = [m.id for m in CATALOG_LIST if m.blocks == ("statements",)]
    assert f.loc["BBB", statement_ids].isna().all()  # BBB has no statements
    market_ids = [m.id for m in CATALOG_LIST if m.blocks == ("market",)]
    assert f.loc["CCC", market_ids].isna().all()  # CCC has no market data
    assert f.loc["AAA", "total_debt"] == 0  # a reported zero stays zero
    assert f.loc["AAA", "wall_coverage_24m"] == 99


def test_provenance(sf):
    p = sf.provenance
    assert p.index.name == "ticker" and list(p.index) == ["AAA", "BBB", "CCC"]
    assert list(p.columns) == [
        "statements_source", "statements_as_of", "statements_fiscal_year", "statements_stale",
        "statements_note"] + [
        f"{b}_{k}"
        for b in ("ladder", "estimates", "market")
        for k in ("source", "as_of")
    ] + ["ladder_note", "prices_source", "prices_as_of", "statements_basis"]
    assert p.loc["AAA", "statements_basis"] == "fy"  # annual statements only
    assert pd.isna(p.loc["BBB", "statements_basis"])  # no statements at all
    assert p["prices_source"].isna().all()  # no stored prices in this bundle
    assert p.loc["AAA", "statements_fiscal_year"] == 2024
    assert not p.loc["AAA", "statements_stale"] and p.loc["AAA", "statements_note"] == ""
    assert p.loc["AAA", "statements_source"] == "fmp"  # the latest year's source
    assert p.loc["AAA", "statements_as_of"] == pd.Timestamp("2024-12-31")
    assert p.loc["AAA", "market_as_of"] == pd.Timestamp("2026-05-01")
    assert p.loc["BBB", "estimates_source"] == "test-est"
    assert p.loc["AAA", "ladder_as_of"] == pd.Timestamp("2024-12-31")
    assert pd.isna(p.loc["BBB", "statements_source"]) and pd.isna(p.loc["BBB", "statements_as_of"])
    assert pd.isna(p.loc["CCC", "market_source"]) and pd.isna(p.loc["CCC", "ladder_as_of"])


def test_failures(sf):
    by = {(f.ticker, f.dataset): f for f in sf.failures}
    assert by[("CCC", "market")].reason == "HTTP 404 for CCC"  # carried, not duplicated
    assert sum(1 for f in sf.failures if (f.ticker, f.dataset) == ("CCC", "market")) == 1
    bbb = by[("BBB", "statements")]
    assert "no annual statements" in bbb.reason and "leverage" in bbb.reason
    assert ("AAA", "statements") not in by and ("AAA", "market") not in by
    assert ("BBB", "market") not in by


def test_as_of_excludes_later_fiscal_years(build, fy):
    rows = fy("AAA", {2022: {"revenue": 100}, 2023: {"revenue": 150}, 2024: {"revenue": 300}})
    f = build(statements=rows, as_of=dt.date(2024, 6, 30))
    assert f.frame.loc["AAA", "revenue_fy"] == 150
    assert np.isnan(f.frame.loc["AAA", "revenue_ttm"])  # annual data: no TTM, never the FY
    assert f.frame.loc["AAA", "revenue_growth_1y"] == pytest.approx(0.5)
    assert f.provenance.loc["AAA", "statements_as_of"] == pd.Timestamp("2023-12-31")
    assert build(statements=rows).frame.loc["AAA", "revenue_fy"] == 300


def test_zero_everything_gives_no_inf(build, fy):
    zeros = {k: 0.0 for k in BLOCKS["statements"].numeric_fields}
    rows = fy("ZZZ", {2023: zeros, 2024: zeros})
    mkt = [
        {
            "ticker": "ZZZ",
            "price": 1,
            "market_cap": 0,
            "shares_outstanding": 0,
            "float_shares": 0,
            "high_52w": 1,
        }
    ]
    est = [{k: 0.0 for k in BLOCKS["estimates"].numeric_fields} | {"ticker": "ZZZ"}]
    ladder = [{k: 0.0 for k in BLOCKS["ladder"].numeric_fields} | {"ticker": "ZZZ"}]
    f = build(statements=rows, market=mkt, estimates=est, ladder=ladder).frame
    assert np.isfinite(
        f[IDS].to_numpy(dtype=float, na_value=np.nan)[~f[IDS].isna().to_numpy()]
    ).all()
    assert f.loc["ZZZ", "interest_coverage"] != f.loc["ZZZ", "interest_coverage"]  # NaN


def test_empty_bundle(bundle):
    sf = build_standard_frame(bundle(identity=[]))
    assert sf.frame.empty and list(sf.frame.columns)[-len(IDS) :] == IDS
    assert sf.failures == []


def test_catalog_inputs_are_declared_raw_fields():
    for m in CATALOG_LIST:
        for inp in m.inputs:
            block, field = inp.split(".")
            if block == "prices":  # stored daily prices (metrics.prices), not a raw block
                assert field in PRICE_INPUTS, f"{m.id}: unknown input {inp}"
                continue
            if block == "macro":  # a rate handed over in RawBundle.rates
                assert field in RATE_SERIES, f"{m.id}: unknown rate {inp}"
                continue
            spec = BLOCKS[block]
            declared = spec.numeric_fields + (spec.text_fields if block == "identity" else [])
            assert field in declared, f"{m.id}: unknown input {inp}"
        assert m.source in ("financetoolkit", "screener")


def _bench():
    path = Path(__file__).resolve().parents[2] / "bench" / "bench_metrics.py"
    spec = importlib.util.spec_from_file_location("bench_metrics", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_synthetic_universe_is_sane():
    sf = build_standard_frame(_bench().synthetic_bundle(400, seed=3))
    f = sf.frame
    values = f[IDS].to_numpy(dtype=float, na_value=np.nan)
    assert not np.isinf(values).any()
    pio = f["piotroski_f"].dropna()
    assert len(pio) and pio.between(0, 9).all() and (pio == pio.round()).all()
    assert set(f["eps_positive"].dropna().unique()) <= {0.0, 1.0}
    assert f["interest_coverage"].max() <= 999 and f["wall_coverage_24m"].max() <= 99
    assert (f.loc[f["net_debt_to_ebitda"].notna(), "ebitda_fy"] > 0).all()
    assert math.isclose(f["market_cap"].notna().mean(), 0.98, abs_tol=0.05)


def test_text_in_a_number_column_is_a_clear_error(bundle):
    from screener.errors import InputValidationError

    b = bundle(market=[{"ticker": "AAA", "price": 10}, {"ticker": "BBB", "price": 12}])
    market = b.market.astype({"price": object})
    market.loc["BBB", "price"] = "12,5"
    b.market = market
    with pytest.raises(InputValidationError) as exc:
        build_standard_frame(b)
    assert "market.price" in str(exc.value) and "BBB" in str(exc.value)
    assert "validate_bundle" in str(exc.value)


def test_stale_flag_and_fiscal_year_use_only_what_was_known_as_of(build, fy):
    rows = fy("OLD", {2021: {"revenue": 100}}) \
        + fy("NEW", {2021: {"revenue": 100}, 2022: {"revenue": 120}})  # 2022: a later year
    early = build(statements=rows, as_of=dt.date(2022, 6, 30))
    p = early.provenance
    assert p.loc["NEW", "statements_fiscal_year"] == 2021      # 2022 not known yet
    assert not p.loc["NEW", "statements_stale"] and not p.loc["OLD", "statements_stale"]
    late = build(statements=rows, as_of=dt.date(2023, 6, 30))
    p = late.provenance
    assert p.loc["NEW", "statements_fiscal_year"] == 2022 and not p.loc["NEW", "statements_stale"]
    assert p.loc["OLD", "statements_stale"]                    # FY2021 ended 18 months before
    (why,) = [f.reason for f in late.failures if f.ticker == "OLD" and f.dataset == "statements"]
    assert why.startswith("stale: latest statements are for fiscal year 2021 ending 2021-12-31")
    assert "18 months before the run date 2023-06-30 (limit 15 months)" in why


def test_stale_without_period_end_takes_the_fiscal_year_as_ending_in_december(build):
    rows = [{"ticker": "NOPE", "fiscal_year": 2021, "revenue": 10}]
    sf = build(statements=rows, as_of=dt.date(2023, 2, 28))    # 14 months after Dec 2021
    assert not sf.provenance.loc["NOPE", "statements_stale"]
    sf = build(statements=rows, as_of=dt.date(2023, 4, 30))    # 16 months
    assert sf.provenance.loc["NOPE", "statements_stale"]
    assert any("period end not given, taken as 31 Dec" in f.reason for f in sf.failures)
