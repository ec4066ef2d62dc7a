"""Fault injection at scale: 1,000 fictional SEC filers behind a misbehaving local server.

Transient faults (500, 503, 429 with Retry-After 0 or 1, connection resets, truncated bodies)
are scripted per company so the run is deterministic: every one must be retried until the name
is stored. Permanent 404s are tried once and are the only failures. A second run answers HTML
pages and garbage bytes for some names: those end as recorded failures with a reason.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

import pytest

from screener.devtools.mockhttp import Fault, MockServer
from screener.http import RetryPolicy
from screener.providers.fetcher import fetch_to_store
from screener.providers.sec import SecProvider
from screener.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "sec"))
from secmock import serve_many

N = 1000
FACTS = "/api/xbrl/companyfacts/"
MAP = "/files/company_tickers.json"
UA = "Reliability Tests reliability@example.com"
FAST = RetryPolicy(attempts=5, max_seconds=15, initial_wait=0.01, max_wait=0.05, jitter=0.01)


def cik_path(i: int) -> str:
    return f"{FACTS}CIK{100000 + i:010d}.json"


def sec(srv: MockServer, policy: RetryPolicy = FAST) -> SecProvider:
    return SecProvider(user_agent=UA, data_base_url=srv.url, www_base_url=srv.url, rate=400,
                       concurrency=8, policy=policy)


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "store.sqlite") as st:
        yield st


def requests_to(srv: MockServer, path: str) -> int:
    return sum(1 for _, _, p, _ in srv.log if p.split("?")[0] == path)


def transient_fault(rng: random.Random) -> Fault:
    return rng.choice([
        Fault.status(500), Fault.status(503), Fault.status(429, retry_after=0),
        Fault("reset"), Fault("truncate"),
    ])


def test_transient_faults_are_all_retried_and_only_404s_fail(store):
    rng = random.Random(20260101)
    with MockServer() as srv:
        tickers = serve_many(srv, N)
        gone = sorted(rng.sample(range(N), 6))
        for i in gone:
            srv.route(cik_path(i), status=404, body=b"Not Found",
                      headers={"Content-Type": "text/plain"})
        others = [i for i in range(N) if i not in gone]
        faulty = rng.sample(others, int(0.15 * N))           # 15% of the names
        scripted: dict[str, int] = {}
        for k, i in enumerate(faulty):
            faults = [transient_fault(rng) for _ in range(rng.choice([1, 1, 2, 3]))]
            if k < 3:   # a few servers ask for a real pause
                faults[0] = Fault.status(429, retry_after=1)
            srv.script(cik_path(i), [*faults, None])
            scripted[cik_path(i)] = len(faults)
        srv.script(MAP, [Fault.status(503), Fault("truncate"), None])   # the map too

        started = time.monotonic()
        report = fetch_to_store(sec(srv), tickers, store)
        elapsed = time.monotonic() - started
        log = list(srv.log)
        leftover = {p: list(q) for p, q in srv.scripts.items() if q}

    expected_ok = sorted(tickers[i] for i in others)
    gone_tickers = sorted(tickers[i] for i in gone)
    # every transient fault was served, then retried to success
    assert leftover == {}
    for path, n_faults in scripted.items():
        assert sum(1 for _, _, p, _ in log if p == path) == n_faults + 1, path
    assert sorted(report.done) == expected_ok
    assert store.tickers("sec") == expected_ok
    assert report.coverage.get("ladder") == len(expected_ok)
    # only the 404s failed, each tried exactly once and reported as permanent
    assert sorted(f.ticker for f in report.failed) == gone_tickers
    for f in report.failed:
        assert f.attempts == 1 and not f.transient and "404" in f.reason, f
    for i in gone:
        assert sum(1 for _, _, p, _ in log if p == cik_path(i)) == 1
    assert sorted(f.ticker for f in store.failures("sec")) == gone_tickers
    assert report.requests == len(log)
    assert report.requests == N + sum(scripted.values()) + 3   # + the map, fetched 3 times
    assert elapsed < 30, f"took {elapsed:.1f}s"   # ~10 s here; bounded, not a benchmark


def test_html_and_garbage_bodies_end_as_recorded_failures(store):
    html = b"<!DOCTYPE html><html><body><h1>Request Rate Threshold Exceeded</h1></body></html>"
    garbage = b"\x00\xff\xfe{not json at all\x89PNG"
    with MockServer() as srv:
        tickers = serve_many(srv, 60)
        as_html, as_garbage, as_json_error = [3, 17, 41], [5, 29], [11]
        for i in as_html:
            srv.route(cik_path(i), body=html, headers={"Content-Type": "text/html"})
        for i in as_garbage:
            srv.route(cik_path(i), body=garbage, headers={"Content-Type": "application/json"})
        for i in as_json_error:   # valid JSON, but not a companyfacts document
            srv.route(cik_path(i), body=json.dumps({"message": "Not a filer"}).encode(),
                      headers={"Content-Type": "application/json"})
        # plus a few one-off transient faults elsewhere, which must still be retried
        srv.script(cik_path(0), [Fault("html"), None])
        srv.script(cik_path(1), [Fault("garbage"), Fault.status(503), None])
        policy = RetryPolicy(attempts=3, max_seconds=10, initial_wait=0.01, max_wait=0.02,
                             jitter=0.0)
        report = fetch_to_store(sec(srv, policy), tickers, store)
        log = list(srv.log)

    bad_body = {tickers[i] for i in as_html + as_garbage}
    unreadable = {tickers[i] for i in as_json_error}
    fails = {f.ticker: f for f in report.failed}
    assert set(fails) == bad_body | unreadable
    for t in bad_body:
        f = fails[t]
        assert "not valid JSON" in f.reason, f
        assert f.attempts == policy.attempts and f.transient
    for i in as_html + as_garbage:   # retried up to the policy, never more
        assert sum(1 for _, _, p, _ in log if p == cik_path(i)) == policy.attempts
    # the non-JSON answers are recorded in the store with their reason (shown by
    # `screener store failures` and in the workbook's Data quality sheet)
    recorded = {f.ticker: f for f in store.failures("sec")}
    assert bad_body | unreadable <= set(recorded)
    assert not unreadable & set(report.done)   # a name is done or failed, never both
    for t in bad_body:
        assert recorded[t].reason and "JSON" in recorded[t].reason
    # a JSON answer that is not companyfacts: kept, reported with the parser's reason
    for t in unreadable:
        assert "unreadable" in fails[t].reason and "companyfacts" in fails[t].reason
    assert store.tickers("sec") == sorted(set(tickers) - bad_body)
    ok = sorted(set(tickers) - bad_body - unreadable)
    assert set(ok) <= set(report.done)
    bundle = store.load_bundle(tickers, sources=["sec"])
    # (the fixture's own data is old: "stale" notes on the ladder/statements blocks are fine)
    bundle_fails = {f.ticker: f for f in bundle.failures if f.dataset == "companyfacts"}
    assert bad_body | unreadable <= set(bundle_fails)
    assert all(bundle_fails[t].reason for t in bad_body | unreadable)
    assert not set(ok) & set(bundle_fails)
