"""Score parts (why each listed name ranks where it does), Definitions (the effective screen,
the catalog), Data quality."""

from __future__ import annotations

import math
import re

from openpyxl.formatting.rule import CellIsRule
from openpyxl.utils import get_column_letter

from screener.export import cells as C
from screener.export import frames
from screener.export.grid import Column, finish_table, set_widths, write_table
from screener.metrics.caps import CAPS, capped
from screener.metrics.catalog import CATALOG, CATALOG_LIST
from screener.result import RunResult

UNIT_FORMATS = {m.id: C.NUMBER_FORMATS.get(m.unit, C.GENERAL_NUMBER) for m in CATALOG_LIST}
UNIT_FORMATS |= {f"{k}@cap": cap.number_format for k, cap in CAPS.items()}  # capped: meaning


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def metric_of(item) -> str | None:
    """The catalog metric a rule or score part is about (the first one its text names)."""
    if C.is_missing(item):
        return None
    if item in CATALOG:
        return item
    return next((w for w in _WORD.findall(str(item)) if w in CATALOG), None)


def _passed_text(value) -> str | None:
    if C.is_missing(value):
        return None
    return "pass" if bool(value) else "fail"


def explain_columns() -> list[Column]:
    return [
        Column("ticker", "Ticker", "text", width=10),
        Column("name", "Name", "text"),
        Column("phase_title", "Phase", "text"),
        Column("kind", "Kind", "text", note="rule = a filter the name had to pass; "
               "score = a part of the phase's ranking score.", width=8),
        Column("item", "Rule or score part", "text", wrap=True),
        Column("item_label", "Metric", "text"),
        Column("value", "Value", "number", C.GENERAL_NUMBER, "The name's value (in the "
               "metric's unit: USD shown in millions, fractions as %).",
               format_by="metric_id", formats=UNIT_FORMATS),
        Column("passed", "Passed", "text", width=8, mark_missing=False,
               note="pass / fail for rules; empty for score parts."),
        Column("percentile", "Percentile", "number", "0.0",
               note="The value's percentile (0-100, 100 = best) among eligible names."),
        Column("weight", "Weight", "number", "0.00", mark_missing=False),
        Column("contribution", "Contribution", "number", "0.00", scale="high",
               note="Points this part adds to the ranking score."),
        Column("missing", "Missing", "text", width=9, mark_missing=False,
               note="'missing' when the value was missing and the score's missing policy "
                    "applied."),
        Column("note", "Note", "text", wrap=True),
    ]


def write_explain(ws, result: RunResult, notes: dict[str, str],
                  links: dict[str, str] | None = None, ex=None) -> None:
    """The Score parts sheet: each listed name's rules and score contributions, long.
    ``ex``: ``frames.explain`` (built when None; not changed here)."""
    ex = frames.explain(result) if ex is None else ex.copy(deep=False)
    if "item" in ex:
        ex["metric_id"] = [metric_of(i) for i in ex["item"]]
        ex["item_label"] = [CATALOG[m].label if isinstance(m, str) else None
                           for m in ex["metric_id"]]
        if "value" in ex:   # a capped value is shown as its meaning, the cap goes in the note
            at_cap = [capped(m, v) for m, v in zip(ex["metric_id"], ex["value"], strict=True)]
            ex["metric_id"] = [f"{m}@cap" if c else m
                               for m, c in zip(ex["metric_id"], at_cap, strict=True)]
            if "note" in ex:
                ex["note"] = [(f"{n}; " if isinstance(n, str) and n else "") + c.note if c
                              else n for n, c in zip(ex["note"], at_cap, strict=True)]
    if "passed" in ex:
        ex["passed"] = [_passed_text(v) for v in ex["passed"].astype(object)]
    if "missing" in ex:
        ex["missing"] = ["missing" if (not C.is_missing(v) and bool(v)) else None
                         for v in ex["missing"].astype(object)]
    columns = [c for c in explain_columns() if c.key in ex.columns]
    set_widths(ws, columns, ex)
    ws.freeze_panes = "C2"
    ws.row_dimensions[1].height = 32
    head, last = write_table(ws, ex, columns, flags={"ticker": notes},
                             links={"ticker": links or {}})
    finish_table(ws, columns, head, last)
    if "passed" in ex and last > head:
        letter = get_column_letter([c.key for c in columns].index("passed") + 1)
        ws.conditional_formatting.add(
            f"{letter}{head + 1}:{letter}{last}",
            CellIsRule(operator="equal", formula=['"fail"'], font=C.FAIL_FONT, fill=C.WARN_FILL))
    if not len(ex):
        ws.append(["No listed names to explain."])


