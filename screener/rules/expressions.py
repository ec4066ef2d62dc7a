"""The filter language: a tokenizer and a precedence-climbing parser over a whitelist.

No ``eval``: the text is tokenized and parsed into the small AST below; anything outside the
grammar (attribute access, indexing, lambdas, ``__import__``, calls to unlisted functions) is a
``ParseError`` with the column of the offending token.

Grammar, loosest binding first::

    expr       := or_expr
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | comparison
    comparison := sum [ ("<"|"<="|">"|">="|"=="|"!="|"=") sum
                      | ["not"] "between" sum "and" sum
                      | ["not"] "in" "[" item ("," item)* "]"
                      | "is" ["not"] "missing" ]
    sum        := term (("+"|"-") term)*
    term       := unary (("*"|"/") unary)*
    unary      := "-" unary | "+" unary | power
    power      := atom ["^" unary]
    atom       := NUMBER | STRING | NAME | NAME "(" args ")" | "(" expr ")"

Numbers take a suffix K, M, B or T (thousand, million, billion, trillion) or % (5% = 0.05).
List items may be bare words with spaces (``[Financials, Real Estate]``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from screener.rules.expr_ast import (  # noqa: F401 - the AST is part of this module's API
    Between,
    BinOp,
    BoolConst,
    BoolOp,
    Call,
    Compare,
    InList,
    IsMissing,
    Name,
    Node,
    Not,
    Num,
    Str,
    Unary,
    names,
    unparse,
)

MAX_LEN = 2000
MAX_LITERAL = 1e18
SUFFIX = {"k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12, "%": 0.01}
KEYWORDS = {"and", "or", "not", "between", "in", "is", "missing", "true", "false"}
COMPARE = {"<", "<=", ">", ">=", "==", "!=", "="}


class ParseError(Exception):
    """A problem in one expression: ``column`` is 0-based within the expression text."""

    def __init__(self, message: str, column: int, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.column = column
        self.hint = hint



# -- tokenizer ----------------------------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<num>(?:\d[\d_]*\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(?P<suffix>[kKmMbBtT%])?)
  | (?P<str>"[^"]*"|'[^']*')
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op><=|>=|==|!=|\*\*|[<>=+\-*/^(),\[\]])
""", re.VERBOSE)


@dataclass
class Tok:
    kind: str  # num, str, name, op, end
    text: str
    pos: int
    value: object = None


def _number(text: str, suffix: str | None, pos: int) -> float:
    body = text[: -1] if suffix else text
    try:
        value = float(body.replace("_", ""))
    except ValueError:
        raise ParseError(f"{text!r} is not a number", pos) from None
    if suffix:
        value *= SUFFIX[suffix.lower()]
    if not math.isfinite(value) or abs(value) > MAX_LITERAL:
        raise ParseError(f"number {text!r} is too large", pos,
                         "use a suffix: 300M, 2B; numbers above 1e18 are not accepted")
    return value


def tokenize(text: str) -> list[Tok]:
    if len(text) > MAX_LEN:
        raise ParseError(f"expression is longer than {MAX_LEN} characters", 0)
    toks: list[Tok] = []
    i = 0
    while i < len(text):
        m = _TOKEN.match(text, i)
        if not m:
            ch = text[i]
            hint = None
            if ch == ".":
                hint = "attribute access is not allowed; metrics are plain names like roic"
            elif ch in "&|":
                hint = "write 'and' / 'or'"
            elif ch == "!":
                hint = "write 'not', or '!=' for 'not equal'"
            elif ch in "\"'":
                hint = "a quoted text is not closed"
            elif ch == "%":
                hint = "'%' follows a number (5% = 0.05); there is no modulo"
            raise ParseError(f"unexpected character {ch!r}", i, hint)
        kind = m.lastgroup if m.lastgroup != "suffix" else "num"
        if m.group("num") is not None:
            kind = "num"
            end = m.end()
            if end < len(text) and (text[end].isalnum() or text[end] == "_"):
                raise ParseError(f"{text[i:end + 1]!r} is not a number", i,
                                 "number suffixes are K, M, B, T and %; put a space before a name")
            toks.append(Tok("num", m.group(), i, _number(m.group(), m.group("suffix"), i)))
        elif kind == "str":
            toks.append(Tok("str", m.group(), i, m.group()[1:-1]))
        elif kind == "name":
            if m.group() == "lambda" or m.group().startswith("__"):
                raise ParseError(f"{m.group()!r} is not allowed", i,
                                 "expressions only use metrics, scores, params and numbers")
            toks.append(Tok("name", m.group(), i, m.group()))
        elif kind == "op":
            toks.append(Tok("op", m.group(), i))
        i = m.end()
    toks.append(Tok("end", "", len(text)))
    return toks


# -- parser -------------------------------------------------------------------------------------


