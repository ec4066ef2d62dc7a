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
  5. tail rule: when the anchor filing is a 10-Q that stops early (e.g. years five and after
     missing), the missing tail buckets are taken from the last 10-K ladder at most 400 days
     older than the anchor (same fiscal-year labels), and the note names which buckets come
     from which filing. Gaps in the middle are left missing;
  6. stale rule: a ladder whose anchor is more than ``stale_after_days`` (default 400) before
     the snapshot's as-of is kept but flagged: its note starts with ``STALE`` and a
     ``Failure(reason="stale: ...")`` is returned under ``"_failures"``.

Statements (``annual_statements``): one record per fiscal year (the latest ``years`` of them).
Flow items (income, cash flow) are annual durations (340-390 days) from 10-K forms ending at
the fiscal year end; balance items are instants at exactly that end. Each item has a fallback
chain of alternatives (``"A + ?B - C"``: sum of tags at the same period, ``?`` optional) tried in
order, per period: a tag that stopped being reported is missing for later years, never carried
forward. The fiscal-year label comes from the filings' own ``fy`` (so retailers ending in
January keep their own convention).
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
TAIL_MAX_DAYS = 400

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
    out = []
    for e in entries or ():
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

    # tail rule: a 10-Q stopping early borrows the missing last buckets from the last 10-K
    reported = [b for b in BUCKETS if b in buckets]
    last = BUCKETS.index(reported[-1]) if reported else (0 if remainder else -1)
    tail = [b for b in BUCKETS[last + 1:]]
    borrowed: dict[str, Fact] = {}
    if is_quarter and tail:
        annual_ends = sorted({f.end for fs in by_tag.values() for f in fs
                              if f.form in ANNUAL_FORMS and f.end < anchor
                              and (anchor - f.end).days <= TAIL_MAX_DAYS}, reverse=True)
        for end in annual_ends[:1]:
            k_at = _ladder_at({t: [f for f in fs if f.form in ANNUAL_FORMS]
                               for t, fs in by_tag.items()}, end)
            _, k_buckets = _family(k_at)
            borrowed = {b: k_buckets[b] for b in tail if b in k_buckets}
    values = {b: f.val for b, f in buckets.items()}
    values.update({b: f.val for b, f in borrowed.items()})

    remainder_mode = remainder is not None and "y1" not in buckets
    # label bucket -> record field (the remainder rule shifts fiscal years down by one)
    target = dict(zip(BUCKETS[1:], ("due_y1", "due_y2", "due_y3", "due_y4", "due_after_y5"))) \
        if remainder_mode else FIELD
    sources = sorted({_describe(f) for f in at.values()})
    parts.append(f"read at {anchor} from " + "; ".join(sources) + f" ({family} tags)")
    if borrowed:
        k = next(iter(borrowed.values()))
        parts.append(", ".join(target[b] for b in borrowed) + " taken from the last "
                     + _describe(k) + " (same fiscal-year labels; not in the 10-Q)")
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
        parts.append("not reported: " + ", ".join(missing))

    failures = []
    if as_of is not None and (as_of - anchor).days > stale_after_days:
        msg = (f"stale: latest maturity ladder is at {anchor}, {(as_of - anchor).days} days "
               f"before {as_of} (limit {stale_after_days})")
        failures.append(_fail(ticker, "ladder", msg))
        parts.insert(0, "STALE")
    record = {"ticker": ticker, "as_of": anchor.isoformat(), **rec_values,
              "note": "; ".join(parts)}
    return record, failures


