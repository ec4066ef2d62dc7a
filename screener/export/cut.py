"""The workbook of a large run: the per-name sheets hold their top rows, every row goes beside.

Above the limit (``settings.workbook_limit()``, 10,000 names by default; ``--full`` lifts it),
All names, Explain and Data quality hold their first ``min(limit, TOP_ROWS)`` rows, and the
whole tables are written as Parquet files named after the workbook:
``<workbook stem>-all_names.parquet``, ``-explain_names.parquet``, ``-data_quality.parquet``
(the same bytes ``--format parquet`` writes for those tables). Which rows stay on the sheet:

- All names and Explain: the same names, in this order: names on a list (best rank over the
  phases first), then the other eligible names, then the names that are not eligible; within
  each, by the first phase's ranking score (its own direction), then the table's order.
- Data quality: the most severe issues first (fetch failed, invalid value, stale data, no
  data, check, assumption, missing value), each in the table's order.

Each cut sheet says so in its first row, naming the file and ``--full``.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from screener.export import frames
from screener.result import RunResult

TOP_ROWS = 2_000
SEVERITY = ("fetch failed", "invalid value", "stale data", "no data", "check", "assumption",
            "missing value")
SIDE_TABLES = ("all_names", "explain_names", "data_quality")


@dataclass
class Cut:
    """What the workbook of a large run leaves out, and where the whole tables go."""

    names: int                      # names in the run (rows of All names)
    top: int                        # rows kept on each cut sheet
    files: dict[str, Path] = field(default_factory=dict)   # table name -> file beside it
    tickers: list = field(default_factory=list)   # the names kept, in sheet order

    def note(self, table: str, shown: int, total: int, order: str) -> str:
        return (f"Showing the top {shown:,} of {total:,} rows ({order}): this run has "
                f"{self.names:,} names, more than the workbook limit. Every row: "
                f"{self.files[table].name} beside this workbook (Parquet). Run with --full "
                "to write every row here, or raise SCREENER_WORKBOOK_LIMIT.")


def side_path(workbook: Path, table: str) -> Path:
    return workbook.with_name(f"{workbook.stem}-{table}.parquet")


def side_files(workbook: Path, tables) -> dict[str, Path]:
    """The files beside ``workbook`` for the whole tables (of ``tables``) a cut leaves out."""
    return {t: side_path(workbook, t) for t in SIDE_TABLES if t in tables}


def plan(result: RunResult, tables: dict[str, pd.DataFrame], workbook: Path, *,
         full: bool = False, limit: int | None = None) -> Cut | None:
    """The cut for this run (None when the workbook holds every row)."""
    from screener import settings

    limit = settings.workbook_limit() if limit is None else limit
    names = len(tables["all_names"])
    if full or names <= limit:
        return None
    cut = Cut(names=names, top=min(limit, TOP_ROWS))
    cut.files = side_files(workbook, tables)
    cut.tickers = top_tickers(tables["all_names"], result, cut.top)
    return cut


def _order_key(all_names: pd.DataFrame, result: RunResult) -> pd.DataFrame:
    n = len(all_names)
    ranks = [all_names[frames.phase_rank_key(p)].astype("float64").to_numpy(na_value=np.nan)
             for p in result.phases if frames.phase_rank_key(p) in all_names]
    best = np.fmin.reduce(ranks) if ranks else np.full(n, np.nan)
    score = np.full(n, np.nan)
    if result.phases and result.phases[0].rank_by in all_names:
        first = result.phases[0]
        score = pd.to_numeric(all_names[first.rank_by], errors="coerce").to_numpy(
            dtype="float64", na_value=np.nan)
        score = score if first.ascending else -score
    eligible = (all_names["eligible"].astype(object).to_numpy() == "yes"
                if "eligible" in all_names else np.ones(n, dtype=bool))
    return pd.DataFrame({
        "group": np.where(~np.isnan(best), 0, np.where(eligible, 1, 2)),
        "best": np.nan_to_num(best, nan=np.inf), "score": np.nan_to_num(score, nan=np.inf),
        "pos": np.arange(n)})


def top_order(all_names: pd.DataFrame, result: RunResult, top: int) -> np.ndarray:
    """Row positions of All names to keep, in sheet order."""
    key = _order_key(all_names, result)
    return key.sort_values(["group", "best", "score", "pos"]).head(top)["pos"].to_numpy()


def top_tickers(all_names: pd.DataFrame, result: RunResult, top: int) -> list:
    return all_names["ticker"].to_numpy()[top_order(all_names, result, top)].tolist()


def top_all_names(all_names: pd.DataFrame, result: RunResult, cut: Cut) -> pd.DataFrame:
    return all_names.iloc[top_order(all_names, result, cut.top)]


def top_why(why: pd.DataFrame, cut: Cut) -> pd.DataFrame:
    """The Explain rows of the kept names, in the same order as All names."""
    if "ticker" not in why:
        return why.head(cut.top)
    pos = pd.Index(why["ticker"].astype(str)).get_indexer([str(t) for t in cut.tickers])
    return why.iloc[pos[pos >= 0]]


def top_data_quality(dq: pd.DataFrame, cut: Cut) -> pd.DataFrame:
    rank = dq["issue"].map({k: i for i, k in enumerate(SEVERITY)}).fillna(len(SEVERITY))
    order = pd.DataFrame({"r": rank.to_numpy(), "i": np.arange(len(dq))})
    return dq.iloc[order.sort_values(["r", "i"])["i"].to_numpy()[:cut.top]]


ORDER_TEXT = {
    "all_names": "names on a list first, by best rank; then eligible names by the first "
                 "phase's score; then the rest",
    "explain_names": "the same names as All names, in the same order",
    "data_quality": "most severe first: fetch failed, invalid value, stale data, no data, "
                    "check, assumption, missing value",
}


def stage_side_files(cut: Cut, tables: dict[str, pd.DataFrame]) -> dict[str, Path]:
    """Each whole table as Parquet in a hidden temporary beside the workbook (complete and
    synced; a kill leaves only temporaries the next run clears): table -> temporary. Given
    their names by ``place_side_files`` once the workbook's own name is known."""
    import secrets

    from screener.export.atomic import write_atomic
    from screener.export.tables import parquet_bytes
    from screener.fsutil import temp_prefix

    staged: dict[str, Path] = {}
    try:
        for name, path in cut.files.items():
            data = parquet_bytes(tables[name])
            tmp = path.with_name(f"{temp_prefix(path.name)}{secrets.token_hex(4)}.tmp")
            staged[name] = write_atomic(tmp, lambda fh, d=data: fh.write(d))
    except BaseException:
        remove(list(staged.values()))
        raise
    return staged


def place_side_files(cut: Cut, staged: dict[str, Path]) -> list[Path]:
    """The staged tables moved to the names ``cut`` gives them (each move atomic)."""
    from screener.errors import ExportError

    placed = []
    for name, tmp in staged.items():
        try:
            os.replace(tmp, cut.files[name])
        except OSError as exc:
            remove(list(staged.values()))
            raise ExportError(f"Cannot write {cut.files[name]}: {exc.strerror or exc}",
                              "Close the file in other programs, or choose --out; the "
                              "workbook was written.") from None
        placed.append(cut.files[name])
    return placed


def remove(paths: list[Path]) -> None:
    for p in paths:
        with contextlib.suppress(OSError):
            p.unlink()
