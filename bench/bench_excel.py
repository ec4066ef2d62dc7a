"""Time to write the full workbook (openpyxl, the product's writer) versus xlsxwriter writing
the same cells with the same formats (the reference). Prints seconds and the ratio.

    python bench/bench_excel.py            # 2,600 and 50,000 names
    python bench/bench_excel.py 2600       # one size

xlsxwriter is a bench-only dependency (``pip install xlsxwriter``); screener never imports it.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from screener.export import columns as cols
from screener.export import frames
from screener.export.sheets_lists import all_names_columns
from screener.export.sheets_reference import dq_columns, explain_columns
from screener.export.workbook import phase_sheet_names, write_workbook
from screener.metrics.catalog import CATALOG_LIST
from screener.result import PhaseResult, RuleStep, RunResult, ScoreInfo

SECTORS = ["Industrials", "Financials", "Health Care", "Consumer Discretionary", "Materials",
           "Information Technology", "Energy", "Real Estate", "Utilities", "Consumer Staples"]


def synthetic_result(n: int, seed: int = 1) -> RunResult:
    """n eligible names, every catalog metric (~70 columns), 4 phases of 50-200 names."""
    rng = np.random.default_rng(seed)
    tickers = [f"T{i:05d}" for i in range(n)]
    data = {"name": [f"Company {i} Holdings Inc." for i in range(n)],
            "sector": rng.choice(SECTORS, n), "industry": rng.choice(list("ABCDEFGH"), n),
            "in_russell2000": rng.random(n) < 0.8, "in_sp600": rng.random(n) < 0.3}
    for m in CATALOG_LIST:
        scale = {"usd": 1e9, "usd_per_share": 50, "fraction": 0.3, "ratio": 5, "score": 9,
                 "count": 12, "flag": 1, "shares": 1e8, "months": 36}[m.unit]
        values = rng.random(n) * scale
        values[rng.random(n) < 0.05] = np.nan
        data[m.id] = values
    elig = pd.DataFrame(data, index=pd.Index(tickers, name="ticker"))
    score_parts = {"quality": ["roic", "interest_coverage", "gross_margin", "fcf_margin"],
                   "junk": ["beta", "short_interest", "drawdown_52w"],
                   "safety": ["volatility", "debt_to_equity", "altman_z"],
                   "refi": ["debt_due_24m_share", "wall_coverage_24m"]}
    scores = {}
    for sid, parts in score_parts.items():
        for p in parts:
            elig[f"{sid}.{p}"] = elig[p].rank(pct=True) * 100
        elig[sid] = elig[[f"{sid}.{p}" for p in parts]].mean(axis=1)
        scores[sid] = ScoreInfo(sid, f"{sid.title()} score", [(p, 1.0, "higher") for p in parts])
    phases, explain = [], []
    for (pid, sid), top in zip(score_parts.items(), (200, 150, 100, 50), strict=True):
        sid = pid
        rules = score_parts[sid][:3]
        listed = elig.sort_values(sid, ascending=False).head(top)
        sc = [sid] + [f"{sid}.{p}" for p in score_parts[sid]]
        table = listed.reset_index()[["ticker", "name", "sector", "industry", "in_russell2000",
                                      "in_sp600"] + sc + rules]
        table.insert(0, "rank", range(1, len(table) + 1))
        phases.append(PhaseResult(pid, f"Phase {pid}", "Synthetic phase.", sid, False, table,
                                  sc, rules, [RuleStep("universe", n, 0)] +
                                  [RuleStep(f"{r} > 0", n // 2, n // 2) for r in rules],
                                  passed=n // 4, top=top, cutoff=float(listed[sid].iloc[-1])))
        for t in listed.index:
            for r in rules:
                explain.append({"ticker": t, "phase": pid, "kind": "rule", "item": r,
                                    "value": elig.at[t, r], "passed": True, "percentile": np.nan,
                                    "weight": np.nan, "contribution": np.nan, "missing": False, "note": ""})
            for p in score_parts[sid]:
                pct = elig.at[t, f"{sid}.{p}"]
                explain.append({"ticker": t, "phase": pid, "kind": "score", "item": p,
                                    "value": elig.at[t, p], "passed": None, "percentile": pct,
                                    "weight": 1.0, "contribution": pct / 4, "missing": False, "note": ""})
    miss = elig["roic"].isna()
    missing = pd.DataFrame({"ticker": elig.index[miss], "score": "quality", "metric": "roic"})
    coverage = pd.DataFrame({"label": [m.label for m in CATALOG_LIST],
                             "share": [elig[m.id].notna().mean() for m in CATALOG_LIST],
                             "missing": [int(elig[m.id].isna().sum()) for m in CATALOG_LIST]},
                            index=[m.id for m in CATALOG_LIST])
    failures = pd.DataFrame({"ticker": tickers[:20], "source": "sec", "dataset": "companyfacts",
                             "reason": "HTTP 404", "attempts": 1})
    prov = pd.DataFrame({"market_source": "fmp", "market_as_of": "2026-05-05",
                         "statements_source": "sec", "statements_as_of": "2025-12-31"},
                        index=elig.index)
    return RunResult("bench", "screens/bench.yaml", "name: bench\n", "0" * 64, ["russell2000"],
                     {"russell2000": "2026-05-05"}, ["fmp"], False, datetime(2026, 5, 6),
                     "bench", phases, elig, scores, [RuleStep("universe", n, 0)], coverage,
                     failures, missing, pd.DataFrame(explain), provenance=prov)


def sheets_of(result: RunResult):
    """(sheet name, DataFrame, Column specs) of every table the workbook writes."""
    names = phase_sheet_names(result)
    out = [(names[p.id], p.table, cols.phase_columns(p, result)) for p in result.phases]
    every = frames.all_names(result)
    out.append(("All names", every, all_names_columns(every, result)))
    ex = frames.explain(result)
    out.append(("Explain", ex, [c for c in explain_columns() if c.key in ex]))
    dq = frames.data_quality(result)
    out.append(("Data quality", dq, dq_columns()))
    return out


def write_xlsxwriter(result: RunResult, path: Path, sheets=None) -> None:
    """xlsxwriter writing ``sheets`` ((name, frame, columns); default ``sheets_of``)."""
    import xlsxwriter

    from screener.export.cells import to_python

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    header = wb.add_format({"bold": True, "font_color": "white", "bg_color": "#1F4E78",
                            "text_wrap": True})
    formats: dict = {}
    missing: dict = {}
    for name, df, columns in (sheets if sheets is not None else sheets_of(result)):
        ws = wb.add_worksheet(name)
        ws.freeze_panes(1, 2)
        for j, c in enumerate(columns):
            ws.write_string(0, j, c.header, header)
            if c.note:
                ws.write_comment(0, j, c.note)
        data = [to_python(df[c.key], c.kind) if c.key in df else [None] * len(df)
                for c in columns]
        fmts = [formats.setdefault(c.number_format, wb.add_format(
            {"num_format": c.number_format} if c.number_format else {})) for c in columns]
        grey = [missing.setdefault(c.number_format, wb.add_format(
            {"bg_color": "#E7E6E6", **({"num_format": c.number_format}
                                        if c.number_format else {})})) for c in columns]
        for r in range(len(df)):
            for j in range(len(columns)):
                v = data[j][r]
                if v is None:
                    ws.write_blank(r + 1, j, None, grey[j])
                elif isinstance(v, str):
                    ws.write_string(r + 1, j, v, fmts[j])
                elif isinstance(v, bool):
                    ws.write_boolean(r + 1, j, v, fmts[j])
                elif isinstance(v, (int, float)):
                    ws.write_number(r + 1, j, v, fmts[j])
                else:
                    ws.write_datetime(r + 1, j, datetime.combine(v, datetime.min.time()),
                                      fmts[j])
        ws.autofilter(0, 0, len(df), len(columns) - 1)
    wb.close()


def bench(n: int) -> dict:
    result = synthetic_result(n)
    cells = sum(len(df) * len(c) for _, df, c in sheets_of(result))
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        write_workbook(result, Path(tmp) / "openpyxl.xlsx", full=True)   # every cell, as xlsxwriter
        t_openpyxl = time.perf_counter() - t0
        try:
            t0 = time.perf_counter()
            write_xlsxwriter(result, Path(tmp) / "xlsxwriter.xlsx")
            t_ref = time.perf_counter() - t0
        except ImportError:
            t_ref = float("nan")
        size = (Path(tmp) / "openpyxl.xlsx").stat().st_size / 1e6
    print(f"{n:>7,} names  {cells:>10,} table cells  openpyxl (full workbook) {t_openpyxl:6.2f} s"
          f"  xlsxwriter (same tables) {t_ref:6.2f} s  ratio {t_openpyxl / t_ref:4.2f}x"
          f"  file {size:5.1f} MB")
    return {"names": n, "cells": cells, "openpyxl_s": t_openpyxl, "xlsxwriter_s": t_ref,
            "ratio": t_openpyxl / t_ref, "mb": size}


if __name__ == "__main__":
    sizes = [int(a) for a in sys.argv[1:]] or [2600, 50000]
    for size in sizes:
        bench(size)
