"""Lenient reading of provider payload values, shared by every parser.

Wire formats are read leniently (keys matched whatever their case or separators, numbers from
plain values, strings or Yahoo's ``{"raw": ..., "fmt": ...}`` objects); what the parsers return
is strict (raw records validated by ``screener.raw``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any


def key(name: Any) -> str:
    """Key for matching: case, underscores, spaces and dots ignored
    (``downLast7Days`` = ``downLast7days`` = ``down_last_7_days`` = ``Down Last 7 Days``)."""
    return "".join(ch for ch in str(name).lower() if ch not in "_ .")


def ci_get(mapping: Mapping[str, Any] | None, *names: str) -> Any:
    """First present value among ``names`` in ``mapping`` (None and "" count as absent),
    matching keys with ``key``."""
    if not isinstance(mapping, Mapping):
        return None
    lowered: dict[str, Any] = {}
    for k, v in mapping.items():
        if v is not None and v != "":
            lowered.setdefault(key(k), v)
    for name in names:
        value = lowered.get(key(name))
        if value is not None:
            return value
    return None


def num(value: Any) -> float | None:
    """A finite float from ``1.2``, ``"1.2"``, ``{"raw": 1.2, "fmt": "1.2"}``; else None."""
    if isinstance(value, Mapping):
        value = value.get("raw")
    if value is None or isinstance(value, bool):
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None
