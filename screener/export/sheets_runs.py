"""Changes (what entered and left each list since the previous run, and why) and Track record
(how the lists of earlier runs have done since, with a chart). Both only format what
``screener.runs`` attached to the Result."""

from __future__ import annotations

from openpyxl.chart import BarChart, Reference

from screener.export import cells as C
from screener.export.grid import Column, finish_table, set_widths, write_table
from screener.result import RunResult

CHANGES, TRACK = "Changes", "Track record"


def changes_columns() -> list[Column]:
    return [
        Column("phase", "Phase", "text"),
        Column("change", "Change", "text", width=9,
               note="entered = listed now, not in the previous run; left = listed before, not "
                    "now; moved = listed both times, biggest rank moves."),
        Column("ticker", "Ticker", "text", width=10),
        Column("name", "Name", "text"),
        Column("rank_before", "Rank before", "int", "0", mark_missing=False),
        Column("rank_after", "Rank now", "int", "0", mark_missing=False),
        Column("score_before", "Score before", "number", "0.0", mark_missing=False),
        Column("score_after", "Score now", "number", "0.0", mark_missing=False),
        Column("reason", "Why", "text", wrap=True, width=60,
               note="For names that entered: where the name stood in the previous run. For "
                    "names that left: the first rule it fails now, the rank it fell to, or "
                    "that it left the universe."),
    ]


def write_changes(ws, result: RunResult) -> None:
    columns = changes_columns()
    table = result.changes
    set_widths(ws, columns, table)
    ws.append([C.styled(ws, "Changes since the previous run of this screen", font=C.TITLE_FONT)])
    if table is None:
        ws.append(["First recorded run of this screen (or --no-record): nothing to compare."])
        return
    ws.append([C.styled(ws, f"This run {result.run_id} against run {result.changes_against}",
                        font=C.SUBTITLE_FONT)])
    if table.empty:
        ws.append(["No list changed."])
        return
    head, last = write_table(ws, table, columns)
    finish_table(ws, columns, head, last)


def track_columns() -> list[Column]:
    pct = "0.0%"
    return [
        Column("run_id", "Run", "text", width=22),
        Column("run_date", "Run date", "date", C.DATE_FORMAT),
        Column("phase", "Phase", "text"),
        Column("names", "Names", "int", "0"),
        Column("priced", "Priced", "int", "0", note="Names with a price at entry."),
        Column("entry_date", "Bought at close of", "date", C.DATE_FORMAT,
               note="The next close after the run's date."),
        Column("end_date", "Measured to", "date", C.DATE_FORMAT),
        Column("list_return", "List return", "number", pct, scale="high",
               note="Equal-weighted return of the list's names (adjusted closes); a name that "
                    "stopped trading keeps its last price, then the delisting return."),
        Column("universe_return", "Universe return", "number", pct),
        Column("etf", "ETF", "text", width=6),
        Column("etf_return", "ETF return", "number", pct),
        Column("excess_vs_universe", "List - universe", "number", pct, scale="high"),
        Column("hit_rate", "Hit rate", "number", "0%",
               note="Share of the list's priced names that beat the universe."),
        Column("note", "Note", "text", wrap=True, width=40),
    ]


def write_track(ws, result: RunResult) -> None:
    columns = track_columns()
    table = result.track
    set_widths(ws, columns, table)
    ws.append([C.styled(ws, "Track record of this screen's recorded runs", font=C.TITLE_FONT)])
    if table is None or table.empty:
        ws.append(["No stored daily prices (or no recorded runs): fetch prices with "
                   "`screener fetch --history`, then `screener track`."])
        return
    head, last = write_table(ws, table, columns)
    finish_table(ws, columns, head, last)
    if last > head:
        chart = BarChart()
        chart.title = "List return minus universe, per run and phase"
        chart.y_axis.number_format = "0%"
        col = [c.key for c in columns].index("excess_vs_universe") + 1
        chart.add_data(Reference(ws, min_col=col, min_row=head, max_row=last),
                       titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=3, min_row=head + 1, max_row=last))
        chart.height, chart.width = 9, 22
        ws.add_chart(chart, f"A{last + 3}")
