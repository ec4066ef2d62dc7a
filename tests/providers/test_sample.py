"""The fictional sample universe: deterministic, valid, internally consistent and realistic."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from screener.providers import provider_class
from screener.providers.sample import SampleProvider
from screener.raw import BLOCKS, validate_bundle
from screener.raw.bundle import Failure

GICS = {"Health Care", "Financials", "Industrials", "Information Technology",
        "Consumer Discretionary", "Energy", "Real Estate", "Materials", "Consumer Staples",
        "Utilities", "Communication"}


@pytest.fixture(scope="module")
def provider() -> SampleProvider:
    return SampleProvider()


@pytest.fixture(scope="module")
def bundle(provider):
    return provider.fetch()


@pytest.fixture(scope="module")
def latest(bundle) -> pd.DataFrame:
    """Identity + latest fiscal year + market, one row per ticker."""
    st = bundle.statements.drop(columns=["source"])
    last = st.groupby(level="ticker").tail(1).droplevel("fiscal_year")
    market = bundle.market.drop(columns=["source", "as_of"]).add_prefix("mkt_")
    return bundle.identity.join(last).join(market)


def _close(a, b, rtol=1e-9, atol=1.0) -> np.ndarray:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    present = ~(np.isnan(a) | np.isnan(b))
    return np.isclose(a[present], b[present], rtol=rtol, atol=atol)


# -- contract ---------------------------------------------------------------------------------

def test_registered_under_its_name_and_marked_as_sample(bundle):
    assert provider_class("sample") is SampleProvider
    assert SampleProvider.name == "sample" and SampleProvider.is_sample
    assert bundle.is_sample
    for name in ("statements", "ladder", "estimates", "market"):
        assert (bundle.block(name)["source"] == "sample").all()


def test_passes_raw_validation_with_zero_issues(bundle):
    _, issues = validate_bundle(bundle)
    assert issues.empty, issues.head(10).to_string()


def test_same_seed_same_frames_regardless_of_global_random_state():
    np.random.seed(1)
    a = SampleProvider(seed=7, n=400).fetch()
    np.random.seed(99)
    b = SampleProvider(seed=7, n=400).fetch()
    for name in BLOCKS:
        pd.testing.assert_frame_equal(a.block(name), b.block(name))


def test_different_seed_gives_a_different_universe():
    a = SampleProvider(seed=1, n=400).fetch()
    b = SampleProvider(seed=2, n=400).fetch()
    assert not a.identity.index.equals(b.identity.index)
    assert not np.allclose(np.sort(a.market["beta"].dropna())[:300],
                           np.sort(b.market["beta"].dropna())[:300])


def test_subset_fetch_and_unknown_ticker_failure(provider, bundle):
    picked = list(bundle.identity.index[[3, 10]])
    out = provider.fetch([picked[0], picked[1].lower(), "ZZZZ9"])
    assert sorted(out.identity.index) == sorted(picked)
    assert set(out.statements.index.get_level_values("ticker")) <= set(picked)
    pd.testing.assert_frame_equal(out.market, bundle.market.loc[sorted(picked)])
    assert out.failures == [Failure("ZZZZ9", "sample", "identity",
                                    "not in the fictional sample universe")]
    assert out.is_sample


def test_fetch_returns_copies(provider):
    first = provider.fetch()
    first.market["price"] = -1.0
    assert (provider.fetch().market["price"].dropna() > 0).all()
    pd.testing.assert_frame_equal(provider.universe(), provider.fetch().identity)


def test_as_of_moves_the_snapshot_dates_and_fiscal_years():
    b = SampleProvider(n=200).fetch(as_of=date(2027, 6, 30))
    st = b.statements
    years = st.index.get_level_values("fiscal_year")
    dec = pd.to_datetime(st["period_end"]).dt.month == 12
    assert (years[dec.to_numpy()].min(), years[dec.to_numpy()].max()) == (2022, 2026)
    # a fiscal year ending in March 2027 is filed by June 2027: that is the latest year
    assert years.max() == 2027
    latest = pd.to_datetime(st.groupby(level="ticker")["period_end"].max())
    assert (latest >= pd.Timestamp("2027-06-30") - pd.DateOffset(months=15)).all()  # none stale
    assert (b.market["as_of"] == pd.Timestamp("2027-06-30")).all()


def test_other_sizes_scale_the_index_stand_ins():
    b = SampleProvider(n=500).fetch()
    assert len(b.identity) == 500
    assert b.identity["in_sp600"].sum() == round(500 * 600 / 2600)
    assert validate_bundle(b)[1].empty


# -- identity ---------------------------------------------------------------------------------

def test_tickers_and_names_are_fictional_and_unique(bundle):
    idn = bundle.identity
    assert len(idn) == 2600
    assert idn.index.str.fullmatch(r"[A-Z]{4}[0-9]").all()
    assert idn.index.is_unique and idn["name"].is_unique
    assert idn["name"].str.fullmatch(r"[A-Z][a-z]+ [A-Z].*").all()
    assert set(idn["exchange"]) == {"NASDAQ", "New York Stock Exchange Inc."}
    assert (idn["exchange"] == "NASDAQ").mean() > 0.5


def test_sector_mix_looks_like_the_russell_2000(bundle):
    share = bundle.identity["sector"].value_counts(normalize=True)
    assert set(share.index) == GICS
    assert share["Financials"] == pytest.approx(0.17, abs=0.01)
    assert share["Health Care"] == pytest.approx(0.16, abs=0.01)
    assert share["Utilities"] == pytest.approx(0.03, abs=0.01)
    per_sector = bundle.identity.groupby("sector")["industry"].nunique()
    assert (per_sector >= 4).all()


def test_index_memberships_overlap_partially(bundle):
    r, s = bundle.identity["in_russell2000"], bundle.identity["in_sp600"]
    assert r.sum() == pytest.approx(1950, rel=0.05)
    assert s.sum() == pytest.approx(600, rel=0.02)
    assert 0.60 <= (r & s).sum() / s.sum() <= 0.75
    assert (~r & ~s).sum() > 0


# -- statements -------------------------------------------------------------------------------

def test_accounting_identities_hold_where_values_are_present(bundle):
    st = bundle.statements
    assert _close(st.gross_profit, st.revenue - st.cost_of_revenue).all()
    assert _close(st.ebitda, st.operating_income + st.depreciation_amortization).all()
    assert _close(st.free_cash_flow, st.operating_cash_flow - st.capital_expenditure).all()
    assert _close(st.total_debt, st.short_term_debt + st.long_term_debt).all()
    assert _close(st.total_assets, st.total_liabilities + st.total_equity).all()
    assert _close(st.pretax_income - st.income_tax, st.net_income).all()
    assert _close(st.eps_diluted, st.net_income / st.shares_diluted, atol=1e-9).all()
    both = st[["total_liabilities", "total_debt"]].dropna()
    assert (both.total_liabilities >= both.total_debt).all()
    assert (st.capital_expenditure.dropna() >= 0).all()


def test_five_fiscal_years_mostly_december_some_recent_listings(bundle):
    st = bundle.statements
    years = st.index.get_level_values("fiscal_year")
    month = st["period_end"].dt.month
    # December (and September) years end in 2021-2025; June/March/January year ends of 2026
    # are filed by the 2026-11-20 snapshot, so those names run 2022-2026
    assert (years.min(), years.max()) == (2021, 2026)
    assert set(years[(month >= 9).to_numpy()]) == {2021, 2022, 2023, 2024, 2025}
    assert years[(month < 9).to_numpy()].max() == 2026
    counts = st.groupby(level="ticker").size()
    assert set(counts.unique()) == {3, 5}
    assert 0 < (counts == 3).mean() < 0.01
    assert 0.7 < (month == 12).mean() < 0.9
    assert (st["period_end"].dt.year == years).all()


def test_margins_follow_the_industry(latest):
    gm = (latest.gross_profit / latest.revenue).groupby(latest.industry).median()
    assert gm["Software"] > 0.6 > gm["Specialty Retail"]
    assert np.isnan(gm["Regional Banks"])           # banks report no cost of revenue


def test_about_forty_percent_of_russell_names_lose_money(latest):
    r = latest[latest.in_russell2000 & latest.net_income.notna()]
    assert 0.35 <= (r.net_income < 0).mean() <= 0.45


def test_sp600_names_were_profitable_when_admitted(provider, bundle, latest):
    admitted = provider.sp600_admission_year()
    assert set(admitted.index) == set(bundle.identity.index[bundle.identity.in_sp600])
    keys = pd.MultiIndex.from_arrays([admitted.index, admitted.to_numpy()])
    ni = bundle.statements["net_income"].reindex(keys)
    assert ni.notna().mean() > 0.9                  # the admission year is a reported year
    assert (ni.dropna() > 0).all()
    sp = latest[latest.in_sp600 & latest.net_income.notna()]
    assert 0.02 <= (sp.net_income < 0).mean() <= 0.08


def test_shares_change_slowly_and_market_shares_match_the_balance_sheet(bundle, latest):
    sh = bundle.statements["shares_outstanding"].groupby(level="ticker").pct_change().dropna()
    assert sh.abs().median() < 0.05
    ratio = (latest.mkt_shares_outstanding / latest.shares_outstanding).dropna()
    assert ratio.between(0.9, 1.1).mean() > 0.95


# -- correlations a user expects ----------------------------------------------------------------

def test_loss_makers_are_riskier_on_every_axis(bundle, latest):
    df = latest
    unp = df.net_income < 0
    net_debt = df.total_debt - df.cash - df.short_term_investments
    nd_ebitda = (net_debt / df.ebitda).where(df.ebitda > 0)
    coverage = df.operating_income / df.interest_expense.where(df.interest_expense > 0)
    drawdown = df.mkt_price / df.mkt_high_52w - 1
    est = bundle.estimates
    rev30 = np.sign(est.eps_cy - est.eps_cy_30d).reindex(df.index)   # median is often 0
    checks = {
        "beta": (df.mkt_beta, 1), "short interest": (df.mkt_short_pct_float, 1),
        "net debt/EBITDA": (nd_ebitda, 1), "interest coverage": (coverage, -1),
        "drawdown": (drawdown, -1), "volatility": (df.mkt_volatility_1y, 1),
        "estimate revision direction": (rev30, -1),
        "analysts": (est.n_analysts.reindex(df.index), -1),
    }
    for label, (values, sign) in checks.items():
        centre = "mean" if "direction" in label else "median"
        gap = (getattr(values[unp], centre)()
               - getattr(values[~unp & df.net_income.notna()], centre)())
        assert np.sign(gap) == sign, label
    assert df.mkt_beta[unp].median() > 1.3 > df.mkt_beta[~unp].median()


def test_market_caps_and_liquidity_look_like_small_caps(latest):
    cap = latest.mkt_market_cap
    assert 0.7e9 <= cap[latest.in_russell2000].median() <= 1.4e9
    assert 1.5e9 <= cap[latest.in_sp600].median() <= 3.0e9
    assert cap[latest.in_russell2000].between(150e6, 8e9).mean() > 0.85
    adv = latest.mkt_adv_3m_usd.dropna()
    assert 0.02 < (adv < 1e6).mean() < 0.2
    assert np.corrcoef(np.log(cap.reindex(adv.index).fillna(cap.median())), np.log(adv))[0, 1] > 0.5


def test_market_values_are_consistent(bundle):
    m = bundle.market
    assert _close(m.market_cap, m.price * m.shares_outstanding, rtol=1e-6).all()
    both = m[["price", "high_52w"]].dropna()
    assert (both.high_52w >= both.price).all()
    assert ((m.float_shares / m.shares_outstanding).dropna().between(0.59, 0.99)).all()
    assert (m.mom_12_1.dropna() >= -0.95).all()
    assert m.volatility_1y.dropna().between(0.2, 0.9).all()


# -- ladders and estimates ----------------------------------------------------------------------

def test_ladders_sum_to_debt_and_some_names_face_a_wall(bundle, latest):
    lad = bundle.ladder[[f"due_y{i}" for i in range(1, 6)] + ["due_after_y5"]]
    total = lad.sum(axis=1, min_count=6)
    debt = latest.total_debt.reindex(total.index)
    levered = (total > 0) & (debt > 0)
    assert (total[levered] / debt[levered]).between(0.9, 1.05).all()
    assert (total[debt == 0].dropna() == 0).all()
    wall = (lad.due_y1 + lad.due_y2)[levered] / total[levered] > 0.4
    assert 0.08 <= wall.mean() <= 0.18
    std = latest.short_term_debt.reindex(total.index)[levered]
    assert _close(std, lad.due_y1[levered], rtol=0.12).mean() > 0.95
    as_of = bundle.ladder["as_of"]
    assert (as_of == latest.period_end.reindex(as_of.index)).all()


def test_revision_counts_agree_with_the_direction_of_the_estimate_change(bundle):
    e = bundle.estimates
    assert (bundle.estimates["as_of"] == pd.Timestamp("2026-11-20")).all()
    for window, days in (("30d", "30d"), ("7d", "7d")):
        sub = e[[f"eps_cy_{days}", f"up_{window}", f"down_{window}", "eps_cy"]].dropna()
        change = np.sign(sub.eps_cy - sub[f"eps_cy_{days}"])
        net = np.sign(sub[f"up_{window}"] - sub[f"down_{window}"])
        assert (change == net).all(), window
    sub = e[["up_7d", "up_30d", "down_7d", "down_30d", "n_analysts"]].dropna()
    assert (sub.up_7d <= sub.up_30d).all() and (sub.down_7d <= sub.down_30d).all()
    assert (sub.up_30d <= sub.n_analysts).all() and (sub.down_30d <= sub.n_analysts).all()
    assert e.n_analysts.dropna().between(1, 15).all()


def test_missing_data_looks_like_a_real_feed(bundle):
    for name in ("statements", "ladder", "estimates", "market"):
        values = bundle.block(name)[BLOCKS[name].numeric_fields].to_numpy(dtype=float)
        assert 0.03 <= np.isnan(values).mean() <= 0.08, name
    n = len(bundle.identity)
    assert 0.05 <= 1 - len(bundle.estimates) / n <= 0.11
    assert 0.04 <= 1 - len(bundle.ladder) / n <= 0.08
    assert bundle.identity[["name", "sector", "industry", "exchange"]].notna().all().all()
