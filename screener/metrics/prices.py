"""Price metrics computed by us from stored daily prices, point in time and vectorised.

Input: a ``PricePanel`` (dates x tickers matrices) already cut at the as-of close, so nothing
after that close can be seen. The steps, each one array operation across all tickers:

1. Take the last ``LOOKBACK`` rows of the panel (about three years of trading days).
2. Compress every ticker onto **its own trading days**: the rows where it has an adjusted close
   are moved to the bottom of a ``(depth x tickers)`` matrix, in order, so row ``-1`` is the
   ticker's last close, row ``-1 - n`` the close ``n`` of its trading days earlier, and a missing
   day (a halt, a hole in the data) is skipped rather than poisoning a window. The panel row of
   every compressed value is kept, so benchmark values are read on the same dates.
3. A ticker whose last close is more than ``MAX_STALE`` panel rows before the as-of date (it
   stopped trading) gets NaN for every metric; so does a window longer than its history.
4. Each metric is then a slice of the compressed matrix (windows in trading days: 1 month = 21,
   3 months = 63, 6 months = 126, 12 months / 52 weeks = 252). RSI's recursion starts
   ``RSI_WARMUP`` (500) sessions before the as-of date, so its value is the same whatever the
   panel holds before that (a backtest window or a one-date run).

Returns, averages, highs and drawdowns use the split- and dividend-adjusted close; ``price`` and
the dollar volume use the close as traded. Each formula is stated in the catalog (``catalog``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

M1, M3, M6, M12 = 21, 63, 126, 252
YEAR = 252  # trading days a year: annualisation and the 52-week window
RSI_DAYS = 14
RSI_WARMUP = 500  # sessions before the as-of date where the RSI recursion starts: a fixed
# start, so the value does not depend on how much history was loaded (a backtest window vs a
# one-date run); (13/14)^500 ~ 1e-16, so the seed's weight is below the last bit
LOOKBACK = 3 * YEAR  # rows of the panel looked at (RSI warm-up; gaps in a ticker's history)
MAX_STALE = 30  # a last close older than this many trading days: not trading (as the
# point-in-time market block, timeaxis.STALE_PRICE_ROWS)
DEFAULT_BENCHMARK = "IWM"
CHUNK = 8192  # names per block of work (memory, not results: every metric is per column)

PRICE_INPUTS = ("close", "adj_close", "volume", "benchmark")  # catalog inputs "prices.<x>"
# the catalog ids this module computes (the first six fall back to the provider's summary)
PRICE_METRICS = (
    "price", "ret_1m", "ret_3m", "ret_6m", "ret_12m", "mom_12_1", "volatility",
    "high_52w", "low_52w", "drawdown_52w", "dist_sma50", "dist_sma200", "rsi_14",
    "rel_strength_12m", "beta", "adv_3m",
)


def _compress(values: np.ndarray, depth: int, *others: np.ndarray) -> tuple[np.ndarray, ...]:
    """Each column's valid values moved to the bottom of a ``(depth, n)`` matrix, in order.

    Returns the compressed values (NaN above a column's first kept value), the source row
    of every kept value (-1 where none), then each of ``others`` (same shape as ``values``)
    compressed onto the same rows (NaN where none). Columns without holes (the common case)
    are copied as they are; only the others are scattered.
    """
    n_rows, n = values.shape
    holes = np.isnan(values).any(axis=0) if n_rows else np.zeros(n, dtype=bool)
    full = np.flatnonzero(~holes)
    keep_rows = min(depth, n_rows)
    if depth == n_rows:  # every row kept: copy whole (contiguous), then clear the holed columns
        out = values.copy()
        more = [m.copy() for m in others]
        src = np.broadcast_to(np.arange(n_rows)[:, None], (n_rows, n)).copy()
        cleared = np.flatnonzero(holes)
        out[:, cleared] = np.nan
        for o in more:
            o[:, cleared] = np.nan
        src[:, cleared] = -1
    else:
        out = np.full((depth, n), np.nan)
        more = [np.full((depth, n), np.nan) for _ in others]
        src = np.full((depth, n), -1, dtype=np.int64)
    if depth != n_rows and len(full) and keep_rows:
        out[depth - keep_rows:, full] = values[n_rows - keep_rows:, full]
        src[depth - keep_rows:, full] = np.arange(n_rows - keep_rows, n_rows)[:, None]
        for o, m in zip(more, others, strict=True):
            o[depth - keep_rows:, full] = m[n_rows - keep_rows:, full]
    part = np.flatnonzero(holes)
    if len(part):
        v = values[:, part]
        valid = ~np.isnan(v)
        from_end = valid.sum(axis=0)[None, :] - np.cumsum(valid, axis=0)  # 0 at last valid
        rows, cols = np.nonzero(valid & (from_end < depth))
        dest = depth - 1 - from_end[rows, cols]
        out[dest, part[cols]] = v[rows, cols]
        src[dest, part[cols]] = rows
        for o, m in zip(more, others, strict=True):
            o[dest, part[cols]] = m[:, part][rows, cols]
    return (out, src, *more)


def _back(c: np.ndarray, n: int) -> np.ndarray:
    """The value ``n`` own trading days before the last one (NaN when history is shorter)."""
    return c[-1 - n] if n < len(c) else np.full(c.shape[1], np.nan)


def _window(c: np.ndarray, n: int) -> np.ndarray:
    """The last ``n`` rows (all NaN rows when history is shorter, so reductions give NaN)."""
    if n <= len(c):
        return c[-n:]
    return np.full((n, c.shape[1]), np.nan)


def _since(c: np.ndarray, src: np.ndarray, n_rows: int, sessions: int) -> np.ndarray:
    """The compressed rows whose source row is at most ``sessions`` rows before the last one
    (``n_rows - 1``; NaN before): a window fixed in sessions before the as-of date, whatever the
    panel holds before it. Only the bottom ``sessions + 1`` compressed rows can qualify."""
    first = n_rows - 1 - sessions
    k = len(c) if first <= 0 else min(len(c), sessions + 1)
    out = c[len(c) - k:].copy()
    out[src[len(c) - k:] < first] = np.nan
    return out


def _returns(c: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return c[1:] / c[:-1] - 1.0


def wilder_rsi(c: np.ndarray, days: int = RSI_DAYS) -> np.ndarray:
    """RSI of each column of compressed closes (NaN only above each column's history).

    Wilder (1978): changes d; gains max(d, 0), losses max(-d, 0); the first averages are the
    plain means of the first ``days`` changes, then avg = (avg_prev * (days - 1) + x) / days.
    RSI = 100 - 100 / (1 + avg_gain / avg_loss): 100 when there is no loss, NaN when the
    price did not move at all. The recursion runs down the rows for every column at once
    (a few microseconds a row); each column's seed is planted at its own start row, zeros
    before it keep the average at 0 until then.
    """
    d = np.diff(c, axis=0)
    n_rows, n = d.shape
    if n_rows < days:
        return np.full(n, np.nan)
    valid = ~np.isnan(d)
    first = np.where(valid.any(axis=0), valid.argmax(axis=0), n_rows)  # first valid change
    seed_at = first + days - 1
    ok = seed_at < n_rows
    cols = np.flatnonzero(ok)
    keep = 1.0 - 1.0 / days
    both = np.empty((n_rows, 2, n))  # gains and losses side by side: one recursion for both
    for k, x in enumerate((np.maximum(d, 0.0), np.maximum(-d, 0.0))):
        seed = x[first[cols] + np.arange(days)[:, None], cols[None, :]].mean(axis=0)
        x = np.where(np.arange(n_rows)[:, None] > seed_at[None, :], x, 0.0)
        x[seed_at[cols], cols] = seed / (1.0 - keep)  # y(seed_at) = seed; zero before
        np.multiply(x, 1.0 - keep, out=both[:, k])
    y = np.zeros((2, n))
    for row in both:  # y = keep * y + (1 - keep) * x, one row of all tickers per step
        y *= keep
        y += row
    ag, al = np.where(ok, y[0], np.nan), np.where(ok, y[1], np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        rsi = 100.0 - 100.0 / (1.0 + ag / al)
    rsi = np.where((al == 0) & (ag > 0), 100.0, rsi)
    return np.where((al == 0) & (ag == 0), np.nan, rsi)


def _beta(r: np.ndarray, b: np.ndarray) -> np.ndarray:
    """cov(r, b) / var(b) per column over the pairs where both are known (as empyrical.beta)."""
    both = ~np.isnan(r) & ~np.isnan(b)
    n = both.sum(axis=0)
    rb, bb = np.where(both, r, 0.0), np.where(both, b, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mb = bb.sum(axis=0) / n
        mr = rb.sum(axis=0) / n
        cov = (np.where(both, (bb - mb) * (rb - mr), 0.0)).sum(axis=0) / n
        var = (np.where(both, (bb - mb) ** 2, 0.0)).sum(axis=0) / n
        beta = cov / var
    # the ticker must have a full year of returns; a few benchmark holes are tolerated
    return np.where(np.isnan(r).any(axis=0) | (n < 2), np.nan, beta)


def compute(panel, tickers: pd.Index, benchmark: str | None = DEFAULT_BENCHMARK,
            as_of=None) -> tuple[dict[str, pd.Series], np.ndarray, pd.Series]:
    """The price metrics of ``tickers`` (see ``_compute``), in blocks of ``CHUNK`` names so the
    working matrices stay small at 50,000 names (every metric is per column)."""
    tickers = pd.Index(tickers)
    if len(tickers) <= CHUNK:
        return _compute(panel, tickers, benchmark, as_of)
    parts = [_compute(panel, tickers[i:i + CHUNK], benchmark, as_of)
             for i in range(0, len(tickers), CHUNK)]
    metrics = {k: pd.concat([p[0][k] for p in parts]) for k in parts[0][0]}
    return metrics, np.concatenate([p[1] for p in parts]), pd.concat([p[2] for p in parts])


def _compute(panel, tickers: pd.Index, benchmark: str | None = DEFAULT_BENCHMARK,
             as_of=None) -> tuple[dict[str, pd.Series], np.ndarray, pd.Series]:
    """The price metrics of ``tickers`` from ``panel`` (already cut at the as-of close;
    ``as_of`` also counts the weekdays after the panel's last day as missed closes).

    Returns (metrics by id, a bool mask of the tickers with a current close in the panel, the
    date of each ticker's last close used). Tickers without one (no prices, or a last close
    older than ``MAX_STALE`` trading days) get NaN metrics and ``False`` in the mask (the
    caller may fall back to a provider's summary for them).
    """
    n_rows = len(panel.dates)
    lo = max(0, n_rows - LOOKBACK)
    col = panel.tickers.get_indexer(tickers)
    present = col >= 0
    take = np.where(present, col, 0)

    same = present.all() and len(col) == len(panel.tickers) and (col == np.arange(len(col))).all()

    def sub(m: np.ndarray) -> np.ndarray:
        if same:  # the panel's columns are the tickers: a view, no copy
            return np.asarray(m[lo:], dtype="float64")
        out = np.take(np.asarray(m[lo:], dtype="float64"), take, axis=1)
        out[:, ~present] = np.nan
        return out

    adj = sub(panel.adj_close)
    depth = min(len(adj), LOOKBACK) if len(adj) else 1
    # the close as traded and the volume on the same (adjusted-close) days
    c, src, cc, cv = _compress(adj, depth, sub(panel.close), sub(panel.volume))
    # trading days between the panel's last day and the as-of date count as missed days too
    gap = 0
    if as_of is not None and n_rows:
        end = np.datetime64(panel.dates[-1].date(), "D")
        gap = max(0, int(np.busday_count(end + 1, np.datetime64(pd.Timestamp(as_of).date(),
                                                                "D") + 1)))
    stale = (src[-1] < 0) | ((len(adj) - 1) - src[-1] + gap > MAX_STALE)
    has = ~stale
    c[:, stale], cc[:, stale], cv[:, stale] = np.nan, np.nan, np.nan

    last = c[-1]
    r = _returns(c)
    r_year = _window(r, YEAR)
    hi_adj, lo_adj = _window(c, YEAR).max(axis=0), _window(c, YEAR).min(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        to_traded = cc[-1] / last  # adjusted -> as traded on the last day
        out = {
            "price": cc[-1],
            "ret_1m": last / _back(c, M1) - 1.0,
            "ret_3m": last / _back(c, M3) - 1.0,
            "ret_6m": last / _back(c, M6) - 1.0,
            "ret_12m": last / _back(c, M12) - 1.0,
            "mom_12_1": _back(c, M1) / _back(c, M12) - 1.0,
            "volatility": r_year.std(axis=0, ddof=1) * np.sqrt(YEAR),
            "high_52w": hi_adj * to_traded,
            "low_52w": lo_adj * to_traded,
            "drawdown_52w": last / hi_adj - 1.0,
            "dist_sma50": last / _window(c, 50).mean(axis=0) - 1.0,
            "dist_sma200": last / _window(c, 200).mean(axis=0) - 1.0,
            "rsi_14": wilder_rsi(_since(c, src, len(adj), RSI_WARMUP)),
            "adv_3m": (_window(cc, M3) * _window(cv, M3)).mean(axis=0),
        }
    out |= _benchmark_metrics(panel, lo, benchmark, c, src, r_year, out["ret_12m"])
    dates = panel.dates[lo:]
    last_date = pd.Series(pd.NaT, index=tickers, dtype="datetime64[ns]")
    live = ~stale
    if live.any():
        last_date[live] = np.asarray(dates[src[-1][live]], dtype="datetime64[ns]")
    series = {k: pd.Series(np.asarray(v, dtype="float64"), index=tickers) for k, v in out.items()}
    return series, has, last_date


def _benchmark_metrics(panel, lo: int, benchmark: str | None, c: np.ndarray, src: np.ndarray,
                       r_year: np.ndarray, ret_12m: np.ndarray) -> dict[str, np.ndarray]:
    """Relative strength and beta vs the benchmark, read on each ticker's own dates."""
    n = c.shape[1]
    nan = np.full(n, np.nan)
    if not benchmark or benchmark not in panel.tickers:
        return {"rel_strength_12m": nan, "beta": nan.copy()}
    bench = np.asarray(panel.adj_close[lo:, panel.tickers.get_loc(benchmark)], dtype="float64")
    b = np.where(src >= 0, bench[np.maximum(src, 0)], np.nan)  # benchmark on the ticker's days
    b_ret = _back(b, 0) / _back(b, M12) - 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = (1.0 + ret_12m) / (1.0 + b_ret) - 1.0
        beta = _beta(r_year, _window(_returns(b), YEAR))
    return {"rel_strength_12m": rel, "beta": beta}
