"""FRED's two CSV layouts, its API JSON, the client against 127.0.0.1, the key never shown."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from screener.devtools.mockhttp import MockServer
from screener.errors import FetchError, PermanentFetchError, ProviderError
from screener.history.store import HistoryStore
from screener.http import HttpClient, RetryPolicy
from screener.regime.catalog import series_catalog
from screener.regime.fred import FredClient, parse_api, parse_csv
from screener.regime.macro import fetch_macro, known_series

FIX = Path(__file__).parents[1] / "fixtures" / "fred"
KEY = "abcdef0123456789abcdef0123456789"


def _http():
    return HttpClient("fred", rate=1000, policy=RetryPolicy(attempts=2, initial_wait=0.01,
                                                              max_wait=0.02, jitter=0.0))


def test_csv_current_layout_drops_the_missing_marker():
    f = parse_csv((FIX / "T10Y2Y.csv").read_bytes(), "T10Y2Y")
    assert list(f["date"].dt.strftime("%Y-%m-%d")) == ["2024-01-02", "2024-01-03",
                                                       "2024-01-05", "2024-01-08"]
    assert f["value"].tolist() == [-0.38, -0.40, -0.37, -0.33]
    assert set(f["series"]) == {"T10Y2Y"}


def test_csv_older_layout_with_bom_and_crlf():
    f = parse_csv((FIX / "DFF_old_layout.csv").read_bytes(), "dff")
    assert f["value"].tolist() == [5.33, 5.33, 5.32]
    assert f["date"].iloc[0] == pd.Timestamp("2023-12-29")


def test_csv_with_several_series_and_a_wrong_one():
    text = "observation_date,DGS2,DGS10\n2024-01-02,4.33,3.95\n2024-01-03,.,3.91\n"
    both = parse_csv(text)
    assert sorted(both["series"].unique()) == ["DGS10", "DGS2"]
    assert len(both) == 3
    with pytest.raises(PermanentFetchError, match="holds DGS2, DGS10, not T10Y2Y"):
        parse_csv(text, "T10Y2Y")


def test_an_html_error_page_is_not_read_as_data():
    with pytest.raises(PermanentFetchError, match="not a FRED CSV"):
        parse_csv(b"<!DOCTYPE html><html><body>Series not found</body></html>", "NOPE")
    with pytest.raises(PermanentFetchError, match="unexpected CSV header"):
        parse_csv(b"when,value\n2024-01-01,1\n", "X")


def test_api_observations_and_missing_values():
    f = parse_api((FIX / "INDPRO_api.json").read_bytes(), "INDPRO")
    assert f["date"].dt.strftime("%Y-%m").tolist() == ["2023-10", "2023-11", "2024-01"]
    assert f["value"].tolist() == [102.1463, 102.5701, 101.8823]


def test_api_bad_key_is_a_user_error():
    with pytest.raises(ProviderError, match="refused the API key"):
        parse_api((FIX / "api_bad_key.json").read_bytes(), "INDPRO")


def test_client_csv_mode_asks_from_a_start_date(monkeypatch):
    monkeypatch.delenv("FRED_API_KEY", raising=False)
    with MockServer() as srv:
        seen = []

        def handler(req):
            seen.append(req.query)
            return 200, {"Content-Type": "text/csv"}, (FIX / "T10Y2Y.csv").read_bytes()
        srv.route("/graph/fredgraph.csv", handler=handler)
        c = FredClient(csv_base=srv.url, http=_http())
        assert c.mode == "csv"
        f = c.observations("T10Y2Y", start="2024-01-04")
    assert seen[0]["id"] == ["T10Y2Y"] and seen[0]["cosd"] == ["2024-01-04"]
    assert f["value"].tolist() == [-0.37, -0.33]   # the mirror ignored cosd: cut here


def test_client_api_mode_never_shows_the_key(monkeypatch):
    monkeypatch.setenv("FRED_API_KEY", KEY)
    with MockServer() as srv:
        srv.route("/fred/series/observations", status=500, body=b"oops")
        c = FredClient(api_base=srv.url, http=_http())
        assert c.mode == "api"
        with pytest.raises(FetchError) as info:
            c.observations("INDPRO")
        assert KEY not in str(info.value) and "HTTP 500" in str(info.value)
        srv.route("/fred/series/observations", body=(FIX / "api_bad_key.json").read_bytes())
        with pytest.raises(ProviderError) as info:
            c.observations("INDPRO")
        assert KEY not in str(info.value)
        srv.route("/fred/series/observations", body=(FIX / "INDPRO_api.json").read_bytes())
        f = c.observations("INDPRO", start="2023-10-01")
    assert len(f) == 3
    q = [p for _, _, p, _ in srv.log]
    assert all(p.startswith("/fred/series/observations") for p in q)


def _csv(rows: list[tuple[str, str]], sid="T10Y2Y") -> bytes:
    return ("observation_date," + sid + "\n" + "".join(f"{d},{v}\n" for d, v in rows)).encode()


def test_incremental_fetch_release_dates_and_revisions(tmp_path, monkeypatch):
    """First fetch: every observation released date + lag. Next day: asked only from the newest
    held date minus the overlap; a new observation and a revised value are stored, the revision
    released the day it was seen, so an earlier as-of view keeps the old value."""
    monkeypatch.delenv("FRED_API_KEY", raising=False)
    store = HistoryStore(tmp_path / "h")
    sdef = series_catalog()["INDPRO"]  # monthly, lag 47 days
    answers = [_csv([("2023-10-01", "102.0"), ("2023-11-01", "102.5"), ("2023-12-01", ".")],
                    "INDPRO"),
               _csv([("2023-11-01", "102.6"), ("2023-12-01", "102.9")], "INDPRO")]
    queries = []
    with MockServer() as srv:
        def handler(req):
            queries.append(req.query)
            return 200, {}, answers[len(queries) - 1]
        srv.route("/graph/fredgraph.csv", handler=handler)
        c = FredClient(csv_base=srv.url, http=_http())
        r1 = fetch_macro(store, c, [sdef], today=dt.date(2024, 1, 20))
        r2 = fetch_macro(store, c, [sdef], today=dt.date(2024, 2, 20))
    assert r1.rows == {"INDPRO": 2} and r1.requests == 1
    assert "cosd" not in queries[0]
    # overlap of 120 days for a monthly series: from 2023-11-01 - 120 days
    assert queries[1]["cosd"] == ["2023-07-04"]
    assert r2.rows == {"INDPRO": 2} and r2.revisions == {"INDPRO": 1}
    rows = store.read("macro", where={"series": ["INDPRO"]})
    rel = {(d.strftime("%Y-%m-%d"), v): r.strftime("%Y-%m-%d")
           for d, v, r in zip(rows["date"], rows["value"], rows["released"])}
    assert rel[("2023-10-01", 102.0)] == "2023-11-17"       # date + 47 days
    assert rel[("2023-11-01", 102.5)] == "2023-12-18"
    assert rel[("2023-11-01", 102.6)] == "2024-02-20"       # the revision: seen that day
    assert rel[("2023-12-01", 102.9)] == "2024-01-17"
    before = known_series(store, ["INDPRO"], as_of="2024-02-01")["INDPRO"]
    after = known_series(store, ["INDPRO"], as_of="2024-02-20")["INDPRO"]
    assert before[pd.Timestamp("2023-11-01")] == 102.5
    assert after[pd.Timestamp("2023-11-01")] == 102.6
    assert np.isnan(known_series(store, ["INDPRO"], as_of="2024-01-16")["INDPRO"].get(
        pd.Timestamp("2023-12-01"), np.nan))


def test_vintages_carry_their_publication_dates(tmp_path, monkeypatch):
    monkeypatch.setenv("FRED_API_KEY", KEY)
    store = HistoryStore(tmp_path / "h")
    sdef = series_catalog()["INDPRO"]
    with MockServer() as srv:
        srv.route("/fred/series/observations",
                  body=(FIX / "INDPRO_vintages.json").read_bytes())
        c = FredClient(api_base=srv.url, http=_http())
        rep = fetch_macro(store, c, [sdef], today=dt.date(2024, 3, 1), vintages=True)
    assert rep.rows == {"INDPRO": 4}
    s = known_series(store, ["INDPRO"], as_of="2024-01-20")["INDPRO"]
    assert s[pd.Timestamp("2023-11-01")] == 102.5701 and s[pd.Timestamp("2023-12-01")] == 102.6
    s = known_series(store, ["INDPRO"], as_of="2024-01-10")["INDPRO"]
    assert s.to_dict() == {pd.Timestamp("2023-11-01"): 102.3}


def test_a_failed_series_is_reported_and_the_others_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("FRED_API_KEY", raising=False)
    store = HistoryStore(tmp_path / "h")
    cat = series_catalog()
    with MockServer() as srv:
        def handler(req):
            if req.query["id"] == ["DFF"]:
                return 404, {}, b"<html>not found</html>"
            return 200, {}, (FIX / "T10Y2Y.csv").read_bytes()
        srv.route("/graph/fredgraph.csv", handler=handler)
        c = FredClient(csv_base=srv.url, http=_http())
        rep = fetch_macro(store, c, [cat["DFF"], cat["T10Y2Y"]], today=dt.date(2024, 2, 1))
    assert rep.rows == {"T10Y2Y": 4}
    assert [s for s, _ in rep.failures] == ["DFF"] and "404" in rep.failures[0][1]


def test_api_pages_are_followed(monkeypatch):
    monkeypatch.setenv("FRED_API_KEY", KEY)

    def page(req):
        offset = int(req.query.get("offset", ["0"])[0])
        obs = [{"realtime_start": "2024-01-02", "realtime_end": "2024-01-02",
                "date": f"2023-0{offset + i + 1}-01", "value": str(100 + offset + i)}
               for i in range(2) if offset + i < 3]
        return 200, {}, json.dumps({"count": 3, "offset": offset, "limit": 2,
                                    "observations": obs}).encode()
    with MockServer() as srv:
        srv.route("/fred/series/observations", handler=page)
        f = FredClient(api_base=srv.url, http=_http()).observations("INDPRO")
    assert f["value"].tolist() == [100.0, 101.0, 102.0]
    assert srv.count("/fred/series/observations") == 2
