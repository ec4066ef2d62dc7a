"""Yahoo chart history (splits, dividends, null bars) and the incremental `fetch --history`
for prices, against a local server that answers like Yahoo (period1/period2 honoured)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from screener.devtools.mockhttp import MockServer
from screener.errors import PermanentFetchError
from screener.history import HistoryStore
from screener.http import RetryPolicy
from screener.providers.price_history import (
    ChartProvider,
    fetch_price_history,
    last_closed_session,
)
from screener.providers.yahoo_chart import parse_chart
from screener.store import Store

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "yahoo"
FULL = FIX / "chart_history_ACME.json"  # as Yahoo serves it on 2024-06-18 (after the split)
BEFORE = FIX / "chart_history_ACME_before_split.json"  # as served on 2024-06-11
FAST = RetryPolicy(attempts=3, max_seconds=5, initial_wait=0.01, max_wait=0.02, jitter=0.0)
DAYS = ["2024-06-03", "2024-06-04", "2024-06-05", "2024-06-06", "2024-06-07", "2024-06-10",
        "2024-06-11", "2024-06-12", "2024-06-13", "2024-06-17", "2024-06-18"]  # 14th: no trade
TRADED = [40, 41, 42, 41, 40, 42, 44, 22.5, 23, 23.5, 24]  # as traded; 2:1 split on the 12th


def _expected_full():
    """By hand: close split-adjusted (halved before the 12th); the $0.50 dividend (0.25 after
    the split) goes ex on the 7th, so the days before it are scaled by 1 - 0.25 / 20.5."""
    close = np.array([c / 2 if i < 7 else c for i, c in enumerate(TRADED)], dtype=float)
    adj = close * np.where(np.arange(len(close)) < 4, 1 - 0.25 / 20.5, 1.0)
    return close, adj


def test_parse_chart_reads_bars_splits_dividends_and_drops_null_days():
    c = parse_chart("ACME", FULL.read_bytes())
    close, adj = _expected_full()
    assert [d.strftime("%Y-%m-%d") for d in c.bars["date"]] == DAYS
    np.testing.assert_allclose(c.bars["close"], close, rtol=0, atol=1e-12)
    np.testing.assert_allclose(c.bars["adj_close"], adj, rtol=1e-15)
    assert c.bars["volume"].iloc[0] == 2000  # split-adjusted volume
    assert c.splits.to_dict("records") == [
        {"date": pd.Timestamp("2024-06-12"), "numerator": 2.0, "denominator": 1.0}]
    assert c.dividends.to_dict("records") == [{"date": pd.Timestamp("2024-06-07"), "amount": 0.25}]
    assert set(c.bars["source"]) == {"yahoo"} and c.currency == "USD"


def test_a_session_that_has_not_closed_is_not_stored():
    c = parse_chart("ACME", FULL.read_bytes(), last_session=date(2024, 6, 17))
    assert c.bars["date"].max() == pd.Timestamp("2024-06-17")


def test_chart_error_is_a_permanent_failure_naming_the_ticker():
    body = json.dumps({"chart": {"result": None, "error": {
        "code": "Not Found", "description": "No data found, symbol may be delisted"}}})
    with pytest.raises(PermanentFetchError, match="ZZZZ: No data found"):
        parse_chart("ZZZZ", body.encode())


def test_last_closed_session_uses_the_exchange_calendar():
    # Friday 2024-06-14 15:00 New York: the session is open, Thursday is the last closed one
    assert last_closed_session(datetime(2024, 6, 14, 19, 0, tzinfo=UTC)) == date(2024, 6, 13)
    assert last_closed_session(datetime(2024, 6, 14, 20, 30, tzinfo=UTC)) == date(2024, 6, 14)
    # Juneteenth (Wednesday 2024-06-19) is a holiday: Tuesday stays the last session
    assert last_closed_session(datetime(2024, 6, 19, 23, 0, tzinfo=UTC)) == date(2024, 6, 18)


class YahooLike:
    """Serves one 'world' of chart data, sliced by period1/period2 like Yahoo does."""

    def __init__(self, srv: MockServer):
        self.docs: dict[str, dict] = {}
        self.asked: list[tuple[str, int, int]] = []
        self.srv = srv

    def serve(self, ticker: str, path: Path) -> None:
        self.docs[ticker] = json.loads(path.read_text())
        self.srv.route(f"/v8/finance/chart/{ticker}", handler=self._handler(ticker))

    def _handler(self, ticker):
        def handle(req):
            p1, p2 = int(req.query["period1"][0]), int(req.query["period2"][0])
            assert req.query["interval"] == ["1d"] and req.query["events"] == ["div,splits"]
            self.asked.append((ticker, p1, p2))
            doc = json.loads(json.dumps(self.docs[ticker]))
            res = doc["chart"]["result"][0]
            keep = [i for i, t in enumerate(res["timestamp"]) if p1 <= t < p2]
            res["timestamp"] = [res["timestamp"][i] for i in keep]
            q = res["indicators"]["quote"][0]
            for k in q:
                q[k] = [q[k][i] for i in keep]
            a = res["indicators"]["adjclose"][0]
            a["adjclose"] = [a["adjclose"][i] for i in keep]
            return 200, {"Content-Type": "application/json"}, json.dumps(doc).encode()
        return handle


@pytest.fixture
def yahoo(monkeypatch):
    with MockServer() as srv:
        monkeypatch.setenv("SCREENER_YAHOO_BASE_URL", srv.url)
        yield YahooLike(srv)


def _run(tmp_path, now, names=("ACME",)):
    with Store.open(tmp_path / "store.sqlite") as journal:
        return fetch_price_history(list(names), journal, HistoryStore(tmp_path / "history"),
                                   now=now, provider=ChartProvider(policy=FAST, rate=200))


def test_second_run_asks_only_for_new_days_and_readjusts_for_the_split(tmp_path, yahoo):
    yahoo.serve("ACME", BEFORE)
    first = _run(tmp_path, datetime(2024, 6, 11, 22, 0, tzinfo=UTC))
    assert first.fetched == 1 and first.requests == 1 and first.rows == 7
    start = yahoo.asked[0][1]
    assert datetime.fromtimestamp(start, UTC).year == 2004  # 20 years by default

    # the next day nothing new has closed for a name already current: zero requests
    again = _run(tmp_path, datetime(2024, 6, 11, 23, 0, tzinfo=UTC))
    assert again.up_to_date == 1 and again.requests == 0 and len(yahoo.asked) == 1

    # an older day imported from the user's own file is not Yahoo's to re-adjust
    HistoryStore(tmp_path / "history").write("prices", pd.DataFrame(
        {"ticker": ["ACME"], "date": ["2024-05-31"], "close": [80.0], "adj_close": [79.0],
         "volume": [10.0], "source": ["file"]}))

    # a week later (a split and a dividend-adjusted history on Yahoo's side): one request,
    # from the last stored day only
    yahoo.serve("ACME", FULL)
    later = _run(tmp_path, datetime(2024, 6, 18, 22, 0, tzinfo=UTC))
    assert later.requests == 1 and later.readjusted == ["ACME"]
    assert datetime.fromtimestamp(yahoo.asked[-1][1], UTC).date() == date(2024, 6, 11)
    stored = HistoryStore(tmp_path / "history").read("prices", tickers=["ACME"])
    mine = stored[stored["source"] == "file"]
    assert mine[["close", "adj_close", "volume"]].values.tolist() == [[80.0, 79.0, 10.0]]
    stored = stored[stored["source"] == "yahoo"]
    close, adj = _expected_full()
    assert [d.strftime("%Y-%m-%d") for d in stored["date"]] == DAYS
    np.testing.assert_allclose(stored["close"], close, rtol=1e-15)
    np.testing.assert_allclose(stored["adj_close"], adj, rtol=1e-15)
    assert stored["volume"].iloc[0] == 2000  # doubled with the split


def test_benchmarks_and_failures(tmp_path, yahoo):
    yahoo.serve("IWM", FULL)
    yahoo.srv.route("/v8/finance/chart/GONE", status=404, body=json.dumps(
        {"chart": {"result": None, "error": {"code": "Not Found",
                                             "description": "No data found"}}}).encode())
    rep = _run(tmp_path, datetime(2024, 6, 18, 22, 0, tzinfo=UTC), names=("IWM", "GONE"))
    assert rep.fetched == 1 and [f.ticker for f in rep.failures] == ["GONE"]
    assert "404" in rep.failures[0].reason
    held = HistoryStore(tmp_path / "history").latest("prices")
    assert held.to_dict() == {"IWM": pd.Timestamp("2024-06-18")}


def test_a_killed_run_resumes_from_the_journal_without_refetching(tmp_path, yahoo):
    yahoo.serve("ACME", FULL)
    now = datetime(2024, 6, 18, 22, 0, tzinfo=UTC)
    payload = (FULL.read_bytes())
    with Store.open(tmp_path / "store.sqlite") as journal:  # fetched, then killed before writing
        journal.put("yahoo", "chart", "ACME", now.date(), payload)
    rep = _run(tmp_path, now)
    assert rep.from_journal == 1 and rep.requests == 0 and yahoo.asked == []
    assert HistoryStore(tmp_path / "history").latest("prices")["ACME"] == pd.Timestamp(
        "2024-06-18")


def test_cli_fetch_history_only_then_store_info_and_a_price_file(tmp_path, yahoo, monkeypatch):
    from click.testing import CliRunner

    from screener.cli import cli

    monkeypatch.setenv("SCREENER_STORE", str(tmp_path / "store.sqlite"))
    monkeypatch.setenv("SCREENER_HISTORY_DIR", str(tmp_path / "history"))
    monkeypatch.setenv("SCREENER_BENCHMARKS", "IWM")
    yahoo.serve("ACME", FULL)
    yahoo.serve("IWM", FULL)
    out = CliRunner().invoke(cli, ["fetch", "--tickers", "acme", "--history-only"])
    assert out.exit_code == 0, out.output
    assert "2 fetched (2 requests)" in out.output and "22 rows written" in out.output
    assert {a[0] for a in yahoo.asked} == {"ACME", "IWM"}  # the benchmark comes along
    csv = tmp_path / "p.csv"
    csv.write_text("date,ticker,close,volume\n2024-06-19,ACME,25,100\n2024-06-20,ACME,x,1\n")
    imp = CliRunner().invoke(cli, ["fetch", "--from-file", str(csv), "--prices"])
    assert imp.exit_code == 2 and "1 daily price row(s) accepted" in imp.output
    assert "line 3" in imp.output and "close" in imp.output
    info = CliRunner().invoke(cli, ["store", "info"])
    assert info.exit_code == 0, info.output
    assert "prices (daily prices): 2 names, 23 rows, 2024-06-03 .. 2024-06-19" in info.output
    data = json.loads(CliRunner().invoke(cli, ["store", "info", "--json"]).output)
    assert data["history"][0]["rows"] == 23 and data["history"][0]["bytes"] > 0
