"""Daily prices of the fictional history, as (days x names) matrices built in one pass.

A name's daily log return is

    beta * market + junk * junk_factor + its sector's shock + an idiosyncratic move,

with the factor paths of ``phases`` (so junk names lead junk rallies and lose most in bears,
quality names lead quality-led legs) and the idiosyncratic part mean-reverting around the
factor path (an Ornstein-Uhlenbeck filter along the day axis, ``phases.ar1``), so
twenty years do not scatter prices over many orders of magnitude. Names that fail slide in
their last year; names taken over jump on the bid about two months before their last day.

Levels are pinned at the end: a name alive today closes its last day at today's snapshot price
(``world``); a departed name at its last price. ``adj_close`` is the total-return price
(dividends reinvested) scaled to equal ``close`` on the last day, as Yahoo adjusts; ``close``
drops by the dividend on each quarterly ex-date. No loop runs over names or days.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from screener.sample.phases import Factors, ar1
from screener.sample.roster import Roster

MEAN_REVERSION_DAYS = 500       # idiosyncratic deviations decay with this time constant
SECTOR_VOL = 0.12               # annual volatility of a sector's own shock
DIVIDEND_PAYERS = 0.6           # share of profitable names paying a dividend
EX_EVERY = 63                   # sessions between ex-dates (quarterly)
FAIL_SLIDE = 1.2                # log decline added over a failing name's last year
TAKEOVER_JUMP = 0.25            # log jump on a takeover bid
TAKEOVER_DAYS = 42              # bid this many sessions before the last day


@dataclass
class Paths:
    dates: pd.DatetimeIndex
    close: np.ndarray       # (D, N) as traded, NaN outside the trading span
    adj_close: np.ndarray   # (D, N) total return, equal to close on the last day
    idio: np.ndarray        # (D,) x (N,): the day's idiosyncratic scale is regime[d] * idio[n]
    regime: np.ndarray
    market_vol: np.ndarray  # (D,) the market factor's daily volatility
    beta: np.ndarray
    dividend: np.ndarray    # (N,) annual yield

    def returns(self, rows: slice = slice(None)) -> np.ndarray:
        """Simple total returns of the days in ``rows`` (NaN on a name's first day)."""
        start = rows.start or 0
        adj = self.adj_close[max(start - 1, 0): rows.stop]
        out = adj[1:] / adj[:-1] - 1
        return out if start else np.vstack([np.full((1, adj.shape[1]), np.nan), out])

    def daily_vol(self, rows: slice) -> np.ndarray:
        return self.regime[rows, None] * self.idio[None, :] \
            + self.market_vol[rows, None] * np.abs(self.beta)[None, :]


def _rounded(p: np.ndarray) -> np.ndarray:
    """Cents, or four decimals under a dollar (as sub-dollar quotes are)."""
    return np.where(p < 1.0, np.round(p, 4), np.round(p, 2))


def simulate(rng: np.random.Generator, ro: Roster, f: Factors) -> Paths:
    """The (days x names) price matrices; a handful of full matrices alive at any time."""
    D, N = len(f.dates), len(ro)
    day = np.arange(D)
    first_i = f.dates.searchsorted(pd.DatetimeIndex(ro.first))
    last_i = f.dates.searchsorted(pd.DatetimeIndex(ro.last))

    sectors, code = np.unique(ro.identity["sector"].to_numpy(dtype=str), return_inverse=True)
    regime = 0.6 + 0.4 * f.vol / np.median(f.vol)
    sector_shock = rng.standard_normal((D, len(sectors))) * (SECTOR_VOL / np.sqrt(252)) \
        * regime[:, None]
    idio = ro.idio / np.sqrt(252)
    phi = 1 - 1 / MEAN_REVERSION_DAYS
    r = rng.standard_normal((D, N))
    r *= regime[:, None]
    r *= idio[None, :]
    r = ar1(r, phi)                                                 # OU deviation
    r[1:] -= r[:-1].copy()                                          # its daily change
    r += np.outer(f.market, ro.beta)
    r += np.outer(f.junk, ro.junk)
    r += sector_shock[:, code]
    # endings, on the departed names' columns only: a slide into failure, or a takeover bid
    gone = np.flatnonzero(~ro.live)
    if len(gone):
        since_end = day[:, None] - last_i[None, gone]
        fail = (ro.reason[gone] == "performance")[None, :]
        acq = ~fail
        sub = r[:, gone]
        sub -= np.where(fail & (since_end > -252) & (since_end <= 0), FAIL_SLIDE / 252, 0.0)
        sub += np.where(acq & (since_end == -TAKEOVER_DAYS), TAKEOVER_JUMP, 0.0)
        sub = np.where(acq & (since_end > -TAKEOVER_DAYS), sub * 0.08, sub)  # near the offer
        r[:, gone] = sub
        del sub, since_end
    logtr = np.cumsum(r, axis=0, out=r)

    profitable = ~ro.unprofitable
    payer = profitable & (rng.random(N) < DIVIDEND_PAYERS)
    yld = np.where(payer, rng.uniform(0.005, 0.035, N), 0.0)
    offset = rng.integers(0, EX_EVERY, N)
    cumdiv = ((day[:, None] + offset[None, :]) % EX_EVERY == 0) * np.log1p(-yld / 4)[None, :]
    np.cumsum(cumdiv, axis=0, out=cumdiv)

    cols = np.arange(N)
    logtr += (np.log(ro.price) - logtr[last_i, cols])[None, :]     # log adj_close
    cumdiv -= cumdiv[last_i, cols][None, :]
    close = np.exp(logtr + cumdiv)
    del logtr, r
    close = np.maximum(_rounded(close), 0.0001)
    # the total-return path through the rounded closes: close / prod(1 - d) of later ex-dates
    np.exp(cumdiv, out=cumdiv)
    adj = np.divide(close, cumdiv, out=cumdiv)
    alive = (day[:, None] >= first_i[None, :]) & (day[:, None] <= last_i[None, :])
    close[~alive] = np.nan
    adj[~alive] = np.nan
    return Paths(f.dates, close, adj, idio, regime, f.vol, ro.beta, yld)


def constant(value: str, n: int) -> pa.Array:
    """A string column holding one value (built as a dictionary, decoded in C++)."""
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, dtype=np.int32)),
                                          pa.array([value])).dictionary_decode()


