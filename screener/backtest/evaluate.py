"""The date loop: the compiled screen evaluated on every signal date, as it could have been run
that day.

Per date: the standard frame as of the signal close (``source.frame(d)``: for stored history,
the window's ``DateBundles.bundle(d)`` - the same bundle as ``PointInTime.bundle(d)`` - then
``standard_metrics``, the values of ``build_standard_frame``), then one vectorised pass of the
engine (``rules.engine.run``: eligibility, scores, phase filters, ranks). What is kept per date
is small: each phase's list (panel column positions), the universe and eligible names, and the
factor values of the eligible names (scores and metrics) in (dates x tickers) matrices.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd

from screener.history.prices import PricePanel
from screener.metrics.catalog import CATALOG
from screener.rules.compile import Plan


class FrameSource(Protocol):
    """What the loop needs from the data side."""

    prices: PricePanel
    delistings: pd.DataFrame
    is_sample: bool

    def frame(self, date: pd.Timestamp) -> pd.DataFrame: ...

    def survivorship_biased(self, universe: str, date: pd.Timestamp) -> bool: ...


@dataclass
class Factor:
    id: str
    kind: str  # score | metric
    higher_better: bool


@dataclass
class DateLists:
    """Everything the statistics need from the per-date evaluations."""

    dates: pd.DatetimeIndex
    tickers: pd.Index  # panel columns
    phases: list[str]
    lists: dict[str, list[np.ndarray]]  # phase -> per date: panel columns in rank order
    listed_tickers: dict[str, list[list[str]]]  # phase -> per date: tickers (incl. no prices)
    universe: list[np.ndarray]  # per date: panel columns of the universe members
    eligible: np.ndarray  # (dates, tickers) bool
    factors: list[Factor]
    values: dict[str, np.ndarray]  # factor id -> (dates, tickers) float64 over eligible names
    sample: pd.DataFrame  # per date: universe, eligible, listed per phase, no price history
    warnings: list[str] = field(default_factory=list)


def factor_list(plan: Plan, extra: list[str]) -> list[Factor]:
    """Every score, every metric the screen uses, then the ``--factors`` asked for."""
    out = [Factor(sid, "score", True) for sid in plan.scores]
    for m in list(plan.metrics_used) + list(extra):
        if m in CATALOG and m not in {f.id for f in out}:
            out.append(Factor(m, "metric", CATALOG[m].better != "lower"))
    return out


def evaluate_dates(plan: Plan, source: FrameSource, dates: pd.DatetimeIndex,
                   factors: list[Factor], progress: Callable[[int, int], None] | None = None,
                   jobs: int = 1) -> DateLists:
    """Every signal date, in order; with ``jobs`` > 1 and a source cut in windows
    (``PitSource``), the windows in worker processes (``parallel.py``), same tables."""
    tickers = columns_of(source)
    if jobs > 1 and hasattr(source, "signal") and len(source.signal.chunks) > 1:
        from screener.backtest.parallel import evaluate_windows

        return evaluate_windows(plan, source, dates, factors, progress, jobs)
    d = len(dates)

    def tick(i: int) -> None:
        if progress is not None:
            progress(i, d)

    return evaluate_window(plan, source, tickers, _delisted_by(source.delistings), dates,
                           factors, tick)


def columns_of(source: FrameSource) -> pd.Index:
    """The outcome panel's columns (without reading the prices when the source knows them)."""
    cols = getattr(source, "tickers", None)
    return pd.Index(cols) if cols is not None else source.prices.tickers


