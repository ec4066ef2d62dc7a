"""The real-data path end to end, offline: import holdings -> fetch SEC and Yahoo from local
mock servers -> run the default playbook on stored data -> workbook with provenance.

Also: a run never substitutes sample data for real data, and a second fetch with fresh data
makes no request.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from screener.cli import cli
from screener.devtools.mockhttp import MockServer

FIX = Path(__file__).resolve().parents[1] / "fixtures"
REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(FIX / "sec"))
import secmock

TICKERS = ["ACME", "ROLL", "QTR", "NOLAD", "OLD"]
SECTORS = ["Industrials", "Industrials", "Industrials", "Information Technology", "Energy"]


def _holdings_csv(path: Path) -> Path:
    good = (FIX / "holdings" / "iwm_2026-05-05.csv").read_text(encoding="utf-8-sig")
    lines = good.splitlines()
    hdr = next(i for i, line in enumerate(lines) if line.startswith("Ticker,"))
    rows = [
        f'"{t}","{t} CORP","{s}","Equity","100,000,000.00","{20 - i}.00","100,000,000.00",'
        f'"1,000,000.00","100.00","United States","NASDAQ","USD","1.00","USD","-"'
        for i, (t, s) in enumerate(zip(TICKERS, SECTORS))
    ]
    tail = lines[next(i for i in range(len(lines) - 1, hdr, -1) if lines[i] == "") :]
    path.write_text("\ufeff" + "\n".join(lines[: hdr + 1] + rows + tail) + "\n", encoding="utf-8")
    return path


def _serve_yahoo(srv: MockServer) -> None:
    est = json.loads((FIX / "yahoo" / "quotesummary_estimates_ABCD.json").read_text())
    mkt = json.loads((FIX / "yahoo" / "quotesummary_market_ABCD.json").read_text())
    chart = (FIX / "yahoo" / "chart_ABCD.json").read_bytes()

    def quote(req):
        ticker = req.path.rsplit("/", 1)[1]
        modules = req.query.get("modules", [""])[0]
        doc = est if "earningsTrend" in modules else mkt
        body = json.dumps(doc).replace('"ABCD"', f'"{ticker}"').encode()
        return 200, {"Content-Type": "application/json"}, body

    srv.route("/v10/finance/quoteSummary/", handler=quote, prefix=True)
    srv.route("/v8/finance/chart/", body=chart, prefix=True,
              headers={"Content-Type": "application/json"})


@pytest.fixture()
def servers(monkeypatch):
    with MockServer() as sec, MockServer() as yahoo:
        secmock.serve_fixtures(sec)
        _serve_yahoo(yahoo)
        monkeypatch.setenv("SCREENER_SEC_DATA_BASE_URL", sec.url)
        monkeypatch.setenv("SCREENER_SEC_WWW_BASE_URL", sec.url)
        monkeypatch.setenv("SCREENER_SEC_USER_AGENT", "Test Analyst test@example.com")
        monkeypatch.setenv("SCREENER_YAHOO_BASE_URL", yahoo.url)
        yield sec, yahoo


def _cli(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result


def test_stored_data_path_end_to_end(servers, tmp_path, monkeypatch):
    sec, yahoo = servers
    monkeypatch.chdir(REPO)
    holdings = _holdings_csv(tmp_path / "IWM_holdings.csv")
    r = _cli("universe", "import", "russell2000", holdings)
    assert r.exit_code == 0, r.output

    # before any fetch: a clear stop, never sample data in disguise
    r = _cli("run", "screens/rebound.yaml", "--universe", "russell2000",
             "--out", tmp_path / "none.xlsx")
    assert r.exit_code == 1 and "screener fetch" in r.output and "--provider sample" in r.output
    assert not (tmp_path / "none.xlsx").exists()

    for source in ("sec", "yahoo"):
        r = _cli("fetch", "--universe", "russell2000", "--provider", source)
        assert r.exit_code == 0, r.output
    sec_requests, yahoo_requests = len(sec.log), len(yahoo.log)
    assert sec_requests >= len(TICKERS) and yahoo_requests >= len(TICKERS)

    # a second fetch with fresh data makes zero requests
    for source in ("sec", "yahoo"):
        r = _cli("fetch", "--universe", "russell2000", "--provider", source)
        assert r.exit_code == 0, r.output
    assert (len(sec.log), len(yahoo.log)) == (sec_requests, yahoo_requests)

    out = tmp_path / "real.xlsx"
    r = _cli("run", "screens/rebound.yaml", "--universe", "russell2000", "--out", out)
    assert r.exit_code == 0, r.output
    assert "FICTIONAL" not in r.output

    wb = openpyxl.load_workbook(out, read_only=True)
    summary = [c for row in wb["Summary"].iter_rows(values_only=True) for c in row if c]
    assert not any("FICTIONAL" in str(c) for c in summary)
    assert any("2026-05-05" in str(c) for c in summary)  # the universe snapshot's as-of date
    header = next(wb["All names"].iter_rows(min_row=1, max_row=12, values_only=True)
                  for _ in [0])
    rows = list(wb["All names"].iter_rows(values_only=True))
    flat = [str(c) for row in rows for c in row if c is not None]
    assert "ACME" in flat
    # the index file's GICS sector wins over the provider's taxonomy; the provider's name wins
    acme = next(row for row in rows if row and row[0] == "ACME")
    assert acme[2] == "Industrials" and acme[1] == "Abcd Industries, Inc."
    nolad = next(row for row in rows if row and row[0] == "NOLAD")
    assert nolad[2] == "Information Technology"
    quality = [row for row in wb["Data quality"].iter_rows(values_only=True)]
    assert any(r[2] == "stale data" and "stale" in str(r[5]) for r in quality if r and r[2])
    assert not any(r[2] == "fetch failed" for r in quality if r and r[2])
    assert any("sec" == c for c in flat) and any("yahoo" == c for c in flat)
    assert header is not None
