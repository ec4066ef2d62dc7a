"""A small hand-built world for the backtest tests: NYSE sessions of 2020, eight names whose
prices grow at known daily rates, an ETF, one delisting; a frame source whose metric values
are fixed (or planted per date)."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from screener.backtest.schedule import sessions
from screener.history.prices import PricePanel

DAYS = sessions("2019-12-01", "2021-03-31")
RATES = {"AAA": 0.002, "BBB": 0.0015, "CCC": 0.001, "DDD": 0.0005, "EEE": 0.0,
         "FFF": -0.0005, "GGG": -0.001, "HHH": 0.003, "IWM": 0.0004}
ROIC = {"AAA": 0.30, "BBB": 0.25, "CCC": 0.20, "DDD": 0.15, "EEE": 0.10, "FFF": 0.05,
        "GGG": 0.0, "HHH": 0.35}
DELISTED = {"HHH": (pd.Timestamp("2020-05-15"), "performance")}


def prices(rates=RATES, delisted=DELISTED, days=DAYS) -> pd.DataFrame:
    rows = []
    t = np.arange(len(days))
    for tk, r in rates.items():
        px = 100.0 * (1.0 + r) ** t
        keep = np.ones(len(days), bool)
        if tk in delisted:
            keep = days <= delisted[tk][0]
        rows.append(pd.DataFrame({"ticker": tk, "date": days[keep], "close": px[keep],
                                  "adj_close": px[keep], "volume": 1e6}))
    return pd.concat(rows, ignore_index=True)


def delistings(delisted=DELISTED) -> pd.DataFrame:
    return pd.DataFrame([{"ticker": k, "last_date": d, "last_price": np.nan, "reason": r}
                         for k, (d, r) in delisted.items()],
                        columns=["ticker", "last_date", "last_price", "reason"])


@dataclass
class HandSource:
    """A FrameSource: the same metric values every date, except ``planted`` ones."""

    values: dict = field(default_factory=lambda: dict(ROIC))
    planted: dict = field(default_factory=dict)  # date -> {ticker: value}
    biased_before: pd.Timestamp | None = None
    is_sample: bool = False
    calls: list = field(default_factory=list)

    def __post_init__(self):
        self.prices = PricePanel.from_long(prices())
        self.delistings = delistings()

    def frame(self, date):
        self.calls.append(pd.Timestamp(date))
        vals = dict(self.values)
        vals.update(self.planted.get(pd.Timestamp(date), {}))
        alive = [t for t in vals
                 if t not in DELISTED or DELISTED[t][0] >= pd.Timestamp(date)]
        f = pd.DataFrame({"roic": [vals[t] for t in alive]}, index=pd.Index(alive, name="ticker"))
        for c in ("name", "sector", "industry", "exchange"):
            f[c] = pd.Series(f.index, index=f.index, dtype="string")
        f["in_russell2000"] = True
        return f

    def survivorship_biased(self, universe, date):
        return self.biased_before is not None and pd.Timestamp(date) < self.biased_before


SCREEN = """\
version: 1
name: one_metric
universes: [russell2000]
phases:
  best:
    title: Best ROIC
    rank_by: roic
    top: 3
  worst:
    title: Worst ROIC
    rank_by: roic
    order: ascending
    top: 2
"""


def write_screen(tmp_path, text=SCREEN, name="one.yaml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p
