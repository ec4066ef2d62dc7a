"""Refresh against a local server; import; snapshots and their history."""

from __future__ import annotations

import json

import pytest

from screener import settings
from screener.devtools.mockhttp import Fault, MockServer
from screener.errors import InputDataError, UniverseError
from screener.universe import import_file, load_members, refresh
from screener.universe import snapshots as snap

PATH = "/us/products/239710/IWM_holdings.csv"


@pytest.fixture(scope="module")
def _server():
    with MockServer() as srv:
        yield srv


@pytest.fixture
def server(_server, monkeypatch):
    """One local server for the module (start/stop is slow), reset for every test."""
    _server.routes.clear()
    _server.scripts.clear()
    _server.log.clear()
    monkeypatch.setenv("SCREENER_UNIVERSE_URL_RUSSELL2000", _server.url + PATH)
    return _server


def counting(body: bytes | str, status: int = 200, ctype: str = "text/csv"):
    """A route handler that counts its calls (srv.log is appended after the reply is sent,
    so it can lag behind the client)."""
    data = body.encode() if isinstance(body, str) else body

    def handler(req):
        handler.calls += 1
        return status, {"Content-Type": ctype}, data

    handler.calls = 0
    return handler


def stored_files():
    folder = settings.data_dir() / "universes" / "russell2000"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_html_then_500_then_truncated_then_good_stores_only_the_good_file(
        server, fixtures, fast_policy):
    good = (fixtures / "iwm_2026-05-05.csv").read_bytes()
    server.route(PATH, body=good, headers={"Content-Type": "text/csv"})
    server.script(PATH, [Fault("html"), Fault.status(500), Fault("truncate"), None])
    result = refresh("russell2000", policy=fast_policy)
    assert result.attempts == 4
    assert result.as_of == "2026-05-05" and result.kept == 20
    assert stored_files() == ["2026-05-05.csv", "2026-05-05.json"]
    members = load_members("russell2000")
    assert members.as_of == "2026-05-05" and "MOG-A" in members.tickers


def test_browser_user_agent_is_sent(server, fixtures, fast_policy):
    seen = {}

    def handler(req):
        seen.update(req.headers)
        return 200, {"Content-Type": "text/csv"}, (fixtures / "iwm_2026-05-05.csv").read_bytes()

    server.route(PATH, handler=handler)
    refresh("russell2000", policy=fast_policy)
    assert seen["User-Agent"] == settings.BROWSER_USER_AGENT
    assert "text/csv" in seen["Accept"]


