"""Evaluate a compiled expression over whole columns at once (no per-ticker loop).

Values: numbers are float64 numpy arrays (NaN = missing), text is a casefolded pandas string
Series (NA = missing; text comparisons ignore case and surrounding spaces), conditions are
``Tri(value, known)`` pairs of boolean arrays: three-valued logic as in SQL. A comparison with a
missing value is *unknown*; ``unknown and false`` is false, ``unknown or true`` is true. A name
passes a rule only when the rule is known true; names removed while unknown are counted as
removed *because of missing data* in attrition.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from screener.metrics.catalog import IDENTITY_COLUMNS, MEMBERSHIP_PREFIX
from screener.rules import expressions as ex
from screener.rules.functions import ARITHMETIC, COMPARISONS, FUNCTIONS


@dataclass
class Tri:
    value: np.ndarray   # bool: true where known and true
    known: np.ndarray   # bool

    @property
    def passed(self) -> np.ndarray:
        return self.value & self.known


class Ctx:
    """Columns of one set of rows (universe or eligible names), fetched lazily and cached."""

    def __init__(self, frame: pd.DataFrame, params: dict, scores: dict | None = None):
        self.frame = frame
        self.n = len(frame)
        self.params = params
        self.scores: dict[str, np.ndarray] = scores if scores is not None else {}
        self.cache: dict[str, object] = {}

    def column(self, name: str):
        if name in self.scores:
            return self.scores[name]
        if name in self.params:
            v = self.params[name]
            return np.float64(v) if isinstance(v, int | float) else _fold_scalar(str(v))
        if name in self.cache:
            return self.cache[name]
        if name not in self.frame.columns:
            out = np.full(self.n, np.nan)
            if name in IDENTITY_COLUMNS:
                out = pd.Series(pd.NA, index=self.frame.index, dtype="string")
            elif name.startswith(MEMBERSHIP_PREFIX):
                out = Tri(np.zeros(self.n, bool), np.ones(self.n, bool))
        elif name in IDENTITY_COLUMNS:
            out = self.frame[name].astype("string").str.strip().str.casefold()
        elif name.startswith(MEMBERSHIP_PREFIX):
            col = self.frame[name].fillna(False).astype(bool).to_numpy()
            out = Tri(col, np.ones(self.n, bool))
        else:
            out = self.frame[name].to_numpy(dtype="float64", na_value=np.nan)
        self.cache[name] = out
        return out


def _fold_scalar(s: str) -> str:
    return s.strip().casefold()


def _is_text(v) -> bool:
    return isinstance(v, pd.Series | str)


def _nums(ctx: Ctx, v) -> np.ndarray:
    return np.broadcast_to(np.asarray(v, dtype="float64"), (ctx.n,))


def _text_eq(a, b) -> Tri:
    sa = a if isinstance(a, pd.Series) else b
    other = b if sa is a else a
    if isinstance(other, pd.Series):
        eq = sa.reset_index(drop=True) == other.reset_index(drop=True)
        known = ~(sa.isna().to_numpy() | other.isna().to_numpy())
    else:
        eq = sa == other
        known = ~sa.isna().to_numpy()
    return Tri(eq.fillna(False).to_numpy(dtype=bool), known)


def evaluate(node: ex.Node, ctx: Ctx):
    meth = _DISPATCH[type(node)]
    return meth(node, ctx)


def as_tri(node: ex.Node, ctx: Ctx) -> Tri:
    v = evaluate(node, ctx)
    return Tri(np.broadcast_to(v.value, (ctx.n,)), np.broadcast_to(v.known, (ctx.n,)))


def as_num(node: ex.Node, ctx: Ctx) -> np.ndarray:
    return _nums(ctx, evaluate(node, ctx))


def _num(n, ctx):
    return np.float64(n.value)


def _str(n, ctx):
    return _fold_scalar(n.value)


def _bool(n, ctx):
    return Tri(np.full(ctx.n, n.value), np.ones(ctx.n, bool))


def _name(n, ctx):
    return ctx.column(n.id)


def _call(n, ctx):
    args = [_nums(ctx, evaluate(a, ctx)) for a in n.args]
    return FUNCTIONS[n.fn].fn(*args)


def _unary(n, ctx):
    return -_nums(ctx, evaluate(n.operand, ctx))


def _binop(n, ctx):
    return ARITHMETIC[n.op](_nums(ctx, evaluate(n.left, ctx)), _nums(ctx, evaluate(n.right, ctx)))


def _compare(n, ctx):
    a, b = evaluate(n.left, ctx), evaluate(n.right, ctx)
    if _is_text(a) or _is_text(b):
        t = _text_eq(a, b)
        return t if n.op == "==" else Tri(~t.value & t.known, t.known)
    a, b = _nums(ctx, a), _nums(ctx, b)
    known = ~(np.isnan(a) | np.isnan(b))
    with np.errstate(invalid="ignore"):
        return Tri(COMPARISONS[n.op][0](a, b) & known, known)


def _between(n, ctx):
    x, lo, hi = (_nums(ctx, evaluate(v, ctx)) for v in (n.subject, n.low, n.high))
    known = ~(np.isnan(x) | np.isnan(lo) | np.isnan(hi))
    with np.errstate(invalid="ignore"):
        inside = (x >= lo) & (x <= hi)
    return Tri((~inside if n.negate else inside) & known, known)


def _inlist(n, ctx):
    x = evaluate(n.subject, ctx)
    if _is_text(x):
        s = x if isinstance(x, pd.Series) else pd.Series([x] * ctx.n, dtype="string")
        items = [_fold_scalar(str(i.value)) for i in n.items]
        hit = s.isin(items).fillna(False).to_numpy(dtype=bool)
        known = ~s.isna().to_numpy()
    else:
        x = _nums(ctx, x)
        hit = np.isin(x, [float(i.value) for i in n.items])
        known = ~np.isnan(x)
    return Tri((~hit if n.negate else hit) & known, known)


def _ismissing(n, ctx):
    x = evaluate(n.subject, ctx)
    if isinstance(x, Tri):
        miss = ~x.known
    elif isinstance(x, pd.Series):
        miss = x.isna().to_numpy()
    elif isinstance(x, str):
        miss = np.zeros(ctx.n, bool)
    else:
        miss = np.isnan(_nums(ctx, x))
    miss = np.broadcast_to(miss, (ctx.n,))
    return Tri(~miss if n.negate else miss.copy(), np.ones(ctx.n, bool))


def _boolop(n, ctx):
    a, b = as_tri(n.left, ctx), as_tri(n.right, ctx)
    at, bt = a.value & a.known, b.value & b.known
    af, bf = ~a.value & a.known, ~b.value & b.known
    if n.op == "and":
        return Tri(at & bt, (a.known & b.known) | af | bf)
    return Tri(at | bt, (a.known & b.known) | at | bt)


def _not(n, ctx):
    a = as_tri(n.operand, ctx)
    return Tri(~a.value & a.known, a.known)


_DISPATCH = {
    ex.Num: _num, ex.Str: _str, ex.BoolConst: _bool, ex.Name: _name, ex.Call: _call,
    ex.Unary: _unary, ex.BinOp: _binop, ex.Compare: _compare, ex.Between: _between,
    ex.InList: _inlist, ex.IsMissing: _ismissing, ex.BoolOp: _boolop, ex.Not: _not,
}


def subject_value(node: ex.Node, ctx: Ctx):
    """What a rule looks at, for explain: the left side of a comparison, else None."""
    if isinstance(node, ex.Compare | ex.Between | ex.InList | ex.IsMissing):
        sub = node.left if isinstance(node, ex.Compare) else node.subject
        if isinstance(sub, ex.Name) and sub.id in IDENTITY_COLUMNS and sub.id in ctx.frame:
            return ctx.frame[sub.id].to_numpy(dtype=object, na_value=None)
        v = evaluate(sub, ctx)
        if isinstance(v, Tri):
            return v.value
        if isinstance(v, pd.Series):
            return v.to_numpy(dtype=object, na_value=None)
        if isinstance(v, str):
            return np.full(ctx.n, v, dtype=object)
        return _nums(ctx, v)
    if isinstance(node, ex.Name):
        v = evaluate(node, ctx)
        return v.value if isinstance(v, Tri) else None
    return None
