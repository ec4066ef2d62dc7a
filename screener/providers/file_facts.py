"""Dated statement rows of a user's file -> rows of the history's ``facts`` dataset.

With ``period:`` and ``filed:`` (or ``published:``) in the mapping, each row of the file is one
period of one company: its statement values cover the quarter (``frequency: quarterly``, the
default) or the fiscal year (``annual``) ending on the row's period date, and became known on
its filing date. The same period filed twice (a restatement) is two rows with two filing
dates; both are kept and an as-of view uses the first one filed on or before its date.

Flows get ``period_start`` = period end - 3 (or 12) months + 1 day; balances (``cash``,
``total_assets``, ...) are instants without a start. ``fiscal_period`` is ``FY`` for annual rows
and, for quarterly ones, the calendar quarter of the period end (a file does not say where the
fiscal year ends; the quarter arithmetic does not need the label).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from screener.history.asof import BALANCES
from screener.metrics.wide import ITEMS

COLUMNS = ["ticker", "item", "value", "period_start", "period_end", "fiscal_year",
           "fiscal_period", "form", "filed", "accn", "source"]


def one_date(value: Any):
    """A period end or filing date: None when blank or not a date."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    d = pd.to_datetime(value, errors="coerce")
    return None if pd.isna(d) else d.date()


def facts_frame(checked, kept: np.ndarray, mapping, source: str) -> pd.DataFrame:
    """The kept rows (``file_rows.Checked``) -> facts rows: per row, one per item with a
    value, in the order of ``metrics.wide.ITEMS``."""
    months = 12 if mapping.frequency == "annual" else 3
    st = checked.blocks["statements"]
    end, filed = st["period_end"][kept], st["_filed"][kept]
    present = ~np.isnat(end) & ~np.isnat(filed)
    pos, item_no = [], []
    for k, item in enumerate(ITEMS):
        if item not in st:
            continue
        values = st[item][kept]
        if values.dtype.kind != "f":
            values = np.array([np.nan if v is None else float(v) for v in values.tolist()])
        has = np.flatnonzero(present & ~np.isnan(values))
        pos.append(has)
        item_no.append(np.full(len(has), k))
    pos_all = np.concatenate(pos) if pos else np.zeros(0, dtype=int)
    if not len(pos_all):
        frame = pd.DataFrame([], columns=COLUMNS)
        for col in ("period_start", "period_end", "filed"):
            frame[col] = pd.to_datetime(frame[col])
        return frame
    items = np.concatenate(item_no)
    order = np.lexsort((items, pos_all))
    pos_all, items = pos_all[order], items[order]
    value = np.empty(len(pos_all))
    for k in np.unique(items):
        at = items == k
        value[at] = st[ITEMS[k]][kept][pos_all[at]].astype("float64")
    ends = end[pos_all]
    starts, labels = {}, {}
    for d in np.unique(ends):  # the quarter arithmetic once per distinct period end
        end_ts = pd.Timestamp(d)
        starts[d] = np.datetime64((end_ts - pd.DateOffset(months=months)
                                   + pd.Timedelta(days=1)).date(), "D")
        labels[d] = "FY" if months == 12 else f"Q{(end_ts - pd.Timedelta(days=15)).quarter}"
    balance = np.isin(np.asarray(ITEMS, dtype=object)[items], list(BALANCES))
    start = np.array([starts[d] for d in ends], dtype="datetime64[D]")
    start[balance] = np.datetime64("NaT")
    fys = checked.fys[kept][pos_all]
    years = ends.astype("datetime64[Y]").astype(int) + 1970
    n = len(pos_all)
    frame = pd.DataFrame({
        "ticker": checked.tickers[kept][pos_all],
        "item": np.asarray(ITEMS, dtype=object)[items],
        "value": value,
        "period_start": start.astype("datetime64[s]"),
        "period_end": ends.astype("datetime64[s]"),
        "fiscal_year": np.where(np.isnan(fys), years, fys).astype("int64"),
        "fiscal_period": np.array([labels[d] for d in ends], dtype=object),
        "form": np.full(n, "file", dtype=object),
        "filed": filed[pos_all].astype("datetime64[s]"),
        "accn": np.full(n, None, dtype=object),
        "source": np.full(n, source, dtype=object),
    }, columns=COLUMNS)
    return frame
