"""Forward returns from daily prices, with delisted names kept.

``ReturnPanel`` prepares a ``PricePanel`` once (the last traded row of every ticker at every
date, its final traded row, its delisting reason) so that the growth of every name between two
dates is two row lookups, vectorised across names.

The growth of a name bought at the close of row ``e`` and valued at the close of row ``x``:

- ``ok``: it traded at both closes: ``adj_close[x] / adj_close[e]`` (dividends included).
- ``delisted``: it stopped trading after ``e`` and before ``x`` (its last price in the panel is
  before ``x``, with no later price): growth to its last price, times ``1 + delisting return``
  for its reason (``performance`` -30%, ``acquired`` 0%, no record ``unknown`` -30%; CRSP-style,
  configurable). A list never silently loses a name because it stopped trading.
- ``delisted_before_entry``: it traded at the signal close but stopped before the entry close:
  held at its last price, then the delisting return.
- ``stale_exit``: no price at ``x`` but it traded again later (a gap): its last price before ``x``.
- ``no_entry_price``: no price at the entry close (not traded, not yet listed): dropped, counted.
- ``no_history``: the ticker has no stored prices at all: dropped, counted.
- ``beyond_data``: the exit close is past the last stored date: not known yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from screener.history.prices import PricePanel

OK, NO_ENTRY, DELISTED, DELISTED_BEFORE_ENTRY, STALE_EXIT, BEYOND, NO_HISTORY = range(7)
STATUS = {
    OK: "ok",
    NO_ENTRY: "no_entry_price",
    DELISTED: "delisted",
    DELISTED_BEFORE_ENTRY: "delisted_before_entry",
    STALE_EXIT: "stale_exit",
    BEYOND: "beyond_data",
    NO_HISTORY: "no_history",
}
KEPT = (OK, DELISTED, DELISTED_BEFORE_ENTRY, STALE_EXIT)


@dataclass(frozen=True)
class DelistingPolicy:
    """Return applied after a delisted name's last price, by reason."""

    performance: float = -0.30
    acquired: float = 0.0
    unknown: float = -0.30
    other: dict[str, float] = field(default_factory=dict)

    def rate(self, reason) -> float:
        r = str(reason or "").strip().lower()
        if r in self.other:
            return float(self.other[r])
        if r == "performance":
            return self.performance
        if r in ("acquired", "merger", "merged"):
            return self.acquired
        return self.unknown

    def describe(self) -> str:
        return (f"delisting return {self.performance:+.0%} for performance delistings, "
                f"{self.acquired:+.0%} when acquired, {self.unknown:+.0%} when the cause is "
                "unknown (no delisting record)")


