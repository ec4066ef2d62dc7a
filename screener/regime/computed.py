"""Series computed from our own history (prices, memberships, estimate snapshots), stored in the
``macro`` dataset (``source = computed``, released on the day they describe) so the panel
reads every input the same way and a warm store answers without reloading prices.

Members on a date are the universe's snapshot in force then (``memberships``; every stored
non-benchmark ticker when no snapshot is stored). Per date, over members with a price:

- ``breadth_50d`` / ``breadth_200d``: share whose adjusted close is above its 50/200-day mean
  (members with fewer days than the window are left out);
- ``highs_lows_52w``: (members closing at a 252-day high - at a 252-day low) / members;
- ``advancers``: (up - down) / members, on the day's change of the adjusted close;
- ``iwm_spy``, ``ijr_iwm``: ratios of the benchmarks' adjusted closes;
- ``iwm_spy_breakout``: ``iwm_spy`` / its maximum over the prior 252 trading days - 1
  (> 0: a breakout above the prior high);
- ``revision_breadth``: (sum of up - sum of down revisions over 30 days) / (up + down) over
  the members' newest estimate snapshots of each snapshot date;
- ``refi_wall_share``, ``median_pe``: at quarter ends, from statements as first filed
  (``computed_statements``).

Member-based series are stored per universe as ``<id>:<universe>``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from screener.history.prices import PricePanel

MEMBER_SERIES = ("breadth_50d", "breadth_200d", "highs_lows_52w", "advancers",
                 "revision_breadth", "refi_wall_share", "median_pe")
BENCH_SERIES = ("iwm_spy", "iwm_spy_breakout", "ijr_iwm")
COMPUTED = MEMBER_SERIES + BENCH_SERIES
LOOKBACK_DAYS = 420  # 252 trading days + margin, for 200-day and 52-week windows
SOURCE = "computed"


def stored_id(series: str, universe: str | None) -> str:
    return f"{series}:{universe}" if series in MEMBER_SERIES and universe else series


def member_mask(memberships: pd.DataFrame, dates: pd.DatetimeIndex, tickers: pd.Index
                ) -> np.ndarray | None:
    """(dates x tickers) True where the ticker is in the snapshot in force on the date."""
    if memberships is None or memberships.empty:
        return None
    snaps = pd.DatetimeIndex(sorted(memberships["as_of"].unique()))
    mat = np.zeros((len(snaps), len(tickers)), dtype=bool)
    r = snaps.get_indexer(memberships["as_of"])
    c = tickers.get_indexer(memberships["ticker"])
    ok = c >= 0
    mat[r[ok], c[ok]] = True
    which = snaps.searchsorted(dates, side="right") - 1
    out = np.zeros((len(dates), len(tickers)), dtype=bool)
    has = which >= 0
    out[has] = mat[which[has]]
    return out


def _share(flag: np.ndarray, valid: np.ndarray) -> np.ndarray:
    n = valid.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, (flag & valid).sum(axis=1) / n, np.nan)


def breadth(px: pd.DataFrame, mask: np.ndarray | None) -> pd.DataFrame:
    """The member-based price series, one row per date of ``px`` (adjusted closes)."""
    a = px.to_numpy(dtype="float64")
    members = np.ones(a.shape, bool) if mask is None else mask
    have = members & np.isfinite(a)
    out = {}
    for n in (50, 200):
        ma = px.rolling(n, min_periods=n).mean().to_numpy()
        ok = have & np.isfinite(ma)
        out[f"breadth_{n}d"] = _share(a > ma, ok)
    hi = px.rolling(252, min_periods=252).max().to_numpy()
    lo = px.rolling(252, min_periods=252).min().to_numpy()
    ok = have & np.isfinite(hi)
    n = ok.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["highs_lows_52w"] = np.where(n > 0, ((a >= hi) & ok).sum(axis=1) / n
                                         - ((a <= lo) & ok).sum(axis=1) / n, np.nan)
    prev = np.vstack([np.full((1, a.shape[1]), np.nan), a[:-1]])
    ok = have & np.isfinite(prev)
    n = ok.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["advancers"] = np.where(n > 0, ((a > prev) & ok).sum(axis=1) / n
                                    - ((a < prev) & ok).sum(axis=1) / n, np.nan)
    return pd.DataFrame(out, index=px.index)


def benchmark_series(panel: PricePanel, benchmarks: dict[str, str]) -> pd.DataFrame:
    small, large, quality = (benchmarks.get(k) for k in ("small", "large", "quality"))
    out = pd.DataFrame(index=panel.dates)
    have = set(panel.tickers)
    if small in have and large in have:
        r = panel.column(small) / panel.column(large)
        out["iwm_spy"] = r
        prior = r.shift(1).rolling(252, min_periods=252).max()
        out["iwm_spy_breakout"] = r / prior - 1.0
    if quality in have and small in have:
        out["ijr_iwm"] = panel.column(quality) / panel.column(small)
    return out


def revision_breadth(estimates: pd.DataFrame, memberships: pd.DataFrame | None) -> pd.Series:
    if estimates is None or estimates.empty:
        return pd.Series(dtype="float64", name="revision_breadth")
    e = estimates.dropna(subset=["up_30d", "down_30d"], how="all")
    if memberships is not None and not memberships.empty:
        dates = pd.DatetimeIndex(e["as_of"])
        snaps = pd.DatetimeIndex(sorted(memberships["as_of"].unique()))
        which = snaps.searchsorted(dates, side="right") - 1
        snap_of = np.where(which >= 0, snaps[np.maximum(which, 0)].to_numpy(),
                           np.datetime64("NaT"))
        keys = set(zip(memberships["as_of"].to_numpy("datetime64[ns]"), memberships["ticker"]))
        keep = [(s, t) in keys for s, t in zip(snap_of.astype("datetime64[ns]"), e["ticker"])]
        e = e[np.array(keep, dtype=bool)]
    g = e.groupby("as_of")[["up_30d", "down_30d"]].sum(min_count=1)
    tot = g["up_30d"] + g["down_30d"]
    s = ((g["up_30d"] - g["down_30d"]) / tot.where(tot > 0)).dropna()
    s.index = pd.DatetimeIndex(s.index)
    return s.rename("revision_breadth")


def _long(frame: pd.DataFrame, universe: str | None) -> pd.DataFrame:
    parts = []
    for col in frame.columns:
        s = frame[col].dropna()
        parts.append(pd.DataFrame({"series": stored_id(col, universe), "date": s.index,
                                   "value": s.to_numpy(), "released": s.index,
                                   "source": SOURCE}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["series", "date", "value", "released", "source"])


def newest_date(store, dataset: str) -> pd.Timestamp | None:
    """The newest ``time`` date of a dataset, reading only its newest year's file."""
    from screener.history.schema import spec

    files = store.files(dataset)
    if not files:
        return None
    col = spec(dataset).time
    got = store._connect().execute(f'SELECT max("{col}") FROM read_parquet(?)',
                                   [str(files[-1])]).fetchone()[0]
    return pd.Timestamp(got) if got is not None else None


