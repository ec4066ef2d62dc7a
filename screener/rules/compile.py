"""Compile a ScreenSpec into a Plan: every name resolved, every expression parsed and typed,
score dependencies ordered (cycles rejected). All problems are collected and raised together in
one ``ConfigError``; nothing here touches data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from screener.errors import ConfigError, Location, Problem
from screener.metrics.catalog import CATALOG, IDENTITY_COLUMNS, MEMBERSHIP_PREFIX
from screener.rules import expressions as ex
from screener.rules.functions import STRUCTURED_OPS
from screener.rules.loader import did_you_mean
from screener.rules.spec import Rule, ScreenSpec, is_ascending
from screener.rules.typecheck import Checker, Env

SYNTAX_HINT = "see 'Filters' in screens/README.md for what an expression may contain"

IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class CRule:
    text: str
    node: ex.Node
    columns: list[str]           # names the rule reads (metrics, scores, identity, membership)
    loc: Location
    label: str | None = None

    @property
    def title(self) -> str:
        return self.label or self.text


@dataclass
class CPart:
    id: str                      # column-safe name: metric id, score id or label
    kind: str                    # metric | score | expr
    ref: str                     # metric id, score id or expression text
    node: ex.Node
    weight: float
    better: str                  # higher | lower
    missing: str                 # skip | neutral | worst | exclude
    loc: Location


@dataclass
class CScore:
    id: str
    label: str
    description: str
    parts: list[CPart]
    group_by: str | None
    min_group_size: int
    method: str
    winsorize: float | None
    missing: str
    min_coverage: float
    loc: Location


@dataclass
class COrder:
    text: str
    node: ex.Node
    ascending: bool
    score: str | None            # set when the key is a score id


@dataclass
class CPhase:
    id: str
    title: str
    description: str
    filters: list[CRule]
    rank_by: COrder
    tie_breakers: list[COrder]
    top: int | None


@dataclass
class Plan:
    name: str
    path: str
    source_text: str
    universes: list[str]
    params: dict[str, float | str]
    eligibility: list[CRule]
    scores: dict[str, CScore]    # in dependency order: a score after the scores it uses
    phases: list[CPhase]
    metrics_used: list[str]
    warnings: list[str] = field(default_factory=list)
    episodes: dict | None = None  # backtest episodes from the YAML (None: the defaults)


def default_universes() -> list[str]:
    from screener.settings import universes_dir
    d = universes_dir()
    names = sorted(p.stem for p in d.glob("*.yaml")) if d.is_dir() else []
    return names + ["sample"]


class _Compiler:
    def __init__(self, spec: ScreenSpec, known_universes):
        self.spec = spec
        src = spec._source
        self.src = src
        self.file = src.file if src is not None else "<screen>"
        self.lines = src.text.splitlines() if src is not None else []
        self.known_universes = list(known_universes)
        self.problems: list[Problem] = []
        self.metrics_used: list[str] = []

    # -- locations ------------------------------------------------------------------------
    def loc(self, path: tuple, key: bool = False) -> Location:
        if self.src is None:
            return Location(self.file, text=".".join(map(str, path)) or None)
        return self.src.loc(path, key)

    def problem(self, path, message, hint=None, key=False, text=None):
        where = self.loc(path, key)
        if text is not None:
            where = Location(where.file, where.line, where.column, text)
        self.problems.append(Problem(where, message, hint or "see screens/README.md"))

    def expr_loc(self, path: tuple, pos: int, text: str, structured: bool = False) -> Location:
        """Location of character ``pos`` of the expression stored at ``path``."""
        base = self.loc(path)
        col = base.column
        if col is not None and base.line is not None and 0 < base.line <= len(self.lines):
            first = self.lines[base.line - 1][col - 1:col]
            if first in ("|", ">"):
                col = None            # block scalar: the line is right, the column is not
            elif not structured:
                col += pos + (1 if first in ("'", '"') else 0)
        return Location(base.file, base.line, col, text)

    # -- names ----------------------------------------------------------------------------
    def env(self) -> Env:
        types: dict[str, str] = {}
        kinds: dict[str, str] = {}
        for m in CATALOG:
            types[m], kinds[m] = "num", "metric"
        for c, kind in IDENTITY_COLUMNS.items():
            types[c], kinds[c] = ("text" if kind == "text" else "num"), "identity"
        for u in sorted(set(self.known_universes) | set(self.spec.universes)):
            types[MEMBERSHIP_PREFIX + u], kinds[MEMBERSHIP_PREFIX + u] = "bool", "membership"
        for s in self.spec.scores:
            if s in types:
                self.problem(("scores", s), f"score '{s}' has the name of a "
                             f"{kinds[s]}", "give the score another name", key=True)
                continue
            types[s], kinds[s] = "num", "score"
        for p, v in self.spec.params.items():
            if p in types:
                self.problem(("params", p), f"param '{p}' has the name of a {kinds[p]}",
                             "give the param another name", key=True)
                continue
            types[p], kinds[p] = ("num" if isinstance(v, float | int) else "text"), "param"
        return Env(types, kinds, dict(self.spec.params))

    def check_ids(self) -> None:
        for section in ("scores", "phases", "params"):
            for name in getattr(self.spec, section):
                if not IDENT.match(name):
                    self.problem((section, name), f"'{name}' is not a valid name",
                                 "use letters, digits and _ (start with a letter)", key=True)

    def check_universes(self) -> None:
        for i, u in enumerate(self.spec.universes):
            if u not in self.known_universes:
                self.problem(("universes", i), f"unknown universe '{u}'",
                             did_you_mean(u, self.known_universes)
                             or "known: " + ", ".join(self.known_universes))

    # -- expressions ----------------------------------------------------------------------
    def expression(self, text: str, path: tuple, env: Env, want: str, role: str,
                   loc_text: str | None = None) -> ex.Node | None:
        try:
            node = ex.parse(text)
        except ex.ParseError as err:
            self.problems.append(Problem(self.expr_loc(path, err.column, loc_text or text,
                                                       loc_text is not None),
                                         f"{role}: {err.message}", err.hint or SYNTAX_HINT))
            return None
        checker = Checker(env)
        got = checker.check(node)
        for msg, pos, hint in checker.problems:
            self.problems.append(Problem(self.expr_loc(path, pos, loc_text or text,
                                                       loc_text is not None),
                                         f"{role}: {msg}", hint or SYNTAX_HINT))
        if got is not None and got != want:
            from screener.rules.typecheck import TYPE_WORD
            hint = "a filter is a condition, e.g. 'roic > 0.1'" if want == "bool" else \
                "ranking needs a number (a score id or an arithmetic expression)"
            self.problems.append(Problem(self.expr_loc(path, 0, loc_text or text),
                                         f"{role}: '{text}' is {TYPE_WORD[got]}, expected "
                                         f"{TYPE_WORD[want]}", hint))
            return None
        if got is None:
            return None
        for name in ex.names(node):
            if env.kinds.get(name) == "metric" and name not in self.metrics_used:
                self.metrics_used.append(name)
        return node

    def rule(self, rule: Rule, path: tuple, env: Env, role: str) -> CRule | None:
        if rule.expr is not None:
            text = rule.expr
            epath = path + ("expr",) if isinstance(self._raw(path), dict) else path
        else:
            text = _structured_text(rule)
            epath = path
        node = self.expression(text, epath, env, "bool", role,
                               None if rule.expr is not None else text)
        if node is None:
            return None
        cols = [n for n in ex.names(node) if env.kinds.get(n) != "param"]
        return CRule(text, node, cols, self.loc(epath), rule.label)

    def order(self, text: str, order: str, path: tuple, env: Env, role: str) -> COrder | None:
        text = str(text).strip()
        if text in self.spec.scores:
            return COrder(text, ex.Name(text), is_ascending(order), text)
        node = self.expression(text, path, env, "num", role)
        if node is None:
            return None
        return COrder(text, node, is_ascending(order), None)

    # -- scores ---------------------------------------------------------------------------
    def scores(self, env: Env) -> dict[str, CScore]:
        out: dict[str, CScore] = {}
        for sid, s in self.spec.scores.items():
            parts: list[CPart] = []
            seen: set[str] = set()
            for i, p in enumerate(s.parts):
                path = ("scores", sid, "parts", i)
                part = self.part(sid, p, path, env)
                if part is None:
                    continue
                if part.id in seen:
                    self.problem(path, f"score '{sid}' lists '{part.id}' twice",
                                 "merge the two parts into one with the combined weight")
                    continue
                seen.add(part.id)
                parts.append(part)
            out[sid] = CScore(sid, s.label or sid.replace("_", " ").capitalize(), s.description,
                              parts, s.group_by, s.min_group_size, s.method, s.winsorize,
                              s.missing, s.min_coverage, self.loc(("scores", sid), key=True))
        return self.order_scores(out)

    def part(self, sid: str, p, path: tuple, env: Env) -> CPart | None:
        policy = p.missing
        if p.metric is not None:
            m = p.metric
            if m not in CATALOG:
                kind = env.kinds.get(m)
                hint = ("it is a score: write 'score: " + m + "'") if kind == "score" else \
                    did_you_mean(m, CATALOG) or "run 'screener metrics' for the list"
                self.problem(path + ("metric",) if isinstance(self._raw(path), dict) else path,
                             f"score '{sid}': unknown metric '{m}'", hint, text=m)
                return None
            better = p.better or CATALOG[m].better
            if better is None:
                self.problem(path, f"score '{sid}': metric '{m}' has no natural direction",
                             "say which is better: better: higher or better: lower", text=m)
                return None
            if m not in self.metrics_used:
                self.metrics_used.append(m)
            return CPart(p.label or m, "metric", m, ex.Name(m), p.weight, better,
                         policy or "", self.loc(path))
        if p.score is not None:
            if p.score not in self.spec.scores:
                self.problem(path, f"score '{sid}': unknown score '{p.score}'",
                             did_you_mean(p.score, self.spec.scores) or
                             "declared scores: " + ", ".join(self.spec.scores), text=p.score)
                return None
            return CPart(p.label or p.score, "score", p.score, ex.Name(p.score), p.weight,
                         p.better or "higher", policy or "", self.loc(path))
        epath = path + ("expr",)
        node = self.expression(p.expr, epath, env, "num", f"score '{sid}'")
        if node is None:
            return None
        if p.better is None:
            self.problem(path, f"score '{sid}': an expression part needs 'better: higher' or "
                         "'better: lower'", text=p.expr)
            return None
        label = p.label or re.sub(r"\W+", "_", p.expr).strip("_")
        return CPart(label, "expr", p.expr, node, p.weight, p.better, policy or "",
                     self.loc(path))

    def _raw(self, path: tuple):
        d = self.src.data if self.src is not None else None
        for c in path:
            try:
                d = d[c]
            except (KeyError, IndexError, TypeError):
                return None
        return d

    def order_scores(self, scores: dict[str, CScore]) -> dict[str, CScore]:
        deps = {s: [p.ref for p in c.parts if p.kind == "score"] +
                [n for p in c.parts if p.kind == "expr" for n in ex.names(p.node)
                 if n in scores] for s, c in scores.items()}
        done: dict[str, CScore] = {}
        state: dict[str, int] = {}
        reported: set[frozenset] = set()

        def visit(s: str, trail: list[str]) -> None:
            if state.get(s) == 2:
                return
            if state.get(s) == 1:
                cycle = trail[trail.index(s):] + [s]
                key = frozenset(cycle)
                if key not in reported:
                    reported.add(key)
                    self.problem(("scores", s), "scores form a cycle: " + " -> ".join(cycle),
                                 "a score cannot use itself, directly or through another score",
                                 key=True)
                return
            state[s] = 1
            for d in deps.get(s, []):
                if d in scores:
                    visit(d, trail + [s])
            state[s] = 2
            done[s] = scores[s]

        for s in scores:
            visit(s, [])
        return done

    # -- the whole screen -----------------------------------------------------------------
    def run(self) -> Plan:
        spec = self.spec
        self.check_ids()
        self.check_universes()
        env = self.env()
        elig_env = Env(env.types, env.kinds, env.params, allow_scores=False)
        eligibility = [r for i, rule in enumerate(spec.eligibility)
                       if (r := self.rule(rule, ("eligibility", i), elig_env,
                                          "eligibility rule")) is not None]
        scores = self.scores(env)
        phases = []
        for pid, ph in spec.phases.items():
            base = ("phases", pid)
            filters = [r for i, rule in enumerate(ph.filters)
                       if (r := self.rule(rule, base + ("filters", i), env,
                                          f"phase '{pid}'")) is not None]
            rank = self.order(ph.rank_by, ph.order, base + ("rank_by",), env,
                              f"phase '{pid}' rank_by")
            ties = [o for i, t in enumerate(ph.tie_breakers)
                    if (o := self.order(t.by, t.order, base + ("tie_breakers", i), env,
                                        f"phase '{pid}' tie-breaker")) is not None]
            if rank is not None:
                phases.append(CPhase(pid, ph.title, ph.description, filters, rank, ties, ph.top))
        if self.problems:
            raise ConfigError(self.problems)
        src = self.src
        return Plan(
            name=spec.name or (Path(self.file).stem if src else "screen"),
            path=self.file, source_text=src.text if src else "",
            universes=list(spec.universes), params=dict(spec.params), eligibility=eligibility,
            scores=scores, phases=phases, metrics_used=self.metrics_used,
            episodes=dict(spec.episodes) if spec.episodes is not None else None)


def _structured_text(rule: Rule) -> str:
    def lit(v):
        if isinstance(v, str):
            return f'"{v}"' if not _is_number_text(v) else v
        return repr(v) if not isinstance(v, float) or not v.is_integer() else str(int(v))

    tmpl = STRUCTURED_OPS[rule.op]
    v = rule.value
    if isinstance(v, list):
        lo, hi = (lit(v[0]), lit(v[1])) if len(v) == 2 else ("", "")
        return tmpl.format(m=rule.metric, lo=lo, hi=hi, items=", ".join(lit(x) for x in v),
                           v="")
    return tmpl.format(m=rule.metric, v=lit(v) if v is not None else "", lo="", hi="", items="")


def _is_number_text(v: str) -> bool:
    return isinstance(ex.parse_literal(v), float)


def compile_screen(spec_or_path: ScreenSpec | str | Path, known_universes=None,
                   overrides: dict[str, str] | None = None) -> Plan:
    """Load (if given a path), validate and compile a screen; raises ConfigError listing every
    problem with its file, line and column."""
    known = default_universes() if known_universes is None else list(known_universes)
    if isinstance(spec_or_path, str | Path):
        from screener.rules.loader import load_screen_partial
        spec, problems, dropped = load_screen_partial(spec_or_path, overrides)
        if problems:
            if spec is not None:
                try:
                    _Compiler(spec, known).run()
                except ConfigError as exc:
                    problems += [p for p in exc.problems if not any(
                        f"'{d}'" in p.message and "unknown" in p.message for d in dropped)]
            problems.sort(key=lambda p: (p.location.file, p.location.line or 0,
                                         p.location.column or 0))
            raise ConfigError(problems)
    else:
        spec = spec_or_path
        if overrides:
            raise ValueError("overrides apply when loading: pass a path, or use load_screen")
    return _Compiler(spec, known).run()
