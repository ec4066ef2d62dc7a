"""The regime panel end to end: refresh our computed series, read every series as known on
the date, compute the panel and the verdict history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from screener.regime.computed import refresh_computed, stored_id
from screener.regime.config import Regime
from screener.regime.history import VerdictHistory, grid, verdict_history
from screener.regime.macro import first_release_series, known_series, read_rows
from screener.regime.panel import Panel, compute_panel

HISTORY_YEARS = 20


@dataclass
class RegimeRun:
    panel: Panel
    history: VerdictHistory | None
    series: dict[str, pd.Series]   # indicator series id -> observations known on the date
    universe: str | None


def _ids(regime: Regime, universe: str | None) -> dict[str, str]:
    """catalog id -> stored id (member-based computed series are stored per universe)."""
    return {i.series.id: stored_id(i.series.id, universe) for i in regime.indicators}


def regime_run(regime: Regime, store, as_of=None, *, universe: str | None = None,
               history: bool = True, refresh: bool = True,
               years: int = HISTORY_YEARS) -> RegimeRun:
    as_of = pd.Timestamp(as_of or dt.date.today()).normalize()
    universe = regime.universe or universe
    if refresh and any(i.series.source == "computed" for i in regime.indicators):
        refresh_computed(store, universe, regime.benchmarks)
    ids = _ids(regime, universe)
    ids.setdefault("iwm_spy", "iwm_spy")   # the workbook draws the verdict under this ratio
    stored = list(dict.fromkeys(ids.values()))
    rows = read_rows(store, stored, as_of)
    known = known_series(store, stored, rows=rows)
    series = {cid: known[sid] for cid, sid in ids.items() if sid in known}
    panel = compute_panel(regime, series, as_of)
    hist = None
    if history:
        first = first_release_series(store, stored, rows=rows)
        first = {cid: first[sid] for cid, sid in ids.items() if sid in first}
        start = as_of - pd.DateOffset(years=years)
        hist = verdict_history(regime, first, grid(start, as_of, regime.history_step))
    return RegimeRun(panel, hist, series, universe)


def regime_choice(regime: Regime, store, dates, *, universe: str | None = None,
                  refresh: bool = True) -> pd.Series:
    """The phase the verdict pointed to on each date (None: no verdict), each date seeing only
    what was released by its close: the backtest's "follow the regime"."""
    dates = pd.DatetimeIndex(dates)
    universe = regime.universe or universe
    if refresh and any(i.series.source == "computed" for i in regime.indicators):
        refresh_computed(store, universe, regime.benchmarks)
    ids = _ids(regime, universe)
    stored = list(dict.fromkeys(ids.values()))
    rows = read_rows(store, stored, dates.max() if len(dates) else None)
    first = first_release_series(store, stored, rows=rows)
    first = {cid: first[sid] for cid, sid in ids.items() if sid in first}
    hist = verdict_history(regime, first, dates)
    phases = {k: v.phase for k, v in regime.verdicts.items()}
    return pd.Series([phases.get(v) if isinstance(v, str) else None for v in hist.verdict],
                     index=dates, dtype=object, name="regime_phase")