class ReturnPanel:
    """Prices and delistings ready for many (entry, exit) growth lookups."""

    def __init__(self, prices: PricePanel, delistings: pd.DataFrame | None = None,
                 policy: DelistingPolicy | None = None):
        self.prices = prices
        self.policy = policy or DelistingPolicy()
        self.dates = prices.dates
        self.tickers = prices.tickers
        a = np.asarray(prices.adj_close, dtype="float64")
        valid = np.isfinite(a) & (a > 0)
        self.adj = np.where(valid, a, np.nan)
        t = len(self.dates)
        rows = np.where(valid, np.arange(t, dtype=np.int32)[:, None], np.int32(-1))
        self.last_valid = np.maximum.accumulate(rows, axis=0) if t else rows
        self.final = self.last_valid[-1] if t else np.full(len(self.tickers), -1, np.int32)
        self.rate = np.full(len(self.tickers), self.policy.unknown)
        self.reason = np.full(len(self.tickers), "unknown", dtype=object)
        if delistings is not None and len(delistings):
            d = delistings.sort_values("last_date").drop_duplicates("ticker", keep="last")
            col = self.tickers.get_indexer(d["ticker"])
            ok = col >= 0
            reasons = d["reason"].astype(object).where(d["reason"].notna(), "unknown")
            self.rate[col[ok]] = [self.policy.rate(r) for r in reasons[ok]]
            self.reason[col[ok]] = [str(r).strip().lower() for r in reasons[ok]]

    # -- rows ------------------------------------------------------------------------------------
    def row_on_or_after(self, dates) -> np.ndarray:
        """The first stored row on or after each date (``len(dates)`` means past the end)."""
        return self.dates.searchsorted(pd.DatetimeIndex(dates), side="left")

    def row_on_or_before(self, dates) -> np.ndarray:
        return self.dates.searchsorted(pd.DatetimeIndex(dates), side="right") - 1

    def columns(self, tickers) -> np.ndarray:
        return self.tickers.get_indexer(pd.Index(tickers))

    # -- growth ------------------------------------------------------------------------------------
    def growth(self, signal_row: int, entry_row: int, exit_row: int,
               cols: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(growth factor, status) of every column in ``cols`` (all tickers when None).

        Bought at the close of ``entry_row``, valued at the close of ``exit_row``; the name was
        seen at ``signal_row`` (the signal close). Status codes: see the module docstring.
        """
        t = len(self.dates)
        allc = np.arange(len(self.tickers)) if cols is None else np.asarray(cols)
        n = len(allc)
        g = np.full(n, np.nan)
        st = np.full(n, NO_HISTORY, dtype=np.int8)
        known = allc >= 0
        c = allc[known]
        if entry_row >= t or exit_row >= t:
            st[known] = BEYOND
            return g, st
        pe = self.adj[entry_row, c]
        px = self.adj[exit_row, c]
        final = self.final[c]
        rate = self.rate[c]
        gg = np.full(len(c), np.nan)
        ss = np.full(len(c), NO_ENTRY, dtype=np.int8)
        has_e = np.isfinite(pe)
        ok = has_e & np.isfinite(px)
        gg[ok] = px[ok] / pe[ok]
        ss[ok] = OK
        lv = self.last_valid[exit_row, c]
        gone = has_e & ~ok & (final < exit_row)
        gg[gone] = self.adj[lv[gone], c[gone]] / pe[gone] * (1.0 + rate[gone])
        ss[gone] = DELISTED
        gap = has_e & ~ok & ~gone
        gg[gap] = self.adj[lv[gap], c[gap]] / pe[gap]
        ss[gap] = STALE_EXIT
        # traded at the signal close, gone before the entry: held at its last price
        before = ~has_e & (final >= signal_row) & (final < entry_row) & (signal_row >= 0)
        gg[before] = 1.0 + rate[before]
        ss[before] = DELISTED_BEFORE_ENTRY
        never = final < 0
        ss[never & ~has_e] = NO_HISTORY
        g[known], st[known] = gg, ss
        return g, st

    def level(self, tickers_col: int, entry_row: int, exit_row: int) -> float:
        """Growth of one column (a benchmark ETF) between two rows; NaN when unknown."""
        if tickers_col < 0 or entry_row >= len(self.dates) or exit_row >= len(self.dates):
            return float("nan")
        pe = self.adj[entry_row, tickers_col]
        lv = self.last_valid[exit_row, tickers_col]
        if not np.isfinite(pe) or lv < entry_row:
            return float("nan")
        return float(self.adj[lv, tickers_col] / pe)


@dataclass
class Timing:
    """Rows of a schedule: signal closes, entry closes (after the lag)."""

    signals: pd.DatetimeIndex
    signal_rows: np.ndarray
    entry_dates: pd.DatetimeIndex
    entry_rows: np.ndarray


def timing(panel: ReturnPanel, signals: pd.DatetimeIndex, lag: int) -> Timing:
    from screener.backtest.schedule import add_sessions

    entries = add_sessions(signals, lag)
    return Timing(signals, panel.row_on_or_before(signals), entries,
                  panel.row_on_or_after(entries))


def status_counts(status: np.ndarray) -> dict[str, int]:
    codes, counts = np.unique(status, return_counts=True)
    return {STATUS[int(k)]: int(v) for k, v in zip(codes, counts, strict=True)}
