"""Pure parsing of SEC companyfacts JSON into raw records (no network, no store).

Facts: ``facts["us-gaap"][Tag]["units"][unit]`` lists ``{end, val, accn, fy, fp, form, filed,
frame?, start?}``. Only 10-K/10-Q filings (and their /A and transition forms) are read.

The rule that matters (DOMAIN.md, "the trap of latest value per tag"): a block is read as ONE
set at ONE period end, never stitched from tags last reported at different dates.

Ladder (``maturity_ladder``)
  1. anchor = the latest period ``end`` at which any maturity tag (classic, rolling or
     remainder-of-fiscal-year) is reported in a 10-K/10-Q;
  2. every bucket is read at that end only (latest ``filed`` among duplicates, i.e. the most
     recent filing repeating or amending it); a tag last reported at an older end is missing;
  3. one tag family per ladder: classic (``...InNextTwelveMonths``, ``InYearTwo``..``InYearFive``,
     ``AfterYearFive``) or rolling (``...InNextRollingTwelveMonths``, ``InRollingYearTwo``..
     ``InRollingAfterYearFive``), whichever has more buckets at the anchor (classic on a tie);
  4. remainder rule (10-Q with ``...RemainderOfFiscalYear`` and no next-twelve-months tag): the
     filing's buckets are fiscal years (remainder of this year, then years two to five after
     the last 10-K). To never understate the wall, buckets shift by one: due_y1 = remainder +
     year two (covers 12 to 15+ months), due_y2..y4 = years three..five, due_y5 = unknown
     (NaN), due_after_y5 = after year five. The note states this;
  5. one filing, no stitching: when the anchor filing is a 10-Q whose ladder stops early (e.g.
     years five and after missing), the missing buckets are unknown (NaN), never taken from an
     older 10-K: a 10-Q counts years from the quarter's fiscal year and a 10-K from its own,
     so "year two" of one can be "year three" of the other (a tranche counted twice). The
     note says which buckets the filing does not report;
  6. total principal: the filing's own total of the debt the ladder schedules, at the anchor
     end (``DebtInstrumentCarryingAmount``, principal before discounts, else ``LongTermDebt``,
     which includes the current portion), is kept as ``total_principal``: the metrics divide
     the 24-month wall by it and note a ladder that does not add up to it;
  7. stale rule: a ladder whose anchor is more than ``stale_after_days`` (default 400) before
     the snapshot's as-of is kept but flagged: its note starts with ``STALE`` and a
     ``Failure(reason="stale: ...")`` is returned under ``"_failures"``.

Statements (``annual_statements``): one record per fiscal year (the latest ``years`` of them).
Flow items (income, cash flow) are annual durations (340-390 days) from 10-K forms ending at
the fiscal year end; balance items are instants at exactly that end. Each item has a fallback
chain of alternatives (``"A + ?B - C"``: sum of tags at the same period, ``?`` optional) tried in
order, per period: a tag that stopped being reported is missing for later years, never carried
forward. Debt is the exception: short-term, long-term and total debt come from ONE
non-overlapping decomposition per period end, checked against the filing's own totals
(``sec_debt``), never from independent chains that can count a tranche twice. The fiscal-year label comes from the filings' own ``fy`` (so retailers ending in
January keep their own convention).
"""

from __future__ import annotations

from datetime import date

from screener.providers.sec_statements import annual_statements
from screener.providers.sec_xbrl import (
    ANNUAL_FORMS,
    FORMS,
    STALE_AFTER_DAYS,
    Fact,
    _best,
    _describe,
    _fail,
    _why_empty,
    facts_of,
)

__all__ = ["FORMS", "STALE_AFTER_DAYS", "Fact", "annual_statements", "facts_of",
           "maturity_ladder", "parse_companyfacts"]

PREFIX = "LongTermDebtMaturitiesRepaymentsOfPrincipal"
BUCKETS = ("y1", "y2", "y3", "y4", "y5", "after")
CLASSIC = dict(zip(BUCKETS, ("InNextTwelveMonths", "InYearTwo", "InYearThree", "InYearFour",
                             "InYearFive", "AfterYearFive")))
ROLLING = dict(zip(BUCKETS, ("InNextRollingTwelveMonths", "InRollingYearTwo",
                             "InRollingYearThree", "InRollingYearFour", "InRollingYearFive",
                             "InRollingAfterYearFive")))
REMAINDER = "RemainderOfFiscalYear"
FIELD = {"y1": "due_y1", "y2": "due_y2", "y3": "due_y3", "y4": "due_y4", "y5": "due_y5",
         "after": "due_after_y5"}


# -- the maturity ladder -------------------------------------------------------------------
def _ladder_at(by_tag: dict[str, list[Fact]], end: date) -> dict[str, Fact]:
    out = {}
    for tag, facts in by_tag.items():
        best = _best(f for f in facts if f.end == end)
        if best is not None:
            out[tag] = best
    return out


