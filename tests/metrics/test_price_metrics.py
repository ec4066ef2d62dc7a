"""Price metrics from stored daily prices: equal to an independent per-ticker pandas
computation to 1e-9, equal to empyrical where it has the figure, and point in time."""

from __future__ import annotations

import empyrical
import numpy as np
import pandas as pd
import pytest

from screener.history.prices import PricePanel
from screener.metrics import build_standard_frame
from screener.metrics.catalog import CATALOG
from screener.raw.bundle import RawBundle, block_from_records

TICKERS = ["AAA", "BBB", "CCC", "NEW", "GONE"]
AS_OF = pd.Timestamp("2024-06-28")


def _long_prices(seed: int = 7) -> pd.DataFrame:
    """~3.5 years of business days; AAA has holes (halts), NEW listed 150 days before the as-of
    date, GONE stopped trading a year before; BBB pays dividends (adj_close != close)."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2021-01-04", "2024-12-31")
    rows = []
    bench = 100 * np.exp(np.cumsum(rng.normal(0.0003, 0.01, len(dates))))
    for t in ["IWM", *TICKERS]:
        noise = rng.normal(0.0004, 0.02, len(dates))
        close = 50 * np.exp(np.cumsum(noise)) if t != "IWM" else bench
        if t in ("AAA", "BBB"):
            close = close * (bench / bench[0]) ** 0.8  # some market exposure
        adj = close * (np.linspace(0.8, 1.0, len(dates)) if t == "BBB" else 1.0)
        vol = rng.integers(1_000, 90_000, len(dates)).astype(float)
        keep = np.ones(len(dates), dtype=bool)
        if t == "AAA":
            keep[rng.choice(len(dates) - 30, 25, replace=False)] = False  # holes, none recent
        if t == "NEW":
            keep[: dates.get_loc(AS_OF) - 149] = False
        if t == "GONE":
            keep[dates.get_loc(pd.Timestamp("2023-06-30")) + 1:] = False
        rows.append(pd.DataFrame({"ticker": t, "date": dates[keep], "close": close[keep],
                                  "adj_close": adj[keep], "volume": vol[keep]}))
    return pd.concat(rows, ignore_index=True)


def _bundle(long: pd.DataFrame) -> RawBundle:
    identity = block_from_records("identity", [{"ticker": t, "name": t} for t in TICKERS])
    return RawBundle(identity=identity, prices=PricePanel.from_long(long))


def _wilder(s: pd.Series, days: int = 14) -> float:
    """Wilder's RSI the textbook way: a Python loop over one ticker's own closes."""
    d = s.diff().dropna().to_numpy()
    g, lo = np.maximum(d, 0), np.maximum(-d, 0)
    ag, al = g[:days].mean(), lo[:days].mean()
    for x, y in zip(g[days:], lo[days:], strict=True):
        ag, al = (ag * (days - 1) + x) / days, (al * (days - 1) + y) / days
    return 100.0 if al == 0 else 100 - 100 / (1 + ag / al)


def _expected(long: pd.DataFrame, t: str) -> dict[str, float]:
    """One ticker's metrics from its own rows up to the as-of date, with pandas."""
    mine = long[(long.ticker == t) & (long.date <= AS_OF)].set_index("date")
    adj, close, vol = mine.adj_close, mine.close, mine.volume
    bench = long[long.ticker == "IWM"].set_index("date").adj_close
    r = adj.pct_change()
    b = bench.reindex(adj.index).pct_change()
    last = adj.iloc[-1]
    return {
        "price": close.iloc[-1],
        "ret_1m": last / adj.iloc[-22] - 1,
        "ret_3m": last / adj.iloc[-64] - 1,
        "ret_6m": last / adj.iloc[-127] - 1,
        "ret_12m": last / adj.iloc[-253] - 1,
        "mom_12_1": adj.iloc[-22] / adj.iloc[-253] - 1,
        "volatility": r.rolling(252).std().iloc[-1] * np.sqrt(252),
        "high_52w": adj.rolling(252).max().iloc[-1] * close.iloc[-1] / last,
        "low_52w": adj.rolling(252).min().iloc[-1] * close.iloc[-1] / last,
        "drawdown_52w": last / adj.rolling(252).max().iloc[-1] - 1,
        "dist_sma50": last / adj.rolling(50).mean().iloc[-1] - 1,
        "dist_sma200": last / adj.rolling(200).mean().iloc[-1] - 1,
        "rsi_14": _wilder(adj),  # the whole history: the warm-up fades
        "adv_3m": (close * vol).rolling(63).mean().iloc[-1],
        "rel_strength_12m": (last / adj.iloc[-253])
        / (bench[adj.index[-1]] / bench[adj.index[-253]]) - 1,
        "beta": r.iloc[-252:].cov(b.iloc[-252:]) / b.iloc[-252:].var(),
    }


