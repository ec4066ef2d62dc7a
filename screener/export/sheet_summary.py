"""The Summary sheet: what was run on what, the warnings, the phases, attrition and coverage."""

from __future__ import annotations

import math

from openpyxl.worksheet.hyperlink import Hyperlink

from screener.export import cells as C
from screener.export import frames
from screener.export.grid import Column, header_cells, scale_rule, write_table
from screener.result import RunResult

WIDTHS = {"A": 34, "B": 58, "C": 16, "D": 12, "E": 13, "F": 11, "G": 42}
NCOLS = len(WIDTHS)


def _section(ws, title: str, note: str | None = None) -> None:
    ws.append([])
    ws.append([C.styled(ws, title, font=C.SECTION_FONT)])
    if note:
        ws.append([C.styled(ws, note, font=C.SUBTITLE_FONT)])


def _block_row(ws, text: str, font, fill) -> None:
    """A full-width coloured row (banner, warning)."""
    ws.append([C.styled(ws, text, font=font, fill=fill)]
              + [C.styled(ws, None, fill=fill) for _ in range(NCOLS - 1)])


def warning_lines(result: RunResult) -> list[str]:
    lines = []
    f = result.failures
    if f is not None and len(f):
        fetch = f[[frames.failure_kind(r) == "fetch failed" for r in f.to_dict("records")]]
        if len(fetch):
            n = fetch["ticker"].nunique() if "ticker" in fetch else len(fetch)
            lines.append(f"Fetch failures: {len(fetch)} request(s) for {n} name(s) failed; those "
                         "names have missing values or were left out. See the Data quality sheet.")
    for w in result.warnings:
        if result.is_sample and "sample" in w.lower():
            continue  # the banner already says it
        lines.append(w)
    return lines


def write_summary(ws, result: RunResult, sheet_of_phase: dict[str, str]) -> None:
    for letter, width in WIDTHS.items():
        ws.column_dimensions[letter].width = width
    row = 0
    if result.is_sample:
        ws.row_dimensions[1].height = 30
        ws.merged_cells.add("A1:G1")
        _block_row(ws, frames.SAMPLE_BANNER, C.BANNER_FONT, C.BANNER_FILL)
        row = 1
    ws.row_dimensions[row + 1].height = 22
    ws.append([C.styled(ws, f"Screen run: {result.screen_name}", font=C.TITLE_FONT)])
    for line in warning_lines(result):
        _block_row(ws, "⚠ " + line, C.WARN_FONT, C.WARN_FILL)
    _regime_lines(ws, result, sheet_of_phase)

    _section(ws, "Run")
    for label, value in frames.run_identity(result):
        fmt = C.DATETIME_FORMAT if label == "Run at" else ("#,##0" if isinstance(value, int)
                                                             else None)
        ws.append([C.styled(ws, label, font=C.LABEL_FONT),
                   C.styled(ws, value, number_format=fmt, alignment=C.LEFT_TOP)])

    _section(ws, "Phases", "One sheet per phase; click a phase to open its list.")
    _phases_table(ws, result, sheet_of_phase)

    _section(ws, "Attrition: names left after each rule",
             "Eligibility applies to every phase; then each phase's own rules, in order. "
             "The biggest drop shows which rule bites.")
    att = frames.attrition(result)
    att_cols = [
        Column("phase_title", "Phase", "text", wrap=True),
        Column("rule", "Rule", "text", wrap=True),
        Column("remaining", "Names left", "int", "#,##0", scale="bar"),
        Column("removed", "Removed", "int", "#,##0"),
        Column("missing", "Removed: missing value", "int", "#,##0",
               note="Of the removed names, how many had no value for the rule's metric."),
    ]
    _table_with_scale(ws, att, att_cols)

    _section(ws, "Coverage: share of eligible names with each metric",
             "Low coverage means many names are missing that value (grey in the lists).")
    cov = frames.coverage(result)
    cov_cols = [Column("label", "Metric", "text"), Column("metric", "Metric id", "text"),
                Column("share", "Coverage", "number", "0.0%", scale="coverage"),
                Column("missing", "Missing names", "int", "#,##0")]
    _table_with_scale(ws, cov, [c for c in cov_cols if c.key in cov.columns])


def _regime_lines(ws, result: RunResult, sheet_of_phase: dict[str, str]) -> None:
    """The regime verdict at the top: which list the evidence points to, and what would
    flip it (details on the Regime sheet)."""
    run = getattr(result, "regime", None)
    if run is None:
        return
    from screener.regime.report import headline

    h = headline(run)
    target = h["phase"]
    label = f"Regime ({h['as_of']}): {h['verdict']}"
    if target in sheet_of_phase:
        label += f"  ->  use the '{sheet_of_phase[target]}' list"
    link = Hyperlink(ref="", location="'Regime'!A1", display=label)
    ws.append([C.styled(ws, label, font=C.SECTION_FONT, hyperlink=link)])
    ws.append([C.styled(ws, f"What would flip it: {h['flip']}", font=C.SUBTITLE_FONT)])


def _regime_phases(result: RunResult) -> set[str]:
    run = getattr(result, "regime", None)
    if run is None:
        return set()
    return {p for p in [run.panel.phase, *run.panel.overlay_phases] if p}


def _table_with_scale(ws, df, columns) -> None:
    ws.row_dimensions[ws.next_row].height = 32
    head, last = write_table(ws, df, columns)
    if last <= head:
        return
    for i, col in enumerate(columns):
        if col.scale:
            letter = "ABCDEFG"[i]
            ws.conditional_formatting.add(f"{letter}{head + 1}:{letter}{last}",
                                          scale_rule(col.scale))


def _phases_table(ws, result: RunResult, sheet_of_phase: dict[str, str]) -> None:
    heads = [Column("title", "Phase"), Column("description", "Description"),
             Column("rank_by", "Ranked by"), Column("passed", "Names passed"),
             Column("listed", "Listed"), Column("cutoff", "Cut-off"),
             Column("top5", "Top 5")]
    ws.row_dimensions[ws.next_row].height = 32
    ws.append(header_cells(ws, heads))
    for i, phase in enumerate(result.phases):   # wrapped descriptions need taller rows
        lines = max(math.ceil(len(phase.description or "") / (WIDTHS["B"] * 1.1)),
                    math.ceil(len(phase.title or "") / (WIDTHS["A"] * 1.1)), 1)
        ws.row_dimensions[ws.next_row + i].height = 15 * lines + 2
    pointed = _regime_phases(result)
    for rec, phase in zip(frames.phases_summary(result).to_dict("records"), result.phases,
                          strict=True):
        sheet = sheet_of_phase[phase.id]
        title = f"▶ {phase.title} (regime)" if phase.id in pointed else phase.title
        link = Hyperlink(ref="", location=f"'{sheet}'!A1", display=str(title))
        ws.append([
            C.styled(ws, title, hyperlink=link, alignment=C.WRAP_TOP,
                     font=C.LABEL_FONT if phase.id in pointed else None),
            C.styled(ws, phase.description, alignment=C.WRAP_TOP),
            C.styled(ws, rec["rank_by"], alignment=C.TOP),
            C.styled(ws, rec["passed"], number_format="#,##0", alignment=C.TOP),
            C.styled(ws, rec["listed"], number_format="#,##0", alignment=C.TOP),
            C.styled(ws, rec["cutoff"], number_format="0.0", alignment=C.CENTER_TOP),
            C.styled(ws, rec["top5"], alignment=C.WRAP_TOP_INDENT),
        ])