# -- annual statements ---------------------------------------------------------------------
# field -> (kind, unit, alternatives). kind: "flow" (annual duration) or "bal" (instant).
ITEMS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "revenue": ("flow", "USD", (
        "Revenues", "RevenueFromContractWithCustomerExcludingAssessedTax",
        "RevenueFromContractWithCustomerIncludingAssessedTax", "SalesRevenueNet",
        "SalesRevenueGoodsNet", "SalesRevenueServicesNet", "RevenuesNetOfInterestExpense")),
    "cost_of_revenue": ("flow", "USD", (
        "CostOfRevenue", "CostOfGoodsAndServicesSold", "CostOfGoodsSold", "CostOfServices")),
    "gross_profit": ("flow", "USD", ("GrossProfit",)),
    "operating_income": ("flow", "USD", ("OperatingIncomeLoss",)),
    "depreciation_amortization": ("flow", "USD", (
        "DepreciationDepletionAndAmortization", "DepreciationAndAmortization",
        "DepreciationAmortizationAndAccretionNet",
        "Depreciation + AmortizationOfIntangibleAssets", "Depreciation")),
    "interest_expense": ("flow", "USD", (
        "InterestExpense", "InterestExpenseNonoperating", "InterestExpenseDebt",
        "InterestAndDebtExpense", "InterestExpenseBorrowings")),
    "pretax_income": ("flow", "USD", (
        "IncomeLossFromContinuingOperationsBeforeIncomeTaxesExtraordinaryItemsNoncontrollingInterest",
        "IncomeLossFromContinuingOperationsBeforeIncomeTaxesMinorityInterestAndIncomeLossFromEquityMethodInvestments")),
    "income_tax": ("flow", "USD", ("IncomeTaxExpenseBenefit",)),
    "net_income": ("flow", "USD", ("NetIncomeLoss", "ProfitLoss",
                                   "NetIncomeLossAvailableToCommonStockholdersBasic")),
    "eps_diluted": ("flow", "USD/shares", ("EarningsPerShareDiluted",
                                           "EarningsPerShareBasicAndDiluted")),
    "shares_diluted": ("flow", "shares", ("WeightedAverageNumberOfDilutedSharesOutstanding",)),
    "operating_cash_flow": ("flow", "USD", (
        "NetCashProvidedByUsedInOperatingActivities",
        "NetCashProvidedByUsedInOperatingActivitiesContinuingOperations")),
    "capital_expenditure": ("flow", "USD", ("PaymentsToAcquirePropertyPlantAndEquipment",
                                            "PaymentsToAcquireProductiveAssets")),
    "cash": ("bal", "USD", (
        "CashAndCashEquivalentsAtCarryingValue",
        "CashCashEquivalentsRestrictedCashAndRestrictedCashEquivalents", "Cash",
        "CashAndDueFromBanks")),
    "short_term_investments": ("bal", "USD", (
        "ShortTermInvestments", "MarketableSecuritiesCurrent",
        "AvailableForSaleSecuritiesDebtSecuritiesCurrent")),
    "current_assets": ("bal", "USD", ("AssetsCurrent",)),
    "total_assets": ("bal", "USD", ("Assets",)),
    "current_liabilities": ("bal", "USD", ("LiabilitiesCurrent",)),
    "total_liabilities": ("bal", "USD", ("Liabilities",)),
    "short_term_debt": ("bal", "USD", (
        "DebtCurrent", "LongTermDebtCurrent + ?ShortTermBorrowings + ?CommercialPaper",
        "LongTermDebtAndCapitalLeaseObligationsCurrent", "ShortTermBorrowings")),
    "long_term_debt": ("bal", "USD", (
        "LongTermDebtNoncurrent", "LongTermDebtAndCapitalLeaseObligations",
        "LongTermDebt - LongTermDebtCurrent", "LongTermNotesPayable")),
    "total_debt": ("bal", "USD", (
        "DebtLongtermAndShorttermCombinedAmount",
        "LongTermDebt + ?ShortTermBorrowings + ?CommercialPaper",
        "LongTermDebtNoncurrent + ?DebtCurrent",
        ("LongTermDebtAndCapitalLeaseObligations + ?LongTermDebtAndCapitalLeaseObligationsCurrent"
         " + ?ShortTermBorrowings"))),
    "total_equity": ("bal", "USD", (
        "StockholdersEquity",
        "StockholdersEquityIncludingPortionAttributableToNoncontrollingInterest")),
    "retained_earnings": ("bal", "USD", ("RetainedEarningsAccumulatedDeficit",)),
    "shares_outstanding": ("bal", "shares", ("CommonStockSharesOutstanding",)),
}
POSITIVE = {"interest_expense", "depreciation_amortization", "capital_expenditure"}


def _terms(alternative: str) -> list[tuple[int, str, bool]]:
    """``"A + ?B - C"`` -> [(+1, A, required), (+1, B, optional), (-1, C, required)]."""
    out, sign = [], 1
    for tok in alternative.split():
        if tok in "+-":
            sign = 1 if tok == "+" else -1
            continue
        out.append((sign, tok.lstrip("?"), not tok.startswith("?")))
    return out


class _Index:
    """Facts of the tags needed, looked up by (tag, unit) once."""

    def __init__(self, data: dict):
        self.data = data
        self._cache: dict[tuple[str, str], list[Fact]] = {}

    def get(self, tag: str, unit: str) -> list[Fact]:
        key = (tag, unit)
        if key not in self._cache:
            self._cache[key] = facts_of(self.data, tag, unit)
        return self._cache[key]

    def value(self, kind: str, tag: str, unit: str, end: date) -> Fact | None:
        if kind == "bal":
            return _best(f for f in self.get(tag, unit) if f.end == end and f.start is None)
        return _best(f for f in self.get(tag, unit) if f.end == end and f.form in ANNUAL_FORMS
                     and f.days is not None and 340 <= f.days <= 390)


