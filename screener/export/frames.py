"""The tables every output shares (workbook sheets, CSV, Parquet, JSON).

These only reshape and join what the ``RunResult`` holds (no metric, score or rank is computed
here), so the workbook and the plain tables always say the same thing.
"""

from __future__ import annotations

import pandas as pd

from screener.metrics.catalog import CATALOG, CATALOG_LIST, IDENTITY_COLUMNS, MEMBERSHIP_PREFIX
from screener.result import PhaseResult, RunResult
from screener.rules.effective import show_value

SAMPLE_BANNER = "FICTIONAL SAMPLE DATA — these companies do not exist"


def phase_rank_key(phase: PhaseResult) -> str:
    return f"rank_{phase.id}"


def tickers_of(frame: pd.DataFrame) -> pd.Series:
    """The ticker of every row: the ``ticker`` column, else the index."""
    if "ticker" in frame.columns:
        return frame["ticker"].astype(object)
    return pd.Series(frame.index.astype(object), index=frame.index, name="ticker")


def run_identity(result: RunResult) -> list[tuple[str, object]]:
    """(field, value) pairs naming the run, in the order the Summary shows them."""
    oldest, newest = result.data_as_of
    universes = ", ".join(
        f"{u} (as of {result.universe_as_of.get(u, 'unknown')})" for u in result.universes)
    rows: list[tuple[str, object]] = [
        ("Screen", result.screen_name),
        ("Screen file", result.screen_path),
        *([("Extends", " <- ".join(result.extends))] if result.extends else []),
        ("Screen hash (sha256)", result.screen_hash[:12]),
        ("Universe(s)", universes),
        ("Provider(s)", ", ".join(result.providers)),
        ("Data as of", f"{oldest or 'unknown'} to {newest or 'unknown'}"),
        ("Run at", result.run_at.replace(tzinfo=None) if result.run_at else None),
        ("Tool version", f"screener {result.version}"),
        ("Sample data", "YES — fictional companies" if result.is_sample else "no"),
        ("Eligible names", len(result.eligible)),
        ("Statements used (fiscal year: names)", statements_years(result)),
        ("Names with fetch failures", _failed_tickers(result)),
    ]
    if getattr(result, "as_of", None) is not None:
        rows.insert(4, ("Evaluated as of", (f"{result.as_of} (point in time: only data "
                                            "published by then; memberships in force then)")))
    for block, when in (getattr(result, "newest_data", None) or {}).items():
        rows.append((f"Newest data used: {block}", when or "none"))
    changed = {o.name: o for o in result.overrides}
    for k, v in result.params.items():
        label = f"Parameter: {k}"
        if k in changed:
            o = changed[k]
            label += f" (--set {o.name}={o.raw}" + (
                f"; the screen says {show_value(o.was)})" if o.was is not None else ")")
        rows.append((label, _number(v)))
    return rows


def _number(v):
    """A param as a number cell (300000000, 2.5), text params as they are."""
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return int(v)
    return v


def _failed_tickers(result: RunResult) -> int:
    f = result.failures
    return int(f["ticker"].nunique()) if f is not None and "ticker" in f and len(f) else 0


PHASE_PROVENANCE = ("statements_fiscal_year", "statements_as_of", "statements_stale")


def phase_table(phase: PhaseResult, result: RunResult) -> pd.DataFrame:
    """The phase's table with, per name, the fiscal year and period end of its statements
    (and whether they are stale), joined from the provenance."""
    prov = result.provenance
    table = phase.table
    if prov is None or "ticker" not in table:
        return table
    table = table.copy()
    for col in PHASE_PROVENANCE:
        if col in prov and col not in table:
            table[col] = table["ticker"].map(prov[col]).to_numpy()
    return table


def statements_line(prov: pd.DataFrame | None, ticker: str) -> str | None:
    """'Statements: FY2024 ending 2024-12-31 (sec); STALE' for one name (None without)."""
    if prov is None or "statements_fiscal_year" not in prov:
        return None
    found = {str(t).upper(): t for t in prov.index}.get(str(ticker).upper())
    if found is None:
        return None
    row = prov.loc[found]
    fy = row["statements_fiscal_year"]
    if pd.isna(fy):
        return "Statements: none in the data (statement metrics are missing)"
    end = row.get("statements_as_of")
    text = f"Statements: FY{int(fy)}" + (f" ending {pd.Timestamp(end).date()}"
                                          if not pd.isna(end) else "")
    src = row.get("statements_source")
    if isinstance(src, str) and src and src != "nan":
        text += f" ({src})"
    if bool(row.get("statements_stale", False)):
        text += "; STALE: more than 15 months before the run date"
    note = row.get("statements_note")
    if isinstance(note, str) and note:
        text += f"; {note}"
    return text


