"""Checks that find screens which are valid but almost surely not what was meant.

Each finding is a ``Problem`` (file, line, column, the text, what to write instead), reported as
a warning by ``validate`` and ``run`` and as an error with ``--strict``:

- **units**: a literal implausible for the unit the catalog gives the metric it is compared
  with: a fraction (0.15 = 15%) compared with a number above 2 or below -2 written without
  ``%`` (``roic >= 8``, meant 8%); a 0-100 composite score compared with a percentage
  (``quality >= 60%`` is 0.6) or a number outside 0-100; a USD amount under 10,000 written
  without a K/M/B suffix (``market_cap >= 300``, meant 300M); a flag compared with anything but
  0 or 1. Params count too: ``min_market_cap: 300`` used as ``market_cap >= min_market_cap``.
- **text values**: ``sector``/``industry`` compared with a value outside the GICS vocabulary
  (``sector in [Technology]``: Yahoo's name for "Information Technology"), with did-you-mean.
- **unused params**: a declared param no rule, score or ordering uses (often a misspelt
  declaration: ``max_leverge:``).
"""

from __future__ import annotations

import re

from screener.errors import Location, Problem
from screener.metrics.catalog import CATALOG
from screener.rules import expressions as ex
from screener.rules.loader import did_you_mean

FRACTION_LIMIT = 2.0
USD_FLOOR = 10_000.0
_NUM = re.compile(r"^(?:\d[\d_]*\.?\d*|\.\d+)(?:[eE][+-]?\d+)?([kKmMbBtT%])?$")


def _g(v: float) -> str:
    return f"{v:,.10g}" if abs(v) >= 10_000 else f"{v:.10g}"


def _suffixed(v: float) -> str:
    """How to write a USD amount the user probably meant: 300 -> 300M."""
    if abs(v) < 1:
        return f"{_g(v)}B" if v else "0"
    return f"{_g(v)}M"


