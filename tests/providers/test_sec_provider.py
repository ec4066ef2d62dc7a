"""SecProvider and the fetch / store commands against a local mock SEC."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from screener.cli import cli
from screener.devtools.mockhttp import MockServer
from screener.errors import ProviderError
from screener.http import RetryPolicy
from screener.providers.fetcher import fetch_to_store
from screener.providers.sec import SecProvider, normalise_ticker, parse_ticker_map
from screener.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "sec"))
from secmock import HERE, serve_fixtures

UA = "Jane Doe jane@example.com"
FAST = RetryPolicy(attempts=3, initial_wait=0.02, max_wait=0.1, jitter=0.02)


@pytest.fixture
def server():
    with MockServer() as srv:
        serve_fixtures(srv)
        yield srv


@pytest.fixture
def env(server, tmp_path, monkeypatch):
    monkeypatch.setenv("SCREENER_SEC_DATA_BASE_URL", server.url)
    monkeypatch.setenv("SCREENER_SEC_WWW_BASE_URL", server.url)
    monkeypatch.setenv("SCREENER_SEC_USER_AGENT", UA)
    monkeypatch.setenv("SCREENER_STORE", str(tmp_path / "store.sqlite"))
    return tmp_path / "store.sqlite"


def test_user_agent_is_required_before_any_request(server, monkeypatch, tmp_path):
    monkeypatch.delenv("SCREENER_SEC_USER_AGENT", raising=False)
    provider = SecProvider(data_base_url=server.url, www_base_url=server.url)
    with pytest.raises(ProviderError) as err, Store.open(tmp_path / "s.sqlite") as st:
        fetch_to_store(provider, ["ACME"], st)
    assert "User-Agent" in str(err.value) and "SCREENER_SEC_USER_AGENT" in str(err.value)
    assert server.log == []


def test_user_agent_without_an_email_is_refused(server):
    with pytest.raises(ProviderError, match="e-mail"):
        SecProvider(user_agent="python-requests").require_user_agent()


def test_requests_carry_the_user_agent(server, tmp_path):
    seen = []
    original = server.routes["/files/company_tickers.json"]
    server.route("/files/company_tickers.json",
                 handler=lambda req: (seen.append(req.headers.get("User-Agent")) or
                                      (200, {}, original.body)))
    with Store.open(tmp_path / "s.sqlite") as st:
        fetch_to_store(SecProvider(user_agent=UA, data_base_url=server.url,
                                   www_base_url=server.url, policy=FAST), ["ACME"], st)
    assert seen == [UA]


def test_share_classes_match_the_ticker_map():
    table = parse_ticker_map((HERE / "company_tickers.json").read_bytes())
    for spelling in ("BRK-B", "BRK.B", "brk/b", "BRK B"):
        assert table[normalise_ticker(spelling)] == 1067983


def test_ticker_map_is_cached_in_the_store(server, tmp_path):
    with Store.open(tmp_path / "s.sqlite") as st:
        for tickers in (["ACME"], ["ROLL"]):
            fetch_to_store(SecProvider(user_agent=UA, data_base_url=server.url,
                                       www_base_url=server.url, policy=FAST), tickers, st)
    assert server.count("/files/company_tickers.json") == 1


def test_forbidden_says_to_check_the_user_agent(server, tmp_path):
    server.route("/api/xbrl/companyfacts/CIK0000001111.json", status=403, body=b"<html>")
    with Store.open(tmp_path / "s.sqlite") as st:
        report = fetch_to_store(SecProvider(user_agent=UA, data_base_url=server.url,
                                            www_base_url=server.url, policy=FAST), ["ACME"], st)
    [fail] = report.failed
    assert "403" in fail.reason and "SCREENER_SEC_USER_AGENT" in fail.reason


def test_fetch_command_fills_the_store_and_reports(env, server):
    result = CliRunner().invoke(cli, ["fetch", "--tickers", "ACME,QTR,NOLAD,NOPE",
                                      "--provider", "sec"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Fetch report" in out and "ladder" in out
    assert "NOPE" in out and "not in the SEC ticker map" in out
    with Store.open(env) as st:
        assert st.tickers("sec") == ["ACME", "NOLAD", "QTR"]
    before = len(server.log)
    again = CliRunner().invoke(cli, ["fetch", "--tickers", "ACME,QTR,NOLAD", "-p", "sec"])
    assert again.exit_code == 0 and len(server.log) == before


def test_fetch_command_without_user_agent_exits_2_with_how_to(env, monkeypatch):
    monkeypatch.delenv("SCREENER_SEC_USER_AGENT")
    result = CliRunner().invoke(cli, ["fetch", "--tickers", "ACME", "--provider", "sec"])
    assert result.exit_code == 2
    assert "export SCREENER_SEC_USER_AGENT=" in result.output


def test_fetch_command_needs_something_to_fetch(env):
    result = CliRunner().invoke(cli, ["fetch", "--provider", "sec"])
    assert result.exit_code == 2 and "--universe" in result.output


def test_store_commands(env, server):
    CliRunner().invoke(cli, ["fetch", "--tickers", "ACME,NOPE", "--provider", "sec"])
    info = CliRunner().invoke(cli, ["store", "info"])
    assert info.exit_code == 0 and "sec/companyfacts: 1 names" in info.output
    hist = CliRunner().invoke(cli, ["store", "history", "acme"])
    assert hist.exit_code == 0 and "sec/companyfacts" in hist.output
    fails = CliRunner().invoke(cli, ["store", "failures"])
    assert "NOPE" in fails.output and "permanent" in fails.output


def test_store_command_on_a_foreign_file_is_one_clear_message(tmp_path, monkeypatch):
    bad = tmp_path / "store.sqlite"
    bad.write_bytes(b"this is not a database" * 100)
    monkeypatch.setenv("SCREENER_STORE", str(bad))
    result = CliRunner().invoke(cli, ["store", "info"])
    assert result.exit_code == 2
    assert str(bad) in result.output and "Traceback" not in result.output


def test_every_command_has_help_with_an_example():
    for args in (["fetch"], ["store"], ["store", "info"], ["store", "history"],
                 ["store", "failures"]):
        result = CliRunner().invoke(cli, [*args, "--help"])
        assert result.exit_code == 0 and "Example" in result.output
