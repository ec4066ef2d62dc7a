"""The candidate lists: one sheet per phase, and the All names sheet (a pivot source)."""

from __future__ import annotations

import math

from openpyxl.utils import get_column_letter

from screener.export import cells as C
from screener.export import colours, frames
from screener.export import columns as cols
from screener.export.grid import Column, finish_table, set_widths, write_table
from screener.metrics.catalog import CATALOG
from screener.result import PhaseResult, RunResult


def _rank_by_label(phase: PhaseResult, result: RunResult) -> str:
    if phase.rank_by in result.scores:
        return result.scores[phase.rank_by].label
    return CATALOG[phase.rank_by].label if phase.rank_by in CATALOG else phase.rank_by


def phase_info_line(phase: PhaseResult, result: RunResult) -> str:
    order = "lowest first" if phase.ascending else "highest first"
    parts = [f"Ranked by {_rank_by_label(phase, result)} ({order})",
             f"{phase.passed:,} names passed every rule",
             f"{len(phase.table):,} listed" + (f" (top {phase.top})" if phase.top else "")]
    if phase.cutoff is not None:
        parts.append(f"cut-off {phase.cutoff:,.1f}")
    return " · ".join(parts)


def colour_line(phase: PhaseResult, result: RunResult) -> str:
    """What the colours mean on this sheet; a list seeking the weak side says so."""
    if colours.seeks_weak_side(phase, result):
        return ("This list seeks the weak side: its top names are the weakest, so they show "
                "red. " + colours.LEGEND)
    return colours.LEGEND


def write_phase_sheet(ws, phase: PhaseResult, result: RunResult, notes: dict[str, str],
                      links: dict[str, str] | None = None, table=None) -> None:
    """``table``: the phase's table as ``frames.phase_table`` builds it (built when None)."""
    table = frames.phase_table(phase, result) if table is None else table
    columns = cols.phase_columns(phase, result) + cols.provenance_columns(table.columns)
    pre = [[C.styled(ws, phase.title, font=C.TITLE_FONT)],
           [C.styled(ws, phase.description, font=C.SUBTITLE_FONT, alignment=C.WRAP_TOP)],
           [C.styled(ws, phase_info_line(phase, result), font=C.LABEL_FONT)],
           [C.styled(ws, colour_line(phase, result), font=C.SUBTITLE_FONT)]]
    if result.is_sample:
        pre.insert(0, [C.styled(ws, frames.SAMPLE_BANNER, font=C.WARN_FONT, fill=C.WARN_FILL)]
                   + [C.styled(ws, None, fill=C.WARN_FILL) for _ in columns[1:]])
    header_row = len(pre) + 1
    widths = set_widths(ws, columns, table)
    frozen_cols = sum(1 for c in columns if c.key in ("rank", "ticker", "name"))
    ws.freeze_panes = f"{get_column_letter(frozen_cols + 1)}{header_row + 1}"
    ws.row_dimensions[header_row].height = 48
    title_row = 2 if result.is_sample else 1
    for r in range(1, header_row):   # explicit heights: title, description, ranking, colours
        ws.row_dimensions[r].height = 24 if r == title_row else 17
    # the description wraps over the width of the table (merged cells)
    span = max(1, len(columns) // 2)
    lines = math.ceil(len(phase.description or "") / max(sum(widths[:span]) * 1.15, 20))
    ws.row_dimensions[title_row + 1].height = max(17, 15 * lines + 2)
    ws.merged_cells.add(f"A{title_row + 1}:{get_column_letter(span)}{title_row + 1}")
    for row in pre:
        ws.append(row)
    head, last = write_table(ws, table, columns, flags={"ticker": notes},
                             links={"ticker": links or {}})
    if not len(table):
        ws.append([C.styled(ws, "No name passed every rule of this phase: see the attrition "
                                "table on the Summary sheet for the rule that removed them.",
                            font=C.WARN_FONT)])
    finish_table(ws, columns, head, last)


def all_names_columns(table, result: RunResult) -> list[Column]:
    keys = list(table.columns)
    out = cols.identity_columns(keys, with_rank=False)
    if "eligible" in keys:
        out.append(Column("eligible", "Eligible", "text", None, "yes when the name passed "
                          "every eligibility rule.", width=9, align=C.CENTER))
        out.append(Column("failed_rule", "First eligibility rule failed", "text", None,
                          "For names that are not eligible: the first eligibility rule they "
                          "failed (the Explain sheet shows every rule).", mark_missing=False))
    seen = {c.key for c in out}
    for p in result.phases:
        key = frames.phase_rank_key(p)
        out.append(Column(key, f"Rank: {p.title}", "int", C.INTEGER,
                          f"Rank in the list of phase '{p.title}' ({p.id}); empty when the "
                          "name is not listed there.", mark_missing=False, width=12))
        seen.add(key)
    prov = set(result.provenance.columns) if result.provenance is not None else set()
    for key in keys:
        if key in seen:
            continue
        if key in prov:
            if key in cols.PROVENANCE and key != "statements_as_of":
                out.append(Column(**cols.PROVENANCE[key].__dict__))
            elif str(key).endswith("_basis"):
                out.append(Column(key, key.replace("_", " "), "text", None,
                                  "ttm: trailing twelve months of quarterly statements (with "
                                  "the latest quarter's balances); fy: the latest fiscal year."))
            elif str(key).endswith("_as_of"):
                out.append(Column(key, key.replace("_", " "), "date", C.DATE_FORMAT,
                                  f"Date of the {key[:-6]} data used for this name."))
            else:
                out.append(Column(key, key.replace("_", " "), "text", None,
                                  f"Where the {key[:-7]} data for this name came from."))
        elif key in result.scores or "." in str(key) or key in CATALOG:
            if key in CATALOG:
                out.append(cols.metric_column(key, result))
            else:
                out.append(cols.score_column(key, result))
        elif str(table[key].dtype) in ("bool", "boolean"):
            out.append(Column(key, key, "yesno", None, key, align=C.CENTER))
        elif _numeric(table[key]):
            out.append(Column(key, key, "number", C.GENERAL_NUMBER, key))
        else:
            out.append(Column(key, key, "text", None, key))
    return out


def _numeric(series) -> bool:
    import pandas as pd

    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def write_all_names(ws, result: RunResult, notes: dict[str, str],
                    links: dict[str, str] | None = None, table=None,
                    note: str | None = None) -> None:
    """``table``: the rows to write (``frames.all_names``, built when None); ``note``: a
    first row saying the sheet holds only the top rows (a large run, see ``cut``)."""
    table = frames.all_names(result) if table is None else table
    columns = all_names_columns(table, result)
    set_widths(ws, columns, table)
    frozen = sum(1 for c in columns if c.key in ("ticker", "name"))
    header = 2 if note else 1
    ws.freeze_panes = f"{get_column_letter(frozen + 1)}{header + 1}"   # before any row
    ws.row_dimensions[header].height = 48
    if note:
        ws.append([C.styled(ws, note, font=C.WARN_FONT, fill=C.WARN_FILL)])
    head, last = write_table(ws, table, columns, flags={"ticker": notes},
                             links={"ticker": links or {}})
    finish_table(ws, columns, head, last)
