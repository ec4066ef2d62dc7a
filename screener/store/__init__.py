"""The embedded store (SQLite, stdlib): raw payload snapshots by (source, dataset, ticker,
as-of), fetch failures, and the parsed columns beside it (``columns``).

    from screener.store import Store, load_bundle
    with Store.open() as store:                 # $SCREENER_STORE or the user data dir
        store.put("sec", "companyfacts", "ACME", date.today(), payload_bytes)
        snap = store.latest("sec", "companyfacts", "ACME")
        bundle = load_bundle(store, ["ACME", "BETA"])   # RawBundle, source per block
"""

from screener.store.bundle import PRIORITY, combine_blocks, load_bundle
from screener.store.db import SCHEMA_VERSION, Snapshot, Store
from screener.store.parsing import parse_records

__all__ = ["PRIORITY", "SCHEMA_VERSION", "Snapshot", "Store", "combine_blocks", "load_bundle",
           "parse_records"]