def refresh_computed(store, universe: str | None, benchmarks: dict[str, str],
                     end=None) -> int:
    """Compute the stored series past their newest stored date (all of history the first
    time); returns rows written. Cheap when up to date: one small scan per dataset."""
    end = pd.Timestamp(end) if end is not None else None
    have = store.latest("macro", by="series")
    newest_price = newest_date(store, "prices")
    if newest_price is None:
        return 0
    if end is not None:
        newest_price = min(newest_price, end)
    anchor = stored_id("breadth_50d", universe)  # written on every refresh with prices
    since = have.get(anchor) if anchor in have.index else None
    if since is not None and since >= newest_price:
        return 0
    mem = store.read("memberships", where={"universe": [universe]}, end=newest_price) \
        if universe else pd.DataFrame()
    bench = [b for b in benchmarks.values() if b]
    if len(mem):
        tickers = list(pd.unique(mem["ticker"]))
    else:
        tickers = [t for t in store.latest("prices").index if t not in set(bench)]
    start = since - pd.Timedelta(days=LOOKBACK_DAYS) if since is not None else None
    panel = PricePanel.load(store, tickers + [b for b in bench if b not in set(tickers)],
                            start, newest_price)
    if panel.empty:
        return 0
    members = pd.Index(tickers)
    px = panel.frame("adj_close")[members]
    mask = member_mask(mem, panel.dates, members)
    frame = breadth(px, mask).join(benchmark_series(panel, benchmarks))
    est = store.read("estimates", tickers=tickers, end=newest_price,
                     start=since, columns=["ticker", "as_of", "up_30d", "down_30d"])
    rev = revision_breadth(est, mem if len(mem) else None)
    rows = [_long(frame, universe)]
    if len(rev):
        rows.append(_long(rev.to_frame(), universe))
    from screener.regime.computed_statements import statement_series

    anchor_q = stored_id("median_pe", universe)
    since_q = have.get(anchor_q) if anchor_q in have.index else None
    stq = statement_series(store, panel, tickers, mem if len(mem) else None,
                           since_q, newest_price)
    if len(stq):
        rows.append(_long(stq, universe))
    out = pd.concat(rows, ignore_index=True)
    if since is not None:   # the statement series carry their own start (quarter ends)
        stmt = out["series"].isin([stored_id(s, universe) for s in
                                   ("refi_wall_share", "median_pe")])
        out = out[stmt | (out["date"] > since)]
    return store.write("macro", out) if len(out) else 0
