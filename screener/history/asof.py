"""Statement facts as they could be known on a date: first-filed values, quarters, TTM and MRQ.

Input: rows of the ``facts`` dataset (one per item, period and filing; see ``schema``). Three
steps, the first two done once for a whole date range (``QuarterTable.build``), the third per
date (``QuarterTable.statements(as_of)``), so a backtest pays the derivation once:

1. **First-filed view.** For each (ticker, item, period_start, period_end) the value of the
   *first* filing is kept, with that filing's date as its knowledge date. Later filings of the
   same period (a 10-Q/A, next year's comparative column, a restatement) never replace it: as of
   D, a period's value is the one first filed on or before D, and since the first filing is the
   earliest, "first filed on or before D" is "first filed, if on or before D".
2. **Quarters.** 10-Qs report 3-month durations and year-to-date durations (6 and 9 months);
   10-Ks report the fiscal year. A discrete quarter is either reported (a 75-105 day duration)
   or derived from two durations with the same start (the fiscal year start): Q2 = H1 - Q1,
   Q3 = 9M - H1, Q4 = FY - 9M. A derived quarter is known when its later input was filed.
   Among candidates for one quarter, the first known wins (the reported one on a tie).
   Weighted-average share counts are not additive: they are only taken as reported.
3. **As of D** (``known <= D``): per ticker the latest quarter with any fact is window 0;
   window k ends 4k quarters earlier. Flows are **TTM**: the sum of the window's four quarters
   (NaN unless all four are known), or the fiscal-year value when the window ends a fiscal
   year (the 10-K's own figure). Share counts average the four quarters. Balances are **MRQ**:
   the instant at the window's end. Rows are keyed ``fiscal_year`` = the window end's year - k,
   so the wide panel (``metrics.wide``: 0 = latest, -1 = a year earlier) reads TTM windows
   unchanged and YoY compares TTM with TTM four quarters earlier.
   ``annual(as_of)`` gives the fiscal years (FY flows, balances at fiscal year ends) for the
   metrics that keep their papers' annual definitions (Piotroski, Altman) and the ``_fy`` ids.

Quarter slots: a period end maps to ``q = (12 * year + month - 1) // 3`` of the date 15 days
earlier, so a 52/53-week quarter ending on 2 January falls in December's slot and consecutive
fiscal quarters are consecutive slots whatever month the fiscal year ends in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from screener.metrics.wide import ITEMS, WINDOW

BALANCES = frozenset({
    "cash", "short_term_investments", "current_assets", "total_assets", "current_liabilities",
    "total_liabilities", "short_term_debt", "long_term_debt", "total_debt", "total_equity",
    "retained_earnings", "shares_outstanding", "floating_rate_debt",
})
AVERAGED = frozenset({"shares_diluted"})  # weighted averages: TTM = mean of the quarters
FLOWS = [i for i in ITEMS if i not in BALANCES]
QUARTER_DAYS = (75, 105)
YEAR_DAYS = (340, 390)
SOURCE_PRIORITY = ("file", "fmp", "sec", "financetoolkit", "sample")
QUARTER, FISCAL_YEAR, BALANCE = 0, 1, 2
LOOKBACK_QUARTERS = 4 * WINDOW + 4  # six TTM windows need 27 quarters; one spare year


def quarter_slot(dates) -> np.ndarray:
    """Quarter slot of each period end (see the module docstring)."""
    d = pd.DatetimeIndex(pd.to_datetime(dates)) - pd.Timedelta(days=15)
    return ((d.year.to_numpy() * 12 + d.month.to_numpy() - 1) // 3).astype("int64")


def pick_source(facts: pd.DataFrame) -> pd.DataFrame:
    """One source per ticker (file > fmp > sec > others): statements are never stitched
    across sources, as in the latest-snapshot path."""
    if facts.empty or facts["source"].nunique() <= 1:
        return facts
    rank = facts["source"].map({s: i for i, s in enumerate(SOURCE_PRIORITY)}).fillna(99)
    best = rank.groupby(facts["ticker"]).transform("min")
    return facts[(rank == best).to_numpy()]


def first_filed(facts: pd.DataFrame) -> pd.DataFrame:
    """One row per (ticker, item, period_start, period_end): the first filing's value (the
    readable version of step 1; ``QuarterTable.build`` does the same on integer codes)."""
    if facts.empty:
        return facts
    f = facts.sort_values(["filed", "form"], kind="stable")
    key = ["ticker", "item", "period_start", "period_end"]
    return f.drop_duplicates(key, keep="first").reset_index(drop=True)


NO_DAY = -1  # a missing date (a balance's period_start) as an integer day (1969-12-31)


def _days(col) -> np.ndarray:
    """A date column (pyarrow or pandas) as int64 days since 1970, NO_DAY when missing."""
    if isinstance(col, (pa.ChunkedArray, pa.Array)):
        ints = pc.cast(pc.cast(col, pa.date32()), pa.int32())
        out = pc.fill_null(ints, 0).to_numpy(zero_copy_only=False).astype("int64")
        nulls = pc.is_null(ints).to_numpy(zero_copy_only=False)
        out[nulls] = NO_DAY
        return out
    d = pd.to_datetime(pd.Series(col)).to_numpy(dtype="datetime64[D]")
    out = d.astype("int64")
    out[np.isnat(d)] = NO_DAY
    return out


def _codes(col, categories) -> np.ndarray:
    """Position of each value in ``categories`` (-1 when absent or missing), through a
    dictionary encoding: one lookup per distinct value, not per row."""
    if isinstance(col, (pa.ChunkedArray, pa.Array)):
        enc = pc.dictionary_encode(col)
        if isinstance(enc, pa.ChunkedArray):
            enc = enc.unify_dictionaries().combine_chunks() if enc.num_chunks > 1 \
                else (enc.chunk(0) if enc.num_chunks else pa.array([], pa.dictionary(
                    pa.int32(), pa.string())))
        lookup = np.append(pd.Index(categories).get_indexer(enc.dictionary.to_pylist()), -1)
        idx = pc.fill_null(enc.indices, len(lookup) - 1).to_numpy(zero_copy_only=False)
        return lookup[idx].astype("int64")
    codes, uniques = pd.factorize(pd.Series(col), use_na_sentinel=True)
    lookup = np.append(pd.Index(categories).get_indexer(uniques), -1)
    return lookup[codes].astype("int64")


def _pack(keys: list[np.ndarray]) -> tuple[np.ndarray, int] | None:
    """The columns packed into one int64 (each offset to its minimum) and the bits used, or
    None when they need more than 62 bits together."""
    packed = np.zeros(len(keys[0]), dtype="int64")
    bits = 0
    for k in keys:
        lo = int(k.min())
        width = max(int(k.max()) - lo, 0).bit_length()
        bits += width
        if bits > 62:
            return None
        packed = (packed << width) | (k - lo)
    return packed, bits


def _first_of_groups(keys: list[np.ndarray], order_by: list[np.ndarray]) -> np.ndarray:
    """Indices of one row per distinct ``keys`` tuple: the smallest by ``order_by``.

    Keys and order packed into one int64 when they fit (one argsort), else a lexsort."""
    if not len(keys[0]):
        return np.zeros(0, dtype="int64")
    whole = _pack(keys + order_by)
    if whole is not None:
        order_bits = _pack(order_by)[1]
        order = np.argsort(whole[0], kind="stable")
        ks = whole[0][order] >> order_bits
        new = np.empty(len(order), dtype=bool)
        new[1:] = ks[1:] != ks[:-1]
    else:
        order = np.lexsort(tuple(reversed(keys + order_by)))  # lexsort: last is primary
        new = np.zeros(len(order), dtype=bool)
        for k in keys:
            ks = k[order]
            new[1:] |= ks[1:] != ks[:-1]
    new[0] = True
    return order[new]


def _column(facts, name: str):
    return facts.column(name) if isinstance(facts, pa.Table) else facts[name]


@dataclass
class QuarterTable:
    """Every quarter, fiscal-year and balance value of a set of tickers with its knowledge
    date, in flat arrays (one row per ticker, item, kind and quarter slot)."""

    tickers: pd.Index
    t: np.ndarray  # ticker code
    i: np.ndarray  # item code (index into ITEMS)
    kind: np.ndarray  # QUARTER, FISCAL_YEAR or BALANCE
    q: np.ndarray  # quarter slot
    end: np.ndarray  # period end, datetime64[ns]
    value: np.ndarray
    known: np.ndarray  # first filing date (derived: the later input's), datetime64[ns]
    source: np.ndarray  # per ticker code

    @classmethod
    def build(cls, facts, tickers=None) -> QuarterTable:
        """From ``facts`` rows (a DataFrame, or the pyarrow Table that ``HistoryStore.read(...,
        arrow=True)`` returns) to flat numpy arrays: no per-row Python, no pandas groupby."""
        if tickers is None:
            col = _column(facts, "ticker")
            names = col.unique().to_pylist() if isinstance(col, pa.ChunkedArray) \
                else list(pd.unique(col))
            tickers = sorted(str(x) for x in names if x is not None)
        tick = pd.Index(list(tickers), name="ticker")
        if len(facts) == 0:
            return cls._empty(tick)
        t = _codes(_column(facts, "ticker"), tick)
        i = _codes(_column(facts, "item"), ITEMS)
        rank = _codes(_column(facts, "source"), list(SOURCE_PRIORITY))
        rank = np.where(rank < 0, len(SOURCE_PRIORITY), rank)
        v = _column(facts, "value")
        value = (pc.fill_null(pc.cast(v, pa.float64()), np.nan).to_numpy(zero_copy_only=False)
                 if isinstance(v, (pa.ChunkedArray, pa.Array))
                 else pd.to_numeric(v, errors="coerce").to_numpy(dtype="float64",
                                                                  na_value=np.nan))
        start, end, filed = (_days(_column(facts, c))
                             for c in ("period_start", "period_end", "filed"))
        ok = (t >= 0) & (i >= 0) & ~np.isnan(value) & (end != NO_DAY) & (filed != NO_DAY)
        # one source per ticker: its best-ranked one (statements are never stitched)
        best = np.full(len(tick), len(SOURCE_PRIORITY) + 1, dtype="int64")
        np.minimum.at(best, t[ok], rank[ok])
        ok &= rank == best[np.maximum(t, 0)]
        t, i, start, end, filed, value = (a[ok] for a in (t, i, start, end, filed, value))
        # 1. first-filed view: per (ticker, item, start, end) the earliest filing
        keep = _first_of_groups([t, i, start, end], [filed])
        t, i, start, end, filed, value = (a[keep] for a in (t, i, start, end, filed, value))
        q = quarter_slot(end.astype("datetime64[D]"))
        is_bal = start == NO_DAY
        item_bal = np.isin(i, [ITEMS.index(x) for x in BALANCES])
        item_avg = np.isin(i, [ITEMS.index(x) for x in AVERAGED])
        days = end - start + 1
        # balances: per slot the latest instant, as first filed
        b = np.flatnonzero(is_bal & item_bal)
        b = b[_first_of_groups([t[b], i[b], q[b]], [-end[b], filed[b]])]
        dur = ~is_bal & ~item_bal
        # fiscal years: 340-390 day durations
        y = np.flatnonzero(dur & (days >= YEAR_DAYS[0]) & (days <= YEAR_DAYS[1]))
        y = y[_first_of_groups([t[y], i[y], q[y]], [filed[y]])]
        # 2. quarters: reported 3-month durations, and differences of consecutive
        # year-to-date durations with the same start (Q2 = H1 - Q1, ..., Q4 = FY - 9M)
        direct = np.flatnonzero(dur & (days >= QUARTER_DAYS[0]) & (days <= QUARTER_DAYS[1]))
        ytd = np.flatnonzero(dur & ~item_avg)
        ytd = ytd[np.lexsort((end[ytd], start[ytd], i[ytd], t[ytd]))]
        prev, cur = ytd[:-1], ytd[1:]
        gap = end[cur] - end[prev]
        same = ((t[cur] == t[prev]) & (i[cur] == i[prev]) & (start[cur] == start[prev])
                & (gap >= QUARTER_DAYS[0]) & (gap <= QUARTER_DAYS[1]))
        cur, prev = cur[same], prev[same]
        cand = np.concatenate([direct, cur])
        cand_val = np.concatenate([value[direct], value[cur] - value[prev]])
        cand_known = np.concatenate([filed[direct], np.maximum(filed[cur], filed[prev])])
        pref = np.concatenate([np.zeros(len(direct), "int64"), np.ones(len(cur), "int64")])
        pick = _first_of_groups([t[cand], i[cand], q[cand]], [cand_known, pref])
        rows = np.concatenate([b, y, cand[pick]])
        src = np.full(len(tick), None, dtype=object)
        named = best < len(SOURCE_PRIORITY)
        src[named] = np.array(SOURCE_PRIORITY, dtype=object)[best[named]]
        src[best == len(SOURCE_PRIORITY)] = "other"
        return cls(
            tickers=tick, t=t[rows], i=i[rows],
            kind=np.concatenate([np.full(len(b), BALANCE), np.full(len(y), FISCAL_YEAR),
                                 np.full(len(pick), QUARTER)]).astype("int64"),
            q=q[rows], end=end[rows].astype("datetime64[D]").astype("datetime64[ns]"),
            value=np.concatenate([value[b], value[y], cand_val[pick]]),
            known=np.concatenate([filed[b], filed[y], cand_known[pick]])
            .astype("datetime64[D]").astype("datetime64[ns]"),
            source=src)

    @classmethod
    def _empty(cls, tick: pd.Index) -> QuarterTable:
        z = np.zeros(0, dtype="int64")
        return cls(tick, z, z, z, z, z.astype("datetime64[ns]"), z.astype(float),
                   z.astype("datetime64[ns]"), np.full(len(tick), None, dtype=object))

    def __len__(self) -> int:
        return len(self.value)

    # -- as of a date --------------------------------------------------------------------
    def _cube(self, as_of, only: np.ndarray | None = None):
        """(kind, ticker, slot, item) values known on ``as_of``, over the look-back slots
        (``only``, a bool per ``self.tickers``: the other tickers' values are left out).
        Items last: a ticker's items at one slot are contiguous, what the windows read."""
        d = np.datetime64(pd.Timestamp(as_of).normalize(), "ns")
        top = int(quarter_slot([pd.Timestamp(as_of) + pd.Timedelta(days=15)])[0])
        low = top - LOOKBACK_QUARTERS
        # cube[kind, t, q - low - 1, i] and ends[t, q - low - 1] as flat positions: each row's
        # position up to the date's offset is computed once (``_cells``), and the rows are
        # in quarter order, so the quarters low+1 .. top are one slice
        cell, tcell = self._cells()
        sl = slice(int(self.q.searchsorted(low, side="right")),
                   int(self.q.searchsorted(top, side="right")))
        m = self.known[sl] <= d
        if only is not None:
            m &= only[self.t[sl]]
        n, width = len(self.tickers), LOOKBACK_QUARTERS
        cube = self._buffer(3 * len(ITEMS) * n * width).reshape(3, n, width, len(ITEMS))
        cube.fill(np.nan)
        cube.reshape(-1)[cell[sl][m] - (low + 1) * len(ITEMS)] = self.value[sl][m]
        ends = np.full((n, width), np.datetime64("NaT"), dtype="datetime64[ns]")
        ends.reshape(-1)[tcell[sl][m] - (low + 1)] = self.end[sl][m]
        return cube, ends, m, np.arange(n)

    def _cells(self) -> tuple[np.ndarray, np.ndarray]:
        """Per row: its flat cube position and its flat (ticker, slot) position, both plus
        the quarter number (a date subtracts ``low + 1`` to get the slot)."""
        cells = self.__dict__.get("_cells_cache")
        if cells is None:
            if len(self.q) and (np.diff(self.q) < 0).any():
                # rows in quarter order (stable: rows of one ticker and slot keep their order,
                # so the period end written last into a slot is the same row)
                order = np.argsort(self.q, kind="stable")
                for name in ("t", "i", "kind", "q", "end", "value", "known"):
                    setattr(self, name, getattr(self, name)[order])
            width = LOOKBACK_QUARTERS
            q = self.q.astype("int64")
            cell = ((self.kind * len(self.tickers) + self.t) * width + q) * len(ITEMS) + self.i
            cells = (cell.astype("int64"), (self.t * width + q).astype("int64"))
            self.__dict__["_cells_cache"] = cells
        return cells

    def _buffer(self, size: int) -> np.ndarray:
        """Scratch memory for the cube, kept between dates: a fresh ~40 MB array per date
        costs more in page faults than filling the old one (the cube is read, never kept)."""
        buf = self.__dict__.get("_scratch")
        if buf is None or buf.size < size:
            buf = np.empty(max(size, 3 * len(ITEMS) * len(self.tickers) * LOOKBACK_QUARTERS))
            self.__dict__["_scratch"] = buf
        return buf[:size]

    def statements(self, as_of) -> pd.DataFrame:
        """TTM flows and MRQ balances of WINDOW windows per ticker, known on ``as_of``
        (statements block layout: index (ticker, fiscal_year))."""
        cube, ends, _, names = self._cube(as_of)
        return self._ttm(cube, ends, names)

    def annual(self, as_of) -> pd.DataFrame:
        """Fiscal years known on ``as_of``: FY flows and balances at fiscal year ends."""
        cube, ends, _, names = self._cube(as_of)
        return self._fy(cube, ends, names)

    def both(self, as_of, keep: np.ndarray | None = None
             ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """``statements(as_of)`` and ``annual(as_of)`` from one cube, with only the rows of
        the tickers where ``keep`` (a bool per ``self.tickers``) is True: the same rows, in
        the same order, as filtering the two frames by ticker afterwards."""
        cube, ends, _, names = self._cube(as_of, keep)
        return self._ttm(cube, ends, names), self._fy(cube, ends, names)

    def _ttm(self, cube, ends, names) -> pd.DataFrame:
        has_any = ~np.isnan(cube).all(axis=(0, 3))  # (ticker, slot)
        latest = np.where(has_any.any(axis=1),
                          has_any.shape[1] - 1 - np.argmax(has_any[:, ::-1], axis=1), -1)
        return self._windows(cube, ends, latest, ttm=True, names=names)

    def _fy(self, cube, ends, names) -> pd.DataFrame:
        has_fy = ~np.isnan(cube[FISCAL_YEAR]).all(axis=2)
        latest = np.where(has_fy.any(axis=1),
                          has_fy.shape[1] - 1 - np.argmax(has_fy[:, ::-1], axis=1), -1)
        return self._windows(cube, ends, latest, ttm=False, names=names)

    def _windows(self, cube, ends, latest, *, ttm: bool, names: np.ndarray) -> pd.DataFrame:
        n, width = cube.shape[1], cube.shape[2]
        flows = np.array([ITEMS.index(x) for x in FLOWS])
        avg = np.array([ITEMS.index(x) for x in AVERAGED])
        bal = np.array([ITEMS.index(x) for x in BALANCES])
        rows_t, rows_k, rows_v, rows_end = [], [], [], []
        ar = np.arange(n)
        # (ticker, slot) rows of items: one row take per read
        quarter, fiscal, balance = (cube[kind].reshape(n * width, len(ITEMS))
                                    for kind in (QUARTER, FISCAL_YEAR, BALANCE))
        base = ar * width
        for k in range(WINDOW):
            e = latest - 4 * k
            ok = (latest >= 0) & (e >= 3 if ttm else e >= 0)
            ec = np.clip(e, 0, width - 1)
            out = np.full((n, len(ITEMS)), np.nan)  # (ticker, item)
            fy = fiscal.take(base + ec, axis=0)
            if ttm:
                four = np.stack([quarter.take(base + np.clip(e - j, 0, width - 1), axis=0)
                                 for j in range(4)])  # (4, ticker, item)
                total = four.sum(axis=0)  # NaN unless all four known
                mean = four.mean(axis=0)
                ttm_v = np.where(np.isnan(fy), total, fy)
                out[:, flows] = ttm_v[:, flows]
                out[:, avg] = np.where(np.isnan(fy[:, avg]), mean[:, avg], fy[:, avg])
            else:
                out[:, flows] = fy[:, flows]
            out[:, bal] = balance.take(base + ec, axis=0)[:, bal]
            out[~ok] = np.nan
            keep = ok & ~np.isnan(out).all(axis=1)
            rows_t.append(ar[keep])
            rows_k.append(np.full(keep.sum(), k))
            rows_v.append(out[keep])
            rows_end.append(ends[ar[keep], ec[keep]])
        t = np.concatenate(rows_t)
        k = np.concatenate(rows_k)
        end = np.concatenate(rows_end)
        base_end = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
        zero = k == 0
        base_end[t[zero]] = end[zero]
        base_year = pd.DatetimeIndex(base_end[t]).year.to_numpy(dtype="float64",
                                                                na_value=np.nan)
        good = ~np.isnan(base_year)  # a ticker whose window 0 is empty has no rows
        values = np.concatenate(rows_v) if len(t) else np.zeros((0, len(ITEMS)))
        frame = pd.DataFrame(values[good], columns=ITEMS)
        frame.insert(0, "period_end", end[good])
        who = names[t[good]]  # positions in self.tickers
        frame["source"] = self.source[who]
        frame.index = pd.MultiIndex.from_arrays(
            [self.tickers[who], pd.Index((base_year[good] - k[good]).astype("int64"))],
            names=["ticker", "fiscal_year"])
        return frame.sort_index()

    def newest_filing(self, as_of) -> pd.Series:
        """Per ticker the newest knowledge date of a fact used on ``as_of``."""
        d = np.datetime64(pd.Timestamp(as_of).normalize(), "ns")
        m = self.known <= d
        s = pd.Series(self.known[m]).groupby(self.t[m]).max()
        return pd.Series(s.to_numpy(), index=self.tickers[s.index.to_numpy()])
