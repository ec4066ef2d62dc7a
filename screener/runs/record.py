"""Recorded runs: every `screener run` kept in the store's journal, never rewritten.

Two tables beside the journal's own (one SQLite file, see ``screener.store.db``):

- ``runs``: one row per run: id, time, screen name/path/hash/text, ``--set`` overrides,
  parameters, universes with their snapshot dates, providers, the evaluation date (``as_of``),
  the data's date range, whether the data was fictional, the regime verdict (JSON, when any);
- ``run_names``: one row per (run, phase, universe name): status (listed / below top N /
  failed rule / ineligible / no ranking value), rank, ranking value, the first rule failed and
  whether its value was missing, the name, and the score parts of listed names (JSON).

A run is written in one transaction: it is recorded whole or not at all, whatever happens to the
workbook written after it. ``prune(keep)`` is the only way runs are removed.
"""

from __future__ import annotations

import json
import math
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from screener.errors import ScreenerError
from screener.store import Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY, run_at TEXT NOT NULL, screen_name TEXT NOT NULL,
    screen_path TEXT NOT NULL, screen_hash TEXT NOT NULL, screen_text TEXT NOT NULL,
    overrides TEXT NOT NULL, params TEXT NOT NULL, universes TEXT NOT NULL,
    providers TEXT NOT NULL, as_of TEXT, data_from TEXT, data_to TEXT, is_sample INTEGER NOT NULL,
    version TEXT NOT NULL, regime TEXT, phases TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_screen ON runs (screen_name, run_at);
CREATE TABLE IF NOT EXISTS run_names (
    run_id TEXT NOT NULL, phase TEXT NOT NULL, ticker TEXT NOT NULL, status TEXT NOT NULL,
    rank REAL, score REAL, rule TEXT, missing INTEGER NOT NULL, name TEXT, parts TEXT,
    PRIMARY KEY (run_id, phase, ticker)
);
"""

RUN_COLUMNS = ["run_id", "run_at", "screen_name", "screen_path", "screen_hash", "screen_text",
               "overrides", "params", "universes", "providers", "as_of", "data_from", "data_to",
               "is_sample", "version", "regime", "phases"]
NAME_COLUMNS = ["ticker", "phase", "status", "rank", "score", "rule", "missing", "name", "parts"]


class RunNotFoundError(ScreenerError):
    """A run id (or screen) with no recorded run."""


@dataclass
class RunRecord:
    """One recorded run: its identity (``meta``) and where every name stood (``names``)."""

    meta: dict
    names: pd.DataFrame  # NAME_COLUMNS

    @property
    def run_id(self) -> str:
        return self.meta["run_id"]

    @property
    def date(self) -> pd.Timestamp:
        """The date the run's lists are as of: its evaluation date, else the day it ran."""
        return pd.Timestamp(self.meta["as_of"] or self.meta["run_at"][:10])

    def listed(self, phase: str) -> pd.DataFrame:
        n = self.names
        return n[(n["phase"] == phase) & (n["status"] == "listed")].sort_values("rank")

    @property
    def phase_ids(self) -> list[str]:
        return [p["id"] for p in self.meta["phases"]]


