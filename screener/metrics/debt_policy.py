"""The one policy for debt components that a source leaves blank (applied in ``wide.derive``).

Many sources leave a debt line blank instead of writing 0: small companies without a current
debt line, bulk datasets that leave short-term debt empty for about half the names. Reading a
blank as "unknown" would make total debt, and with it every leverage metric, NaN for those names.
The policy, per ticker and fiscal year, when total debt itself is not reported:

1. one component reported, the other blank: the blank one was "none reported" and counts 0
   (``short-term debt not reported, taken as 0`` / ``long-term debt not reported, ...``);
2. neither component reported but total liabilities reported, the same source reports a debt
   line for this ticker in another fiscal year of the window, and no interest expense is
   reported for the year (blank or 0): the balance sheet was reported without a debt line, so
   debt is 0 (``no debt line reported, taken as 0``). A source that never reports a debt line
   for a name says nothing about its debt, and a company paying interest has debt (a renamed
   or untracked debt tag): NaN stays NaN in both cases.

The same rule as for short-term investments (``cash + short-term investments``, a blank counts
0). Every value filled this way is named in the provenance (``statements_note``) and on the Data
quality sheet, so an analyst can see which totals rest on the assumption.
"""

from __future__ import annotations

import numpy as np

SHORT = "short-term debt not reported, taken as 0"
LONG = "long-term debt not reported, taken as 0"
NONE = "no debt line reported (total liabilities are), debt taken as 0"
NOTES = (SHORT, LONG, NONE)


def complete_debt(arr: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Fill blank debt components in place (rows tickers, columns fiscal years); return
    note -> boolean array of the cells each assumption filled."""
    std, ltd, td = arr["short_term_debt"], arr["long_term_debt"], arr["total_debt"]
    no_total = np.isnan(td)
    has_std, has_ltd = ~np.isnan(std), ~np.isnan(ltd)
    short = no_total & ~has_std & has_ltd
    long_ = no_total & has_std & ~has_ltd
    reports_debt = (has_std | has_ltd | ~no_total).any(axis=1, keepdims=True)
    pays_interest = arr["interest_expense"] > 0
    none = (no_total & ~has_std & ~has_ltd & ~np.isnan(arr["total_liabilities"])
            & reports_debt & ~pays_interest)
    arr["short_term_debt"] = np.where(short | none, 0.0, std)
    arr["long_term_debt"] = np.where(long_ | none, 0.0, ltd)
    return {SHORT: short, LONG: long_, NONE: none}


def latest_notes(flags: dict[str, np.ndarray], latest_col: int) -> np.ndarray:
    """Per ticker, the notes that apply to its latest fiscal year, joined by " | " ("" for none)."""
    n = next(iter(flags.values())).shape[0] if flags else 0
    out = np.full(n, "", dtype=object)
    for note, mask in flags.items():
        hit = mask[:, latest_col]
        out[hit] = [f"{o} | {note}" if o else note for o in out[hit]]
    return out
