"""Per-name breakdown: every rule with the name's value and pass/fail, every score with its
parts (value, percentile, effective weight, contribution, missing). Contributions add up to the
score shown in the phase list.

``explain_table(state)`` builds the long table for every listed name (one block per rule or
part, vectorised over the listed names); ``explain_ticker(plan, frame, ticker)`` renders one
name as text for the console.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from screener.errors import ScreenerError
from screener.metrics.caps import display
from screener.metrics.catalog import CATALOG
from screener.rules.compile import Plan
from screener.rules.evaluator import Ctx, subject_value
from screener.rules.loader import did_you_mean

COLUMNS = ["ticker", "phase", "kind", "item", "value", "passed", "percentile", "weight",
           "contribution", "missing", "note"]
MISSING_NOTE = {"skip": "missing: skipped, weight spread over the other parts",
                "neutral": "missing: counted as neutral (50)",
                "worst": "missing: counted as worst (0)",
                "exclude": "missing: the name gets no score (exclude)"}


def _phase_scores(plan: Plan, phase) -> list[str]:
    """Scores a phase shows: rank_by, scores in filters and tie-breakers, and nested ones."""
    from screener.rules.expressions import names
    wanted: list[str] = []
    nodes = [phase.rank_by.node] + [r.node for r in phase.filters] + \
        [t.node for t in phase.tie_breakers]
    for node in nodes:
        wanted += [n for n in names(node) if n in plan.scores]
    out: list[str] = []
    while wanted:
        s = wanted.pop(0)
        if s in out:
            continue
        out.append(s)
        wanted += [p.ref for p in plan.scores[s].parts if p.kind == "score"]
    return out


def _block(n: int, **cols) -> dict:
    """One block of explain rows: scalars are repeated over the ``n`` listed names."""
    out = {}
    for c in COLUMNS:
        v = cols[c]
        if np.ndim(v) == 0:
            v = np.full(n, v, dtype=object if isinstance(v, str) or v is None else None)
        out[c] = v
    return out


def _score_blocks(state, sid: str, pos: np.ndarray, tickers, phase_id: str) -> list[dict]:
    so = state.scores[sid]
    cs = state.plan.scores[sid]
    n = len(pos)
    vals = so.values[pos]
    note = np.where(np.isnan(vals), f"no score (data for less than {cs.min_coverage:.0%} of "
                    "the weight, or an 'exclude' part is missing)", "")
    blocks = [_block(n, ticker=tickers, phase=phase_id, kind="score", item=sid, value=vals,
                     passed=None, percentile=np.nan, weight=so.coverage[pos],
                     contribution=vals, missing=np.zeros(n, bool), note=note)]
    for p in so.parts:
        miss = p.missing[pos]
        pnote = np.where(miss, MISSING_NOTE[p.policy], "")
        if p.fallback[pos].any():
            pnote = np.where(p.fallback[pos], f"ranked against the whole eligible universe "
                             f"({cs.group_by} group too small)", pnote)
        blocks.append(_block(n, ticker=tickers, phase=phase_id, kind="part",
                             item=f"{sid}.{p.id}", value=p.raw[pos], passed=None,
                             percentile=p.value[pos], weight=p.weight[pos],
                             contribution=p.contribution[pos], missing=miss, note=pnote))
    return blocks


def _rule_block(rr, ctx: Ctx, pos: np.ndarray, tickers, phase_id: str, kind_note: str) -> dict:
    sub = subject_value(rr.rule.node, ctx)
    n = len(pos)
    value = np.asarray(sub, dtype=object)[pos] if sub is not None else None
    known = rr.result.known[pos]
    note = np.where(known, kind_note, ("missing value; " + kind_note) if kind_note
                    else "missing value")
    return _block(n, ticker=tickers, phase=phase_id, kind="rule", item=rr.rule.title,
                  value=value, passed=rr.result.passed[pos], percentile=np.nan, weight=np.nan,
                  contribution=np.nan, missing=~known, note=note)


def explain_table(state) -> pd.DataFrame:
    """Long table: for every listed name of every phase, its rules, scores and score parts."""
    blocks: list[dict] = []
    uidx = state.universe.index
    uctx = Ctx(state.universe, state.plan.params)
    for pr in state.phases:
        pos = pr.order
        if not len(pos):
            continue
        tickers = state.eligible.index[pos].astype(str).to_numpy(dtype=object)
        upos = uidx.get_indexer(state.eligible.index[pos])
        for rr in state.elig_rules:
            blocks.append(_rule_block(rr, uctx, upos, tickers, pr.phase.id, "eligibility"))
        for rr in pr.rules:
            blocks.append(_rule_block(rr, state.ctx, pos, tickers, pr.phase.id, ""))
        for sid in _phase_scores(state.plan, pr.phase):
            blocks += _score_blocks(state, sid, pos, tickers, pr.phase.id)
    if not blocks:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})
    data = {}
    for c in COLUMNS:
        parts = [b[c] for b in blocks]
        kind = object if c in ("ticker", "phase", "kind", "item", "value", "passed", "note") \
            else None
        data[c] = np.concatenate([np.asarray(a, dtype=kind) for a in parts])
    out = pd.DataFrame(data)
    out["missing"] = out["missing"].astype(bool)
    for c in ("percentile", "weight", "contribution"):
        out[c] = out[c].astype("float64")
    for c in ("ticker", "phase", "kind", "item", "note"):
        out[c] = out[c].astype("string")
    return out


# -- console text for one name -------------------------------------------------------------------


def fmt(item: str, v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "missing"
    if isinstance(v, bool | np.bool_):
        return "yes" if v else "no"
    if isinstance(v, str):
        return v
    v = float(v)
    if (shown := display(item, v)) is not None:
        return shown   # a capped value: what it means, and the cap
    unit = CATALOG[item].unit if item in CATALOG else None
    if unit == "usd":
        for div, suf in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
            if abs(v) >= div:
                return f"{v / div:,.2f}{suf}"
        return f"{v:,.0f}"
    if unit == "fraction":
        return f"{v:.1%}"
    if unit == "flag":
        return "yes" if v else "no"
    return f"{v:,.2f}" if abs(v) < 1e6 else f"{v:,.0f}"


def _find(frame: pd.DataFrame, ticker: str) -> str:
    idx = frame.index.astype(str)
    if ticker in idx:
        return ticker
    up = {t.upper(): t for t in idx}
    if ticker.upper() in up:
        return up[ticker.upper()]
    raise ScreenerError(f"ticker {ticker!r} is not in the data",
                        did_you_mean(ticker.upper(), up) or "check the ticker and the universes")


def explain_ticker(plan: Plan, frame: pd.DataFrame, ticker: str) -> str:
    """Every rule of every phase for one name, with values, pass/fail and score parts."""
    from screener.rules.engine import run

    t = _find(frame, ticker)
    state = run(plan, frame)
    row = frame.loc[t]
    out = [f"{t}  {row.get('name', '')}  ({row.get('sector', '')} / {row.get('industry', '')})",
           f"screen: {plan.name} ({plan.path})", ""]
    if t not in state.universe.index:
        out.append(f"not in the screen's universes ({', '.join(plan.universes)}): "
                   "no rule applies.")
        return "\n".join(out)
    out.append("Eligibility (shared by every phase)")
    upos = np.array([state.universe.index.get_loc(t)])
    for rr in state.elig_rules:
        out.append(_rule_line(rr, Ctx(state.universe, plan.params), upos))
    if t not in state.eligible.index:
        out += ["", "not eligible: phases and scores are computed over eligible names only."]
        return "\n".join(out)
    pos = np.array([state.eligible.index.get_loc(t)])
    shown: set[str] = set()
    for pr in state.phases:
        ph = pr.phase
        where = np.flatnonzero(pr.full_order == pos[0])
        if len(where) and where[0] < len(pr.order):
            status = f"LISTED #{where[0] + 1} of {len(pr.order)}"
        elif len(where):
            status = f"passes every filter but ranks #{where[0] + 1}, below the top {ph.top}"
        else:
            status = "not listed"
        out += ["", f"Phase {ph.id}: {ph.title}  -> {status}"]
        for rr in pr.rules:
            out.append(_rule_line(rr, state.ctx, pos))
        out.append(f"  rank by {ph.rank_by.text} "
                   f"({'lowest' if ph.rank_by.ascending else 'highest'} first): "
                   f"{fmt('', pr.rank_values[pos[0]])}")
        for sid in _phase_scores(plan, ph):
            if sid not in shown:
                shown.add(sid)
                out += _score_lines(state, sid, pos)
    return "\n".join(out)


def _rule_line(rr, ctx: Ctx, pos: np.ndarray) -> str:
    ok = bool(rr.result.passed[pos[0]])
    known = bool(rr.result.known[pos[0]])
    sub = subject_value(rr.rule.node, ctx)
    val = ""
    if sub is not None:
        first = rr.rule.columns[0] if rr.rule.columns else ""
        val = f"   value: {fmt(first, sub[pos[0]])}"
    elif rr.rule.columns:
        val = "   values: " + ", ".join(f"{c}={fmt(c, _col(ctx, c, pos))}"
                                       for c in rr.rule.columns)
    tag = "PASS" if ok else ("FAIL (missing)" if not known else "FAIL")
    return f"  {tag:<15} {rr.rule.title}{val}"


def _col(ctx: Ctx, c: str, pos):
    v = ctx.column(c)
    if hasattr(v, "value"):
        return bool(v.value[pos[0]])
    if isinstance(v, pd.Series):
        return v.iloc[pos[0]]
    return np.broadcast_to(v, (ctx.n,))[pos[0]]


def _score_lines(state, sid: str, pos: np.ndarray) -> list[str]:
    so = state.scores[sid]
    i = pos[0]
    head = f"  score {sid} = {fmt('', so.values[i])}  (data for {so.coverage[i]:.0%} of the weight)"
    lines = ["", head, f"    {'part':<24}{'value':>12}{'pctl':>8}{'weight':>8}{'contrib':>9}"]
    for p in so.parts:
        note = MISSING_NOTE[p.policy] if p.missing[i] else ""
        if p.fallback[i]:
            note = "whole-universe rank (small group)"
        w = p.weight[i]
        lines.append(f"    {p.id:<24}{fmt(p.id, p.raw[i]):>12}{fmt('', p.value[i]):>8}"
                     f"{(f'{w:.0%}' if not np.isnan(w) else '-'):>8}"
                     f"{fmt('', p.contribution[i]):>9}  {note}".rstrip())
    total = np.nansum([p.contribution[i] for p in so.parts]) if not np.isnan(so.values[i]) \
        else float("nan")
    lines.append(f"    {'total':<24}{'':>12}{'':>8}{'':>8}{fmt('', total):>9}")
    return lines