def test_a_truncated_body_with_a_correct_length_is_fetched_again(server, fixtures, fast_policy):
    good = (fixtures / "iwm_2026-05-05.csv").read_bytes()
    bodies = [good[: len(good) // 2], good]

    def handler(req):
        return 200, {"Content-Type": "text/csv"}, bodies.pop(0) if len(bodies) > 1 else bodies[0]

    server.route(PATH, handler=handler)
    result = refresh("russell2000", policy=fast_policy)
    assert result.kept == 20 and result.attempts == 2


def test_failed_refresh_keeps_the_previous_snapshot_and_says_so(server, fixtures, fast_policy):
    import_file("russell2000", fixtures / "iwm_2026-05-05.csv")
    before = {p: (settings.data_dir() / "universes" / "russell2000" / p).read_bytes()
              for p in stored_files()}
    html = counting("<html><body>Access Denied</body></html>", ctype="text/html")
    server.route(PATH, handler=html)
    with pytest.raises(UniverseError) as info:
        refresh("russell2000", policy=fast_policy)
    text = str(info.value)
    assert "HTML page" in text and PATH in text
    assert "previous snapshot (2026-05-05) is kept" in text
    assert "screener universe import russell2000 FILE" in text
    after = {p: (settings.data_dir() / "universes" / "russell2000" / p).read_bytes()
             for p in stored_files()}
    assert after == before
    assert html.calls == fast_policy.attempts          # bounded retries


def test_permanent_http_error_is_not_retried_and_stores_nothing(server, fast_policy):
    forbidden = counting("Forbidden", status=403, ctype="text/plain")
    server.route(PATH, handler=forbidden)
    with pytest.raises(UniverseError, match="HTTP 403.*\n.*\n.*Nothing was stored"):
        refresh("russell2000", policy=fast_policy)
    assert forbidden.calls == 1
    assert stored_files() == []


def test_non_holdings_csv_is_not_retried(server, fixtures, fast_policy):
    other = counting((fixtures / "not_holdings.csv").read_bytes())
    server.route(PATH, handler=other)
    with pytest.raises(UniverseError, match="no header line with a 'Ticker'"):
        refresh("russell2000", policy=fast_policy)
    assert other.calls == 1


def test_refresh_reports_adds_and_drops_and_keeps_history(server, fixtures, fast_policy):
    import_file("russell2000", fixtures / "iwm_2026-05-05.csv")
    server.route(PATH, body=(fixtures / "iwm_2026-06-12.csv").read_bytes())
    result = refresh("russell2000", policy=fast_policy)
    assert result.previous == "2026-05-05"
    assert result.added == ["YANK", "ZULU"] and result.removed == ["KILO", "LIMA"]
    assert snap.list_snapshots("russell2000") == ["2026-05-05", "2026-06-12"]
    d = snap.diff("russell2000", "2026-05-05")
    assert sorted(d.added.index) == ["YANK", "ZULU"]
    assert sorted(d.removed.index) == ["KILO", "LIMA"]


def test_refresh_of_an_inline_universe_explains(home):
    home("watch", "source: {type: tickers, tickers: [AAA]}\n")
    with pytest.raises(UniverseError, match="nothing to download"):
        refresh("watch")


def test_import_writes_snapshot_and_meta(fixtures):
    result = import_file("russell2000", fixtures / "iwm_2026-05-05.csv")
    assert result.previous is None and not result.replaced
    meta = json.loads(result.path.with_suffix(".json").read_text())
    assert meta["rows_total"] == 25 and meta["equities_kept"] == 20
    assert meta["dropped"]["asset class Futures"] == 1
    assert meta["source"].endswith("iwm_2026-05-05.csv") and meta["downloaded_at"]
    as_of, frame = snap.read_snapshot("russell2000")
    assert as_of == "2026-05-05"
    assert frame.loc["BRK-B", "original_ticker"] == "BRK.B"
    assert frame.loc["CHRL", "weight"] == pytest.approx(0.0239)
    assert frame.loc["CHRL", "market_value"] == pytest.approx(1_532_594_919.50)
    again = import_file("russell2000", fixtures / "iwm_2026-05-05.csv")
    assert again.replaced and again.added == [] and again.removed == []
    assert snap.list_snapshots("russell2000") == ["2026-05-05"]


def test_import_of_a_plain_csv_uses_the_given_date(fixtures):
    result = import_file("sp600", fixtures / "plain_tickers.csv", as_of="2026-05-01")
    assert result.as_of == "2026-05-01" and result.kept == 4
    assert load_members("sp600").as_of == "2026-05-01"


def test_bad_import_names_the_file_and_stores_nothing(fixtures):
    with pytest.raises(InputDataError) as info:
        import_file("russell2000", fixtures / "iwm_truncated.csv")
    assert "iwm_truncated.csv" in str(info.value) and "Nothing was stored" in str(info.value)
    assert stored_files() == []


def test_corrupt_snapshot_is_named(fixtures):
    result = import_file("russell2000", fixtures / "iwm_2026-05-05.csv")
    result.path.write_text("ticker,weight\nAAA,abc\n")
    with pytest.raises(UniverseError, match=r"2026-05-05.csv lacks the columns"):
        load_members("russell2000")


def test_diff_against_an_unknown_date_lists_the_stored_ones(fixtures):
    import_file("russell2000", fixtures / "iwm_2026-05-05.csv")
    with pytest.raises(UniverseError, match="no snapshot dated 2026-01-01") as info:
        snap.diff("russell2000", "2026-01-01")
    assert "2026-05-05" in str(info.value)


def test_a_damaged_old_snapshot_does_not_block_a_new_import(fixtures):
    first = import_file("russell2000", fixtures / "iwm_2026-05-05.csv")
    first.path.write_text("garbage\n")
    result = import_file("russell2000", fixtures / "iwm_2026-06-12.csv")
    assert result.kept == 20 and any("Adds and drops are not shown" in n for n in result.notes)
    assert load_members("russell2000").as_of == "2026-06-12"
