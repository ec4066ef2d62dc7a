"""``PointInTime``: load a date range's history once, then a ``RawBundle`` per date.

``load`` reads, with one DuckDB scan per dataset: the membership snapshots of the universes up
to ``end``; the statement facts of every name that was a member at some point in the range
(known by ``end``, with enough look-back for six TTM windows), derived once into quarters
(``history.asof.QuarterTable``); estimate snapshots; delistings; and the daily prices of the
members and the benchmarks from ``start`` minus a look-back (for 12-month and 52-week windows).

``bundle(d)`` then assembles, with nothing known after ``d``:

- identity + ``in_<universe>`` flags from the membership snapshot in force on ``d`` (the
  newest snapshot dated on or before ``d``; names that left the index keep their history but
  are not members after they left);
- statements: TTM flows and MRQ balances from facts first filed on or before ``d``
  (``annual``: the fiscal years, for Piotroski/Altman and the ``_fy`` ids);
- estimates: each name's newest snapshot taken on or before ``d`` (at most 120 days old);
- market: the last close on or before ``d`` (``as_of`` = that day), shares outstanding from
  the latest balance sheet filed by ``d``, market cap = close x shares, short interest from
  the newest settlement published by ``d``;
- ladder: debt maturities at the latest period end a filing on or before ``d`` reported,
  each value as first filed;
- ``prices``: the panel cut at ``d``'s close, for the price metrics;
- ``rates``: the market rates (10-year Treasury, high-yield yield) released by ``d``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from screener.errors import NoDataError, ScreenerError, UniverseError
from screener.history.asof import LOOKBACK_QUARTERS, QuarterTable
from screener.history.asof_blocks import LADDER_ITEMS, ladder_as_of, short_interest_as_of
from screener.history.prices import PricePanel
from screener.history.schema import DATASETS
from screener.history.store import HistoryStore
from screener.raw.bundle import RawBundle, block_from_records, empty_block
from screener.raw.schema import BLOCKS, SOURCE_COLUMN

BENCHMARKS = ("IWM", "IJR", "SPY")
PRICE_LOOKBACK_DAYS = 800  # 2 years + margin: 12-1 momentum, 52-week windows, 1y beta
ESTIMATE_LOOKBACK_DAYS = 400
ESTIMATE_MAX_AGE_DAYS = 120  # an older consensus snapshot is not "the consensus on d"
STALE_PRICE_ROWS = 30
SHORT_MAX_AGE_DAYS = 45  # short interest settles twice a month: older is not "on d"
FACT_COLUMNS = ["ticker", "item", "value", "period_start", "period_end", "filed", "source"]  # a close older than 30 trading days is not "the price on d"


def _ts(value) -> pd.Timestamp:
    return pd.Timestamp(value).normalize()


@dataclass
class PointInTime:
    start: pd.Timestamp
    end: pd.Timestamp
    universes: list[str]
    memberships: pd.DataFrame  # universe, as_of, ticker, name, sector, weight, source
    quarters: QuarterTable
    estimates: pd.DataFrame  # the estimates dataset rows, sorted by as_of
    prices: PricePanel
    delistings: pd.DataFrame
    is_sample: bool = False
    snapshots: dict[str, pd.DatetimeIndex] = field(default_factory=dict)
    ladder_facts: pd.DataFrame | None = None  # facts rows of the maturity-ladder items
    rates: object = None  # history.rates.RatesHistory: market rates as released by a date
    short_interest: pd.DataFrame | None = None  # settlements with their release dates

    # -- loading -------------------------------------------------------------------------
    @classmethod
    def load(cls, universes: list[str], start=None, end=None, *,
             history: HistoryStore | None = None, store_path=None,
             provider: str | None = None, benchmarks=BENCHMARKS) -> PointInTime:
        end = _ts(end if end is not None else (start if start is not None else dt.date.today()))
        start = _ts(start) if start is not None else end
        if start > end:
            raise UniverseError(f"The start {start.date()} is after the end {end.date()}.",
                                "Give the dates in order.")
        is_sample = provider == "sample"
        if history is None and is_sample:
            history = _sample_store()
        elif history is None:  # the default history: bring in the universe snapshots on disk
            from screener.timeaxis.assemble import sync_memberships

            history = HistoryStore(store_path)
            with contextlib.suppress(ScreenerError):  # a damaged CSV: the history still counts
                sync_memberships(history, universes)
        mem = history.read("memberships", where={"universe": list(universes)})
        snapshots = {}
        for u in universes:
            dates = pd.DatetimeIndex(sorted(mem.loc[mem["universe"] == u, "as_of"].unique()))
            keep = dates[dates <= end]
            if len(dates) and (not len(keep) or keep[0] > start):
                keep = keep.union(dates[:1])  # none that early: the earliest (biased)
            snapshots[u] = keep
        mem = mem[mem["as_of"].isin(pd.DatetimeIndex(
            [d for s in snapshots.values() for d in s]))].reset_index(drop=True)
        missing = [u for u, s in snapshots.items() if len(s) == 0]
        if missing:
            raise NoDataError(
                f"The history at {history.root} holds no membership snapshot of "
                f"{', '.join(missing)}.",
                f"Store past memberships first: `screener universe refresh {missing[0]} "
                f"--as-of {end.date()}` (or `--history quarterly --from 2012`), or import past "
                f"holdings files with `screener universe import {missing[0]} FILE --as-of DATE`.")
        first = {u: s[max(int(s.searchsorted(start, side="right")) - 1, 0)]
                 for u, s in snapshots.items()}
        used = mem[mem["as_of"] >= mem["universe"].map(first)]
        tickers = list(pd.unique(used["ticker"]))
        facts_from = start - pd.DateOffset(months=3 * (LOOKBACK_QUARTERS + 1))
        facts = history.read("facts", tickers=tickers, start=facts_from, end=end, as_of=end,
                             columns=FACT_COLUMNS, arrow=True)
        quarters = QuarterTable.build(facts, tickers)
        ladder = history.read("facts", tickers=tickers, start=facts_from, end=end, as_of=end,
                              where={"item": list(LADDER_ITEMS)})
        shorts = history.read("short_interest", tickers=tickers, as_of=end, end=end,
                              start=start - pd.Timedelta(days=SHORT_MAX_AGE_DAYS)) \
            if "short_interest" in DATASETS else None
        est = history.read("estimates", tickers=tickers,
                           start=start - pd.Timedelta(days=ESTIMATE_LOOKBACK_DAYS), end=end)
        est = est.sort_values("as_of", kind="stable").reset_index(drop=True)
        bench = [b for b in benchmarks if b not in set(tickers)]
        prices = PricePanel.load(history, tickers + bench,
                                 start - pd.Timedelta(days=PRICE_LOOKBACK_DAYS), end)
        delist = history.read("delistings", end=end)
        from screener.history.rates import RatesHistory

        rates = RatesHistory.load(history, start.date(), end.date())
        return cls(start=start, end=end, universes=list(universes), memberships=mem,
                   quarters=quarters, estimates=est, prices=prices,
                   delistings=delist[["ticker", "last_date", "last_price", "reason"]]
                   .reset_index(drop=True), is_sample=is_sample, snapshots=snapshots,
                   ladder_facts=ladder, short_interest=shorts, rates=rates)

    # -- memberships ---------------------------------------------------------------------
    def snapshot_date(self, universe: str, date) -> pd.Timestamp:
        """The membership snapshot in force on ``date`` (the earliest one when none is that
        early: see ``survivorship_biased``)."""
        snaps = self._snaps(universe)
        pos = int(snaps.searchsorted(_ts(date), side="right")) - 1
        return snaps[max(pos, 0)]

    def members(self, universe: str, date) -> pd.Index:
        """Tickers of the snapshot in force on ``date``."""
        when = self.snapshot_date(universe, date)
        m = self.memberships
        rows = m[(m["universe"] == universe) & (m["as_of"] == when)]
        return pd.Index(rows["ticker"].unique(), name="ticker")

    def survivorship_biased(self, universe: str, date) -> bool:
        """True when no snapshot is dated on or before ``date`` (the earliest later one is
        used, which only holds names that survived until then)."""
        return bool(self._snaps(universe)[0] > _ts(date))

    def _snaps(self, universe: str) -> pd.DatetimeIndex:
        if universe not in self.snapshots:
            raise UniverseError(f"Universe {universe!r} was not loaded into this history view.",
                                f"Loaded: {', '.join(self.universes)}.")
        return self.snapshots[universe]

    # -- one date ------------------------------------------------------------------------
    def bundle(self, date, universes: list[str] | None = None) -> RawBundle:
        d = _ts(date)
        if d > self.end:
            raise UniverseError(f"{d.date()} is after the loaded range (ends {self.end.date()}).",
                                "Load the history up to that date first.")
        names = list(universes or self.universes)
        identity = self._identity(d, names)
        tickers = identity.index
        statements = self._restrict(self.quarters.statements(d), tickers)
        annual = self._restrict(self.quarters.annual(d), tickers)
        cut = self.prices.until(d)
        return self.assemble(d, cut, identity=identity, statements=statements, annual=annual,
                             estimates=self._estimates(d, tickers),
                             market=self._market(cut, statements, tickers, d),
                             ladder=self._ladder(d, tickers))

    def assemble(self, d: pd.Timestamp, cut: PricePanel, *, statements: pd.DataFrame,
                 annual: pd.DataFrame, **blocks) -> RawBundle:
        """The bundle of ``d`` from its blocks (identity, estimates, market, ladder given
        whole; statements and annual as ``asof`` derives them), the prices cut at ``d`` and
        the market rates released by ``d``: one assembly for the one-date and the many-date
        paths (``batch.DateBundles``)."""
        return RawBundle(
            statements=_typed_statements(statements),
            annual=_typed_statements(annual),
            is_sample=self.is_sample,
            statements_basis="ttm",
            rates=self.rates.as_of(d.date()) if self.rates is not None else None,
            prices=None if cut.empty else cut,  # no stored prices: provider values
            as_of=d.date(),
            **blocks,
        )

    def _identity(self, d: pd.Timestamp, names: list[str], positions=None) -> pd.DataFrame:
        """Identity and ``in_<universe>`` flags from the snapshots in force on ``d``
        (``positions``: (universe, snapshot date) -> the rows' positions in ``memberships``,
        in order, when the caller has them grouped)."""
        parts = []
        for u in names:
            when = self.snapshot_date(u, d)
            m = self.memberships
            if positions is not None:
                rows = m.iloc[positions.get((u, when), [])]
            else:
                rows = m[(m["universe"] == u) & (m["as_of"] == when)]
            parts.append(rows.assign(flag=f"in_{u}"))
        rows = pd.concat(parts, ignore_index=True)
        ident = rows.drop_duplicates("ticker").set_index("ticker")[["name", "sector"]]
        ident = ident.assign(name=ident["name"].fillna(ident.index.to_series()),
                             industry=None, exchange=None)
        for u in names:
            ident[f"in_{u}"] = ident.index.isin(rows.loc[rows["flag"] == f"in_{u}", "ticker"])
        ident.index.name = "ticker"
        return ident.sort_index()

    @staticmethod
    def _restrict(frame: pd.DataFrame, tickers: pd.Index) -> pd.DataFrame:
        return frame[frame.index.get_level_values("ticker").isin(tickers)]

    def _estimates(self, d: pd.Timestamp, tickers: pd.Index) -> pd.DataFrame:
        e = self.estimates
        if e.empty:
            return empty_block("estimates")
        stop = int(e["as_of"].searchsorted(d, side="right"))
        first = int(e["as_of"].searchsorted(d - pd.Timedelta(days=ESTIMATE_MAX_AGE_DAYS)))
        e = e.iloc[first:stop]
        e = e[e["ticker"].isin(tickers).to_numpy()].drop_duplicates("ticker", keep="last")
        cols = [c for c in BLOCKS["estimates"].numeric_fields if c in e.columns]
        block = e.set_index("ticker")[["as_of", *cols]].copy()
        block[SOURCE_COLUMN] = e["source"].to_numpy()
        return block.sort_index()

    def _ladder(self, d: pd.Timestamp, tickers: pd.Index) -> pd.DataFrame:
        """Maturity ladders from the latest period a filing on or before ``d`` reported,
        each value as first filed (``history.asof_blocks.ladder_as_of``)."""
        f = self.ladder_facts
        if f is None or f.empty:
            return empty_block("ladder")
        lad = ladder_as_of(f, d, tickers)
        if lad.empty:
            return empty_block("ladder")
        recs = lad.reset_index().to_dict("records")
        return block_from_records("ladder", recs)

    def _short_pct(self, d: pd.Timestamp, tickers: pd.Index) -> pd.Series:
        """Short interest as a share of float: the newest settlement published by ``d``
        (not older than SHORT_MAX_AGE_DAYS)."""
        r = self.short_interest
        if r is None or r.empty:
            return pd.Series(np.nan, index=tickers)
        si = short_interest_as_of(r, d, tickers)
        fresh = si["as_of"] >= d - pd.Timedelta(days=SHORT_MAX_AGE_DAYS)
        return si.loc[fresh, "short_pct_float"].reindex(tickers)

    def _market(self, cut: PricePanel, statements: pd.DataFrame,
                tickers: pd.Index, d: pd.Timestamp | None = None) -> pd.DataFrame:
        if cut.empty or not len(tickers):
            return empty_block("market")
        short = None if d is None else (lambda names: self._short_pct(d, names))
        records = market_records(cut, statements, tickers, short)
        return block_from_records("market", records.to_dict("records"))

    # -- what was used -------------------------------------------------------------------
    def newest_used(self, date, tickers=None) -> dict[str, pd.Timestamp | None]:
        """The newest knowledge date each block used on ``date`` (for the workbook)."""
        d = _ts(date)
        filings = self.quarters.newest_filing(d)
        if tickers is not None:
            filings = filings.reindex(pd.Index(tickers)).dropna()
        e = self.estimates
        est = e.loc[e["as_of"] <= d, "as_of"].max() if len(e) else None
        cut = self.prices.until(d)
        px = cut.dates[-1] if len(cut.dates) else None
        mem = max((self.snapshot_date(u, d) for u in self.universes), default=None)
        return {"statements": filings.max() if len(filings) else None,
                "estimates": None if est is None or pd.isna(est) else est,
                "market": px, "memberships": mem}


def market_records(cut: PricePanel, statements: pd.DataFrame, tickers: pd.Index,
                   short_pct=None) -> pd.DataFrame:
    """The market block's rows (one per ticker with a close in the last STALE_PRICE_ROWS
    rows of ``cut``): the last close and its day, shares outstanding from the latest
    statements window, market cap, and ``short_pct(tickers)`` when given."""
    close = cut.close[-STALE_PRICE_ROWS:]
    valid = ~np.isnan(close)
    last = close.shape[0] - 1 - np.argmax(valid[::-1], axis=0)
    has = valid.any(axis=0)
    cols = np.arange(close.shape[1])
    price = np.where(has, close[last, cols], np.nan)
    day = cut.dates[-STALE_PRICE_ROWS:][last]
    px = pd.DataFrame({"price": price, "as_of": np.where(has, day, pd.NaT)},
                      index=cut.tickers).reindex(tickers)
    px = px[px["price"].notna()]
    latest = statements[~statements.index.get_level_values("ticker").duplicated(
        keep="last")] if len(statements) else statements
    shares = (latest["shares_outstanding"].droplevel("fiscal_year")
              if len(latest) else pd.Series(dtype="float64"))
    records = pd.DataFrame({"ticker": px.index, "as_of": px["as_of"].to_numpy(),
                            "price": px["price"].to_numpy(),
                            "shares_outstanding": shares.reindex(px.index).to_numpy()})
    records["market_cap"] = records["price"] * records["shares_outstanding"]
    if short_pct is not None:
        records["short_pct_float"] = short_pct(px.index).to_numpy()
    records[SOURCE_COLUMN] = "history"
    return records


def _typed_statements(frame: pd.DataFrame) -> pd.DataFrame:
    """The statements block layout (declared columns, float64), from asof's frame."""
    if frame.empty:
        return empty_block("statements")
    spec = BLOCKS["statements"]
    out = frame.reindex(columns=[*spec.numeric_fields, *spec.date_fields, SOURCE_COLUMN])
    out[spec.numeric_fields] = out[spec.numeric_fields].astype("float64")
    return out


def _sample_store() -> HistoryStore:
    try:
        from screener.sample.history import sample_history
    except ImportError:
        raise NoDataError("This version has no fictional sample history yet.",
                          "Run without --as-of, or use a history you fetched "
                          "(`screener fetch --history`).") from None
    return sample_history()
