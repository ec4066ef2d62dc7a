"""The run date's rates read point in time from the history store's ``macro`` dataset: the
latest observation released by the date (a later revision or observation never leaks), FRED
percent as a fraction, stale or absent series NaN with a note, and the pipeline handing them
to the metrics through the bundle."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from screener.history.rates import rates_as_of
from screener.history.store import HistoryStore
from screener.raw.rates import HY_YIELD, TREASURY_10Y


def rows(*recs):
    return pd.DataFrame([{"series": s, "date": pd.Timestamp(d), "value": v,
                          "released": pd.Timestamp(r), "source": "fred"}
                         for s, d, v, r in recs])


@pytest.fixture
def store(tmp_path):
    st = HistoryStore(tmp_path / "history")
    st.write("macro", rows(
        (TREASURY_10Y, "2025-06-26", 4.30, "2025-06-27"),
        (TREASURY_10Y, "2025-06-27", 4.25, "2025-06-30"),
        # a revision of the 27 June value, released after the run date: must not be seen
        (TREASURY_10Y, "2025-06-27", 9.99, "2025-07-15"),
        # an observation after the run date: must not be seen
        (TREASURY_10Y, "2025-07-01", 8.88, "2025-07-02"),
        (HY_YIELD, "2025-04-30", 7.90, "2025-05-01"),   # 61 days before: stale
    ))
    return st


def test_latest_value_released_by_the_date_as_a_fraction(store):
    r = rates_as_of(store, dt.date(2025, 6, 30))
    assert r.treasury_10y == pytest.approx(0.0425)
    assert r.dates[TREASURY_10Y] == "2025-06-27"
    r_before = rates_as_of(store, dt.date(2025, 6, 29))   # 27 June not yet released
    assert r_before.treasury_10y == pytest.approx(0.0430)


def test_a_stale_series_is_nan_and_says_why(store):
    r = rates_as_of(store, dt.date(2025, 6, 30))
    assert math.isnan(r.hy_yield)
    assert any("BAMLH0A0HYM2EY" in n and "61 days" in n and "refi_wall_rate_shock" in n
               for n in r.notes)
    assert rates_as_of(store, dt.date(2025, 5, 15)).hy_yield == pytest.approx(0.079)


def test_no_series_stored_is_nan_with_a_note(tmp_path):
    r = rates_as_of(HistoryStore(tmp_path / "empty"), dt.date(2025, 6, 30))
    assert math.isnan(r.treasury_10y) and math.isnan(r.hy_yield)
    assert len(r.notes) == 2 and all("NaN" in n for n in r.notes)


def test_the_pipeline_hands_stored_rates_to_the_metrics(store, monkeypatch):
    from screener.metrics import build_standard_frame
    from screener.pipeline import _stored_rates
    from screener.raw.bundle import RawBundle, block_from_records

    monkeypatch.setenv("SCREENER_HISTORY_DIR", str(store.root))
    rates = _stored_rates(dt.date(2025, 6, 30))
    bundle = RawBundle(
        identity=block_from_records("identity", [{"ticker": "ABC", "name": "Abc"}]),
        statements=block_from_records("statements", [
            {"ticker": "ABC", "fiscal_year": 2024, "period_end": "2024-12-31", "source": "t",
             "total_debt": 100e6, "interest_expense": 7e6, "operating_income": 20e6}]),
        rates=rates)
    sf = build_standard_frame(bundle, as_of=dt.date(2025, 6, 30))
    assert sf.frame.at["ABC", "cost_of_debt_spread"] == pytest.approx(0.07 - 0.0425)
    notes = [f.reason for f in sf.failures if f.dataset == "macro"]
    assert len(notes) == 1 and "BAMLH0A0HYM2EY" in notes[0]      # the stale HY yield


def test_no_macro_dataset_means_no_rates_object(tmp_path, monkeypatch):
    from screener.pipeline import _stored_rates

    monkeypatch.setenv("SCREENER_HISTORY_DIR", str(tmp_path / "nothing"))
    assert _stored_rates(dt.date(2025, 6, 30)) is None


def test_a_loop_over_dates_loads_once_and_sees_each_date_as_of_it(store):
    from screener.history.rates import RatesHistory

    hist = RatesHistory.load(store, dt.date(2025, 5, 1), dt.date(2025, 7, 31))
    assert hist.as_of(dt.date(2025, 6, 29)).treasury_10y == pytest.approx(0.0430)
    assert hist.as_of(dt.date(2025, 6, 30)).treasury_10y == pytest.approx(0.0425)
    assert hist.as_of(dt.date(2025, 7, 2)).treasury_10y == pytest.approx(0.0888)
    # the revision of 27 June is known from 15 July, but 1 July is the latest observation then
    assert hist.as_of(dt.date(2025, 7, 20)).dates[TREASURY_10Y] == "2025-07-01"
    for day in (dt.date(2025, 6, 30), dt.date(2025, 7, 2)):
        assert hist.as_of(day) == rates_as_of(store, day)
