"""The embedded store: roundtrip, history, freshness, recognising foreign files, concurrency."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, date, datetime, timedelta

import pytest

from screener.errors import NoDataError, StoreError
from screener.raw.bundle import Failure
from screener.store import Store


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "data" / "store.sqlite") as st:
        yield st


def test_put_then_latest_returns_the_same_bytes(store):
    payload = b'{"facts": {}}' * 100
    store.put("sec", "companyfacts", "ACME", date(2025, 1, 2), payload)
    snap = store.latest("sec", "companyfacts", "ACME")
    assert snap.payload == payload
    assert snap.as_of == date(2025, 1, 2)
    assert store.latest("sec", "companyfacts", "OTHER") is None
    assert store.tickers() == ["ACME"]


def test_history_accumulates_and_same_as_of_replaces(store):
    for day, body in [(1, b"a"), (2, b"b"), (2, b"c"), (3, b"d")]:
        store.put("yahoo", "estimates", "ACME", date(2025, 1, day), body)
    hist = store.history("yahoo", "estimates", "ACME")
    assert [(s.as_of.day, s.payload) for s in hist] == [(1, b"a"), (2, b"c"), (3, b"d")]
    assert store.latest("yahoo", "estimates", "ACME", as_of=date(2025, 1, 2)).payload == b"c"


def test_fresh_respects_max_age(store):
    now = datetime.now(UTC)
    store.put("sec", "companyfacts", "OLD", date(2025, 1, 1), b"x", fetched_at=now - timedelta(days=3))
    store.put("sec", "companyfacts", "NEW", date.today(), b"y", fetched_at=now)
    names = ["OLD", "NEW", "NONE"]
    assert store.fresh("sec", "companyfacts", names) == {"NEW"}          # default: today
    assert store.fresh("sec", "companyfacts", names, timedelta(days=7)) == {"OLD", "NEW"}
    assert store.fresh("sec", "companyfacts", names, timedelta(hours=1)) == {"NEW"}
    assert store.fresh("yahoo", "companyfacts", names, timedelta(days=7)) == set()


def test_reopening_keeps_data(tmp_path):
    path = tmp_path / "s.sqlite"
    with Store.open(path) as st:
        st.put("sec", "companyfacts", "ACME", date(2025, 1, 1), b"kept")
    with Store.open(path) as st:
        assert st.latest("sec", "companyfacts", "ACME").payload == b"kept"
        assert st.integrity_check() == "ok"


def test_garbage_file_is_refused_with_the_path(tmp_path):
    path = tmp_path / "store.sqlite"
    path.write_bytes(os.urandom(4096))
    with pytest.raises(StoreError) as err:
        Store.open(path)
    assert str(path) in str(err.value) and "SCREENER_STORE" in str(err.value)
    assert path.stat().st_size == 4096  # untouched


def test_sqlite_header_with_garbage_body_is_a_store_error(tmp_path):
    path = tmp_path / "store.sqlite"
    path.write_bytes(b"SQLite format 3\x00" + os.urandom(8000))
    with pytest.raises(StoreError) as err:
        Store.open(path)
    assert str(path) in str(err.value)


def test_foreign_sqlite_database_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (id INTEGER)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError) as err:
        Store.open(path)
    assert "not a screener store" in str(err.value) and str(path) in str(err.value)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT name FROM sqlite_master").fetchall() == [("customers",)]
    conn.close()


def test_store_from_a_newer_version_is_refused(tmp_path):
    path = tmp_path / "s.sqlite"
    Store.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer screener"):
        Store.open(path)


def test_a_folder_at_the_store_path_is_refused(tmp_path):
    with pytest.raises(StoreError, match="folder"):
        Store.open(tmp_path)


def test_failures_are_unresolved_until_a_later_success(store):
    old = datetime.now(UTC) - timedelta(hours=1)
    store.record_failure(Failure("ACME", "sec", "companyfacts", "HTTP 503", 5, True), at=old)
    store.record_failure(Failure("GONE", "sec", "companyfacts", "HTTP 404", 1, False))
    assert {f.ticker for f in store.failures()} == {"ACME", "GONE"}
    store.put("sec", "companyfacts", "ACME", date.today(), b"{}")
    [left] = store.failures()
    assert (left.ticker, left.attempts, left.transient) == ("GONE", 1, False)


def test_info_counts_names_and_dates(store):
    store.put("sec", "companyfacts", "A", date(2025, 1, 1), b"1")
    store.put("sec", "companyfacts", "B", date(2025, 2, 1), b"2")
    store.put("sec", "tickers", "_MAP", date(2025, 2, 1), b"{}")  # source-wide, not a name
    store.put("yahoo", "estimates", "A", date(2025, 3, 1), b"3")
    info = store.info()
    assert info["names"] == 2
    rows = {(d["source"], d["dataset"]): d for d in info["datasets"]}
    assert set(rows) == {("sec", "companyfacts"), ("yahoo", "estimates")}
    assert rows["sec", "companyfacts"]["names"] == 2
    assert (rows["sec", "companyfacts"]["oldest_as_of"], rows["sec", "companyfacts"]["newest_as_of"]) \
        == ("2025-01-01", "2025-02-01")
    assert info["size_bytes"] > 0


WRITER = textwrap.dedent("""
    import sys
    from datetime import date
    from screener.store import Store
    st = Store.open(sys.argv[1])
    for i in range(200):
        st.put("sec", "companyfacts", f"{sys.argv[2]}{i:03d}", date(2025, 1, 1), b"x" * 2000)
    st.close()
""")


def test_two_processes_writing_at_once_lose_nothing(tmp_path):
    path = tmp_path / "shared.sqlite"
    Store.open(path).close()
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), prefix])
             for prefix in ("A", "B")]
    for p in procs:
        assert p.wait(timeout=60) == 0
    with Store.open(path) as st:
        assert len(st.tickers()) == 400
        assert st.integrity_check() == "ok"


def test_load_bundle_on_empty_store_says_how_to_get_data(store):
    with pytest.raises(NoDataError) as err:
        store.load_bundle(["ACME"], universe="russell2000")
    text = str(err.value)
    assert "screener fetch --universe russell2000" in text and "--provider sample" in text
