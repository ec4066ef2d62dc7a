"""Write a backtest's tables: a workbook (one sheet per table, ``About`` first) or one
CSV/Parquet file per table in a folder. Formats only; every figure comes from the Result.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from screener.errors import ExportError
from screener.export.atomic import write_atomic
from screener.export.cells import LABEL_FONT, WARN_FONT, add_sheet, styled, template_cell
from screener.export.cells import set_value as _set
from screener.export.paths import tables_folder
from screener.export.tables import _parquet_ready, csv_safe

FORMATS = ("xlsx", "csv", "parquet")
SHEETS = {"about": "About", "summary": "Summary", "years": "Years", "episodes": "Episodes",
          "rolling": "Rolling starts", "regime": "Regime", "regime_dates": "Regime dates",
          "factors": "Factors", "periods": "Periods",
          "curve": "Curve", "holdings": "Holdings", "factor_dates": "Factor dates",
          "sample": "Sample", "dropped": "Dropped"}
PCT_WORDS = ("return", "gross", "net", "cumulative", "volatility", "drawdown", "spread",
             "turnover", "cost", "coverage", "hit_rate", "positive", "share", "lead_")


def _flat(df: pd.DataFrame) -> pd.DataFrame:
    out = df.reset_index() if not isinstance(df.index, pd.RangeIndex) else df.copy()
    out.columns = [str(c) for c in out.columns]
    return out


def _is_pct(col: str, table: str) -> bool:
    if table == "curve":
        return False
    if table in ("periods", "years", "episodes") and not col.endswith(
            (".names", ".dropped", ".delisted", "periods", "names")):
        return col not in ("period_start", "signal", "episode", "kind", "start", "end",
                           "leader", "note", "source", "year")
    if table in ("factors", "factor_dates") and (col[:1] == "q" and col[1:].isdigit()):
        return True
    return any(w in col for w in PCT_WORDS) and not col.endswith(("names", "_held"))


def _sheet(wb, title: str, name: str, df: pd.DataFrame, banner: list[str]) -> None:
    ws = add_sheet(wb, title)
    for line in banner:
        ws.append([styled(ws, line, font=WARN_FONT)])
    df = _flat(df)
    ws.append([styled(ws, c, font=LABEL_FONT) for c in df.columns])
    templates = []
    for c in df.columns:
        t = template_cell(ws)
        if _is_pct(c, name) and pd.api.types.is_numeric_dtype(df[c]):
            t.number_format = "0.00%"
        elif "datetime" in str(df[c].dtype):
            t.number_format = "yyyy-mm-dd"
        templates.append(t.freeze())
    for row in df.itertuples(index=False, name=None):
        ws.append([_set(t, v) for t, v in zip(templates, row, strict=True)])


def write_backtest(result, path: str | Path, fmt: str = "xlsx") -> list[Path]:
    """Write ``result`` (a ``BacktestResult``); return the files written."""
    if fmt not in FORMATS:
        raise ExportError(f"Unknown backtest format {fmt!r}", f"Use one of: {', '.join(FORMATS)}.")
    path = Path(path)
    banner = list(result.warnings[:2])
    if fmt == "xlsx":
        wb = Workbook(write_only=True)
        for name, title in SHEETS.items():
            if name in result.tables:
                _sheet(wb, title, name, result.tables[name], banner)

        def write(fh):
            wb.save(fh)
        return [write_atomic(path, write)]
    folder = tables_folder(path)
    written = []
    for name, df in result.tables.items():
        flat = _flat(df)
        target = folder / f"{name}.{fmt}"
        if fmt == "csv":
            data = csv_safe(flat).to_csv(index=False, lineterminator="\n").encode("utf-8")
            written.append(write_atomic(target, lambda fh, d=data: fh.write(d)))
        else:
            buf = io.BytesIO()
            _parquet_ready(flat).to_parquet(buf, index=False)
            written.append(write_atomic(target, lambda fh, b=buf: fh.write(b.getvalue())))
    if result.warnings:
        note = "\n".join(result.warnings).encode("utf-8")
        written.append(write_atomic(folder / "WARNINGS.txt", lambda fh: fh.write(note)))
    return written
