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

import pandas as pd

from screener.history.asof import BALANCES
from screener.metrics.wide import ITEMS

COLUMNS = ["ticker", "item", "value", "period_start", "period_end", "fiscal_year",
           "fiscal_period", "form", "filed", "accn", "source"]


def _date(value: Any):
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    d = pd.to_datetime(value, errors="coerce")
    return None if pd.isna(d) else d.date()


def row_dates(raw: dict, header: dict[str, str], mapping, rec: dict) -> list[dict[str, Any]]:
    """Parse one row's period end and filing date into ``rec``; the problems found."""
    bad = []
    filed_col = mapping.filed_column
    end, filed = _date(raw[header[mapping.period]]), _date(raw[header[filed_col]])
    if end is None:
        bad.append({"column": mapping.period, "value": raw[header[mapping.period]],
                    "reason": "not a date (the period end, e.g. 2024-03-31)"})
    if filed is None:
        bad.append({"column": filed_col, "value": raw[header[filed_col]],
                    "reason": "not a date (the filing or publication date)"})
    if end is not None and filed is not None and filed < end:
        bad.append({"column": filed_col, "value": raw[header[filed_col]],
                    "reason": f"filed before the period ended ({end})"})
    rec["period_end"], rec["_filed"] = end, filed
    return bad


def facts_frame(rows, mapping, source: str) -> pd.DataFrame:
    """Accepted rows ``(line, ticker, blocks)`` -> facts rows (one per item with a value)."""
    months = 12 if mapping.frequency == "annual" else 3
    out = []
    for _, ticker, blocks in rows:
        st = blocks.get("statements") or {}
        end, filed = st.get("period_end"), st.get("_filed")
        if end is None or filed is None:
            continue
        end_ts = pd.Timestamp(end)
        start = (end_ts - pd.DateOffset(months=months) + pd.Timedelta(days=1)).date()
        label = "FY" if months == 12 else f"Q{(end_ts - pd.Timedelta(days=15)).quarter}"
        fy = st.get("fiscal_year") or end_ts.year
        for item in ITEMS:
            value = st.get(item)
            if value is None:
                continue
            out.append({"ticker": ticker, "item": item, "value": float(value),
                        "period_start": None if item in BALANCES else start,
                        "period_end": end, "fiscal_year": int(fy), "fiscal_period": label,
                        "form": "file", "filed": filed, "accn": None, "source": source})
    frame = pd.DataFrame(out, columns=COLUMNS)
    for col in ("period_start", "period_end", "filed"):
        frame[col] = pd.to_datetime(frame[col])
    return frame
