"""Factor statistics per date, vectorised over a (dates x names) matrix, with alphalens'
definitions (tests check equality with alphalens-reloaded on the same input):

- **quantile** of a name on a date: ``pd.qcut(values, N, labels=False) + 1`` over the names with
  both a factor value and a forward return that date (edges by linear interpolation, bins closed
  on the right; alphalens ``quantize_factor``). Where ties make two edges equal, alphalens drops
  the date; we keep it and put tied names in the lowest bin that holds their value (some bins
  are then empty), and count such dates.
- **mean return by quantile** per date (alphalens ``mean_return_by_quantile(by_date=True,
  demeaned=False)``), the **top-minus-bottom spread**;
- **rank IC** per date: Spearman correlation of factor and forward return (alphalens
  ``factor_information_coefficient``), with its mean, t-statistic (mean / std x sqrt(n), as
  ``scipy.stats.ttest_1samp``) and hit rate (share of dates with IC > 0);
- **turnover** of the top and bottom quantiles (alphalens ``quantile_turnover``: the share of
  a quantile's names that were not in it at the previous date).

One difference, on purpose: alphalens drops a (date, name) row when *any* horizon's return is
missing; here each horizon keeps every row it can use, so the 1-month figures of the last year
are not lost to the 12-month horizon.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


def quantiles(f: np.ndarray, valid: np.ndarray, n: int,
              sorted_rows: tuple[np.ndarray, np.ndarray] | None = None
              ) -> tuple[np.ndarray, np.ndarray]:
    """(quantile 1..n or 0 where not valid, per-row flag: tied edges).

    ``sorted_rows``: ``_sort_rows`` of ``where(valid, f, NaN)`` when the caller has it."""
    x = np.where(valid, f, np.nan)
    q = np.zeros(x.shape, dtype=np.int16)
    tied = np.zeros(x.shape[0], dtype=bool)
    k = valid.sum(axis=1)
    rows = np.flatnonzero(k > 0)
    if not len(rows):
        return q, tied
    s = (sorted_rows if sorted_rows is not None else _sort_rows(x))[1]
    edges = nan_quantile_edges(s[rows], k[rows], np.linspace(0, 1, n + 1))  # (rows, n+1)
    tied[rows] = (np.diff(edges, axis=1) == 0).any(axis=1)
    # searchsorted(inner edges, value, side="left") + 1: one plus the inner edges below it
    inner = edges[:, 1:-1]
    xr = x[rows]
    below = np.zeros(xr.shape, dtype=np.int16)
    for j in range(inner.shape[1]):
        below += inner[:, j:j + 1] < xr
    q[rows] = np.where(valid[rows], below + 1, 0)
    return q, tied


def nan_quantile_edges(s: np.ndarray, k: np.ndarray, qs: np.ndarray) -> np.ndarray:
    """``np.nanquantile(x, qs, axis=1).T`` (method "linear") from the rows of ``x`` sorted
    with NaN last (``s``) and their counts of values (``k`` >= 1), for every row at once:
    numpy's own steps per row (virtual index (k - 1) q, its floor and the next index, the
    last value above the bounds, and its two-sided interpolation), so the edges are equal to
    numpy's bit for bit; numpy applies them one row at a time."""
    vi = (k - 1)[:, None] * qs[None, :]
    prev = np.floor(vi)
    nxt = prev + 1
    above = vi >= (k - 1)[:, None]
    prev[above] = -1
    nxt[above] = -1
    prev_i, next_i = prev.astype(np.intp), nxt.astype(np.intp)
    last = (k - 1)[:, None]
    rows = np.arange(len(s))[:, None]
    a = s[rows, np.where(prev_i < 0, last, prev_i)]
    b = s[rows, np.where(next_i < 0, last, next_i)]
    gamma = vi - prev_i
    diff_b_a = b - a
    out = a + diff_b_a * gamma
    high = gamma >= 0.5
    out[high] = (b - diff_b_a * (1 - gamma))[high]
    return out


