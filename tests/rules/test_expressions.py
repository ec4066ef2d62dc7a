"""The filter language: precedence, literals, constructs, and what is refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from screener.rules import expressions as ex
from screener.rules.evaluator import Ctx, as_num, as_tri


def num(text: str) -> float:
    node = ex.parse(text)
    assert isinstance(node, ex.Num), node
    return node.value


@pytest.mark.parametrize("text,value", [
    ("300M", 300e6), ("2B", 2e9), ("1.5K", 1500.0), ("5%", 0.05), ("2.5%", 0.025),
    ("1T", 1e12), ("10m", 10e6), ("1_000", 1000.0), ("-3", -3.0), ("1e3", 1000.0),
])
def test_number_literals_with_suffixes(text, value):
    assert num(text) == pytest.approx(value)


def test_precedence_of_arithmetic_and_logic():
    assert ex.unparse(ex.parse("a + b * c")) == "(a + (b * c))"
    assert ex.unparse(ex.parse("-a ^ 2")) == "-(a ^ 2)"
    node = ex.parse("a > 1 or b > 2 and c > 3")
    assert isinstance(node, ex.BoolOp) and node.op == "or"
    assert isinstance(node.right, ex.BoolOp) and node.right.op == "and"
    assert ex.unparse(ex.parse("not a > 1 and b < 2")) == "(not a > 1 and b < 2)"


def test_between_binds_before_and():
    node = ex.parse("market_cap between 300M and 10B and roic > 0")
    assert isinstance(node, ex.BoolOp) and node.op == "and"
    assert isinstance(node.left, ex.Between)
    assert node.left.low.value == 300e6 and node.left.high.value == 10e9


def test_in_list_takes_bare_words_with_spaces():
    node = ex.parse("sector not in [Financials, Real Estate, 'Health Care']")
    assert isinstance(node, ex.InList) and node.negate
    assert [i.value for i in node.items] == ["Financials", "Real Estate", "Health Care"]


def test_is_missing_and_functions_parse():
    assert isinstance(ex.parse("short_interest is not missing"), ex.IsMissing)
    node = ex.parse("max(abs(a), log(b, 10)) > 1")
    assert isinstance(node.left, ex.Call) and node.left.fn == "max"


@pytest.mark.parametrize("text,fragment", [
    ("roic.__class__ > 0", "unexpected character '.'"),
    ("__import__('os')", "'__import__' is not allowed"),
    ("lambda: 1", "'lambda' is not allowed"),
    ("a[0] > 1", "indexing is not allowed"),
    ("a && b", "unexpected character '&'"),
    ("1 < a < 2", "unexpected '<'"),
    ("a >", "ends too early"),
    ("a between 1 2", "expected 'and'"),
    ("sector in [a, b", "not closed"),
    ("(a > 1", "expected ')'"),
    ("3xyz > 1", "is not a number"),
    ("a > 1e999", "too large"),
    ("", "empty"),
    ("a % b", "no modulo"),
])
def test_refused_constructs(text, fragment):
    with pytest.raises(ex.ParseError) as e:
        ex.parse(text)
    assert fragment in (e.value.message + " " + (e.value.hint or ""))


def test_error_column_points_at_offending_token():
    with pytest.raises(ex.ParseError) as e:
        ex.parse("roic > 0 and beta >> 1")
    assert e.value.column == 18


def _ctx(**cols):
    f = pd.DataFrame(cols, index=[f"T{i}" for i in range(len(next(iter(cols.values()))))])
    return Ctx(f, {})


def test_three_valued_logic_with_missing_values():
    ctx = _ctx(a=[1.0, np.nan, np.nan, 5.0], b=[1.0, 1.0, 9.0, np.nan])
    r = as_tri(ex.parse("a > 2 or b > 2"), ctx)
    assert r.passed.tolist() == [False, False, True, True]
    assert r.known.tolist() == [True, False, True, True]
    r = as_tri(ex.parse("a > 2 and b > 2"), ctx)
    assert r.passed.tolist() == [False, False, False, False]
    assert r.known.tolist() == [True, True, False, False]   # false and unknown = false
    r = as_tri(ex.parse("a is missing"), ctx)
    assert r.passed.tolist() == [False, True, True, False]


def test_arithmetic_division_by_zero_is_missing_and_functions_vectorised():
    ctx = _ctx(a=[1.0, 2.0, -4.0], b=[0.0, 4.0, 2.0])
    assert np.isnan(as_num(ex.parse("a / b"), ctx)[0])
    assert as_num(ex.parse("a / b"), ctx)[1:].tolist() == [0.5, -2.0]
    assert as_num(ex.parse("abs(a) + max(a, b)"), ctx).tolist() == [2.0, 6.0, 6.0]
    logs = as_num(ex.parse("log(a)"), ctx)
    assert np.isnan(logs[2]) and logs[0] == 0.0
    assert as_num(ex.parse("coalesce(a / b, 7)"), ctx).tolist() == [7.0, 0.5, -2.0]


def test_text_comparisons_ignore_case_and_spaces():
    f = pd.DataFrame({"sector": ["Energy", "financials ", None]}, index=["A", "B", "C"])
    f["sector"] = f["sector"].astype("string")
    ctx = Ctx(f, {})
    r = as_tri(ex.parse("sector not in [Financials, Real Estate]"), ctx)
    assert r.passed.tolist() == [True, False, False]
    assert r.known.tolist() == [True, True, False]
    assert as_tri(ex.parse("sector == 'ENERGY'"), ctx).passed.tolist() == [True, False, False]


def test_parse_literal_for_params():
    assert ex.parse_literal("300M") == 300e6
    assert ex.parse_literal("5%") == 0.05
    assert ex.parse_literal("-2") == -2.0
    assert ex.parse_literal("Energy") == "Energy"
