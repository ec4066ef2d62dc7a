"""FMP quarterly statements (``period=quarter``) -> rows of the history's ``facts`` dataset.

The ``/stable`` statement endpoints with ``period=quarter`` return one row per fiscal quarter
(``period`` Q1..Q4, ``fiscalYear``, ``date`` = the quarter's end), each with ``filingDate`` (the
date the 10-Q/10-K reached the SEC) and ``acceptedDate`` (``YYYY-MM-DD HH:MM:SS``). Flows are
discrete 3-month values (FMP reports Q4 itself), so each becomes a 3-month duration;
balances are instants. ``filed`` is ``filingDate``, else the date part of ``acceptedDate``;
a row with neither is dropped (its knowledge date is unknown, so no as-of view may use it).
Signs as in ``fmp.parse_statements``: capex, interest and D&A are positive amounts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from screener.history.asof import BALANCES
from screener.providers.fmp import _POSITIVE, STATEMENT_ALIASES, STATEMENT_ENDPOINTS
from screener.providers.values import ci_get, num

SOURCE = "fmp"
DATASET = "statements_quarterly"
PLAN = [(e, {"period": "quarter", "limit": 80}) for e in STATEMENT_ENDPOINTS]
COLUMNS = ["ticker", "item", "value", "period_start", "period_end", "fiscal_year",
           "fiscal_period", "form", "filed", "accn", "source"]


def _filed(row: Mapping[str, Any]):
    for key in ("filingDate", "fillingDate", "acceptedDate"):
        text = ci_get(row, key)
        if text:
            d = pd.to_datetime(str(text)[:10], errors="coerce")
            if not pd.isna(d):
                return d
    return None


def parse_quarterly(ticker: str, doc: Mapping[str, Any]) -> pd.DataFrame:
    """``{"income-statement": [...], "balance-sheet-statement": [...], ...}`` -> facts rows."""
    out = []
    for endpoint in STATEMENT_ENDPOINTS:
        for row in doc.get(endpoint) or []:
            if not isinstance(row, Mapping):
                continue
            period = str(ci_get(row, "period") or "").upper()
            end = pd.to_datetime(str(ci_get(row, "date") or "")[:10], errors="coerce")
            filed = _filed(row)
            if period not in ("Q1", "Q2", "Q3", "Q4") or pd.isna(end) or filed is None:
                continue
            start = end - pd.DateOffset(months=3) + pd.Timedelta(days=1)
            fy = num(ci_get(row, "fiscalYear", "calendarYear"))
            for item, keys in STATEMENT_ALIASES.items():
                value = num(ci_get(row, *keys))
                if value is None:
                    continue
                if item in _POSITIVE:
                    value = abs(value)
                out.append({"ticker": ticker, "item": item, "value": value,
                            "period_start": None if item in BALANCES else start,
                            "period_end": end, "fiscal_year": int(fy) if fy else end.year,
                            "fiscal_period": period, "form": "10-K" if period == "Q4"
                            else "10-Q", "filed": filed, "accn": None, "source": SOURCE})
    frame = pd.DataFrame(out, columns=COLUMNS)
    # an item found in two endpoints (e.g. netIncome in income and cash flow): keep the first
    frame = frame.drop_duplicates(["item", "period_start", "period_end", "filed"])
    for col in ("period_start", "period_end", "filed"):
        frame[col] = pd.to_datetime(frame[col])
    return frame.reset_index(drop=True)
