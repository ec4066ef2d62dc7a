"""The rebound-thesis metrics on hand-built rows whose right answer is computed by hand:
cash runway and burn, cost of debt and its spread, floating-rate exposure, the refinancing
shock, leverage against the sector median, analyst coverage bands and estimate dispersion."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import replace

import pytest

from screener.metrics import build_standard_frame
from screener.metrics.caps import display
from screener.raw.rates import HY_YIELD, TREASURY_10Y, MarketRates
from tests.metrics.conftest import make_bundle, years

AS_OF = dt.date(2025, 6, 30)
RATES = MarketRates(values={TREASURY_10Y: 0.042, HY_YIELD: 0.075},
                    dates={TREASURY_10Y: "2025-06-27", HY_YIELD: "2025-06-27"}, source="test")


def frame(statements=(), ladder=(), estimates=(), identity=None, rates=RATES):
    bundle = make_bundle(identity=identity, statements=statements, ladder=ladder,
                         estimates=estimates)
    return build_standard_frame(replace(bundle, rates=rates), as_of=AS_OF)


# -- cash runway -----------------------------------------------------------------------------

def test_runway_is_months_of_cash_at_the_current_burn():
    st = (years("BURN", {2024: {"cash": 50e6, "short_term_investments": 10e6,
                                "operating_cash_flow": -14e6, "capital_expenditure": 10e6}})
          + years("GEN", {2024: {"cash": 5e6, "free_cash_flow": 3e6}})
          + years("NOCASH", {2024: {"free_cash_flow": -12e6}})
          + years("NOFCF", {2024: {"cash": 80e6}}))
    f = frame(st).frame
    assert f.at["BURN", "burn_rate"] == pytest.approx(2e6)          # -(-14 - 10) / 12
    assert f.at["BURN", "cash_runway_months"] == pytest.approx(30.0)  # (50 + 10) / 2
    assert f.at["GEN", "burn_rate"] == 0.0
    assert f.at["GEN", "cash_runway_months"] == 999.0               # cash-generating
    assert display("cash_runway_months", f.at["GEN", "cash_runway_months"]) \
        == "cash-generating (999, the cap)"
    assert display("cash_runway_months", f.at["BURN", "cash_runway_months"]) is None
    assert f.at["NOCASH", "burn_rate"] == pytest.approx(1e6)
    assert math.isnan(f.at["NOCASH", "cash_runway_months"])          # no cash: unknown
    assert math.isnan(f.at["NOFCF", "cash_runway_months"])
    assert math.isnan(f.at["NOFCF", "burn_rate"])


def test_a_huge_cash_pile_against_a_tiny_burn_stays_at_the_cap():
    st = years("PILE", {2024: {"cash": 1e9, "free_cash_flow": -1e3}})
    assert frame(st).frame.at["PILE", "cash_runway_months"] == 999.0


# -- cost of debt and rates ------------------------------------------------------------------

def test_cost_of_debt_uses_average_debt_and_its_spread_the_10y():
    st = (years("AVG", {2023: {"total_debt": 60e6}, 2024: {"total_debt": 100e6,
                                                            "interest_expense": 8e6}})
          + years("ONE", {2024: {"total_debt": 100e6, "interest_expense": 8e6}})
          + years("NODEBT", {2023: {"total_debt": 0.0},
                             2024: {"total_debt": 0.0, "interest_expense": 0.0}}))
    f = frame(st).frame
    assert f.at["AVG", "cost_of_debt"] == pytest.approx(8 / 80)
    assert f.at["AVG", "cost_of_debt_spread"] == pytest.approx(0.10 - 0.042)
    assert f.at["ONE", "cost_of_debt"] == pytest.approx(0.08)       # prior unknown: ending
    assert math.isnan(f.at["NODEBT", "cost_of_debt"])               # debt <= 0
    assert math.isnan(f.at["NODEBT", "cost_of_debt_spread"])


def test_without_stored_rates_the_spread_is_nan_and_the_run_says_so():
    st = years("AVG", {2024: {"total_debt": 100e6, "interest_expense": 8e6}})
    sf = frame(st, rates=None)
    assert sf.frame.at["AVG", "cost_of_debt"] == pytest.approx(0.08)
    assert math.isnan(sf.frame.at["AVG", "cost_of_debt_spread"])
    macro = [f for f in sf.failures if f.dataset == "macro"]
    assert len(macro) == 1 and "DGS10" in macro[0].reason and "NaN" in macro[0].reason
    assert not [f for f in frame(st).failures if f.dataset == "macro"]


def test_floating_share_and_the_relief_of_a_100bp_cut():
    st = (years("FLT", {2024: {"total_debt": 100e6, "floating_rate_debt": 40e6,
                               "operating_income": 20e6}})
          + years("OVER", {2024: {"total_debt": 100e6, "floating_rate_debt": 130e6,
                                  "operating_income": 10e6}})
          + years("LOSS", {2024: {"total_debt": 100e6, "floating_rate_debt": 40e6,
                                  "operating_income": -5e6}})
          + years("FREE", {2024: {"total_debt": 0.0, "operating_income": 5e6}})
          + years("HIDDEN", {2024: {"total_debt": 100e6, "operating_income": 20e6}}))
    f = frame(st).frame
    assert f.at["FLT", "floating_rate_share"] == pytest.approx(0.4)
    assert f.at["FLT", "rate_cut_benefit_100bp"] == pytest.approx(40e6 * 0.01 / 20e6)
    assert f.at["OVER", "floating_rate_share"] == 1.0             # capped at total debt
    assert f.at["OVER", "rate_cut_benefit_100bp"] == pytest.approx(100e6 * 0.01 / 10e6)
    assert f.at["LOSS", "floating_rate_share"] == pytest.approx(0.4)
    assert math.isnan(f.at["LOSS", "rate_cut_benefit_100bp"])     # EBIT <= 0
    assert math.isnan(f.at["FREE", "floating_rate_share"])        # no debt: no share
    assert f.at["FREE", "rate_cut_benefit_100bp"] == 0.0          # and nothing to save
    assert math.isnan(f.at["HIDDEN", "floating_rate_share"])      # not disclosed
    assert math.isnan(f.at["HIDDEN", "rate_cut_benefit_100bp"])


def test_refinancing_the_wall_at_the_high_yield_rate():
    st = (years("WALL", {2023: {"total_debt": 100e6}, 2024: {
        "total_debt": 100e6, "interest_expense": 5e6, "operating_income": 20e6}})
          + years("CHEAP", {2024: {"total_debt": 100e6, "interest_expense": 9e6,
                                   "operating_income": 20e6}})
          + years("NONE", {2024: {"total_debt": 100e6, "interest_expense": 5e6,
                                  "operating_income": -1e6}}))
    lad = [{"ticker": "WALL", "due_y1": 10e6, "due_y2": 20e6},
           {"ticker": "CHEAP", "due_y1": 30e6, "due_y2": 0.0},
           {"ticker": "NONE", "due_y1": 0.0, "due_y2": 0.0}]
    f = frame(st, ladder=lad).frame
    assert f.at["WALL", "refi_wall_rate_shock"] == pytest.approx(30e6 * (0.075 - 0.05) / 20e6)
    assert f.at["CHEAP", "refi_wall_rate_shock"] == pytest.approx(30e6 * (0.075 - 0.09) / 20e6)
    assert f.at["NONE", "refi_wall_rate_shock"] == 0.0            # nothing due: no shock
    no_hy = replace(RATES, values={TREASURY_10Y: 0.042})
    assert math.isnan(frame(st, ladder=lad, rates=no_hy).frame.at["WALL",
                                                                   "refi_wall_rate_shock"])


# -- leverage against the sector -------------------------------------------------------------

def test_net_debt_to_ebitda_against_the_sector_median_of_the_same_run():
    # Industrials: ratios 1..6 (median 3.5); Tech: 4 names only (no norm); one without sector
    ident, st = [], []
    for i, ratio in enumerate([1, 2, 3, 4, 5, 6]):
        t = f"IND{i}"
        ident.append({"ticker": t, "name": t, "sector": "Industrials"})
        st += years(t, {2024: {"total_debt": ratio * 10e6, "cash": 0.0, "ebitda": 10e6}})
    for i in range(4):
        t = f"TEC{i}"
        ident.append({"ticker": t, "name": t, "sector": "Technology"})
        st += years(t, {2024: {"total_debt": 10e6, "cash": 0.0, "ebitda": 10e6}})
    ident.append({"ticker": "NOSEC", "name": "NOSEC"})
    st += years("NOSEC", {2024: {"total_debt": 10e6, "cash": 0.0, "ebitda": 10e6}})
    # a loss-maker in Industrials: its ratio is NaN and it does not count as a peer
    ident.append({"ticker": "INDX", "name": "INDX", "sector": "Industrials"})
    st += years("INDX", {2024: {"total_debt": 10e6, "cash": 0.0, "ebitda": -1e6}})
    f = frame(st, identity=ident).frame
    assert f.at["IND0", "net_debt_to_ebitda_vs_sector"] == pytest.approx(1 - 3.5)
    assert f.at["IND5", "net_debt_to_ebitda_vs_sector"] == pytest.approx(6 - 3.5)
    assert f.at["IND5", "net_debt_to_ebitda_above_sector"] == 1.0
    assert f.at["IND2", "net_debt_to_ebitda_above_sector"] == 0.0
    assert math.isnan(f.at["INDX", "net_debt_to_ebitda_vs_sector"])
    assert math.isnan(f.at["TEC0", "net_debt_to_ebitda_vs_sector"])   # 4 peers < 5
    assert math.isnan(f.at["NOSEC", "net_debt_to_ebitda_above_sector"])


# -- analyst coverage ------------------------------------------------------------------------

def test_coverage_bands_and_estimate_dispersion():
    est = [{"ticker": t, "n_analysts": n, "eps_cy": avg, "eps_cy_low": lo, "eps_cy_high": hi}
           for t, n, avg, lo, hi in [("N0", 0, None, None, None), ("N1", 1, 1.0, 1.0, 1.0),
                                     ("N2", 2, 2.0, 1.8, 2.4), ("N3", 3, 1.35, 1.2, 1.5),
                                     ("N5", 5, -0.5, -0.8, -0.3), ("N6", 6, 0.0, -0.1, 0.1),
                                     ("N9", 9, 1.0, 1.2, 0.9)]]
    est.append({"ticker": "NX", "eps_cy": 1.0})
    f = frame(estimates=est).frame
    bands = f["analyst_coverage_band"]
    assert [bands[t] for t in ("N0", "N1", "N2", "N3", "N5", "N6", "N9")] == \
        [0, 1, 1, 2, 2, 3, 3]
    assert math.isnan(bands["NX"])
    d = f["estimate_dispersion"]
    assert d["N3"] == pytest.approx(0.3 / 1.35)
    assert d["N2"] == pytest.approx(0.6 / 2.0)
    assert d["N5"] == pytest.approx(0.5 / 0.5)        # |consensus| for a loss estimate
    assert math.isnan(d["N1"])                         # one analyst: nothing to disperse
    assert math.isnan(d["N6"])                         # consensus 0
    assert math.isnan(d["N9"])                         # high below low: bad data
    assert math.isnan(d["NX"])


def test_floating_rate_debt_is_a_balance_on_the_point_in_time_path():
    """Merge guard: the quarterly assembly (history.asof, branch i12b) sums flows over four
    quarters; floating-rate debt is an instant and must be taken at the latest quarter."""
    asof = pytest.importorskip("screener.history.asof")
    assert "floating_rate_debt" in asof.BALANCES
