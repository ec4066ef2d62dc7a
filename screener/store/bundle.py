"""Stored payloads -> ``RawBundle``: parse each ticker's latest snapshot and combine sources.

For every (source, dataset) in the store, the latest snapshot of each ticker (on or before
``as_of``) is parsed by its provider's ``parse`` (provider classes from the registry,
instantiated with no arguments, so they must not need the network or a key to parse). Parsed
records are kept as columns beside the store (``columns``: one Parquet file per source and
block), keyed by the snapshot and the provider's ``parser_version`` class attribute (default
"1"), so a second load reads columns and neither decompresses nor parses.

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

from screener.errors import NoDataError, ScreenerError
from screener.raw.bundle import Failure, RawBundle, block_from_records, empty_block
from screener.raw.schema import BLOCKS, SOURCE_COLUMN
from screener.store.columns import (
    FAILURES_BLOCK,
    SEP,
    SourceColumns,
    concat_tables,
    parser_version,
    snapshot_key,
    to_block_frame,
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


HISTORY_ONLY = frozenset({"chart"})


def parse_records(provider, snap, store=None) -> dict[str, list[dict]]:
    """Parse one snapshot with ``provider`` (``store``: where a payload that refers to
    another reads it, e.g. a file import's; parsed rows are kept as columns by
    ``load_bundle``)."""
    if store is not None and hasattr(provider, "use_store"):  # a payload may refer to another
        provider.use_store(store)
    records = provider.parse(snap.ticker, snap.dataset, snap.payload, snap.as_of)
    return {k: [dict(r) for r in v] for k, v in records.items()}


def _provider(name: str, providers: Mapping[str, Any] | None):
    if providers and name in providers:
        return providers[name]
    from screener.providers import provider_class

    return provider_class(name)()


KEY_COLUMNS = ["source", "dataset", "ticker", "as_of", "fetched_at"]


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
    order = pd.Index(tickers, dtype=object)
    wanted = set(tickers)
    only = set(sources) if sources is not None else None
    # daily price histories (dataset "chart") feed the history store, not the raw blocks
    rows = [r for r in store.snapshot_keys()
            if r[2] in wanted and (only is None or r[0] in only) and r[1] not in HISTORY_ONLY]
    present = sorted({(r[0], r[1]) for r in rows})
    if not present:
        where = f" --universe {universe or 'NAME'}"
        raise NoDataError(
            f"The store {store.path} holds no data for these {len(tickers)} names"
            + (f" ({universe})." if universe else "."),
            f"Fetch it first (network needed): screener fetch{where}; "
            "or pass --provider sample for fictional demo data.")
    keys = pd.DataFrame(rows, columns=KEY_COLUMNS, dtype=object)
    keys["_key"] = pd.Series([snapshot_key(*r[1:]) for r in rows], index=keys.index,
                             dtype=object)
    cutoff = as_of.isoformat() if as_of else "9999-12-31"
    latest = _latest(keys, cutoff)
    recorded = {(f.source, f.dataset, f.ticker): f for f in store.failures(tickers=wanted)}
    rank = {sd: i for i, sd in enumerate(present)}
    all_sources = sorted({s for s, _ in present})
    failures: list[tuple[int, int, int, Failure]] = []
    parts: dict[str, list[pd.DataFrame]] = {b: [] for b in BLOCKS}

    for source in all_sources:
        datasets = sorted(d for s, d in present if s == source)
        try:
            provider = _provider(source, providers)
        except (ScreenerError, ImportError) as exc:
            failures += [(rank[source, d], i, 0, Failure(t, source, d,
                                                         f"cannot read {source} data: {exc}"))
                         for d in datasets for i, t in enumerate(tickers)]
            continue
        src = keys[(keys["source"] == source).to_numpy(bool)]
        want = latest[(latest["source"] == source).to_numpy(bool)]
        cols = SourceColumns(columns_root(store), source, write=not store.read_only)
        damaged: set[str] = set()
        index, fresh = _refresh(cols, store, provider, src, want, damaged)
        while damaged:  # a damaged payload is missing: an older snapshot of the name counts
            src = src[~src["_key"].isin(damaged).to_numpy(bool)]
            want = _latest(src, cutoff)
            damaged.clear()
            index, more = _refresh(cols, store, provider, src, want, damaged)
            fresh = _merge_fresh(fresh, more)
        for d in datasets:
            failures += _missing(source, d, src, want, tickers, as_of, recorded, rank)
        want = want.assign(_sid=_sids(index, want["_key"]))
        want_sids = pd.Index(want["_sid"].to_numpy("int64"))
        want_dataset = np.searchsorted(datasets, want["dataset"].to_numpy(object))
        want_pos = order.get_indexer(want["ticker"])
        errors = index.filter(pc.is_valid(index["error"])).to_pylist()
        used = set(want_sids)
        failures += [(rank[source, e["dataset"]], order.get_loc(e["ticker"]), 0, Failure(
            e["ticker"], source, e["dataset"],
            f"stored payload of {e['as_of']} unreadable: {e['error']}"))
            for e in errors if e["sid"] in used]
        for block in (*BLOCKS, FAILURES_BLOCK):
            table = cols.rows(block, want_sids, fresh)
            if not table.num_rows:
                continue
            loc = want_sids.get_indexer(table["_sid"].to_numpy())
            table = table.append_column("_dataset", pa.array(want_dataset[loc])) \
                .append_column("_pos", pa.array(want_pos[loc]))
            if block == FAILURES_BLOCK:
                failures += _stored_failures(to_block_frame(block, table), source, datasets,
                                             rank)
                continue
            if block == "estimates" and "estimates" in datasets:
                table = _fill_history(table, datasets.index("estimates"), cols, store,
                                      provider, src, want)
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
        hit = {(f.source, f.dataset, f.ticker) for f in store.damaged}
        failures = [f for f in failures if (f[3].source, f[3].dataset, f[3].ticker) not in hit]
        failures += [(rank.get((f.source, f.dataset), len(rank)), order.get_loc(f.ticker), 0, f)
                     for f in dict.fromkeys(store.damaged) if f.ticker in wanted]
    failures.sort(key=lambda f: f[:3])
    frames = {block: _combine(block, parts[block]) for block in BLOCKS}
    return RawBundle(**frames, failures=[f[3] for f in failures])


def _latest(keys: pd.DataFrame, cutoff: str) -> pd.DataFrame:
    """The newest snapshot per (source, dataset, ticker) dated on or before ``cutoff``."""
    return keys[(keys["as_of"] <= cutoff).to_numpy(bool)] \
        .sort_values("as_of", kind="stable") \
        .drop_duplicates(["source", "dataset", "ticker"], keep="last")


def _merge_fresh(a: dict[str, pa.Table], b: dict[str, pa.Table]) -> dict[str, pa.Table]:
    return {k: concat_tables([t for t in (a.get(k), b.get(k)) if t is not None])
            for k in set(a) | set(b)}


def _refresh(cols: SourceColumns, store, provider, src: pd.DataFrame, want: pd.DataFrame,
             damaged: set[str] | None = None):
    """Parse what ``want`` needs and the columns lack (one journal query per 500 names);
    keys of damaged payloads met on the way go to ``damaged``."""
    def payloads(chunk: pd.DataFrame):
        for dataset, part in chunk.groupby("dataset", sort=True):
            needed = set(part["_key"])
            for (t, a, f), snap in store.snapshots(cols.source, dataset, part["ticker"].unique()):
                key = snapshot_key(dataset, t, a, f)
                if key not in needed:
                    continue
                if snap is None:
                    if damaged is not None:
                        damaged.add(key)
                    continue
                yield key, snap.payload

    if hasattr(provider, "use_store"):  # a payload may refer to another (file imports)
        provider.use_store(store)

    def parse(ticker: str, dataset: str, payload: bytes, as_of: str) -> dict:
        records = provider.parse(ticker, dataset, payload, date.fromisoformat(as_of))
        return {k: [dict(r) for r in v] for k, v in records.items()}

    return cols.refresh(want, src["_key"], parser_version(provider), payloads, parse)


def _sids(index: pa.Table, keys: pd.Series) -> np.ndarray:
    """The snapshot numbers of ``keys`` in ``index`` (-1: not parsed)."""
    pos = pc.index_in(pa.array(keys.tolist(), type=pa.string()), value_set=index["_key"])
    sids = pc.take(index["sid"], pos).to_numpy(zero_copy_only=False)
    return np.where(np.isnan(sids.astype("float64")), -1, sids).astype("int64")


def _missing(source, dataset, src, want, tickers, as_of, recorded, rank):
    """Failures of the names with no usable snapshot of (source, dataset)."""
    held = set(src.loc[(src["dataset"] == dataset).to_numpy(bool), "ticker"])
    used = set(want.loc[(want["dataset"] == dataset).to_numpy(bool), "ticker"])
    if len(used) == len(tickers):  # every name has a usable snapshot (they are all wanted)
        return []
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


def _combine(block: str, parts: list[pa.Table]) -> pd.DataFrame:
    """One source per (block, ticker): rows of the best-ranked source that has the block,
    sorted by the block's index; columns in the order the parsers wrote them (then the
    declared fields they left out), source by source in priority order. Assembled in Arrow,
    converted to pandas once."""
    if not parts:
        return empty_block(block)
    table = concat_tables(parts)
    spec = BLOCKS[block]
    if len(parts) > 1:
        who = pd.factorize(table["ticker"].to_numpy(zero_copy_only=False),
                           use_na_sentinel=False)[0]
        rank = table["_rank"].to_numpy()
        best = np.full(who.max() + 1, np.iinfo("int64").max)
        np.minimum.at(best, who, rank)
        table = table.filter(pa.array(rank == best[who]))
    # the order in which a record-by-record load met each record's key list
    ranks = table["_rank"].to_numpy()
    cols = table["_cols"].combine_chunks()
    if not pa.types.is_dictionary(cols.type):
        cols = pc.dictionary_encode(cols)
    codes = cols.indices.to_numpy(zero_copy_only=False)
    met = np.lexsort((table["_seq"].to_numpy(), table["_pos"].to_numpy(),
                      table["_dataset"].to_numpy(), ranks))
    columns: dict[str, None] = {}
    for r in pd.unique(ranks[met]):
        for code in pd.unique(codes[met[ranks[met] == r]]):
            columns.update(dict.fromkeys(str(cols.dictionary[code]).split(SEP)))
            if block != "identity":
                columns[SOURCE_COLUMN] = None
        columns.update(dict.fromkeys([*spec.numeric_fields, *spec.date_fields,
                                      *spec.text_fields]))
    order = [c for c in columns if c in table.column_names and c not in spec.index]
    keys = [table[k].to_numpy(zero_copy_only=False) for k in spec.index]
    if not _sorted(keys):
        table = table.take(np.lexsort([pd.factorize(k, sort=True, use_na_sentinel=False)[0]
                                       for k in reversed(keys)]))
    frame = to_block_frame(block, table.select(order))
    if len(spec.index) == 1:
        frame.index = pd.Index(table[spec.index[0]].to_pandas(), name=spec.index[0])
    else:
        levels = [table[k].to_pandas() for k in spec.index]
        if not levels[1].isna().any():
            levels[1] = levels[1].astype("int64")
        frame.index = pd.MultiIndex.from_arrays(levels, names=list(spec.index))
    return frame


def _sorted(keys: list[np.ndarray]) -> bool:
    """Rows already in index order with unique keys (the columns are written that way)."""
    if any(pd.isna(k).any() for k in keys):
        return False
    first = keys[0]
    if len(keys) == 1:
        return bool((first[1:] > first[:-1]).all())
    second = keys[1]
    same = first[1:] == first[:-1]
    return bool(((first[1:] > first[:-1]) | (same & (second[1:] > second[:-1]))).all())


HISTORY_FIELDS = tuple(f"eps_{y}_{d}d" for y in ("cy", "ny") for d in (7, 30, 60, 90))


def _fill_history(table: pa.Table, code: int, cols, store, provider, src, want) -> pa.Table:
    """Fill the N-days-ago consensus a source did not give (FMP never does, Yahoo sometimes
    not) from our own earlier snapshots of the same source (``estimates_history``)."""
    from screener.providers.estimates_history import revisions_from_history

    hist = np.column_stack([table[f].to_numpy(zero_copy_only=False).astype("float64")
                            for f in HISTORY_FIELDS])
    gap = (table["_dataset"].to_numpy() == code) & np.isnan(hist).any(axis=1)
    if not gap.any():
        return table
    frame = to_block_frame("estimates", table)
    by_sid = want.set_index("_sid")
    current = want[(want["dataset"] == "estimates").to_numpy(bool)].set_index("ticker")["as_of"]
    snap_tickers = set(by_sid.loc[frame.loc[gap, "_sid"], "ticker"])
    ests = src[((src["dataset"] == "estimates") & src["ticker"].isin(snap_tickers))
               .to_numpy(bool)]
    earlier = ests[ests["as_of"].to_numpy() < current.reindex(ests["ticker"]).to_numpy()]
    if earlier.empty:
        return table
    index, fresh = _refresh(cols, store, provider, src, earlier)
    earlier = earlier.assign(_sid=_sids(index, earlier["_key"]))
    old = to_block_frame("estimates", cols.rows("estimates", earlier["_sid"], fresh))
    if old.empty:
        return table
    info = earlier.set_index("_sid")
    old["_snap_ticker"] = info.loc[old["_sid"], "ticker"].to_numpy()
    old["_as_of"] = info.loc[old["_sid"], "as_of"].to_numpy()
    old = old.sort_values(["_as_of", "_seq"], kind="stable")
    history = {t: [(a, r) for a, r in zip(g["_as_of"], g.to_dict("records"), strict=True)]
               for t, g in old.groupby("_snap_ticker", sort=False)}
    for i in np.flatnonzero(gap):
        rec = frame.iloc[i].to_dict()
        ticker = by_sid.loc[rec["_sid"], "ticker"]
        if ticker not in history:
            continue
        as_of = current[ticker]
        filled = revisions_from_history([*history[ticker], (as_of, rec)], as_of, current=rec)
        for j, f in enumerate(HISTORY_FIELDS):
            if pd.isna(rec.get(f)) and filled.get(f) is not None:
                hist[i, j] = filled[f]
    for j, f in enumerate(HISTORY_FIELDS):
        table = table.set_column(table.schema.get_field_index(f), f,
                                 pa.array(hist[:, j], type=pa.float64(), from_pandas=True))
    return table
