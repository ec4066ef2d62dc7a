"""Macro series in the history store (``macro`` dataset): incremental fetch, point-in-time reads.

Release dates (the ``released`` column, the dataset's knowledge date):

- a new observation fetched from the CSV is released ``date + release_lag`` days (the catalog's
  lag), never later than the day we fetched it (we hold it, so it was out);
- an observation we already hold whose value changed (a revision) is stored again, released on
  the day we saw the new value: an as-of view before that day keeps the old value;
- API vintages (``--vintages``, needs ``FRED_API_KEY``) carry the day each value was published
  (``realtime_start``); the first vintage of an observation is dated ``min(realtime_start,
  date + release_lag)`` because ALFRED's archive starts years after many observations.

Reads: ``known_series`` gives each series as known on a date (latest vintage released by then);
``first_release_series`` gives every observation's first release with its release date (the
history of the verdict uses it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from screener.errors import FetchError
from screener.regime.catalog import SeriesDef

# re-read a little history on every fetch, to see recent revisions
OVERLAP_DAYS = {"daily": 14, "weekly": 35, "monthly": 120, "quarterly": 200}


@dataclass
class MacroFetchReport:
    rows: dict[str, int] = field(default_factory=dict)       # series -> rows written
    revisions: dict[str, int] = field(default_factory=dict)  # series -> revised values seen
    failures: list[tuple[str, str]] = field(default_factory=list)  # (series, reason)
    requests: int = 0

    @property
    def written(self) -> int:
        return sum(self.rows.values())


def _latest_known(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per (series, date): the value with the newest release among ``rows``."""
    if rows.empty:
        return rows
    rows = rows.sort_values(["series", "date", "released"], kind="stable")
    return rows.drop_duplicates(["series", "date"], keep="last").reset_index(drop=True)


def rows_to_store(obs: pd.DataFrame, held: pd.DataFrame, sdef: SeriesDef, today: dt.date,
                  source: str = "fred") -> tuple[pd.DataFrame, int]:
    """The rows a fetch adds for one series: new observations and revised values."""
    today_ts = pd.Timestamp(today)
    lag = pd.to_timedelta(sdef.release_lag, unit="D")
    obs = obs.copy()
    if "realtime_start" in obs.columns:  # vintages: published on realtime_start
        first = ~obs.duplicated("date", keep="first")
        nominal = (obs["date"] + lag).where(lambda s: s <= today_ts, today_ts)
        obs["released"] = obs["realtime_start"].where(~first, np.minimum(obs["realtime_start"],
                                                                          nominal))
        obs = obs.drop(columns="realtime_start")
        out = obs.merge(held[["date", "released"]], on=["date", "released"], how="left",
                        indicator=True)
        out = out[out["_merge"] == "left_only"].drop(columns="_merge")
        return out.assign(series=sdef.id, source=source), 0
    known = _latest_known(held)
    last = known["date"].max() if len(known) else None
    nominal = obs["date"] + lag
    obs["released"] = nominal.where(nominal <= today_ts, today_ts)
    if last is None:
        return obs.assign(series=sdef.id, source=source), 0
    new = obs[obs["date"] > last]
    old = obs[obs["date"] <= last].merge(known[["date", "value"]], on="date", how="left",
                                         suffixes=("", "_held"))
    changed = old[old["value_held"].isna()
                  | ~np.isclose(old["value"], old["value_held"], rtol=1e-12, atol=1e-12)]
    changed = changed.drop(columns="value_held").assign(released=today_ts)
    out = pd.concat([new, changed], ignore_index=True)
    return out.assign(series=sdef.id, source=source), len(changed)


def fetch_macro(store, client, series: list[SeriesDef], *, today: dt.date | None = None,
                start=None, vintages: bool = False, progress=None) -> MacroFetchReport:
    """Fetch each series from where the store stops (a little overlap for revisions)."""
    today = today or dt.date.today()
    report = MacroFetchReport()
    held_all = store.read("macro", where={"series": [s.id for s in series]},
                          columns=["series", "date", "value", "released"])
    for sdef in series:
        held = held_all[held_all["series"] == sdef.id]
        since = start
        if len(held) and start is None:
            since = held["date"].max() - pd.Timedelta(days=OVERLAP_DAYS[sdef.frequency])
        try:
            obs = client.observations(sdef.id, start=since, vintages=vintages)
        except FetchError as exc:
            report.failures.append((sdef.id, str(exc.message)))
            if progress:
                progress(sdef.id, None)
            continue
        rows, revised = rows_to_store(obs, held, sdef, today)
        if len(rows):
            store.write("macro", rows[["series", "date", "value", "released", "source"]])
        report.rows[sdef.id] = len(rows)
        report.revisions[sdef.id] = revised
        if progress:
            progress(sdef.id, len(rows))
    report.requests = getattr(client, "requests_made", 0)
    return report


def read_rows(store, ids: list[str], as_of=None) -> pd.DataFrame:
    """Every stored row of these series released on or before ``as_of``."""
    return store.read("macro", where={"series": list(ids)}, as_of=as_of,
                      columns=["series", "date", "value", "released"])


def known_series(store, ids: list[str], as_of=None, rows: pd.DataFrame | None = None
                 ) -> dict[str, pd.Series]:
    """Each series as it was known on ``as_of`` (None: today): the newest value released by
    then for every observation date. Indexed by observation date, ascending."""
    rows = read_rows(store, ids, as_of) if rows is None else rows
    rows = _latest_known(rows)
    return {sid: pd.Series(g["value"].to_numpy(), index=pd.DatetimeIndex(g["date"]), name=sid)
            for sid, g in rows.groupby("series", sort=False)}


def first_release_series(store, ids: list[str], end=None, rows: pd.DataFrame | None = None
                         ) -> dict[str, tuple[pd.Series, pd.DatetimeIndex]]:
    """Each observation's first released value, and the date it was released."""
    rows = read_rows(store, ids, end) if rows is None else rows
    if rows.empty:
        return {}
    rows = rows.sort_values(["series", "date", "released"], kind="stable")
    rows = rows.drop_duplicates(["series", "date"], keep="first")
    out = {}
    for sid, g in rows.groupby("series", sort=False):
        out[sid] = (pd.Series(g["value"].to_numpy(), index=pd.DatetimeIndex(g["date"]), name=sid),
                    pd.DatetimeIndex(g["released"]))
    return out
