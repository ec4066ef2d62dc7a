"""Equal-weighted lists held from one rebalance to the next: gross and net returns, turnover,
costs; the universe's equal-weighted return and the index ETF over the same periods.

A period ``i`` runs from the entry close after signal ``i`` to the entry close after signal
``i + 1``. At each entry the list is bought in equal weights (names without an entry price are
dropped and counted). Between entries weights drift with prices; at the next entry the
portfolio is traded back to equal weights of the new list.

- **traded** = sum over names of |new weight - drifted weight| (buys plus sells, as a share of
  the portfolio); the first entry buys everything (traded = 1). The final holdings are not sold.
- **turnover** = traded / 2 (one-way, the usual figure: 1.0 means the whole list changed).
- **cost** = ``cost_bps`` per side x traded; **net** = (1 + gross) x (1 - cost) - 1.
- A period whose list is empty (no name passed, or none had an entry price) has no return
  (NaN, ``names`` 0): it is left out of the statistics rather than counted as cash.

``follow(choice, lists)`` builds the holdings of a strategy that picks one phase's list per
date (the regime panel's "follow the regime"); ``portfolio_returns`` prices any holdings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from screener.backtest.returns import KEPT, ReturnPanel, Timing


@dataclass
class PeriodGrowth:
    """Growth of every ticker over every holding period of one schedule."""

    timing: Timing
    start: pd.DatetimeIndex  # entry close of each period
    end: pd.DatetimeIndex  # entry close of the next signal
    growth: np.ndarray  # (periods, tickers)
    status: np.ndarray  # (periods, tickers) int8 codes from returns.py

    @property
    def periods(self) -> int:
        return len(self.start)


def period_growth(panel: ReturnPanel, timing: Timing) -> PeriodGrowth:
    k = max(len(timing.signals) - 1, 0)
    n = len(panel.tickers)
    g = np.full((k, n), np.nan)
    st = np.zeros((k, n), dtype=np.int8)
    for i in range(k):
        g[i], st[i] = panel.growth(int(timing.signal_rows[i]), int(timing.entry_rows[i]),
                                   int(timing.entry_rows[i + 1]))
    return PeriodGrowth(timing, timing.entry_dates[:k], timing.entry_dates[1:k + 1], g, st)


@dataclass
class ListReturns:
    """One strategy's per-period figures (index: period end)."""

    label: str
    gross: pd.Series
    net: pd.Series
    turnover: pd.Series
    cost: pd.Series
    names: pd.Series  # names held (with an entry price)
    dropped: pd.Series  # listed names dropped for lack of an entry price
    delisted: pd.Series  # held names that stopped trading within the period

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame({"gross": self.gross, "net": self.net, "turnover": self.turnover,
                             "cost": self.cost, "names": self.names, "dropped": self.dropped,
                             "delisted": self.delisted})


def portfolio_returns(label: str, holdings: list[np.ndarray], pg: PeriodGrowth,
                      cost_bps: float) -> ListReturns:
    """Equal-weighted returns of ``holdings[i]`` (panel column positions) over period ``i``."""
    k, n = pg.growth.shape
    gross = np.full(k, np.nan)
    traded = np.zeros(k)
    names = np.zeros(k, dtype=np.int64)
    dropped = np.zeros(k, dtype=np.int64)
    delisted = np.zeros(k, dtype=np.int64)
    drifted = np.zeros(n)  # weights at the end of the previous period
    for i in range(k):
        raw = np.asarray(holdings[i] if i < len(holdings) else [], dtype=np.int64)
        cols = raw[raw >= 0]
        g = pg.growth[i, cols]
        held = cols[np.isfinite(g)]
        dropped[i] = len(raw) - len(held)
        names[i] = len(held)
        w = np.zeros(n)
        if len(held):
            w[held] = 1.0 / len(held)
        traded[i] = np.abs(w - drifted).sum() if i else w.sum()
        if len(held):
            gh = pg.growth[i, held]
            gross[i] = gh.mean() - 1.0
            st = pg.status[i, held]
            delisted[i] = int(np.isin(st, KEPT[1:3]).sum())
            end = w[held] * gh
            drifted = np.zeros(n)
            total = end.sum()
            if total > 0:
                drifted[held] = end / total
        else:
            gross[i] = np.nan  # nothing held: no return to report (counted as names = 0)
            drifted = np.zeros(n)
    cost = np.where(np.isnan(gross), 0.0, traded * cost_bps / 1e4)
    net = (1.0 + gross) * (1.0 - cost) - 1.0
    idx = pd.DatetimeIndex(pg.end, name="period_end")

    def s(x, dtype="float64"):
        return pd.Series(x, index=idx, dtype=dtype)

    return ListReturns(label, s(gross), s(net), s(traded / 2.0), s(cost), s(names, "int64"),
                       s(dropped, "int64"), s(delisted, "int64"))


def universe_returns(label: str, members: list[np.ndarray], pg: PeriodGrowth) -> ListReturns:
    """The universe's equal-weighted return: every member with an entry price, no costs."""
    return portfolio_returns(label, members, pg, cost_bps=0.0)


def benchmark_returns(label: str, panel: ReturnPanel, ticker: str, pg: PeriodGrowth) -> pd.Series:
    """An ETF bought at each entry close and sold at the next (adjusted closes)."""
    col = int(panel.columns([ticker])[0])
    t = pg.timing
    vals = [panel.level(col, int(t.entry_rows[i]), int(t.entry_rows[i + 1])) - 1.0
            for i in range(pg.periods)]
    return pd.Series(vals, index=pd.DatetimeIndex(pg.end, name="period_end"), name=label,
                     dtype="float64")


def follow(choice: pd.Series, lists: dict[str, list[np.ndarray]],
           signals: pd.DatetimeIndex) -> list[np.ndarray]:
    """Holdings of a strategy that holds, at each signal date, the list of the phase chosen for
    that date (``choice``: signal date -> phase id; a date without a choice holds nothing).

    The choice for a date must itself be point in time (made with what was known at its close).
    """
    ch = choice.reindex(signals)
    out = []
    for i, phase in enumerate(ch.to_numpy()):
        if isinstance(phase, str) and phase in lists:
            out.append(np.asarray(lists[phase][i]))
        else:
            out.append(np.array([], dtype=np.int64))
    return out
