"""The columnar history store: Parquet files read with DuckDB, written with pyarrow.

Layout (the contract other engines read too: Spark, Dask, Polars, DuckDB itself)::

    <root>/<dataset>/year=<YYYY>/data.parquet

one file per dataset and year of the row's ``time`` date (see ``schema``), rows sorted by key.
A write merges its rows into the partitions they touch: under a per-dataset lock file, each
touched partition is read, merged (a later write of the same key replaces the earlier row),
written to a temporary file in the same folder and moved over the old one with ``os.replace``.
A kill mid-write loses at most the rows of that write's unfinished partition; every other file
stays as it was. Leftover temporaries (``.data.parquet.*.tmp``) are never read and are removed
by the next write of that dataset.

Reads are one DuckDB scan over the dataset's files with the filters pushed down:
``read(dataset, tickers=, start=, end=, as_of=)``. ``as_of`` keeps rows whose *knowledge* date
(filing, release, close) is on or before it, so nothing published later can leak in.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from screener.errors import StoreError
from screener.fsutil import exclusive_lock
from screener.history.schema import DATASETS, HistorySpec, spec

DATA_FILE = "data.parquet"
TMP_PREFIX = f".{DATA_FILE}."


def default_root() -> Path:
    from screener import settings

    env = os.environ.get("SCREENER_HISTORY_DIR")
    return Path(env).expanduser() if env else settings.data_dir() / "history"


def _date(value) -> dt.date | None:
    if value is None:
        return None
    return pd.Timestamp(value).date()


def to_table(s: HistorySpec, frame: pd.DataFrame) -> pa.Table:
    """``frame`` as a table of the dataset's schema: columns by name (missing optional ones
    null, extra ones refused), dates parsed, key columns required."""
    extra = [c for c in frame.columns if c not in s.columns]
    if extra:
        raise StoreError(f"History dataset {s.name!r} has no column(s) {extra}.",
                         f"Its columns are: {', '.join(s.columns)}.")
    needed = [k for k in s.key if k not in ("period_start",)] + [s.time, s.known]
    missing = sorted({k for k in needed if k not in frame.columns})
    if missing:
        raise StoreError(f"Rows for history dataset {s.name!r} lack column(s) {missing}.",
                         "Every row needs its key and its dates.")
    arrays = []
    for field in s.schema:
        if field.name not in frame.columns:
            arrays.append(pa.nulls(len(frame), type=field.type))
            continue
        col = frame[field.name]
        if field.type == pa.date32():
            days = pd.to_datetime(col, errors="coerce").to_numpy("datetime64[D]")
            arrays.append(pa.array(days, type=field.type, from_pandas=True))
        elif field.type == pa.string():
            arrays.append(pa.array(col.astype("string"), type=field.type, from_pandas=True))
        else:
            arrays.append(pa.array(pd.to_numeric(col, errors="coerce"), type=field.type,
                                   from_pandas=True))
    table = pa.Table.from_arrays(arrays, schema=s.schema)
    for k in set(needed):
        if table[k].null_count:
            raise StoreError(f"{table[k].null_count} row(s) for history dataset {s.name!r} "
                             f"have no {k}.", "Every row needs its key and its dates.")
    return table


def _codes(col: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, int]:
    """Integer codes that sort like the column (nulls first, as 0) and their count."""
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
        enc = pc.dictionary_encode(col)
        words = enc.dictionary.to_numpy(zero_copy_only=False)
        rank = np.empty(len(words), dtype=np.int64)
        rank[np.argsort(words, kind="stable")] = np.arange(1, len(words) + 1)
        idx = enc.indices.to_numpy(zero_copy_only=False)
        if enc.indices.null_count:
            idx = np.where(pc.is_null(enc.indices).to_numpy(zero_copy_only=False), 0,
                           np.nan_to_num(idx, nan=0)).astype(np.int64)
            codes = np.where(pc.is_null(col).to_numpy(zero_copy_only=False), 0, rank[idx])
        else:
            codes = rank[idx.astype(np.int64)]
        return codes, len(words) + 1
    if pa.types.is_date32(col.type):
        col = col.cast(pa.int32())
    values = col.to_numpy(zero_copy_only=False)
    if col.null_count:
        nulls = pc.is_null(col).to_numpy(zero_copy_only=False)
        values = np.where(nulls, 0, np.nan_to_num(values, nan=0))
    else:
        nulls = None
    values = np.asarray(values, dtype=np.int64)
    lo = int(values.min()) if len(values) else 0
    codes = values - lo + 1
    if nulls is not None:
        codes[nulls] = 0
    return codes, int(codes.max()) + 1 if len(codes) else 1


def _merge(s: HistorySpec, old: pa.Table | None, new: pa.Table) -> pa.Table:
    """Old and new rows, one per key (the newest write wins), sorted by key.

    Each key column becomes integer codes that sort like it (strings by their rank in the
    dictionary, dates as day numbers, nulls first); when they fit, they are packed into one
    int64 per row. One stable sort (timsort: the old rows are already one sorted run, so
    merging a new day costs little more than a pass) keeps the later row last among equal
    keys; a row is kept when the next row's key differs.
    """
    both = new if old is None else pa.concat_tables([old.cast(s.schema), new])
    n = both.num_rows
    if n < 2:
        return both
    codes = [_codes(both[k]) for k in s.key]
    bits = [max(1, int(card - 1).bit_length()) for _, card in codes]
    if sum(bits) <= 62:
        key = np.zeros(n, dtype=np.int64)
        for (c, _), b in zip(codes, bits, strict=True):
            key = (key << b) | c
        order = np.argsort(key, kind="stable")
        key = key[order]
        same_as_next = key[:-1] == key[1:]
    else:
        order = np.lexsort([c for c, _ in reversed(codes)])
        same_as_next = np.ones(n - 1, dtype=bool)
        for c, _ in codes:
            sc = c[order]
            same_as_next &= sc[:-1] == sc[1:]
    if not (np.diff(order) > 0).all():
        both = both.take(pa.array(order))
    last = np.ones(n, dtype=bool)
    last[:-1] = ~same_as_next
    return both.filter(pa.array(last)) if not last.all() else both


class HistoryStore:
    """Parquet partitions under ``root``; see the module docstring for the layout."""

    def __init__(self, root: str | os.PathLike | None = None):
        self.root = Path(root) if root is not None else default_root()

    # -- paths ---------------------------------------------------------------------------
    def dataset_dir(self, dataset: str) -> Path:
        return self.root / spec(dataset).name

    def files(self, dataset: str) -> list[Path]:
        base = self.dataset_dir(dataset)
        return sorted(base.glob(f"year=*/{DATA_FILE}")) if base.is_dir() else []

    def _partitions(self, dataset: str, start=None, end=None) -> list[Path]:
        """The year partitions a ``time`` window can touch (all without bounds)."""
        files = self.files(dataset)
        lo = pd.Timestamp(start).year if start is not None else None
        hi = pd.Timestamp(end).year if end is not None else None
        if lo is None and hi is None:
            return files
        keep = []
        for f in files:
            year = int(f.parent.name.split("=", 1)[1])
            if (lo is None or year >= lo) and (hi is None or year <= hi):
                keep.append(f)
        return keep

    @contextlib.contextmanager
    def _lock(self, dataset: str) -> Iterator[None]:
        base = self.dataset_dir(dataset)
        with contextlib.ExitStack() as stack:
            try:
                stack.enter_context(exclusive_lock(base / ".lock"))
            except OSError as exc:
                raise StoreError(f"Cannot write the history store at {base}: {exc.strerror}.",
                                 "Check the folder's permissions and free space, or set "
                                 "SCREENER_DATA_DIR to a writable folder.") from None
            yield

    # -- writing -------------------------------------------------------------------------
    def write(self, dataset: str, frame: pd.DataFrame | pa.Table) -> int:
        """Merge ``frame``'s rows into the dataset; returns how many rows were given."""
        s = spec(dataset)
        table = frame if isinstance(frame, pa.Table) else to_table(s, frame)
        if table.num_rows == 0:
            return 0
        years = pc.year(table[s.time]).to_numpy(zero_copy_only=False)
        order = np.argsort(years, kind="stable")  # one take, then zero-copy slices per year
        if (np.diff(order) < 0).any():
            table, years = table.take(pa.array(order)), years[order]
        bounds = np.flatnonzero(np.diff(years)) + 1
        starts, stops = np.r_[0, bounds], np.r_[bounds, len(years)]
        with self._lock(dataset):
            self._clean_temporaries(dataset)
            for lo, hi in zip(starts, stops, strict=True):
                self._write_partition(s, int(years[lo]), table.slice(lo, hi - lo))
        return table.num_rows

    def _write_partition(self, s: HistorySpec, year: int, part: pa.Table) -> None:
        folder = self.root / s.name / f"year={year}"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / DATA_FILE
        old = self._read_file(target) if target.exists() else None
        merged = _merge(s, old, part)
        tmp = folder / f"{TMP_PREFIX}{os.getpid()}.tmp"
        try:
            # dictionary pages for text columns only: on float columns of distinct prices
            # the attempt costs five times the write time and saves little
            text = [f.name for f in s.schema if pa.types.is_string(f.type)]
            pq.write_table(merged, tmp, compression="zstd", row_group_size=256_000,
                           use_dictionary=text)
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except OSError as exc:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            what = "the disk is full" if exc.errno == 28 else exc.strerror
            raise StoreError(f"Cannot write {target}: {what}.",
                             "Free some space or move SCREENER_DATA_DIR; the rows already "
                             "stored are intact.") from None

    def _read_file(self, path: Path) -> pa.Table:
        try:
            return pq.read_table(path)
        except (OSError, pa.ArrowException) as exc:
            raise StoreError(f"History file {path} is damaged ({exc}).",
                             "Delete it and fetch again (`screener fetch --history`); "
                             "other years are not affected.") from None

    def _clean_temporaries(self, dataset: str) -> None:
        for tmp in self.dataset_dir(dataset).glob(f"year=*/{TMP_PREFIX}*.tmp"):
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()

    # -- reading -------------------------------------------------------------------------
    def read(self, dataset: str, *, tickers: Iterable[str] | None = None,
             start=None, end=None, as_of=None, columns: Sequence[str] | None = None,
             where: dict[str, object] | None = None, arrow: bool = False) -> pd.DataFrame:
        """Rows of ``dataset`` as a DataFrame (dates as datetime64), sorted by key
        (``arrow=True``: the pyarrow Table in scan order, for column-wise consumers).

        ``start``/``end`` bound the ``time`` date (inclusive); ``as_of`` keeps rows known on
        or before it; ``tickers`` (or any ``where={column: value or list}``) filter by value.
        """
        s = spec(dataset)
        cols = list(columns) if columns else s.columns
        unknown = [c for c in cols if c not in s.columns]
        if unknown:
            raise StoreError(f"History dataset {s.name!r} has no column(s) {unknown}.",
                             f"Its columns are: {', '.join(s.columns)}.")
        files = self._partitions(dataset, start, end)
        if not files:
            return s.schema.empty_table().select(cols) if arrow else self._empty(s, cols)
        conds, params = [], []
        for col, bound, op in ((s.time, start, ">="), (s.time, end, "<="),
                               (s.known, as_of, "<=")):
            if bound is not None:
                conds.append(f'"{col}" {op} ?')
                params.append(_date(bound))
        filters = dict(where or {})
        if tickers is not None:
            filters["ticker"] = list(tickers)
        for col, value in filters.items():
            if col not in s.columns:
                raise StoreError(f"History dataset {s.name!r} has no column {col!r}.")
            if isinstance(value, (list, tuple, set, pd.Index)):
                conds.append(f'"{col}" IN (SELECT UNNEST(?))')  # a hash semi-join
                params.append([str(v) for v in value])
            else:
                conds.append(f'"{col}" = ?')
                params.append(value)
        select = ", ".join(f'"{c}"' for c in cols)
        sql = (f"SELECT {select} FROM read_parquet(?, union_by_name=true)"
               + (f" WHERE {' AND '.join(conds)}" if conds else ""))
        order = [k for k in s.key if k in cols] if not arrow else []  # arrow: as scanned
        if order:
            sql += " ORDER BY " + ", ".join(f'"{k}"' for k in order)
        try:
            rel = self._connect().sql(sql, params=[[str(f) for f in files], *params])
            table = rel.to_arrow_table()
        except Exception as exc:  # duckdb raises its own IOException/InvalidInputException
            raise StoreError(f"Cannot read history dataset {s.name!r} under {self.root}: "
                             f"{str(exc).splitlines()[0]}",
                             "A damaged file can be deleted and fetched again "
                             "(`screener fetch --history`).") from None
        if arrow:
            return table
        return self._typed(s, table.to_pandas())

    def read_indexed(self, dataset: str, tickers: Sequence[str], columns: Sequence[str], *,
                     start=None, end=None, as_of=None, by: str = "ticker"
                     ) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        """Rows of ``tickers`` as arrays, for pivoting into matrices without pandas:
        (position of each row's ticker in ``tickers``, its ``time`` date as days since
        1970-01-01, {column: float64 values}). One DuckDB scan joined to the wanted names
        (a hash join, so 2,600 names cost what 10 do); rows come in no particular order."""
        s = spec(dataset)
        files = self._partitions(dataset, start, end)
        names = list(dict.fromkeys(str(t) for t in tickers))
        if not files or not names:
            return (np.empty(0, np.int32), np.empty(0, np.int32),
                    {c: np.empty(0) for c in columns})
        conds, params = [], []
        for col, bound, op in ((s.time, start, ">="), (s.time, end, "<="),
                               (s.known, as_of, "<=")):
            if bound is not None:
                conds.append(f'p."{col}" {op} ?')
                params.append(_date(bound))
        wanted = pa.table({"_name": pa.array(names),
                           "_pos": pa.array(np.arange(len(names), dtype=np.int32))})
        values = ", ".join(f'p."{c}"::DOUBLE AS "{c}"' for c in columns)
        sql = (f'SELECT w._pos AS _pos, (p."{s.time}" - DATE \'1970-01-01\')::INTEGER AS _day, '
               f"{values} FROM read_parquet(?) p JOIN wanted w ON p.\"{by}\" = w._name"
               + (f" WHERE {' AND '.join(conds)}" if conds else ""))
        try:
            con = self._connect()
            con.register("wanted", wanted)
            try:
                out = con.sql(sql, params=[[str(f) for f in files], *params]).to_arrow_table()
            finally:
                con.unregister("wanted")
        except Exception as exc:  # noqa: BLE001 - duckdb's own IOException/InvalidInputException
            raise StoreError(f"Cannot read history dataset {s.name!r} under {self.root}: "
                             f"{str(exc).splitlines()[0]}",
                             "A damaged file can be deleted and fetched again "
                             "(`screener fetch --history`).") from None
        arr = {c: out[c].to_numpy() if out[c].null_count == 0 else
               out[c].to_numpy(zero_copy_only=False) for c in out.column_names}
        return arr.pop("_pos"), arr.pop("_day"), arr

    def _connect(self):
        """A fresh cursor on one in-memory DuckDB database per store and thread (opening a
        database costs ~0.1 s, a cursor ~0.2 ms; a cursor per query never sees another
        query's unfinished result)."""
        import threading

        import duckdb

        cache = self.__dict__.setdefault("_dbs", {})
        db = cache.get(threading.get_ident())
        if db is None:
            db = cache[threading.get_ident()] = duckdb.connect()
            db.execute("SET threads TO 2")
        con = db.cursor()
        con.execute("SET enable_progress_bar = false")  # no bar on a user's terminal
        return con

    @staticmethod
    def _typed(s: HistorySpec, df: pd.DataFrame) -> pd.DataFrame:
        for field in s.schema:
            if field.name in df.columns and field.type == pa.date32():
                df[field.name] = pd.to_datetime(df[field.name]).astype("datetime64[ns]")
        return df

    def _empty(self, s: HistorySpec, cols: list[str]) -> pd.DataFrame:
        return self._typed(s, s.schema.empty_table().select(cols).to_pandas())

    def latest(self, dataset: str, by: str = "ticker") -> pd.Series:
        """The newest ``time`` date per ``by`` value (what an incremental fetch starts from)."""
        s = spec(dataset)
        files = self.files(dataset)
        if not files:
            return pd.Series(dtype="datetime64[ns]", name=s.time)
        df = self._connect().execute(
            f'SELECT "{by}", max("{s.time}") AS last FROM read_parquet(?) GROUP BY "{by}"',
            [[str(f) for f in files]]).df()
        return pd.to_datetime(df.set_index(by)["last"]).astype("datetime64[ns]").rename(s.time)

    def info(self) -> pd.DataFrame:
        """One row per dataset held: files, rows, distinct names, first/last date, bytes."""
        rows = []
        for name, s in DATASETS.items():
            files = self.files(name)
            if not files:
                continue
            who = "series" if "series" in s.columns else "ticker"
            first, last, n, names = self._connect().execute(
                f'SELECT min("{s.time}"), max("{s.time}"), count(*), count(DISTINCT "{who}") '
                "FROM read_parquet(?)", [[str(f) for f in files]]).fetchone()
            rows.append({"dataset": name, "label": s.label, "partitions": len(files),
                         "rows": int(n), "names": int(names), "first": first, "last": last,
                         "bytes": sum(f.stat().st_size for f in files)})
        return pd.DataFrame(rows, columns=["dataset", "label", "partitions", "rows", "names",
                                           "first", "last", "bytes"])
