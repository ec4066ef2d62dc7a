"""Indicator transforms equal their definitions and the field's libraries (scipy, pandas)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from screener.regime.transforms import Transform


@pytest.fixture
def weekly():
    rng = np.random.default_rng(7)
    idx = pd.date_range("2010-01-01", "2024-12-27", freq="W-FRI")
    return pd.Series(np.cumsum(rng.normal(0, 1, len(idx))) + 50, index=idx)


def test_percentile_over_ten_years_equals_scipy_weak(weekly):
    pos = np.array([len(weekly) - 1, 600, 10])
    got = Transform.parse("percentile 10y").at(weekly, pos)
    for g, p in zip(got, pos):
        d = weekly.index[p]
        window = weekly[(weekly.index > d - pd.DateOffset(years=10)) & (weekly.index <= d)]
        assert g == pytest.approx(stats.percentileofscore(window, weekly.iloc[p],
                                                          kind="weak") / 100, abs=1e-12)


def test_zscore_equals_its_definition(weekly):
    p = len(weekly) - 1
    got = Transform.parse("zscore 5y").at(weekly, np.array([p]))[0]
    d = weekly.index[p]
    w = weekly[weekly.index > d - pd.DateOffset(years=5)]
    assert got == pytest.approx((weekly.iloc[p] - w.mean()) / w.std(ddof=1), rel=1e-12)


def test_change_uses_the_last_observation_on_or_before_the_cut():
    s = pd.Series([1.0, 2.0, 4.0, 8.0],
                  index=pd.to_datetime(["2024-01-02", "2024-01-31", "2024-02-29", "2024-04-01"]))
    assert Transform.parse("change 1m").at(s, np.array([3]))[0] == 8.0 - 4.0   # 2024-03-01 cut
    assert Transform.parse("change 2m").at(s, np.array([3]))[0] == 8.0 - 2.0   # 2024-02-01 cut
    assert np.isnan(Transform.parse("change 3m").at(s, np.array([3]))[0])      # nothing that old
    assert Transform.parse("pct_change 2m").at(s, np.array([3]))[0] == pytest.approx(3.0)


def test_ma_cross_equals_pandas_rolling_means(weekly):
    p = np.arange(len(weekly))
    got = Transform.parse("ma_cross 10/40").at(weekly, p)
    want = weekly.rolling(10).mean() / weekly.rolling(40).mean() - 1
    np.testing.assert_allclose(got, want.to_numpy(), rtol=1e-10, equal_nan=True)


def test_from_high_is_the_cumulative_move_since_the_peak():
    s = pd.Series([5.25, 5.50, 5.25, 4.75, 4.50],
                  index=pd.to_datetime(["2023-07-27", "2023-09-01", "2024-09-18", "2024-11-07",
                                        "2024-12-18"]))
    assert Transform.parse("from_high 2y").at(s, np.array([4]))[0] == pytest.approx(-1.0)
    assert Transform.parse("from_low 3m").at(s, np.array([4]))[0] == pytest.approx(0.0)
    assert Transform.parse("from_low 1y").at(s, np.array([4]))[0] == pytest.approx(0.0)
    assert Transform.parse("from_high 3m").at(s, np.array([4]))[0] == pytest.approx(-0.25)


def test_nothing_after_the_position_is_seen(weekly):
    p = np.array([400])
    for text in ("level", "change 3m", "percentile 10y", "zscore 10y", "ma_cross 4/12",
                 "from_high 1y", "from_low 1y"):
        t = Transform.parse(text)
        cut = weekly.iloc[:401]
        assert t.at(weekly, p)[0] == t.at(cut, p)[0], text


@pytest.mark.parametrize("bad, msg", [("median 3m", "unknown transform"),
                                      ("change", "needs a window"),
                                      ("change 3q", "not like"),
                                      ("ma_cross 200/50", "F < S"),
                                      ("level 3m", "no window")])
def test_bad_transforms_say_what_is_expected(bad, msg):
    with pytest.raises(ValueError, match=msg):
        Transform.parse(bad)
