"""Fetch orchestration against a local mock SEC: faults, permanent errors, rate, resume."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

from screener.devtools.mockhttp import Fault, MockServer
from screener.http import RetryPolicy
from screener.providers.fetcher import fetch_to_store
from screener.providers.sec import SecProvider
from screener.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "sec"))
from secmock import max_in_window, serve_fixtures, serve_many

FAST = RetryPolicy(attempts=4, max_seconds=10, initial_wait=0.02, max_wait=0.1, jitter=0.02)
FACTS = "/api/xbrl/companyfacts/"


def sec(srv, **kw):
    kw.setdefault("rate", 200)
    kw.setdefault("policy", FAST)
    return SecProvider(user_agent="Test Runner test@example.com", data_base_url=srv.url,
                       www_base_url=srv.url, **kw)


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "store.sqlite") as st:
        yield st


def cik_path(i):
    return f"{FACTS}CIK{100000 + i:010d}.json"


def test_transient_faults_are_retried_and_no_name_is_lost(store):
    with MockServer() as srv:
        names = serve_many(srv, 12)
        srv.script(cik_path(0), [Fault.status(500), Fault.status(503), None])
        srv.script(cik_path(1), [Fault("reset"), None])
        srv.script(cik_path(2), [Fault.status(429), None])
        srv.script(cik_path(3), [Fault("truncate"), Fault("garbage"), None])
        report = fetch_to_store(sec(srv), names, store)
    assert sorted(report.done) == names and report.failed == []
    assert store.tickers("sec") == names
    assert report.coverage["ladder"] == 12


def test_retry_after_is_honoured(store):
    with MockServer() as srv:
        names = serve_many(srv, 1)
        srv.script(cik_path(0), [Fault.status(429, retry_after=1), None])
        report = fetch_to_store(sec(srv), names, store)
        times = [t for t, _, p, _ in srv.log if p.startswith(FACTS)]
    assert report.done == names
    assert times[1] - times[0] >= 0.9


def test_permanent_failure_is_recorded_once_and_not_retried(store):
    with MockServer() as srv:
        serve_fixtures(srv)
        srv.route(f"{FACTS}CIK0000001111.json", status=404, body=b"Not Found")
        report = fetch_to_store(sec(srv), ["ACME", "ROLL", "NOPE"], store)
        hits = srv.count(f"{FACTS}CIK0000001111.json")
    assert hits == 1
    fails = {f.ticker: f for f in report.failed}
    assert set(fails) == {"ACME", "NOPE"}
    assert fails["ACME"].attempts == 1 and not fails["ACME"].transient
    assert "404" in fails["ACME"].reason
    assert "not in the SEC ticker map" in fails["NOPE"].reason
    assert {f.ticker for f in store.failures("sec")} == {"ACME", "NOPE"}
    assert report.done == ["ROLL"]


def test_transient_failure_that_never_clears_reports_its_attempts(store):
    with MockServer() as srv:
        names = serve_many(srv, 2)
        srv.script(cik_path(1), [Fault.status(503)] * 10)
        report = fetch_to_store(sec(srv), names, store)
    [fail] = report.failed
    assert fail.ticker == names[1] and fail.transient and fail.attempts == FAST.attempts
    assert report.done == [names[0]]


def test_second_run_with_fresh_data_makes_zero_requests(store):
    with MockServer() as srv:
        names = serve_many(srv, 8)
        first = fetch_to_store(sec(srv), names, store)
        before = len(srv.log)
        second = fetch_to_store(sec(srv), names, store)
        assert len(srv.log) == before
    assert first.requests == 9  # ticker map + 8 companies
    assert second.requests == 0 and second.skipped_fresh == 8


def test_rerun_fetches_only_the_missing_names(store):
    with MockServer() as srv:
        names = serve_many(srv, 10)
        fetch_to_store(sec(srv), names[:4], store)
        n = srv.count(FACTS)
        report = fetch_to_store(sec(srv), names, store)
        assert srv.count(FACTS) - n == 6
    assert report.skipped_fresh == 4 and len(report.done) == 6


def test_rate_limit_is_never_exceeded(store):
    with MockServer() as srv:
        names = serve_many(srv, 24)
        srv.limit(10)
        srv.latency = 0.02
        report = fetch_to_store(sec(srv, rate=9.5), names, store)
        statuses = [s for *_, s in srv.log]
        window = max_in_window(srv.log)
    assert sorted(report.done) == names
    assert 429 not in statuses
    assert window <= 10


def test_stop_event_keeps_what_was_fetched(store):
    stop = threading.Event()

    def progress(report):
        if report.finished >= 5:
            stop.set()

    with MockServer() as srv:
        names = serve_many(srv, 40)
        srv.latency = 0.02
        report = fetch_to_store(sec(srv, concurrency=2), names, store, progress=progress,
                                stop_event=stop)
    assert report.interrupted
    stored = store.tickers("sec")
    assert 5 <= len(stored) < 40 and set(stored) == set(report.done)


def test_fetch_bundle_without_a_store(store):
    with MockServer() as srv:
        serve_fixtures(srv)
        bundle = sec(srv).fetch(["ACME", "QTR", "NOPE"])
    assert bundle.ladder.loc["ACME", "due_y1"] == 100_000_000
    assert bundle.ladder.loc["QTR", "source"] == "sec"
    assert any(f.ticker == "NOPE" for f in bundle.failures)
