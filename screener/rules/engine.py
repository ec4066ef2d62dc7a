"""Evaluate a compiled Plan over the standard frame, in one vectorised pass (Zipline's Pipeline):

1. keep the names that belong to any of the plan's universes (``in_<universe>`` is True);
2. apply the eligibility rules in order, counting what each removes (and how many for missing
   data);
3. compute every score over the eligible names, in dependency order (``scoring.py``);
4. per phase: apply its filters in order (attrition), drop names without a ``rank_by`` value,
   sort by ``rank_by`` then the tie-breakers then ticker (A-Z, so ties are deterministic),
   keep the top N;
5. assemble the tables: phase lists, the eligible universe, coverage, missing inputs, explain.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from screener.errors import UniverseError
from screener.metrics.catalog import CATALOG, IDENTITY_COLUMNS, MEMBERSHIP_PREFIX
from screener.result import PhaseResult, RuleStep, ScoreInfo
from screener.rules.compile import COrder, CPhase, CRule, Plan
from screener.rules.evaluator import Ctx, Tri, as_num, as_tri
from screener.rules.scoring import ScoreOut, compute_score

TEXT_COLUMNS = ["name", "sector", "industry"]


@dataclass
class Evaluation:
    """The engine part of ``screener.result.RunResult``."""

    phases: list[PhaseResult]
    eligible: pd.DataFrame
    scores: dict[str, ScoreInfo]
    eligibility: list[RuleStep]
    coverage: pd.DataFrame
    missing: pd.DataFrame
    explain: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    status: pd.DataFrame | None = None  # per universe name and phase (rules/status.py)
    why: pd.DataFrame | None = None     # every universe name, wide (rules/why.py)
    why_labels: dict = field(default_factory=dict)
    universe: pd.DataFrame | None = None  # every universe name: identity and metrics


@dataclass
class RuleRun:
    rule: CRule
    result: Tri          # over the rows the rule was evaluated on
    alive_before: np.ndarray


@dataclass
class PhaseRun:
    phase: CPhase
    rules: list[RuleRun]
    rank_values: np.ndarray
    order: np.ndarray    # positions (in the eligible frame) of the listed names, in rank order
    passed: int
    steps: list[RuleStep]  # eligibility steps, then this phase's filters
    full_order: np.ndarray  # every ranked name, before the top N cut


@dataclass
class State:
    """Everything computed, kept for explain."""

    plan: Plan
    universe: pd.DataFrame
    eligible: pd.DataFrame
    elig_rules: list[RuleRun]
    ctx: Ctx                              # over the eligible names, scores included
    scores: dict[str, ScoreOut]
    phases: list[PhaseRun]
    warnings: list[str]
    elig_steps: list[RuleStep]


def _check_frame(plan: Plan, frame: pd.DataFrame) -> list[str]:
    absent = [u for u in plan.universes if MEMBERSHIP_PREFIX + u not in frame.columns]
    if absent:
        names = ", ".join(absent)
        raise UniverseError(
            f"universe {names} is not in the data (no column "
            f"{', '.join(MEMBERSHIP_PREFIX + u for u in absent)})",
            f"refresh it (screener universe refresh {absent[0]}) or import it, then run again")
    missing_metrics = [m for m in plan.metrics_used if m not in frame.columns]
    if missing_metrics:
        return [(f"metrics not in the data, treated as missing for every name: "
                f"{', '.join(missing_metrics)}")]
    return []


def _apply_rules(rules: list[CRule], ctx: Ctx, alive: np.ndarray,
                 steps: list[RuleStep]) -> tuple[np.ndarray, list[RuleRun]]:
    runs = []
    for rule in rules:
        res = as_tri(rule.node, ctx)
        before = alive.copy()
        removed = before & ~res.passed
        alive = before & res.passed
        steps.append(RuleStep(rule.title, int(alive.sum()), int(removed.sum()),
                              int((removed & ~res.known).sum())))
        runs.append(RuleRun(rule, res, before))
    return alive, runs


def _key(values: np.ndarray, ascending: bool) -> list[np.ndarray]:
    """lexsort keys for one ordering column: missing last, then by value."""
    v = np.where(np.isnan(values), 0.0, values)
    return [v if ascending else -v, np.isnan(values)]


def _order_values(o: COrder, ctx: Ctx) -> np.ndarray:
    return np.asarray(as_num(o.node, ctx), dtype="float64")


def _run_phase(phase: CPhase, ctx: Ctx, tickers: np.ndarray, steps: list[RuleStep]) -> PhaseRun:
    alive, runs = _apply_rules(phase.filters, ctx, np.ones(ctx.n, bool), steps)
    passed = int(alive.sum())
    rank_vals = _order_values(phase.rank_by, ctx)
    no_rank = alive & np.isnan(rank_vals)
    if no_rank.any():
        alive = alive & ~no_rank
        steps.append(RuleStep(f"{phase.rank_by.text} is not missing (needed to rank)",
                              int(alive.sum()), int(no_rank.sum()), int(no_rank.sum())))
    idx = np.flatnonzero(alive)
    keys: list[np.ndarray] = [np.argsort(np.argsort(tickers[idx], kind="stable"))]
    for tb in reversed(phase.tie_breakers):
        keys += _key(_order_values(tb, ctx)[idx], tb.ascending)
    keys += _key(rank_vals[idx], phase.rank_by.ascending)
    full = idx[np.lexsort(keys)] if len(idx) else idx
    order = full[: phase.top] if phase.top is not None else full
    return PhaseRun(phase, runs, rank_vals, order, passed, steps, full)


def run(plan: Plan, frame: pd.DataFrame) -> State:
    warnings = _check_frame(plan, frame)
    in_cols = [MEMBERSHIP_PREFIX + u for u in plan.universes]
    member = frame[in_cols].fillna(False).astype(bool).any(axis=1).to_numpy()
    universe = frame[member]
    uctx = Ctx(universe, plan.params)
    steps = [RuleStep("universe: " + " or ".join(plan.universes), len(universe),
                      len(frame) - len(universe), 0)]
    alive, elig_runs = _apply_rules(plan.eligibility, uctx, np.ones(len(universe), bool), steps)
    eligible = universe[alive]
    ctx = Ctx(eligible, plan.params)
    scores: dict[str, ScoreOut] = {}
    for sid, cs in plan.scores.items():
        out = compute_score(cs, ctx)
        scores[sid] = out
        ctx.scores[sid] = out.values
        warnings += out.notes
    tickers = eligible.index.astype(str).to_numpy()
    phase_runs = []
    for ph in plan.phases:
        phase_runs.append(_run_phase(ph, ctx, tickers, list(steps)))
    return State(plan, universe, eligible, elig_runs, ctx, scores, phase_runs, warnings, steps)


# -- tables --------------------------------------------------------------------------------------


def _membership_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if isinstance(c, str) and c.startswith(MEMBERSHIP_PREFIX)]


def _phase_table(state: State, pr: PhaseRun, steps: list[RuleStep]) -> PhaseResult:
    plan, ctx, ph = state.plan, state.ctx, pr.phase
    sub = state.eligible.iloc[pr.order]
    table = pd.DataFrame({"rank": np.arange(1, len(sub) + 1)}, index=sub.index)
    table.insert(1, "ticker", sub.index.astype(str))
    for c in TEXT_COLUMNS:
        table[c] = sub[c] if c in sub else pd.Series(pd.NA, index=sub.index, dtype="string")
    for c in _membership_columns(state.eligible):
        table[c] = sub[c].fillna(False).astype(bool)
    score_cols: list[str] = [ph.rank_by.text]
    table[ph.rank_by.text] = pr.rank_values[pr.order]
    if ph.rank_by.score:
        for part in state.scores[ph.rank_by.score].parts:
            col = f"{ph.rank_by.score}.{part.id}"
            table[col] = part.value[pr.order]
            score_cols.append(col)
    used = [r.columns for r in plan.eligibility + ph.filters]
    for o in ph.tie_breakers:
        used.append([o.score] if o.score else [n for n in _names(o)])
    if not ph.rank_by.score:
        used.append(_names(ph.rank_by))
    metric_cols: list[str] = []
    for cols in used:
        for c in cols:
            if c in plan.scores and c not in score_cols:
                table[c] = ctx.scores[c][pr.order]
                score_cols.append(c)
            elif c in CATALOG and c not in metric_cols and c not in score_cols:
                metric_cols.append(c)
    for c in metric_cols:
        table[c] = ctx.column(c)[pr.order]
    table = table.reset_index(drop=True)
    cutoff = float(pr.rank_values[pr.order[-1]]) if len(pr.order) else None
    return PhaseResult(ph.id, ph.title, ph.description, ph.rank_by.text, ph.rank_by.ascending,
                       table, score_cols, metric_cols, steps, pr.passed, ph.top, cutoff)


def _names(o: COrder) -> list[str]:
    from screener.rules.expressions import names
    return names(o.node)


def _eligible_table(state: State) -> pd.DataFrame:
    e = state.eligible
    cols = [c for c in IDENTITY_COLUMNS if c in e.columns] + _membership_columns(e)
    cols += [m for m in CATALOG if m in e.columns]
    out = e[cols].copy()
    for sid, so in state.scores.items():
        out[sid] = so.values
    listed = np.zeros((len(e), len(state.phases)), bool)
    for j, pr in enumerate(state.phases):
        listed[pr.order, j] = True
    ids = np.array([pr.phase.id for pr in state.phases], dtype=object)
    out["phases"] = [", ".join(ids[row]) for row in listed] if len(ids) else ""
    out.index.name = "ticker"
    return out


def _coverage(state: State) -> pd.DataFrame:
    n = len(state.eligible)
    rows = []
    for m in state.plan.metrics_used:
        vals = state.ctx.column(m)
        miss = int(np.isnan(vals).sum())
        rows.append((m, CATALOG[m].label, (n - miss) / n if n else np.nan, miss))
    out = pd.DataFrame(rows, columns=["metric", "label", "share", "missing"]).set_index("metric")
    return out


def _missing(state: State) -> pd.DataFrame:
    tickers = state.eligible.index.astype(str).to_numpy()
    frames = []
    for sid, so in state.scores.items():
        for p in so.parts:
            t = tickers[p.missing]
            if len(t):
                frames.append(pd.DataFrame({"ticker": t, "score": sid, "metric": p.id}))
    if not frames:
        return pd.DataFrame({"ticker": pd.Series(dtype="string"),
                             "score": pd.Series(dtype="string"),
                             "metric": pd.Series(dtype="string")})
    return pd.concat(frames, ignore_index=True)


def score_infos(plan: Plan) -> dict[str, ScoreInfo]:
    return {sid: ScoreInfo(sid, cs.label, [(p.id, p.weight, p.better) for p in cs.parts],
                           cs.group_by, cs.method, cs.missing, cs.description)
            for sid, cs in plan.scores.items()}


def evaluate(plan: Plan, frame: pd.DataFrame) -> Evaluation:
    """Run a compiled plan over the standard frame."""
    from screener.rules.explain import explain_table
    from screener.rules.status import status_table
    from screener.rules.why import why_table

    state = run(plan, frame)
    phases = [_phase_table(state, pr, pr.steps) for pr in state.phases]
    why, labels = why_table(state)
    u = state.universe
    ucols = [c for c in IDENTITY_COLUMNS if c in u.columns] + _membership_columns(u)
    ucols += [m for m in CATALOG if m in u.columns]
    return Evaluation(
        phases=phases, eligible=_eligible_table(state), scores=score_infos(plan),
        eligibility=list(state.elig_steps), coverage=_coverage(state), missing=_missing(state),
        explain=explain_table(state), warnings=list(state.warnings),
        status=status_table(state), why=why, why_labels=labels,
        universe=u[ucols].rename_axis("ticker"))
