"""How each column of a result table is shown: header label, cell kind, format and note.

Labels, formats and notes come from the metric catalog (metrics) and the compiled scores
(``RunResult.scores``); nothing is computed from the values.
"""

from __future__ import annotations

from screener.export import cells as C
from screener.export import colours
from screener.export.grid import Column
from screener.metrics.caps import CAPS
from screener.metrics.catalog import CATALOG, MEMBERSHIP_PREFIX
from screener.result import PhaseResult, RunResult, ScoreInfo

_BETTER = {"higher": "higher is better", "lower": "lower is better", None: "no better direction"}
_UNIT = {
    "usd": "US dollars; shown in millions (the cell holds the full value)",
    "usd_per_share": "US dollars per share",
    "fraction": "a fraction, shown as a percentage",
    "ratio": "a multiple",
    "score": "points on the score's own scale",
    "count": "a count",
    "flag": "1 = yes, 0 = no",
    "shares": "shares",
    "months": "months",
}

IDENTITY = {
    "rank": Column("rank", "Rank", "int", C.INTEGER, "Position in this phase's list (1 = best).",
                   width=6, align=C.CENTER),
    "ticker": Column("ticker", "Ticker", "text", None,
                     "Ticker. Orange = at least one data source failed for this name "
                     "(see the cell's note and the Data quality sheet).", width=10),
    "name": Column("name", "Name", "text", None, "Company name as given by the data source."),
    "sector": Column("sector", "Sector", "text", None, "Sector as given by the data source."),
    "industry": Column("industry", "Industry", "text", None,
                       "Industry as given by the data source."),
    "exchange": Column("exchange", "Exchange", "text", None, "Listing exchange."),
}


# provenance columns the metrics stage adds beyond <block>_source / <block>_as_of
PROVENANCE = {
    "statements_fiscal_year": Column(
        "statements_fiscal_year", "Statements FY", "int", C.INTEGER,
        "Fiscal year of the statements every statement metric of this name uses (its latest "
        "in the data).", width=9, align=C.CENTER),
    "statements_as_of": Column(
        "statements_as_of", "Statements period end", "date", C.DATE_FORMAT,
        "Period end of that fiscal year (empty when the source gives only the year)."),
    "statements_stale": Column(
        "statements_stale", "Statements stale", "yesno", None,
        "yes when the latest statements are more than 15 months older than the run date: the "
        "name is screened on an old year (see the Data quality sheet).", align=C.CENTER),
    "statements_note": Column(
        "statements_note", "Statements note", "text", None,
        "Assumptions behind this name's statement metrics (e.g. short-term debt not reported, "
        "taken as 0) and totals that do not match the filing."),
    "ladder_note": Column(
        "ladder_note", "Ladder note", "text", None,
        "A maturity ladder that does not add up to the filing's total principal (> 2%)."),
}


def provenance_columns(frame_columns) -> list[Column]:
    """The fiscal-year columns a phase sheet shows after its metrics (those present)."""
    from screener.export.frames import PHASE_PROVENANCE

    return [Column(**PROVENANCE[k].__dict__) for k in PHASE_PROVENANCE if k in frame_columns]


def metric_column(key: str, result: RunResult | None = None) -> Column:
    """A metric's column; with ``result``, coloured by its direction against the eligible
    universe (see ``colours``)."""
    m = CATALOG.get(key)
    if m is None:
        return Column(key, key, "number", C.GENERAL_NUMBER, f"{key} (not in the metric catalog)")
    note = (f"{m.label} ({m.id})\n{m.formula}\nUnit: {_UNIT.get(m.unit, m.unit)}; "
            f"{_BETTER.get(m.better, m.better)}.\nSource: {m.source}")
    kind = "int" if m.unit in ("count", "flag") else "number"
    col = Column(key, m.label, kind, C.NUMBER_FORMATS.get(m.unit, C.GENERAL_NUMBER), note)
    cap = CAPS.get(key)
    if cap is not None:   # the capped number stays in the cell (sorting, ranking), shown as text
        col.note += f"\n{cap.note}."
        col.format_by, col.formats = key, {cap.value: cap.number_format}
    if result is not None and m.unit != "flag":
        _colour(col, result)
    return col


