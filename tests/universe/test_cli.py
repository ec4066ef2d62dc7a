"""`screener universe ...` through click's CliRunner."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from screener.cli import cli
from screener.devtools.mockhttp import MockServer
from screener.universe import download as download_mod

PATH = "/IWM_holdings.csv"


def run(*args):
    result = CliRunner().invoke(cli, ["universe", *args], catch_exceptions=False,
                                terminal_width=200)
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes else "")


@pytest.mark.parametrize("command", [[], ["list"], ["refresh"], ["import"], ["show"]])
def test_every_command_has_help_with_an_example(command):
    code, out = run(*command, "--help")
    assert code == 0 and "Example" in out


def test_list_before_and_after_import(fixtures):
    code, out = run("list")
    assert code == 0
    assert "russell2000" in out and "not downloaded yet" in out and "sample" in out
    assert "needs russell2000" in " ".join(out.split())  # a combination says what it waits for
    code, out = run("import", "russell2000", str(fixtures / "iwm_2026-05-05.csv"))
    assert code == 0 and "20 equities as of 2026-05-05" in out
    code, out = run("list")
    assert "2026-05-05" in out


def test_show_and_diff(fixtures):
    run("import", "russell2000", str(fixtures / "iwm_2026-05-05.csv"))
    code, out = run("import", "russell2000", str(fixtures / "iwm_2026-06-12.csv"))
    assert "since 2026-05-05: 2 added, 2 dropped" in out
    assert "added: YANK ZULU" in out and "dropped: KILO LIMA" in out
    code, out = run("show", "russell2000", "--limit", "3")
    assert code == 0 and "20 members as of 2026-06-12" in out
    assert "CHARLIE SOFTWARE CORP" in out and "2.39%" in out and "17 more" in out
    code, out = run("show", "russell2000", "--diff", "2026-05-05")
    assert code == 0 and "2 added, 2 dropped" in out and "ZULU" in out and "KILO" in out


def test_bad_import_is_one_clear_message_and_status_2(fixtures):
    code, out = run("import", "russell2000", str(fixtures / "error_page.html"))
    assert code == 2 and "error_page.html" in out and "HTML page" in out
    assert "Traceback" not in out


def test_show_not_downloaded_says_what_to_do():
    code, out = run("show", "sp600")
    assert code == 2 and "screener universe refresh sp600" in out


def test_refresh_success_then_failure_keeps_snapshot(fixtures, monkeypatch, fast_policy):
    monkeypatch.setattr(download_mod, "DEFAULT_POLICY", fast_policy)
    with MockServer() as srv:
        monkeypatch.setenv("SCREENER_UNIVERSE_URL_RUSSELL2000", srv.url + PATH)
        srv.route(PATH, body=(fixtures / "iwm_2026-05-05.csv").read_bytes())
        code, out = run("refresh", "russell2000")
        assert code == 0 and "20 equities as of 2026-05-05 stored" in out
        srv.route(PATH, status=500, body="oops")
        code, out = run("refresh", "russell2000")
    assert code == 2 and "HTTP 500" in out and "previous snapshot (2026-05-05) is kept" in out


def test_refresh_needs_a_name():
    code, out = run("refresh")
    assert code == 2 and "--all" in out
