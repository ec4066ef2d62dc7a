"""The Regime sheet: the verdict, the panel (one row per indicator), the verdict's history as
a band under the Russell 2000 / S&P 500 ratio, and one chart per indicator with its threshold.

Charts first (below the panel), the tables they draw from at the bottom of the sheet.
"""

from __future__ import annotations

from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.utils import get_column_letter

from screener.export import cells as C
from screener.export.grid import Column, write_table

ROWS_PER_CHART = 16
BAND_COLOURS = ["C00000", "70AD47", "5B9BD5", "FFC000", "7030A0", "A5A5A5"]

PANEL_COLUMNS = [
    Column("indicator", "Indicator", "text"),
    Column("label", "What it is", "text", wrap=True, width=36),
    Column("series", "Series", "text"),
    Column("date", "Latest obs.", "date", C.DATE_FORMAT,
           note="The newest observation released by the as-of date."),
    Column("value", "Value", "number", "#,##0.000"),
    Column("chg_1m", "Change 1m", "number", "+#,##0.000;-#,##0.000"),
    Column("chg_3m", "Change 3m", "number", "+#,##0.000;-#,##0.000"),
    Column("chg_6m", "Change 6m", "number", "+#,##0.000;-#,##0.000",
           note="Value minus the last observation on or before (date - N months)."),
    Column("pct_10y", "Percentile 10y", "number", "0%",
           note="Share of the last 10 years' observations at or below the value."),
    Column("transform", "Rule input", "text"),
    Column("input", "Input value", "number", "#,##0.000"),
    Column("rule", "Rule", "text"),
    Column("vote", "Vote", "number", "+0;-0",
           note="+1: the rule holds; -1: it fails; empty: no data or stale."),
    Column("state", "State", "text"),
    Column("distance", "Distance to flip", "number", "#,##0.000",
           note="How far the rule input must move to flip the vote."),
    Column("distance_sd", "Distance (sd)", "number", "0.0",
           note="The distance in standard deviations of the input over 10 years."),
    Column("to_flip", "Flips if it", "text"),
]


def _line(title: str, ws, head: int, last: int, cols: list[int], y_fmt: str = "General"):
    ch = LineChart()
    ch.title = title
    ch.height, ch.width = 7.0, 16.0
    ch.y_axis.numFmt = y_fmt
    ch.y_axis.majorGridlines = None
    for c in cols:
        ch.add_data(Reference(ws, min_col=c, min_row=head, max_row=last), titles_from_data=True)
    ch.set_categories(Reference(ws, min_col=1, min_row=head + 1, max_row=last))
    ch.x_axis.number_format = "yyyy"
    ch.x_axis.delete = False
    ch.y_axis.delete = False
    for s in ch.series:
        s.smooth = False
        s.graphicalProperties.line.width = 15000
    if len(ch.series) > 1:
        for s in ch.series[1:]:
            s.graphicalProperties.line.dashStyle = "dash"
            s.graphicalProperties.line.solidFill = "C00000"
    return ch


def write_regime(ws, run) -> None:
    from screener.regime.report import headline, history_frame, panel_frame

    for letter, w in {"A": 20, "B": 36, "C": 16}.items():
        ws.column_dimensions[letter].width = w
    h = headline(run)
    ws.append([C.styled(ws, f"Regime as of {h['as_of']}", font=C.TITLE_FONT)])
    ws.append([C.styled(ws, "Verdict", font=C.LABEL_FONT),
               C.styled(ws, h["verdict"], font=C.SECTION_FONT)])
    ws.append([C.styled(ws, "Points to the list", font=C.LABEL_FONT),
               C.styled(ws, ", ".join([p for p in [h["phase"], *h["overlay_phases"]] if p])
                        or "-")])
    ws.append([C.styled(ws, "Scores (-1..+1)", font=C.LABEL_FONT), C.styled(ws, h["scores"])])
    ws.append([C.styled(ws, "What would flip it", font=C.LABEL_FONT), C.styled(ws, h["flip"])])
    ws.append([C.styled(ws, "Evidence", font=C.LABEL_FONT),
               C.styled(ws, f"{h['votes']} of {h['indicators']} indicators voted; only "
                        "observations released by the as-of date count.")])
    ws.append([])
    ws.append([C.styled(ws, "Panel", font=C.SECTION_FONT)])
    panel = panel_frame(run)
    cols = PANEL_COLUMNS + [Column(c, f"Weight: {c.removeprefix('w_')}", "number", "+0.#;-0.#")
                            for c in panel.columns if c.startswith("w_")] \
        + [Column("why", "Why this threshold", "text", wrap=True, width=60)]
    write_table(ws, panel, cols)
    ws.append([])

    hist = history_frame(run)
    if hist.empty:
        return
    n_ind = len(run.panel.regime.indicators)
    chart_top = ws.rows_written + 2
    rows_needed = 2 * ROWS_PER_CHART + ((n_ind + 1) // 2) * ROWS_PER_CHART + 2
    ws.append([C.styled(ws, "Verdict history and indicators (charts; their data is below)",
                        font=C.SECTION_FONT)])
    for _ in range(rows_needed):
        ws.append([])
    ws.append([C.styled(ws, "Verdict history: one row per date (band columns are 1 on the "
                        "dates that verdict held)", font=C.SECTION_FONT)])
    hcols = [Column("date", "Date", "date", C.DATE_FORMAT)] + [
        Column(c, c, "text" if c == "verdict" else "number", None if c == "verdict" else
               "General") for c in hist.columns[1:]]
    head, last = write_table(ws, hist, hcols)
    index = {c: i + 1 for i, c in enumerate(hist.columns)}

    reg = run.panel.regime
    if "IWM / SPY" in index:
        ratio = _line("Russell 2000 / S&P 500 (IWM / SPY)", ws, head, last, [index["IWM / SPY"]])
        ratio.legend = None
        ratio.width, ratio.height = 32.0, 7.0
        ws.add_chart(ratio, f"A{chart_top}")
    band = BarChart()
    band.type, band.grouping, band.overlap, band.gapWidth = "col", "stacked", 100, 0
    band.title = "Verdict (band)"
    band.width, band.height = 32.0, 5.0
    names = [reg.verdicts[k].title for k in reg.main] + \
        [f"{reg.verdicts[k].title} (overlay)" for k in reg.overlays]
    for i, name in enumerate(names):
        band.add_data(Reference(ws, min_col=index[name], min_row=head, max_row=last),
                      titles_from_data=True)
        band.series[-1].graphicalProperties.solidFill = BAND_COLOURS[i % len(BAND_COLOURS)]
        band.series[-1].graphicalProperties.line.noFill = True
    band.set_categories(Reference(ws, min_col=1, min_row=head + 1, max_row=last))
    band.y_axis.delete = True
    band.x_axis.number_format = "yyyy"
    band.legend.position = "b"
    ws.add_chart(band, f"A{chart_top + ROWS_PER_CHART}")
    for i, ind in enumerate(reg.indicators):
        cols_i = [index[ind.id]] + [index[c] for c in (f"{ind.id} threshold", f"{ind.id} low",
                                                       f"{ind.id} high") if c in index]
        ch = _line(f"{ind.label}: {ind.transform.text} {ind.rule.text}", ws, head, last, cols_i)
        ch.legend.position = "b"
        row = chart_top + 2 * ROWS_PER_CHART + (i // 2) * ROWS_PER_CHART
        col = "A" if i % 2 == 0 else get_column_letter(9)
        ws.add_chart(ch, f"{col}{row}")
