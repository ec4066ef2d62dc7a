"""The FMP API key never leaves the process: not in CLI output, log records (DEBUG included),
written files (workbook members, JSON tables, the store and its side files), raised errors or
recorded failures, including when the server misbehaves (404, 500, reset, truncation) and echoes
the request's query string back in its error pages."""

from __future__ import annotations

import logging
import traceback
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from screener import settings
from screener.cli import cli
from screener.devtools.mockhttp import Fault, MockServer
from screener.errors import ScreenerError
from screener.http import RetryPolicy
from screener.providers.fetcher import fetch_to_store
from screener.providers.financetoolkit import FinanceToolkitProvider
from screener.store import Store

KEY = "Zq9-LEAKCANARY-7f3e1b2c9d4a-fmp"
FIX = Path(__file__).resolve().parents[1] / "fixtures" / "fmp"
ENDPOINTS = ("income-statement", "balance-sheet-statement", "cash-flow-statement", "profile",
             "quote", "analyst-estimates")
FAST = RetryPolicy(attempts=3, max_seconds=10, initial_wait=0.01, max_wait=0.02, jitter=0.0)


# -- helpers -------------------------------------------------------------------------------------

def log_texts(caplog) -> list[str]:
    out = []
    for r in caplog.records:
        out.append(r.getMessage())
        out.append(repr(r.args))
        if r.exc_info and r.exc_info[1] is not None:
            out.append("".join(traceback.format_exception(r.exc_info[1])))
        if r.exc_text:
            out.append(r.exc_text)
    out.append(caplog.text)
    return out


def file_blobs(root: Path) -> dict[str, bytes]:
    """Every file under ``root``; zip containers (xlsx) are opened and each member read."""
    blobs: dict[str, bytes] = {}
    for p in sorted(root.rglob("*")):
        if not p.is_file():
            continue
        data = p.read_bytes()
        blobs[str(p)] = data
        if zipfile.is_zipfile(p):
            with zipfile.ZipFile(p) as z:
                for name in z.namelist():
                    blobs[f"{p}!{name}"] = z.read(name)
    return blobs


def assert_no_key_in_files(*roots: Path) -> int:
    seen = 0
    for root in roots:
        for where, data in file_blobs(root).items():
            seen += 1
            for form in (KEY.encode(), KEY.encode("utf-16-le")):
                assert form not in data, f"API key written to {where}"
    return seen


