"""``StandardFrame``: what the metrics stage hands to the rules engine and the exporters."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from screener.raw.bundle import Failure

PROVENANCE_BLOCKS = ("statements", "ladder", "estimates", "market")


@dataclass
class StandardFrame:
    """One row per ticker of the bundle's identity block.

    - ``frame``: index ``ticker``; columns ``name, sector, industry, exchange`` (text), every
      ``in_*`` membership flag (bool), then every metric id in ``CATALOG_LIST`` order (float64,
      base units, NaN when unknown, never 0).
    - ``provenance``: index ``ticker``; ``<block>_source`` and ``<block>_as_of`` for statements
      (as_of = period_end of the latest fiscal year used), ladder, estimates and market;
      NaN / NaT where the block is missing for that ticker. Also ``statements_fiscal_year``
      (the fiscal year every statement metric uses), ``statements_stale`` (True when that
      year is more than 15 months older than the run date), ``statements_note`` (assumptions
      of the debt policy, a debt total that misses the filing's totals) and ``ladder_note``
      (a ladder that does not add up to the filing's total principal); notes are joined by
      " | ", "" when there is none. ``prices_source`` and ``prices_as_of`` (the last close
      used) for the metrics computed from stored prices; ``statements_basis`` (``ttm``: TTM
      windows of quarterly statements, ``fy``: fiscal years).
    - ``failures``: the bundle's failures plus one per ticker without statements or market data.
    - ``is_sample``: True when built from fictional demo data.
    """

    frame: pd.DataFrame
    provenance: pd.DataFrame
    failures: list[Failure] = field(default_factory=list)
    is_sample: bool = False

    @property
    def tickers(self) -> pd.Index:
        return self.frame.index

    def metric_columns(self) -> list[str]:
        from screener.metrics.catalog import CATALOG

        return [c for c in self.frame.columns if c in CATALOG]
