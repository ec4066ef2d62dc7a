"""A damaged payload is treated as missing and the run continues (issue 16 item 8); inspection
commands open the store read-only and ignore a WAL that is not the store's (item 9)."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from datetime import date

from click.testing import CliRunner

from screener.cli import cli
from screener.store import Store


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_damaged_payload_is_missing_reported_and_fetched_again(tmp_path):
    path = tmp_path / "s.sqlite"
    with Store.open(path) as st:
        st.put("file", "records", "GOOD", date(2026, 5, 1), b'{"identity": []}')
        st.put("file", "records", "BAD", date(2026, 5, 1), b'{"identity": []}')
    con = sqlite3.connect(path)
    con.execute("UPDATE snapshots SET payload = X'00FF00FF' WHERE ticker = 'BAD'")
    con.commit()
    con.close()
    with Store.open(path) as st:
        assert st.latest("file", "records", "BAD") is None          # missing, not an error
        assert st.latest("file", "records", "GOOD") is not None
        assert st.fresh("file", "records", ["GOOD", "BAD"]) == {"GOOD"}  # BAD: fetch again
        [failure] = st.failures(source="file")
        assert failure.ticker == "BAD" and failure.reason.startswith("damaged")


def test_a_damaged_payload_does_not_stop_the_bundle(tmp_path):
    from screener.errors import NoDataError

    path = tmp_path / "s.sqlite"
    with Store.open(path) as st:
        st.put("sec", "companyfacts", "BAD", date(2026, 5, 1), b"{}")
    con = sqlite3.connect(path)
    con.execute("UPDATE snapshots SET sha256 = 'not-the-hash'")  # a flipped bit, decompresses
    con.commit()
    con.close()
    with Store.open(path) as st:
        try:
            bundle = st.load_bundle(["BAD"])
        except NoDataError:  # nothing else stored: that is the only honest answer
            return
        assert any(f.reason.startswith("damaged") for f in bundle.failures)


def _foreign_wal(tmp_path):
    """A WAL written by another SQLite database (page 1 changed in it), kept by copying it
    while its connection is still open."""
    other = tmp_path / "other.sqlite"
    con = sqlite3.connect(other)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA wal_autocheckpoint=0")
    con.execute("CREATE TABLE t (x)")
    con.execute("INSERT INTO t VALUES (1)")
    con.commit()
    wal = tmp_path / "other.sqlite-wal"
    copy = tmp_path / "foreign-wal"
    shutil.copy(wal, copy)
    con.close()
    return copy


def test_store_info_does_not_merge_a_foreign_wal(tmp_path, monkeypatch):
    path = tmp_path / "store.sqlite"
    with Store.open(path) as st:
        st.put("sec", "companyfacts", "ACME", date(2026, 5, 1), b"{}")
    wal = tmp_path / "store.sqlite-wal"
    shutil.copy(_foreign_wal(tmp_path), wal)
    before, before_wal = _sha(path), _sha(wal)
    monkeypatch.setenv("SCREENER_STORE", str(path))
    result = CliRunner().invoke(cli, ["store", "info"])
    assert result.exit_code == 0, result.output
    assert "does not belong to this store; it was ignored" in result.output
    assert "1 names" in result.output
    assert _sha(path) == before and _sha(wal) == before_wal  # nothing merged or rewritten


def test_inspection_creates_nothing(tmp_path, monkeypatch):
    path = tmp_path / "nowhere" / "store.sqlite"
    monkeypatch.setenv("SCREENER_STORE", str(path))
    result = CliRunner().invoke(cli, ["store", "info"])
    assert result.exit_code == 2 and "There is no store" in result.output
    assert not path.parent.exists()


def test_inspection_reads_a_store_of_our_own_with_its_wal(tmp_path, monkeypatch):
    path = tmp_path / "store.sqlite"
    st = Store.open(path)
    st._conn.execute("PRAGMA wal_autocheckpoint=0")
    st.put("sec", "companyfacts", "ACME", date(2026, 5, 1), b"{}")
    monkeypatch.setenv("SCREENER_STORE", str(path))
    result = CliRunner().invoke(cli, ["store", "info"])  # the writer is still open
    st.close()
    assert result.exit_code == 0 and "1 names" in result.output
    assert "does not belong" not in result.output


def test_a_full_disk_says_disk_full(tmp_path):
    """SQLite's own full-disk error (here: a page limit) is reported as a full disk, not as
    "cannot rollback - no transaction is active"."""
    import pytest

    from screener.errors import StoreError

    with Store.open(tmp_path / "s.sqlite") as st:
        pages = st._conn.execute("PRAGMA page_count").fetchone()[0]
        st._conn.execute(f"PRAGMA max_page_count = {pages + 2}")
        with pytest.raises(StoreError) as err:
            st.put("sec", "companyfacts", "BIG", date(2026, 5, 1), os.urandom(200_000))
    assert "The disk is full" in err.value.message
    assert "rollback" not in str(err.value)


def test_csv_export_is_all_or_nothing(tmp_path, monkeypatch):
    import sys
    from pathlib import Path

    import pytest

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "export"))
    from export_fixtures import make_result

    from screener.errors import ExportError
    from screener.export import tables
    from screener.export.tables import write_tables

    real = tables.write_atomic
    calls = {"n": 0}

    def full_after_five(target, write):
        calls["n"] += 1
        if calls["n"] > 5:
            raise ExportError(f"The disk is full: could not write {target}", "Free space.")
        return real(target, write)

    monkeypatch.setattr(tables, "write_atomic", full_after_five)
    out = tmp_path / "run.csv"
    with pytest.raises(ExportError, match="disk is full"):
        write_tables(make_result(), out, "csv")
    assert list(tmp_path.iterdir()) == []  # no half folder, no staging left
    monkeypatch.setattr(tables, "write_atomic", real)
    files = write_tables(make_result(), out, "csv")  # and a rerun works
    assert len(files) > 5 and all(f.exists() for f in files)
