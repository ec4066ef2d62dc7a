"""Analyst coverage: how many analysts follow a name (in bands) and how far apart they are.

Thin coverage is a risk the rebound thesis names (little scrutiny, estimates that move in
jumps); a wide spread between the highest and lowest estimate says the consensus is weak.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# band number -> (fewest analysts, label); a band runs up to the next band's minimum - 1
BANDS: dict[int, tuple[int, str]] = {0: (0, "none"), 1: (1, "thin (1-2)"),
                                     2: (3, "moderate (3-5)"), 3: (6, "broad (6+)")}


def coverage_band(n_analysts: pd.Series) -> pd.Series:
    """0 none (0 analysts), 1 thin (1-2), 2 moderate (3-5), 3 broad (6 or more); NaN unknown."""
    n = n_analysts.astype("float64")
    edges = [lo for lo, _ in BANDS.values()][1:]  # 1, 3, 6
    band = np.digitize(n.fillna(-1).to_numpy(), edges).astype("float64")
    return pd.Series(band, index=n.index).where(n.notna() & (n >= 0))


def estimate_dispersion(high: pd.Series, low: pd.Series, avg: pd.Series,
                        n_analysts: pd.Series) -> pd.Series:
    """(highest - lowest EPS estimate) / |consensus|, current fiscal year; NaN when the
    consensus is 0 or missing, high < low, or fewer than 2 analysts are known to cover it
    (one analyst's high equals its low: no dispersion to measure)."""
    out = (high - low) / avg.abs().where(avg != 0)
    return out.where((high >= low) & ~(n_analysts < 2))


def compute(est: pd.DataFrame) -> dict[str, pd.Series]:
    """``est`` is the estimates block aligned to the frame's tickers."""
    nan = pd.Series(np.nan, index=est.index)
    return {
        "analyst_coverage_band": coverage_band(est["n_analysts"]),
        "estimate_dispersion": estimate_dispersion(est.get("eps_cy_high", nan),
                                                   est.get("eps_cy_low", nan),
                                                   est["eps_cy"], est["n_analysts"]),
    }
