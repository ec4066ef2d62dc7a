"""Total debt from SEC companyfacts: one consistent decomposition per balance-sheet date,
checked against the filing's own totals.

Why not a fallback chain of sums: filers tag the same tranche more than once. ``LongTermDebt``
already includes its current portion, and some filers tag that current portion again as
``ShortTermBorrowings`` or ``DebtCurrent`` on the balance sheet; "LongTermDebt + short-term
borrowings" then counts it twice (total debt +11%, net debt +27% on a real filer).

The rule, at one period end:

1. candidates, each a decomposition whose parts never overlap, in this order of preference:
   a. the filing's own total ``DebtLongtermAndShorttermCombinedAmount``;
   b. noncurrent + current balance-sheet lines: noncurrent = ``LongTermDebtNoncurrent`` or
      ``LongTermDebtAndCapitalLeaseObligations`` (else ``LongTermDebt - LongTermDebtCurrent``,
      else ``LongTermNotesPayable``); current = ``DebtCurrent``, else ``LongTermDebtCurrent``
      (or its lease-inclusive variant) + ``ShortTermBorrowings`` + ``CommercialPaper``, else
      ``ShortTermBorrowings`` + ``CommercialPaper``, else ``LongTermDebt - noncurrent`` (the
      current portion the footnote total implies);
   c. ``LongTermDebt`` + ``ShortTermBorrowings`` + ``CommercialPaper`` (borrowings outside the
      long-term total), and ``LongTermDebt`` alone (the borrowings line is its current portion);
   d. a noncurrent line alone (no current debt line: short-term debt left blank, which the
      metrics' debt policy reads as 0 and notes).
2. checks against the filing's totals at the same end, where reported: the combined total
   (within 1%); ``LongTermDebt`` (the candidate is at least it and at most it + short-term
   borrowings + commercial paper, 1% slack); ``DebtInstrumentCarryingAmount`` (principal before
   discounts: within 5%); the maturity ladder's next-twelve-months principal (when the
   borrowings line equals it, the line is the current portion of long-term debt, not extra).
3. the first candidate passing every check wins; when none passes, the one closest to the
   totals, and the note says by how much it misses.

The note (``debt_note`` of the statement record) names the decomposition and the check.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from screener.providers.sec_xbrl import Fact

LADDER_Y1 = ("LongTermDebtMaturitiesRepaymentsOfPrincipalInNextTwelveMonths",
             "LongTermDebtMaturitiesRepaymentsOfPrincipalInNextRollingTwelveMonths")
TOL, PRINCIPAL_TOL = 0.01, 0.05


@dataclass
class Candidate:
    total: float
    short: float | None      # current debt (None: no current line)
    long: float | None       # noncurrent debt
    how: str
    facts: list[Fact]
    total_known: bool = True  # False: one side only (the metrics' debt policy completes it)


def _v(f: Fact | None) -> float | None:
    return None if f is None else f.val


def _noncurrent(get) -> list[tuple[float, str, list[Fact]]]:
    out = []
    for tag in ("LongTermDebtNoncurrent", "LongTermDebtAndCapitalLeaseObligations"):
        if (f := get(tag)) is not None:
            out.append((f.val, tag, [f]))
    ltd, cur = get("LongTermDebt"), get("LongTermDebtCurrent")
    if not out and ltd is not None and cur is not None:
        out.append((ltd.val - cur.val, "LongTermDebt - LongTermDebtCurrent", [ltd, cur]))
    if not out and (f := get("LongTermNotesPayable")) is not None:
        out.append((f.val, "LongTermNotesPayable", [f]))
    return out


def _current(get, noncurrent: float) -> list[tuple[float, str, list[Fact]]]:
    stb, cp = get("ShortTermBorrowings"), get("CommercialPaper")
    extra = [f for f in (stb, cp) if f is not None]
    extra_val = sum(f.val for f in extra)
    extra_how = "".join(f" + {f.tag}" for f in extra)
    out = []
    if (f := get("DebtCurrent")) is not None:
        out.append((f.val, "DebtCurrent", [f]))
    for tag in ("LongTermDebtCurrent", "LongTermDebtAndCapitalLeaseObligationsCurrent"):
        if (f := get(tag)) is not None:
            out.append((f.val + extra_val, tag + extra_how, [f, *extra]))
            if extra:  # the borrowings line may repeat the current portion: also without it
                out.append((f.val, tag, [f]))
            break
    if extra:
        out.append((extra_val, extra_how[3:], extra))
    ltd = get("LongTermDebt")
    if ltd is not None and ltd.val >= noncurrent:
        out.append((ltd.val - noncurrent, f"LongTermDebt - noncurrent ({ltd.val - noncurrent:,.0f})",
                    [ltd]))
    return out


def candidates(get: Callable[[str], Fact | None]) -> list[Candidate]:
    out: list[Candidate] = []
    if (f := get("DebtLongtermAndShorttermCombinedAmount")) is not None:
        cur = get("DebtCurrent")
        short = cur.val if cur is not None else None
        out.append(Candidate(f.val, short, f.val - short if short is not None else None,
                             "DebtLongtermAndShorttermCombinedAmount (the filing's total)", [f]))
    for n_val, n_how, n_facts in _noncurrent(get):
        for c_val, c_how, c_facts in _current(get, n_val):
            out.append(Candidate(n_val + c_val, c_val, n_val,
                                 f"noncurrent {n_how} + current {c_how}", n_facts + c_facts))
    ltd = get("LongTermDebt")
    if ltd is not None:
        extra = [f for f in (get("ShortTermBorrowings"), get("CommercialPaper")) if f is not None]
        if extra:
            out.append(Candidate(ltd.val + sum(f.val for f in extra), None, None,
                                 "LongTermDebt" + "".join(f" + {f.tag}" for f in extra),
                                 [ltd, *extra]))
        out.append(Candidate(ltd.val, None, None, "LongTermDebt (includes its current portion)",
                             [ltd]))
    noncurrent = _noncurrent(get)
    for n_val, n_how, n_facts in noncurrent:
        out.append(Candidate(n_val, None, n_val, f"noncurrent {n_how} (no current debt line)",
                             n_facts, total_known=False))
    if not noncurrent and ltd is None:
        for c_val, c_how, c_facts in _current(get, 0.0)[:1]:
            out.append(Candidate(c_val, c_val, None, f"current {c_how} (no noncurrent debt "
                                 "line)", c_facts, total_known=False))
    return out


def _misses(c: Candidate, get) -> list[tuple[str, float]]:
    """(total name, relative miss) for every check the candidate fails (miss > tolerance)."""
    fails = []
    combined = _v(get("DebtLongtermAndShorttermCombinedAmount"))
    if combined:
        gap = abs(c.total - combined) / abs(combined)
        if gap > TOL:
            fails.append(("DebtLongtermAndShorttermCombinedAmount", gap))
    ltd = _v(get("LongTermDebt"))
    if ltd:
        borrow = sum(v for v in (_v(get("ShortTermBorrowings")), _v(get("CommercialPaper")))
                     if v is not None)
        lo, hi = ltd * (1 - TOL), (ltd + borrow) * (1 + TOL)
        if not lo <= c.total <= hi:
            gap = (lo - c.total if c.total < lo else c.total - hi) / abs(ltd)
            fails.append(("LongTermDebt", gap))
        y1 = next((v for t in LADDER_Y1 if (v := _v(get(t))) is not None), None)
        stb = _v(get("ShortTermBorrowings"))
        if y1 and stb and abs(stb - y1) <= TOL * y1 and c.total > ltd * (1 + TOL) \
                and abs(c.total - ltd - stb) <= TOL * ltd:
            # the borrowings line is the ladder's current portion: already inside LongTermDebt
            fails.append(("LongTermDebt (ShortTermBorrowings = the ladder's next 12 months)",
                          stb / ltd))
    principal = _v(get("DebtInstrumentCarryingAmount"))
    if principal:
        gap = abs(c.total - principal) / abs(principal)
        if gap > PRINCIPAL_TOL:
            fails.append(("DebtInstrumentCarryingAmount", gap))
    return fails


def decompose(get: Callable[[str], Fact | None]) -> tuple[dict[str, float | None], str, list[Fact]]:
    """({short_term_debt, long_term_debt, total_debt}, note, facts used) at one period end;
    ({}, "", []) when no debt tag is reported there."""
    cands = candidates(get)
    if not cands:
        return {}, "", []
    checked = [(c, _misses(c, get)) for c in cands]
    totals = [t for t in ("DebtLongtermAndShorttermCombinedAmount", "LongTermDebt",
                          "DebtInstrumentCarryingAmount") if get(t) is not None]
    passing = [c for c, m in checked if not m]
    if passing:
        best = passing[0]
        check = ("; agrees with " + ", ".join(totals)) if totals else \
            "; no filing total to check against"
    else:
        best, misses = min(checked, key=lambda cm: max(g for _, g in cm[1]))
        check = "; does not match " + ", ".join(f"{t} (off {g:.1%})" for t, g in misses)
    rec = {"short_term_debt": best.short, "long_term_debt": best.long,
           "total_debt": best.total if best.total_known else None}
    return rec, f"total debt = {best.how}{check}", best.facts
