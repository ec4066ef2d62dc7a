"""Daily prices as matrices: one row per trading day, one column per ticker.

``PricePanel`` is what every time-series consumer reads (price metrics as of a date, forward
returns in the backtest, breadth in the regime panel, returns since a run in the track record):
the long ``prices`` dataset pivoted once into float64 arrays, so a date is a row index and a
window is a slice. Missing days of a ticker are NaN (never filled with another day's price).

Point in time: ``until(as_of)`` is the panel cut at that close, the only view a metric computed
as of a date may see.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

FIELDS = ("close", "adj_close", "volume")


@dataclass(frozen=True)
class PricePanel:
    dates: pd.DatetimeIndex  # trading days, ascending, unique
    tickers: pd.Index
    close: np.ndarray  # (len(dates), len(tickers)) as traded
    adj_close: np.ndarray  # split- and dividend-adjusted
    volume: np.ndarray  # shares
    source: str = "history"  # shown as the provenance of the price metrics

    @classmethod
    def from_long(cls, rows: pd.DataFrame, tickers=None) -> PricePanel:
        """Pivot long rows (ticker, date, close, adj_close, volume) with one scatter.

        ``tickers`` fixes the column order (tickers without rows get all-NaN columns).
        A missing ``adj_close`` falls back to ``close`` for that row.
        """
        dates = pd.DatetimeIndex(pd.to_datetime(rows["date"]).unique()).sort_values()
        cols = pd.Index(pd.unique(rows["ticker"])) if tickers is None else pd.Index(tickers)
        r = dates.get_indexer(pd.to_datetime(rows["date"]))
        c = cols.get_indexer(rows["ticker"])
        keep = c >= 0
        out = {}
        for f in FIELDS:
            m = np.full((len(dates), len(cols)), np.nan)
            if f in rows.columns:
                m[r[keep], c[keep]] = rows[f].to_numpy(dtype="float64", na_value=np.nan)[keep]
            out[f] = m
        out["adj_close"] = np.where(np.isnan(out["adj_close"]), out["close"], out["adj_close"])
        return cls(dates=dates, tickers=cols, **out)

    @classmethod
    def load(cls, store, tickers, start=None, end=None) -> PricePanel:
        """The stored prices of ``tickers`` between ``start`` and ``end`` (inclusive).

        One DuckDB scan returns integer positions and day numbers, scattered straight into the
        matrices (no per-row Python objects): the dates are the days on which any of the
        tickers has a row."""
        cols = pd.Index(list(dict.fromkeys(tickers)))
        pos, day, values = store.read_indexed("prices", list(cols), FIELDS, start=start,
                                              end=end)
        if len(day) == 0:
            empty = np.full((0, len(cols)), np.nan)
            return cls(pd.DatetimeIndex([]), cols, empty, empty.copy(), empty.copy())
        lo = int(day.min())
        present = np.zeros(int(day.max()) - lo + 1, dtype=bool)
        present[day - lo] = True
        row_of = np.cumsum(present) - 1
        days = np.flatnonzero(present) + lo
        flat = row_of[day - lo].astype(np.int64) * len(cols) + pos  # one index, three scatters
        del day, pos
        out = {}
        for f in FIELDS:
            m = np.full(len(days) * len(cols), np.nan)
            m[flat] = values.pop(f)
            out[f] = m.reshape(len(days), len(cols))
        np.copyto(out["adj_close"], out["close"], where=np.isnan(out["adj_close"]))
        dates = pd.DatetimeIndex(days.astype("datetime64[D]").astype("datetime64[ns]"))
        return cls(dates=dates, tickers=cols, **out)

    def until(self, as_of) -> PricePanel:
        """The panel cut at the close of ``as_of``: nothing after it is visible."""
        stop = int(self.dates.searchsorted(pd.Timestamp(as_of), side="right"))
        return PricePanel(self.dates[:stop], self.tickers, self.close[:stop],
                          self.adj_close[:stop], self.volume[:stop], self.source)

    def column(self, ticker: str, field: str = "adj_close") -> pd.Series:
        j = self.tickers.get_loc(ticker)
        return pd.Series(getattr(self, field)[:, j], index=self.dates, name=ticker)

    def frame(self, field: str = "adj_close") -> pd.DataFrame:
        return pd.DataFrame(getattr(self, field), index=self.dates, columns=self.tickers)

    @property
    def empty(self) -> bool:
        return len(self.dates) == 0 or len(self.tickers) == 0


LOOKBACK_DAYS = 800  # calendar days: > 252 trading days of windows, and RSI warm-up


def recent_panel(store, tickers, as_of=None, days: int = LOOKBACK_DAYS) -> PricePanel | None:
    """The last ``days`` of stored prices of ``tickers`` plus the benchmarks (settings), for the
    price metrics of a run on the latest data; None when none of them has stored prices."""
    from screener import settings

    end = pd.Timestamp(as_of) if as_of is not None else pd.Timestamp.today().normalize()
    names = list(dict.fromkeys([*map(str, tickers), *settings.history_benchmarks()]))
    panel = PricePanel.load(store, names, start=end - pd.Timedelta(days=days), end=end)
    return None if panel.empty else panel
