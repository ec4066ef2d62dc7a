"""Two raw blocks as of a date, from history rows: the debt maturity ladder and short interest.

For the point-in-time assembly (``PointInTime.bundle``): without them the lists that filter on
``wall_coverage_24m``, ``debt_due_24m`` or ``short_interest`` come out empty on past dates.

- ``ladder_as_of(facts, d)``: per ticker, the ladder items (``due_y1`` .. ``due_y5``,
  ``due_after_y5``) at the latest period end for which a filing on or before ``d`` reported
  them, each value from its *first* filing (a later amendment or comparative does not leak in);
  items missing at that period end stay missing (not filled from an older one), as DOMAIN.md
  asks for SEC ladders.
- ``short_interest_as_of(rows, d)``: per ticker, the newest settlement published on or before
  ``d`` (``released``), with its settlement date.

Both are vectorised (sort + drop_duplicates + pivot), one pass for all tickers.
"""

from __future__ import annotations

import pandas as pd

LADDER_ITEMS = ("due_y1", "due_y2", "due_y3", "due_y4", "due_y5", "due_after_y5")


def ladder_as_of(facts: pd.DataFrame, date, tickers=None) -> pd.DataFrame:
    """The ladder block (index ticker: as_of = period end, due_*, note, source) known on ``date``.

    ``facts``: rows of the ``facts`` dataset (any items; others are ignored).
    """
    d = pd.Timestamp(date)
    f = facts[facts["item"].isin(LADDER_ITEMS) & (facts["filed"] <= d)]
    if tickers is not None:
        f = f[f["ticker"].isin(pd.Index(tickers))]
    return ladder_block(first_filed_ladder(f))


def first_filed_ladder(facts: pd.DataFrame) -> pd.DataFrame:
    """The ladder rows, each (ticker, item, period end) from its first filing, sorted by
    filing date: the rows filed on or before a date are then a prefix, and that prefix is what
    ``ladder_as_of`` keeps for the date (the first filing of a value is the earliest, so
    dropping the later filings before or after cutting at the date keeps the same rows)."""
    f = facts[facts["item"].isin(LADDER_ITEMS)]
    return f.sort_values(["filed", "accn"], kind="stable").drop_duplicates(
        ["ticker", "item", "period_end"], keep="first")                  # first filing wins


def ladder_block(f: pd.DataFrame) -> pd.DataFrame:
    """The ladder block from first-filed ladder rows known on the date (``first_filed_ladder``
    rows cut at the date): per ticker the items at its latest period end."""
    cols = ["as_of", *LADDER_ITEMS, "note", "source"]
    if f.empty:
        return pd.DataFrame(columns=cols, index=pd.Index([], name="ticker", dtype="str"))
    last_end = f.groupby("ticker")["period_end"].transform("max")
    f = f[f["period_end"] == last_end]
    wide = f.pivot(index="ticker", columns="item", values="value").reindex(
        columns=list(LADDER_ITEMS))
    first = f.sort_values("filed", kind="stable").groupby("ticker").agg(
        as_of=("period_end", "first"), filed=("filed", "max"), form=("form", "first"),
        source=("source", "first"))
    out = wide.join(first)
    out["note"] = ("ladder at " + out["as_of"].dt.strftime("%Y-%m-%d") + " from the "
                   + out["form"].astype(str) + " filed " + out["filed"].dt.strftime("%Y-%m-%d"))
    out.index.name = "ticker"
    return out[cols].astype({c: "float64" for c in LADDER_ITEMS})


def short_interest_as_of(rows: pd.DataFrame, date, tickers=None) -> pd.DataFrame:
    """Per ticker (index): ``short_pct_float``, ``shares_short`` and ``as_of`` (settlement)
    of the newest settlement published on or before ``date``."""
    d = pd.Timestamp(date)
    r = rows[rows["released"] <= d]
    if tickers is not None:
        r = r[r["ticker"].isin(pd.Index(tickers))]
    r = r.sort_values(["ticker", "date"], kind="stable").drop_duplicates("ticker", keep="last")
    out = r.set_index("ticker")[["short_pct_float", "shares_short", "date"]].rename(
        columns={"date": "as_of"})
    out.index.name = "ticker"
    return out
