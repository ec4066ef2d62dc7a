"""The run's raw bundle from what is stored, as of a date or as of now.

As of a date D (``run/explain/validate --as-of D``), nothing known after D is used:

- members: the membership snapshot in force on D (the history's ``memberships``, synced from
  the dated universe snapshots on disk), not today's;
- statements: facts first filed on or before D (TTM flows, MRQ balances; the fiscal years
  for the annual scores), from the history; names without facts there fall back to the
  journal's snapshot *fetched* on or before D (annual statements);
- estimates and prices: the history's snapshots taken on or before D and closes up to D;
  names without them fall back to the journal's snapshot fetched on or before D;
- the debt ladder: the journal's snapshot fetched on or before D (the filings it parses were
  all filed by its fetch date).

Without a date, the latest snapshots are used as before, and the statements come from the
history's facts (TTM) for the names that have them.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from screener.errors import NoDataError, ScreenerError
from screener.history.asof import LOOKBACK_QUARTERS, QuarterTable
from screener.history.store import HistoryStore
from screener.raw.bundle import RawBundle, empty_block
from screener.raw.schema import BLOCKS

HISTORY_BLOCKS = ("statements", "estimates", "market")


def sync_memberships(history: HistoryStore, universes) -> int:
    """Copy the universe snapshots on disk (``universe refresh``/``import``) that the history
    does not hold yet into its ``memberships``; returns the rows written."""
    from screener.universe import snapshots

    written = 0
    held = history.read("memberships", where={"universe": list(universes)},
                        columns=["universe", "as_of"])
    have = {(u, pd.Timestamp(d).date().isoformat())
            for u, d in held.drop_duplicates().itertuples(index=False)}
    for name in universes:
        for as_of in snapshots.list_snapshots(name):
            if (name, as_of) in have:
                continue
            _, frame = snapshots.read_snapshot(name, as_of)
            written += history.write("memberships", membership_rows(name, as_of, frame))
    return written


def membership_rows(name: str, as_of: str, frame: pd.DataFrame,
                    source: str = "snapshot") -> pd.DataFrame:
    """A universe snapshot (indexed by ticker) as rows of the ``memberships`` dataset."""
    out = pd.DataFrame({"universe": name, "as_of": pd.Timestamp(as_of),
                        "ticker": frame.index.astype(str),
                        "name": frame["name"].astype("string") if "name" in frame else None,
                        "sector": frame["sector"].astype("string") if "sector" in frame
                        else None,
                        "weight": frame.get("weight", np.nan),
                        "source": source})
    return out.reset_index(drop=True)


def history_statements(history: HistoryStore, tickers, date) -> tuple[pd.DataFrame,
                                                                      pd.DataFrame]:
    """(TTM/MRQ windows, fiscal years) of ``tickers`` from facts known on ``date``."""
    d = pd.Timestamp(date)
    from screener.timeaxis.pointintime import FACT_COLUMNS

    facts = history.read("facts", tickers=list(tickers), as_of=d, columns=FACT_COLUMNS,
                         start=d - pd.DateOffset(months=3 * (LOOKBACK_QUARTERS + 1)),
                         arrow=True)
    qt = QuarterTable.build(facts, list(tickers))
    return qt.statements(d), qt.annual(d)


def merge_history(journal: RawBundle, hist: RawBundle, tickers: pd.Index) -> RawBundle:
    """Per block and ticker the history's rows win; the journal fills the names it lacks.
    Statements keep a per-ticker basis (``ttm`` from the history, ``fy`` from the journal)."""
    out = {}
    for name in HISTORY_BLOCKS:
        h, j = hist.block(name), journal.block(name)
        h_t = h.index.get_level_values("ticker")
        j_keep = j[~j.index.get_level_values("ticker").isin(h_t)]
        frames = [f for f in (h, j_keep) if len(f)]
        out[name] = pd.concat(frames).sort_index() if frames else empty_block(name)
    ttm_names = set(hist.statements.index.get_level_values("ticker"))
    annual_parts = [hist.annual] if hist.annual is not None and len(hist.annual) else []
    st = journal.statements
    annual_parts.append(st[~st.index.get_level_values("ticker").isin(ttm_names)])
    annual = pd.concat([a for a in annual_parts if len(a)]) if any(
        len(a) for a in annual_parts) else empty_block("statements")
    basis = pd.Series(["ttm" if t in ttm_names else "fy" for t in tickers], index=tickers,
                      dtype=object)
    return RawBundle(identity=journal.identity, ladder=journal.ladder,
                     failures=list(journal.failures) + list(hist.failures),
                     is_sample=journal.is_sample or hist.is_sample, prices=hist.prices,
                     statements_basis=basis, annual=annual.sort_index(),
                     as_of=hist.as_of, rates=hist.rates or journal.rates, **out)


def overlay_latest(bundle: RawBundle, tickers, history: HistoryStore | None = None
                   ) -> RawBundle:
    """The latest-data bundle with the history's TTM statements for the names it has facts
    for, and its recent daily prices (so the price metrics are computed from them); nothing
    changes when the history holds neither."""
    from screener.history.prices import recent_panel

    history = history or HistoryStore()
    if bundle.prices is None and history.files("prices"):
        bundle.prices = recent_panel(history, tickers)
    if not history.files("facts"):
        return bundle
    tickers = pd.Index(list(tickers))
    st, annual = history_statements(history, tickers, dt.date.today())
    if st.empty:
        return bundle
    from screener.timeaxis.pointintime import _typed_statements

    hist = RawBundle(statements=_typed_statements(st), annual=_typed_statements(annual))
    hist.estimates, hist.market = empty_block("estimates"), empty_block("market")
    merged = merge_history(bundle, hist, tickers)
    merged.estimates, merged.market = bundle.estimates, bundle.market
    merged.prices = bundle.prices
    merged.as_of = None
    return merged


def stored_as_of(universes: list[str], provider: str | None, as_of, *, store_path=None,
                 history: HistoryStore | None = None):
    """(bundle, universe snapshot dates, PointInTime) for a run as of ``as_of``."""
    from screener.store import Store
    from screener.timeaxis.pointintime import PointInTime

    history = history or HistoryStore()
    try:
        sync_memberships(history, universes)
    except ScreenerError:
        pass  # a damaged snapshot file: the history's own memberships still count
    pit = PointInTime.load(universes, as_of, as_of, history=history)
    hist = pit.bundle(as_of)
    tickers = hist.identity.index
    journal = RawBundle()
    if store_path is None or _exists(store_path):
        store = Store.open(store_path)
        try:
            sources = None if provider in (None, "store") else [provider]
            journal = store.load_bundle(list(tickers), sources=sources,
                                        as_of=pd.Timestamp(as_of).date(),
                                        universe=", ".join(universes))
        except NoDataError:
            journal = RawBundle()
        finally:
            store.close()
    journal.identity = hist.identity
    bundle = merge_history(journal, hist, tickers)
    has = sum(len(bundle.block(b)) for b in ("statements", "market", "estimates", "ladder"))
    if not has:
        raise NoDataError(
            f"Nothing is stored for the members of {', '.join(universes)} as of "
            f"{pd.Timestamp(as_of).date()}.",
            "Fill the history first: `screener fetch --universe NAME --history` (network), "
            "or try `--provider sample --as-of DATE` on fictional data.")
    dates = {u: pit.snapshot_date(u, as_of).date().isoformat() for u in universes}
    return bundle, dates, pit


def _exists(path) -> bool:
    from pathlib import Path

    return Path(path).exists()


def newest_used(bundle: RawBundle, pit=None) -> dict[str, str | None]:
    """The newest date of the data each block used (filing dates for history statements)."""
    out: dict[str, str | None] = {}
    if pit is not None and bundle.as_of is not None:
        used = pit.newest_used(bundle.as_of, bundle.identity.index)
        st = used.get("statements")
        out["statements (newest filing)"] = _iso(st)
        out["index membership snapshot"] = _iso(used.get("memberships"))
    elif len(bundle.statements):
        out["statements (newest period end)"] = _iso(pd.to_datetime(
            bundle.statements["period_end"]).max())
    for name in ("market", "estimates", "ladder"):
        b = bundle.block(name)
        if len(b) and "as_of" in b.columns:
            out[BLOCKS[name].label] = _iso(pd.to_datetime(b["as_of"]).max())
    if bundle.prices is not None and not bundle.prices.empty:
        out["daily prices (last close)"] = _iso(bundle.prices.dates[-1])
    return out


def _iso(value) -> str | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date().isoformat()
