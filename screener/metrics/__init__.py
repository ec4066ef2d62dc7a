"""The metrics stage: raw bundle -> standard frame (one row per ticker, one column per metric).

``catalog`` declares every metric (id, unit, formula, better direction); the modules by group
(``leverage``, ``maturities``, ``margins``, ``profitability``, ``scores``, ``revisions``,
``growth``, ``valuation``, ``market``) hold the pure vectorised functions; ``build`` runs them.
"""

from screener.metrics.build import build_standard_frame
from screener.metrics.frame import StandardFrame

__all__ = ["StandardFrame", "build_standard_frame"]
