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

import gc

import pandas as pd

from screener.history.prices import PricePanel

OUTCOME_FIELDS = ["ticker", "date", "close", "adj_close"]


class PitSource:
    """A ``FrameSource`` over the stored (or sample) history."""

    def __init__(self, history, universes: list[str], dates: pd.DatetimeIndex, outcome_end,
                 benchmarks=("IWM", "IJR", "SPY"), is_sample: bool = False,
                 chunk_years: int = 5):
        self.history = history
        self.universes = list(universes)
        self.is_sample = is_sample
        self.benchmarks = tuple(benchmarks)
        self.dates = pd.DatetimeIndex(dates)
        key = self.dates.year // max(chunk_years, 1)
        self.chunks = [self.dates[key == k] for k in sorted(set(key))]
        self._pit = self._bundles = None
        self._chunk = -1
        self._load_chunk(0)  # the first window now: a missing snapshot fails before any work
        mem = history.read("memberships", where={"universe": self.universes},
                           end=self.dates[-1], columns=["ticker"])
        tickers = list(pd.unique(mem["ticker"]))
        tickers += [b for b in self.benchmarks if b not in set(tickers)]
        rows = history.read("prices", tickers=tickers,
                            start=self.dates[0] - pd.Timedelta(days=10),
                            end=pd.Timestamp(outcome_end), columns=OUTCOME_FIELDS)
        self.prices = PricePanel.from_long(rows, tickers=tickers)
        del rows
        dl = history.read("delistings", end=pd.Timestamp(outcome_end))
        self.delistings = dl.reindex(columns=["ticker", "last_date", "last_price", "reason"])

    def _load_chunk(self, k: int) -> None:
        from screener.timeaxis import PointInTime
        from screener.timeaxis.batch import DateBundles

        self._pit = self._bundles = None
        gc.collect()
        dates = self.chunks[k]
        self._pit = PointInTime.load(self.universes, dates[0], dates[-1], history=self.history,
                                     benchmarks=self.benchmarks)
        self._bundles = DateBundles(self._pit, self.universes)
        self._chunk = k

    def pit_for(self, date):
        d = pd.Timestamp(date)
        if self._chunk < 0 or d not in self.chunks[self._chunk]:
            for k, c in enumerate(self.chunks):
                if d in c:
                    self._load_chunk(k)
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
