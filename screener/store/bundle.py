"""Stored payloads -> ``RawBundle``: parse each ticker's latest snapshot and combine sources.

For every (source, dataset) in the store, the latest snapshot of each ticker (on or before
``as_of``; the keys from ``keys``) is read from the parsed columns beside the store
(``columns``: one Parquet file per source and block), keyed by the snapshot and the provider's
parser version (``providers.PARSER_VERSIONS``, known without importing the provider). Only a
snapshot not parsed yet, or parsed by an older parser, is parsed, by its provider's ``parse``
(``parsing``: provider classes from the registry, instantiated with no arguments, so they must
not need the network or a key to parse), and kept; a load of parsed columns neither
decompresses, nor parses, nor imports a provider. Blocks are then put together by ``combine``.

Source priority per block (the first source that has the block for a ticker supplies the whole
block for that ticker; blocks are never stitched across sources):

    identity    file > fmp > yahoo > sec
    statements  file > fmp > sec > yahoo
    ladder      file > sec > fmp > yahoo
    estimates   file > yahoo > fmp
    market      file > yahoo > fmp

``file`` (the user's own export) always wins; sources not listed come last. Each block row keeps
its ``source``. Records may carry a ``"_failures"`` list of ``Failure`` dicts (e.g. stale values
flagged by the SEC parser); they become bundle failures.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from screener.errors import NoDataError
from screener.raw.bundle import Failure, RawBundle, block_from_records, empty_block
from screener.raw.schema import BLOCKS, SOURCE_COLUMN
from screener.store.block_tables import FAILURES_BLOCK, to_block_frame
from screener.store.columns import SourceColumns
from screener.store.combine import combine_sources
from screener.store.history_fill import fill_history
from screener.store.keys import (
    journal_keys,
    latest_keys,
    places,
    snapshot_numbers,
    source_pairs,
    wanted_keys,
)
from screener.store.parsing import (
    Parser,
    Unavailable,
    merge_fresh,
    refresh_columns,
)

PRIORITY: dict[str, tuple[str, ...]] = {
    "identity": ("file", "fmp", "yahoo", "sec"),
    "statements": ("file", "fmp", "sec", "yahoo"),
    "ladder": ("file", "sec", "fmp", "yahoo"),
    "estimates": ("file", "yahoo", "fmp"),
    "market": ("file", "yahoo", "fmp"),
}
FAILURES_KEY = "_failures"


def ordered_sources(block: str, sources: Iterable[str]) -> list[str]:
    """``sources`` sorted by the priority of ``block`` (unlisted sources last, by name)."""
    prio = PRIORITY.get(block, ())
    return sorted(set(sources), key=lambda s: (prio.index(s) if s in prio else len(prio), s))


def combine_blocks(per_source: Mapping[str, Mapping[str, list[dict]]]) -> dict[str, pd.DataFrame]:
    """{source: {block: records}} -> {block: frame}, one source per (block, ticker)."""
    out: dict[str, pd.DataFrame] = {}
    for block in BLOCKS:
        frames = []
        covered: set[str] = set()
        for source in ordered_sources(block, per_source):
            records = per_source[source].get(block) or []
            if not records:
                continue
            rows = [{**r, SOURCE_COLUMN: source} if block != "identity" else dict(r)
                    for r in records if r.get("ticker") not in covered]
            if not rows:
                continue
            frame = block_from_records(block, rows)
            covered |= set(frame.index.get_level_values("ticker"))
            frames.append(frame)
        out[block] = pd.concat(frames).sort_index() if frames else empty_block(block)
    return out


def columns_root(store) -> Path:
    """Where the parsed columns of ``store`` live: beside its file (see ``columns``)."""
    return store.path.with_name(store.path.name + ".columns")


def load_bundle(store, tickers: Sequence[str], sources: Sequence[str] | None = None,
                as_of: date | None = None, providers: Mapping[str, Any] | None = None,
                universe: str | None = None) -> RawBundle:
    """Raw blocks for ``tickers`` from the store (latest snapshot on or before ``as_of``).

    Reads the parsed columns (one read per source and block); snapshots not parsed yet, or
    parsed by an older parser, are parsed first and kept (see ``columns``).
    Raises ``NoDataError`` when the store holds nothing for any of the tickers (with how to
    fetch, or to pass ``--provider sample`` for fictional demo data); never substitutes sample
    data. Tickers with no snapshot in a source get a failure (the last recorded fetch failure,
    or "not fetched yet").
    """
    tickers = list(dict.fromkeys(tickers))
    names = pa.array(tickers, pa.string())
    keys = wanted_keys(journal_keys(store, columns_root(store)), names, sources)
    present = source_pairs(keys)
    if not present:
        where = f" --universe {universe or 'NAME'}"
        raise NoDataError(
            f"The store {store.path} holds no data for these {len(tickers)} names"
            + (f" ({universe})." if universe else "."),
            f"Fetch it first (network needed): screener fetch{where}; "
            "or pass --provider sample for fictional demo data.")
    cutoff = as_of.isoformat() if as_of else "9999-12-31"
    latest = latest_keys(keys, cutoff)
    recorded = {(f.source, f.dataset, f.ticker): f for f in store.failures(tickers=tickers)}
    rank = {sd: i for i, sd in enumerate(present)}
    all_sources = sorted({s for s, _ in present})
    failures: list[tuple[int, int, int, Failure]] = []
    parts: dict[str, list[pa.Table]] = {b: [] for b in BLOCKS}

    for source in all_sources:
        datasets = sorted(d for s, d in present if s == source)
        try:
            provider = Parser(source, providers)
            got, tables = _load_source(store, provider, keys.filter(
                pc.equal(keys["source"], source)), latest.filter(
                pc.equal(latest["source"], source)), datasets, names, tickers, as_of, cutoff,
                recorded, rank)
        except Unavailable as exc:
            failures += [(rank[source, d], i, 0, Failure(t, source, d,
                                                         f"cannot read {source} data: {exc}"))
                         for d in datasets for i, t in enumerate(tickers)]
            continue
        failures += got
        for block, table in tables.items():
            n = table.num_rows
            named = pc.cast(pa.DictionaryArray.from_arrays(
                pa.array(np.zeros(n, dtype="int32")), pa.array([source])), pa.string())
            if SOURCE_COLUMN in table.column_names:  # the source's name wins over a record's
                table = table.set_column(table.schema.get_field_index(SOURCE_COLUMN),
                                         SOURCE_COLUMN, named)
            else:
                table = table.append_column(SOURCE_COLUMN, named)
            table = table.append_column("_rank", pa.array(np.full(
                n, ordered_sources(block, all_sources).index(source), dtype="int64")))
            parts[block].append(table)
    if store.damaged:  # damaged payloads: their own failure, instead of "not fetched yet"
        wanted = set(tickers)
        order = {t: i for i, t in enumerate(tickers)}
        hit = {(f.source, f.dataset, f.ticker) for f in store.damaged}
        failures = [f for f in failures if (f[3].source, f[3].dataset, f[3].ticker) not in hit]
        failures += [(rank.get((f.source, f.dataset), len(rank)), order[f.ticker], 0, f)
                     for f in dict.fromkeys(store.damaged) if f.ticker in wanted]
    failures.sort(key=lambda f: f[:3])
    frames = {block: combine_sources(block, parts[block]) for block in BLOCKS}
    return RawBundle(**frames, failures=[f[3] for f in failures])


def _load_source(store, provider: Parser, src: pa.Table, want: pa.Table, datasets, names,
                 tickers, as_of, cutoff, recorded, rank) -> tuple[list, dict[str, pa.Table]]:
    """One source's failures and block rows (with ``_dataset``/``_pos``), from its parsed
    columns, parsing first what they lack."""
    source = provider.source
    cols = SourceColumns(columns_root(store), source, write=not store.read_only)
    damaged: set[str] = set()
    failures: list = []
    index, fresh = refresh_columns(cols, store, provider, src, want, damaged)
    while damaged:  # a damaged payload is missing: an older snapshot of the name counts
        src = src.filter(pc.invert(pc.is_in(src["_key"], value_set=pa.array(
            sorted(damaged), pa.string()))))
        want = latest_keys(src, cutoff)
        damaged.clear()
        index, more = refresh_columns(cols, store, provider, src, want, damaged)
        fresh = merge_fresh(fresh, more)
    for d in datasets:
        failures += _missing(source, d, src, want, tickers, as_of, recorded, rank)
    sids = snapshot_numbers(index, want["_key"])
    want = want.append_column("_sid", pa.array(sids))
    place = places(sids)
    want_dataset = pc.index_in(want["dataset"], value_set=pa.array(datasets)) \
        .to_numpy(zero_copy_only=False)
    want_pos = pc.index_in(want["ticker"], value_set=names).to_numpy(zero_copy_only=False)
    failures += _unreadable(index, sids, source, rank, tickers)
    tables: dict[str, pa.Table] = {}
    for block in (*BLOCKS, FAILURES_BLOCK):
        table = cols.rows(block, sids, fresh)
        if not table.num_rows:
            continue
        loc = place[table["_sid"].to_numpy()]
        table = table.append_column("_dataset", pa.array(want_dataset[loc])) \
            .append_column("_pos", pa.array(want_pos[loc]))
        if block == FAILURES_BLOCK:
            failures += _stored_failures(to_block_frame(block, table), source, datasets, rank)
            continue
        if block == "estimates" and "estimates" in datasets:
            table = fill_history(table, datasets.index("estimates"), cols, store, provider,
                                  src, want)
        tables[block] = table
    return failures, tables


def _unreadable(index: pa.Table, sids: np.ndarray, source: str, rank, tickers) -> list:
    """Failures of the snapshots used whose payload could not be parsed."""
    errors = index.filter(pc.is_valid(index["error"]))
    if not errors.num_rows:
        return []
    used = set(sids.tolist())
    order = {t: i for i, t in enumerate(tickers)}
    return [(rank[source, e["dataset"]], order[e["ticker"]], 0, Failure(
        e["ticker"], source, e["dataset"],
        f"stored payload of {e['as_of']} unreadable: {e['error']}"))
        for e in errors.to_pylist() if e["sid"] in used]


def _missing(source, dataset, src, want, tickers, as_of, recorded, rank):
    """Failures of the names with no usable snapshot of (source, dataset)."""
    used = want.filter(pc.equal(want["dataset"], dataset))["ticker"]
    if len(used) == len(tickers):  # every name has a usable snapshot (they are all wanted)
        return []
    used = set(used.to_pylist())
    held = set(src.filter(pc.equal(src["dataset"], dataset))["ticker"].to_pylist())
    r = rank[source, dataset]
    out = [(r, i, 0, recorded.get((source, dataset, t)) or
            Failure(t, source, dataset, "not fetched yet (run screener fetch)"))
           for i, t in enumerate(tickers) if t not in held]
    out += [(r, i, 0, Failure(t, source, dataset, f"no snapshot on or before {as_of}"))
            for i, t in enumerate(tickers) if t in held and t not in used]
    return out


def _stored_failures(frame: pd.DataFrame, source: str, datasets: list[str], rank) -> list:
    """Failures a parser stored with its records (stale values, invalid cells)."""
    cols = ["_dataset", "_pos", "_seq", "ticker", "source", "dataset", "reason", "attempts",
            "transient"]
    return [(rank[source, datasets[d]], int(i), 1 + int(q), Failure(
        t, s, ds, r, 1 if pd.isna(a) else int(a), False if pd.isna(tr) else bool(tr)))
        for d, i, q, t, s, ds, r, a, tr in zip(*(frame[c] for c in cols), strict=True)]


