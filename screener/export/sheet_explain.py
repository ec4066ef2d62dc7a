"""The Explain sheet: why every name of the universe is (or is not) on each list.

One row per name (eligible or not), wide: identity (sector and industry as text), eligible and
the first eligibility rule failed, then per phase its status (listed #k, passed but below the
top N, the first filter failed, not eligible), the rank it reached and one column per rule with
PASS, FAIL or missing. A group row above the headers names the phase of each column. Every
ticker on the other sheets links to its row here (``row_of``).
"""

from __future__ import annotations

from openpyxl.formatting.rule import CellIsRule, FormulaRule
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from screener.export import cells as C
from screener.export.grid import Column, finish_table, set_widths, write_table
from screener.result import RunResult

SHEET = "Explain"
PASS_DXF = Font(color="006100")   # conditional formats take no font name or size
FIRST_DATA_ROW = 5     # title, subtitle, group row, header row, then the names


def row_of(result: RunResult, why=None) -> dict[str, str]:
    """ticker -> its cell on the Explain sheet (for hyperlinks), e.g. "'Explain'!A5".
    ``why``: the rows the sheet holds (``result.why`` when None)."""
    st = result.why if why is None else why
    if st is None or "ticker" not in st:
        return {}
    return {t: f"'{SHEET}'!A{FIRST_DATA_ROW + i}"
            for i, t in enumerate(st["ticker"].astype(str))}


def _columns(result: RunResult) -> list[Column]:
    out = []
    for key, (_group, head) in result.why_labels.items():
        if key == "ticker":
            out.append(Column(key, head, "text", width=10))
        elif key == "name":
            out.append(Column(key, head, "text", width=30))
        elif key in ("sector", "industry"):
            out.append(Column(key, head, "text", width=22,
                              note=f"{head} (GICS name) as the screen's rules see it."))
        elif key == "eligible":
            out.append(Column(key, head, "text", width=9, align=C.CENTER, mark_missing=False,
                              note="yes when the name passed every eligibility rule."))
        elif key == "failed_rule":
            out.append(Column(key, head, "text", width=30, mark_missing=False,
                              note="The first eligibility rule the name failed, in the "
                                   "order the screen applies them."))
        elif key.endswith(".status"):
            out.append(Column(key, head, "text", width=30, mark_missing=False,
                              note="listed #k; passed every filter but ranked below the top "
                                   "N; the first filter failed; or not eligible."))
        elif key.endswith(".rank"):
            out.append(Column(key, head, "int", C.INTEGER, width=10, mark_missing=False,
                              note="Rank among every name that passed the phase's filters "
                                   "(before the top N cut); empty when it did not pass."))
        else:
            out.append(Column(key, head, "text", width=12, align=C.CENTER, mark_missing=False,
                              wrap=False, note=f"{head}\nPASS, FAIL, or missing (the value "
                                                "needed is missing, so the rule fails)."))
    return out


def write_explain_wide(ws, result: RunResult, notes: dict[str, str], why=None,
                       note: str | None = None) -> None:
    """``why``: the rows to write (``result.why`` when None); ``note``: said in the second
    row when the sheet holds only the top rows (a large run, see ``cut``)."""
    st = result.why if why is None else why
    if st is None:
        ws.append(["This run holds no per-name rule results."])
        return
    columns = _columns(result)
    set_widths(ws, columns, None)
    ws.freeze_panes = f"C{FIRST_DATA_ROW}"
    ws.append([C.styled(ws, "Why each name is or is not on each list", font=C.TITLE_FONT)])
    if note:
        ws.append([C.styled(ws, note, font=C.WARN_FONT, fill=C.WARN_FILL)])
    else:
        ws.append([C.styled(ws, "One row per name of the universe. PASS / FAIL / missing per "
                                "rule; the status column says where the name stands in each "
                                "phase. Filter a column to find every name a rule removed.",
                            font=C.SUBTITLE_FONT)])
    groups, last_group = [], None
    for c in columns:
        g = result.why_labels[c.key][0]
        groups.append(C.styled(ws, g if g != last_group else None, font=C.SECTION_FONT))
        last_group = g
    ws.append(groups)
    ws.row_dimensions[FIRST_DATA_ROW - 1].height = 48
    head, last = write_table(ws, st, columns, flags={"ticker": notes})
    finish_table(ws, columns, head, last)
    if last <= head:
        return
    rules = [i for i, c in enumerate(columns, 1)
             if c.key.startswith("elig.") or ".rule" in c.key]
    for i in rules:
        letter = get_column_letter(i)
        ref = f"{letter}{head + 1}:{letter}{last}"
        ws.conditional_formatting.add(ref, CellIsRule(operator="equal", formula=['"FAIL"'],
                                                      font=C.FAIL_FONT, fill=C.WARN_FILL))
        ws.conditional_formatting.add(ref, CellIsRule(operator="equal", formula=['"PASS"'],
                                                      font=PASS_DXF))
        ws.conditional_formatting.add(ref, CellIsRule(operator="equal", formula=['"missing"'],
                                                      fill=C.MISSING_FILL))
    for i, c in enumerate(columns, 1):
        if c.key.endswith(".status") or c.key == "eligible":
            letter = get_column_letter(i)
            ref = f"{letter}{head + 1}:{letter}{last}"
            first = f"{letter}{head + 1}"
            ws.conditional_formatting.add(ref, FormulaRule(
                formula=[f'OR(LEFT({first},6)="listed",{first}="yes")'], font=PASS_DXF))
