"""The regime: section is validated like the phases: every problem with file:line:column."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from screener.errors import ConfigError
from screener.regime.config import load_regime
from screener.rules import compile_screen

BASE = """\
version: 1
universes: [russell2000]
phases:
  early_rebound: {title: Early, rank_by: market_cap}
  quality_recovery: {title: Quality, rank_by: market_cap}
regime:
  verdicts:
    junk: {title: Junk rally, phase: early_rebound}
    quality: {title: Quality-led, phase: quality_recovery}
  indicators:
    spreads:
      series: BAMLH0A0HYM2
      transform: change 3m
      rule: "< 0"
      votes: {junk: 2, quality: 1}
"""


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "s.yaml"
    p.write_text(textwrap.dedent(text))
    return p


def _problems(tmp_path, text) -> str:
    with pytest.raises(ConfigError) as info:
        load_regime(_write(tmp_path, text))
    return str(info.value)


def test_the_default_playbook_has_documented_rules():
    r = load_regime(Path(__file__).parents[2] / "screens" / "rebound.yaml")
    assert r.main == ["junk_rally", "quality_recovery", "defensive"]
    assert r.overlays == ["refi_stress"]
    assert len(r.indicators) >= 12
    assert all(len(i.why) > 40 for i in r.indicators)   # the reasoning behind each threshold
    phases = {p.id for p in compile_screen(
        Path(__file__).parents[2] / "screens" / "rebound.yaml").phases}
    assert {v.phase for v in r.verdicts.values()} <= phases


def test_a_valid_section_compiles(tmp_path):
    r = load_regime(_write(tmp_path, BASE))
    assert r.indicators[0].transform.text == "change 3m"
    assert r.indicators[0].rule.op == "<" and r.indicators[0].rule.value == 0.0
    compile_screen(_write(tmp_path, BASE))   # the screen itself accepts the section


def test_unknown_key_with_did_you_mean_and_location(tmp_path):
    msg = _problems(tmp_path, BASE.replace("      rule:", "      rules:"))
    assert "s.yaml:14:7: regime.indicators.spreads.rules: unknown key 'rules'" in msg
    assert "did you mean 'rule'" in msg


def test_unknown_series_names_the_catalog(tmp_path):
    msg = _problems(tmp_path, BASE.replace("BAMLH0A0HYM2", "BAMLH0A0HYM"))
    assert "s.yaml:12:15" in msg and "unknown series 'BAMLH0A0HYM'" in msg
    assert "did you mean 'BAMLH0A0HYM2'" in msg


def test_vote_for_a_verdict_that_does_not_exist(tmp_path):
    msg = _problems(tmp_path, BASE.replace("{junk: 2, quality: 1}", "{junk: 2, qualty: 1}"))
    assert "no verdict 'qualty'" in msg and "did you mean 'quality'" in msg
    assert "s.yaml:15:" in msg


def test_verdict_pointing_to_a_missing_phase(tmp_path):
    msg = _problems(tmp_path, BASE.replace("phase: quality_recovery", "phase: quality_recovry"))
    assert "s.yaml:9:" in msg and "no phase 'quality_recovry'" in msg
    assert "did you mean 'quality_recovery'" in msg


@pytest.mark.parametrize("old, new, want", [
    ('rule: "< 0"', 'rule: "less than 0"', "not a comparison like '< 4.5'"),
    ('rule: "< 0"', "rule: {op: between, value: [2, 1]}", "low < high"),
    ("transform: change 3m", "transform: change 3 months", "not like 10d"),
    ("{junk: 2, quality: 1}", "{junk: 0, quality: 0}", "every weight is 0"),
    ("{junk: 2, quality: 1}", "{junk: lots, quality: 1}", "expected a number"),
])
def test_bad_values_are_located(tmp_path, old, new, want):
    msg = _problems(tmp_path, BASE.replace(old, new))
    assert want in msg and "s.yaml:1" in msg


def test_several_problems_are_reported_together(tmp_path):
    text = BASE.replace("BAMLH0A0HYM2", "NOPE").replace("phase: early_rebound",
                                                        "phase: early")
    msg = _problems(tmp_path, text)
    assert msg.startswith("2 problems")


def test_only_overlays_is_refused(tmp_path):
    text = BASE.replace("phase: early_rebound}", "phase: early_rebound, overlay: true}") \
               .replace("phase: quality_recovery}", "phase: quality_recovery, overlay: true}")
    assert "at least one verdict must not be an overlay" in _problems(tmp_path, text)


def test_a_user_catalog_adds_series_and_its_errors_are_located(tmp_path, monkeypatch):
    from screener.regime.catalog import series_catalog

    user = tmp_path / "series.yaml"
    user.write_text("mine:\n  MYSERIES: {title: My series, frequency: weekly, units: x, "
                    "release_lag: 3}\n")
    monkeypatch.setenv("SCREENER_SERIES", str(user))
    cat = series_catalog()
    assert cat["MYSERIES"].release_lag == 3 and "T10Y2Y" in cat
    load_regime(_write(tmp_path, BASE.replace("BAMLH0A0HYM2", "MYSERIES")))
    user.write_text("mine:\n  MYSERIES: {title: My series, frequency: hourly, release_lag: 3}\n")
    with pytest.raises(ConfigError) as info:
        series_catalog()
    msg = str(info.value)
    assert "series.yaml:2:43: MYSERIES.frequency: 'hourly' is not allowed" in msg
    assert "screener/regime/series.yaml" in msg
