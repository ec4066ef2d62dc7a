"""FinanceToolkitProvider with a key: FMP /stable over a misbehaving local server."""

import json
import logging
from pathlib import Path

import pytest

from screener.devtools.mockhttp import Fault, MockServer
from screener.errors import PermanentFetchError, ScreenerError, TransientFetchError
from screener.http import RetryPolicy
from screener.providers import fmp
from screener.providers.financetoolkit import FinanceToolkitProvider

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "fmp"
KEY = "sEcReT-fmp-key-0123456789"
FAST = RetryPolicy(attempts=4, max_seconds=10, initial_wait=0.01, max_wait=0.02, jitter=0.0)
ENDPOINTS = ("income-statement", "balance-sheet-statement", "cash-flow-statement", "profile",
             "quote", "analyst-estimates")




def _handler(endpoint):
    def handle(req):
        assert req.query.get("apikey") == [KEY]
        symbol = req.query["symbol"][0]
        path = FIX / f"{endpoint}_{symbol}.json"
        body = path.read_bytes() if path.exists() else b"[]"
        return 200, {"Content-Type": "application/json"}, body
    return handle


@pytest.fixture
def server(monkeypatch):
    with MockServer() as srv:
        for e in ENDPOINTS:
            srv.route(f"/stable/{e}", handler=_handler(e))
        monkeypatch.setenv("SCREENER_FMP_BASE_URL", srv.url + "/stable")
        monkeypatch.setenv("FINANCIAL_MODELING_PREP_API_KEY", KEY)
        yield srv


def provider():
    return FinanceToolkitProvider(policy=FAST, rate=100)


def test_statements_market_estimates_with_a_key(server):
    p = provider()
    assert p.datasets == ("statements", "market", "estimates")
    payload, attempts = p.fetch_payload("ABCD", "statements")
    assert attempts == 3  # one request per statement
    recs = p.parse("ABCD", "statements", payload, None)["statements"]
    assert recs[-1]["capital_expenditure"] == 42e6
    out = p.parse("ABCD", "market", p.fetch_payload("ABCD", "market")[0], None)
    assert out["market"][0]["price"] == 25.0 and out["identity"][0]["sector"] == "Industrials"
    est = p.parse("ABCD", "estimates", p.fetch_payload("ABCD", "estimates")[0], None)
    assert est["estimates"][0]["n_analysts"] is not None


def test_transient_faults_are_retried(server):
    server.script("/stable/income-statement",
                  [Fault.status(429, retry_after=0), Fault.status(502), Fault("html"),
                   Fault("truncate"), None])
    p = FinanceToolkitProvider(policy=RetryPolicy(attempts=6, max_seconds=10, initial_wait=0.01,
                                                  max_wait=0.02, jitter=0.0), rate=100)
    payload, attempts = p.fetch_payload("ABCD", "statements")
    assert attempts == 5 + 2
    assert p.parse("ABCD", "statements", payload, None)["statements"][0]["fiscal_year"] == 2024


def test_daily_limit_stops_the_run_without_retrying(server):
    server.route("/stable/income-statement", status=429,
                 body=(FIX / "error_limit.json").read_bytes(),
                 headers={"Content-Type": "application/json"})
    with pytest.raises(fmp.FmpLimitReached) as err:
        provider().fetch_payload("ABCD", "statements")
    assert server.count("/stable/income-statement") == 1
    assert "resumes" in str(err.value)
    assert not isinstance(err.value, TransientFetchError)


def test_limit_reach_inside_a_200_also_stops(server):
    server.route("/stable/profile", body=(FIX / "error_limit.json").read_bytes())
    with pytest.raises(fmp.FmpLimitReached):
        provider().fetch_payload("ABCD", "market")


def test_invalid_key_is_a_provider_error_naming_the_variable(server):
    server.route("/stable/income-statement", status=401,
                 body=(FIX / "error_invalid_key.json").read_bytes())
    with pytest.raises(fmp.FmpKeyError, match="FINANCIAL_MODELING_PREP_API_KEY"):
        provider().fetch_payload("ABCD", "statements")