class Parser:
    def __init__(self, text: str):
        self.text = text
        self.toks = tokenize(text)
        self.i = 0

    @property
    def tok(self) -> Tok:
        return self.toks[self.i]

    def peek(self, k: int = 1) -> Tok:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def is_kw(self, word: str, tok: Tok | None = None) -> bool:
        t = tok or self.tok
        return t.kind == "name" and t.text.lower() == word

    def is_op(self, op: str) -> bool:
        return self.tok.kind == "op" and self.tok.text == op

    def take(self) -> Tok:
        t = self.tok
        self.i += 1
        return t

    def expect_op(self, op: str, what: str) -> Tok:
        if not self.is_op(op):
            raise ParseError(f"expected {op!r} {what}, found {self.describe()}", self.tok.pos)
        return self.take()

    def describe(self, tok: Tok | None = None) -> str:
        t = tok or self.tok
        return "the end of the expression" if t.kind == "end" else repr(t.text)

    def parse(self) -> Node:
        if self.tok.kind == "end":
            raise ParseError("the expression is empty", 0)
        node = self.or_expr()
        if self.tok.kind != "end":
            t = self.tok
            hint = None
            if t.kind == "op" and t.text in COMPARE:
                hint = "comparisons do not chain; use 'x between a and b' or 'and'"
            elif t.kind in ("name", "num", "str"):
                hint = "join conditions with 'and' / 'or'; quote text with spaces"
            raise ParseError(f"unexpected {self.describe()}", t.pos, hint)
        return node

    def or_expr(self) -> Node:
        node = self.and_expr()
        while self.is_kw("or"):
            t = self.take()
            node = BoolOp("or", node, self.and_expr(), pos=t.pos)
        return node

    def and_expr(self) -> Node:
        node = self.not_expr()
        while self.is_kw("and"):
            t = self.take()
            node = BoolOp("and", node, self.not_expr(), pos=t.pos)
        return node

    def not_expr(self) -> Node:
        if self.is_kw("not"):
            t = self.take()
            return Not(self.not_expr(), pos=t.pos)
        return self.comparison()

    def comparison(self) -> Node:
        left = self.sum()
        t = self.tok
        if t.kind == "op" and t.text in COMPARE:
            self.take()
            op = "==" if t.text == "=" else t.text
            nxt = self.tok
            if nxt.kind == "op" and nxt.text in COMPARE and nxt.pos == t.pos + len(t.text):
                wrong = t.text + nxt.text
                fix = {"=>": ">=", "=<": "<=", "<>": "!=", "===": "=="}.get(wrong)
                raise ParseError(f"'{wrong}' is not an operator", t.pos,
                                 f"write '{fix}'" if fix else
                                 "operators: < <= > >= == != between, in, is missing")
            return Compare(op, left, self.sum(), pos=t.pos)
        negate = False
        if self.is_kw("not") and (self.is_kw("between", self.peek()) or self.is_kw("in", self.peek())):
            self.take()
            negate = True
        if self.is_kw("between"):
            self.take()
            low = self.sum()
            if not self.is_kw("and"):
                raise ParseError(f"expected 'and' in 'between ... and ...', found {self.describe()}",
                                 self.tok.pos, "write: market_cap between 300M and 10B")
            self.take()
            high = self.sum()
            return Between(left, low, high, negate, pos=t.pos)
        if self.is_kw("in"):
            self.take()
            return InList(left, self.items(), negate, pos=t.pos)
        if self.is_kw("is"):
            self.take()
            neg = False
            if self.is_kw("not"):
                self.take()
                neg = True
            if not self.is_kw("missing"):
                raise ParseError(f"expected 'missing' after 'is', found {self.describe()}",
                                 self.tok.pos, "write 'x is missing' or 'x is not missing'")
            self.take()
            return IsMissing(left, neg, pos=t.pos)
        if negate:
            raise ParseError("expected 'between' or 'in' after 'not'", self.tok.pos)
        return left

    def items(self) -> list:
        start = self.expect_op("[", "to open the list after 'in'")
        items: list = []
        while True:
            group: list[Tok] = []
            while not (self.is_op(",") or self.is_op("]")):
                if self.tok.kind == "end":
                    raise ParseError("the list is not closed with ']'", start.pos)
                if self.is_op("["):
                    raise ParseError("lists cannot be nested", self.tok.pos)
                group.append(self.take())
            if not group:
                raise ParseError("empty item in the list", self.tok.pos,
                                 "write: sector in [Financials, Real Estate]")
            if len(group) == 1 and group[0].kind in ("num", "str"):
                g = group[0]
                items.append(Num(g.value, pos=g.pos) if g.kind == "num" else Str(g.value, pos=g.pos))
            elif len(group) == 2 and group[0].text == "-" and group[1].kind == "num":
                items.append(Num(-group[1].value, pos=group[0].pos))
            else:
                end = group[-1].pos + len(group[-1].text)
                items.append(Str(self.text[group[0].pos:end].strip(), pos=group[0].pos))
            if self.is_op("]"):
                self.take()
                return items
            self.take()  # ","

    def sum(self) -> Node:
        node = self.term()
        while self.tok.kind == "op" and self.tok.text in "+-":
            t = self.take()
            node = BinOp(t.text, node, self.term(), pos=t.pos)
        return node

    def term(self) -> Node:
        node = self.unary()
        while self.tok.kind == "op" and self.tok.text in ("*", "/"):
            t = self.take()
            node = BinOp(t.text, node, self.unary(), pos=t.pos)
        return node

    def unary(self) -> Node:
        if self.tok.kind == "op" and self.tok.text in "+-":
            t = self.take()
            operand = self.unary()
            if t.text == "+":
                return operand
            if isinstance(operand, Num):
                return Num(-operand.value, pos=t.pos)
            return Unary("-", operand, pos=t.pos)
        return self.power()

    def power(self) -> Node:
        node = self.atom()
        if self.tok.kind == "op" and self.tok.text in ("^", "**"):
            t = self.take()
            node = BinOp("^", node, self.unary(), pos=t.pos)
        return node

    def atom(self) -> Node:
        t = self.tok
        if t.kind == "num":
            self.take()
            return Num(t.value, pos=t.pos)
        if t.kind == "str":
            self.take()
            return Str(t.value, pos=t.pos)
        if t.kind == "name":
            low = t.text.lower()
            if low in ("true", "false"):
                self.take()
                return BoolConst(low == "true", pos=t.pos)
            if low in KEYWORDS:
                raise ParseError(f"{t.text!r} cannot start a value here", t.pos,
                                 "a condition reads: metric < value")
            if low == "lambda" or t.text.startswith("__"):
                raise ParseError(f"{t.text!r} is not allowed", t.pos,
                                 "expressions only use metrics, scores, params and numbers")
            self.take()
            if self.is_op("("):
                self.take()
                args: list = []
                if not self.is_op(")"):
                    args.append(self.or_expr())
                    while self.is_op(","):
                        self.take()
                        args.append(self.or_expr())
                self.expect_op(")", f"to close {t.text}(")
                return Call(t.text, args, pos=t.pos)
            if self.is_op("["):
                raise ParseError("indexing is not allowed", self.tok.pos,
                                 "for a list of values write: sector in [A, B]")
            return Name(t.text, pos=t.pos)
        if self.is_op("("):
            self.take()
            node = self.or_expr()
            self.expect_op(")", "to close '('")
            return node
        if t.kind == "op" and t.text == "[":
            raise ParseError("a list is only allowed after 'in'", t.pos,
                             "write: sector in [Financials, Real Estate]")
        if t.kind == "end":
            raise ParseError("the expression ends too early", t.pos, "a value is missing at the end")
        raise ParseError(f"unexpected {self.describe()}", t.pos)


