"""The market rates a run uses, read point in time from the history store's ``macro`` dataset.

For each series (``raw.rates.SERIES``): among the observations dated on or before the run date
whose release date is on or before it too, the latest observation date wins, and for that date
the newest value released by then (a revision released later is not seen). FRED's percent
becomes a fraction. An observation older than ``MAX_AGE_DAYS`` is not today's rate: NaN, with
a note naming the series and its last date (the Data quality sheet shows the note).

A run reads them with ``rates_as_of``; a loop over many dates loads the rows once
(``RatesHistory.load(store, first, last)``) and asks ``.as_of(day)`` per date, handing each to
its bundle (``RawBundle.rates``) before ``build_standard_frame``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from screener.raw.rates import MAX_AGE_DAYS, SERIES, MarketRates

LOOK_BACK_DAYS = 366  # read this far back to tell "stale" from "never stored"

USED_BY = {"DGS10": "cost_of_debt_spread", "BAMLH0A0HYM2EY": "refi_wall_rate_shock"}


def rates_from_rows(rows: pd.DataFrame, as_of: dt.date) -> MarketRates:
    """``rows``: series, date, value, released (as the ``macro`` dataset), any range."""
    day = pd.Timestamp(as_of)
    values: dict[str, float] = {}
    dates: dict[str, str] = {}
    notes: list[str] = []
    sources: set[str] = set()
    if len(rows):
        rows = rows[(rows["date"] <= day) & (rows["released"] <= day) & rows["value"].notna()]
    for sid in SERIES:
        got = rows[rows["series"] == sid] if len(rows) else rows
        if not len(got):
            notes.append(f"no {sid} observation released on or before {as_of} in the history "
                         f"store: {USED_BY[sid]} is NaN (fetch the FRED series to fill it)")
            continue
        got = got.sort_values(["date", "released"], kind="stable")
        last = got.iloc[-1]
        age = (day - last["date"]).days
        if age > MAX_AGE_DAYS:
            notes.append(f"{sid}: latest observation {last['date'].date()} is {age} days before "
                         f"{as_of} (limit {MAX_AGE_DAYS}): {USED_BY[sid]} is NaN")
            continue
        values[sid] = float(last["value"]) / 100.0
        dates[sid] = last["date"].date().isoformat()
        if "source" in got.columns and isinstance(last.get("source"), str):
            sources.add(last["source"])
    return MarketRates(values=values, dates=dates,
                       source=", ".join(sorted(sources)) or None, notes=tuple(notes))


class RatesHistory:
    """The series loaded once for a range of run dates (a backtest's rebalance dates, the
    point-in-time assembly): ``as_of(day)`` gives what ``rates_as_of`` would on that day."""

    def __init__(self, rows: pd.DataFrame):
        self.rows = rows.sort_values(["series", "date", "released"], kind="stable")

    @classmethod
    def load(cls, store, start: dt.date, end: dt.date) -> RatesHistory:
        rows = store.read("macro", where={"series": list(SERIES)}, as_of=end,
                          start=start - dt.timedelta(days=LOOK_BACK_DAYS), end=end,
                          columns=["series", "date", "value", "released", "source"])
        return cls(rows.assign(value=rows["value"].astype(np.float64)))

    def as_of(self, day: dt.date) -> MarketRates:
        return rates_from_rows(self.rows, day)


def rates_as_of(store, as_of: dt.date | None = None) -> MarketRates:
    """The rates known on ``as_of`` (None: today) from ``store`` (a ``HistoryStore``)."""
    day = as_of or dt.date.today()
    rows = store.read("macro", where={"series": list(SERIES)}, as_of=day,
                      start=day - dt.timedelta(days=LOOK_BACK_DAYS), end=day,
                      columns=["series", "date", "value", "released", "source"])
    rows = rows.assign(value=rows["value"].astype(np.float64))
    return rates_from_rows(rows, day)
