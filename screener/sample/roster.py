"""Who traded when in the fictional history: today's names plus the names that left.

Today's world (``world.build``) holds the ``n`` names trading on the last day. The history adds
about a third as many names that listed and later stopped trading: delisted after a long
decline (``performance``) or taken over (``acquired``). Their economics come from a second,
independent fictional world; tickers and stems that clash with today's names are dropped, so a
ticker always means one company.

Every name gets a trading span (first and last day), a market beta, a junk exposure (how much
of the junk-minus-quality factor it carries: high for loss-makers, levered, shorted names, low
for profitable, cash-rich ones; from the same traits that drive its statements, so a screen's
quality score measured from the facts sees it) and an idiosyncratic volatility.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from screener.sample.phases import phase_of, phase_table
from screener.sample.world import World, build

GONE_SHARE = 0.35          # names that stopped trading, per name alive today
LISTED_AT_START = 0.55     # share of today's names already trading when the history starts
PERFORMANCE_IF_LOSS = 0.8  # chance a leaving loss-maker leaves by failing (else acquired)
PERFORMANCE_IF_PROFIT = 0.25
IDENTITY_COLUMNS = ["name", "sector", "industry", "exchange"]


@dataclass
class Roster:
    tickers: pd.Index                # all names, today's first then the departed
    identity: pd.DataFrame           # name, sector, industry, exchange, live (index ticker)
    live: np.ndarray                 # trades on the last day
    group: np.ndarray                # membership group (see names.assign_memberships)
    first: np.ndarray                # first trading day, datetime64[D]
    last: np.ndarray                 # last trading day, datetime64[D]
    reason: np.ndarray               # '' (live), 'performance', 'acquired'
    fiscal_month: np.ndarray         # month (1-12) the fiscal year ends in
    last_fy: np.ndarray              # calendar year of the latest fiscal year in ``lines``
    lines: dict[str, np.ndarray]     # the world's 5 complete fiscal years, (N, 5)
    price: np.ndarray                # today's price (live) or the world price (departed)
    shares: np.ndarray
    turnover: np.ndarray             # daily volume / shares outstanding
    beta: np.ndarray
    junk: np.ndarray                 # exposure to the junk factor, in [-1, 1]
    idio: np.ndarray                 # idiosyncratic annual volatility
    unprofitable: np.ndarray
    short: np.ndarray
    in_russell2000: np.ndarray       # today's flags (False for the departed)
    in_sp600: np.ndarray
    ladder: dict[str, np.ndarray]    # the latest world year's maturity ladder, (N,)
    has_ladder: np.ndarray           # files a maturity ladder at all
    float_share: np.ndarray          # float shares / shares outstanding

    def __len__(self) -> int:
        return len(self.tickers)


def _rank01(x: np.ndarray) -> np.ndarray:
    """Ranks scaled to [-1, 1]."""
    r = np.argsort(np.argsort(x, kind="stable"), kind="stable")
    return 2 * r / max(len(x) - 1, 1) - 1


def _junk_score(w: World, rng: np.random.Generator) -> np.ndarray:
    """Low quality, from the latest fiscal year: losses, leverage, low returns, shorts, beta."""
    ln = w.lines
    with np.errstate(divide="ignore", invalid="ignore"):
        roa = ln["net_income"][:, -1] / ln["total_assets"][:, -1]
        lev = ln["total_debt"][:, -1] / ln["total_assets"][:, -1]
    z = lambda a: (a - np.nanmean(a)) / (np.nanstd(a) or 1.0)
    roa, lev = np.nan_to_num(roa), np.nan_to_num(lev)
    raw = (1.2 * w.traits.unprofitable - 0.6 * z(np.clip(roa, -1, 0.5)) + 0.5 * z(lev)
           + 0.4 * z(w.market["short_pct_float"]) + 0.4 * z(w.market["beta"])
           + 0.5 * rng.standard_normal(len(roa)))
    return _rank01(raw)


def _fiscal_month(w: World) -> np.ndarray:
    return pd.DatetimeIndex(w.period_ends[:, -1]).month.to_numpy()


def _day_draw(rng, days: pd.DatetimeIndex, weights: np.ndarray, lo: np.ndarray,
              hi: np.ndarray) -> np.ndarray:
    """One day per name between ``lo`` and ``hi`` (indexes into ``days``), with day weights."""
    cw = np.concatenate([[0.0], np.cumsum(weights)])
    u = cw[lo] + rng.random(len(lo)) * (cw[hi] - cw[lo])
    return np.clip(np.searchsorted(cw, u, side="right") - 1, lo, hi - 1)


def make_roster(seed: int, n: int, as_of: date, days: pd.DatetimeIndex) -> Roster:
    live_w = build(seed, n, as_of)
    n_gone = round(GONE_SHARE * n)
    gone_w = build(seed + 7919, round(n_gone * 1.7) + 10, as_of) if n_gone else None
    rng = np.random.default_rng([seed, 12])
    if gone_w is not None:
        clash = (gone_w.identity.index.isin(live_w.identity.index)
                 | gone_w.identity["name"].str.split(" ").str[0].isin(
                     live_w.identity["name"].str.split(" ").str[0]))
        keep = np.flatnonzero(~clash)
        keep = np.sort(rng.permutation(keep)[:n_gone])
    else:
        keep = np.array([], dtype=np.int64)
    n_gone = len(keep)
    worlds = [(live_w, np.arange(n))] + ([(gone_w, keep)] if n_gone else [])

    def cat(f):
        return np.concatenate([f(w)[idx] for w, idx in worlds])

    tickers = pd.Index(cat(lambda w: w.identity.index.to_numpy(dtype=object)), name="ticker")
    identity = pd.concat([w.identity.iloc[idx][IDENTITY_COLUMNS] for w, idx in worlds])
    live = np.arange(len(tickers)) < n
    identity["live"] = live
    lines = {k: np.concatenate([w.lines[k][idx] for w, idx in worlds]) for k in live_w.lines}
    D = len(days)

    # trading spans: today's names trade to the end, some listed later; the departed leave
    # mostly in and after bear markets (performance) or any time (acquired)
    first_i = np.zeros(len(tickers), dtype=np.int64)
    ipo = rng.random(len(tickers)) > LISTED_AT_START
    first_i[ipo] = rng.integers(0, max(D - 260, 1), ipo.sum())
    # today's recent listings (three fiscal years in the demo) listed during the first
    recent = live & (cat(lambda w: w.traits.first_year) > 0)
    if recent.any():
        first_fy = cat(lambda w: w.traits.first_year)[recent]
        listed_year = live_w.fiscal_labels[np.flatnonzero(recent), first_fy]
        lo = days.searchsorted(pd.to_datetime({"year": listed_year, "month": 4, "day": 1}))
        hi = days.searchsorted(pd.to_datetime({"year": listed_year, "month": 12, "day": 31}))
        first_i[recent] = np.minimum(lo + (rng.random(recent.sum()) * (hi - lo)).astype(int),
                                     D - 1)
    last_i = np.full(len(tickers), D - 1, dtype=np.int64)
    unprof = cat(lambda w: w.traits.unprofitable)
    reason = np.where(live, "", "acquired").astype(object)
    if n_gone:
        g = ~live
        p_perf = np.where(unprof[g], PERFORMANCE_IF_LOSS, PERFORMANCE_IF_PROFIT)
        perf = rng.random(n_gone) < p_perf
        reason[g] = np.where(perf, "performance", "acquired")
        kind = phase_table()["kind"].to_numpy()[phase_of(days)]
        bad = np.isin(kind, ["bear", "grind"])
        lo = np.minimum(first_i[g] + 300, D - 25)
        w_perf = np.where(bad, 4.0, 1.0)
        w_acq = np.where(bad, 0.5, 1.0)
        d_perf = _day_draw(rng, days, w_perf, lo, np.full(n_gone, D - 20))
        d_acq = _day_draw(rng, days, w_acq, lo, np.full(n_gone, D - 20))
        last_i[g] = np.where(perf, d_perf, d_acq)
    fm = cat(_fiscal_month)
    last_day = days[last_i]
    # latest fiscal year whose 10-K (filed ~90 days after year end) came out before the last day
    fy = last_day.year.to_numpy() - (last_day.month.to_numpy() < fm).astype(int)
    fy_end = pd.to_datetime({"year": fy, "month": fm, "day": 1}) + pd.offsets.MonthEnd(0)
    fy = np.where(fy_end.to_numpy() + np.timedelta64(90, "D") > last_day.to_numpy(), fy - 1, fy)
    last_fy = np.where(live, cat(lambda w: w.fiscal_labels[:, -1]), fy)

    mk = {k: cat(lambda w, k=k: w.market[k]) for k in ("price", "shares_outstanding", "beta",
                                                       "short_pct_float", "volatility_1y",
                                                       "adv_3m_usd", "market_cap",
                                                       "float_shares")}
    junk = cat(lambda w: _junk_score(w, rng))
    mvol = 0.22
    idio = np.sqrt(np.clip(mk["volatility_1y"] ** 2 - (mk["beta"] * mvol) ** 2, 0.12 ** 2, None))
    turnover = mk["adv_3m_usd"] / mk["market_cap"]
    price = mk["price"].copy()
    if n_gone:
        g = ~live
        price[g] = np.where(reason[g] == "performance",
                            np.clip(price[g] * rng.uniform(0.03, 0.15, n_gone), 0.12, 2.5),
                            price[g] * rng.uniform(1.2, 1.45, n_gone))
    return Roster(
        tickers=tickers, identity=identity.set_index(tickers), live=live,
        group=cat(lambda w: w.traits.group), first=days[first_i].to_numpy("datetime64[D]"),
        last=last_day.to_numpy("datetime64[D]"), reason=reason, fiscal_month=fm,
        last_fy=last_fy.astype(np.int64), lines=lines, price=price,
        shares=mk["shares_outstanding"], turnover=turnover, beta=mk["beta"], junk=junk,
        idio=idio, unprofitable=unprof, short=mk["short_pct_float"],
        in_russell2000=np.where(live, cat(lambda w: w.identity["in_russell2000"].to_numpy()),
                                False),
        in_sp600=np.where(live, cat(lambda w: w.identity["in_sp600"].to_numpy()), False),
        ladder={k: cat(lambda w, k=k: w.ladder[k]) for k in live_w.ladder},
        has_ladder=cat(lambda w: w.has_ladder),
        float_share=mk["float_shares"] / mk["shares_outstanding"],
    )
