"""CLI conventions: -q/-v everywhere, NO_COLOR / TERM=dumb, documented exit statuses, a metrics
table that fits 100 columns, PASS/FAIL in colour (issue 11, item 15)."""

import pytest
from click.testing import CliRunner

from screener.cli import cli
from screener.searchpath import default_screen
from tests.core.test_cli_help import ALL

ANSI = "\x1b["


@pytest.fixture
def small_sample(monkeypatch):
    from screener import pipeline
    real = pipeline.load_dataset
    monkeypatch.setattr(pipeline, "load_dataset",
                        lambda *a, **k: real(*a, **{**k, "n": k.get("n") or 300}))


@pytest.mark.parametrize("path", [p for p, _ in ALL], ids=[" ".join(p) for p, _ in ALL])
def test_every_command_takes_quiet_and_verbose(path):
    out = CliRunner().invoke(cli, [*path, "--help"])
    assert "-q, --quiet" in out.output and "-v, --verbose" in out.output


def test_help_documents_the_exit_statuses():
    out = CliRunner().invoke(cli, ["--help"])
    for line in ("0    ok", "1    data or runtime failure", "2    bad usage or input",
                 "130  interrupted"):
        assert line in out.output


def test_exit_statuses(tmp_path):
    runner = CliRunner()
    assert runner.invoke(cli, ["validate", str(default_screen())]).exit_code == 0
    assert runner.invoke(cli, ["validate", "--no-such-option"]).exit_code == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("universes: [russell2000]\nphases: {p: {title: P, rank_by: qualty}}\n")
    assert runner.invoke(cli, ["validate", str(bad)]).exit_code == 2
    assert runner.invoke(cli, ["validate", str(default_screen()), "-q", "-v"]).exit_code == 2
    # no data for the universe in the (empty) store: a data failure, not a usage error
    empty = runner.invoke(cli, ["run", str(default_screen()), "--universe", "sample",
                                "--out", f"{tmp_path}/"])
    assert empty.exit_code == 1 and "screener fetch" in empty.output


def test_quiet_run_prints_only_the_file_and_verbose_adds_attrition(tmp_path, small_sample):
    runner = CliRunner()
    args = ["run", str(default_screen()), "--provider", "sample", "--out", f"{tmp_path}/"]
    quiet = runner.invoke(cli, [*args, "-q"])
    assert quiet.exit_code == 0, quiet.output
    assert quiet.output.strip().splitlines() == [quiet.output.strip()]
    assert quiet.output.startswith("Wrote ")
    loud = runner.invoke(cli, ["-v", *args])
    assert "Attrition, Quality-led recovery:" in loud.output
    assert "left" in loud.output and "roic >= min_roic" in loud.output
    assert runner.invoke(cli, ["validate", str(default_screen()), "-q"]).output == ""


def test_explain_colours_pass_and_fail_unless_no_color(small_sample, monkeypatch):
    from screener.pipeline import SAMPLE, load_dataset
    ticker = load_dataset(["sample"], SAMPLE, n=300).frame.index[0]
    args = ["explain", ticker, "--provider", "sample"]
    coloured = CliRunner().invoke(cli, args, color=True)
    assert coloured.exit_code == 0, coloured.output
    assert "\x1b[32mPASS" in coloured.output or "\x1b[31m\x1b[1mFAIL" in coloured.output
    for env in ({"NO_COLOR": "1"}, {"TERM": "dumb"}):
        plain = CliRunner().invoke(cli, args, color=True, env=env)
        assert plain.exit_code == 0 and ANSI not in plain.output
        assert "PASS" in plain.output or "FAIL" in plain.output


def test_metrics_piped_fits_100_columns_and_has_csv():
    out = CliRunner().invoke(cli, ["metrics"])
    assert out.exit_code == 0
    assert max(len(line) for line in out.output.splitlines()) <= 100
    assert "net_debt_to_ebitda" in out.output
    csv = CliRunner().invoke(cli, ["metrics", "--format", "csv"])
    header = csv.output.splitlines()[0].split(",")
    assert header[:6] == ["id", "label", "group", "unit", "better", "formula"]
    assert "source" in header
