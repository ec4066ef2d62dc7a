"""Settings are checked once at start-up: one message naming the variable, exit 2, no
traceback, before any work (issue 16 item 5)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from screener.cli import cli


@pytest.mark.parametrize(("var", "value", "says"), [
    ("SCREENER_SEC_USER_AGENT", "Jane Doe\njane@example.com", "printable ASCII on one line"),
    ("SCREENER_SEC_USER_AGENT", "Jörg Müller jm@example.de", "printable ASCII on one line"),
    ("SCREENER_SEC_DATA_BASE_URL", "not a url", "http(s) URL"),
    ("SCREENER_SEC_WWW_BASE_URL", "ftp://example.com", "http:// or https:// URL with a host"),
    ("SCREENER_YAHOO_BASE_URL", "file:///etc", "http:// or https:// URL with a host"),
    ("SCREENER_FMP_BASE_URL", "http://[::1", "not a well-formed URL"),
    ("SCREENER_UNIVERSE_URL_RUSSELL2000", "junk", "http:// or https:// URL with a host"),
    ("SCREENER_DATA_DIR", "<file>", "points at a file, not a folder"),
    ("SCREENER_STORE", "<dir>", "points at a folder"),
    ("TMPDIR", "/nonexistent/tmp", "not an existing folder"),
    ("FINANCIAL_MODELING_PREP_API_KEY", "abc\ndef", "control characters"),
    ("SCREENER_WORKBOOK_LIMIT", "ten thousand", "whole number of names"),
    ("SCREENER_WORKBOOK_LIMIT", "0", "whole number of names, 1 or more"),
])
def test_a_bad_setting_is_named_before_any_work(var, value, says, tmp_path, monkeypatch):
    if value == "<file>":
        value = str(tmp_path / "a-file")
        (tmp_path / "a-file").write_text("x")
    if value == "<dir>":
        value = str(tmp_path)
    monkeypatch.setenv(var, value)
    result = CliRunner().invoke(cli, ["fetch", "--tickers", "AAA", "--provider", "sec"])
    assert result.exit_code == 2, result.output
    assert f"The setting {var}" in result.output and says in result.output
    assert "Traceback" not in result.output
    if var == "FINANCIAL_MODELING_PREP_API_KEY":
        assert "abc" not in result.output  # a key is never shown


def test_help_works_whatever_the_settings(monkeypatch):
    monkeypatch.setenv("SCREENER_SEC_DATA_BASE_URL", "not a url")
    result = CliRunner().invoke(cli, ["fetch", "--help"])
    assert result.exit_code == 0 and "Examples" in result.output


def test_good_settings_pass(monkeypatch):
    monkeypatch.setenv("SCREENER_SEC_DATA_BASE_URL", "http://127.0.0.1:8080/sec")
    monkeypatch.setenv("SCREENER_SEC_USER_AGENT", "Jane Doe jane@example.com")
    result = CliRunner().invoke(cli, ["universe", "list"])
    assert result.exit_code == 0, result.output