def take_strings(values, idx: np.ndarray) -> pa.Array:
    """``values[idx]`` as a string column, without a Python string per row."""
    return pa.DictionaryArray.from_arrays(pa.array(np.asarray(idx, dtype=np.int32)),
                                          pa.array(np.asarray(values, dtype=str))
                                          ).dictionary_decode()


def bars(rng: np.random.Generator, p: Paths, ro: Roster, rows: slice,
         source: str) -> pa.Table:
    """Long OHLCV rows for the days in ``rows`` (one year at a time keeps memory flat)."""
    close, adj, vol = p.close[rows], p.adj_close[rows], p.daily_vol(rows)
    if rows.start:
        prev = p.close[rows.start - 1: rows.stop - 1]
    else:
        prev = np.vstack([close[:1], close[:-1]])
    prev = np.where(np.isnan(prev), close, prev)
    shape = close.shape
    open_ = _rounded(prev * np.exp(rng.standard_normal(shape) * 0.3 * vol))
    hi = np.maximum(open_, close) * np.exp(np.abs(rng.standard_normal(shape)) * 0.5 * vol)
    lo = np.minimum(open_, close) * np.exp(-np.abs(rng.standard_normal(shape)) * 0.5 * vol)
    ret = np.nan_to_num(p.returns(rows))
    volume = (ro.shares * ro.turnover)[None, :] * np.exp(0.45 * rng.standard_normal(shape)) \
        * (1 + 12 * np.abs(ret))
    volume = np.maximum(np.round(volume, -2), 100.0)
    keep = ~np.isnan(close)
    d_idx, n_idx = np.nonzero(keep)
    dates = p.dates[rows][d_idx].to_numpy("datetime64[D]")
    return pa.table({
        "ticker": take_strings(ro.tickers, n_idx), "date": pa.array(dates, pa.date32()),
        "open": open_[keep], "high": _rounded(hi)[keep], "low": _rounded(lo)[keep],
        "close": close[keep], "adj_close": adj[keep], "volume": volume[keep],
        "source": constant(source, len(d_idx)),
    })