def _item(idx: _Index, kind: str, unit: str, alternatives: tuple[str, ...],
          end: date) -> tuple[float, list[Fact]] | None:
    for alt in alternatives:
        total, used, ok = 0.0, [], True
        for sign, tag, required in _terms(alt):
            fact = idx.value(kind, tag, unit, end)
            if fact is None:
                if required:
                    ok = False
                    break
                continue
            total += sign * fact.val
            used.append(fact)
        if ok and used:
            return total, used
    return None


def _fiscal_years(idx: _Index) -> dict[date, int]:
    """Annual period ends (from 10-K annual durations) -> fiscal year label.

    A filing's own period is the latest end among its annual facts; its ``fy`` labels that
    end (earliest such filing wins). Ends only seen as comparatives are labelled by their
    distance in years from the latest labelled end.
    """
    annual = []
    for kind, unit, alts in ITEMS.values():
        if kind != "flow":
            continue
        for alt in alts:
            for _, tag, _ in _terms(alt):
                annual.extend(f for f in idx.get(tag, unit) if f.form in ANNUAL_FORMS
                              and f.days is not None and 340 <= f.days <= 390)
    accn_end: dict[str, date] = {}
    for f in annual:
        accn_end[f.accn] = max(accn_end.get(f.accn, f.end), f.end)
    own: dict[date, int] = {}
    for f in sorted(annual, key=lambda f: (f.filed, f.accn)):
        if f.fy and f.end == accn_end[f.accn] and f.end not in own:
            own[f.end] = f.fy
    def by_distance(ref: tuple[date, int] | None, end: date) -> int:
        if ref is None:
            return end.year
        return ref[1] + round((end - ref[0]).days / 365.25)

    ref = max(own.items()) if own else None
    ends = {f.end for f in annual}
    labels: dict[date, int] = {end: own.get(end, by_distance(ref, end)) for end in ends}
    if len(set(labels.values())) < len(labels):
        # a filing's own ``fy`` is sometimes wrong (two year ends claiming one label): label
        # every end by its distance from the reference the other filings agree with most
        def agreement(cand: tuple[date, int]) -> tuple[int, date]:
            return sum(by_distance(cand, e) == fy for e, fy in own.items()), cand[0]
        ref = max(own.items(), key=agreement) if own else None
        labels = {end: by_distance(ref, end) for end in ends}
    return labels


def annual_statements(ticker: str, data: dict, as_of: date | None = None, years: int = 6,
                      stale_after_days: int = STALE_AFTER_DAYS) -> tuple[list[dict], list[dict]]:
    """(statement records, failures) for the latest ``years`` fiscal years."""
    idx = _Index(data)
    labels = _fiscal_years(idx)
    by_year: dict[int, date] = {}
    for end, fy in labels.items():
        if fy not in by_year or end > by_year[fy]:
            by_year[fy] = end
    records = []
    for fy in sorted(by_year)[-years:]:
        end = by_year[fy]
        rec: dict[str, Any] = {"ticker": ticker, "fiscal_year": fy, "period_end": end.isoformat()}
        filed: list[date] = []
        for field_, (kind, unit, alts) in ITEMS.items():
            got = _item(idx, kind, unit, alts, end)
            if got is None:
                continue
            value, used = got
            rec[field_] = abs(value) if field_ in POSITIVE else value
            filed.extend(f.filed for f in used)
        if rec.get("operating_income") is not None and \
                rec.get("depreciation_amortization") is not None:
            rec["ebitda"] = rec["operating_income"] + rec["depreciation_amortization"]
        if rec.get("operating_cash_flow") is not None and \
                rec.get("capital_expenditure") is not None:
            rec["free_cash_flow"] = rec["operating_cash_flow"] - rec["capital_expenditure"]
        if filed:
            rec["filed"] = max(filed).isoformat()
        records.append(rec)
    failures = []
    if records and as_of is not None:
        last = date.fromisoformat(records[-1]["period_end"])
        if (as_of - last).days > stale_after_days:
            failures.append(_fail(ticker, "statements", (
                f"stale: latest annual statements are for the year ending {last}, "
                f"{(as_of - last).days} days before {as_of} (limit {stale_after_days})")))
    if not records:
        failures.append(_fail(ticker, "statements", "no annual (10-K) figures in companyfacts"
                              + _why_empty(data)))
    return records, failures


def _why_empty(data: dict) -> str:
    """A reason a filer has no usable USD facts: other currencies, IFRS, no 10-K forms."""
    facts = data.get("facts") if isinstance(data, dict) else None
    if not isinstance(facts, dict):
        return ""
    gaap = facts.get("us-gaap") if isinstance(facts.get("us-gaap"), dict) else {}
    units: dict[str, int] = {}
    forms: set[str] = set()
    for concept in gaap.values():
        for unit, entries in ((concept or {}).get("units") or {}).items():
            units[unit] = units.get(unit, 0) + len(entries or ())
            forms.update(str(e.get("form")) for e in entries or () if isinstance(e, dict))
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
