"""extends merges per key; the effective screen (extends + --set) is the run's identity."""

import textwrap

import yaml
from click.testing import CliRunner

from screener.cli import cli
from screener.rules import compile_screen

KNOWN = ["russell2000", "sp600", "sample"]

BASE = """
universes: [russell2000]
params:
  max_leverage: 3
  min_market_cap: 300M
eligibility: [market_cap >= min_market_cap]
scores:
  quality:
    parts: [roic, gross_margin]
    min_coverage: 0.5
phases:
  early:
    title: Early rebound
    filters: [beta >= 1.2, net_debt_to_ebitda < max_leverage]
    rank_by: quality
    tie_breakers: [short_interest]
    top: 50
  late:
    title: Late
    rank_by: quality
"""


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


def test_a_child_phase_changing_one_key_inherits_the_rest(tmp_path):
    _write(tmp_path, "base.yaml", BASE)
    child = _write(tmp_path, "child.yaml", """
        extends: base.yaml
        scores:
          quality: {min_coverage: 0.8}
        phases:
          early: {top: 10}
          late: null
    """)
    plan = compile_screen(child, known_universes=KNOWN)
    (early,) = plan.phases
    assert early.title == "Early rebound" and early.top == 10
    assert [f.text for f in early.filters] == ["beta >= 1.2", "net_debt_to_ebitda < max_leverage"]
    assert early.rank_by.text == "quality" and [t.text for t in early.tie_breakers] == \
        ["short_interest"]
    q = plan.scores["quality"]
    assert q.min_coverage == 0.8 and [p.ref for p in q.parts] == ["roic", "gross_margin"]


def test_a_child_list_replaces_the_base_list_and_errors_point_at_the_child(tmp_path):
    _write(tmp_path, "base.yaml", BASE)
    child = _write(tmp_path, "child.yaml", """
        extends: base.yaml
        phases:
          early:
            filters: [beta >= 1.5]
    """)
    plan = compile_screen(child, known_universes=KNOWN)
    assert [f.text for f in plan.phases[0].filters] == ["beta >= 1.5"]
    bad = _write(tmp_path, "bad.yaml", """
        extends: base.yaml
        phases:
          early:
            filters: [betta >= 1.5]
    """)
    out = CliRunner().invoke(cli, ["validate", str(bad)])
    assert out.exit_code == 2 and f"{bad}:5:" in out.output and "did you mean 'beta'" in out.output


def test_set_changes_the_identity_and_is_shown_with_its_source(tmp_path):
    base = _write(tmp_path, "base.yaml", BASE)
    plain = compile_screen(base, known_universes=KNOWN)
    moved = compile_screen(base, known_universes=KNOWN, overrides={"max_leverage": "2.5"})
    same = compile_screen(base, known_universes=KNOWN, overrides={"max_leverage": "3"})
    assert plain.effective_hash != moved.effective_hash
    assert same.effective_hash == plain.effective_hash   # the same screen, the same identity
    assert "#   max_leverage = 2.5 from --set max_leverage=2.5 (the screen says 3)" in \
        moved.effective_text
    body = yaml.safe_load(moved.effective_text)
    assert body["params"] == {"max_leverage": 2.5, "min_market_cap": 300_000_000}


def test_effective_text_is_a_screen_that_reproduces_the_run(tmp_path):
    _write(tmp_path, "base.yaml", BASE)
    child = _write(tmp_path, "child.yaml", "extends: base.yaml\nphases:\n  early: {top: 7}\n")
    plan = compile_screen(child, known_universes=KNOWN, overrides={"max_leverage": "2"})
    again = _write(tmp_path, "again.yaml", plan.effective_text)
    replay = compile_screen(again, known_universes=KNOWN)
    assert replay.effective_hash == plan.effective_hash
    assert plan.extends == [str((tmp_path / "base.yaml").resolve())]


def test_validate_show_merged_prints_the_merged_screen(tmp_path):
    _write(tmp_path, "base.yaml", BASE)
    child = _write(tmp_path, "child.yaml", "extends: base.yaml\nphases:\n  early: {top: 7}\n")
    out = CliRunner().invoke(cli, ["validate", str(child), "--show-merged",
                                   "--set", "max_leverage=2.5"])
    assert out.exit_code == 0, out.output
    body = yaml.safe_load(out.output)
    assert body["phases"]["early"]["title"] == "Early rebound"
    assert body["phases"]["early"]["top"] == 7
    assert body["params"]["max_leverage"] == 2.5
    assert "max_leverage = 2.5 from --set" in out.output and "# sha256 " in out.output
