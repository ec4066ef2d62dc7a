"""``DateBundles``: the same ``RawBundle`` as ``PointInTime.bundle(d)``, for many dates.

The backtest asks a loaded ``PointInTime`` for one bundle per signal date (180 for 15 years
monthly). ``PointInTime.bundle`` is written for one date: it filters frames by ticker with
string look-ups, builds the statements cube twice, re-sorts the ladder facts, and passes the
market and ladder blocks through dict records. Here the work that does not depend on the date
is done once per loaded window, and the per-date work uses integer codes:

- identity + ``in_<universe>`` flags: computed once per combination of membership snapshots
  in force (they change a few times a year), with the bool mask of those names over the
  window's tickers;
- statements and annual: one cube per date (``QuarterTable.both``) over the members only;
- estimates and short interest: ticker codes computed once, a bool mask per date;
- ladder: the facts de-duplicated to their first filing once, sorted by filing date, so the
  rows known on a date are a prefix (``asof_blocks.first_filed_ladder``);
- market and ladder blocks built from their frames (``block_from_frame``), not records.

Nothing here decides a value: every step is the one-date code's step on the same rows, and
``tests/backtest/test_date_bundles.py`` checks the bundles and standard frames are equal to
``PointInTime.bundle`` (and, after ``validate_bundle``, ``build_standard_frame``) on dates
that cross snapshots, filings and windows, with values planted after a date.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from screener.history.asof_blocks import first_filed_ladder, ladder_block
from screener.raw.bundle import RawBundle, block_from_frame, empty_block
from screener.raw.schema import BLOCKS, SOURCE_COLUMN, TICKER_PATTERN
from screener.timeaxis.pointintime import (
    ESTIMATE_MAX_AGE_DAYS,
    SHORT_MAX_AGE_DAYS,
    PointInTime,
    _ts,
    market_records,
)


class DateBundles:
    """Bundles of one loaded ``PointInTime`` for any number of dates in its range."""

    def __init__(self, pit: PointInTime, universes: list[str] | None = None):
        self.pit = pit
        self.universes = list(universes or pit.universes)
        self.names = pd.Index(pd.unique(pit.memberships["ticker"].astype(str)))
        self._positions: dict | None = None  # (universe, snapshot) -> membership rows
        self._identities: dict[tuple, tuple[pd.DataFrame, np.ndarray, np.ndarray]] = {}
        self._q_codes = self.names.get_indexer(pit.quarters.tickers)
        # every block holds member tickers only: check their form once (validate_bundle's
        # ticker rule), so ``clean`` need not per date
        tick = pd.Series(pd.unique(pit.memberships["ticker"]), dtype="object")
        self.tickers_ok = bool((tick.notna() & tick.astype(str).str.fullmatch(TICKER_PATTERN)
                                .fillna(False)).all())
        e = pit.estimates
        self._est_codes = self.names.get_indexer(e["ticker"]) if len(e) else None
        lf = pit.ladder_facts
        self._ladder = None
        if lf is not None and not lf.empty:
            ff = first_filed_ladder(lf)
            ff = ff[ff["filed"].notna()].reset_index(drop=True)  # never known on any date
            self._ladder = ff
            self._ladder_filed = ff["filed"].to_numpy(dtype="datetime64[ns]")
            self._ladder_codes = self.names.get_indexer(ff["ticker"])
            self._ladder_until = _superseded(ff)
        si = pit.short_interest
        self._short = None
        if si is not None and not si.empty:
            si = si.sort_values(["ticker", "date"], kind="stable").reset_index(drop=True)
            self._short = si
            self._short_released = si["released"].to_numpy(dtype="datetime64[ns]")
            self._short_codes = self.names.get_indexer(si["ticker"])

    def validated(self, date) -> RawBundle:
        """``validate_bundle(self.bundle(date))[0]``: the bundle itself when the validation
        would find nothing in it (``raw.bundle.is_clean``), else the validated one."""
        from screener.raw.bundle import is_clean, validate_bundle

        b = self.bundle(date)
        return b if is_clean(b, tickers_checked=self.tickers_ok) else validate_bundle(b)[0]

    def _members(self, d: pd.Timestamp) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
        """(identity, bool mask over ``names``, the same mask over the quarter table's)."""
        key = tuple(self.pit.snapshot_date(u, d) for u in self.universes)
        hit = self._identities.get(key)
        if hit is None:
            if self._positions is None:
                m = self.pit.memberships
                self._positions = {(u, pd.Timestamp(w)): ix for (u, w), ix in
                                   m.groupby(["universe", "as_of"], sort=False).indices.items()}
            identity = self.pit._identity(d, self.universes, self._positions)
            member = np.zeros(len(self.names) + 1, dtype=bool)  # last slot: code -1
            member[self.names.get_indexer(identity.index)] = True
            member[-1] = False
            qmask = member[self._q_codes]
            hit = (identity, member, qmask)
            self._identities[key] = hit
        return hit

    def bundle(self, date) -> RawBundle:
        pit = self.pit
        d = _ts(date)
        if d > pit.end:
            return pit.bundle(date, self.universes)  # the one-date path says why
        identity, member, qmask = self._members(d)
        tickers = identity.index
        statements, annual = pit.quarters.both(d, qmask)
        cut = pit.prices.until(d)
        return pit.assemble(d, cut, identity=identity, statements=statements, annual=annual,
                            estimates=self._estimates(d, member),
                            market=self._market(cut, statements, tickers, d, member),
                            ladder=self._ladder_block(d, member))

    def _estimates(self, d: pd.Timestamp, member: np.ndarray) -> pd.DataFrame:
        e = self.pit.estimates
        if e.empty:
            return empty_block("estimates")
        stop = int(e["as_of"].searchsorted(d, side="right"))
        first = int(e["as_of"].searchsorted(d - pd.Timedelta(days=ESTIMATE_MAX_AGE_DAYS)))
        keep = member[self._est_codes[first:stop]]
        e = e.iloc[first:stop][keep].drop_duplicates("ticker", keep="last")
        cols = [c for c in BLOCKS["estimates"].numeric_fields if c in e.columns]
        block = e.set_index("ticker")[["as_of", *cols]].copy()
        block[SOURCE_COLUMN] = e["source"].to_numpy()
        return block.sort_index()

    def _ladder_block(self, d: pd.Timestamp, member: np.ndarray) -> pd.DataFrame:
        if self._ladder is None:
            return empty_block("ladder")
        day = np.datetime64(d, "ns")
        # the rows known on d at their ticker's latest period end (the only ones
        # ``ladder_block`` keeps from all the rows known on d), in the same order
        keep = (self._ladder_filed <= day) & (day < self._ladder_until) \
            & member[self._ladder_codes]
        lad = ladder_block(self._ladder[keep])
        if lad.empty:
            return empty_block("ladder")
        return block_from_frame("ladder", lad.reset_index())

    def _short_pct(self, d: pd.Timestamp, member: np.ndarray, tickers: pd.Index) -> pd.Series:
        if self._short is None:
            return pd.Series(np.nan, index=tickers)
        keep = (self._short_released <= np.datetime64(d, "ns")) & member[self._short_codes]
        r = self._short[keep].drop_duplicates("ticker", keep="last")
        si = r.set_index("ticker")[["short_pct_float", "shares_short", "date"]].rename(
            columns={"date": "as_of"})
        si.index.name = "ticker"
        fresh = si["as_of"] >= d - pd.Timedelta(days=SHORT_MAX_AGE_DAYS)
        return si.loc[fresh, "short_pct_float"].reindex(tickers)

    def _market(self, cut, statements, tickers, d, member) -> pd.DataFrame:
        if cut.empty or not len(tickers):
            return empty_block("market")
        records = market_records(cut, statements, tickers,
                                 lambda names: self._short_pct(d, member, names))
        return block_from_frame("market", records)


def _superseded(ff: pd.DataFrame) -> np.ndarray:
    """Per ladder row: the first filing date of a later period end of its ticker (NaT-free:
    the far future when there is none; the far past when the row has no period end). On a
    date d the row is at its ticker's latest known period end iff filed <= d < this."""
    never = np.datetime64("2262-01-01", "ns")
    end = ff["period_end"]
    g = ff[end.notna()].groupby(["ticker", "period_end"], sort=True)["filed"].min()
    # per (ticker, period end): the earliest filing among the ticker's later period ends
    later = g.iloc[::-1].groupby(level=0, sort=False).cummin() \
        .groupby(level=0, sort=False).shift(1).iloc[::-1]
    later = later.fillna(pd.Timestamp(never))
    idx = pd.MultiIndex.from_arrays([ff["ticker"], end])
    out = later.reindex(idx).to_numpy(dtype="datetime64[ns]").copy()
    out[end.isna().to_numpy()] = np.datetime64("1677-09-22", "ns")
    return out
