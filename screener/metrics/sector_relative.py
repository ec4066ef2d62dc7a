"""Leverage against the name's sector: the same metric minus the sector median.

The median is taken over the names of the frame being built (the run's universes, on the
run's date: point in time when the bundle is), per sector, over the names whose metric is
defined; a sector with fewer than ``MIN_PEERS`` defined values has no norm (NaN).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MIN_PEERS = 5


def _sector_keys(sector: pd.Series) -> pd.Series:
    """Sector labels with blanks ('', 'nan', 'None', missing) as missing."""
    s = sector.astype("object")
    blank = s.isna() | s.astype(str).str.strip().str.lower().isin(["", "nan", "none", "<na>"])
    return s.where(~blank)


def sector_median(values: pd.Series, sector: pd.Series, min_peers: int = MIN_PEERS) -> pd.Series:
    """Per name: the median of ``values`` over its sector (NaN without a sector or with fewer
    than ``min_peers`` defined values in it)."""
    keys = _sector_keys(sector).reindex(values.index)
    grouped = values.groupby(keys, dropna=True)
    med = grouped.transform("median")
    count = grouped.transform("count")
    return med.where(count >= min_peers).reindex(values.index)


def vs_sector(values: pd.Series, sector: pd.Series, min_peers: int = MIN_PEERS) -> pd.Series:
    """value - its sector's median (NaN when either is undefined)."""
    return values - sector_median(values, sector, min_peers)


def above_norm(diff: pd.Series) -> pd.Series:
    """1.0 when above the sector median, 0.0 at or below it, NaN when undefined."""
    return pd.Series(np.where(diff > 0, 1.0, 0.0), index=diff.index).where(diff.notna())


def compute(net_debt_to_ebitda: pd.Series, sector: pd.Series) -> dict[str, pd.Series]:
    diff = vs_sector(net_debt_to_ebitda, sector)
    return {"net_debt_to_ebitda_vs_sector": diff,
            "net_debt_to_ebitda_above_sector": above_norm(diff)}
