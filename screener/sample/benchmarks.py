"""The three benchmark funds of the fictional history, under the tickers the product expects.

- ``IWM`` (Russell-like): the cap-weighted daily return of the fictional ``russell2000``
  members in force that day, less a small fee;
- ``IJR`` (S&P-600-like): the same over the fictional ``sp600`` members (profitable when
  admitted, so it lags in junk rallies and holds up better in bears);
- ``SPY`` (large caps): a calmer path with less market beta and a tilt against junk.

Each pays a quarterly dividend (``close`` drops on the ex-date, ``adj_close`` does not) and ends
at a fixed, invented price. They are fictional like everything else in the sample.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from screener.sample.phases import Factors
from screener.sample.prices import Paths, _rounded, constant

BENCHMARKS = {  # ticker: (last close, dividend yield, daily volume)
    "IWM": (245.10, 0.012, 30e6),
    "IJR": (118.40, 0.014, 4e6),
    "SPY": (672.30, 0.013, 70e6),
}
FEE = 0.002


def _index_return(p: Paths, shares: np.ndarray, snap_rows: np.ndarray,
                  members: np.ndarray, block: int = 512) -> np.ndarray:
    """Cap-weighted simple return of the members in force each day (weights: prior close).

    The snapshot taken at a day's close applies from the next day on.
    """
    D = len(p.dates)
    out = np.zeros(D)
    for s in range(1, D, block):                       # blocks of days keep memory flat
        rows = slice(s, min(s + block, D))
        day = np.arange(rows.start, rows.stop)
        k = np.clip(np.searchsorted(snap_rows, day, side="left") - 1, 0, None)
        cap_prev = p.close[rows.start - 1: rows.stop - 1] * shares
        ret = p.returns(rows)
        w = np.where(members[k] & ~np.isnan(cap_prev) & ~np.isnan(ret), cap_prev, 0.0)
        tot = w.sum(axis=1)
        out[rows] = np.where(tot > 0, (w * np.nan_to_num(ret)).sum(axis=1)
                             / np.where(tot > 0, tot, 1), 0.0)
    return out


def benchmark_table(rng: np.random.Generator, p: Paths, f: Factors, shares: np.ndarray,
                    snap_rows: np.ndarray, r: np.ndarray, sp: np.ndarray,
                    source: str) -> pa.Table:
    D = len(p.dates)
    spy = np.expm1(0.8 * f.market - 0.25 * f.junk + 0.0002
                   + rng.standard_normal(D) * 0.004 * f.vol / np.median(f.vol))
    spy[0] = 0.0
    series = {"IWM": _index_return(p, shares, snap_rows, r),
              "IJR": _index_return(p, shares, snap_rows, sp), "SPY": spy}
    parts = []
    day = np.arange(D)
    for ticker, ret in series.items():
        last, yld, vol = BENCHMARKS[ticker]
        log_tr = np.cumsum(np.log1p(ret - FEE / 252))
        ex = (day % 63) == 40
        cumdiv = np.cumsum(np.where(ex, np.log1p(-yld / 4), 0.0))
        close = _rounded(last * np.exp(log_tr - log_tr[-1] + cumdiv - cumdiv[-1]))
        adj = close / np.exp(cumdiv - cumdiv[-1])
        prev = np.r_[close[0], close[:-1]]
        scale = 0.3 * f.vol
        open_ = _rounded(prev * np.exp(rng.standard_normal(D) * scale))
        hi = _rounded(np.maximum(open_, close) * np.exp(np.abs(rng.standard_normal(D)) * scale))
        lo = _rounded(np.minimum(open_, close) * np.exp(-np.abs(rng.standard_normal(D)) * scale))
        volume = np.round(vol * np.exp(0.3 * rng.standard_normal(D)) * (1 + 20 * np.abs(ret)), -2)
        parts.append(pa.table({
            "ticker": constant(ticker, D),
            "date": pa.array(p.dates.to_numpy("datetime64[D]"), pa.date32()),
            "open": open_, "high": hi, "low": lo, "close": close, "adj_close": adj,
            "volume": volume, "source": constant(source, D),
        }))
    return pa.concat_tables(parts)