def test_premium_symbol_is_permanent_for_that_ticker_only(server):
    server.route("/stable/income-statement", status=402,
                 body=(FIX / "error_premium.txt").read_bytes(),
                 headers={"Content-Type": "text/plain"})
    with pytest.raises(PermanentFetchError) as err:
        provider().fetch_payload("ABCD", "statements")
    assert err.value.ticker == "ABCD" and "plan" in err.value.message
    assert server.count("/stable/income-statement") == 1


def test_unknown_ticker_gives_empty_lists_and_a_permanent_failure(server):
    with pytest.raises(PermanentFetchError, match="no statements for ZZZZ"):
        provider().fetch_payload("ZZZZ", "statements")


def test_without_a_key_only_statements_are_offered(monkeypatch):
    monkeypatch.delenv("FINANCIAL_MODELING_PREP_API_KEY", raising=False)
    p = FinanceToolkitProvider(toolkit_factory=lambda tickers: None)
    assert p.datasets == ("statements",)
    with pytest.raises(PermanentFetchError, match="needs an FMP API key"):
        p.fetch_payload("ABCD", "market")


def test_the_key_never_leaks(server, caplog):
    """Not in a log record (even urllib3's DEBUG request lines), an error or a payload."""
    caplog.set_level(logging.DEBUG)
    p = provider()
    payloads = [p.fetch_payload("ABCD", d)[0] for d in p.datasets]
    server.script("/stable/quote", [Fault.status(503)] * 10)
    server.route("/stable/profile", status=404, body=b"Not Found")
    errors = []
    for ds in ("market", "statements"):
        try:
            p.fetch_payload("ZZZZ" if ds == "statements" else "ABCD", ds)
        except ScreenerError as exc:
            errors.append(str(exc))
    server.route("/stable/profile", status=401, body=(FIX / "error_invalid_key.json").read_bytes())
    try:
        p.fetch_payload("ABCD", "market")
    except ScreenerError as exc:
        errors.append(str(exc))
    assert len(errors) == 3
    assert any("HTTP 404" in e for e in errors)
    for text in [r.getMessage() for r in caplog.records] + errors:
        assert KEY not in text
    for body in payloads:
        assert KEY.encode() not in body
    assert any("apikey" in r.getMessage() for r in caplog.records)  # urllib3 did log the URL


def test_an_explicit_key_is_masked_too(server, monkeypatch):
    monkeypatch.delenv("FINANCIAL_MODELING_PREP_API_KEY")
    server.route("/stable/income-statement", handler=lambda req: (503, {}, b"busy"))
    p = FinanceToolkitProvider(api_key=KEY, policy=FAST, rate=100)
    with pytest.raises(TransientFetchError) as err:
        p.fetch_payload("ABCD", "statements")
    assert KEY not in str(err.value)


def test_after_the_limit_no_further_request_is_made(server):
    server.route("/stable/income-statement", status=429,
                 body=(FIX / "error_limit.json").read_bytes())
    p = provider()
    for ticker in ("ABCD", "EFGH", "IJKL"):
        with pytest.raises(fmp.FmpLimitReached):
            p.fetch_payload(ticker, "statements")
    assert server.count("/stable/") == 1
    assert fmp.FmpLimitReached.fatal is True  # the fetcher may stop the run on it


def test_estimates_payload_carries_our_own_history(server, tmp_path):
    from datetime import date, timedelta

    from screener.store import Store

    today = date(2026, 5, 8)  # a fixed day: the fixture's fiscal years stay in the future
    with Store.open(tmp_path / "s.sqlite") as store:
        p = provider()
        p.prepare(store=store)
        old, _ = p.fetch_payload("ABCD", "estimates")
        doc = json.loads(old)
        for row in doc["analyst-estimates"]:  # a month ago the consensus was lower
            if row["epsAvg"] is not None:
                row["epsAvg"] = round(row["epsAvg"] - 0.05, 4)
        store.put("fmp", "estimates", "ABCD", today - timedelta(days=31),
                  json.dumps(doc).encode())
        payload, _ = p.fetch_payload("ABCD", "estimates")
    assert len(json.loads(payload)["history"]) == 1
    rec = p.parse("ABCD", "estimates", payload, today)["estimates"][0]
    assert rec["eps_cy_30d"] == pytest.approx(rec["eps_cy"] - 0.05)
