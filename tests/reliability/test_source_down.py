"""A source that is offline or blocked stops alone, fast, with one message; exit codes say
whether anything was fetched (issue 11 item 13, issue 16 item 6)."""

from __future__ import annotations

import socket
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from screener.cli import cli
from screener.devtools.mockhttp import Fault, MockServer
from screener.errors import SourceUnavailableError
from screener.http import HttpClient, RetryPolicy
from screener.providers.fetcher import fetch_to_store
from screener.providers.sec import SecProvider
from screener.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "sec"))
from secmock import serve_many

FAST = RetryPolicy(attempts=5, max_seconds=20, initial_wait=0.05, max_wait=0.2, jitter=0.01)


def closed_port() -> str:
    """A loopback port nobody listens on: every connection is refused, like a blocked route."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_unreachable_host_stops_the_client_after_a_few_requests():
    client = HttpClient("down-test", rate=1000, policy=FAST)
    url = closed_port() + "/x"
    with pytest.raises(SourceUnavailableError) as err:
        for _ in range(3):
            try:
                client.get(url)
            except SourceUnavailableError:
                raise
            except Exception:  # noqa: BLE001, S110 - the first attempts fail one by one
                pass
    assert "cannot reach 127.0.0.1 (connection refused)" in err.value.message
    assert client.requests_made == 4  # then no request at all: it is down
    with pytest.raises(SourceUnavailableError):
        client.get(url)
    assert client.requests_made == 4


def test_a_server_refusing_everything_is_given_up():
    with MockServer() as srv:
        srv.route("/x", status=503, body=b"down")
        client = HttpClient("failing-test", rate=1000, policy=FAST)
        with pytest.raises(SourceUnavailableError) as err:
            for _ in range(10):
                try:
                    client.get(srv.url + "/x")
                except SourceUnavailableError:
                    raise
                except Exception:  # noqa: BLE001, S110 - each 503 fails alone first
                    pass
    assert "the last 12 requests all failed (last answer HTTP 503)" in err.value.message


def test_scattered_faults_do_not_stop_a_source(tmp_path):
    """10% random faults over 60 names: all fetched, never given up."""
    with MockServer() as srv, Store.open(tmp_path / "s.sqlite") as store:
        names = serve_many(srv, 60)
        srv.faults(rate=0.1, kinds=("500", "503", "reset"), seed=3)
        provider = SecProvider(user_agent="T t@example.com", data_base_url=srv.url,
                               www_base_url=srv.url, rate=500, policy=FAST)
        report = fetch_to_store(provider, names, store)
    assert report.stopped is None and sorted(report.done) == names


def test_fetch_from_an_offline_source_stops_fast_with_exit_1(tmp_path, monkeypatch):
    url = closed_port()
    monkeypatch.setenv("SCREENER_SEC_USER_AGENT", "Jane Doe jane@example.com")
    monkeypatch.setenv("SCREENER_SEC_DATA_BASE_URL", url)
    monkeypatch.setenv("SCREENER_SEC_WWW_BASE_URL", url)
    names = ",".join(f"N{i:03d}" for i in range(200))
    started = time.monotonic()
    result = CliRunner().invoke(cli, ["fetch", "--tickers", names, "--provider", "sec"])
    assert result.exit_code == 1, result.output
    assert time.monotonic() - started < 60  # not 200 names x 5 attempts
    assert "sec: source unavailable, stopped: cannot reach 127.0.0.1" in result.output
    assert "Nothing was fetched" in result.output
    assert "Traceback" not in result.output


def test_provider_all_runs_every_source_and_reports_each(tmp_path, monkeypatch):
    """SEC offline, Yahoo serving: Yahoo's names are fetched, the SEC's stop is reported."""
    monkeypatch.setenv("SCREENER_SEC_USER_AGENT", "Jane Doe jane@example.com")
    down = closed_port()
    monkeypatch.setenv("SCREENER_SEC_DATA_BASE_URL", down)
    monkeypatch.setenv("SCREENER_SEC_WWW_BASE_URL", down)
    with MockServer() as srv:
        srv.route("/v10/finance/quoteSummary/", prefix=True, status=404, body=b"{}")
        srv.route("/v8/finance/chart/", prefix=True, status=404, body=b"{}")
        monkeypatch.setenv("SCREENER_YAHOO_BASE_URL", srv.url)
        result = CliRunner().invoke(cli, ["fetch", "--tickers", "AAA,BBB", "--provider", "all"])
    out = result.output
    assert "sec: source unavailable" in out
    assert "yahoo" in out and "Traceback" not in out
    assert result.exit_code == 1  # the only source that answered found neither name


def test_every_name_failing_exits_1_and_says_so(tmp_path, monkeypatch):
    with MockServer() as srv:
        serve_many(srv, 3)
        monkeypatch.setenv("SCREENER_SEC_USER_AGENT", "Jane Doe jane@example.com")
        monkeypatch.setenv("SCREENER_SEC_DATA_BASE_URL", srv.url)
        monkeypatch.setenv("SCREENER_SEC_WWW_BASE_URL", srv.url)
        result = CliRunner().invoke(cli, ["fetch", "--tickers", "NOPE1,NOPE2,NOPE3",
                                          "--provider", "sec"])
    assert result.exit_code == 1, result.output
    assert "Nothing was fetched: sec: all 3 name(s) failed" in result.output
    assert "req/s" in result.output and "475" not in result.output
    row = next(line for line in result.output.splitlines() if line.startswith("│ sec"))
    assert row.rstrip("│ ").endswith("-")  # no rate made up from a few ms


def test_fmp_without_a_key_says_it_read_yahoo_and_what_would_help():
    from screener.providers.financetoolkit import _error_for

    err = _error_for("transient", "ABCD", "statements",
                     "The rate limit from Yahoo Finance has been reached or no data could be "
                     "found from this source for the following tickers: ABCD.")
    assert "without an FMP key reads Yahoo Finance" in err.message
    assert "FINANCIAL_MODELING_PREP_API_KEY" in err.hint


def test_a_name_stored_by_another_process_is_not_fetched_again(tmp_path):
    with MockServer() as srv, Store.open(tmp_path / "s.sqlite") as store:
        names = serve_many(srv, 6)
        provider = SecProvider(user_agent="T t@example.com", data_base_url=srv.url,
                               www_base_url=srv.url, rate=500, policy=FAST)
        provider.prepare(store=store)
        other = Store.open(tmp_path / "s.sqlite")  # the other process, storing meanwhile
        original = provider.fetch_payload
        first = {"done": False}

        def fetch_payload(ticker, dataset):
            if not first["done"]:
                first["done"] = True
                for t in names[3:]:
                    other.put("sec", "companyfacts", t, __import__("datetime").date.today(),
                              original(t, dataset)[0])
            return original(ticker, dataset)

        provider.fetch_payload = fetch_payload
        provider.concurrency = 1
        before = srv.count("/api/xbrl/companyfacts/")
        report = fetch_to_store(provider, names, store)
        other.close()
        made = srv.count("/api/xbrl/companyfacts/") - before
    assert made == 3 + 3  # names 0-2 by us, 3-5 once by the other process, none twice
    assert sorted(report.done) == names[:3] or set(names[:3]) <= set(report.done)


def test_a_failure_on_a_name_another_process_stored_is_not_recorded(tmp_path):
    """This process fails on T0001 (503s) while the other process has stored it already."""
    from datetime import date

    with MockServer() as srv, Store.open(tmp_path / "s.sqlite") as store:
        names = serve_many(srv, 3)
        srv.route("/api/xbrl/companyfacts/CIK0000100001.json", status=503, body=b"busy")
        provider = SecProvider(user_agent="T t@example.com", data_base_url=srv.url,
                               www_base_url=srv.url, rate=500, policy=FAST)
        original = provider.fetch_payload

        def fetch_payload(ticker, dataset):
            if ticker == names[1]:
                with Store.open(tmp_path / "s.sqlite") as other:
                    other.put("sec", dataset, ticker, date.today(), b'{"cik": 100001}')
            return original(ticker, dataset)

        provider.fetch_payload = fetch_payload
        report = fetch_to_store(provider, names, store)
        assert store.failures(source="sec") == []
    assert report.failed == []


def test_scripted_faults_still_recover():
    with MockServer() as srv:
        srv.route("/ok", body=b"{}")
        srv.script("/ok", [Fault.status(500), Fault("reset"), Fault.status(503), None])
        body, attempts = HttpClient("recover-test", rate=1000, policy=FAST).get(srv.url + "/ok")
    assert body == b"{}" and attempts == 4
