"""The sample provider: the fictional world (``screener.sample``) served as a provider.

A thin adapter: the numbers are made in ``screener.sample.world`` (today's snapshot) and
``screener.sample.history`` (twenty fictional years in a history store). Every company is
invented (tickers like ``KELM3`` carry a digit, which real US common-stock tickers never do) and
every bundle is marked ``is_sample=True``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

import pandas as pd

from screener.providers.base import Provider
from screener.raw import BLOCKS, RawBundle
from screener.raw.bundle import Failure
from screener.sample.world import SOURCE, generate

UNKNOWN_REASON = "not in the fictional sample universe"
AS_OF = date(2026, 11, 20)


class SampleProvider(Provider):
    """Fictional demo universe; deterministic from ``seed``. See the module docstring."""

    name = "sample"
    is_sample = True

    def __init__(self, seed: int = 2026, n: int = 2600, as_of: date = AS_OF):
        self.seed = seed
        self.n = n
        self.as_of = as_of
        self._cache: dict[date, tuple[RawBundle, pd.Series]] = {}

    def _generated(self, as_of: date | None) -> tuple[RawBundle, pd.Series]:
        key = as_of or self.as_of
        if key not in self._cache:
            self._cache[key] = generate(self.seed, self.n, key)
        return self._cache[key]

    def universe(self) -> pd.DataFrame:
        """The identity block of the whole sample universe (index ticker)."""
        return self._generated(None)[0].identity.copy()

    def sp600_admission_year(self) -> pd.Series:
        """Fiscal year each S&P-600-like name was admitted (net income positive that year)."""
        return self._generated(None)[1].copy()

    def fetch(self, tickers: Sequence[str] | None = None, as_of: date | None = None) -> RawBundle:
        """Raw blocks for ``tickers`` (None = the whole sample universe).

        ``as_of`` moves the snapshot date (fiscal years end in the year before it); the same seed
        gives the same numbers. Unknown tickers become failures, one per ticker.
        """
        full = self._generated(as_of)[0]
        if tickers is None:
            return replace(full, **{b: full.block(b).copy() for b in BLOCKS}, failures=[])
        wanted = list(dict.fromkeys(str(t).strip().upper() for t in tickers))
        known = full.identity.index
        found = [t for t in wanted if t in known]
        out = full.subset(found)
        out.failures = [Failure(t, SOURCE, "identity", UNKNOWN_REASON)
                        for t in wanted if t not in known]
        return out
