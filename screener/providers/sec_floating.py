"""Floating-rate debt from SEC companyfacts: which tags say how much of a company's debt
bears a variable rate, in the order they are tried at one balance-sheet date.

companyfacts carries only facts without dimensions, so the per-instrument amounts filers tag
on the ``DebtInstrumentAxis`` (a term loan B, a revolver member of ``LongtermDebtTypeAxis``) are
not in it; what is left, in order of preference:

1. the variable-rate amount itself: ``LongtermDebtPercentageBearingVariableInterestAmount``
   (the taxonomy spells it "Longterm"; the "LongTerm" spelling of extension-minded filers is
   read too);
2. long-term debt less the fixed-rate amount, when only the fixed-rate amount is given:
   ``LongTermDebt - LongtermDebtPercentageBearingFixedInterestAmount`` (0 when negative);
3. revolving credit drawn, a lower bound (bank revolvers float over SOFR/prime): ``LineOfCredit``,
   else ``LongTermLineOfCredit`` (+ ``LinesOfCreditCurrent`` when given), else
   ``LineOfCreditFacilityAmountOutstanding``; a balance of 0 says nothing about term loans
   and is not read as "no floating debt".

``LongTermDebtPercentageBearingVariableInterestRate`` is NOT a share of debt: the taxonomy
defines it as the interest rate on the variable-rate debt (filers tag e.g. 0.06 on a term-loan
member), so it is never read as the floating share. Nothing found: not disclosed (NaN).
The alternatives use ``sec_statements.ITEMS`` syntax (``A - B``, ``?`` = optional), so the
quarterly facts path reads the single-tag ones too.
"""

from __future__ import annotations

from screener.providers.sec_xbrl import Fact

VARIABLE = ("LongtermDebtPercentageBearingVariableInterestAmount",
            "LongTermDebtPercentageBearingVariableInterestAmount")
FIXED = "LongtermDebtPercentageBearingFixedInterestAmount"
REVOLVER = ("LineOfCredit", "LongTermLineOfCredit + ?LinesOfCreditCurrent",
            "LineOfCreditFacilityAmountOutstanding")
ALTERNATIVES: tuple[str, ...] = (*VARIABLE, f"LongTermDebt - {FIXED}",
                                 "LongTermDebt - LongTermDebtPercentageBearingFixedInterestAmount",
                                 *REVOLVER)
REVOLVER_TAGS = {"LineOfCredit", "LongTermLineOfCredit", "LinesOfCreditCurrent",
                 "LineOfCreditFacilityAmountOutstanding"}


def settle(value: float, used: list[Fact]) -> tuple[float | None, str]:
    """The floating-rate amount an alternative gave, and how it was read (for the debt note):
    a difference below 0 is 0; a revolver balance of 0 is no evidence (None)."""
    tags = [f.tag for f in used]
    if tags and tags[0] in REVOLVER_TAGS:
        if value <= 0:
            return None, ""
        return value, f"floating-rate debt: revolver drawn ({' + '.join(tags)}), a lower bound"
    if len(tags) > 1:
        return max(value, 0.0), f"floating-rate debt: {tags[0]} - {tags[1]}"
    return value, f"floating-rate debt: {tags[0]}"
