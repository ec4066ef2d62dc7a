"""Maturities: the refinancing wall from the debt maturity ladder, and the liquidity that
covers it. A ladder bucket that is not reported is NaN, never read as nothing due.

The share due in 24 months divides by the filing's own total principal where the ladder block
carries one (``total_principal``), else by the sum of every bucket (all six known). When both
exist and differ by more than ``MISMATCH`` (2%), ``ladder_notes`` says so (Data quality sheet).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

WALL_CAP = 99.0
MISMATCH = 0.02
BUCKETS = ["due_y1", "due_y2", "due_y3", "due_y4", "due_y5", "due_after_y5"]


def _sum_all(ladder: pd.DataFrame, cols: list[str]) -> pd.Series:
    """Sum of the buckets, NaN unless every one of them is known."""
    return ladder[cols].sum(axis=1, min_count=len(cols)).where(ladder[cols].notna().all(axis=1))


def due_24m(ladder: pd.DataFrame) -> pd.Series:
    """due_y1 + due_y2 (both needed)."""
    return _sum_all(ladder, ["due_y1", "due_y2"])


def wall_coverage(cash_sti: pd.Series, fcf: pd.Series, due24: pd.Series) -> pd.Series:
    """(cash + short-term investments + 2 x FCF when FCF > 0) / debt due in 24 months, capped
    at WALL_CAP. FCF counts 0 when negative or unknown (cash alone is a lower bound); WALL_CAP
    when nothing is due within 24 months; NaN without a ladder or without cash."""
    liquidity = cash_sti + 2.0 * fcf.where(fcf > 0, 0.0).fillna(0.0)
    ratio = (liquidity / due24.where(due24 > 0)).clip(upper=WALL_CAP)
    return ratio.mask(due24 == 0, WALL_CAP)


def principal(ladder: pd.DataFrame) -> pd.Series:
    """The denominator of the 24-month share: the filing's total principal where reported,
    else the sum of the six buckets (NaN unless all are known)."""
    reported = ladder.get("total_principal")
    total = _sum_all(ladder, BUCKETS)
    return total if reported is None else reported.where(reported.notna(), total)


def ladder_notes(ladder: pd.DataFrame) -> pd.Series:
    """Per ticker: a note when the ladder's buckets and the filing's total principal disagree
    by more than MISMATCH ('' otherwise). Compares the sum of the known buckets when the
    ladder is complete; a partial ladder summing to more than the total is flagged too."""
    out = pd.Series("", index=ladder.index, dtype=object)
    if "total_principal" not in ladder:
        return out
    total = ladder["total_principal"]
    known = ladder[BUCKETS].sum(axis=1, min_count=1)
    complete = ladder[BUCKETS].notna().all(axis=1)
    gap = (known - total) / total.where(total > 0)
    bad = gap.notna() & ((complete & (gap.abs() > MISMATCH)) | (gap > MISMATCH))
    for t in ladder.index[bad.to_numpy()]:
        k, tp, g = known[t], total[t], gap[t]
        what = "sum of the ladder" if complete[t] else "sum of the reported ladder years"
        out[t] = (f"maturity ladder does not add up: {what} {k / 1e6:,.1f}M vs the filing's "
                  f"total principal {tp / 1e6:,.1f}M ({g:+.1%}; limit {MISMATCH:.0%}); "
                  "debt_due_24m_share uses the filing's total")
    return out


def compute(ladder: pd.DataFrame, cash_sti: pd.Series, fcf: pd.Series) -> dict[str, pd.Series]:
    """``ladder`` is the ladder block already aligned to the frame's tickers."""
    d24 = due_24m(ladder)
    total = principal(ladder)
    share = d24 / total.where(total > 0)
    return {
        "debt_due_12m": ladder["due_y1"],
        "debt_due_24m": d24,
        "debt_due_1_5y": _sum_all(ladder, BUCKETS[:5]),
        "debt_due_after_5y": ladder["due_after_y5"],
        "debt_due_24m_share": share,
        "wall_coverage_24m": wall_coverage(cash_sti, fcf, d24).astype(np.float64),
    }
