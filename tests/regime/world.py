"""A small hand-built history for regime tests: macro series with release dates, and prices."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

from screener.history.store import HistoryStore

SCREEN = """\
version: 1
universes: [russell2000]
phases:
  early_rebound: {title: Early, rank_by: market_cap}
  quality_recovery: {title: Quality, rank_by: market_cap}
  defensive: {title: Defensive, rank_by: market_cap}
  refinancing_risk: {title: Refi, rank_by: market_cap}
regime:
  history_step: month
  verdicts:
    junk: {title: Early junk rally, phase: early_rebound}
    quality: {title: Quality-led recovery, phase: quality_recovery}
    defensive: {title: Defensive, phase: defensive}
    refi: {title: Refinancing stress, phase: refinancing_risk, overlay: true, threshold: 0.5}
  indicators:
    spreads_falling:
      series: BAMLH0A0HYM2
      transform: change 3m
      rule: "< 0"
      votes: {junk: 2, quality: 1, defensive: -2}
    growth:
      series: CFNAIMA3
      rule: "> 0"
      votes: {quality: 2, junk: -1, defensive: -1}
    refi_cost:
      series: BAMLH0A0HYM2EY
      rule: "> 7.5"
      votes: {refi: 1}
"""


def screen(tmp_path: Path) -> Path:
    p = tmp_path / "regime.yaml"
    p.write_text(textwrap.dedent(SCREEN))
    return p


def macro_rows(series: str, dates, values, lag_days: int) -> pd.DataFrame:
    dates = pd.DatetimeIndex(dates)
    return pd.DataFrame({"series": series, "date": dates, "value": np.asarray(values, float),
                         "released": dates + pd.Timedelta(days=lag_days), "source": "test"})


def build(tmp_path: Path) -> HistoryStore:
    """2014-2024. Spreads (daily): 4.0 until 2024-03-31 then falling to 3.0 by 2024-06-28.
    CFNAIMA3 (monthly, lag 55 d): -0.5 every month (below trend). HY yield: 7.0 flat."""
    store = HistoryStore(tmp_path / "history")
    days = pd.bdate_range("2014-01-01", "2024-06-28")
    spread = np.where(days <= "2024-03-29", 4.0, np.nan)
    tail = days > "2024-03-29"
    spread[tail] = np.linspace(4.0, 3.0, tail.sum() + 1)[1:]
    # some history so the percentile and the sd mean something
    spread[: len(days) // 2] += np.sin(np.arange(len(days) // 2) / 50.0)
    months = pd.date_range("2014-01-01", "2024-04-01", freq="MS")
    cfnai = -0.5 + 0.1 * np.cos(np.arange(len(months)))
    cfnai[-1] = -0.5
    store.write("macro", pd.concat([
        macro_rows("BAMLH0A0HYM2", days, spread, 1),
        macro_rows("CFNAIMA3", months, cfnai, 55),
        macro_rows("BAMLH0A0HYM2EY", days, np.full(len(days), 7.0), 1),
        macro_rows("iwm_spy", days, np.linspace(0.5, 0.4, len(days)), 0),
    ], ignore_index=True))
    return store
