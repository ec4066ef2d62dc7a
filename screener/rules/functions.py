"""The whitelist: functions and operators the language knows, each a one-line vectorised numpy
function over whole columns (pandera's builtin-checks registry is the model).

Every function takes and returns float64 arrays; NaN in means NaN out (missing stays missing),
except ``coalesce`` whose job is to fill it. Undefined results (log of a non-positive number,
division by zero) are NaN, never inf: a rule on them fails and is counted as missing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from screener.lazy import lazy

if TYPE_CHECKING:
    import numpy as np
else:  # numpy, imported when a screen is evaluated (compiling one needs no numpy)
    np = lazy("numpy")


def _ufunc(name: str) -> Callable:
    return lambda *args, **kwargs: getattr(np, name)(*args, **kwargs)


@dataclass(frozen=True)
class Function:
    name: str
    min_args: int
    max_args: int | None
    fn: Callable[..., np.ndarray]
    doc: str


def _finite(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype="float64")
    return np.where(np.isfinite(a), a, np.nan)


def _log(x, base=None):
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log(np.where(x > 0, x, np.nan))
        if base is not None:
            out = out / np.log(np.where(base > 0, base, np.nan))
    return _finite(out)


def _nanreduce(fn):
    def run(*args):
        stack = np.vstack(np.broadcast_arrays(*args))
        bad = np.isnan(stack).any(axis=0)
        return np.where(bad, np.nan, fn(stack, axis=0))
    return run


def _clip(x, lo, hi):
    return np.where(np.isnan(x), np.nan, np.minimum(np.maximum(x, lo), hi))


def _coalesce(*args):
    out = np.array(args[0], dtype="float64", copy=True)
    for a in args[1:]:
        out = np.where(np.isnan(out), a, out)
    return out


def _sqrt(x):
    with np.errstate(invalid="ignore"):
        return np.sqrt(np.where(x >= 0, x, np.nan))


FUNCTIONS: dict[str, Function] = {f.name: f for f in [
    Function("abs", 1, 1, _ufunc("abs"), "abs(x): absolute value"),
    Function("min", 2, None, _nanreduce(_ufunc("min")), "min(a, b, ...): smallest (missing if any is)"),
    Function("max", 2, None, _nanreduce(_ufunc("max")), "max(a, b, ...): largest (missing if any is)"),
    Function("log", 1, 2, _log, "log(x) natural log; log(x, base); missing when x <= 0"),
    Function("log10", 1, 1, lambda x: _log(x, np.float64(10.0)), "log10(x); missing when x <= 0"),
    Function("sqrt", 1, 1, _sqrt, "sqrt(x); missing when x < 0"),
    Function("clip", 3, 3, _clip, "clip(x, low, high): x limited to [low, high]"),
    Function("coalesce", 2, None, _coalesce,
             "coalesce(x, y, ...): first value that is not missing, e.g. coalesce(beta, 1)"),
]}


def _div(a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        return _finite(np.divide(a, b))


def _pow(a, b):
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return _finite(np.power(a, b))


ARITHMETIC: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "+": lambda a, b: _finite(a + b),
    "-": lambda a, b: _finite(a - b),
    "*": lambda a, b: _finite(a * b),
    "/": _div,
    "^": _pow,
}

COMPARISONS: dict[str, tuple[Callable, str]] = {
    "<": (_ufunc("less"), "less than"),
    "<=": (_ufunc("less_equal"), "at most"),
    ">": (_ufunc("greater"), "greater than"),
    ">=": (_ufunc("greater_equal"), "at least"),
    "==": (_ufunc("equal"), "equal to"),
    "!=": (_ufunc("not_equal"), "not equal to"),
}

# structured form {metric: x, op: ..., value: ...}: op -> expression template
STRUCTURED_OPS: dict[str, str] = {
    "<": "{m} < {v}", "<=": "{m} <= {v}", ">": "{m} > {v}", ">=": "{m} >= {v}",
    "==": "{m} == {v}", "=": "{m} == {v}", "!=": "{m} != {v}",
    "between": "{m} between {lo} and {hi}", "not_between": "{m} not between {lo} and {hi}",
    "in": "{m} in [{items}]", "not_in": "{m} not in [{items}]",
    "is_missing": "{m} is missing", "is_not_missing": "{m} is not missing",
}