class Linter:
    def __init__(self, plan, spec, overrides_raw: dict[str, str] | None = None):
        self.plan = plan
        self.spec = spec
        self.src = spec._source
        self.raw = overrides_raw or {}
        self.found: list[Problem] = []
        self.used: set[str] = set()

    # -- helpers ----------------------------------------------------------------------------
    def _param_text(self, name: str) -> str:
        if name in self.raw:
            return str(self.raw[name])
        data = self.src.data.get("params", {}) if self.src is not None else {}
        return str(data.get(name, self.spec.params.get(name)))

    def _param_loc(self, name: str) -> Location:
        if self.src is None:
            return Location("<screen>", text=name)
        return self.src.loc(("params", name))

    @staticmethod
    def _written(text: str, node: ex.Num) -> str | None:
        """The literal as written in ``text`` at the node's position (with its suffix)."""
        try:
            toks = ex.tokenize(text)
        except ex.ParseError:
            return None
        for i, t in enumerate(toks):
            if t.pos == node.pos:
                if t.kind == "op" and t.text == "-" and i + 1 < len(toks):
                    return "-" + toks[i + 1].text
                return t.text
        return None

    def _subject(self, node) -> tuple[str, str] | None:
        """(kind, id) of a metric or composite score name."""
        if isinstance(node, ex.Name):
            if node.id in CATALOG:
                return "metric", node.id
            if node.id in self.plan.scores:
                return "score", node.id
        return None

    # -- units ------------------------------------------------------------------------------
    def _unit_issue(self, kind: str, sid: str, value: float, written: str) -> str | None:
        pct = written.endswith("%")
        suffix = bool(written) and written[-1:].lower() in "kmbt" and _NUM.match(written.lstrip("-"))
        if kind == "score":
            if pct:
                return (f"'{sid}' is a 0-100 score but {written} is {_g(value)}; "
                        f"did you mean {_g(value * 100)}?")
            if not 0 <= value <= 100:
                return f"'{sid}' is a 0-100 score; {written} is outside that range"
            return None
        unit = CATALOG[sid].unit
        if unit == "fraction" and not pct and abs(value) > FRACTION_LIMIT:
            return (f"'{sid}' is a fraction (0.15 = 15%), so {written} means "
                    f"{_g(value * 100)}%; did you mean {_g(value)}% ({_g(value / 100)})?")
        if unit == "usd" and not suffix and not pct and 0 < abs(value) < USD_FLOOR:
            return (f"'{sid}' is in USD, so {written} means ${_g(value)}; "
                    f"did you mean {_suffixed(value)}?")
        if unit == "flag" and value not in (0.0, 1.0):
            return f"'{sid}' is a flag (1 true, 0 false); {written} is neither"
        return None

    def _check_literal(self, subj, lit, rule) -> None:
        kind, sid = subj
        if isinstance(lit, ex.Num):
            written = self._written(rule.text, lit) or _g(lit.value)
            msg = self._unit_issue(kind, sid, lit.value, written)
            if msg:
                where = rule.loc
                self.found.append(Problem(Location(where.file, where.line, where.column,
                                                   rule.text), msg,
                                          "fix the number, or run with it knowingly "
                                          "(--strict turns this warning into an error)"))
        elif isinstance(lit, ex.Name) and lit.id in self.spec.params:
            value = self.spec.params[lit.id]
            if not isinstance(value, float | int):
                return
            written = self._param_text(lit.id)
            msg = self._unit_issue(kind, sid, float(value), written)
            if msg:
                where = self._param_loc(lit.id)
                self.found.append(Problem(
                    Location(where.file, where.line, where.column, f"{lit.id}: {written}"),
                    f"param '{lit.id}' is compared with '{sid}' in '{rule.text}': {msg}",
                    "fix the param's value (--strict turns this warning into an error)"))

    def _check_text(self, col: str, value: str, rule) -> None:
        from screener.universe.sectors import VENDOR_NAMES, VOCABULARY, gics_sector

        vocab = VOCABULARY[col]
        if value in vocab:
            return
        gics = gics_sector(value) if col == "sector" else None
        if gics is not None and gics != value:
            hint = f"write \"{gics}\" ('{value}' is the name {VENDOR_NAMES} use)"
        else:
            hint = did_you_mean(value, vocab) or (f"{col}s: " + ", ".join(vocab)
                                                  if col == "sector" else
                                                  f"{col} values are GICS names")
        where = rule.loc
        self.found.append(Problem(Location(where.file, where.line, where.column, rule.text),
                                  f"'{value}' is not a GICS {col} name, so no name will match "
                                  "it", hint))

    def rule(self, rule) -> None:
        for node in _walk(rule.node):
            if isinstance(node, ex.Compare):
                for a, b in ((node.left, node.right), (node.right, node.left)):
                    subj = self._subject(a)
                    if subj is not None:
                        self._check_literal(subj, b, rule)
                    if isinstance(a, ex.Name) and a.id in ("sector", "industry") \
                            and isinstance(b, ex.Str):
                        self._check_text(a.id, b.value, rule)
            elif isinstance(node, ex.Between):
                subj = self._subject(node.subject)
                if subj is not None:
                    self._check_literal(subj, node.low, rule)
                    self._check_literal(subj, node.high, rule)
            elif isinstance(node, ex.InList):
                subj = self._subject(node.subject)
                for item in node.items:
                    if subj is not None:
                        self._check_literal(subj, item, rule)
                    if isinstance(node.subject, ex.Name) and \
                            node.subject.id in ("sector", "industry") and isinstance(item, ex.Str):
                        self._check_text(node.subject.id, item.value, rule)

    # -- params -----------------------------------------------------------------------------
    def unused_params(self) -> None:
        used: set[str] = set()
        plan = self.plan
        for r in plan.eligibility + [f for ph in plan.phases for f in ph.filters]:
            used.update(ex.names(r.node))
        for ph in plan.phases:
            for o in [ph.rank_by, *ph.tie_breakers]:
                used.update(ex.names(o.node))
        for s in plan.scores.values():
            for p in s.parts:
                used.update(ex.names(p.node))
        for name in self.spec.params:
            where = self._param_loc(name)
            if name not in used and where.file == plan.path:   # not a base file's params
                self.found.append(Problem(
                    Location(where.file, where.line, where.column, name),
                    f"param '{name}' is declared but no rule, score or ordering uses it",
                    "remove it, or check its spelling against where it is meant to be used"))

    def run(self) -> list[Problem]:
        for r in self.plan.eligibility:
            self.rule(r)
        for ph in self.plan.phases:
            for r in ph.filters:
                self.rule(r)
        self.unused_params()
        return self.found


def _walk(node):
    yield node
    for v in vars(node).values():
        if isinstance(v, ex.Node):
            yield from _walk(v)
        elif isinstance(v, list):
            for x in v:
                if isinstance(x, ex.Node):
                    yield from _walk(x)


def lint(plan, spec, overrides_raw: dict[str, str] | None = None) -> list[Problem]:
    """Every suspicious literal and unused param of a compiled screen (see module doc)."""
    return Linter(plan, spec, overrides_raw).run()
