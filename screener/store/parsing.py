"""Parsing stored payloads into the parsed columns: the provider of a source, made only when
a payload has to be parsed, and the refresh of a source's columns from the journal."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import pandas as pd
import pyarrow as pa

from screener.errors import ScreenerError
from screener.store.block_tables import (
    concat_tables,
    parser_version,
    snapshot_key,
    versioned,
)
from screener.store.columns import SourceColumns


def make_provider(name: str, providers: Mapping[str, Any] | None):
    if providers and name in providers:
        return providers[name]
    from screener.providers import provider_class

    return provider_class(name)()


def parse_records(provider, snap, store=None) -> dict[str, list[dict]]:
    """Parse one snapshot with ``provider`` (``store``: where a payload that refers to
    another reads it, e.g. a file import's; parsed rows are kept as columns by
    ``load_bundle``)."""
    return _parse(provider, store, snap.ticker, snap.dataset, snap.payload, snap.as_of)


def _parse(provider, store, ticker: str, dataset: str, payload: bytes,
           as_of: date) -> dict[str, list[dict]]:
    if store is not None and hasattr(provider, "use_store"):  # a payload may refer to another
        provider.use_store(store)
    records = provider.parse(ticker, dataset, payload, as_of)
    return {k: [dict(r) for r in v] for k, v in records.items()}


class Unavailable(Exception):
    """The provider of a source cannot be had (unknown, or its module does not import)."""


class Parser:
    """A source's parser version (known without importing its provider) and the provider,
    imported and made only when a payload has to be parsed: a load of parsed columns
    imports no provider module."""

    def __init__(self, source: str, providers: Mapping[str, Any] | None):
        self.source, self._given = source, (providers or {}).get(source)
        try:
            if self._given is not None:
                self.version = parser_version(self._given)
            else:
                from screener.providers import registered_parser_version

                self.version = versioned(registered_parser_version(source))
        except ScreenerError as exc:
            raise Unavailable(exc) from None
        self._made = None

    def get(self):
        if self._given is not None:
            return self._given
        if self._made is None:
            try:
                self._made = make_provider(self.source, None)
            except (ScreenerError, ImportError) as exc:
                raise Unavailable(exc) from None
        return self._made


def refresh_columns(cols: SourceColumns, store, provider: Parser, src: pa.Table,
                    want: pa.Table, damaged: set[str] | None = None):
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

    def parse(ticker: str, dataset: str, payload: bytes, as_of: str) -> dict:
        return _parse(provider.get(), store, ticker, dataset, payload,
                      date.fromisoformat(as_of))

    return cols.refresh(want, src["_key"], provider.version, payloads, parse,
                        prepare=provider.get)


def merge_fresh(a: dict[str, pa.Table], b: dict[str, pa.Table]) -> dict[str, pa.Table]:
    return {k: concat_tables([t for t in (a.get(k), b.get(k)) if t is not None])
            for k in set(a) | set(b)}

