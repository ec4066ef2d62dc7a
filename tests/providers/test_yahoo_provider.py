"""YahooProvider over a misbehaving local server (direct transport) and a stubbed yfinance."""

from pathlib import Path

import pytest

from screener.devtools.mockhttp import Fault, MockServer
from screener.errors import PermanentFetchError, TransientFetchError
from screener.http import RetryPolicy
from screener.providers.yahoo import YahooProvider, classify_yfinance_error

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "yahoo"
FAST = RetryPolicy(attempts=4, max_seconds=10, initial_wait=0.01, max_wait=0.02, jitter=0.0)
QS = "/v10/finance/quoteSummary/"




@pytest.fixture
def server(monkeypatch):
    with MockServer() as srv:
        srv.route(QS + "ABCD", handler=lambda req: (
            200, {"Content-Type": "application/json"},
            (FIX / ("quotesummary_estimates_ABCD.json" if req.query["modules"] == ["earningsTrend"]
                    else "quotesummary_market_ABCD.json")).read_bytes()))
        srv.route("/v8/finance/chart/ABCD", body=(FIX / "chart_ABCD.json").read_bytes())
        srv.route(QS + "ZZZZ", status=404, body=(FIX / "quotesummary_notfound.json").read_bytes())
        monkeypatch.setenv("SCREENER_YAHOO_BASE_URL", srv.url)
        yield srv


def test_direct_transport_is_chosen_when_base_url_is_set(server):
    assert YahooProvider().direct is True


def test_estimates_survive_500_429_truncation_and_html(server):
    server.script(QS + "ABCD", [Fault.status(500), Fault.status(429, retry_after=0),
                                Fault("truncate"), Fault("html"), None])
    provider = YahooProvider(policy=RetryPolicy(attempts=6, max_seconds=10, initial_wait=0.01,
                                                max_wait=0.02, jitter=0.0), rate=100)
    payload, attempts = provider.fetch_payload("ABCD", "estimates")
    assert attempts == 5
    rec = provider.parse("ABCD", "estimates", payload, None)["estimates"][0]
    assert rec["eps_cy"] == 1.35 and rec["eps_cy_30d"] == 1.30


def test_market_merges_quote_and_chart(server):
    provider = YahooProvider(policy=FAST, rate=100)
    payload, attempts = provider.fetch_payload("ABCD", "market")
    assert attempts == 2  # quoteSummary + chart
    out = provider.parse("ABCD", "market", payload, None)
    assert out["market"][0]["price"] == 25.0
    assert out["identity"][0]["name"] == "Abcd Industries, Inc."


def test_unknown_ticker_is_permanent_and_asked_once(server):
    with pytest.raises(PermanentFetchError):
        YahooProvider(policy=FAST, rate=100).fetch_payload("ZZZZ", "estimates")
    assert server.count(QS + "ZZZZ") == 1


def test_not_found_inside_a_200_is_permanent_too(server):
    server.route(QS + "NOPE", body=(FIX / "quotesummary_notfound.json").read_bytes())
    with pytest.raises(PermanentFetchError, match="No fundamentals data"):
        YahooProvider(policy=FAST, rate=100).fetch_payload("NOPE", "estimates")
    assert server.count(QS + "NOPE") == 1


def test_persistent_503_gives_up_after_bounded_attempts(server):
    server.script(QS + "ABCD", [Fault.status(503)] * 10)
    with pytest.raises(TransientFetchError):
        YahooProvider(policy=FAST, rate=100).fetch_payload("ABCD", "estimates")
    assert server.count(QS + "ABCD") == FAST.attempts


# -- yfinance transport: a stub at the library boundary ------------------------------------------

class RateLimited(Exception):
    pass


RateLimited.__name__ = "YFRateLimitError"


def _stub_factory(calls, failures):
    try:  # tests/providers is a rootdir-style folder today; a package tomorrow
        from test_yahoo_parse import StubTicker
    except ImportError:
        from .test_yahoo_parse import StubTicker

    def make(ticker):
        calls.append(ticker)
        if failures:
            raise failures.pop(0)
        return StubTicker()

    return make


def test_yfinance_transport_retries_transient_errors(monkeypatch):
    monkeypatch.delenv("SCREENER_YAHOO_BASE_URL", raising=False)
    calls: list[str] = []
    provider = YahooProvider(ticker_factory=_stub_factory(calls, [RateLimited("Too Many Requests")]),
                             policy=FAST, rate=100)
    assert provider.direct is False
    payload, attempts = provider.fetch_payload("ABCD", "estimates")
    assert attempts == 2 and calls == ["ABCD", "ABCD"]
    assert provider.parse("ABCD", "estimates", payload, None)["estimates"][0]["up_30d"] == 5


def test_yfinance_unknown_errors_are_permanent_and_not_retried(monkeypatch):
    monkeypatch.delenv("SCREENER_YAHOO_BASE_URL", raising=False)
    calls: list[str] = []
    provider = YahooProvider(ticker_factory=_stub_factory(calls, [KeyError("quoteSummary")]),
                             policy=FAST, rate=100)
    with pytest.raises(PermanentFetchError, match="ABCD"):
        provider.fetch_payload("ABCD", "estimates")
    assert calls == ["ABCD"]


def test_classify_yfinance_errors():
    assert isinstance(classify_yfinance_error("A", TimeoutError("timed out")), TransientFetchError)
    assert isinstance(classify_yfinance_error("A", ValueError("bad")), PermanentFetchError)


def test_fetch_to_store_then_load_bundle(server, tmp_path):
    from screener.providers.fetcher import fetch_to_store
    from screener.store import Store, load_bundle

    with Store.open(tmp_path / "s.sqlite") as store:
        report = fetch_to_store(YahooProvider(policy=FAST, rate=100), ["ABCD", "ZZZZ"], store)
        assert {(f.ticker, f.dataset) for f in report.failed} == {("ZZZZ", "estimates"),
                                                                 ("ZZZZ", "market")}
        assert store.latest("yahoo", "estimates", "ABCD") is not None  # dated consensus kept
        bundle = load_bundle(store, ["ABCD"], providers={"yahoo": YahooProvider(policy=FAST)})
    assert bundle.estimates.loc["ABCD", "eps_cy_90d"] == 1.25
    assert bundle.market.loc["ABCD", "adv_3m_usd"] == 1e7
