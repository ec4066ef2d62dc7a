"""The provider contract.

Every provider turns tickers into raw blocks (``screener.raw``): ``fetch`` returns a
``RawBundle`` whose ``failures`` say, per ticker and dataset, what went wrong. A provider never
returns a sentinel frame and never swallows an error silently.

Network providers split the work in three steps (after OpenBB's fetchers):

1. ``fetch_payload(ticker, dataset)``: one dataset of one ticker as raw bytes, through the shared
   fetch policy (``screener.http.HttpClient``); raises ``FetchError`` subclasses.
2. the fetcher (``screener.providers.fetcher``) stores each payload as a dated snapshot in the
   store, keyed by (source, dataset, ticker, as-of), so history accumulates and a rerun resumes.
3. ``parse(ticker, dataset, payload, as_of)``: bytes -> ``{block: [record dict, ...]}``, lenient
   about the wire format (aliases, case), strict about what it returns (the raw records).

Parsing is kept apart from fetching so stored payloads can be re-read without the network.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import date
from typing import Any, ClassVar

from screener.raw import RawBundle

Records = dict[str, list[dict[str, Any]]]  # block name -> records for that block


class Provider(ABC):
    """Anything that yields raw blocks for tickers."""

    name: ClassVar[str]
    is_sample: ClassVar[bool] = False

    @abstractmethod
    def fetch(self, tickers: Sequence[str] | None, as_of: date | None = None) -> RawBundle:
        """Raw blocks for ``tickers`` (None = the provider's own universe, where it has one)."""


class NetworkProvider(Provider):
    """A provider whose data comes over HTTP, one payload per (ticker, dataset)."""

    datasets: ClassVar[tuple[str, ...]]     # e.g. ("companyfacts",)
    rate: ClassVar[float] = 5.0             # requests per second allowed by the source
    concurrency: ClassVar[int] = 4

    @abstractmethod
    def fetch_payload(self, ticker: str, dataset: str) -> tuple[bytes, int]:
        """Return (payload bytes, attempts). Raise FetchError on failure."""

    @abstractmethod
    def parse(self, ticker: str, dataset: str, payload: bytes, as_of: date | None) -> Records:
        """Parse one stored payload into raw records per block (each record has 'ticker')."""

    def fetch(self, tickers: Sequence[str] | None, as_of: date | None = None) -> RawBundle:
        """Fetch without a store (one-off use); the CLI goes through the fetcher and store."""
        from screener.providers.fetcher import fetch_bundle

        return fetch_bundle(self, list(tickers or []), as_of=as_of)