def error_texts(exc: BaseException) -> list[str]:
    """str, repr, every attribute and the traceback a user would see."""
    out = [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    out += [repr(v) for v in vars(exc).values()]
    return out


@pytest.fixture
def key(monkeypatch):
    monkeypatch.setenv("FINANCIAL_MODELING_PREP_API_KEY", KEY)
    assert settings.fmp_api_key() == KEY
    return KEY


@pytest.fixture
def dirs():
    import os

    return Path(os.environ["SCREENER_DATA_DIR"]), Path(os.environ["SCREENER_OUTPUT_DIR"])


# -- CLI runs on the sample universe -------------------------------------------------------------

def test_demo_and_run_never_show_or_write_the_key(key, dirs, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    screen = settings.screens_dir() / "rebound.yaml"
    assert screen.is_file()
    runner = CliRunner()
    demo = runner.invoke(cli, ["demo", "--out", str(tmp_path / "d.xlsx")])
    assert demo.exit_code == 0, demo.output
    run = runner.invoke(cli, ["run", str(screen), "--provider", "sample", "--format", "json",
                              "--out", str(tmp_path / "j.json")])
    assert run.exit_code == 0, run.output
    for result in (demo, run):
        assert KEY not in result.output
        assert KEY not in (result.stderr_bytes or b"").decode("utf-8", "replace")
        assert result.exception is None
    for text in log_texts(caplog):
        assert KEY not in text
    assert (tmp_path / "d.xlsx").is_file()
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".json" for p in written), written
    data_dir, out_dir = dirs
    checked = assert_no_key_in_files(tmp_path, data_dir, out_dir)
    assert checked > 10   # the xlsx members were opened
    store = settings.store_path()
    if store.exists():
        assert KEY.encode() not in store.read_bytes()


# -- FMP fetches against a misbehaving server ----------------------------------------------------

def _echo(status: int, content_type: str = "text/plain"):
    """An error page that echoes the request (query string and key included), as some
    servers and proxies do."""
    def handle(req):
        query = "&".join(f"{k}={v[0]}" for k, v in req.query.items())
        return status, {"Content-Type": content_type}, \
            f"Error {status} for {req.path}?{query}".encode()
    return handle


def _fixture_handler(endpoint: str):
    def handle(req):
        assert req.query.get("apikey") == [KEY]   # the key does travel, as a query parameter
        body = (FIX / f"{endpoint}_ABCD.json").read_bytes()
        return 200, {"Content-Type": "application/json"}, body
    return handle


@pytest.fixture
def fmp_server(key, monkeypatch):
    with MockServer() as srv:
        for e in ENDPOINTS:
            srv.route(f"/stable/{e}", handler=_fixture_handler(e))
        srv.route("/stable/balance-sheet-statement", handler=_echo(500))     # always 500
        srv.route("/stable/profile", handler=_echo(404))                     # always 404
        # estimates: a reset and a truncated body first (retried), then fine
        srv.script("/stable/analyst-estimates", [Fault("reset"), Fault("truncate")])
        monkeypatch.setenv("SCREENER_FMP_BASE_URL", srv.url + "/stable")
        yield srv


def test_fmp_fetch_failures_errors_logs_and_store_are_key_free(fmp_server, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    store_file = tmp_path / "fmp-store.sqlite"
    provider = FinanceToolkitProvider(policy=FAST, rate=200)
    with Store.open(store_file) as store:
        report = fetch_to_store(provider, ["ABCD", "EFGH"], store)
        recorded = store.failures()
        snaps = [store.latest("fmp", d, t) for d in provider.datasets for t in ("ABCD", "EFGH")]
    # the server did see the key on every request: the test exercises the real path
    assert fmp_server.count("/stable/") > 0
    fails = {(f.ticker, f.dataset): f for f in report.failed}
    assert set(fails) == {(t, d) for t in ("ABCD", "EFGH") for d in ("statements", "market")}
    assert all(("500" in f.reason) for (t, d), f in fails.items() if d == "statements")
    assert all(("404" in f.reason) for (t, d), f in fails.items() if d == "market")
    assert {(f.ticker, f.dataset) for f in recorded} == set(fails)
    assert all(s is not None for s in snaps if s and s.dataset == "estimates")
    for f in [*report.failed, *recorded]:
        assert KEY not in repr(f) and KEY not in f.reason
    for s in snaps:
        if s is not None:
            assert KEY.encode() not in s.payload
    # raised errors, called directly (a 404, a 500 after retries)
    errors = []
    for dataset in ("market", "statements"):
        with pytest.raises(ScreenerError) as err:
            provider.fetch_payload("ABCD", dataset)
        errors.append(err.value)
    assert "404" in str(errors[0]) and "500" in str(errors[1])
    for exc in errors:
        for text in error_texts(exc):
            assert KEY not in text
    for text in log_texts(caplog):
        assert KEY not in text
    assert any("apikey" in r.getMessage() for r in caplog.records)  # URLs were logged, masked
    assert_no_key_in_files(tmp_path)   # the store and any -wal / -shm / journal file


def test_fmp_fetch_command_and_failure_report_are_key_free(fmp_server, tmp_path, caplog,
                                                           monkeypatch):
    caplog.set_level(logging.DEBUG)
    store_file = tmp_path / "cli-store.sqlite"
    monkeypatch.setenv("SCREENER_STORE", str(store_file))
    # the CLI uses the default retry policy: let the 500 clear after one retry to stay fast
    fmp_server.route("/stable/balance-sheet-statement",
                     handler=_fixture_handler("balance-sheet-statement"))
    fmp_server.script("/stable/balance-sheet-statement", [Fault.status(500)])
    fmp_server.route("/stable/cash-flow-statement", handler=_echo(404, "application/json"))
    runner = CliRunner()
    fetch = runner.invoke(cli, ["fetch", "--tickers", "ABCD", "--provider", "fmp"])
    assert fetch.exit_code == 0, fetch.output
    assert "fmp/statements" in fetch.output and "fmp/market" in fetch.output   # the failures
    failures = runner.invoke(cli, ["store", "failures"])
    info = runner.invoke(cli, ["store", "info"])
    for result in (fetch, failures, info):
        assert KEY not in result.output
    assert "404" in failures.output
    for text in log_texts(caplog):
        assert KEY not in text
    assert store_file.exists()
    assert_no_key_in_files(tmp_path)


def test_unreachable_fmp_server_errors_are_key_free(key, monkeypatch, tmp_path, caplog):
    """Connection refused: requests' own message carries the full URL (key included); what we
    raise, record and log must not."""
    import socket

    caplog.set_level(logging.DEBUG)
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()   # nothing listens there now
    monkeypatch.setenv("SCREENER_FMP_BASE_URL", f"http://127.0.0.1:{port}/stable")
    provider = FinanceToolkitProvider(policy=FAST, rate=200)
    with pytest.raises(ScreenerError) as err:
        provider.fetch_payload("ABCD", "statements")
    for text in error_texts(err.value):
        assert KEY not in text
    with Store.open(tmp_path / "s.sqlite") as store:
        report = fetch_to_store(provider, ["ABCD"], store)
        recorded = store.failures()
    assert report.failed and recorded
    assert report.stopped and "cannot reach 127.0.0.1" in report.stopped  # the source is down
    assert KEY not in report.stopped
    for f in [*report.failed, *recorded]:
        assert f.transient and 1 <= f.attempts <= FAST.attempts
        assert KEY not in repr(f)
    for text in log_texts(caplog):
        assert KEY not in text
    assert_no_key_in_files(tmp_path)


def test_url_encoded_forms_of_a_key_are_redacted(monkeypatch):
    """A key with / + = leaks percent-encoded when a server echoes the query string."""
    from urllib.parse import quote, quote_plus

    from screener.settings import redact

    secret = "ab/cd+ef=gh"
    monkeypatch.setenv("FINANCIAL_MODELING_PREP_API_KEY", secret)
    echoed = (f"GET /x?apikey={quote(secret, safe='')} | {quote_plus(secret)} | "
              f"{quote(secret, safe='').lower()} | {secret}")
    out = redact(echoed)
    assert "ab" not in out.replace("***", "") and out.count("***") == 4, out
