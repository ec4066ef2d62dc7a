"""Names with terminal escape sequences never reach a terminal raw (issue 16 item 12)."""

from __future__ import annotations

from click.testing import CliRunner

from screener.cli import cli
from screener.textsafe import rich_safe, terminal_safe

CLEAR = "ACME\x1b[2J\x1b[H Corp"
LINK = "\x1b]8;;http://evil.example\x07Click me\x1b]8;;\x07"
BELL = "Bell\x07 Inc"
RTL = "Safe \u202eevil\u202c Co"


def test_escape_sequences_and_controls_are_removed():
    assert terminal_safe(CLEAR) == "ACME Corp"
    assert terminal_safe(LINK) == "Click me"
    assert terminal_safe(BELL) == "Bell Inc"
    assert terminal_safe(RTL) == "Safe evil Co"
    assert terminal_safe("Line\nbreak") == "Line break"
    assert terminal_safe("Société Générale") == "Société Générale"
    assert rich_safe("[blink]X[/blink]") == "\\[blink]X\\[/blink]"


def test_universe_show_prints_no_escape_sequence(tmp_path):
    rows = [("AAA", CLEAR), ("BBB", LINK), ("CCC", BELL), ("DDD", RTL), ("EEE", "[red]Red[/red]")]
    body = "Ticker,Name,Sector,Weight (%)\n" + "".join(
        f'{t},"{n}",Industrials,1.0\n' for t, n in rows)
    path = tmp_path / "list.csv"
    path.write_text(body, encoding="utf-8")
    runner = CliRunner()
    imported = runner.invoke(cli, ["universe", "import", "russell2000", str(path)])
    assert imported.exit_code == 0, imported.output
    shown = runner.invoke(cli, ["universe", "show", "russell2000"])
    assert shown.exit_code == 0, shown.output
    for bad in ("\x1b", "\x07", "\u202e"):
        assert bad not in shown.output
    assert "ACME Corp" in shown.output and "Click me" in shown.output
    assert "[red]Red[/red]" in shown.output  # markup in a name prints as written
