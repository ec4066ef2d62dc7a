"""Record a finished run and attach its history to the Result before it is exported:
the changes against the previous run of the same screen and the track record of earlier runs.

The run is recorded first, in its own transaction, so a crash while the workbook is written
leaves the run recorded whole (or, before this point, not at all).
"""

from __future__ import annotations

import pandas as pd

from screener.errors import ScreenerError
from screener.runs.diff import RunDiff, diff_runs
from screener.runs.record import RunLog
from screener.runs.track import track_runs


def stored_prices(tickers, start, history=None):
    """The stored daily prices of ``tickers`` (plus the index ETFs) from ``start`` on, and the
    delistings; (None, None) when the history holds no prices."""
    from screener.history import HistoryStore
    from screener.history.prices import PricePanel
    from screener.runs.track import ETF_OF_UNIVERSE

    store = history or HistoryStore()
    if not store.files("prices"):
        return None, None
    wanted = list(dict.fromkeys([*tickers, *ETF_OF_UNIVERSE.values()]))
    panel = PricePanel.load(store, wanted, start=start)
    delist = store.read("delistings", tickers=wanted) if store.files("delistings") else None
    return panel, delist


def track_table(log: RunLog, screen: str | None = None, since=None, until=None,
                history=None) -> pd.DataFrame | None:
    """The track record of the recorded runs of ``screen`` (all screens when None)."""
    runs = log.runs(screen)
    if since is not None:
        dates = pd.to_datetime(runs["as_of"].fillna(runs["run_at"].str[:10]))
        runs = runs[dates >= pd.Timestamp(since)]
    if runs.empty:
        return None
    records = [log.load(r) for r in runs["run_id"]]
    tickers = pd.unique(pd.concat([r.names["ticker"] for r in records]))
    start = min(r.date for r in records)
    panel, delist = stored_prices(tickers, start, history)
    if panel is None:
        return None
    return track_runs(records, panel, until=until, delistings=delist)


def regime_summary(regime_run) -> dict | None:
    """What the run record keeps of the regime verdict: verdict, phase, scores, overlays."""
    panel = getattr(regime_run, "panel", None)
    if panel is None:
        return None
    return {"verdict": panel.verdict, "title": panel.title, "phase": panel.phase,
            "as_of": str(panel.as_of.date()), "scores": dict(panel.scores),
            "overlays": dict(panel.overlays)}


def record_and_attach(result, overrides: dict | None = None, *, store_path=None,
                      regime: dict | None = None, history=None) -> RunDiff | None:
    """Record ``result``; set its run id, its changes against the previous run of the same
    screen evaluated as of the same date (live runs against live runs, ``--as-of D`` runs
    against earlier runs as of D), and the track record of that screen's runs. Returns the diff (None for a first
    run)."""
    if regime is None:
        regime = regime_summary(getattr(result, "regime", None))
    with RunLog.open(store_path) as log:
        previous = log.latest(result.screen_name, as_of=result.as_of)
        result.run_id = log.record(result, overrides, regime)
        diff = None
        if previous is not None:
            diff = diff_runs(previous, log.load(result.run_id))
            result.changes = diff.table
            result.changes_against = previous.run_id
        try:
            result.track = track_table(log, result.screen_name, history=history)
        except ScreenerError as exc:  # the track record is extra; never lose the run over it
            result.warnings.append(f"Track record not computed: {exc.message}")
    return diff
