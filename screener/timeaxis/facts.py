"""Statement facts for the history, from what the journal already holds.

SEC companyfacts payloads hold every filing of a company (10-K, 10-Q, amendments), so the
history's ``facts`` are derived from the stored payloads without another request: one parse per
ticker (``providers.sec_quarterly``). FMP quarterly payloads (dataset ``statements_quarterly``)
and the file provider's dated rows (written at import) complete it. Re-deriving is idempotent:
the ``facts`` key (source, ticker, item, period, filed) makes a second write replace, not add.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import pandas as pd

from screener.history.store import HistoryStore
from screener.raw.bundle import Failure

SEC = ("sec", "companyfacts")
FMP = ("fmp", "statements_quarterly")


def facts_from_journal(store, tickers: Iterable[str]) -> tuple[pd.DataFrame, list[Failure]]:
    """Facts rows of ``tickers`` from the journal's newest SEC and FMP quarterly payloads."""
    from screener.providers.fmp_quarterly import parse_quarterly
    from screener.providers.sec_quarterly import payload_facts

    parts, failures = [], []
    for ticker in dict.fromkeys(tickers):
        for (source, dataset), parse in ((SEC, payload_facts),
                                         (FMP, lambda t, p: parse_quarterly(t, json.loads(p)))):
            snap = store.latest(source, dataset, ticker)
            if snap is None:
                continue
            try:
                parts.append(parse(ticker, snap.payload))
            except (ValueError, TypeError, KeyError) as exc:
                failures.append(Failure(ticker, source, "facts",
                                        f"stored {dataset} of {snap.as_of} unreadable: {exc}"))
    frames = [p for p in parts if len(p)]
    return (pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()), failures


def refresh_facts(store, history: HistoryStore, tickers: Iterable[str]) -> tuple[int, list]:
    """Write the journal's facts of ``tickers`` into ``history``; (rows, failures)."""
    facts, failures = facts_from_journal(store, tickers)
    return (history.write("facts", facts) if len(facts) else 0), failures
