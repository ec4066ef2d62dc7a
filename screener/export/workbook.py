"""The Excel workbook of a run: what analysts open, filter and forward.

Sheets, in order: Summary, Regime (when the screen has a regime: section and the verdict could
be computed), one sheet per phase (named after it), All names (the whole universe), Explain
(every name, every rule: why it is or is not listed), Score parts (each listed name's score
contributions), Charts, Data quality, Changes and Track record (recorded runs only),
Definitions. Every ticker links to its Explain row. Written with openpyxl's write-only
mode (rows streamed, styles set
once per column) and saved atomically (see ``atomic``). The tables are built once
(``tables.build_tables``, shared with the csv/parquet/json writers). Above the workbook limit
(10,000 names by default), All names, Explain and Data quality hold their top rows and the whole
tables go to Parquet files beside the workbook (``cut``); ``full=True`` (``run --full``) writes
every row.
"""

from __future__ import annotations

import contextlib
import dataclasses
from datetime import datetime
from pathlib import Path
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from screener.export import charts, frames
from screener.export import cut as cuts
from screener.export.atomic import (
    TargetLockedError,
    library_temps_in,
    output_folder,
    write_atomic,
)
from screener.export.cells import add_sheet
from screener.export.sheet_explain import row_of, write_explain_wide
from screener.export.sheet_summary import write_summary
from screener.export.sheetnames import SheetNames
from screener.export.sheets_lists import write_all_names, write_phase_sheet
from screener.export.sheets_reference import write_data_quality, write_definitions, write_explain
from screener.export.sheets_runs import CHANGES, TRACK, write_changes, write_track
from screener.export.tables import build_tables
from screener.result import RunResult

SUMMARY, ALL_NAMES, EXPLAIN, SCORE_PARTS, CHARTS, DATA_QUALITY, DEFINITIONS = (
    "Summary", "All names", "Explain", "Score parts", "Charts", "Data quality", "Definitions")
REGIME = "Regime"
FIXED_SHEETS = (SUMMARY, REGIME, ALL_NAMES, EXPLAIN, SCORE_PARTS, CHARTS, DATA_QUALITY,
                DEFINITIONS, CHANGES, TRACK)


def phase_sheet_names(result: RunResult) -> dict[str, str]:
    """phase id -> its sheet name (valid, unique, never one of the fixed sheets)."""
    names = SheetNames(reserved=FIXED_SHEETS)
    return {p.id: names.take(p.title or p.id, fallback=p.id) for p in result.phases}


def build_workbook(result: RunResult, tables=None, cut: cuts.Cut | None = None) -> Workbook:
    """The workbook (not saved). ``tables``: ``tables.build_tables(result)`` (built when
    None); ``cut``: the rows the per-name sheets keep (``cut.plan``; None: every row)."""
    tables = build_tables(result) if tables is None else tables
    wb = Workbook(write_only=True)
    wb.properties.creator = f"screener {result.version}"
    wb.properties.title = f"{result.screen_name} screen"
    if result.is_sample:
        wb.properties.subject = frames.SAMPLE_BANNER
    notes = frames.failure_notes(result)
    sheet_of_phase = phase_sheet_names(result)

    every, why, dq = tables["all_names"], result.why, tables["data_quality"]
    note = {}
    if cut is not None:
        every = cuts.top_all_names(every, result, cut)
        why = cuts.top_why(why, cut) if why is not None else None
        dq = cuts.top_data_quality(dq, cut)
        for name, shown, total in (("all_names", every, tables["all_names"]),
                                   ("explain_names", why, result.why),
                                   ("data_quality", dq, tables["data_quality"])):
            if shown is not None and name in cut.files:
                note[name] = cut.note(name, len(shown), len(total), cuts.ORDER_TEXT[name])
    links = row_of(result, why)    # ticker -> its Explain row

    write_summary(add_sheet(wb, SUMMARY), result, sheet_of_phase)
    if getattr(result, "regime", None) is not None:
        from screener.export.sheet_regime import write_regime
        write_regime(add_sheet(wb, REGIME), result.regime)
    for phase in result.phases:
        write_phase_sheet(add_sheet(wb, sheet_of_phase[phase.id]), phase, result, notes, links)
    write_all_names(add_sheet(wb, ALL_NAMES), result, notes, links, table=every,
                    note=note.get("all_names"))
    write_explain_wide(add_sheet(wb, EXPLAIN), result, notes, why=why,
                       note=note.get("explain_names"))
    write_explain(add_sheet(wb, SCORE_PARTS), result, notes, links, ex=tables["explain"])
    charts.write_charts(add_sheet(wb, CHARTS), result)
    write_data_quality(add_sheet(wb, DATA_QUALITY), result, dq=dq, note=note.get("data_quality"))
    if result.run_id:  # recorded runs: what changed since the last one, and how lists did
        write_changes(add_sheet(wb, CHANGES), result)
        write_track(add_sheet(wb, TRACK), result)
    write_definitions(add_sheet(wb, DEFINITIONS), result)
    return wb


