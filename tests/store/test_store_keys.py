"""The journal's snapshot keys kept as a stamped copy beside the parsed columns, and a load of
parsed columns that imports no provider: a load is never stale, never reads a later snapshot,
and never uses rows a killed write left behind."""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import zlib
from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from screener.store import Store
from screener.store.bundle import columns_root


def _doc(ticker: str, price: float) -> bytes:
    return json.dumps({"identity": [{"ticker": ticker, "name": f"{ticker} Corp",
                                     "sector": "Energy"}],
                       "market": [{"ticker": ticker, "price": price,
                                   "market_cap": 1e9}]}).encode()


def _fill(store, prices: dict[str, float], day=date(2026, 1, 2)):
    store.put_many(("file", "records", t, day, _doc(t, p)) for t, p in prices.items())


def _prices(bundle) -> dict[str, float]:
    return bundle.market["price"].to_dict()


def test_a_snapshot_stored_after_a_load_is_seen_and_never_leaks_into_an_earlier_date(tmp_path):
    with Store.open(tmp_path / "s.sqlite") as st:
        _fill(st, {"AAA": 10.0, "BBB": 20.0})
        assert _prices(st.load_bundle(["AAA", "BBB"])) == {"AAA": 10.0, "BBB": 20.0}
        assert (columns_root(st) / "keys.parquet").exists()
        _fill(st, {"AAA": 11.0}, day=date(2026, 2, 2))  # a later fetch of one name
        assert _prices(st.load_bundle(["AAA", "BBB"])) == {"AAA": 11.0, "BBB": 20.0}
        earlier = st.load_bundle(["AAA", "BBB"], as_of=date(2026, 1, 31))
    assert _prices(earlier) == {"AAA": 10.0, "BBB": 20.0}


def test_a_writer_that_does_not_count_its_change_is_seen_too(tmp_path):
    path = tmp_path / "s.sqlite"
    with Store.open(path) as st:
        _fill(st, {"AAA": 10.0})
        st.load_bundle(["AAA"])
    payload = _doc("BBB", 30.0)  # another program adds a snapshot behind the store's back
    with sqlite3.connect(path) as raw:
        raw.execute("INSERT INTO snapshots VALUES (?, ?, ?, ?, ?, ?, ?)",
                    ("file", "records", "BBB", "2026-01-02", "2026-01-02T10:00:00+00:00",
                     zlib.compress(payload), hashlib.sha256(payload).hexdigest()))
    with Store.open(path) as st:
        assert _prices(st.load_bundle(["AAA", "BBB"])) == {"AAA": 10.0, "BBB": 30.0}


def test_a_damaged_copy_of_the_keys_is_read_again_from_the_store(tmp_path, caplog):
    with Store.open(tmp_path / "s.sqlite") as st:
        _fill(st, {"AAA": 10.0, "BBB": 20.0})
        st.load_bundle(["AAA", "BBB"])
        copy = columns_root(st) / "keys.parquet"
        copy.write_bytes(b"PAR1 not a parquet file")
        with caplog.at_level(logging.WARNING):
            bundle = st.load_bundle(["AAA", "BBB"])
        assert _prices(bundle) == {"AAA": 10.0, "BBB": 20.0}
        assert "snapshot keys" in caplog.text and "unreadable" in caplog.text
        assert pq.read_table(copy).num_rows == 2  # written again, whole


def test_a_read_only_store_loads_and_writes_no_copy(tmp_path):
    path = tmp_path / "s.sqlite"
    with Store.open(path) as st:
        _fill(st, {"AAA": 10.0})
    with Store.open_read_only(path) as st:
        assert _prices(st.load_bundle(["AAA"])) == {"AAA": 10.0}
        assert not (columns_root(st) / "keys.parquet").exists()


def test_rows_a_killed_write_left_after_the_index_are_not_used(tmp_path):
    with Store.open(tmp_path / "s.sqlite") as st:
        _fill(st, {"AAA": 10.0, "BBB": 20.0})
        st.load_bundle(["AAA", "BBB"])
        block = columns_root(st) / "file" / "market.parquet"
        rows = pq.read_table(block, read_dictionary=["_cols"])
        # a write killed before its index: rows of a snapshot numbered after every indexed one
        orphan = rows.slice(0, 1)
        orphan = orphan.set_column(0, "_sid", pa.array([rows["_sid"].to_numpy().max() + 1]))
        orphan = orphan.set_column(orphan.schema.get_field_index("price"), "price",
                                   pa.array([999.0]))
        pq.write_table(pa.concat_tables([rows, orphan]), block)
        bundle = st.load_bundle(["AAA", "BBB"])
    assert _prices(bundle) == {"AAA": 10.0, "BBB": 20.0}
    assert len(bundle.market) == 2


def test_parsed_columns_load_without_importing_the_provider(tmp_path, monkeypatch):
    import screener.providers as registry

    with Store.open(tmp_path / "s.sqlite") as st:
        _fill(st, {"AAA": 10.0, "BBB": 20.0})
        first = st.load_bundle(["AAA", "BBB"])

        def unavailable(name):
            raise ImportError(f"no module for {name}")

        monkeypatch.setattr(registry, "provider_class", unavailable)
        warm = st.load_bundle(["AAA", "BBB"])
        assert warm.market.equals(first.market) and warm.failures == first.failures
        _fill(st, {"AAA": 12.0}, day=date(2026, 3, 2))  # this one has to be parsed
        cold = st.load_bundle(["AAA", "BBB"])
    assert "AAA" not in cold.market.index  # nothing stitched from an older snapshot
    assert [f.reason for f in cold.failures if f.ticker == "AAA"] == [
        "cannot read file data: no module for file"]


@pytest.mark.parametrize("name", ["sample", "sec", "yahoo", "fmp", "file"])
def test_the_version_a_load_checks_is_the_providers_own(name):
    from screener.providers import provider_class, registered_parser_version

    assert registered_parser_version(name) == getattr(provider_class(name), "parser_version",
                                                      "1")