def _sort_rows(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(argsort of each row, the sorted rows): NaN last."""
    order = np.argsort(x, axis=1)
    return order, np.take_along_axis(x, order, axis=1)


def average_ranks(x: np.ndarray, sorted_rows: tuple[np.ndarray, np.ndarray] | None = None
                  ) -> np.ndarray:
    """Ranks 1..k of the non-NaN entries of each row, ties averaged (scipy ``rankdata``'s
    'average' method, NaN kept NaN), for every row at once: one sort, two bincounts."""
    d, n = x.shape
    if not x.size:
        return x.astype("float64")
    # NaN sort last; ties need no order (grouped below)
    order, s = sorted_rows if sorted_rows is not None else _sort_rows(x)
    new = np.ones(s.shape, dtype=bool)
    new[:, 1:] = s[:, 1:] != s[:, :-1]  # NaN != NaN: each NaN its own group (dropped below)
    gid = np.cumsum(new.ravel()) - 1
    pos = np.tile(np.arange(1, n + 1, dtype="float64"), d)
    avg = (np.bincount(gid, weights=pos) / np.bincount(gid))[gid].reshape(d, n)
    ranks = np.empty((d, n))
    np.put_along_axis(ranks, order, avg, axis=1)
    ranks[np.isnan(x)] = np.nan
    return ranks


def spearman_rows(f: np.ndarray, r: np.ndarray, valid: np.ndarray,
                  sorted_f: tuple[np.ndarray, np.ndarray] | None = None,
                  sorted_r: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Spearman correlation per row over the valid entries (NaN with fewer than 2)."""
    a = average_ranks(np.where(valid, f, np.nan), sorted_f)
    b = average_ranks(np.where(valid, r, np.nan), sorted_r)
    cnt = valid.sum(axis=1)
    with np.errstate(all="ignore"):
        am = np.nansum(a, axis=1) / cnt
        bm = np.nansum(b, axis=1) / cnt
        da = np.where(valid, a - am[:, None], 0.0)
        db = np.where(valid, b - bm[:, None], 0.0)
        ic = (da * db).sum(axis=1) / np.sqrt((da * da).sum(axis=1) * (db * db).sum(axis=1))
    ic[cnt < 2] = np.nan
    return ic


def bucket_means(q: np.ndarray, r: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(mean return, count) per (row, quantile)."""
    d = q.shape[0]
    m = q > 0
    rows = np.broadcast_to(np.arange(d)[:, None], q.shape)[m]
    key = rows * n + (q[m].astype(np.int64) - 1)
    cnt = np.bincount(key, minlength=d * n).reshape(d, n)
    tot = np.bincount(key, weights=r[m], minlength=d * n).reshape(d, n)
    with np.errstate(all="ignore"):
        return tot / cnt, cnt


def turnover(q: np.ndarray, quantile: int) -> np.ndarray:
    """Share of a quantile's names that were not in it at the previous row (NaN first row)."""
    inq = q == quantile
    out = np.full(q.shape[0], np.nan)
    if q.shape[0] > 1:
        new = (inq[1:] & ~inq[:-1]).sum(axis=1)
        size = inq[1:].sum(axis=1)
        with np.errstate(all="ignore"):
            out[1:] = np.where(size > 0, new / size, np.nan)
    return out


@dataclass
class FactorStats:
    """One factor at one horizon: per-date tables and the summary line."""

    factor: str
    horizon: str
    per_date: pd.DataFrame  # index date: q1..qN, spread, ic, names, turnover_top, turnover_bottom
    summary: dict


def sort_base(x: np.ndarray, base: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``_sort_rows(where(base, x, NaN))``: sort once, then ``restrict_sorted`` to any
    subset of ``base`` (the factor once for every horizon, the returns once for every
    factor)."""
    return _sort_rows(np.where(base, x, np.nan))


def restrict_sorted(sorted_base: tuple[np.ndarray, np.ndarray], x: np.ndarray,
                    keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows of ``where(keep, x, NaN)`` sorted (NaN last) from ``sort_base(x, base)`` with
    ``keep`` within ``base``: the kept entries moved to the front in their sorted order by a
    stable sort of one flag. The sorted values are the same as sorting again; only the order
    among equal values and among NaN may differ, which ranks (ties averaged) and quantile
    edges do not see."""
    order_base = sorted_base[0]
    kept = np.take_along_axis(keep, order_base, axis=1)
    order = np.take_along_axis(order_base, np.argsort(~kept, axis=1, kind="stable"), axis=1)
    s = np.where(np.take_along_axis(keep, order, axis=1),
                 np.take_along_axis(x, order, axis=1), np.nan)
    return order, s


def factor_stats(name: str, horizon: str, dates: pd.DatetimeIndex, f: np.ndarray,
                 r: np.ndarray, n_buckets: int, universe: np.ndarray,
                 higher_better: bool = True, *, sorted_f=None, sorted_r=None) -> FactorStats:
    """Statistics of factor ``f`` against forward returns ``r`` (both dates x names).

    ``universe`` (bool, same shape) marks the names the factor is judged on at each date
    (eligible names); rows outside it, or without a value or a return, are left out and
    counted. ``higher_better`` only orients the spread (best minus worst quantile).
    ``sorted_f`` / ``sorted_r``: ``sort_base`` of ``f`` over ``universe & isfinite(f)`` and
    of ``r`` over ``isfinite(r)``, when the caller reuses them across horizons / factors.
    """
    has_f = universe & np.isfinite(f)
    has_r = universe & np.isfinite(r)
    valid = has_f & has_r
    # one sort of each side for both the quantile edges and the ranks
    sf = restrict_sorted(sorted_f, f, valid) if sorted_f is not None \
        else _sort_rows(np.where(valid, f, np.nan))
    sr = restrict_sorted(sorted_r, r, valid) if sorted_r is not None else None
    q, tied = quantiles(f, valid, n_buckets, sf)
    means, _ = bucket_means(q, np.where(valid, r, 0.0), n_buckets)
    ic = spearman_rows(f, r, valid, sf, sr)
    top, bottom = (n_buckets, 1) if higher_better else (1, n_buckets)
    spread = means[:, top - 1] - means[:, bottom - 1]
    n_universe, with_value = universe.sum(axis=1), has_f.sum(axis=1)
    with np.errstate(all="ignore"):
        coverage = np.where(n_universe > 0, with_value / n_universe, np.nan)
    per = pd.DataFrame({**{f"q{j + 1}": means[:, j] for j in range(n_buckets)},
                        "spread": spread, "ic": ic, "universe": n_universe,
                        "with_value": with_value, "names": valid.sum(axis=1),
                        "coverage": coverage, "turnover_top": turnover(q, top),
                        "turnover_bottom": turnover(q, bottom), "tied_edges": tied},
                       index=pd.DatetimeIndex(dates, name="date"))
    ics = per["ic"].dropna()
    n_ic = len(ics)
    sd = ics.std(ddof=1) if n_ic > 1 else np.nan
    total = int(universe.sum())
    summary = {
        "factor": name, "horizon": horizon, "dates": int((per["names"] > 0).sum()),
        "first": dates.min() if len(dates) else pd.NaT,
        "last": dates.max() if len(dates) else pd.NaT,
        **{f"q{j + 1}": float(np.nanmean(means[:, j])) if np.isfinite(means[:, j]).any()
           else np.nan for j in range(n_buckets)},
        "spread": float(np.nanmean(spread)) if np.isfinite(spread).any() else np.nan,
        "ic_mean": float(ics.mean()) if n_ic else np.nan,
        "ic_t": float(ics.mean() / sd * np.sqrt(n_ic)) if n_ic > 1 and sd > 0 else np.nan,
        "ic_hit_rate": float((ics > 0).mean()) if n_ic else np.nan,
        "names_per_date": float(per.loc[per["names"] > 0, "names"].mean())
        if (per["names"] > 0).any() else 0.0,
        "coverage": float(has_f.sum() / total) if total else np.nan,
        "rows": total, "kept": int(valid.sum()),
        "dropped_no_value": int((universe & ~has_f).sum()),
        "dropped_no_return": int((has_f & ~has_r).sum()),
        "tied_dates": int(tied.sum()),
        "turnover_top": float(np.nanmean(per["turnover_top"]))
        if np.isfinite(per["turnover_top"]).any() else np.nan,
    }
    return FactorStats(name, horizon, per, summary)
