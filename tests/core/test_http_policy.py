"""The one fetch policy: transient failures retried (Retry-After honoured), permanent not."""

import time

import pytest

from screener.devtools.mockhttp import Fault, MockServer
from screener.errors import PermanentFetchError, TransientFetchError
from screener.http import HttpClient, RateLimiter, RetryPolicy, parse_retry_after

FAST = RetryPolicy(attempts=5, max_seconds=10, initial_wait=0.01, max_wait=0.05, jitter=0.01)


@pytest.fixture()
def server():
    with MockServer() as srv:
        srv.route("/ok", body='{"ok": true}', headers={"Content-Type": "application/json"})
        yield srv


def test_transient_failures_are_retried_until_success(server):
    server.script("/ok", [Fault.status(500), Fault.status(503), Fault("reset"),
                          Fault("truncate"), None])
    client = HttpClient("test", rate=1000, policy=FAST)
    body, attempts = client.get(server.url + "/ok")
    assert body == b'{"ok": true}'
    assert attempts == 5


def test_retry_after_is_honoured(server):
    server.script("/ok", [Fault.status(429, retry_after=1), None])
    client = HttpClient("test", rate=1000, policy=FAST)
    started = time.monotonic()
    client.get(server.url + "/ok")
    assert time.monotonic() - started >= 0.95
    assert [s for *_, s in server.log] == [429, 200]


def test_permanent_failure_is_not_retried(server):
    client = HttpClient("test", rate=1000, policy=FAST)
    with pytest.raises(PermanentFetchError) as err:
        client.get(server.url + "/missing", ticker="NOPE")
    assert err.value.status == 404 and err.value.ticker == "NOPE"
    assert server.count("/missing") == 1


def test_gives_up_after_bounded_attempts(server):
    server.script("/ok", [Fault.status(500)] * 10)
    client = HttpClient("test", rate=1000, policy=RetryPolicy(attempts=3, initial_wait=0.01,
                                                               max_wait=0.02, jitter=0))
    with pytest.raises(TransientFetchError):
        client.get(server.url + "/ok")
    assert server.count("/ok") == 3


def test_validate_hook_refetches_bad_bodies(server):
    server.script("/ok", [Fault("html"), None])

    def must_be_json(body: bytes):
        if not body.startswith(b"{"):
            raise TransientFetchError("not JSON")

    body, attempts = HttpClient("test", rate=1000, policy=FAST).get(
        server.url + "/ok", validate=must_be_json)
    assert body.startswith(b"{") and attempts == 2


def test_api_key_is_redacted_from_errors(server, monkeypatch):
    monkeypatch.setenv("FINANCIAL_MODELING_PREP_API_KEY", "SECRETKEY123")
    client = HttpClient("fmp", rate=1000, policy=FAST)
    with pytest.raises(PermanentFetchError) as err:
        client.get(server.url + "/missing?apikey=SECRETKEY123")
    assert "SECRETKEY123" not in str(err.value)


def test_rate_limiter_holds_a_sliding_window():
    """51 grants at 50/s cannot fit in one second (a lower bound: a busy machine only adds)."""
    limiter = RateLimiter(50)
    grants = [limiter.acquire() for _ in range(51)]
    assert grants[-1] - grants[0] >= 1.0
    assert all(b - a >= 1.0 for a, b in zip(grants, grants[50:]))


def test_parse_retry_after_forms():
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("garbage") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


def test_connection_error_keeps_no_trace_of_the_key(monkeypatch):
    monkeypatch.setenv("FINANCIAL_MODELING_PREP_API_KEY", "SECRETKEY123")
    client = HttpClient("fmp", rate=1000, policy=RetryPolicy(attempts=2, initial_wait=0.01,
                                                              max_wait=0.01, jitter=0))
    with pytest.raises(TransientFetchError) as err:
        client.get("http://127.0.0.1:1/profile?apikey=SECRETKEY123")
    chain, exc = [], err.value
    while exc is not None:
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    assert all("SECRETKEY123" not in repr(e) and "SECRETKEY123" not in str(e) for e in chain)
    assert err.value.attempts == 2