def _family(at: dict[str, Fact]) -> tuple[str, dict[str, Fact]]:
    """The tag family of the ladder at one end; buckets it lacks are filled from the other
    family AT THE SAME END (filers often tag one table with both: the next twelve months
    with the classic tag, the later years with rolling tags). Never from another date."""
    classic = {b: at[PREFIX + s] for b, s in CLASSIC.items() if PREFIX + s in at}
    rolling = {b: at[PREFIX + s] for b, s in ROLLING.items() if PREFIX + s in at}
    name, main, other = ("rolling", rolling, classic) if len(rolling) > len(classic) \
        else ("classic", classic, rolling)
    if main and other and any(b not in main for b in other):
        merged = {b: main.get(b) or other.get(b) for b in BUCKETS if b in main or b in other}
        return "mixed classic and rolling", merged
    return name, main


PRINCIPAL_TAGS = ("DebtInstrumentCarryingAmount", "LongTermDebt")


def _total_principal(data: dict, end: date) -> tuple[float | None, str]:
    """The filing's total of scheduled debt at the ladder's end (balance instants only)."""
    for tag in PRINCIPAL_TAGS:
        best = _best(f for f in facts_of(data, tag) if f.end == end and f.start is None)
        if best is not None:
            return best.val, f"{tag} {best.val:,.0f}"
    return None, ""


def maturity_ladder(ticker: str, data: dict, as_of: date | None = None,
                    stale_after_days: int = STALE_AFTER_DAYS) -> tuple[dict | None, list[dict]]:
    """(ladder record or None, failures) read as one set at the latest reported end."""
    tags = [PREFIX + s for s in (*CLASSIC.values(), *ROLLING.values(), REMAINDER)]
    by_tag = {t: facts_of(data, t) for t in tags}
    ends = {f.end for facts in by_tag.values() for f in facts}
    if not ends:
        return None, [_fail(ticker, "ladder", "no debt maturity tags in companyfacts (no "
                            "long-term debt, or maturities not tagged)" + _why_empty(data))]
    anchor = max(ends)
    at = _ladder_at(by_tag, anchor)
    family, buckets = _family(at)
    remainder = at.get(PREFIX + REMAINDER)
    anchor_forms = {f.form for f in at.values()}
    is_quarter = not (anchor_forms & ANNUAL_FORMS)
    parts: list[str] = []

    values = {b: f.val for b, f in buckets.items()}
    total, total_tag = _total_principal(data, anchor)

    remainder_mode = remainder is not None and "y1" not in buckets
    sources = sorted({_describe(f) for f in at.values()})
    parts.append(f"read at {anchor} from " + "; ".join(sources) + f" ({family} tags)")
    if remainder_mode:
        y2 = values.get("y2")
        rec_values = {
            "due_y1": remainder.val + (y2 or 0.0),
            "due_y2": values.get("y3"), "due_y3": values.get("y4"),
            "due_y4": values.get("y5"), "due_y5": None, "due_after_y5": values.get("after"),
        }
        parts.append("remainder rule: due_y1 = remainder of fiscal year"
                     + (" + fiscal year two" if y2 is not None else " (year two not reported)")
                     + " (conservative: covers 12 months or more); due_y2..due_y4 = fiscal "
                     "years three..five; due_y5 unknown")
    else:
        rec_values = {FIELD[b]: values.get(b) for b in BUCKETS}
    missing = [f for f, v in rec_values.items() if v is None
               and not (remainder_mode and f == "due_y5")]
    if missing:
        parts.append("not reported: " + ", ".join(missing) + (
            " (the 10-Q's ladder stops there; not taken from another filing)"
            if is_quarter else ""))
    if total is not None:
        parts.append(f"total principal {total_tag}")

    failures = []
    if as_of is not None and (as_of - anchor).days > stale_after_days:
        msg = (f"stale: latest maturity ladder is at {anchor}, {(as_of - anchor).days} days "
               f"before {as_of} (limit {stale_after_days})")
        failures.append(_fail(ticker, "ladder", msg))
        parts.insert(0, "STALE")
    record = {"ticker": ticker, "as_of": anchor.isoformat(), **rec_values,
              "total_principal": total, "note": "; ".join(parts)}
    return record, failures


def parse_companyfacts(ticker: str, data: dict, as_of: date | None = None,
                       stale_after_days: int = STALE_AFTER_DAYS) -> dict[str, list[dict]]:
    """companyfacts JSON -> {"identity", "statements", "ladder", "_failures"} records."""
    if not isinstance(data, dict) or not isinstance(data.get("facts"), dict):
        raise ValueError("not a companyfacts document (no 'facts' object)")  # noqa: TRY004
    out: dict[str, list[dict]] = {"identity": [], "statements": [], "ladder": [],
                                  "_failures": []}
    name = str(data.get("entityName") or "").strip()
    if name:
        out["identity"].append({"ticker": ticker, "name": name})
    ladder, fails = maturity_ladder(ticker, data, as_of, stale_after_days)
    if ladder:
        out["ladder"].append(ladder)
    out["_failures"].extend(fails)
    records, fails = annual_statements(ticker, data, as_of, stale_after_days=stale_after_days)
    out["statements"].extend(records)
    out["_failures"].extend(fails)
    return out

