"""Plain tables for pipelines: the workbook's tables as CSV, Parquet or JSON.

- ``csv`` / ``parquet``: a folder ``<stem>/`` beside the output path, one file per table:
  ``run``, ``summary`` (one row per phase), ``phase-<id>`` per phase, ``all_names``,
  ``explain`` (score parts of each listed name), ``explain_names`` (every universe name: eligible,
  first eligibility rule failed, per phase status, rank reached and each rule PASS/FAIL/missing),
  ``attrition``, ``coverage``, ``data_quality``. The folder is written whole or
  not at all: the files go to a staging folder beside it, moved into place once all are
  written (a full disk or a kill leaves the previous folder, or none).
- ``json``: one file ``{"run": {...}, "tables": {name: [records]}}``; missing values are null.

CSV cells holding text that starts with ``= + - @``, a tab or a carriage return get a leading
apostrophe (``'=HYPERLINK(...)``) so a spreadsheet opening the CSV shows text instead of
running a formula (CSV injection). Numbers are never prefixed. Parquet and JSON keep text as is.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pandas as pd

from screener.errors import ExportError
from screener.export import frames, jsontext
from screener.export.atomic import staged_folder, write_atomic
from screener.export.cells import _FORMULA_START, is_missing, looks_like_formula
from screener.export.paths import tables_folder
from screener.result import RunResult

FORMATS = ("csv", "parquet", "json")


def _slug(text: str) -> str:
    return re.sub(r"[^\w-]+", "_", str(text)).strip("_") or "phase"


def build_tables(result: RunResult) -> dict[str, pd.DataFrame]:
    """name -> table, in the order they are written."""
    tables = {"run": pd.DataFrame(
        [(k, v if not hasattr(v, "isoformat") else v.isoformat()) for k, v in
         frames.run_identity(result)] + [("Warning", w) for w in result.warnings],
        columns=["field", "value"]).astype({"value": str})}
    tables["summary"] = frames.phases_summary(result)
    for p in result.phases:
        tables[f"phase-{_slug(p.id)}"] = frames.phase_table(p, result).reset_index(drop=True)
    tables["all_names"] = frames.all_names(result)
    tables["explain"] = frames.explain(result)
    if result.why is not None:
        tables["explain_names"] = frames.explain_names(result)
    tables["attrition"] = frames.attrition(result)
    tables["coverage"] = frames.coverage(result)
    tables["data_quality"] = frames.data_quality(result)
    return tables


def _needs_rewrite(s: pd.Series) -> bool:
    """Whether the text column ``s`` is rewritten by ``csv_safe``: an object column always (its
    values are re-read as a list, as they always were), a string column only when one of its
    cells would run as a formula (one vectorised test)."""
    if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        return False
    if s.dtype == object:
        return True
    if not pd.api.types.is_string_dtype(s):
        return False
    return bool(s.str.startswith(_FORMULA_START).fillna(False).to_numpy(dtype=bool).any())


def csv_safe(df: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula get a leading apostrophe.
    String columns without such a cell are shared with ``df`` (no copy)."""
    out = None
    for i, col in enumerate(df.columns):
        s = df.iloc[:, i]
        if not _needs_rewrite(s):
            continue
        if out is None:
            out = df.copy(deep=False)
        out[col] = [("'" + v) if isinstance(v, str) and looks_like_formula(v) else v
                    for v in s.astype(object)]
    return df if out is None else out


def _parquet_ready(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with every text column of mixed value types as text (pyarrow cannot encode
    those otherwise)."""
    out = df.copy(deep=False)   # columns are replaced below, never changed in place
    for col in out.columns:
        if out[col].dtype == object:
            if pd.api.types.infer_dtype(out[col], skipna=True) in ("string", "empty"):
                continue  # all text, or nothing but missing values: pyarrow takes it as is
            kinds = {type(v) for v in out[col] if not is_missing(v)}
            if len(kinds) > 1 or (kinds and not kinds <= {str, bool, int, float}):
                out[col] = out[col].map(lambda v: None if is_missing(v) else str(v))
    out.columns = [str(c) for c in out.columns]
    return out


def parquet_bytes(df: pd.DataFrame) -> bytes:
    """The table as a Parquet file's bytes (what ``--format parquet`` writes for it)."""
    buf = io.BytesIO()
    _parquet_ready(df).to_parquet(buf, index=False)
    return buf.getvalue()


def _records(df: pd.DataFrame) -> list[dict]:
    return json.loads(df.to_json(orient="records", date_format="iso", force_ascii=False))


def write_tables(result: RunResult, path: str | Path, fmt: str,
                 tables: dict[str, pd.DataFrame] | None = None) -> list[Path]:
    """Write the run's tables as ``fmt``; return the files written. ``tables``: what
    ``build_tables(result)`` returned, to share one build between several writers (built
    here when None)."""
    if fmt not in FORMATS:
        raise ExportError(f"Unknown table format {fmt!r}", f"Use one of: {', '.join(FORMATS)}.")
    path = Path(path)
    tables = build_tables(result) if tables is None else tables
    if fmt == "json":
        head = {"run": dict(zip(tables["run"]["field"], tables["run"]["value"], strict=True)),
                "is_sample": result.is_sample}
        text = jsontext.document(head, {name: df for name, df in tables.items() if name != "run"},
                                 _records)
        return [write_atomic(path, lambda fh: fh.write(text.encode("utf-8")))]
    folder = tables_folder(path)
    with staged_folder(folder) as staging:  # all files or none (a full disk keeps none)
        names = []
        for name, df in tables.items():
            target = staging / f"{name}.{fmt}"
            if fmt == "csv":
                data = csv_safe(df).to_csv(index=False, lineterminator="\n").encode("utf-8")
                write_atomic(target, lambda fh, d=data: fh.write(d))
            else:
                data = parquet_bytes(df)
                write_atomic(target, lambda fh, d=data: fh.write(d))
            names.append(target.name)
    return [folder / n for n in names]
