"""Episodes: named date ranges in which to compare the phase lists (which one led, by how much).

The defaults are the small-cap rebounds and drawdowns since 2008 from DOMAIN.md (dates of the
Russell 2000 closing low, and the six months after it); a screen's ``episodes:`` section
replaces them (``extends`` merges by name, ``null`` removes one).

Each episode's return of a list is measured with daily closes, exactly over the window: the
lists held in every holding period that overlaps it (formed at signals before the window
starts, so nothing after a signal is used), valued at the closes bounding the overlap, and
compounded across periods.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from screener.backtest.returns import ReturnPanel, Timing
from screener.rules.spec import Episode

SOURCE = "DOMAIN.md (Russell 2000 closing lows; contemporary broker and index studies)"

DEFAULT_EPISODES: dict[str, Episode] = {
    "gfc_drawdown": Episode(kind="drawdown", start=dt.date(2008, 9, 2),
                            end=dt.date(2009, 3, 9), source=SOURCE,
                            note="Lehman to the March 2009 low"),
    "rebound_2009": Episode(start=dt.date(2009, 3, 9), source=SOURCE,
                            note="Junk rally: lowest-quality small caps ~+55% vs ~+11% for the "
                                 "highest in six months"),
    "rebound_2016": Episode(start=dt.date(2016, 2, 11), source=SOURCE,
                            note="Oil and credit low"),
    "drawdown_2018q4": Episode(kind="drawdown", start=dt.date(2018, 9, 4),
                               end=dt.date(2018, 12, 24), source=SOURCE,
                               note="Fed tightening sell-off"),
    "rebound_2018": Episode(start=dt.date(2018, 12, 24), source=SOURCE,
                            note="Christmas Eve low, Fed pause"),
    "covid_drawdown": Episode(kind="drawdown", start=dt.date(2020, 2, 20),
                              end=dt.date(2020, 3, 23), source=SOURCE, note="Covid crash"),
    "rebound_2020": Episode(start=dt.date(2020, 3, 23), source=SOURCE,
                            note="Policy-backed rebound; most-shorted basket ~+200% to Feb 2021"),
    "drawdown_2022": Episode(kind="drawdown", start=dt.date(2022, 1, 3),
                             end=dt.date(2022, 6, 16), source=SOURCE, note="Rate shock"),
    "rebound_2022": Episode(start=dt.date(2022, 6, 16), source=SOURCE, note="Mid-2022 low"),
    "rebound_2023": Episode(start=dt.date(2023, 10, 27), source=SOURCE,
                            note="Rates peak, small caps rally into year end"),
    "rebound_2025": Episode(start=dt.date(2025, 4, 8), source=SOURCE,
                            note="Tariff low; led by low/no-ROIC, higher-debt names"),
}


def episode_end(ep: Episode) -> pd.Timestamp:
    return pd.Timestamp(ep.end) if ep.end is not None else \
        pd.Timestamp(ep.start) + pd.DateOffset(months=6)


def episodes_frame(episodes: dict[str, Episode]) -> pd.DataFrame:
    rows = [{"episode": k, "kind": e.kind, "start": pd.Timestamp(e.start), "end": episode_end(e),
             "note": e.note, "source": e.source} for k, e in episodes.items()]
    return pd.DataFrame(rows, columns=["episode", "kind", "start", "end", "note", "source"])


def window_return(panel: ReturnPanel, timing: Timing, holdings: list[np.ndarray],
                  start: pd.Timestamp, end: pd.Timestamp) -> tuple[float, int, int]:
    """(compounded EW return of ``holdings`` over [start close, end close], periods used,
    names per period on average). NaN when no holding period covers the window."""
    sr, er = int(panel.row_on_or_before([start])[0]), int(panel.row_on_or_before([end])[0])
    if sr < 0 or er <= sr:
        return float("nan"), 0, 0
    total, used, names = 1.0, 0, 0
    rows = timing.entry_rows
    for i in range(len(rows) - 1):
        e, x = int(rows[i]), int(rows[i + 1])
        a, b = max(e, sr), min(x, er)
        if b <= a or i >= len(holdings):
            continue
        cols = np.asarray(holdings[i], dtype=np.int64)
        cols = cols[cols >= 0]
        ga, _ = panel.growth(int(timing.signal_rows[i]), e, a, cols)
        gb, _ = panel.growth(int(timing.signal_rows[i]), e, b, cols)
        ok = np.isfinite(ga) & np.isfinite(gb)
        if not ok.any():
            continue
        total *= gb[ok].mean() / ga[ok].mean()  # buy-and-hold EW value at b over value at a
        used += 1
        names += int(ok.sum())
    if not used:
        return float("nan"), 0, 0
    first_entry = int(rows[0]) if len(rows) else 10**9
    last_exit = int(rows[-1]) if len(rows) else -1
    if first_entry > sr or last_exit < er:  # the backtest does not cover the whole window
        return float("nan"), used, names // used
    return total - 1.0, used, names // used


def benchmark_window(panel: ReturnPanel, ticker: str, start, end) -> float:
    col = int(panel.columns([ticker])[0])
    sr, er = int(panel.row_on_or_before([start])[0]), int(panel.row_on_or_before([end])[0])
    if sr < 0 or er <= sr:
        return float("nan")
    return panel.level(col, sr, er) - 1.0