def evaluate_window(plan: Plan, source, tickers: pd.Index, gone: pd.Series,
                    dates: pd.DatetimeIndex, factors: list[Factor],
                    tick: Callable[[int], None] | None = None) -> DateLists:
    """The loop over ``dates`` (one window, or all): ``source.frame(d)``, the engine, and what
    is kept per date. ``tick(i)`` after the i-th date (progress)."""
    from screener.rules.engine import run

    d, n = len(dates), len(tickers)
    phases = [p.id for p in plan.phases]
    lists: dict[str, list[np.ndarray]] = {p: [] for p in phases}
    listed: dict[str, list[list[str]]] = {p: [] for p in phases}
    universe: list[np.ndarray] = []
    eligible = np.zeros((d, n), dtype=bool)
    values = {f.id: np.full((d, n), np.nan) for f in factors}
    rows = []
    warnings: list[str] = []
    for i, date in enumerate(dates):
        frame = source.frame(date)
        # a name whose last trading day was before the signal is not investable that day,
        # even while a membership snapshot still lists it
        if len(gone):  # frame.index.isin(gone.index[gone < date]), with one hash look-up
            at = gone.index.get_indexer(frame.index)
            dead = (at >= 0) & (gone.to_numpy()[np.maximum(at, 0)]
                                 < np.datetime64(pd.Timestamp(date), "ns"))
        else:
            dead = None
        if dead is not None and dead.any():
            frame = frame[~dead]
        state = run(plan, frame)
        for w in state.warnings:
            if w not in warnings:
                warnings.append(w)
        ucols = tickers.get_indexer(state.universe.index)
        universe.append(ucols[ucols >= 0])
        ecols = tickers.get_indexer(state.eligible.index)
        ok = ecols >= 0
        eligible[i, ecols[ok]] = True
        etick = state.eligible.index.astype(str).to_numpy()
        row = {"date": date, "universe": len(state.universe), "eligible": len(state.eligible),
               "delisted_before_signal": int(dead.sum()) if dead is not None else 0,
               "eligible_without_prices": int((~ok).sum()),
               "survivorship_biased": any(source.survivorship_biased(u, date)
                                          for u in plan.universes)}
        for pr in state.phases:
            lists[pr.phase.id].append(ecols[pr.order])
            listed[pr.phase.id].append(list(etick[pr.order]))
            row[f"listed.{pr.phase.id}"] = len(pr.order)
        for f in factors:
            if f.kind == "score":
                v = state.scores[f.id].values
            elif f.id in state.eligible.columns or f.id in plan.metrics_used:
                v = np.asarray(state.ctx.column(f.id), dtype="float64")
            else:
                continue
            values[f.id][i, ecols[ok]] = np.asarray(v, dtype="float64")[ok]
        rows.append(row)
        if tick is not None:
            tick(i + 1)
    sample = pd.DataFrame(rows).set_index("date") if rows else pd.DataFrame()
    return DateLists(dates, tickers, phases, lists, listed, universe, eligible, factors, values,
                     sample, warnings)


def merge(pieces: list[DateLists]) -> DateLists:
    """Windows' evaluations (in date order) as one: what the loop over all dates gives."""
    if len(pieces) == 1:
        return pieces[0]
    first = pieces[0]
    warnings: list[str] = []
    for p in pieces:
        warnings += [w for w in p.warnings if w not in warnings]
    samples = [p.sample for p in pieces if len(p.sample)]
    return DateLists(
        pd.DatetimeIndex(np.concatenate([p.dates.to_numpy() for p in pieces])),
        first.tickers, first.phases,
        {ph: [a for p in pieces for a in p.lists[ph]] for ph in first.phases},
        {ph: [a for p in pieces for a in p.listed_tickers[ph]] for ph in first.phases},
        [a for p in pieces for a in p.universe],
        np.concatenate([p.eligible for p in pieces]), first.factors,
        {f.id: np.concatenate([p.values[f.id] for p in pieces]) for f in first.factors},
        pd.concat(samples) if samples else pd.DataFrame(), warnings)


def _delisted_by(delistings: pd.DataFrame | None) -> pd.Series:
    """ticker -> last trading day, from the delisting records."""
    if delistings is None or not len(delistings):
        return pd.Series(dtype="datetime64[ns]")
    d = delistings.dropna(subset=["last_date"]).sort_values("last_date")
    return pd.Series(pd.to_datetime(d["last_date"]).to_numpy(),
                     index=pd.Index(d["ticker"].astype(str))).groupby(level=0).last()


def restrict(lists: DateLists, dates: pd.DatetimeIndex) -> DateLists:
    """The same evaluations on a subset of the dates (one schedule of several)."""
    pos = lists.dates.get_indexer(dates)
    return DateLists(
        pd.DatetimeIndex(dates), lists.tickers, lists.phases,
        {p: [v[i] for i in pos] for p, v in lists.lists.items()},
        {p: [v[i] for i in pos] for p, v in lists.listed_tickers.items()},
        [lists.universe[i] for i in pos], lists.eligible[pos], lists.factors,
        {k: v[pos] for k, v in lists.values.items()},
        lists.sample.iloc[pos] if len(lists.sample) else lists.sample, lists.warnings)