def statements_years(result: RunResult) -> str:
    """'FY2024: 610, FY2023: 80 · 3 stale (> 15 months)' over the eligible names."""
    prov = result.provenance
    if prov is None or "statements_fiscal_year" not in prov:
        return "unknown"
    tickers = tickers_of(result.eligible)
    years = prov["statements_fiscal_year"].reindex(tickers).dropna().astype(int)
    counts = years.value_counts().sort_index(ascending=False)
    text = ", ".join(f"FY{y}: {n}" for y, n in counts.items()) or "none"
    missing = len(tickers) - len(years)
    if missing:
        text += f", no statements: {missing}"
    if "statements_stale" in prov:
        stale = int(prov["statements_stale"].reindex(tickers).fillna(False).astype(bool).sum())
        text += f" · {stale} stale (latest statements > 15 months old)"
    return text


def phases_summary(result: RunResult) -> pd.DataFrame:
    rows = []
    for p in result.phases:
        rows.append({
            "phase": p.id, "title": p.title, "description": p.description,
            "rank_by": p.rank_by, "ascending": bool(p.ascending), "passed": int(p.passed),
            "listed": len(p.table), "top": p.top, "cutoff": p.cutoff,
            "top5": _top_names(p.table),
        })
    cols = ["phase", "title", "description", "rank_by", "ascending", "passed", "listed", "top",
            "cutoff", "top5"]
    return pd.DataFrame(rows, columns=cols)


def _top_names(table: pd.DataFrame, n: int = 5) -> str:
    """'TICK Company name' for the first ``n`` listed names, one per line."""
    if "ticker" not in table:
        return ""
    head = table.head(n)
    names = head["name"].astype(object) if "name" in head else [None] * len(head)
    return "\n".join(f"{t}  {nm}" if isinstance(nm, str) and nm else str(t)
                     for t, nm in zip(head["ticker"].astype(str), names, strict=True))


def attrition(result: RunResult) -> pd.DataFrame:
    """Names left after each rule: eligibility first, then each phase's own steps."""
    rows = []
    for i, s in enumerate(result.eligibility, 1):
        rows.append({"phase": "eligibility", "phase_title": "Eligibility (all phases)",
                     "step": i, "rule": s.rule, "remaining": s.remaining, "removed": s.removed,
                     "missing": s.missing})
    n_elig = len(result.eligibility)
    elig_rules = [s.rule for s in result.eligibility]
    for p in result.phases:
        steps = p.attrition
        # a phase's attrition repeats the eligibility steps first: show them once, above
        if n_elig and [s.rule for s in steps[:n_elig]] == elig_rules:
            steps = steps[n_elig:]
        for i, s in enumerate(steps, 1):
            rows.append({"phase": p.id, "phase_title": p.title, "step": i, "rule": s.rule,
                         "remaining": s.remaining, "removed": s.removed, "missing": s.missing})
    return pd.DataFrame(rows, columns=["phase", "phase_title", "step", "rule", "remaining",
                                       "removed", "missing"])


def coverage(result: RunResult) -> pd.DataFrame:
    cov = result.coverage.copy()
    cov.index.name = "metric"
    cov = cov.reset_index()
    if "label" not in cov:
        cov["label"] = [CATALOG[m].label if m in CATALOG else m for m in cov["metric"]]
    return cov[["metric", "label"] + [c for c in cov.columns if c not in ("metric", "label")]]


def _whole_universe(result: RunResult) -> pd.DataFrame:
    """The eligible names, then the universe's other names (no scores), same columns."""
    elig = result.eligible
    uni = result.universe
    if uni is None or not len(uni):
        return elig
    taken = set(tickers_of(elig).astype(str).tolist())   # a set: no per-row string search
    rest = uni.loc[[t not in taken for t in uni.index.astype(str).tolist()]]
    if not len(rest):
        return elig
    rest = rest.reindex(columns=[c for c in elig.columns if c in rest.columns])
    return pd.concat([elig, rest.astype({c: elig[c].dtype for c in rest.columns
                                         if str(elig[c].dtype) in ("bool", "boolean")})])


