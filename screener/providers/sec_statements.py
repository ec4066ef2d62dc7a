"""Annual statements from SEC companyfacts (see ``sec_facts`` for the rules)."""

from __future__ import annotations

from datetime import date
from typing import Any

from screener.providers import sec_floating
from screener.providers.sec_debt import decompose
from screener.providers.sec_xbrl import (
    ANNUAL_FORMS,
    STALE_AFTER_DAYS,
    Fact,
    _best,
    _fail,
    _why_empty,
    facts_of,
)

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
    "total_equity": ("bal", "USD", (
        "StockholdersEquity",
        "StockholdersEquityIncludingPortionAttributableToNoncontrollingInterest")),
    "retained_earnings": ("bal", "USD", ("RetainedEarningsAccumulatedDeficit",)),
    "shares_outstanding": ("bal", "shares", ("CommonStockSharesOutstanding",)),
    "floating_rate_debt": ("bal", "USD", sec_floating.ALTERNATIVES),
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
        floating_how = ""
        for field_, (kind, unit, alts) in ITEMS.items():
            got = _item(idx, kind, unit, alts, end)
            if got is None:
                continue
            value, used = got
            if field_ == "floating_rate_debt":
                value, how = sec_floating.settle(value, used)
                if value is None:
                    continue
                floating_how = how
            rec[field_] = abs(value) if field_ in POSITIVE else value
            filed.extend(f.filed for f in used)
        debt, note, used = decompose(lambda tag, end=end: idx.value("bal", tag, "USD", end))
        rec.update({k: v for k, v in debt.items() if v is not None})
        if note:
            rec["debt_note"] = note
            filed.extend(f.filed for f in used)
        if floating_how:
            rec["debt_note"] = "; ".join(x for x in (rec.get("debt_note"), floating_how) if x)
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