def _json(value) -> str:
    def clean(v):
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if isinstance(v, dict):
            return {str(k): clean(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [clean(x) for x in v]
        if hasattr(v, "item"):  # numpy scalar
            return clean(v.item())
        return v if isinstance(v, (str, int, float, bool, type(None))) else str(v)
    return json.dumps(clean(value), sort_keys=True)


def new_run_id(at: datetime) -> str:
    """Sortable and unique: time to the second plus 4 random hex digits."""
    return f"{at:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


def _names_rows(result, run_id: str) -> list[tuple]:
    status = result.status
    if status is None or status.empty:
        return []
    names = result.eligible["name"] if "name" in result.eligible else pd.Series(dtype=object)
    parts: dict[tuple[str, str], str] = {}
    for p in result.phases:
        cols = [c for c in p.score_columns if c in p.table.columns]
        for row in p.table[["ticker", *cols]].itertuples(index=False):
            parts[(p.id, row[0])] = _json(dict(zip(cols, row[1:], strict=True)))
    st = status.assign(name=status["ticker"].map(names))
    rows = []
    for t, ph, s, rank, score, rule, miss, name in st[
            ["ticker", "phase", "status", "rank", "score", "rule", "missing", "name"]
    ].itertuples(index=False):
        rows.append((run_id, ph, t, s, None if pd.isna(rank) else float(rank),
                     None if pd.isna(score) else float(score), rule, int(bool(miss)),
                     None if pd.isna(name) else str(name), parts.get((ph, t))))
    return rows


class RunLog:
    """The recorded runs in the store at ``path`` (default: the user's store)."""

    def __init__(self, store: Store):
        self.store = store
        with store._tx() as conn:  # executescript would commit the open transaction
            for statement in filter(str.strip, SCHEMA.split(";")):
                conn.execute(statement)

    @classmethod
    def open(cls, path: str | Path | None = None) -> RunLog:
        return cls(Store.open(path))

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> RunLog:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- writing -------------------------------------------------------------------------
    def record(self, result, overrides: dict | None = None, regime: dict | None = None) -> str:
        """Record ``result`` whole, in one transaction; returns the new run id."""
        run_id = new_run_id(result.run_at)
        phases = [{"id": p.id, "title": p.title, "top": p.top, "passed": p.passed,
                   "listed": len(p.table), "rank_by": p.rank_by} for p in result.phases]
        row = (run_id, result.run_at.isoformat(), result.screen_name, result.screen_path,
               result.screen_hash, result.screen_text, _json(overrides or {}),
               _json(result.params), _json(result.universe_as_of), _json(result.providers),
               result.as_of, result.data_as_of[0], result.data_as_of[1], int(result.is_sample),
               result.version, _json(regime) if regime else None, _json(phases))
        names = _names_rows(result, run_id)
        with self.store._tx() as conn:
            conn.execute(f"INSERT INTO runs ({', '.join(RUN_COLUMNS)}) VALUES "
                         f"({', '.join('?' * len(RUN_COLUMNS))})", row)
            conn.executemany("INSERT INTO run_names (run_id, phase, ticker, status, rank, "
                             "score, rule, missing, name, parts) VALUES (?,?,?,?,?,?,?,?,?,?)",
                             names)
        return run_id

    def prune(self, keep: int) -> int:
        """Remove all but the newest ``keep`` runs of every screen; returns how many went."""
        if keep < 1:
            raise ScreenerError("--keep must be at least 1.", "e.g. --prune --keep 100")
        old = [r[0] for r in self.store._query(
            "SELECT run_id FROM (SELECT run_id, row_number() OVER (PARTITION BY screen_name "
            "ORDER BY run_at DESC, run_id DESC) AS n FROM runs) WHERE n > ?", (keep,))]
        with self.store._tx() as conn:
            conn.executemany("DELETE FROM run_names WHERE run_id = ?", [(r,) for r in old])
            conn.executemany("DELETE FROM runs WHERE run_id = ?", [(r,) for r in old])
        return len(old)

    # -- reading -------------------------------------------------------------------------
    def runs(self, screen: str | None = None) -> pd.DataFrame:
        """Recorded runs, newest first (one row each, RUN_COLUMNS without the text)."""
        sql = f"SELECT {', '.join(RUN_COLUMNS)} FROM runs"
        params: tuple = ()
        if screen:
            sql += " WHERE screen_name = ?"
            params = (screen,)
        rows = self.store._query(sql + " ORDER BY run_at DESC, run_id DESC", params)
        return pd.DataFrame(rows, columns=RUN_COLUMNS)

    def load(self, run_id: str) -> RunRecord:
        rows = self.store._query(f"SELECT {', '.join(RUN_COLUMNS)} FROM runs WHERE run_id = ?",
                                 (run_id,))
        if not rows:
            matches = self.store._query("SELECT run_id FROM runs WHERE run_id LIKE ?",
                                        (run_id + "%",))
            if len(matches) != 1:
                raise RunNotFoundError(
                    f"No recorded run {run_id!r}" + (" (ambiguous prefix)." if matches else "."),
                    "List the runs with `screener history`.")
            return self.load(matches[0][0])
        meta = dict(zip(RUN_COLUMNS, rows[0], strict=True))
        for k in ("overrides", "params", "universes", "providers", "phases", "regime"):
            if meta[k] is not None:
                meta[k] = json.loads(meta[k])
        names = pd.DataFrame(self.store._query(
            f"SELECT {', '.join(NAME_COLUMNS)} FROM run_names WHERE run_id = ?", (meta["run_id"],)),
            columns=NAME_COLUMNS)
        names["missing"] = names["missing"].astype(bool)
        names["rank"] = names["rank"].astype("float64")
        names["score"] = names["score"].astype("float64")
        return RunRecord(meta, names)

    def latest(self, screen: str, before: str | None = None,
               as_of: str | None | bool = False) -> RunRecord | None:
        """The newest run of ``screen`` (older than run ``before`` when given; evaluated as of
        ``as_of`` when given: None = live runs, an ISO date = runs as of that date)."""
        runs = self.runs(screen)
        if as_of is not False:
            runs = runs[runs["as_of"].isna()] if as_of is None else runs[runs["as_of"] == as_of]
        if before is not None:
            runs = runs[runs["run_id"] < before]
        return self.load(runs.iloc[0]["run_id"]) if len(runs) else None
