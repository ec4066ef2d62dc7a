"""Broken screen files: each gives a ConfigError naming the file and line, and through the CLI
one message, exit status 2 and no traceback. validate lists every problem at once."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from screener.cli import cli
from screener.errors import ConfigError
from screener.rules import compile_screen

from .conftest import KNOWN

BAD = sorted((Path(__file__).parent / "bad_screens").glob("*.yaml"))
NO_LINE = {"07_empty.yaml", "08_binary.yaml"}   # whole-file problems have no line to name

# file -> a fragment the message must contain
EXPECTED = {
    "01_unknown_metric.yaml": "did you mean 'net_debt_to_ebitda'",
    "02_unknown_universe.yaml": "did you mean 'russell2000'",
    "03_tab_indent.yaml": "use spaces",
    "04_bad_operator.yaml": "write '>='",
    "05_score_cycle.yaml": "a -> b -> a",
    "06_huge_weight.yaml": "weight",
    "07_empty.yaml": "empty",
    "08_binary.yaml": "binary file",
    "09_python_tag.yaml": "python/object/apply:os.system' is not allowed",
    "10_duplicate_key.yaml": "duplicate key 'p'",
    "11_type_error_sector_number.yaml": "cannot compare text with a number",
    "12_rank_by_missing_score.yaml": "did you mean 'quality'",
    "13_unknown_key.yaml": "unknown key 'tresholds'",
    "14_attribute_access.yaml": "attribute access is not allowed",
    "15_dunder_import.yaml": "'__import__' is not allowed",
    "16_unknown_function.yaml": "unknown function 'exp'",
    "17_lambda.yaml": "unknown key 'lambda x'",
    "18_negative_weight.yaml": "greater than 0",
    "19_weight_not_number.yaml": "expected a number, got 'heavy'",
    "20_bad_missing_policy.yaml": "'ignore' is not allowed",
    "21_no_phases.yaml": "'phases' is required",
    "22_bad_yaml_syntax.yaml": "invalid YAML",
    "23_huge_literal.yaml": "too large",
    "24_top_not_integer.yaml": "valid integer",
    "25_between_reversed.yaml": "lower bound is above the upper bound",
    "26_chained_comparison.yaml": "comparisons do not chain",
    "27_self_cycle.yaml": "a -> a",
    "28_billion_laughs.yaml": "expands to more than",
    "29_eligibility_uses_score.yaml": "cannot be used in eligibility rules",
    "30_unquoted_text.yaml": 'quote text values: sector == "Energy"',
    "31_metric_without_direction.yaml": "better: higher or better: lower",
    "32_filter_not_condition.yaml": "expected a true/false condition",
    "33_list_not_mapping.yaml": "a screen file is a mapping",
    "34_nan_param.yaml": "not a finite number",
    "35_bad_suffix.yaml": "'300X' is not a number",
    "36_wrong_indentation.yaml": "'rank_by' is required",
    "37_not_utf8.yaml": "not UTF-8",
    "38_unknown_in_score_part.yaml": "unknown metric 'roe_ttm'",
}


def test_every_bad_screen_has_an_expectation():
    assert len(BAD) >= 30
    assert {p.name for p in BAD} == set(EXPECTED)


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.name)
def test_bad_screen_gives_config_error_with_location(path):
    with pytest.raises(ConfigError) as e:
        compile_screen(path, known_universes=KNOWN)
    msg = str(e.value)
    assert EXPECTED[path.name] in msg
    assert all(p.location.file == str(path) for p in e.value.problems)
    if path.name not in NO_LINE:
        assert all(p.location.line for p in e.value.problems), msg
        assert re.search(re.escape(str(path)) + r":\d+", msg)


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.name)
def test_cli_validate_exits_2_without_traceback(path, monkeypatch):
    monkeypatch.setattr("screener.rules.compile.default_universes", lambda: KNOWN)
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert EXPECTED[path.name] in result.output


def test_validate_lists_all_errors_at_once(tmp_path, monkeypatch):
    monkeypatch.setattr("screener.rules.compile.default_universes", lambda: KNOWN)
    p = tmp_path / "many.yaml"
    p.write_text(textwrap.dedent("""\
        universes: [russell2000, sp6000]
        scores:
          q:
            parts: [roicc]
        phases:
          a:
            title: A
            filters:
              - beta >= 1.2
              - sector > 3
              - market_cap > 300Q
            rank_by: qq
          b:
            title: B
            rank_by: market_cap
            top: -1
        """))
    result = CliRunner().invoke(cli, ["validate", str(p)])
    assert result.exit_code == 2
    out = result.output
    for where, fragment in [(":1:", "unknown universe 'sp6000'"), (":4:", "unknown metric 'roicc'"),
                            (":10:", "cannot compare text with a number"),
                            (":11:", "'300Q' is not a number"), (":12:", "unknown name 'qq'"),
                            (":16:", "greater than or equal to 1")]:
        assert fragment in out
        assert any(where in line and fragment in line for line in out.splitlines()), fragment
    assert "problems in" in out


def test_column_points_into_the_expression(tmp_path):
    p = tmp_path / "col.yaml"
    p.write_text("universes: [russell2000]\nphases:\n  p:\n    title: P\n    filters:\n"
                 "      - roic > 0 and betta > 1\n    rank_by: market_cap\n")
    with pytest.raises(ConfigError) as e:
        compile_screen(p, known_universes=KNOWN)
    loc = e.value.problems[0].location
    assert (loc.line, loc.column) == (6, 22)   # the 'b' of betta
    assert loc.text == "roic > 0 and betta > 1"


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        compile_screen(tmp_path / "nope.yaml", known_universes=KNOWN)
    with pytest.raises(ConfigError, match="folder"):
        compile_screen(tmp_path, known_universes=KNOWN)


def test_oversized_file_is_refused(tmp_path):
    p = tmp_path / "big.yaml"
    p.write_text("# " + "x" * 1_100_000 + "\n")
    with pytest.raises(ConfigError, match="too large"):
        compile_screen(p, known_universes=KNOWN)
