"""Stored payloads -> ``RawBundle``: parse each ticker's latest snapshot and combine sources.

For every (source, dataset) in the store, the latest snapshot of each ticker (on or before
``as_of``) is parsed by its provider's ``parse`` (provider classes from the registry,
instantiated with no arguments, so they must not need the network or a key to parse). Parsed
records are cached in the store, keyed by the payload's sha256 and the provider's
``parser_version`` class attribute (default "1"), so a second load does not re-parse.

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
from typing import Any

import pandas as pd

from screener.errors import NoDataError, ScreenerError
from screener.raw.bundle import Failure, RawBundle, block_from_records, empty_block
from screener.raw.schema import BLOCKS, SOURCE_COLUMN

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
    """Parse one snapshot with ``provider`` (through the store's cache when given)."""
    version = str(getattr(provider, "parser_version", "1"))
    if store is not None:
        cached = store.cached_records(snap, version)
        if cached is not None:
            return cached
    records = provider.parse(snap.ticker, snap.dataset, snap.payload, snap.as_of)
    records = {k: [dict(r) for r in v] for k, v in records.items()}
    if store is not None:
        store.cache_records(snap, version, records)
    return records


def _provider(name: str, providers: Mapping[str, Any] | None):
    if providers and name in providers:
        return providers[name]
    from screener.providers import provider_class

    return provider_class(name)()


def load_bundle(store, tickers: Sequence[str], sources: Sequence[str] | None = None,
                as_of: date | None = None, providers: Mapping[str, Any] | None = None,
                universe: str | None = None) -> RawBundle:
    """Raw blocks for ``tickers`` from the store (latest snapshot on or before ``as_of``).

    Raises ``NoDataError`` when the store holds nothing for any of the tickers (with how to
    fetch, or to pass ``--provider sample`` for fictional demo data); never substitutes sample
    data. Tickers with no snapshot in a source get a failure (the last recorded fetch failure,
    or "not fetched yet").
    """
    tickers = list(dict.fromkeys(tickers))
    wanted = set(tickers)
    catalog = [row for row in store.catalog() if row["ticker"] in wanted]
    # daily price histories (dataset "chart") feed the history store, not the raw blocks
    present = {(r["source"], r["dataset"]) for r in catalog if r["dataset"] not in HISTORY_ONLY}
    if sources is not None:
        present = {(s, d) for s, d in present if s in set(sources)}
    if not present:
        where = f" --universe {universe or 'NAME'}"
        raise NoDataError(
            f"The store {store.path} holds no data for these {len(tickers)} names"
            + (f" ({universe})." if universe else "."),
            f"Fetch it first (network needed): screener fetch{where}; "
            "or pass --provider sample for fictional demo data.")
    have = {(r["source"], r["dataset"], r["ticker"]) for r in catalog}
    recorded = {(f.source, f.dataset, f.ticker): f for f in store.failures(tickers=wanted)}

    per_source: dict[str, dict[str, list[dict]]] = {}
    failures: list[Failure] = []
    for source, dataset in sorted(present):
        try:
            provider = _provider(source, providers)
        except (ScreenerError, ImportError) as exc:
            failures.extend(Failure(t, source, dataset, f"cannot read {source} data: {exc}")
                            for t in tickers)
            continue
        blocks = per_source.setdefault(source, {})
        for ticker in tickers:
            if (source, dataset, ticker) not in have:
                failures.append(recorded.get((source, dataset, ticker)) or Failure(
                    ticker, source, dataset, "not fetched yet (run screener fetch)"))
                continue
            snap = store.latest(source, dataset, ticker, as_of)
            if snap is None:
                failures.append(Failure(ticker, source, dataset,
                                        f"no snapshot on or before {as_of}"))
                continue
            try:
                records = parse_records(provider, snap, store)
            except Exception as exc:  # noqa: BLE001 - one unreadable payload must not sink the rest
                failures.append(Failure(ticker, source, dataset,
                                        f"stored payload of {snap.as_of} unreadable: {exc}"))
                continue
            if dataset == "estimates" and records.get("estimates"):
                records = dict(records, estimates=_with_history(
                    store, provider, snap, records["estimates"]))
            for block, recs in records.items():
                if block == FAILURES_KEY:
                    failures.extend(Failure(**f) for f in recs)
                elif block in BLOCKS:
                    blocks.setdefault(block, []).extend(recs)
    damaged = {(f.source, f.dataset, f.ticker) for f in store.damaged}
    failures = [f for f in failures if (f.source, f.dataset, f.ticker) not in damaged]
    failures.extend(f for f in dict.fromkeys(store.damaged) if f.ticker in wanted)
    frames = combine_blocks(per_source)
    return RawBundle(**frames, failures=failures)


HISTORY_FIELDS = tuple(f"eps_{y}_{d}d" for y in ("cy", "ny") for d in (7, 30, 60, 90))


def _with_history(store, provider, snap, records: list[dict]) -> list[dict]:
    """Fill the N-days-ago consensus a source did not give (FMP never does, Yahoo sometimes
    not) from our own earlier snapshots of the same source, marked in ``history_filled``."""
    from screener.providers.estimates_history import revisions_from_history

    missing = [r for r in records if any(r.get(f) is None for f in HISTORY_FIELDS)]
    if not missing:
        return records
    earlier = []
    for old in store.history(snap.source, snap.dataset, snap.ticker):
        if old.as_of >= snap.as_of:
            continue
        try:
            recs = parse_records(provider, old, store).get("estimates") or []
        except Exception:  # noqa: BLE001, S112 - an unreadable old snapshot adds no history
            continue
        earlier.extend((old.as_of, r) for r in recs)
    if not earlier:
        return records
    out = []
    for rec in records:
        if rec in missing:
            filled = revisions_from_history([*earlier, (snap.as_of, rec)], snap.as_of,
                                            current=rec)
            rec = {**rec, **{f: filled.get(f) for f in HISTORY_FIELDS if rec.get(f) is None}}
        out.append(rec)
    return out
