"""Estimate revisions: change of the consensus EPS and the breadth of analyst revisions."""

from __future__ import annotations

import numpy as np
import pandas as pd

REVISIONS = {  # metric id -> (current consensus column, base column N days ago)
    "eps_rev_cy_7d": ("eps_cy", "eps_cy_7d"),
    "eps_rev_cy_30d": ("eps_cy", "eps_cy_30d"),
    "eps_rev_cy_90d": ("eps_cy", "eps_cy_90d"),
    "eps_rev_ny_30d": ("eps_ny", "eps_ny_30d"),
    "eps_rev_ny_90d": ("eps_ny", "eps_ny_90d"),
}


def revision(now: pd.Series, base: pd.Series) -> pd.Series:
    """(now - base) / |base|; NaN when the base is 0 or missing. Dividing by |base| keeps the
    sign of the change: a loss estimate narrowing from -1.00 to -0.50 is +0.5."""
    return (now - base) / base.abs().where(base != 0)


def breadth(up: pd.Series, down: pd.Series, n_analysts: pd.Series) -> pd.Series:
    """(up - down) / (up + down); 0 when nobody revised but analysts cover the name
    (n_analysts > 0); NaN when up/down are unknown or nobody covers it."""
    total = up + down
    out = (up - down) / total.where(total > 0)
    return out.mask((total == 0) & (n_analysts > 0), 0.0)


def compute(est: pd.DataFrame) -> dict[str, pd.Series]:
    """``est`` is the estimates block aligned to the frame's tickers (NaN rows when missing)."""
    out = {mid: revision(est[now], est[base]) for mid, (now, base) in REVISIONS.items()}
    out["revision_breadth_30d"] = breadth(est["up_30d"], est["down_30d"], est["n_analysts"])
    out["n_analysts"] = est["n_analysts"].astype(np.float64)
    return out
