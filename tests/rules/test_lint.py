"""Screens that are valid but almost surely not meant: units, sector names, params (issue 11)."""

import pandas as pd
import pytest
from click.testing import CliRunner

from screener.cli import cli
from screener.errors import ConfigError
from screener.universe.sectors import to_gics, with_gics_sector

BASE = """
universes: [sample]
params:
  min_cap: {cap}
eligibility:
  - market_cap >= min_cap
{rules}
scores:
  quality:
    parts: [roic, gross_margin]
phases:
  p:
    title: P
    filters: [{filters}]
    rank_by: quality
"""


def _yaml(cap="300M", rules="", filters=""):
    return BASE.format(cap=cap, rules=rules, filters=filters)


def messages(plan):
    return [f"{p.location.line}: {p.message} -> {p.hint}" for p in plan.lint]


def test_a_clean_screen_has_no_warnings(screen):
    assert screen(_yaml(rules="  - roic >= 8%", filters='"quality >= 60"')).lint == []


def test_fraction_compared_with_a_whole_number_suggests_the_percentage(screen):
    got = messages(screen(_yaml(rules="  - roic >= 8")))
    assert len(got) == 1
    assert got[0].startswith("7: 'roic' is a fraction")
    assert "did you mean 8% (0.08)?" in got[0]


def test_score_compared_with_a_percentage_suggests_the_0_100_value(screen):
    got = messages(screen(_yaml(filters='"quality >= 60%"')))
    assert len(got) == 1 and "0-100 score" in got[0] and "did you mean 60?" in got[0]


def test_usd_param_without_suffix_points_at_the_param_line(screen):
    got = messages(screen(_yaml(cap="300")))
    assert len(got) == 1
    assert got[0].startswith("4: param 'min_cap' is compared with 'market_cap'")
    assert "did you mean 300M?" in got[0]


def test_set_override_with_a_unit_slip_is_flagged(screen):
    got = messages(screen(_yaml(), overrides={"min_cap": "250"}))
    assert any("did you mean 250M?" in m for m in got)


def test_vendor_sector_names_point_to_gics(screen):
    plan = screen(_yaml(rules="  - sector in [Technology, Healthcare, Energy]"))
    got = messages(plan)
    assert len(got) == 2
    assert 'write "Information Technology"' in got[0]
    assert 'write "Health Care"' in got[1]


def test_misspelt_industry_gets_did_you_mean(screen):
    got = messages(screen(_yaml(rules='  - industry == "Biotech"')))
    assert got and "did you mean 'Biotechnology'?" in got[0]


def test_misspelt_param_declaration_points_at_the_declaration(screen):
    text = _yaml(filters='"net_debt_to_ebitda < max_leverage"').replace(
        "params:\n", "params:\n  max_leverge: 3\n")
    with pytest.raises(ConfigError) as err:
        screen(text)
    msg = str(err.value)
    assert "unknown name 'max_leverage'" in msg
    assert "rename it under params: to 'max_leverage'" in msg


def test_declared_but_unused_param_is_flagged(screen):
    text = _yaml().replace("params:\n", "params:\n  spare: 2\n")
    got = messages(screen(text))
    assert got == [("4: param 'spare' is declared but no rule, score or ordering uses it -> "
                    "remove it, or check its spelling against where it is meant to be used")]


def test_validate_warns_and_strict_fails(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(_yaml(rules="  - roic >= 8"))
    runner = CliRunner()
    ok = runner.invoke(cli, ["validate", str(path)])
    assert ok.exit_code == 0
    assert "Warning:" in ok.output and "did you mean 8% (0.08)?" in ok.output
    strict = runner.invoke(cli, ["validate", str(path), "--strict"])
    assert strict.exit_code == 2
    assert "did you mean 8% (0.08)?" in strict.output and "Traceback" not in strict.output


def test_run_strict_stops_before_any_data(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(_yaml(cap="300"))
    out = CliRunner().invoke(cli, ["run", str(path), "--provider", "sample", "--strict"])
    assert out.exit_code == 2
    assert "did you mean 300M?" in out.output


def test_vendor_sectors_map_to_gics_and_keep_the_original():
    s = pd.Series(["Technology", "Healthcare", "Financial Services", "Consumer Cyclical",
                   "Financial", "Information Technology", "Crypto", None], dtype="string")
    assert list(to_gics(s).fillna("-")) == [
        "Information Technology", "Health Care", "Financials", "Consumer Discretionary",
        "Financials", "Information Technology", "Crypto", "-"]
    f = with_gics_sector(pd.DataFrame({"sector": s}))
    assert f["sector_original"].iloc[0] == "Technology"
    assert with_gics_sector(f)["sector_original"].iloc[0] == "Technology"


def test_imported_universe_with_yahoo_sectors_filters_on_gics(tmp_path, monkeypatch):
    from screener.universe.combine import Members
    m = Members.of("u", "2026-01-01", pd.DataFrame(
        {"name": ["A", "B"], "sector": ["Technology", "Healthcare"]},
        index=pd.Index(["AAA", "BBB"], name="ticker")))
    assert list(m.frame["sector"]) == ["Information Technology", "Health Care"]
    assert list(m.frame["sector_original"]) == ["Technology", "Healthcare"]


def test_tie_breakers_and_rank_by_default_to_the_metrics_better_direction(screen):
    from screener.rules import evaluate
    from tests.rules.conftest import make_frame

    plan = screen("""
        universes: [russell2000]
        phases:
          cheap:
            title: Cheap
            rank_by: pe
            tie_breakers: [net_debt_to_ebitda, roic]
          cheap_desc:
            title: Cheap, explicit
            rank_by: pe
            order: descending
    """)
    ph = {p.id: p for p in plan.phases}
    assert ph["cheap"].rank_by.ascending is True              # lower P/E is better
    assert [t.ascending for t in ph["cheap"].tie_breakers] == [True, False]
    assert ph["cheap_desc"].rank_by.ascending is False        # an explicit order wins
    frame = make_frame({"A": {"pe": 30.0}, "B": {"pe": 8.0}, "C": {"pe": 15.0}})
    table = evaluate(plan, frame).phases[0].table
    assert list(table["ticker"]) == ["B", "C", "A"]