def write_workbook(result: RunResult, path: str | Path, *, full: bool = False,
                   limit: int | None = None) -> Path:
    """Write the run's workbook to ``path`` atomically and return the path written.
    ``full``: every row on every sheet, whatever the size; ``limit``: the workbook limit
    (``settings.workbook_limit()`` when None). Above it, see ``write_workbook_files``.

    If ``path`` is locked by another program, the workbook is written beside it as
    ``<stem>-<HHMMSS>.xlsx`` and ``TargetLockedError`` is raised; its message reads
    "Target is locked; wrote <new file> instead" and ``.written`` holds the new path.
    """
    return write_workbook_files(result, path, full=full, limit=limit)[0]


def write_workbook_files(result: RunResult, path: str | Path, *, full: bool = False,
                         limit: int | None = None) -> list[Path]:
    """Write the workbook and, for a run above the limit, the whole per-name tables as
    Parquet beside it, named after the workbook. Returns the workbook's path, then the other
    files. The tables are written first, under temporary names, and named only once the
    workbook is in place: when it fails, nothing of this run is left; when its target is
    locked, the workbook written beside it names (and gets) its own files, and the locked
    workbook's files are left as they were."""
    path = Path(path)
    folder = output_folder(path.parent)  # and the sheets a killed run left behind
    with library_temps_in(folder):  # sheet temporaries beside the target, not in $TMPDIR
        staged: dict[str, Path] = {}
        try:
            tables = build_tables(result)
            cut = cuts.plan(result, tables, path, full=full, limit=limit)
            if cut is not None:
                staged = cuts.stage_side_files(cut, tables)
            try:
                written = _write(result, tables, cut, path)
            except TargetLockedError as locked:
                if cut is None:
                    raise
                cut = dataclasses.replace(cut, files=cuts.side_files(locked.written, tables))
                _write(result, tables, cut, locked.written)  # its notes name its own files
                locked.also = cuts.place_side_files(cut, staged)
                staged = {}
                raise
            beside = cuts.place_side_files(cut, staged) if cut is not None else []
            staged = {}
            return [written, *beside]
        finally:
            cuts.remove(list(staged.values()))


def _write(result: RunResult, tables: dict, cut, path: Path) -> Path:
    wb = build_workbook(result, tables, cut)
    try:
        return write_atomic(path, lambda fh: _save(wb, fh))
    except TargetLockedError:
        raise  # saved, beside the locked target
    except BaseException:
        _discard(wb)
        raise


def _save(wb: Workbook, fh) -> None:
    """openpyxl's ``save_workbook`` on an open file, without a half-closed zip on errors."""
    wb.properties.modified = datetime.now()
    archive = ZipFile(fh, "w", ZIP_DEFLATED, allowZip64=True)
    try:
        ExcelWriter(wb, archive).save()
    except BaseException:
        archive.fp = None   # the temporary file is thrown away; nothing left to finish
        raise


def _discard(wb: Workbook) -> None:
    """Close and delete the streamed sheets of a workbook whose save failed (quietly)."""
    for ws in wb._sheets:
        writer = getattr(ws, "_writer", None)
        with contextlib.suppress(Exception):
            if not ws.closed:
                ws.close()
        with contextlib.suppress(Exception):
            if writer is not None:
                writer.cleanup()
