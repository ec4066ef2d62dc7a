"""One ticker normaliser and validator for every entry point (issue 16 item 11): universe
import, ticker-list universes, the file provider and --tickers agree on BRK.B and refuse the
same hostile values."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from screener.cli import cli
from screener.providers.file import _ticker_problem, normalise_ticker
from screener.universe import tickers as tk
from screener.universe.parse import parse_holdings

HOSTILE = ['=HYPERLINK("http://x","y")', "+CMD|' /C calc'!A0", "@SUM(A1:A2)",
           "AB\u200bC", "\u202eCBA", "\uff21\uff22\uff23", "\u0410PL", "-2+3"]


@pytest.mark.parametrize("raw", ["BRK.B", "brk/b", "BRK B", "BRKB", "BRK-B", "BRK.B US Equity"])
def test_every_spelling_of_brk_b_is_one_key_everywhere(raw):
    assert tk.normalise(raw) == "BRK-B"
    assert normalise_ticker(raw) == "BRK-B"


@pytest.mark.parametrize("raw", HOSTILE)
def test_hostile_values_are_refused_by_every_validator(raw):
    assert tk.check(raw)[1] is not None
    assert _ticker_problem(raw, normalise_ticker(raw)) is not None


def test_universe_import_drops_hostile_tickers_and_says_why(tmp_path):
    body = "Ticker,Name\nGOOD,Good Co\nBRK.B,Berkley B\n" + "".join(
        f'"{t.replace(chr(34), chr(34) * 2)}",Bad {i}\n' for i, t in enumerate(HOSTILE))
    path = tmp_path / "list.csv"
    path.write_text(body, encoding="utf-8")
    h = parse_holdings(path)
    assert list(h.frame.index) == ["GOOD", "BRK-B"]
    assert h.dropped["not a valid ticker"] == len(HOSTILE)
    note = next(n for n in h.notes if "without a valid ticker" in n)
    assert "\\u200b" in note and "\u200b" not in note  # shown escaped, never raw


def test_fetch_tickers_option_uses_the_same_rules(monkeypatch):
    result = CliRunner().invoke(cli, ["fetch", "--tickers", "GOOD,AB\u200bC", "--provider",
                                      "sec"])
    assert result.exit_code == 2
    assert "AB\\u200bC: holds an invisible control character (ZERO WIDTH SPACE)" in result.output


def test_a_ticker_list_universe_refuses_a_lookalike(tmp_path, monkeypatch):
    from screener.errors import ConfigError
    from screener.universe.combine import _from_tickers
    from screener.universe.definitions import load_definition

    path = tmp_path / "mine.yaml"
    path.write_text("name: mine\nsource:\n  type: tickers\n  tickers: [GOOD, \"\u0410PL\"]\n",
                    encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        _from_tickers(load_definition(Path(path)))
    assert "\\u0410PL" in str(err.value) and "CYRILLIC" in str(err.value)
