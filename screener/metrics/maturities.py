"""Maturities: the refinancing wall from the debt maturity ladder, and the liquidity that
covers it. A ladder bucket that is not reported is NaN, never read as nothing due."""

from __future__ import annotations

import numpy as np
import pandas as pd

WALL_CAP = 99.0
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


def compute(ladder: pd.DataFrame, cash_sti: pd.Series, fcf: pd.Series) -> dict[str, pd.Series]:
    """``ladder`` is the ladder block already aligned to the frame's tickers."""
    d24 = due_24m(ladder)
    total = _sum_all(ladder, BUCKETS)
    share = d24 / total.where(total > 0)
    return {
        "debt_due_12m": ladder["due_y1"],
        "debt_due_24m": d24,
        "debt_due_1_5y": _sum_all(ladder, BUCKETS[:5]),
        "debt_due_after_5y": ladder["due_after_y5"],
        "debt_due_24m_share": share,
        "wall_coverage_24m": wall_coverage(cash_sti, fcf, d24).astype(np.float64),
    }
