"""Your own screens/ or universes/ folder never hides the bundled ones (issue 11, item 1)."""

import pytest
from click.testing import CliRunner

from screener.cli import cli
from screener.searchpath import bundled_dir, resolve_screen, search_dirs


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """An analyst's empty working directory (no SCREENER_HOME: the cwd is the project)."""
    monkeypatch.delenv("SCREENER_HOME", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_schema_into_screens_then_the_demo_still_finds_the_playbook(workdir):
    runner = CliRunner()
    out = runner.invoke(cli, ["schema", "-o", "screens/screen.schema.json"])
    assert out.exit_code == 0, out.output
    assert (workdir / "screens").is_dir()
    demo = runner.invoke(cli, ["demo", "--names", "300", "--out", str(workdir / "d.xlsx")])
    assert demo.exit_code == 0, demo.output
    assert (workdir / "d.xlsx").exists()
    ok = runner.invoke(cli, ["validate", "screens/rebound.yaml"])
    assert ok.exit_code == 0, ok.output
    assert str(bundled_dir("screens") / "rebound.yaml") in ok.output


def test_a_users_universe_adds_to_the_bundled_ones(workdir):
    (workdir / "universes").mkdir()
    (workdir / "universes" / "my_list.yaml").write_text(
        "name: my_list\nsource: {type: tickers, tickers: [AAA1, BBB2]}\n")
    (workdir / "mine.yaml").write_text(
        "universes: [russell2000, my_list]\n"
        "phases:\n  p:\n    title: P\n    rank_by: roic\n")
    out = CliRunner().invoke(cli, ["validate", "mine.yaml"])
    assert out.exit_code == 0, out.output
    assert "universes: russell2000, my_list" in out.output


def test_search_order_cwd_then_config_then_bundled(workdir, monkeypatch, tmp_path_factory):
    config = tmp_path_factory.mktemp("cfg")
    monkeypatch.setenv("SCREENER_CONFIG_DIR", str(config))
    assert search_dirs("screens")[:2] == [workdir / "screens", config / "screens"]
    (config / "screens").mkdir()
    text = (bundled_dir("screens") / "rebound.yaml").read_text()
    (config / "screens" / "rebound.yaml").write_text(text)
    assert resolve_screen("rebound.yaml") == config / "screens" / "rebound.yaml"
    (workdir / "screens").mkdir()
    (workdir / "screens" / "rebound.yaml").write_text(text)
    assert resolve_screen("rebound").resolve() == (workdir / "screens" / "rebound.yaml")


def test_a_missing_screen_names_the_folders_and_init(workdir):
    out = CliRunner().invoke(cli, ["validate", "screens/nope.yaml"])
    assert out.exit_code == 2
    assert "screen file not found" in out.output
    assert "screener init" in out.output
    assert "Traceback" not in out.output


def test_init_copies_playbook_examples_universes_and_schema(workdir):
    runner = CliRunner()
    out = runner.invoke(cli, ["init", "proj"])
    assert out.exit_code == 0, out.output
    proj = workdir / "proj"
    for rel in ("screens/rebound.yaml", "screens/examples/my_rebound.yaml",
                "screens/screen.schema.json", "screens/README.md", "universes/russell2000.yaml"):
        assert (proj / rel).is_file(), rel
    # an edited file is kept unless --force
    (proj / "screens" / "rebound.yaml").write_text("# mine\n")
    again = runner.invoke(cli, ["init", "proj"])
    assert "Kept" in again.output
    assert (proj / "screens" / "rebound.yaml").read_text() == "# mine\n"
    runner.invoke(cli, ["init", "proj", "--force"])
    assert "phases:" in (proj / "screens" / "rebound.yaml").read_text()
    # the copied example still validates from inside the project
    import os
    os.chdir(proj)
    ok = runner.invoke(cli, ["validate", "screens/examples/my_rebound.yaml"])
    assert ok.exit_code == 0, ok.output
