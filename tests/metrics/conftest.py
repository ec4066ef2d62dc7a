"""Helpers for the metrics tests: tiny RawBundles written as dicts, built into frames."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pytest

from screener.metrics import build_standard_frame
from screener.raw.bundle import Failure, RawBundle, block_from_records

Rec = Mapping[str, Any]


def _with_source(records: Iterable[Rec], source: str) -> list[dict]:
    return [{"source": source, **r} for r in records]


def make_bundle(
    identity: Iterable[Rec | str] | None = None,
    statements: Iterable[Rec] = (),
    ladder: Iterable[Rec] = (),
    estimates: Iterable[Rec] = (),
    market: Iterable[Rec] = (),
    failures: Iterable[Failure] = (),
    is_sample: bool = False,
) -> RawBundle:
    """Build a bundle from dict records. ``identity`` may list bare tickers; by default it holds
    every ticker that appears in any block (name = ticker)."""
    statements, ladder, estimates, market = (
        list(x) for x in (statements, ladder, estimates, market)
    )
    if identity is None:
        seen = [r["ticker"] for block in (statements, ladder, estimates, market) for r in block]
        identity = list(dict.fromkeys(seen))
    ident = [{"ticker": r, "name": f"{r} Inc"} if isinstance(r, str) else dict(r) for r in identity]
    return RawBundle(
        identity=block_from_records("identity", ident),
        statements=block_from_records("statements", _with_source(statements, "test-fs")),
        ladder=block_from_records("ladder", _with_source(ladder, "test-ladder")),
        estimates=block_from_records("estimates", _with_source(estimates, "test-est")),
        market=block_from_records("market", _with_source(market, "test-mkt")),
        failures=list(failures),
        is_sample=is_sample,
    )


def years(ticker: str, rows: Mapping[int, Rec]) -> list[dict]:
    """Statement records for one ticker: {fiscal_year: {item: value}}."""
    return [
        {"ticker": ticker, "fiscal_year": fy, "period_end": f"{fy}-12-31", **vals}
        for fy, vals in rows.items()
    ]


@pytest.fixture
def build():
    """build(**make_bundle kwargs, as_of=None) -> StandardFrame"""

    def _build(as_of=None, **kwargs):
        return build_standard_frame(make_bundle(**kwargs), as_of=as_of)

    return _build


@pytest.fixture
def bundle():
    """bundle(**make_bundle kwargs) -> RawBundle"""
    return make_bundle


@pytest.fixture
def fy():
    """fy(ticker, {fiscal_year: {item: value}}) -> statement records"""
    return years
