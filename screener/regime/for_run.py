"""The regime verdict for a screen run: which store to read, and never failing the run.

``screener run`` shows the verdict at the top of the Summary sheet, marks the phase it points
to and adds a Regime sheet. The run's list does not depend on it, so a regime that cannot be
computed (no history, no series) becomes a warning line, not an error.
"""

from __future__ import annotations

from datetime import date

from screener.errors import ScreenerError


def _sample_store(as_of: date | None):
    from screener.sample import history as sh

    target = sh.cache_dir(2026, 2600, 20)
    if as_of is None and not (target / sh.DONE).exists():
        return None, ("Regime panel skipped: the fictional history is not generated yet "
                      "(run `screener regime --provider sample` once).")
    return sh.sample_history(), None


def regime_for_run(rules, universes: list[str], provider: str | None, as_of: date | None):
    """(RegimeRun or None, warning or None) for the checked rules (``config.load_regime``)."""
    if rules is None:
        return None, None
    try:
        if provider == "sample":
            store, note = _sample_store(as_of)
            if store is None:
                return None, note
            if as_of is None:
                from screener.sample.history import END
                as_of = END
        else:
            from screener.history.store import HistoryStore
            store = HistoryStore()
            if not store.files("macro") and not store.files("prices"):
                return None, ("Regime panel skipped: the history store holds no macro series "
                              "or prices (`screener macro fetch`, `screener fetch --history`).")
        from screener.regime.computed import stored_id
        from screener.regime.run import regime_run

        universe = rules.universe or (universes[0] if universes else None)
        uses_own = any(i.series.source == "computed" for i in rules.indicators)
        if uses_own and store.files("prices") and stored_id("breadth_50d", universe) not in \
                store.latest("macro", by="series").index:
            # the first computation reads every stored price (minutes on 20 years): not
            # inside a run; a verdict without half its evidence would mislead
            return None, ("Regime panel skipped: the breadth and relative-strength series are "
                          "not computed yet (run `screener regime` once; later runs update "
                          "them in seconds).")
        res = regime_run(rules, store, as_of, universe=universe)
    except ScreenerError as exc:
        return None, f"Regime panel skipped: {exc.message}"
    if res.panel.verdict is None:
        return res, "Regime: no indicator has data as of this date; no verdict."
    return res, None