def all_names(result: RunResult) -> pd.DataFrame:
    """Every name of the universe, eligible first: identity, eligible and the first eligibility
    rule failed, rank in each phase, every score, every metric, sources."""
    elig = _whole_universe(result)
    ticker = pd.Series(tickers_of(elig).to_numpy())
    cols: dict[str, object] = {"ticker": ticker.to_numpy()}
    ident = [c for c in IDENTITY_COLUMNS if c in elig.columns]
    members = [c for c in elig.columns if str(c).startswith(MEMBERSHIP_PREFIX)]
    for c in ident + members:
        cols[c] = elig[c].to_numpy()
    st = result.why
    if st is not None and "eligible" in st:
        by = st.set_index(st["ticker"].astype(str))
        cols["eligible"] = ticker.astype(str).map(by["eligible"]).fillna("yes").to_numpy()
        cols["failed_rule"] = ticker.astype(str).map(by["failed_rule"]).to_numpy()
    for p in result.phases:
        ranks = dict(zip(p.table["ticker"], p.table["rank"], strict=False))
        cols[phase_rank_key(p)] = ticker.map(ranks).astype("Float64").array
    scores = [s for s in result.scores if s in elig.columns]
    metrics = [m.id for m in CATALOG_LIST if m.id in elig.columns]
    used = set(["ticker", "eligible", "failed_rule"] + ident + members + scores + metrics)
    others = [c for c in elig.columns if c not in used]
    for c in scores + metrics + others:
        cols[c] = elig[c].to_numpy()
    out = pd.DataFrame(cols)  # built at once: column-by-column inserts fragment the frame
    if result.provenance is not None and len(result.provenance):
        prov = result.provenance
        extra = [c for c in prov.columns if c not in out.columns]
        if extra:  # one concat: column-by-column inserts fragment the frame
            mapped = prov[extra].reindex(out["ticker"].to_numpy())
            out = pd.concat([out, mapped.set_axis(out.index, axis=0)], axis=1)
    return out


def explain_names(result: RunResult) -> pd.DataFrame:
    """The wide per-name table with readable column names: ``eligibility: <rule>``,
    ``<phase id>: status``, ``<phase id>: rank``, ``<phase id>: <rule>``."""
    st = result.why
    names = {}
    for key in st.columns:
        if key.startswith("elig."):
            names[key] = f"eligibility: {result.why_labels[key][1]}"
        elif "." in key:
            pid, what = key.split(".", 1)
            label = result.why_labels[key][1] if what.startswith("rule") else what
            names[key] = f"{pid}: {label}"
    return st.rename(columns=names)


def explain(result: RunResult) -> pd.DataFrame:
    """The explain rows grouped by phase, then by the name's rank in it (rows kept in order)."""
    ex = result.explain.copy()
    if "phase" in ex and "ticker" in ex and len(ex):
        order = {p.id: i for i, p in enumerate(result.phases)}
        rank = {(p.id, t): r for p in result.phases
                for t, r in zip(p.table["ticker"], p.table["rank"], strict=False)}
        key = pd.DataFrame({
            "p": ex["phase"].map(order).fillna(len(order)).to_numpy(),
            "r": [rank.get(k, 1e9) for k in zip(ex["phase"], ex["ticker"], strict=True)],
            "i": range(len(ex))})
        ex = ex.iloc[key.sort_values(["p", "r", "i"]).index].reset_index(drop=True)
    titles = {p.id: p.title for p in result.phases}
    names = dict(zip(tickers_of(result.eligible), result.eligible.get("name", []), strict=False))
    ex.insert(ex.columns.get_loc("phase") + 1 if "phase" in ex else 0, "phase_title",
              ex["phase"].map(titles).fillna(ex["phase"]) if "phase" in ex else None)
    if "ticker" in ex:
        ex.insert(ex.columns.get_loc("ticker") + 1, "name", ex["ticker"].map(names))
    return ex



def failure_notes(result: RunResult) -> dict[str, str]:
    """ticker -> one line per failed fetch, for the note on the flagged ticker cell."""
    f = result.failures
    if f is None or not len(f):
        return {}
    notes: dict[str, list[str]] = {}
    for rec in f.to_dict("records"):
        line = f"{rec.get('source')}/{rec.get('dataset')} failed: {rec.get('reason')}"
        notes.setdefault(rec.get("ticker"), []).append(line)
    return {t: "\n".join(lines) + "\nSee the Data quality sheet." for t, lines in notes.items()}


def stale_warnings(result: RunResult) -> list[str]:
    return [w for w in result.warnings if "stale" in w.lower()]


# the Data quality table lives in its own module; these names stay importable from here
from screener.export.quality import (  # noqa: F401
    NOTE_COLUMNS,
    data_quality,
    failure_kind,
    provenance_notes,
)