@pytest.fixture(scope="module")
def long():
    return _long_prices()


@pytest.fixture(scope="module")
def frame(long):
    return build_standard_frame(_bundle(long), AS_OF.date())


@pytest.mark.parametrize("ticker", ["AAA", "BBB", "CCC"])
def test_values_equal_a_pandas_computation_per_ticker(frame, long, ticker):
    want = _expected(long, ticker)
    got = frame.frame.loc[ticker]
    for k, v in want.items():
        assert got[k] == pytest.approx(v, rel=1e-9, abs=1e-12), k


def test_volatility_and_beta_equal_empyrical(frame, long):
    aaa = long[(long.ticker == "CCC") & (long.date <= AS_OF)].set_index("date").adj_close
    bench = long[long.ticker == "IWM"].set_index("date").adj_close.reindex(aaa.index)
    r, b = aaa.pct_change().iloc[-252:], bench.pct_change().iloc[-252:]
    got = frame.frame.loc["CCC"]
    assert got["volatility"] == pytest.approx(empyrical.annual_volatility(r), rel=1e-9)
    assert got["beta"] == pytest.approx(empyrical.beta(r, b), rel=1e-9)


def test_short_history_gives_nan_for_longer_windows_only(frame):
    got = frame.frame.loc["NEW"]  # 150 trading days of history
    assert np.isfinite(got["ret_6m"]) and np.isfinite(got["dist_sma50"])
    for k in ("ret_12m", "mom_12_1", "volatility", "high_52w", "drawdown_52w", "beta",
              "dist_sma200", "rel_strength_12m"):
        assert np.isnan(got[k]), k


def test_a_name_that_stopped_trading_has_no_current_price_metrics(frame):
    got = frame.frame.loc["GONE"]
    assert np.isnan(got["price"]) and np.isnan(got["ret_1m"]) and np.isnan(got["rsi_14"])


def test_a_planted_later_price_does_not_change_an_as_of_value(long):
    before = build_standard_frame(_bundle(long), AS_OF.date()).frame
    planted = long.copy()
    later = planted.date > AS_OF
    planted.loc[later, ["close", "adj_close"]] *= 1000.0  # a crash-proof signal if it leaks
    planted.loc[later, "volume"] = 1e12
    after = build_standard_frame(_bundle(planted), AS_OF.date()).frame
    ids = [m for m in CATALOG if CATALOG[m].frequency == "daily"]
    pd.testing.assert_frame_equal(before[ids], after[ids])
    # and the values do move when the as-of date includes the planted days
    moved = build_standard_frame(_bundle(planted), pd.Timestamp("2024-12-31").date()).frame
    assert moved.loc["AAA", "price"] > 100 * before.loc["AAA", "price"]


def test_provenance_names_the_last_close_used(frame):
    p = frame.provenance
    assert p.loc["CCC", "prices_as_of"] == AS_OF
    assert p.loc["CCC", "prices_source"] == "history"
    assert pd.isna(p.loc["GONE", "prices_as_of"])


def test_without_stored_prices_the_provider_summary_is_used():
    identity = block_from_records("identity", [{"ticker": "AAA", "name": "A"}])
    market = block_from_records("market", [{"ticker": "AAA", "price": 10.0, "beta": 1.3,
                                            "mom_12_1": 0.2, "high_52w": 12.5,
                                            "source": "yahoo"}])
    f = build_standard_frame(RawBundle(identity=identity, market=market)).frame.loc["AAA"]
    assert f["beta"] == 1.3 and f["mom_12_1"] == 0.2 and f["price"] == 10.0
    assert f["drawdown_52w"] == pytest.approx(10 / 12.5 - 1)
    assert np.isnan(f["ret_1m"]) and np.isnan(f["rsi_14"])  # only we compute these


def test_a_ticker_missing_from_the_panel_falls_back_to_the_provider(long):
    identity = block_from_records("identity", [{"ticker": t, "name": t}
                                               for t in ["CCC", "ZZZ"]])
    market = block_from_records("market", [{"ticker": "ZZZ", "price": 3.0, "beta": 0.7,
                                            "source": "yahoo"},
                                           {"ticker": "CCC", "price": 1.0, "beta": 9.0,
                                            "source": "yahoo"}])
    sf = build_standard_frame(RawBundle(identity=identity, market=market,
                                        prices=PricePanel.from_long(long)), AS_OF.date())
    assert sf.frame.loc["ZZZ", "beta"] == 0.7 and sf.frame.loc["ZZZ", "price"] == 3.0
    assert sf.frame.loc["CCC", "beta"] != 9.0  # stored prices win over the summary
    assert pd.isna(sf.provenance.loc["ZZZ", "prices_source"])