def _colour(col: Column, result: RunResult) -> Column:
    col.scale = colours.direction(col.key, result)
    col.anchors = colours.anchors(col.key, result) if col.scale else None
    if col.scale is None or col.anchors is None:
        col.scale = None
    return col


def _label(key: str) -> str:
    return CATALOG[key].label if key in CATALOG else key


def score_note(info: ScoreInfo) -> str:
    parts = "; ".join(f"{_label(p)} x{w:g} ({b} better)" for p, w, b in info.parts)
    lines = [f"{info.label} ({info.id})"]
    if info.description:
        lines.append(info.description)
    lines.append(f"Parts: {parts}" if parts else "Parts: none")
    lines.append(f"Method: {info.method}" + (f" within {info.group_by}" if info.group_by else "")
                 + f"; missing values: {info.missing}.")
    lines.append("0-100 for percentile scores; higher is better.")
    return "\n".join(lines)


def _score_part(key: str, scores: dict[str, ScoreInfo]) -> tuple[ScoreInfo, str, float] | None:
    """The (score, part, weight) a score-part column stands for, by the engine's naming."""
    for info in scores.values():
        for part, weight, _better in info.parts:
            names = (f"{info.id}.{part}", f"{info.id}:{part}", f"{info.id}__{part}",
                     f"{info.id}_{part}", f"{part}_pct", f"{part}_percentile")
            if key in names:
                return info, part, weight
    return None


def score_column(key: str, result: RunResult, *, ascending: bool = False) -> Column:
    """A score, score part or ranking value; coloured by what it rewards (``colours``)."""
    if key in result.scores:
        info = result.scores[key]
        note = score_note(info)
        if colours.weak_side(result, key):
            note += "\nThis score measures the weak side: high values are red."
        return _colour(Column(key, info.label, "number", C.NUMBER_FORMATS["score"], note),
                       result)
    found = _score_part(key, result.scores)
    if found:
        info, part, weight = found
        note = (f"Part of {info.label}: {_label(part)} ({part}), weight {weight:g}, "
                f"{info.method} ({info.missing} when missing).")
        return _colour(Column(key, f"{info.label}: {_label(part)}", "number",
                              C.NUMBER_FORMATS["score"], note), result)
    if key in CATALOG:
        return metric_column(key, result)
    return Column(key, key, "number", C.NUMBER_FORMATS["score"],
                  f"Ranking value: {key}", scale="low" if ascending else "high")


def membership_column(key: str) -> Column:
    universe = key[len(MEMBERSHIP_PREFIX):]
    return Column(key, f"In {universe}", "yesno", None,
                  f"yes when the name is a member of the {universe} universe.",
                  mark_missing=False, align=C.CENTER)


def identity_columns(frame_columns, *, with_rank: bool) -> list[Column]:
    cols = [IDENTITY["rank"]] if with_rank and "rank" in frame_columns else []
    for key in ("ticker", "name", "sector", "industry"):
        if key in frame_columns:
            cols.append(Column(**IDENTITY[key].__dict__))
    cols += [membership_column(k) for k in frame_columns if str(k).startswith(MEMBERSHIP_PREFIX)]
    return cols


def phase_columns(phase: PhaseResult, result: RunResult) -> list[Column]:
    """Rank, identity, memberships, the ranking score and its parts, then the rules' metrics."""
    table_cols = list(phase.table.columns)
    cols = identity_columns(table_cols, with_rank=True)
    for i, key in enumerate(phase.score_columns):
        col = score_column(key, result, ascending=phase.ascending and i == 0)
        if i == 0:
            direction = "lower" if phase.ascending else "higher"
            col.note = f"Ranking value of this phase ({direction} ranks first).\n" + col.note
        cols.append(col)
    cols += [metric_column(k, result) for k in phase.metric_columns
             if k not in phase.score_columns]
    return cols
