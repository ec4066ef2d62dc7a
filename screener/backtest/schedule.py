"""When the backtest looks and when it trades: rebalance dates on the NYSE calendar, the lag
between a signal and its trade, and the exit date of each forward-return horizon.

- A **signal date** is the last NYSE session of each period (month, quarter, week) between
  ``--from`` and ``--to``: the screen is evaluated with what was known at that close.
- The **entry** is ``lag`` sessions after the signal (``--lag 1d``: the next close). The
  signal never sees the entry price.
- A holding period runs from one signal's entry to the next signal's entry.
- A **horizon** ``Nm`` ends at the last session of the month N months after a month-end signal
  (N months after any other signal: the last session on or before that day), then the same lag;
  ``Nd`` ends N sessions after the signal, then the lag. So with monthly rebalances the ``1m``
  horizon is exactly the holding period.
- **Staggered schedules** (``--rolling N``): start ``i`` signals ``i * (period / N)`` sessions
  before the period end, so each start trades on different days of the period.

Trading days come from exchange-calendars (XNYS): holidays and early closes as the exchange
published them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from screener.errors import ScreenerError

REBALANCE = {"weekly": "W", "monthly": "M", "quarterly": "Q"}
PERIODS_PER_YEAR = {"weekly": 52, "monthly": 12, "quarterly": 4}
SESSIONS_PER_PERIOD = {"weekly": 5, "monthly": 21, "quarterly": 63}
HORIZON = re.compile(r"^\s*(\d{1,3})\s*([mdMD])\s*$")


class BacktestUsageError(ScreenerError):
    """A backtest option is malformed (dates, horizons, lag, rebalance)."""


_SESSIONS: list[pd.DatetimeIndex] = []  # one cached index of every NYSE session held so far


def _all_sessions(first_year: int, last_year: int) -> pd.DatetimeIndex:
    """Every XNYS session from ``first_year`` to ``last_year`` (built once, widened on need)."""
    if _SESSIONS and _SESSIONS[0][0].year <= first_year and _SESSIONS[0][-1].year >= last_year:
        return _SESSIONS[0]
    import exchange_calendars as xc

    lo = min(first_year, _SESSIONS[0][0].year) if _SESSIONS else first_year
    hi = max(last_year, _SESSIONS[0][-1].year) if _SESSIONS else last_year
    cal = xc.get_calendar("XNYS", start=f"{lo}-01-01", end=f"{hi}-12-31")
    days = pd.DatetimeIndex(cal.sessions)
    days = days.tz_localize(None) if days.tz is not None else days
    _SESSIONS[:] = [days]
    return days


def sessions(start, end) -> pd.DatetimeIndex:
    """NYSE sessions from ``start`` to ``end`` inclusive (naive dates)."""
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    days = _all_sessions(start.year, end.year)
    return days[days.searchsorted(start, "left"):days.searchsorted(end, "right")]


def parse_lag(text: str | int) -> int:
    """``1d`` -> 1 session; ``0d`` trades at the signal close (shown as look-ahead-prone)."""
    if isinstance(text, int):
        return text
    m = re.fullmatch(r"\s*(\d{1,2})\s*d?\s*", str(text))
    if not m:
        raise BacktestUsageError(f"--lag {text!r} is not a number of trading days.",
                                 "Write it as 1d (the next close, the default) or 2d.")
    return int(m.group(1))


@dataclass(frozen=True)
class Horizon:
    label: str
    n: int
    unit: str  # "m" (calendar months) or "d" (sessions)


def parse_horizons(text: str) -> list[Horizon]:
    out: list[Horizon] = []
    for part in str(text).split(","):
        if not part.strip():
            continue
        m = HORIZON.match(part)
        if not m or int(m.group(1)) == 0:
            raise BacktestUsageError(
                f"--horizons: {part.strip()!r} is not a horizon.",
                "Use months or trading days, comma-separated, e.g. 1m,3m,6m,12m or 5d,21d.")
        n, unit = int(m.group(1)), m.group(2).lower()
        out.append(Horizon(f"{n}{unit}", n, unit))
    if not out:
        raise BacktestUsageError("--horizons is empty.", "e.g. --horizons 1m,3m,6m,12m")
    return list(dict.fromkeys(out))


def parse_month(text: str, end: bool = False) -> pd.Timestamp:
    """``2012-01`` (a month: its first or last day) or ``2012-01-31``."""
    s = str(text).strip()
    try:
        if re.fullmatch(r"\d{4}-\d{1,2}", s):
            t = pd.Period(s, freq="M")
            return (t.end_time if end else t.start_time).normalize()
        if re.fullmatch(r"\d{4}", s):
            t = pd.Period(s, freq="Y")
            return (t.end_time if end else t.start_time).normalize()
        return pd.Timestamp(s).normalize()
    except (ValueError, TypeError):
        raise BacktestUsageError(f"{text!r} is not a date.",
                                 "Write YYYY-MM (a month) or YYYY-MM-DD.") from None


def rebalance_dates(start, end, rebalance: str = "monthly", offset: int = 0) -> pd.DatetimeIndex:
    """The last session of each period in [start, end], ``offset`` sessions earlier."""
    if rebalance not in REBALANCE:
        raise BacktestUsageError(f"--rebalance {rebalance!r} is not known.",
                                 f"Choose one of: {', '.join(REBALANCE)}.")
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    # the calendar is published ahead: sessions past ``end`` only say where a period ends
    days = sessions(start - pd.Timedelta(days=120), end + pd.Timedelta(days=40))
    if len(days) < 2:
        return pd.DatetimeIndex([])
    key = days.to_period(REBALANCE[rebalance])
    pos = np.flatnonzero(key[1:] != key[:-1]) - offset
    out = days[pos[pos >= 0]]
    return out[(out >= start) & (out <= end)]


def add_sessions(dates: pd.DatetimeIndex, n: int) -> pd.DatetimeIndex:
    """Each date moved ``n`` NYSE sessions later (a date off the calendar counts from the next
    session before it)."""
    if len(dates) == 0:
        return pd.DatetimeIndex([])
    days = sessions(dates.min() - pd.Timedelta(days=10),
                    dates.max() + pd.Timedelta(days=10 + 2 * n))
    i = days.searchsorted(dates, side="right") - 1 + n
    return days[np.clip(i, 0, len(days) - 1)]


def horizon_signal(dates: pd.DatetimeIndex, h: Horizon) -> pd.DatetimeIndex:
    """The signal-equivalent date at which horizon ``h`` ends (before the lag)."""
    if h.unit == "d":
        return add_sessions(dates, h.n)
    target = dates + pd.DateOffset(months=h.n)
    days = sessions(dates.min() - pd.Timedelta(days=10), target.max() + pd.Timedelta(days=40))
    month_end = np.asarray(_is_period_last(dates, "M"))
    target_me = (target.to_period("M") + 1).to_timestamp() - pd.Timedelta(days=1)
    goal = pd.DatetimeIndex(np.where(month_end, target_me, target))
    i = days.searchsorted(goal, side="right") - 1
    return days[np.clip(i, 0, len(days) - 1)]


def _is_period_last(dates: pd.DatetimeIndex, freq: str) -> np.ndarray:
    nxt = add_sessions(dates, 1)
    return np.asarray(nxt.to_period(freq) != dates.to_period(freq))


def staggered_offsets(rebalance: str, n: int) -> list[int]:
    """Session offsets of ``n`` rolling starts spread evenly over one rebalance period."""
    if n < 1:
        raise BacktestUsageError("--rolling needs at least 1 start.", "e.g. --rolling 4")
    step = SESSIONS_PER_PERIOD[rebalance] / n
    return sorted({round(i * step) for i in range(n)})
