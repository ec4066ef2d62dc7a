"""The fictional history: deterministic, cached, point-in-time shaped, and its phases visible."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from screener.history.schema import DATASETS
from screener.providers.sample import SampleProvider
from screener.sample.history import END, VERSION, cache_dir, identity, info, sample_history
from screener.sample.macro import SERIES

N = 240
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return sample_history(2026, N, 20, cache=tmp_path_factory.mktemp("sample-cache"))


@pytest.fixture(scope="module")
def adj(store) -> pd.DataFrame:
    rows = store.read("prices", columns=["ticker", "date", "adj_close"])
    return rows.pivot(index="date", columns="ticker", values="adj_close")


@pytest.fixture(scope="module")
def annual_facts(store) -> pd.DataFrame:
    return store.read("facts", where={"item": ["net_income", "total_assets"],
                                      "fiscal_period": "FY"})


def _roa_known(facts: pd.DataFrame, day) -> pd.Series:
    """Return on assets of the latest 10-K filed by ``day`` (what a screen could see then)."""
    known = facts[(facts["filed"] <= pd.Timestamp(day)) & (facts["form"] == "10-K")]
    last = known.sort_values("period_end").groupby(["ticker", "item"])["value"].last().unstack()
    return (last["net_income"] / last["total_assets"]).dropna()


def _decile_returns(adj, facts, start, end) -> tuple[float, float]:
    """Median return of the lowest- and highest-ROA deciles (as known at start) over the window
    (the median: a few hundred names leave a mean at the mercy of one volatile name)."""
    roa = _roa_known(facts, start)
    p0, p1 = adj.loc[:start].iloc[-1], adj.loc[:end].iloc[-1]
    ret = (p1 / p0 - 1).reindex(roa.index).dropna()
    roa = roa.reindex(ret.index)
    decile = pd.qcut(roa.rank(method="first"), 10, labels=False)
    by = ret.groupby(decile).median()
    return by.iloc[0], by.iloc[-1]


# -- the contract ---------------------------------------------------------------------------

def test_every_dataset_is_written_and_labelled_fictional(store):
    held = store.info().set_index("dataset")
    assert set(held.index) == set(DATASETS)
    for name in DATASETS:
        assert set(store.read(name, columns=["source"])["source"]) == {"sample"}, name
    meta = info(store)
    assert meta["fictional"] is True and meta["version"] == VERSION and meta["n"] == N


def test_tickers_are_obviously_fictional_and_benchmarks_present(store):
    tickers = set(store.read("prices", columns=["ticker"])["ticker"])
    assert {"IWM", "IJR", "SPY"} <= tickers
    names = tickers - {"IWM", "IJR", "SPY"}
    assert all(re.fullmatch(r"[A-Z]{4}[0-9]", t) for t in names)
    ident = identity(store)
    assert set(ident.index) == names
    assert int(ident["live"].sum()) == N and (~ident["live"]).sum() > 0.25 * N


def test_twenty_years_of_trading_days(store, adj):
    days = adj.index
    assert days[-1] == pd.Timestamp(END)
    assert days[0] <= pd.Timestamp("2006-11-24") and 5000 < len(days) < 5060
    assert not (days.day_of_week >= 5).any()
    assert pd.Timestamp("2020-12-25") not in days   # exchange holidays are not trading days


def test_same_seed_same_history_other_seed_other(tmp_path):
    a = sample_history(7, 30, 2, cache=tmp_path / "a")
    b = sample_history(7, 30, 2, cache=tmp_path / "b")
    c = sample_history(8, 30, 2, cache=tmp_path / "c")
    for name in ("prices", "facts", "memberships", "estimates", "macro", "delistings"):
        pd.testing.assert_frame_equal(a.read(name), b.read(name))
    assert not a.read("prices")["close"].equals(c.read("prices")["close"])


# -- the cache ------------------------------------------------------------------------------

def test_second_call_reuses_the_cache(store):
    again_started = time.perf_counter()
    again = sample_history(2026, N, 20, cache=store.root.parent)
    assert time.perf_counter() - again_started < 0.5
    assert again.root == store.root == cache_dir(2026, N, 20, store.root.parent)


def test_two_processes_generating_at_once_share_one_complete_history(tmp_path):
    code = ("from screener.sample.history import info, sample_history; "
            f"s = sample_history(5, 25, 1, cache={str(tmp_path)!r}); "
            "print(len(s.read('prices')), info(s)['generated_by_pid'])")
    env_path = str(Path(__file__).resolve().parents[2])
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                              env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin",
                                   "SCREENER_DATA_DIR": str(tmp_path / "data")})
             for _ in range(2)]
    outs = [p.communicate(timeout=300)[0].strip() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert outs[0] == outs[1] and int(outs[0].split()[0]) > 0   # same rows, same generator
    assert int(outs[0].split()[1]) in {p.pid for p in procs}
    held = {p.name for p in tmp_path.iterdir() if not p.name.startswith(".")} - {"data"}
    assert held == {cache_dir(5, 25, 1).name}              # one history, generated once
    assert not list(tmp_path.glob(".*.tmp"))          # no temporary folder left behind


# -- today's snapshot is the history's last day ---------------------------------------------

def test_last_day_matches_the_demo_snapshot(store):
    world = SampleProvider(n=N).fetch()
    last = store.read("prices", start=END, end=END).set_index("ticker")
    price = world.market["price"].dropna()
    assert np.allclose(last.loc[price.index, "close"], price, atol=0.005)
    members = store.read("memberships", start=END, end=END)
    for universe in ("russell2000", "sp600"):
        held = set(members.loc[members["universe"] == universe, "ticker"])
        flagged = set(world.identity.index[world.identity[f"in_{universe}"]])
        assert held == flagged, universe


# -- filings --------------------------------------------------------------------------------

def test_filings_come_after_the_period_with_realistic_lags(store):
    facts = store.read("facts", where={"item": "revenue"})
    lag = (facts["filed"] - facts["period_end"]).dt.days
    q = facts["form"] == "10-Q"
    k = facts["form"] == "10-K"
    assert lag[q].between(25, 45).all() and lag[k].between(60, 90).all()
    assert (facts["filed"] <= pd.Timestamp(END)).all()
    flows = facts[facts["period_start"].notna()]
    months = ((flows["period_end"] - flows["period_start"]).dt.days + 1) / 30.44
    assert set(np.round(months).astype(int)) == {3, 12}


def test_fiscal_year_equals_its_four_quarters(store):
    facts = store.read("facts", where={"item": ["revenue", "net_income"],
                                       "form": ["10-Q", "10-K"]})
    q = facts[facts["fiscal_period"].isin(["Q1", "Q2", "Q3", "Q4"])]
    fy = facts[facts["fiscal_period"] == "FY"].set_index(["ticker", "item", "fiscal_year"])
    total = q.groupby(["ticker", "item", "fiscal_year"])["value"].agg(["sum", "size"])
    both = fy.join(total, how="inner")
    both = both[both["size"] == 4]
    assert len(both) > 1000
    assert np.allclose(both["value"], both["sum"], rtol=0, atol=1e-6)


def test_amendments_restate_later_with_other_values(store):
    facts = store.read("facts", where={"item": ["revenue", "net_income"]})
    amended = facts[facts["form"] == "10-Q/A"]
    assert len(amended) > 5
    key = ["ticker", "item", "period_start", "period_end"]
    first = facts[facts["form"] == "10-Q"].set_index(key)
    pair = amended.set_index(key).join(first.add_suffix("_first"), how="inner")
    assert len(pair) == len(amended)
    assert (pair["filed"] > pair["filed_first"]).all()
    assert (pair["value"] != pair["value_first"]).all()
    # an as-of read before the amendment sees only the first filing
    one = pair.iloc[0]
    seen = store.read("facts", tickers=[pair.index[0][0]], as_of=one["filed"] - pd.Timedelta(days=1),
                      where={"item": pair.index[0][1]})
    same = seen[seen["period_end"] == pair.index[0][3]]
    assert list(same["form"]) == ["10-Q"] and same["value"].iloc[0] == one["value_first"]


# -- delistings and memberships -------------------------------------------------------------

def test_delisted_names_stop_trading_and_filing_at_their_last_date(store):
    gone = store.read("delistings").set_index("ticker")
    assert set(gone["reason"]) == {"performance", "acquired"}
    bars = store.read("prices", tickers=list(gone.index), columns=["ticker", "date", "close"])
    last = bars.sort_values("date").groupby("ticker").last()
    assert (last.loc[gone.index, "date"] == gone["last_date"]).all()
    assert np.allclose(last.loc[gone.index, "close"], gone["last_price"])
    assert (gone["last_date"] < pd.Timestamp(END)).all()
    filed = store.read("facts", tickers=list(gone.index), columns=["ticker", "filed"])
    assert (filed.groupby("ticker")["filed"].max() <= gone["last_date"].reindex(
        filed["ticker"].unique())).all()
    members = store.read("memberships", tickers=list(gone.index))
    late = members["as_of"].to_numpy() > gone["last_date"].reindex(members["ticker"]).to_numpy()
    assert not late.any()
    # failures end cheap, take-overs do not
    by = gone.groupby("reason")["last_price"].median()
    assert by["performance"] < 3 < by["acquired"]


def test_memberships_change_over_time(store):
    m = store.read("memberships")
    r = m[m["universe"] == "russell2000"]
    dates = sorted(r["as_of"].unique())
    assert len(dates) >= 80
    sets = r.groupby("as_of")["ticker"].apply(set)
    adds = sum(len(sets.iloc[i] - sets.iloc[i - 1]) for i in range(1, len(sets)))
    drops = sum(len(sets.iloc[i - 1] - sets.iloc[i]) for i in range(1, len(sets)))
    assert adds > 20 and drops > 20
    sp = m[m["universe"] == "sp600"].groupby("as_of").size()
    assert sp.iloc[0] > 0.5 * sp.iloc[-1]
    weights = m.groupby(["universe", "as_of"])["weight"].sum()
    assert np.allclose(weights, 1.0)


# -- the phases -----------------------------------------------------------------------------

@pytest.mark.parametrize("start,end", [("2009-03-09", "2009-09-09"),
                                       ("2020-03-23", "2021-02-12"),
                                       ("2025-04-08", "2025-10-15")])
def test_low_quality_leads_the_rally_off_the_bottom(adj, annual_facts, start, end):
    low, high = _decile_returns(adj, annual_facts, start, end)
    assert low > high + 0.2, (low, high)


@pytest.mark.parametrize("start,end", [("2009-09-09", "2011-04-29"),
                                       ("2021-02-12", "2021-11-08"),
                                       ("2022-08-16", "2023-10-27")])
def test_quality_leads_later(adj, annual_facts, start, end):
    low, high = _decile_returns(adj, annual_facts, start, end)
    assert high > low, (low, high)


def test_benchmarks_follow_the_phases(adj):
    def ret(t, a, b):
        return adj[t].loc[:b].iloc[-1] / adj[t].loc[:a].iloc[-1] - 1

    assert ret("IWM", "2008-09-15", "2009-03-09") < -0.3               # sharp bear
    assert ret("IWM", "2009-03-09", "2009-09-09") > 0.25               # rally off the bottom
    assert ret("IWM", "2009-03-09", "2009-09-09") > ret("IJR", "2009-03-09", "2009-09-09")
    assert ret("IJR", "2008-09-15", "2009-03-09") > ret("IWM", "2008-09-15", "2009-03-09")
    assert ret("SPY", "2020-02-20", "2020-03-23") > ret("IWM", "2020-02-20", "2020-03-23")


def test_revisions_turn_before_the_rally(store):
    e = store.read("estimates", start="2008-06-01", end="2009-09-30")
    e["breadth"] = (e["up_30d"] - e["down_30d"]) / (e["up_30d"] + e["down_30d"]).replace(0, np.nan)
    month = e.groupby("as_of")["breadth"].mean()
    assert month.loc["2008-10":"2008-12"].mean() < -0.1          # cut through the bear
    assert month.loc["2009-02":"2009-03"].mean() > 0.1            # up before/at the March low
    assert ((e["eps_cy"] - e["eps_cy_30d"]).abs() > 0).mean() > 0.9


def test_macro_series_are_released_after_their_dates_and_follow_the_phases(store):
    m = store.read("macro")
    assert set(m["series"]) == set(SERIES)
    assert (m["released"] > m["date"]).all() and (m["released"] <= pd.Timestamp(END)).all()
    s = m.pivot_table(index="date", columns="series", values="value")
    hy = s["BAMLH0A0HYM2"].dropna()
    assert hy.loc["2009-02":"2009-03"].max() > 2 * hy.loc["2007-01":"2007-03"].mean()
    assert s["USREC"].dropna().loc["2008-11":"2009-02"].eq(1).all()
    assert s["USREC"].dropna().loc["2013":"2014"].eq(0).all()
    fed = s["DFEDTARU"].dropna()
    assert fed.loc["2009-06":"2015-06"].max() <= 0.5 and fed.loc["2023-06":"2023-12"].min() >= 5
    assert np.allclose(np.round(fed * 4), fed * 4)                  # quarter-point steps
    # as of a date, nothing released later is visible
    seen = store.read("macro", as_of="2020-03-31", where={"series": "ICSA"})
    assert seen["released"].max() <= pd.Timestamp("2020-03-31")
    assert seen["date"].max() < pd.Timestamp("2020-03-31")


def test_ten_ks_carry_the_maturity_ladder_of_today_at_the_end(store):
    ladder = store.read("facts", where={"item": ["due_y1", "due_y2", "due_after_y5"]})
    assert set(ladder["form"]) == {"10-K"} and (ladder["value"] >= 0).all()
    world = SampleProvider(n=N).fetch().ladder[["as_of", "due_y1"]].dropna()
    y1 = ladder[ladder["item"] == "due_y1"].set_index(["ticker", "period_end"])["value"]
    at = pd.MultiIndex.from_arrays([world.index, pd.to_datetime(world["as_of"])])
    here = y1.reindex(at)
    assert here.notna().sum() > 0.5 * N        # the demo's ladder is the history's latest 10-K
    assert np.allclose(here.dropna(), world["due_y1"].to_numpy()[here.notna().to_numpy()])


def test_short_interest_is_published_later_and_covered_in_the_junk_rally(store):
    si = store.read("short_interest")
    assert ((si["released"] - si["date"]).dt.days.between(10, 16)).all()
    assert si.groupby("date").size().loc["2019"].shape[0] == 24        # twice a month
    world = SampleProvider(n=N).fetch().market["short_pct_float"].dropna()
    last = si.sort_values("date").groupby("ticker")["short_pct_float"].last()
    common = world.index.intersection(last.index)
    assert np.allclose(last[common], world[common], atol=1e-5)
    roa = _roa_known(store.read("facts", where={"item": ["net_income", "total_assets"],
                                                "fiscal_period": "FY"}), "2009-03-09")
    junk = roa[roa <= roa.quantile(0.2)].index
    at = si[si["ticker"].isin(junk)].pivot_table(index="date", columns="ticker",
                                                 values="short_pct_float")
    assert at.loc["2009-02-27"].median() > 1.2 * at.loc["2009-09-15"].median()
