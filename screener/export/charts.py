"""The Charts sheet: sector mix of each list versus the universe, and where each phase's
cut-off falls in the distribution of its ranking score.

The small tables the charts draw from sit on the same sheet (left), the charts beside them.
They only count what the Result holds (names per sector, names per score bin).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from openpyxl.chart import BarChart, Reference

from screener.export import cells as C
from screener.export.grid import Column, header_cells
from screener.result import PhaseResult, RunResult

ROW_CM = 0.53


def sector_mix(result: RunResult) -> pd.DataFrame:
    """Share of names per sector: eligible universe, then each phase's list."""
    elig = result.eligible
    if "sector" not in elig:
        return pd.DataFrame()
    cols = {"Eligible universe": elig["sector"].astype(object).fillna("(unknown)")}
    for p in result.phases:
        if "sector" in p.table:
            cols[p.title] = p.table["sector"].astype(object).fillna("(unknown)")
    mix = pd.DataFrame({k: v.value_counts(normalize=True) for k, v in cols.items()}).fillna(0.0)
    mix = mix.sort_values("Eligible universe", ascending=False)
    mix.index.name = "Sector"
    return mix.reset_index()


def score_histogram(result: RunResult, phase: PhaseResult, bins: int = 20) -> pd.DataFrame:
    """Names per bin of the phase's ranking score: the names on the list, and the other
    eligible names (those that failed a filter or ranked below the top N)."""
    key = phase.score_columns[0] if phase.score_columns else phase.rank_by
    source = result.eligible if phase.rank_by in result.eligible else phase.table
    col = phase.rank_by if phase.rank_by in source else key
    if col not in source:
        return pd.DataFrame()
    series = pd.to_numeric(source[col], errors="coerce")
    tickers = pd.Index(source.get("ticker", source.index)).astype(str)
    listed_set = set(phase.table["ticker"].astype(str)) if "ticker" in phase.table else set()
    values = series.to_numpy(dtype=float)
    listed = tickers.isin(listed_set)
    finite = np.isfinite(values)
    values, listed = values[finite], listed[finite]
    if not len(values):
        return pd.DataFrame()
    lo, hi = (0.0, 100.0) if values.min() >= 0 and values.max() <= 100 else (values.min(),
                                                                               values.max())
    edges = np.linspace(lo, hi if hi > lo else lo + 1, bins + 1)
    inside, _ = np.histogram(values[listed], edges)
    outside, _ = np.histogram(values[~listed], edges)
    labels = [f"{a:,.0f}–{b:,.0f}" if hi - lo >= bins else f"{a:,.2f}–{b:,.2f}"
              for a, b in itertools.pairwise(edges)]
    return pd.DataFrame({"Score": labels,
                         "Listed names": inside,
                         "Other eligible names (failed a filter or below the top N)": outside})


def _write_block(ws, title: str, df: pd.DataFrame, fmt: str) -> tuple[int, int]:
    ws.append([C.styled(ws, title, font=C.SECTION_FONT)])
    heads = [Column(str(c), str(c)) for c in df.columns]
    ws.row_dimensions[ws.next_row].height = 45
    ws.append(header_cells(ws, heads))
    head = ws.rows_written
    for rec in df.itertuples(index=False):
        ws.append([C.styled(ws, rec[0])] + [C.styled(ws, v, number_format=fmt) for v in rec[1:]])
    last = ws.rows_written
    ws.append([])
    return head, last


def _bar(title: str, ws, head: int, last: int, ncols: int, *, stacked: bool,
         horizontal: bool, y_title: str, fmt: str) -> BarChart:
    chart = BarChart()
    chart.type = "bar" if horizontal else "col"
    chart.title = title
    chart.y_axis.title = y_title
    chart.y_axis.numFmt = fmt
    chart.y_axis.majorGridlines = None
    if stacked:
        chart.grouping = "stacked"
        chart.overlap = 100
        chart.gapWidth = 15
    data = Reference(ws, min_col=2, max_col=ncols, min_row=head, max_row=last)
    cats = Reference(ws, min_col=1, min_row=head + 1, max_row=last)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(cats)
    chart.width = 22
    chart.height = max(8.0, min(16.0, (last - head + 4) * ROW_CM * (1.6 if horizontal else 1)))
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    return chart


def write_charts(ws, result: RunResult) -> None:
    widths = {"A": 26, "B": 14, "C": 14, "D": 14, "E": 14, "F": 14}
    for letter, w in widths.items():
        ws.column_dimensions[letter].width = w
    ws.append([C.styled(ws, "Charts", font=C.TITLE_FONT)])
    ws.append([C.styled(ws, "Tables on the left feed the charts on the right.",
                        font=C.SUBTITLE_FONT)])
    anchor_col = "H"
    mix = sector_mix(result)
    if len(mix):
        head, last = _write_block(ws, "Sector mix: share of names per sector", mix, "0.0%")
        chart = _bar("Sector mix: each list vs the eligible universe", ws, head, last,
                     len(mix.columns), stacked=False, horizontal=True, y_title="Share of names",
                     fmt="0%")
        ws.add_chart(chart, f"{anchor_col}{head - 1}")
        pad = int(chart.height / ROW_CM) - (last - head) + 2
        for _ in range(max(pad, 0)):
            ws.append([])
    for phase in result.phases:
        hist = score_histogram(result, phase)
        if not len(hist):
            continue
        cut = "" if phase.cutoff is None else f" (cut-off {phase.cutoff:,.1f})"
        head, last = _write_block(ws, f"Score distribution: {phase.title}{cut}", hist, "#,##0")
        chart = _bar(f"{phase.title}: ranking score of eligible names{cut}", ws, head, last,
                     len(hist.columns), stacked=True, horizontal=False,
                     y_title="Number of names", fmt="0")
        ws.add_chart(chart, f"{anchor_col}{head - 1}")
        pad = int(chart.height / ROW_CM) - (last - head) + 2
        for _ in range(max(pad, 0)):
            ws.append([])