MAX_DEPTH = 100
TOO_DEEP_HINT = "split it into simpler rules, or move a part into a score"


def parse(text: str) -> Node:
    """Parse one expression; raises ParseError with a 0-based column.

    Nesting is bounded (``MAX_DEPTH`` levels of parentheses, operators and 'not'), so that
    checking and evaluating an expression can never exhaust Python's recursion limit.
    """
    if not isinstance(text, str):
        raise ParseError("an expression must be text", 0)
    try:
        node = Parser(text).parse()
    except RecursionError:
        raise ParseError("the expression is nested too deeply", 0, TOO_DEEP_HINT) from None
    if depth(node) > MAX_DEPTH:
        raise ParseError(f"the expression is nested more than {MAX_DEPTH} levels deep", 0,
                         TOO_DEEP_HINT)
    return node


def depth(node: Node) -> int:
    """Levels of the expression tree, counted without recursion."""
    deepest, stack = 0, [(node, 1)]
    while stack:
        current, level = stack.pop()
        deepest = max(deepest, level)
        for value in vars(current).values():
            children = value if isinstance(value, list) else [value]
            stack.extend((c, level + 1) for c in children if isinstance(c, Node))
    return deepest


def parse_literal(text: str) -> float | str:
    """A parameter value: a number with optional K/M/B/T/% suffix, else the text itself."""
    s = str(text).strip()
    try:
        toks = tokenize(s)
    except ParseError:
        return s
    if len(toks) == 2 and toks[0].kind == "num":
        return float(toks[0].value)
    if len(toks) == 3 and toks[0].text == "-" and toks[1].kind == "num":
        return -float(toks[1].value)
    if len(toks) == 2 and toks[0].kind == "str":
        return str(toks[0].value)
    return s
