"""Estimate revisions from our own stored history of consensus snapshots.

No free source keeps the history of EPS estimates, and some (FMP's ``analyst-estimates``) give
only today's consensus. Every fetch stores a dated snapshot; this module reads them back:

- ``revisions_from_history(snapshots, as_of)`` fills ``eps_cy_7d/30d/60d/90d`` and
  ``eps_ny_...`` with the consensus of the snapshot **nearest to, on or before** ``as_of - N``
  days: the latest snapshot dated in ``[as_of - N - TOLERANCE_DAYS, as_of - N]``. A snapshot 32
  days old counts as "30 days ago"; one 35 days old does not (the field stays empty rather than
  mislabelled; with weekly runs pass ``tolerance=6`` to always find one). A snapshot after
  the target is never used: it would understate the revision.
- Values a source already gave (Yahoo's own trend) are kept; only missing ones are filled.
- ``estimates_timeline(snapshots)`` lays the history out as a table for the user.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

import pandas as pd

TOLERANCE_DAYS = 3
LOOKBACKS = (7, 30, 60, 90)


def _as_date(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return pd.Timestamp(value).date()
    except (ValueError, TypeError):
        return None


def _num(value: Any) -> float | None:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(out) else out


def snapshot_near(snapshots: Iterable[tuple[Any, Mapping[str, Any]]], target: date,
                  tolerance: int = TOLERANCE_DAYS) -> tuple[date, Mapping[str, Any]] | None:
    """The latest snapshot dated on or before ``target`` and at most ``tolerance`` days earlier."""
    best: tuple[date, Mapping[str, Any]] | None = None
    for when, record in snapshots:
        d = _as_date(when)
        if d is None or d > target or (target - d).days > tolerance:
            continue
        if best is None or d > best[0]:
            best = (d, record)
    return best


def revisions_from_history(snapshots: list[tuple[Any, Mapping[str, Any]]], as_of: Any,
                           current: Mapping[str, Any] | None = None,
                           tolerance: int = TOLERANCE_DAYS) -> dict[str, Any]:
    """An EstimateRecord-like dict for ``as_of`` with N-days-ago values from our history.

    ``snapshots``: (as-of date, record with ``eps_cy``/``eps_ny``) pairs, any order.
    ``current``: today's record (defaults to the snapshot dated ``as_of``, else the latest one
    on or before it). Fields already present in ``current`` are kept as they are.
    """
    as_of_d = _as_date(as_of)
    if as_of_d is None:
        raise ValueError(f"as_of must be a date, got {as_of!r}")
    snaps = [(d, r) for d, r in ((_as_date(w), r) for w, r in snapshots) if d is not None]
    if current is None:
        eligible = [(d, r) for d, r in snaps if d <= as_of_d]
        current = max(eligible, key=lambda x: x[0])[1] if eligible else {}
    out = dict(current)
    out["as_of"] = as_of_d
    filled: list[str] = []
    for n in LOOKBACKS:
        target = date.fromordinal(as_of_d.toordinal() - n)
        hit = snapshot_near(snaps, target, tolerance)
        for prefix in ("eps_cy", "eps_ny"):
            field = f"{prefix}_{n}d"
            if _num(out.get(field)) is not None:
                continue
            value = _num(hit[1].get(prefix)) if hit else None
            out[field] = value
            if value is not None:
                filled.append(f"{field}<-{hit[0].isoformat()}")
    out["history_note"] = ", ".join(filled) if filled else None
    return out


def estimates_timeline(snapshots: Iterable[tuple[Any, Mapping[str, Any]]]) -> pd.DataFrame:
    """One row per snapshot date: consensus and analyst count, and the change since the last."""
    rows = [{"as_of": _as_date(d), "eps_cy": _num(r.get("eps_cy")),
             "eps_ny": _num(r.get("eps_ny")), "n_analysts": _num(r.get("n_analysts"))}
            for d, r in snapshots]
    frame = pd.DataFrame(rows, columns=["as_of", "eps_cy", "eps_ny", "n_analysts"])
    frame = frame.dropna(subset=["as_of"]).sort_values("as_of").drop_duplicates(
        "as_of", keep="last").reset_index(drop=True)
    frame["eps_cy_change"] = frame["eps_cy"].diff()
    frame["eps_ny_change"] = frame["eps_ny"].diff()
    return frame
