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

from screener.metrics.wide import ITEMS, WINDOW

BALANCES = frozenset({
    "cash", "short_term_investments", "current_assets", "total_assets", "current_liabilities",
    "total_liabilities", "short_term_debt", "long_term_debt", "total_debt", "total_equity",
    "retained_earnings", "shares_outstanding",
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
    """One row per (ticker, item, period_start, period_end): the first filing's value."""
    if facts.empty:
        return facts
    f = facts.sort_values(["filed", "form"], kind="stable")
    key = ["ticker", "item", "period_start", "period_end"]
    return f.drop_duplicates(key, keep="first").reset_index(drop=True)


def _quarters_from_durations(dur: pd.DataFrame) -> pd.DataFrame:
    """Reported and derived 3-month values from first-filed durations (see step 2)."""
    days = (dur["period_end"] - dur["period_start"]).dt.days + 1
    direct = dur[days.between(*QUARTER_DAYS).to_numpy()].assign(pref=0)
    ytd = dur[~dur["item"].isin(AVERAGED).to_numpy()].sort_values(
        ["ticker", "item", "period_start", "period_end"], kind="stable")
    same = ((ytd["ticker"] == ytd["ticker"].shift())
            & (ytd["item"] == ytd["item"].shift())
            & (ytd["period_start"] == ytd["period_start"].shift()))
    gap = (ytd["period_end"] - ytd["period_end"].shift()).dt.days
    ok = (same & gap.between(*QUARTER_DAYS)).to_numpy()
    derived = ytd[ok].assign(
        value=(ytd["value"] - ytd["value"].shift())[ok],
        filed=np.maximum(ytd["filed"], ytd["filed"].shift())[ok],
        pref=1)
    both = pd.concat([direct, derived], ignore_index=True)
    both["q"] = quarter_slot(both["period_end"])
    both = both.sort_values(["filed", "pref"], kind="stable")
    return both.drop_duplicates(["ticker", "item", "q"], keep="first")


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
    def build(cls, facts: pd.DataFrame, tickers=None) -> QuarterTable:
        f = facts[facts["item"].isin(ITEMS).to_numpy()] if len(facts) else facts
        f = f.dropna(subset=["value", "period_end", "filed"]) if len(f) else f
        for col in ("period_start", "period_end", "filed"):
            if col in f.columns:
                f = f.assign(**{col: pd.to_datetime(f[col]).astype("datetime64[ns]")})
        f = first_filed(pick_source(f))
        tick = pd.Index(pd.unique(f["ticker"]) if tickers is None else list(tickers),
                        name="ticker")
        if f.empty:
            z = np.zeros(0, dtype="int64")
            return cls(tick, z, z, z, z, z.astype("datetime64[ns]"), z.astype(float),
                       z.astype("datetime64[ns]"), np.full(len(tick), None, dtype=object))
        is_bal = f["period_start"].isna().to_numpy()
        bal = f[is_bal].assign(q=lambda x: quarter_slot(x["period_end"]), kind=BALANCE)
        bal = bal[bal["item"].isin(BALANCES).to_numpy()]
        bal = bal.sort_values(["period_end", "filed"], ascending=[False, True], kind="stable")
        bal = bal.drop_duplicates(["ticker", "item", "q"], keep="first")
        dur = f[~is_bal]
        dur = dur[~dur["item"].isin(BALANCES).to_numpy()]
        days = (dur["period_end"] - dur["period_start"]).dt.days + 1
        fy = dur[days.between(*YEAR_DAYS).to_numpy()].assign(
            q=lambda x: quarter_slot(x["period_end"]), kind=FISCAL_YEAR)
        fy = fy.sort_values("filed", kind="stable").drop_duplicates(["ticker", "item", "q"])
        qtr = _quarters_from_durations(dur).assign(kind=QUARTER)
        rows = pd.concat([qtr, fy, bal], ignore_index=True)
        t = tick.get_indexer(rows["ticker"])
        keep = t >= 0
        rows = rows[keep]
        src = rows.drop_duplicates("ticker").set_index("ticker")["source"]
        return cls(
            tickers=tick, t=t[keep].astype("int64"),
            i=pd.Index(ITEMS).get_indexer(rows["item"]).astype("int64"),
            kind=rows["kind"].to_numpy(dtype="int64"), q=rows["q"].to_numpy(dtype="int64"),
            end=rows["period_end"].to_numpy(dtype="datetime64[ns]"),
            value=rows["value"].to_numpy(dtype="float64"),
            known=rows["filed"].to_numpy(dtype="datetime64[ns]"),
            source=src.reindex(tick).to_numpy(dtype=object))

    def __len__(self) -> int:
        return len(self.value)

    # -- as of a date --------------------------------------------------------------------
    def _cube(self, as_of):
        """(kind, item, ticker, slot) values known on ``as_of``, over the look-back slots."""
        d = np.datetime64(pd.Timestamp(as_of).normalize(), "ns")
        top = int(quarter_slot([pd.Timestamp(as_of) + pd.Timedelta(days=15)])[0])
        low = top - LOOKBACK_QUARTERS
        m = (self.known <= d) & (self.q > low) & (self.q <= top)
        n, width = len(self.tickers), LOOKBACK_QUARTERS
        cube = np.full((3, len(ITEMS), n, width), np.nan)
        slot = self.q[m] - low - 1
        cube[self.kind[m], self.i[m], self.t[m], slot] = self.value[m]
        ends = np.full((n, width), np.datetime64("NaT"), dtype="datetime64[ns]")
        ends[self.t[m], slot] = self.end[m]
        return cube, ends, m

    def statements(self, as_of) -> pd.DataFrame:
        """TTM flows and MRQ balances of WINDOW windows per ticker, known on ``as_of``
        (statements block layout: index (ticker, fiscal_year))."""
        cube, ends, m = self._cube(as_of)
        has_any = ~np.isnan(cube).all(axis=(0, 1))  # (ticker, slot)
        latest = np.where(has_any.any(axis=1),
                          has_any.shape[1] - 1 - np.argmax(has_any[:, ::-1], axis=1), -1)
        return self._windows(cube, ends, latest, ttm=True)

    def annual(self, as_of) -> pd.DataFrame:
        """Fiscal years known on ``as_of``: FY flows and balances at fiscal year ends."""
        cube, ends, m = self._cube(as_of)
        has_fy = ~np.isnan(cube[FISCAL_YEAR]).all(axis=0)
        latest = np.where(has_fy.any(axis=1),
                          has_fy.shape[1] - 1 - np.argmax(has_fy[:, ::-1], axis=1), -1)
        return self._windows(cube, ends, latest, ttm=False)

    def _windows(self, cube, ends, latest, *, ttm: bool) -> pd.DataFrame:
        n, width = cube.shape[2], cube.shape[3]
        flows = np.array([ITEMS.index(x) for x in FLOWS])
        avg = np.array([ITEMS.index(x) for x in AVERAGED])
        bal = np.array([ITEMS.index(x) for x in BALANCES])
        rows_t, rows_k, rows_v, rows_end = [], [], [], []
        ar = np.arange(n)
        for k in range(WINDOW):
            e = latest - 4 * k
            ok = (latest >= 0) & (e >= 3 if ttm else e >= 0)
            ec = np.clip(e, 0, width - 1)
            out = np.full((len(ITEMS), n), np.nan)
            fy = cube[FISCAL_YEAR][:, ar, ec]
            if ttm:
                four = np.stack([cube[QUARTER][:, ar, np.clip(e - j, 0, width - 1)]
                                 for j in range(4)])  # (4, item, ticker)
                total = four.sum(axis=0)  # NaN unless all four known
                mean = four.mean(axis=0)
                ttm_v = np.where(np.isnan(fy), total, fy)
                out[flows] = ttm_v[flows]
                out[avg] = np.where(np.isnan(fy[avg]), mean[avg], fy[avg])
            else:
                out[flows] = fy[flows]
            out[bal] = cube[BALANCE][bal][:, ar, ec]
            out[:, ~ok] = np.nan
            keep = ok & ~np.isnan(out).all(axis=0)
            rows_t.append(ar[keep])
            rows_k.append(np.full(keep.sum(), k))
            rows_v.append(out[:, keep].T)
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
        frame["source"] = self.source[t[good]]
        frame.index = pd.MultiIndex.from_arrays(
            [self.tickers[t[good]], pd.Index((base_year[good] - k[good]).astype("int64"))],
            names=["ticker", "fiscal_year"])
        return frame.sort_index()

    def newest_filing(self, as_of) -> pd.Series:
        """Per ticker the newest knowledge date of a fact used on ``as_of``."""
        d = np.datetime64(pd.Timestamp(as_of).normalize(), "ns")
        m = self.known <= d
        s = pd.Series(self.known[m]).groupby(self.t[m]).max()
        return pd.Series(s.to_numpy(), index=self.tickers[s.index.to_numpy()])