def write_definitions(ws, result: RunResult) -> None:
    widths = [24, 30, 14, 13, 10, 70, 46, 15]
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.append([C.styled(ws, "Screen as run (extends merged, --set applied)",
                        font=C.TITLE_FONT)])
    ws.append([C.styled(ws, f"{result.screen_path}  ·  sha256 {result.screen_hash}",
                        font=C.SUBTITLE_FONT)])
    for base in result.extends:
        ws.append([C.styled(ws, f"extends {base}", font=C.SUBTITLE_FONT)])
    for o in result.overrides:
        ws.append([C.styled(ws, f"override: {o.describe()}", font=C.SUBTITLE_FONT)])
    for line in result.screen_text.splitlines() or [""]:
        ws.append([C.styled(ws, line, font=C.MONO_FONT) if line else None])
    ws.append([])
    ws.append([C.styled(ws, "Metric catalog", font=C.TITLE_FONT)])
    catalog = [{"id": m.id, "label": m.label, "group": m.group, "unit": m.unit,
                    "better": m.better or "", "formula": m.formula, "inputs": " ".join(m.inputs),
                    "source": m.source} for m in CATALOG_LIST]
    import pandas as pd

    cat = pd.DataFrame(catalog)
    columns = [Column("id", "Metric id"), Column("label", "Label"), Column("group", "Group"),
               Column("unit", "Unit"), Column("better", "Better"),
               Column("formula", "Formula", wrap=True), Column("inputs", "Inputs", wrap=True),
               Column("source", "Computed by")]
    first = ws.next_row + 1          # the header row is next; data rows follow it
    for i, rec in enumerate(catalog):
        lines = max(math.ceil(len(rec["formula"]) / 72), math.ceil(len(rec["inputs"]) / 46), 1)
        if lines > 1:
            ws.row_dimensions[first + i].height = 15 * lines
    head, last = write_table(ws, cat, columns)
    finish_table(ws, columns, head, last)


def dq_columns() -> list[Column]:
    return [
        Column("ticker", "Ticker", "text", width=10),
        Column("name", "Name", "text"),
        Column("issue", "Issue", "text", width=14),
        Column("source", "Source", "text", width=12),
        Column("dataset", "Dataset", "text", width=14),
        Column("detail", "Reason / detail", "text", wrap=False),
        Column("attempts", "Attempts", "int", "0", mark_missing=False),
        Column("as_of", "Data as of", "date", C.DATE_FORMAT, mark_missing=False),
    ]


def write_data_quality(ws, result: RunResult, dq=None, note: str | None = None) -> None:
    """``dq``: the rows to write (``frames.data_quality``, built when None); ``note``: a first
    row saying the sheet holds only the top rows (a large run, see ``cut``)."""
    dq = frames.data_quality(result) if dq is None else dq
    columns = dq_columns()
    set_widths(ws, columns, dq)
    ws.freeze_panes = "B3" if note else "B2"   # before any row (write-only sheet)
    if note:
        ws.append([C.styled(ws, note, font=C.WARN_FONT, fill=C.WARN_FILL)])
    head, last = write_table(ws, dq, columns)
    finish_table(ws, columns, head, last)
    if not len(dq):
        ws.append([None, C.styled(ws, "No fetch failures and no missing inputs.",
                                  font=C.PASS_FONT)])
