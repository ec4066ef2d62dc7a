"""Our vectorised factor statistics equal alphalens-reloaded's on the same input."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from screener.backtest.factors import factor_stats

warnings.filterwarnings("ignore", category=FutureWarning)
warnings.filterwarnings("ignore", category=DeprecationWarning)


def _panel(seed=3, d=12, n=57, holes=0.15):
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2015-01-30", periods=d, freq="BME")
    f = rng.normal(size=(d, n))
    r = 0.02 * f + rng.normal(0, 0.05, (d, n))   # a factor with some skill
    f[rng.random((d, n)) < holes] = np.nan
    r[rng.random((d, n)) < holes] = np.nan
    universe = rng.random((d, n)) > 0.1
    return dates, f, r, universe


def _alphalens(dates, f, r, universe, buckets):
    import alphalens.performance as perf
    import alphalens.utils as au

    assets = [f"T{j:03d}" for j in range(f.shape[1])]
    idx = pd.MultiIndex.from_product([dates, assets], names=["date", "asset"])
    keep = universe.ravel()
    factor = pd.Series(f.ravel(), index=idx)[keep].dropna()
    fwd = pd.DataFrame({"1m": r.ravel()}, index=idx)[keep]
    fd = au.get_clean_factor(factor, fwd, quantiles=buckets, max_loss=1.0)
    ic = perf.factor_information_coefficient(fd)["1m"]
    mr, _ = perf.mean_return_by_quantile(fd, by_date=True, demeaned=False)
    mr = mr["1m"].unstack(0)
    turn = perf.quantile_turnover(fd["factor_quantile"], buckets, period=1)
    return fd, ic, mr, turn


@pytest.mark.parametrize("buckets", [5, 3, 10])
def test_quantile_returns_ic_and_turnover_equal_alphalens(buckets):
    dates, f, r, universe = _panel()
    ours = factor_stats("x", "1m", dates, f, r, buckets, universe)
    fd, ic, mr, turn = _alphalens(dates, f, r, universe, buckets)
    per = ours.per_date
    np.testing.assert_allclose(per["ic"].to_numpy(), ic.reindex(dates).to_numpy(), atol=1e-12)
    for q in range(1, buckets + 1):
        np.testing.assert_allclose(per[f"q{q}"].to_numpy(), mr[q].reindex(dates).to_numpy(),
                                   atol=1e-12)
    # alphalens' turnover compares with the previous date it holds names for: same dates here
    np.testing.assert_allclose(per["turnover_top"].to_numpy()[1:],
                               turn.reindex(dates).to_numpy()[1:], atol=1e-12)
    assert ours.summary["kept"] == len(fd)
    assert ours.summary["ic_mean"] == pytest.approx(ic.mean(), abs=1e-12)
    from scipy import stats
    assert ours.summary["ic_t"] == pytest.approx(stats.ttest_1samp(ic, 0).statistic, abs=1e-9)
    assert ours.summary["ic_hit_rate"] == pytest.approx((ic > 0).mean())


def test_a_skilled_factor_shows_a_positive_spread_and_ic():
    dates, f, r, universe = _panel(seed=5, d=24, n=200, holes=0.0)
    s = factor_stats("x", "1m", dates, f, r, 5, universe).summary
    assert s["ic_mean"] > 0.2 and s["ic_t"] > 5
    assert s["spread"] > 0.02 and s["q5"] > s["q1"]


def test_lower_is_better_flips_the_spread_and_counts_drops():
    dates, f, r, universe = _panel(seed=5, d=6, n=40)
    up = factor_stats("x", "1m", dates, f, r, 5, universe)
    down = factor_stats("x", "1m", dates, f, r, 5, universe, higher_better=False)
    np.testing.assert_allclose(up.per_date["spread"], -down.per_date["spread"])
    s = up.summary
    assert s["rows"] == universe.sum()
    assert s["dropped_no_value"] == int((universe & np.isnan(f)).sum())
    assert s["dropped_no_return"] == int((universe & ~np.isnan(f) & np.isnan(r)).sum())
    assert s["kept"] + s["dropped_no_value"] + s["dropped_no_return"] == s["rows"]


def test_tied_values_keep_the_date_with_tied_names_in_one_bucket():
    dates = pd.date_range("2020-01-31", periods=1, freq="BME")
    f = np.array([[0, 0, 0, 0, 0, 1, 2, 3, 4, 5.0]])
    r = np.arange(10.0)[None, :] / 100
    st = factor_stats("piotroski", "1m", dates, f, r, 5, np.ones_like(f, bool))
    assert st.summary["tied_dates"] == 1
    assert st.per_date["q1"].iloc[0] == pytest.approx(np.mean([0, 1, 2, 3, 4]) / 100)
    assert st.per_date["q2"].isna().iloc[0]  # the tie fills bucket 1; bucket 2 is empty


def test_average_ranks_equal_scipy_with_ties_and_gaps():
    from scipy.stats import rankdata

    from screener.backtest.factors import average_ranks
    rng = np.random.default_rng(1)
    x = rng.integers(0, 6, (30, 40)).astype(float)  # many ties
    x[rng.random(x.shape) < 0.2] = np.nan
    x[3] = np.nan  # an empty row
    np.testing.assert_allclose(average_ranks(x), rankdata(x, axis=1, nan_policy="omit"),
                               equal_nan=True)


def test_quantile_edges_equal_numpy_nanquantile_bit_for_bit():
    """The edges come from one sort of all rows; numpy.nanquantile (row by row) must give
    the very same floats, or a name on an edge could change bucket."""
    from screener.backtest.factors import _sort_rows, nan_quantile_edges, quantiles
    rng = np.random.default_rng(7)
    cont = rng.normal(size=(40, 53)) * 10.0 ** rng.integers(-3, 9, (40, 1))
    ties = rng.integers(0, 4, (40, 53)).astype(float)
    for x in (cont, ties):
        x = x.copy()
        x[rng.random(x.shape) < 0.3] = np.nan
        x[5, 1:] = np.nan   # one value
        x[6, 2:] = np.nan   # two values
        x[7] = np.nan       # none
        valid = ~np.isnan(x)
        k = valid.sum(axis=1)
        rows = np.flatnonzero(k > 0)
        for n in (2, 5, 10):
            qs = np.linspace(0, 1, n + 1)
            want = np.nanquantile(x[rows], qs, axis=1).T
            got = nan_quantile_edges(_sort_rows(x)[1][rows], k[rows], qs)
            np.testing.assert_array_equal(got, want)
            q, tied = quantiles(x, valid, n)
            for r in rows:  # the per-row definition: searchsorted on numpy's edges
                e = np.nanquantile(x[r], qs)
                assert tied[r] == bool((np.diff(e) == 0).any())
                np.testing.assert_array_equal(
                    q[r, valid[r]], np.searchsorted(e[1:-1], x[r, valid[r]], "left") + 1)
            assert not q[~valid].any() and not q[7].any()


def test_sorting_once_per_factor_and_horizon_changes_no_figure():
    """The run sorts each factor once for all horizons and each horizon's returns once for
    all factors, then keeps the valid names: every figure equals sorting each pair anew."""
    from screener.backtest.factors import sort_base
    dates, f, r, universe = _panel(seed=11, d=15, n=80)
    f = np.round(f, 1)  # ties in the factor ...
    r = np.round(r, 2)  # ... and in the returns
    for buckets in (3, 5):
        plain = factor_stats("x", "1m", dates, f, r, buckets, universe)
        reused = factor_stats("x", "1m", dates, f, r, buckets, universe,
                              sorted_f=sort_base(f, universe & np.isfinite(f)),
                              sorted_r=sort_base(r, np.isfinite(r)))
        pd.testing.assert_frame_equal(plain.per_date, reused.per_date, check_exact=True)
        assert plain.summary.keys() == reused.summary.keys()
        for k, v in plain.summary.items():
            assert (v == reused.summary[k]) or (pd.isna(v) and pd.isna(reused.summary[k])), k
        assert plain.per_date["ic"].notna().all()


def test_a_single_metric_backtest_matches_alphalens_at_every_date(tmp_path):
    """End to end: the run's quintile returns and IC per date equal alphalens fed with the
    same factor values and independently computed forward returns (delisting included)."""
    from screener.backtest.run import BacktestConfig, run_backtest
    from screener.backtest.schedule import rebalance_dates

    from .world import DAYS, DELISTED, RATES, ROIC, HandSource, write_screen

    res = run_backtest(BacktestConfig(screen=write_screen(tmp_path), start="2020-01",
                                      end="2020-12", horizons="1m"), source=HandSource())
    signals = rebalance_dates("2020-01-01", "2021-01-31")
    rows, fwd = [], []
    for k, d in enumerate(signals[:12]):
        entry = DAYS[DAYS.get_loc(d) + 1]
        exit_ = DAYS[DAYS.get_loc(signals[k + 1]) + 1]
        for t, v in ROIC.items():
            if t in DELISTED and DELISTED[t][0] < d:
                continue
            last = min(exit_, DELISTED[t][0]) if t in DELISTED else exit_
            g = (1 + RATES[t]) ** (DAYS.get_loc(last) - DAYS.get_loc(entry))
            if t in DELISTED and DELISTED[t][0] < exit_:
                g *= 1 - 0.30
            rows.append((d, t, v))
            fwd.append(g - 1)
    idx = pd.MultiIndex.from_tuples([(d, t) for d, t, _ in rows], names=["date", "asset"])
    factor = pd.Series([v for *_, v in rows], index=idx)
    import alphalens.performance as perf
    import alphalens.utils as au
    fd = au.get_clean_factor(factor, pd.DataFrame({"1m": fwd}, index=idx), quantiles=5,
                             max_loss=1.0)
    ic = perf.factor_information_coefficient(fd)["1m"]
    mr = perf.mean_return_by_quantile(fd, by_date=True, demeaned=False)[0]["1m"].unstack(0)
    ours = res.tables["factor_dates"].query("factor == 'roic' and horizon == '1m'")
    ours = ours.set_index("date")
    np.testing.assert_allclose(ours["ic"], ic.reindex(ours.index), atol=1e-9)
    for q in range(1, 6):
        np.testing.assert_allclose(ours[f"q{q}"], mr[q].reindex(ours.index), atol=1e-9)
