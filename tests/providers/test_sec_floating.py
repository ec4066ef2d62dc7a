"""Floating-rate debt from SEC companyfacts (fictional companies, companyfacts shape), through
to the rate metrics an analyst reads.

- ``floating_variable_amount`` (FLV): the variable-rate amount is tagged, and so is
  ``LongTermDebtPercentageBearingVariableInterestRate`` (7.12%: a rate, not a share), and a
  later 10-Q with a bigger variable amount;
- ``floating_fixed_amount`` (FXD): only the fixed-rate amount (floating = LTD - fixed); an
  undrawn revolver (0) beside it;
- ``floating_revolver`` (RVL): fixed notes plus a drawn revolver (a lower bound), undrawn the
  year before (no evidence: NaN);
- ``floating_undisclosed`` (NON): only the variable *rate* tag: floating debt not disclosed.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from screener.metrics import build_standard_frame
from screener.providers.sec_facts import parse_companyfacts
from screener.raw.bundle import RawBundle, block_from_records
from screener.raw.rates import HY_YIELD, TREASURY_10Y, MarketRates

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "sec" / "real_shapes"
M = 1_000_000
AS_OF = date(2025, 6, 30)
NAMES = {"FLV": "floating_variable_amount", "FXD": "floating_fixed_amount",
         "RVL": "floating_revolver", "NON": "floating_undisclosed"}
RATES = MarketRates(values={TREASURY_10Y: 0.042, HY_YIELD: 0.075})


def parsed(ticker):
    return parse_companyfacts(ticker, json.loads((FIX / f"{NAMES[ticker]}.json").read_text()),
                              as_of=AS_OF)


def years(ticker):
    return {r["fiscal_year"]: r for r in parsed(ticker)["statements"]}


def build(as_of=AS_OF):
    recs = {t: parsed(t) for t in NAMES}
    blocks = {b: [dict(r, source="sec") for t in NAMES for r in recs[t][b]]
              for b in ("statements", "ladder")}
    bundle = RawBundle(
        identity=block_from_records("identity", [r for t in NAMES for r in recs[t]["identity"]]),
        statements=block_from_records("statements", blocks["statements"]),
        ladder=block_from_records("ladder", blocks["ladder"]), rates=RATES)
    return build_standard_frame(bundle, as_of=as_of)


@pytest.fixture(scope="module")
def std():
    return build()


def test_the_variable_amount_is_read_and_the_variable_rate_tag_is_not_a_share():
    st = years("FLV")
    assert st[2024]["floating_rate_debt"] == 240 * M      # not 0.0712 x debt, not the 10-Q's 400
    assert st[2023]["floating_rate_debt"] == 200 * M
    assert "floating-rate debt: LongtermDebtPercentageBearingVariableInterestAmount" \
        in st[2024]["debt_note"]
    assert "floating_rate_debt" not in years("NON")[2024]   # only the rate tag: not disclosed


def test_fixed_amount_and_revolver_steps():
    assert years("FXD")[2024]["floating_rate_debt"] == 150 * M   # 500 LTD - 350 fixed
    rvl = years("RVL")
    assert rvl[2024]["floating_rate_debt"] == 80 * M            # revolver drawn
    assert "a lower bound" in rvl[2024]["debt_note"]
    assert "floating_rate_debt" not in rvl[2023]                 # undrawn: no evidence


def test_rate_metrics_equal_their_catalog_definitions(std):
    f = std.frame
    cod = 43.2 / ((600 + 560) / 2)
    assert f.at["FLV", "floating_rate_share"] == pytest.approx(0.4)
    assert f.at["FLV", "rate_cut_benefit_100bp"] == pytest.approx(240 * 0.01 / 120)
    assert f.at["FLV", "cost_of_debt"] == pytest.approx(cod)
    assert f.at["FLV", "cost_of_debt_spread"] == pytest.approx(cod - 0.042)
    assert f.at["FLV", "refi_wall_rate_shock"] == pytest.approx(100 * (0.075 - cod) / 120)
    assert f.at["FLV", "burn_rate"] == pytest.approx(15 * M / 12)     # FCF 30 - 45 = -15
    assert f.at["FLV", "cash_runway_months"] == pytest.approx(50 / (15 / 12))
    assert f.at["FXD", "floating_rate_share"] == pytest.approx(0.3)
    assert f.at["FXD", "rate_cut_benefit_100bp"] == pytest.approx(150 * 0.01 / 75)
    assert f.at["FXD", "cash_runway_months"] == 999.0                # FCF 60 - 20 > 0
    assert f.at["RVL", "floating_rate_share"] == pytest.approx(80 / 380)
    assert f.at["RVL", "rate_cut_benefit_100bp"] == pytest.approx(80 * 0.01 / 50)
    assert math.isnan(f.at["NON", "floating_rate_share"])
    assert math.isnan(f.at["NON", "rate_cut_benefit_100bp"])
    assert f.at["NON", "cash_runway_months"] == pytest.approx(120 / (30 / 12))


def test_a_later_fiscal_year_does_not_leak_into_an_earlier_run_date():
    f = build(as_of=date(2024, 6, 30)).frame       # FY2024 ends after this date
    assert f.at["FLV", "floating_rate_share"] == pytest.approx(200 / 560)
    assert f.at["FLV", "cost_of_debt"] == pytest.approx(43.2 * 0.9 / 560)
    assert math.isnan(f.at["RVL", "floating_rate_share"])


def test_defined_on_three_of_four_fixture_filers(std):
    assert std.frame["floating_rate_share"].notna().sum() == 3


def test_rates_reach_the_frame_only_through_the_bundle():
    f = build_standard_frame(replace(RawBundle(
        identity=block_from_records("identity", parsed("FLV")["identity"]),
        statements=block_from_records("statements", [dict(r, source="sec") for r in
                                                     parsed("FLV")["statements"]])),
        rates=None), as_of=AS_OF)
    assert math.isnan(f.frame.at["FLV", "cost_of_debt_spread"])
    assert f.frame.at["FLV", "cost_of_debt"] == pytest.approx(43.2 / 580)
