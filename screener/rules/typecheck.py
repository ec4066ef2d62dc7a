"""Static checks of a parsed expression: every name is known, every operator gets the types it
takes (numbers, text, true/false), every function exists and gets the right number of args.

``check`` returns the type of the expression ("num", "text", "bool") or None after an error;
errors are collected in ``problems`` as ``(message, column, hint)`` so all of them are reported.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from screener.rules import expressions as ex
from screener.rules.functions import FUNCTIONS
from screener.rules.loader import did_you_mean

TYPE_WORD = {"num": "a number", "text": "text", "bool": "a true/false condition"}


@dataclass
class Env:
    """Every name an expression may use, with its type and kind."""

    types: dict[str, str]                      # name -> num | text | bool
    kinds: dict[str, str]                      # name -> metric | identity | membership | score | param
    params: dict[str, float | str] = field(default_factory=dict)
    allow_scores: bool = True


class Checker:
    def __init__(self, env: Env):
        self.env = env
        self.problems: list[tuple[str, int, str | None]] = []

    def err(self, msg: str, pos: int, hint: str | None = None) -> None:
        self.problems.append((msg, pos, hint))

    def check(self, node: ex.Node) -> str | None:
        meth = getattr(self, "_" + type(node).__name__)
        return meth(node)

    def _Num(self, n):
        return "num"

    def _Str(self, n):
        return "text"

    def _BoolConst(self, n):
        return "bool"

    def _Name(self, n: ex.Name):
        env = self.env
        if n.id in env.types:
            if env.kinds[n.id] == "score" and not env.allow_scores:
                self.err(f"score '{n.id}' cannot be used in eligibility rules", n.pos,
                         "scores are ranked over the eligible names; filter on them in a phase")
                return None
            return env.types[n.id]
        hint = did_you_mean(n.id, env.types)
        params = [k for k, v in env.kinds.items() if v == "param"]
        near = difflib.get_close_matches(n.id, params, n=1, cutoff=0.75)
        if near:   # the use is probably right and the declaration misspelt (max_leverge:)
            hint = (f"the screen declares the param '{near[0]}': if that declaration is "
                    f"misspelt, rename it under params: to '{n.id}'; else write "
                    f"'{near[0]}' here")
        if n.id.startswith("in_"):
            members = [k for k, v in env.kinds.items() if v == "membership"]
            hint = hint or ("membership columns of this screen: " + ", ".join(members))
        self.err(f"unknown name '{n.id}'", n.pos,
                 hint or "names are metric ids (screener metrics), scores, params, sector, "
                         "industry, name, exchange; quote text values")
        return None

    def _Call(self, n: ex.Call):
        fn = FUNCTIONS.get(n.fn)
        if fn is None:
            self.err(f"unknown function '{n.fn}'", n.pos,
                     did_you_mean(n.fn, FUNCTIONS) or "functions: " + ", ".join(FUNCTIONS))
            return None
        k = len(n.args)
        if k < fn.min_args or (fn.max_args is not None and k > fn.max_args):
            self.err(f"{n.fn}() takes {self._arity(fn)}, got {k}", n.pos, fn.doc)
        ok = True
        for a in n.args:
            ok &= self.need(a, "num", f"argument of {n.fn}()")
        return "num" if ok else None

    @staticmethod
    def _arity(fn) -> str:
        if fn.max_args is None:
            return f"at least {fn.min_args} arguments"
        if fn.min_args == fn.max_args:
            return f"{fn.min_args} argument" + ("s" if fn.min_args > 1 else "")
        return f"{fn.min_args} to {fn.max_args} arguments"

    def need(self, node: ex.Node, want: str, role: str) -> bool:
        got = self.check(node)
        if got is None:
            return False
        if got != want:
            self.err(f"{role} must be {TYPE_WORD[want]}, but '{ex.unparse(node)}' is "
                     f"{TYPE_WORD[got]}", node.pos, self._type_hint(node, got, want))
            return False
        return True

    def _type_hint(self, node, got, want) -> str | None:
        if got == "text" and want == "num":
            return "text columns (sector, industry, ...) compare with == or 'in [...]'"
        if got == "bool" and want == "num":
            return "membership columns are true/false: write 'in_sp600' or 'not in_sp600'"
        if got == "num" and want == "bool":
            return "a condition compares: metric > value"
        return None

    def _Unary(self, n):
        return "num" if self.need(n.operand, "num", "the operand of '-'") else None

    def _BinOp(self, n):
        a = self.need(n.left, "num", f"the left side of '{n.op}'")
        b = self.need(n.right, "num", f"the right side of '{n.op}'")
        return "num" if a and b else None

    def _Compare(self, n: ex.Compare):
        left, right = n.left, n.right
        lt = self.check(left) if not self._bare_word(left) else "word"
        rt = self.check(right) if not self._bare_word(right) else "word"
        if "word" in (lt, rt):
            other = lt if rt == "word" else rt
            word = right if rt == "word" else left
            if other == "text":
                self.err(f"unknown name '{word.id}'", word.pos,
                         f"quote text values: {ex.unparse(left if lt != 'word' else right)} "
                         f"{n.op} \"{word.id}\"")
                return None
            lt = self.check(left) if lt == "word" else lt
            rt = self.check(right) if rt == "word" else rt
        if lt is None or rt is None:
            return None
        if lt == "bool" or rt == "bool":
            self.err(f"'{n.op}' cannot compare a true/false condition", n.pos,
                     "membership columns are conditions already: write 'in_sp600' or "
                     "'not in_sp600'")
            return None
        if lt != rt:
            self.err(f"cannot compare {TYPE_WORD[lt]} with {TYPE_WORD[rt]}: "
                     f"'{ex.unparse(n)}'", n.pos,
                     "compare text with quoted text (sector == \"Energy\") and numbers with "
                     "numbers")
            return None
        if lt == "text" and n.op not in ("==", "!="):
            self.err(f"'{n.op}' does not apply to text", n.pos, "use ==, != or 'in [...]'")
            return None
        return "bool"

    def _bare_word(self, node) -> bool:
        return isinstance(node, ex.Name) and node.id not in self.env.types

    def _Between(self, n: ex.Between):
        ok = self.need(n.subject, "num", "the value before 'between'")
        ok &= self.need(n.low, "num", "the lower bound of 'between'")
        ok &= self.need(n.high, "num", "the upper bound of 'between'")
        if ok and isinstance(n.low, ex.Num) and isinstance(n.high, ex.Num) \
                and n.low.value > n.high.value:
            self.err(f"'between {ex.unparse(n.low)} and {ex.unparse(n.high)}': the lower bound is "
                     "above the upper bound", n.low.pos, "swap the two numbers")
            return None
        return "bool" if ok else None

    def _InList(self, n: ex.InList):
        st = self.check(n.subject)
        if st is None:
            return None
        if st == "bool":
            self.err("'in [...]' needs a number or text on its left", n.pos)
            return None
        bad = [i for i in n.items if (st == "num") != isinstance(i, ex.Num)]
        if bad:
            self.err(f"the list mixes {TYPE_WORD[st]} ('{ex.unparse(n.subject)}') with "
                     f"{'text' if st == 'num' else 'numbers'}: {ex.unparse(bad[0])}", bad[0].pos,
                     "put only values of the same kind in the list")
            return None
        return "bool"

    def _IsMissing(self, n: ex.IsMissing):
        st = self.check(n.subject)
        return "bool" if st is not None else None

    def _BoolOp(self, n: ex.BoolOp):
        a = self.need(n.left, "bool", f"each side of '{n.op}'")
        b = self.need(n.right, "bool", f"each side of '{n.op}'")
        return "bool" if a and b else None

    def _Not(self, n: ex.Not):
        return "bool" if self.need(n.operand, "bool", "the operand of 'not'") else None
