"""Series computed from our own prices, memberships and estimates, checked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from screener.history.store import HistoryStore
from screener.regime.computed import refresh_computed, stored_id
from screener.regime.macro import known_series

BENCH = {"small": "IWM", "large": "SPY", "quality": "IJR"}


def _prices(days, ticker, close):
    return pd.DataFrame({"ticker": ticker, "date": days, "close": close, "adj_close": close,
                         "volume": 1e6, "source": "test"})


@pytest.fixture
def store(tmp_path):
    """Three members over 300 days: UP rises every day, DOWN falls, FLAT rises then drops
    on the last day. OUT is not a member until the last snapshot. IWM/SPY/IJR benchmarks."""
    st = HistoryStore(tmp_path / "h")
    days = pd.bdate_range("2023-01-02", periods=300)
    n = len(days)
    up = 100 + np.arange(n, dtype=float)
    down = 400 - np.arange(n, dtype=float)
    flat = 100 + np.arange(n, dtype=float) * 0.1
    flat[-1] = 50.0
    iwm = 200 * (1 + 0.001 * np.arange(n))
    spy = np.full(n, 400.0)
    ijr = np.full(n, 100.0)
    st.write("prices", pd.concat([_prices(days, "UP", up), _prices(days, "DOWN", down),
                                  _prices(days, "FLAT", flat), _prices(days, "OUT", up),
                                  _prices(days, "IWM", iwm), _prices(days, "SPY", spy),
                                  _prices(days, "IJR", ijr)]))
    snap1 = pd.DataFrame({"universe": "russell2000", "as_of": days[0],
                          "ticker": ["UP", "DOWN", "FLAT"], "source": "test"})
    snap2 = pd.DataFrame({"universe": "russell2000", "as_of": days[-1],
                          "ticker": ["UP", "DOWN", "FLAT", "OUT"], "source": "test"})
    st.write("memberships", pd.concat([snap1, snap2]))
    st.write("estimates", pd.DataFrame({
        "ticker": ["UP", "DOWN", "FLAT", "OUT"], "as_of": days[-2],
        "up_30d": [3.0, 0.0, 1.0, 50.0], "down_30d": [0.0, 2.0, 0.0, 0.0], "source": "test"}))
    return st, days


def test_breadth_and_benchmark_ratios(store):
    st, days = store
    n = refresh_computed(st, "russell2000", BENCH)
    assert n > 0
    ids = [stored_id(s, "russell2000") for s in ("breadth_50d", "breadth_200d",
                                                 "highs_lows_52w", "advancers",
                                                 "revision_breadth")] + \
        ["iwm_spy", "iwm_spy_breakout", "ijr_iwm"]
    s = known_series(st, ids)
    last, before = days[-1], days[-2]
    b50 = s["breadth_50d:russell2000"]
    # day before the end: UP and FLAT above their 50-day mean, DOWN below -> 2/3
    assert b50[before] == pytest.approx(2 / 3)
    # last day: OUT joins (above), FLAT drops below -> UP, OUT of 4
    assert b50[last] == pytest.approx(2 / 4)
    assert s["breadth_200d:russell2000"].index[0] == days[199]   # needs 200 days
    # 52w: on the day before the end UP and FLAT make highs, DOWN a low -> (2 - 1) / 3
    hl = s["highs_lows_52w:russell2000"]
    assert hl.index[0] == days[251] and hl[before] == pytest.approx(1 / 3)
    assert s["advancers:russell2000"][last] == pytest.approx((2 - 2) / 4)
    assert s["iwm_spy"][last] == pytest.approx(200 * (1 + 0.001 * 299) / 400)
    # the ratio rises every day: at a new high, 1 day of growth above the prior max
    assert s["iwm_spy_breakout"][last] == pytest.approx(
        (1 + 0.001 * 299) / (1 + 0.001 * 298) - 1)
    assert s["ijr_iwm"][days[0]] == pytest.approx(0.5)
    # revisions on days[-2]: members then are UP, DOWN, FLAT (OUT not yet): (4 - 2) / 6
    assert s["revision_breadth:russell2000"][before] == pytest.approx(2 / 6)


def test_refresh_is_incremental_and_idempotent(store):
    st, days = store
    refresh_computed(st, "russell2000", BENCH)
    assert refresh_computed(st, "russell2000", BENCH) == 0
    nxt = pd.bdate_range(days[-1], periods=2)[1:]
    st.write("prices", pd.concat([_prices(nxt, t, [v]) for t, v in
                                  [("UP", 500.0), ("DOWN", 1.0), ("FLAT", 200.0), ("OUT", 500.0),
                                   ("IWM", 300.0), ("SPY", 400.0), ("IJR", 100.0)]]))
    written = refresh_computed(st, "russell2000", BENCH)
    assert 0 < written <= 10   # one new day per series
    s = known_series(st, ["breadth_50d:russell2000"])["breadth_50d:russell2000"]
    assert s.index[-1] == nxt[0] and s.iloc[-1] == pytest.approx(3 / 4)


def test_computed_series_are_known_from_their_close_only(store):
    st, days = store
    refresh_computed(st, "russell2000", BENCH)
    s = known_series(st, ["iwm_spy"], as_of=days[100])["iwm_spy"]
    assert s.index[-1] == days[100]


def _q(ticker, item, end, value, filed, start=True):
    end = pd.Timestamp(end)
    return {"ticker": ticker, "item": item, "value": value,
            "period_start": (end - pd.DateOffset(months=3) + pd.Timedelta(days=1)) if start
            else pd.NaT, "period_end": end, "fiscal_year": end.year, "fiscal_period": "Q",
            "form": "10-Q", "filed": pd.Timestamp(filed), "source": "sec"}


def test_refinancing_wall_share_and_median_pe_use_statements_first_filed(store):
    """Quarter end 2023-06-30: UP (eps 1/quarter, cash 10 vs 5 due) and FLAT (eps 2/quarter,
    no balance sheet) and DOWN (losses, 50 due vs cash 1). A 10-Q for Q2 filed in August
    (eps 100) must not count on 2023-06-30, and counts on 2023-09-30."""
    st, days = store
    rows = []
    for end in ["2022-06-30", "2022-09-30", "2022-12-31", "2023-03-31"]:
        filed = pd.Timestamp(end) + pd.Timedelta(days=30)
        rows += [_q("UP", "eps_diluted", end, 1.0, filed), _q("FLAT", "eps_diluted", end, 2.0,
                                                               filed),
                 _q("DOWN", "eps_diluted", end, -1.0, filed),
                 _q("DOWN", "free_cash_flow", end, -1.0, filed)]
    rows += [_q("UP", "cash", "2023-03-31", 10.0, "2023-04-30", start=False),
             _q("UP", "short_term_debt", "2023-03-31", 5.0, "2023-04-30", start=False),
             _q("DOWN", "cash", "2023-03-31", 1.0, "2023-04-30", start=False),
             _q("DOWN", "short_term_debt", "2023-03-31", 50.0, "2023-04-30", start=False),
             _q("UP", "eps_diluted", "2023-06-30", 100.0, "2023-08-10")]
    st.write("facts", pd.DataFrame(rows))
    refresh_computed(st, "russell2000", BENCH)
    ids = [stored_id("refi_wall_share", "russell2000"), stored_id("median_pe", "russell2000")]
    s = known_series(st, ids)
    q2 = pd.Timestamp("2023-06-30")
    i = days.get_loc(q2)
    up, flat = 100 + i, 100 + i * 0.1
    assert s[ids[0]][q2] == pytest.approx(1 / 2)            # DOWN's wall; FLAT has no balance
    assert s[ids[1]][q2] == pytest.approx(np.median([up / 4.0, flat / 8.0]))
    q3 = pd.Timestamp("2023-09-29")                           # last trading day of Q3
    j = days.get_loc(q3)
    assert s[ids[1]][q3] == pytest.approx(np.median([(100 + j) / 103.0, (100 + j * 0.1) / 8.0]))
