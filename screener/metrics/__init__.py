"""The metrics stage: raw bundle -> standard frame (one row per ticker, one column per metric).

``catalog`` declares every metric (id, unit, formula, better direction); the modules by group
(``leverage``, ``maturities``, ``margins``, ``profitability``, ``scores``, ``revisions``,
``growth``, ``valuation``, ``market``) hold the pure vectorised functions; ``build`` runs them.
The builders load pandas; they are imported on first use, so ``screener.metrics.catalog`` can be
read (``screener metrics``, ``validate``) without loading them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from screener.metrics.build import build_standard_frame
    from screener.metrics.frame import StandardFrame

__all__ = ["StandardFrame", "build_standard_frame"]


def __getattr__(name: str):
    if name == "build_standard_frame":
        from screener.metrics.build import build_standard_frame

        return build_standard_frame
    if name == "StandardFrame":
        from screener.metrics.frame import StandardFrame

        return StandardFrame
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
