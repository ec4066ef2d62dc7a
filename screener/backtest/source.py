"""The backtest's data: point-in-time frames per signal date, and outcome prices.

Two sides, kept apart:

- the **signal side**: ``PointInTime`` (``screener.timeaxis``) loaded for a window of signal
  dates; ``frame(d)`` is ``build_standard_frame(validate_bundle(pit.bundle(d)), d).frame``,
  which sees nothing after the close of ``d``, computed through ``DateBundles`` (the window's
  date-independent work done once; ``tests/backtest/test_date_bundles.py`` checks the frames
  are equal). Long ranges are loaded in windows of ``chunk_years`` (one at a time, in date
  order), so peak memory follows the window, not the whole range.
- the **outcome side**: the daily closes of every name that was a member at some point (and
  the benchmarks) from the first signal to the last exit, and the delisting records; read
  only to price the lists after each signal.
"""

from __future__ import annotations

import copy
import gc

import numpy as np
import pandas as pd

from screener.history.prices import PricePanel

OUTCOME_FIELDS = ["ticker", "date", "close", "adj_close"]


class SignalWindows:
    """The signal side: ``PointInTime`` over windows of signal dates, one window loaded at a
    time (``chunks``: the dates of each window, in order). Picklable without its loaded
    window, so a worker process can load and evaluate one window on its own."""

    def __init__(self, history, universes: list[str], benchmarks, chunks):
        self.history = history
        self.universes = list(universes)
        self.benchmarks = tuple(benchmarks)
        self.chunks = list(chunks)
        self._pit = self._bundles = None
        self._chunk = -1

    def __getstate__(self):
        state = dict(self.__dict__, _pit=None, _bundles=None, _chunk=-1)
        h = copy.copy(self.history)  # its own DuckDB connection in the worker: never a
        h.__dict__.pop("_dbs", None)  # connection opened by the parent (nor its threads)
        state["history"] = h
        return state

    def load(self, k: int) -> None:
        from screener.timeaxis import PointInTime
        from screener.timeaxis.batch import DateBundles

        self.drop()
        dates = self.chunks[k]
        self._pit = PointInTime.load(self.universes, dates[0], dates[-1], history=self.history,
                                     benchmarks=self.benchmarks)
        self._bundles = DateBundles(self._pit, self.universes)
        self._chunk = k

    def drop(self) -> None:
        """Let go of the loaded window (memory)."""
        self._pit = self._bundles = None
        self._chunk = -1
        gc.collect()

    def pit_for(self, date):
        d = pd.Timestamp(date)
        if self._chunk < 0 or d not in self.chunks[self._chunk]:
            for k, c in enumerate(self.chunks):
                if d in c:
                    self.load(k)
                    break
            else:
                raise KeyError(f"{d.date()} is not a signal date of this backtest")
        return self._pit

    def frame(self, date) -> pd.DataFrame:
        """``build_standard_frame(validate_bundle(pit.bundle(d))[0], d).frame``, through
        ``DateBundles`` (the window's per-date work done once) and ``standard_metrics``."""
        from screener.metrics.build import standard_metrics

        self.pit_for(date)
        bundle = self._bundles.validated(date)
        return standard_metrics(bundle, pd.Timestamp(date).date())

    def survivorship_biased(self, universe: str, date) -> bool:
        return self.pit_for(date).survivorship_biased(universe, date)


def windows_of(dates: pd.DatetimeIndex, chunk_years: int = 5, parts: int | None = None
               ) -> list[pd.DatetimeIndex]:
    """The signal dates cut into windows: by ``chunk_years`` calendar years (the serial run),
    or into ``parts`` runs of consecutive dates as equal in count as can be (workers)."""
    dates = pd.DatetimeIndex(dates)
    if parts:
        n = max(1, min(int(parts), len(dates)))
        return [dates[i] for i in np.array_split(np.arange(len(dates)), n)]
    key = dates.year // max(chunk_years, 1)
    return [dates[key == k] for k in sorted(set(key))]


class PitSource:
    """A ``FrameSource`` over the stored (or sample) history.

    ``windows``: cut the signal dates into that many equal runs of dates (for worker
    processes) instead of ``chunk_years`` calendar windows. ``preload``: load the first window
    now (a missing snapshot fails before any other work); off when workers load the windows.
    The outcome prices are read on first use of ``prices``."""

    def __init__(self, history, universes: list[str], dates: pd.DatetimeIndex, outcome_end,
                 benchmarks=("IWM", "IJR", "SPY"), is_sample: bool = False,
                 chunk_years: int = 5, windows: int | None = None, preload: bool = True):
        self.history = history
        self.universes = list(universes)
        self.is_sample = is_sample
        self.benchmarks = tuple(benchmarks)
        self.dates = pd.DatetimeIndex(dates)
        self.outcome_end = pd.Timestamp(outcome_end)
        self.signal = SignalWindows(history, self.universes, self.benchmarks,
                                    windows_of(self.dates, chunk_years, windows))
        self.chunks = self.signal.chunks
        if preload:
            self.signal.load(0)  # the first window now: a missing snapshot fails early
        mem = history.read("memberships", where={"universe": self.universes},
                           end=self.dates[-1], columns=["ticker"])
        tickers = list(pd.unique(mem["ticker"]))
        tickers += [b for b in self.benchmarks if b not in set(tickers)]
        self.tickers = pd.Index(tickers)  # the outcome panel's columns, in order
        dl = history.read("delistings", end=self.outcome_end)
        self.delistings = dl.reindex(columns=["ticker", "last_date", "last_price", "reason"])
        self._prices = None

    @property
    def prices(self) -> PricePanel:
        if self._prices is None:
            rows = self.history.read("prices", tickers=list(self.tickers),
                                     start=self.dates[0] - pd.Timedelta(days=10),
                                     end=self.outcome_end, columns=OUTCOME_FIELDS)
            self._prices = PricePanel.from_long(rows, tickers=list(self.tickers))
        return self._prices

    @property
    def _bundles(self):
        return self.signal._bundles

    def pit_for(self, date):
        return self.signal.pit_for(date)

    def frame(self, date) -> pd.DataFrame:
        return self.signal.frame(date)

    def survivorship_biased(self, universe: str, date) -> bool:
        return self.signal.survivorship_biased(universe, date)
