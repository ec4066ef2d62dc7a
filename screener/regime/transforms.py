"""Indicator transforms: a series' raw observations -> the number a rule compares.

Every transform is evaluated at given observation positions, using only observations up to
that position (so a value at position i never sees i+1). Definitions (what the panel and the
workbook state, and what a user can recompute by hand):

- ``level``: the observation itself.
- ``change W``: value minus the value of the last observation dated on or before (date - W).
- ``pct_change W``: the same, relative: value / earlier value - 1.
- ``percentile W``: the share of observations dated after (date - W) and up to date whose value
  is <= the value (``scipy.stats.percentileofscore(kind="weak") / 100``), 0..1.
- ``zscore W``: (value - mean) / standard deviation (ddof=1) of those same observations.
- ``ma_cross F/S``: mean of the last F observations / mean of the last S observations - 1
  (> 0: the fast average is above the slow one).
- ``from_high W`` / ``from_low W``: value minus the highest / lowest observation dated after
  (date - W) and up to date (e.g. the policy rate ``from_high 2y`` = cumulative cuts since
  its peak, <= 0).

W is a calendar span: ``10d``, ``13w``, ``3m``, ``1y`` (calendar months/years as in
``pandas.DateOffset``). A transform without enough history is NaN (no vote).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from screener.lazy import lazy

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:  # imported when a panel is computed: reading a regime file (validate) needs neither
    np, pd = lazy("numpy"), lazy("pandas")

KINDS = ("level", "change", "pct_change", "percentile", "zscore", "ma_cross", "from_high",
         "from_low")
WINDOW_RE = re.compile(r"^\s*(\d+)\s*([dwmy])\s*$", re.IGNORECASE)
MA_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


def _window(window: str) -> tuple[int, str]:
    """(count, unit) of a window such as 3m; ValueError says what is expected."""
    m = WINDOW_RE.match(str(window))
    if not m:
        raise ValueError(f"window {window!r} is not like 10d, 13w, 3m or 10y")
    return int(m.group(1)), m.group(2).lower()


def offset(window: str) -> pd.DateOffset:
    n, unit = _window(window)
    return {"d": pd.DateOffset(days=n), "w": pd.DateOffset(weeks=n),
            "m": pd.DateOffset(months=n), "y": pd.DateOffset(years=n)}[unit]


@dataclass(frozen=True)
class Transform:
    kind: str = "level"
    window: str | None = None     # calendar span for change/percentile/zscore
    fast: int | None = None       # ma_cross
    slow: int | None = None

    @classmethod
    def parse(cls, text: str) -> Transform:
        """``level`` | ``change 3m`` | ``pct_change 1y`` | ``percentile 10y`` | ``zscore 10y``
        | ``ma_cross 50/200``; raises ValueError with what is expected."""
        parts = str(text).split(None, 1)
        if not parts:
            raise ValueError("empty transform")
        kind = parts[0].lower()
        arg = parts[1].strip() if len(parts) > 1 else None
        if kind not in KINDS:
            raise ValueError(f"unknown transform {parts[0]!r}")
        if kind == "level":
            if arg:
                raise ValueError("'level' takes no window")
            return cls("level")
        if kind == "ma_cross":
            m = MA_RE.match(arg or "")
            if not m:
                raise ValueError("ma_cross takes two window lengths in observations, e.g. "
                                 "'ma_cross 50/200'")
            fast, slow = int(m.group(1)), int(m.group(2))
            if not 1 <= fast < slow <= 5000:
                raise ValueError("ma_cross F/S needs 1 <= F < S <= 5000")
            return cls("ma_cross", fast=fast, slow=slow)
        if not arg:
            raise ValueError(f"'{kind}' needs a window, e.g. '{kind} 3m'")
        _window(arg)  # checked here, turned into a date offset when computed
        return cls(kind, window=arg.replace(" ", "").lower())

    @property
    def text(self) -> str:
        if self.kind == "level":
            return "level"
        if self.kind == "ma_cross":
            return f"ma_cross {self.fast}/{self.slow}"
        return f"{self.kind} {self.window}"

    def at(self, series: pd.Series, positions: np.ndarray) -> np.ndarray:
        """The transform at each observation position (-1 = no observation yet -> NaN)."""
        return evaluate(self, series.index, series.to_numpy(dtype="float64"), positions)


def _window_starts(dates: pd.DatetimeIndex, pos: np.ndarray, window: str) -> np.ndarray:
    """For each position, the first index dated after (date - window)."""
    cut = dates[pos] - offset(window)
    return dates.searchsorted(cut, side="right")


def evaluate(t: Transform, dates: pd.DatetimeIndex, x: np.ndarray,
             positions: np.ndarray) -> np.ndarray:
    pos = np.asarray(positions, dtype=np.int64)
    out = np.full(len(pos), np.nan)
    ok = pos >= 0
    if not ok.any() or len(x) == 0:
        return out
    p = pos[ok]
    if t.kind == "level":
        out[ok] = x[p]
    elif t.kind in ("change", "pct_change"):
        cut = dates[p] - offset(t.window)
        j = dates.searchsorted(cut, side="right") - 1   # last obs on or before the cut
        base = np.where(j >= 0, x[np.maximum(j, 0)], np.nan)
        if t.kind == "change":
            out[ok] = x[p] - base
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                out[ok] = np.where(base != 0, x[p] / base - 1.0, np.nan)
    elif t.kind in ("from_high", "from_low"):
        lo = _window_starts(dates, p, t.window)
        pick = np.max if t.kind == "from_high" else np.min
        out[ok] = [x[b] - pick(x[a:b + 1]) for a, b in zip(lo, p)]
    elif t.kind in ("percentile", "zscore"):
        lo = _window_starts(dates, p, t.window)
        vals = np.empty(len(p))
        for k, (a, b) in enumerate(zip(lo, p + 1)):
            w = x[a:b]
            if t.kind == "percentile":
                vals[k] = np.count_nonzero(w <= x[b - 1]) / len(w)
            else:
                sd = w.std(ddof=1) if len(w) > 1 else np.nan
                vals[k] = (x[b - 1] - w.mean()) / sd if sd and np.isfinite(sd) else np.nan
        out[ok] = vals
    elif t.kind == "ma_cross":
        c = np.concatenate([[0.0], np.cumsum(x)])
        def mean(n):
            a = p + 1 - n
            return np.where(a >= 0, (c[p + 1] - c[np.maximum(a, 0)]) / n, np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[ok] = mean(t.fast) / mean(t.slow) - 1.0
    return out


def value_on_or_before(series: pd.Series, when) -> float:
    """The last observation dated on or before ``when`` (NaN if none)."""
    j = series.index.searchsorted(pd.Timestamp(when), side="right") - 1
    return float(series.iloc[j]) if j >= 0 else np.nan
