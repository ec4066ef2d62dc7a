"""Reading SEC companyfacts facts: the shared base of the ladder and statement parsers.

``facts["us-gaap"][Tag]["units"][unit]`` lists ``{end, val, accn, fy, fp, form, filed,
frame?, start?}``; only 10-K/10-Q filings (and their /A and transition forms) are read, and
malformed entries are skipped.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

FORMS = {"10-K", "10-K/A", "10-Q", "10-Q/A", "10-KT", "10-KT/A", "10-QT", "10-QT/A"}
ANNUAL_FORMS = {"10-K", "10-K/A", "10-KT", "10-KT/A"}
STALE_AFTER_DAYS = 400



@dataclass(frozen=True)
class Fact:
    tag: str
    val: float
    end: date
    start: date | None
    filed: date
    form: str
    fy: int | None
    fp: str | None
    accn: str

    @property
    def days(self) -> int | None:
        return (self.end - self.start).days if self.start else None


def _date(text: Any) -> date | None:
    try:
        return date.fromisoformat(str(text)[:10])
    except (TypeError, ValueError):
        return None


def facts_of(data: dict, tag: str, unit: str = "USD", taxonomy: str = "us-gaap") -> list[Fact]:
    """Every usable fact of ``tag`` from 10-K/10-Q forms (malformed entries skipped)."""
    try:
        entries = data["facts"][taxonomy][tag]["units"][unit]
    except (KeyError, TypeError):
        return []
    if not isinstance(entries, list):
        return []
    out = []
    for e in entries:
        if not isinstance(e, dict) or str(e.get("form", "")).upper() not in FORMS:
            continue
        end, filed = _date(e.get("end")), _date(e.get("filed"))
        val = e.get("val")
        if end is None or filed is None or isinstance(val, bool) \
                or not isinstance(val, (int, float)) or not math.isfinite(val):
            continue
        if end > filed:     # a period cannot end after its filing: a typo'd context date
            continue        # (e.g. 2205-03-31) that would otherwise become "the latest end"
        start = _date(e.get("start"))
        if start is not None and start > end:
            continue
        fy = e.get("fy")
        out.append(Fact(tag, float(val), end, start, filed,
                        str(e["form"]).upper(), int(fy) if isinstance(fy, int) else None,
                        e.get("fp"), str(e.get("accn", ""))))
    return out


def _best(facts: Iterable[Fact]) -> Fact | None:
    """The most recently filed of duplicates (comparatives, amendments) of one value."""
    facts = list(facts)
    return max(facts, key=lambda f: (f.filed, f.accn)) if facts else None


def _describe(f: Fact) -> str:
    return f"{f.form} for {f.end} (filed {f.filed})"



def _why_empty(data: dict) -> str:
    """A reason a filer has no usable USD facts: other currencies, IFRS, no 10-K forms."""
    facts = data.get("facts") if isinstance(data, dict) else None
    if not isinstance(facts, dict):
        return ""
    gaap = facts.get("us-gaap") if isinstance(facts.get("us-gaap"), dict) else {}
    units: dict[str, int] = {}
    forms: set[str] = set()
    for concept in gaap.values():
        by_unit = concept.get("units") if isinstance(concept, dict) else None
        for unit, entries in (by_unit.items() if isinstance(by_unit, dict) else ()):
            entries = entries if isinstance(entries, list) else []
            units[unit] = units.get(unit, 0) + len(entries)
            forms.update(str(e.get("form")) for e in entries if isinstance(e, dict))
    money = {u: n for u, n in units.items() if "/" not in u and u not in ("shares", "pure")
             and u.isalpha() and u.isupper()}
    if money and "USD" not in money:
        return (" (its amounts are reported in " + ", ".join(sorted(money)) + ", not USD; "
                "this parser reads USD only)")
    if not gaap and any(k.startswith("ifrs") for k in facts):
        return " (it reports under IFRS (ifrs-full), usually on 20-F/40-F, not US GAAP 10-K)"
    if gaap and forms and not forms & FORMS:
        return " (its facts come only from " + ", ".join(sorted(forms)[:4]) + " forms)"
    return ""



def _fail(ticker: str, dataset: str, reason: str) -> dict:
    return {"ticker": ticker, "source": "sec", "dataset": dataset, "reason": reason,
            "attempts": 1, "transient": False}

