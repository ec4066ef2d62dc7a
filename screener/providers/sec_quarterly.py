"""SEC companyfacts -> rows of the ``facts`` history dataset, every filing kept.

Where ``sec_statements`` picks one value per fiscal year for today's view, this keeps each
fact as filed: one row per (item, period_start, period_end, filing), with the filing's date
(``filed``), form (10-Q, 10-Q/A, 10-K, ...) and accession number. 10-Qs report 3-month and
year-to-date durations; both are kept as reported (``history.asof`` derives the quarters:
Q4 = fiscal year - nine-month YTD). A 10-Q/A or next year's restated comparative column is a
separate row with its own later ``filed`` date, so the first-filed view can ignore it.

Tags: each item's simple alternatives from ``sec_statements.ITEMS`` (in order; expressions
such as ``A + ?B`` are left to the derivation of ``metrics.wide``). When a company switches tag
over the years (``SalesRevenueNet`` -> ``RevenueFromContractWithCustomer...``), each period
takes the first alternative that reports it in that filing.

``fiscal_year``/``fiscal_period`` describe the fact's own period (not the filing's ``fy``/
``fp``, which a comparative column shares with the current one): the fiscal year end is the
most common end of the company's annual durations, and a period ending k quarters after it
is ``Qk`` (a full-year duration is ``FY``).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from screener.history.asof import QUARTER_DAYS, YEAR_DAYS, quarter_slot
from screener.providers.sec_statements import ITEMS as SEC_ITEMS
from screener.providers.sec_statements import POSITIVE
from screener.providers.sec_xbrl import FORMS

SOURCE = "sec"
COLUMNS = ["ticker", "item", "value", "period_start", "period_end", "fiscal_year",
           "fiscal_period", "form", "filed", "accn", "source"]


def _simple(alternatives) -> list[str]:
    return [a for a in alternatives if isinstance(a, str) and a.isidentifier()]


TAGS: dict[str, tuple[str, str, list[str]]] = {
    item: (kind, unit, _simple(alts)) for item, (kind, unit, alts) in SEC_ITEMS.items()}


def _rows(data: dict) -> pd.DataFrame:
    gaap = ((data or {}).get("facts") or {}).get("us-gaap") or {}
    parts = []
    for item, (kind, unit, tags) in TAGS.items():
        for rank, tag in enumerate(tags):
            entries = (((gaap.get(tag) or {}).get("units") or {}).get(unit)) or []
            if not entries:
                continue
            df = pd.DataFrame([e for e in entries if isinstance(e, dict)])
            if df.empty or not {"end", "val", "filed"} <= set(df.columns):
                continue
            df = df.assign(item=item, rank=rank, kind=kind)
            parts.append(df)
    if not parts:
        return pd.DataFrame(columns=[*COLUMNS, "rank", "kind"])
    df = pd.concat(parts, ignore_index=True)
    for col in ("start", "form", "accn"):
        if col not in df.columns:
            df[col] = None
    return df


def parse_companyfacts_history(ticker: str, data: dict | bytes) -> pd.DataFrame:
    """Every 10-K/10-Q fact of the mapped items, as ``facts`` rows (see the docstring)."""
    if isinstance(data, (bytes, str)):
        data = json.loads(data)
    df = _rows(data)
    if df.empty:
        return pd.DataFrame(columns=COLUMNS)
    df = df[df["form"].isin(FORMS).to_numpy()]
    value = pd.to_numeric(df["val"], errors="coerce")
    end = pd.to_datetime(df["end"], errors="coerce")
    start = pd.to_datetime(df["start"], errors="coerce")
    filed = pd.to_datetime(df["filed"], errors="coerce")
    ok = value.notna() & np.isfinite(value) & end.notna() & filed.notna()
    is_flow = (df["kind"] == "flow").to_numpy()
    ok &= ~(is_flow & start.isna().to_numpy())  # a flow without a start is malformed
    df = df.assign(value=value, period_end=end, filed=filed,
                   period_start=start.where(is_flow))[ok.to_numpy()]
    pos = df["item"].isin(POSITIVE).to_numpy()
    df.loc[pos, "value"] = df.loc[pos, "value"].abs()
    # one tag per (item, period, filing): the first alternative that reports it
    df = df.sort_values("rank", kind="stable").drop_duplicates(
        ["item", "period_start", "period_end", "accn", "filed"], keep="first")
    df["fiscal_year"], df["fiscal_period"] = _fiscal_labels(df)
    out = df.assign(ticker=ticker, source=SOURCE)[COLUMNS]
    return out.sort_values(["item", "period_end", "filed"]).reset_index(drop=True)


def _fiscal_labels(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    days = (df["period_end"] - df["period_start"]).dt.days + 1
    is_year = days.between(*YEAR_DAYS).to_numpy()
    slot = quarter_slot(df["period_end"])
    if is_year.any():
        year_end = int(pd.Series(slot[is_year] % 4).mode().iloc[0])
    else:  # no annual duration: the filings' own fp tell nothing reliable; assume December
        year_end = int(quarter_slot([pd.Timestamp("2020-12-31")])[0] % 4)
    pos = (slot - year_end) % 4  # 0: the fiscal year's last quarter
    fy_slot = slot + (4 - pos) % 4
    fiscal_year = (fy_slot * 3) // 12  # the calendar year of the fiscal year's last month
    period = np.where(is_year, "FY", np.array(["Q4", "Q1", "Q2", "Q3"])[pos])
    return fiscal_year.astype("int64"), period


def quarter_durations(facts: pd.DataFrame) -> pd.Series:
    """Boolean mask of the 3-month durations (what a user reads as 'the quarter')."""
    days = (facts["period_end"] - facts["period_start"]).dt.days + 1
    return days.between(*QUARTER_DAYS)


def payload_facts(ticker: str, payload: bytes) -> pd.DataFrame:
    """A stored companyfacts payload (the journal's bytes) -> facts rows."""
    data: Any = json.loads(payload)
    return parse_companyfacts_history(ticker, data)