def test_benchmark_is_configurable(long):
    other = long[long.ticker == "CCC"].assign(ticker="SPY")
    b = _bundle(pd.concat([long, other]))
    f = build_standard_frame(b, AS_OF.date(), benchmark="SPY").frame
    assert f.loc["CCC", "beta"] == pytest.approx(1.0, rel=1e-12)
    assert f.loc["CCC", "rel_strength_12m"] == pytest.approx(0.0, abs=1e-12)


def test_catalog_states_window_and_frequency():
    for mid, window in [("ret_1m", 21), ("ret_12m", 252), ("mom_12_1", 252), ("beta", 252),
                        ("volatility", 252), ("adv_3m", 63), ("rsi_14", 14),
                        ("dist_sma200", 200)]:
        m = CATALOG[mid]
        assert m.window == window and m.frequency == "daily"
        assert "prices" in m.blocks


def _recent(days_ago_last: int, n: int = 400) -> pd.DataFrame:
    end = pd.Timestamp.today().normalize() - pd.offsets.BDay(days_ago_last)
    dates = pd.bdate_range(end=end, periods=n)
    rng = np.random.default_rng(5)
    rows = []
    for t in ("IWM", "CCC"):
        close = 30 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
        rows.append(pd.DataFrame({"ticker": t, "date": dates, "close": close,
                                  "adj_close": close, "volume": 1000.0, "source": "yahoo"}))
    return pd.concat(rows, ignore_index=True)


@pytest.mark.parametrize("days_ago, stored_wins", [(1, True), (60, False)])
def test_a_latest_run_uses_stored_prices_when_they_are_current(tmp_path, days_ago, stored_wins):
    from screener.history import HistoryStore
    from screener.timeaxis.assemble import overlay_latest

    history = HistoryStore(tmp_path)
    history.write("prices", _recent(days_ago))
    identity = block_from_records("identity", [{"ticker": "CCC", "name": "C"}])
    market = block_from_records("market", [{"ticker": "CCC", "price": 1.0, "beta": 9.0,
                                            "source": "yahoo"}])
    bundle = overlay_latest(RawBundle(identity=identity, market=market), ["CCC"], history)
    f = build_standard_frame(bundle).frame.loc["CCC"]
    if stored_wins:  # computed from the stored closes
        assert f["beta"] != 9.0 and np.isfinite(f["ret_12m"]) and f["price"] != 1.0
    else:  # the stored closes stopped 60 trading days ago: the provider's summary is used
        assert f["beta"] == 9.0 and f["price"] == 1.0 and np.isnan(f["ret_12m"])


def test_blocks_of_names_give_the_same_values(long, monkeypatch):
    from screener.metrics import prices

    panel = PricePanel.from_long(long).until(AS_OF)
    whole = prices.compute(panel, pd.Index(TICKERS), "IWM", AS_OF)
    monkeypatch.setattr(prices, "CHUNK", 2)
    blocks = prices.compute(panel, pd.Index(TICKERS), "IWM", AS_OF)
    pd.testing.assert_frame_equal(pd.DataFrame(whole[0]), pd.DataFrame(blocks[0]))
    assert (whole[1] == blocks[1]).all() and whole[2].equals(blocks[2])



def test_rsi_does_not_depend_on_how_much_history_was_loaded(long, monkeypatch):
    """The recursion starts RSI_WARMUP sessions before the as-of date: a backtest window (loaded
    from months before the date) and a one-date run (loaded from the date back) agree exactly,
    and so does every other price metric. A short warm-up (60 sessions) makes the start visible
    in the value, and the two loads still agree bit for bit."""
    from screener.metrics import prices

    early = PricePanel.from_long(long[long.date >= "2021-03-01"]).until(AS_OF)  # ~840 sessions
    late = PricePanel.from_long(long[long.date >= AS_OF - pd.Timedelta(days=800)]).until(AS_OF)
    assert len(late.dates) > prices.RSI_WARMUP  # what a one-date run loads covers the warm-up

    def both():
        a = prices.compute(early, pd.Index(TICKERS), "IWM", AS_OF)[0]
        b = prices.compute(late, pd.Index(TICKERS), "IWM", AS_OF)[0]
        pd.testing.assert_frame_equal(pd.DataFrame(a), pd.DataFrame(b), check_exact=True)
        return a["rsi_14"]

    full = both()
    assert full.notna().sum() == 4  # AAA (with holes), BBB, CCC, NEW; GONE stopped trading
    monkeypatch.setattr(prices, "RSI_WARMUP", 60)
    short = both()
    assert (short - full).abs().max() > 1e-6  # the start matters at 60 sessions...
    for t in ("BBB", "CCC"):  # ...and is the textbook recursion over the last 61 closes
        adj = long[(long.ticker == t) & (long.date <= AS_OF)].adj_close
        assert short[t] == pytest.approx(_wilder(adj.iloc[-61:]), rel=1e-12)
