"""extends, params and --set overrides; structured rules; schema output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from screener.cli import cli
from screener.errors import ConfigError
from screener.rules import compile_screen, load_screen

from .conftest import KNOWN

REPO = Path(__file__).resolve().parents[2]
BASE = """\
universes: [russell2000]
params: {max_lev: 3, min_cap: 300M}
eligibility:
  - market_cap >= min_cap
scores:
  q: {parts: [roic]}
phases:
  a: {title: A, filters: [net_debt_to_ebitda < max_lev], rank_by: q}
  b: {title: B, rank_by: market_cap}
"""


def test_params_are_parsed_with_suffixes(write):
    spec = load_screen(write(BASE, "base.yaml"))
    assert spec.params == {"max_lev": 3, "min_cap": 300e6}


def test_extends_merges_params_scores_phases(write):
    write(BASE, "base.yaml")
    child = write("""\
        extends: base.yaml
        params: {max_lev: 2}
        phases:
          b: null
          c: {title: C, rank_by: q, top: 5}
        """, "child.yaml")
    plan = compile_screen(child, known_universes=KNOWN)
    assert plan.params == {"max_lev": 2, "min_cap": 300e6}
    assert [p.id for p in plan.phases] == ["a", "c"]
    assert plan.universes == ["russell2000"]
    assert [r.text for r in plan.eligibility] == ["market_cap >= min_cap"]


def test_errors_in_a_base_file_name_the_base_file(write):
    write(BASE.replace("rank_by: q}", "rank_by: qq}"), "base.yaml")
    child = write("extends: base.yaml\nparams: {max_lev: 2}\n", "child.yaml")
    with pytest.raises(ConfigError) as e:
        compile_screen(child, known_universes=KNOWN)
    assert e.value.problems[0].location.file.endswith("base.yaml")
    assert e.value.problems[0].location.line == 8


def test_extends_cycle_and_missing_base(write):
    write("extends: b.yaml\n", "a.yaml")
    write("extends: a.yaml\n", "b.yaml")
    with pytest.raises(ConfigError, match="cycle"):
        load_screen(write("extends: a.yaml\n", "c.yaml").parent / "a.yaml")
    with pytest.raises(ConfigError, match="not found"):
        load_screen(write("extends: nope.yaml\n", "d.yaml"))


def test_set_overrides_params_and_rejects_unknown(write):
    path = write(BASE)
    plan = compile_screen(path, known_universes=KNOWN, overrides={"max_lev": "2.5",
                                                                 "min_cap": "1B"})
    assert plan.params == {"max_lev": 2.5, "min_cap": 1e9}
    with pytest.raises(ConfigError) as e:
        compile_screen(path, known_universes=KNOWN, overrides={"max_leverage": "2"})
    assert "did you mean 'max_lev'" in str(e.value)


def test_set_through_the_cli(write, monkeypatch):
    monkeypatch.setattr("screener.rules.compile.default_universes", lambda: KNOWN)
    path = write(BASE)
    r = CliRunner().invoke(cli, ["validate", str(path), "--set", "max_lev=2.5"])
    assert r.exit_code == 0, r.output
    assert "max_lev=2.5" in r.output and "min_cap=300M" in r.output
    r = CliRunner().invoke(cli, ["validate", str(path), "--set", "oops"])
    assert r.exit_code == 2 and "NAME=VALUE" in r.output


def test_text_param_compared_to_number_is_a_type_error(write):
    path = write(BASE.replace("max_lev: 3", "max_lev: three"))
    with pytest.raises(ConfigError, match="cannot compare a number with text"):
        compile_screen(path, known_universes=KNOWN)


def test_structured_rules_compile_to_expressions(write):
    path = write("""\
        universes: [russell2000]
        phases:
          a:
            title: A
            filters:
              - {metric: beta, op: ">=", value: 1.2}
              - {metric: sector, op: not_in, value: [Financials, Real Estate]}
              - {metric: market_cap, op: between, value: [300M, 10B]}
              - {metric: short_interest, op: is_not_missing}
            rank_by: market_cap
        """)
    plan = compile_screen(path, known_universes=KNOWN)
    assert [r.text for r in plan.phases[0].filters] == [
        "beta >= 1.2", 'sector not in ["Financials", "Real Estate"]',
        "market_cap between 300M and 10B", "short_interest is not missing"]


def test_schema_is_json_and_accepts_the_default_playbook():
    import jsonschema
    r = CliRunner().invoke(cli, ["schema"])
    assert r.exit_code == 0
    schema = json.loads(r.output)
    for name in ["rebound.yaml", *[f"examples/{p.name}" for p in
                                   (REPO / "screens" / "examples").glob("*.yaml")]]:
        data = yaml.safe_load((REPO / "screens" / name).read_text())
        jsonschema.validate(data, schema)
    bad = yaml.safe_load("universes: [x]\nphases: {p: {title: P, rank_by: q, tresholds: 1}}")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


def test_shipped_schema_file_is_up_to_date():
    from screener.rules.schema import screen_json_schema_text
    shipped = (REPO / "screens" / "screen.schema.json").read_text()
    assert shipped == screen_json_schema_text(), \
        "regenerate: screener schema -o screens/screen.schema.json"
