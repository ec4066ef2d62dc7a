"""Every way in, fed broken input: one clear message, exit status 2, no traceback, nothing lost.

The corpus lives in tests/bad_inputs/<kind>/; each file is run through the command a user would
use for it. The message must name the file (and the line where a line exists) and say what to
do (the `->` hint line). Inputs that would be destroyed by a bad run (stores, previous outputs,
universe snapshots) are checked unchanged afterwards.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from screener.cli import cli

CORPUS = Path(__file__).resolve().parent.parent / "bad_inputs"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
REPO = Path(__file__).resolve().parents[2]

# screen files whose problem has no line (the file as a whole is wrong)
WHOLE_FILE = {"binary_junk.yaml", "empty.yaml", "whitespace_only.yaml", "latin1.yaml"}
HOLDINGS_WITHOUT_LINE = {"empty.csv", "html_error_page.csv", "junk.xlsx", "json_error.csv",
                         "wrong_columns.csv", "no_equities.csv", "binary_junk.csv"}


def _files(kind: str, pattern: str = "*") -> list[Path]:
    return sorted(p for p in (CORPUS / kind).glob(pattern) if p.is_file())


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _invoke(args, env=None):
    result = CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=True)
    return result, result.output


def _assert_clear_failure(result, output: str, name: str, line: bool) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"unhandled {type(result.exception).__name__}: {result.exception}\n{output}")
    assert result.exit_code == 2, f"exit {result.exit_code}:\n{output}"
    assert "Traceback" not in output
    assert name in output, f"the message does not name {name}:\n{output}"
    if line:
        assert re.search(re.escape(name) + r":\d+", output), f"no line number:\n{output}"
    assert "->" in output or "Usage:" in output, f"the message does not say what to do:\n{output}"


# -- screens ------------------------------------------------------------------------------
@pytest.mark.parametrize("path", _files("screens"), ids=lambda p: f"screens/{p.name}")
def test_broken_screen(path):
    result, out = _invoke(["validate", path])
    _assert_clear_failure(result, out, path.name, line=path.name not in WHOLE_FILE)


def test_fifty_megabyte_screen(tmp_path):
    big = tmp_path / "big.yaml"
    chunk = "name: big\nuniverses: [russell2000]\n# " + "x" * 200 + "\n"
    big.write_text(chunk * (50 * 1024 * 1024 // len(chunk)))
    result, out = _invoke(["validate", big])
    _assert_clear_failure(result, out, "big.yaml", line=False)
    assert "too large" in out


def test_run_with_broken_screen_fetches_nothing(tmp_path, monkeypatch):
    from screener import pipeline

    def must_not_load(*a, **k):  # the screen is compiled before any data is touched
        raise AssertionError("data was loaded for a broken screen")

    monkeypatch.setattr(pipeline, "load_dataset", must_not_load)
    path = CORPUS / "screens" / "unknown_metric_typo.yaml"
    result, out = _invoke(["run", path, "--provider", "sample", "--out", tmp_path / "x.xlsx"])
    _assert_clear_failure(result, out, path.name, line=True)
    assert not (tmp_path / "x.xlsx").exists()


# -- universe definitions -----------------------------------------------------------------
@pytest.mark.parametrize("path", _files("universes", "*.yaml"), ids=lambda p: f"universes/{p.name}")
def test_broken_universe_definition(path, tmp_path):
    home = tmp_path / "home"
    (home / "universes").mkdir(parents=True)
    shutil.copy(path, home / "universes" / path.name)
    result, out = _invoke(["universe", "show", path.stem], env={"SCREENER_HOME": str(home)})
    _assert_clear_failure(result, out, path.name, line=True)


# -- holdings files -----------------------------------------------------------------------
@pytest.mark.parametrize("path", _files("holdings"), ids=lambda p: f"holdings/{p.name}")
def test_broken_holdings_file_stores_nothing_and_keeps_the_old_snapshot(path, tmp_path):
    good = FIXTURES / "holdings" / "iwm_2026-05-05.csv"
    first, out = _invoke(["universe", "import", "russell2000", good])
    assert first.exit_code == 0, out
    from screener.settings import data_dir

    snaps = data_dir() / "universes" / "russell2000"
    before = {p.name: _sha(p) for p in snaps.iterdir()}
    result, out = _invoke(["universe", "import", "russell2000", path])
    _assert_clear_failure(result, out, path.name, line=path.name not in HOLDINGS_WITHOUT_LINE)
    assert {p.name: _sha(p) for p in snaps.iterdir()} == before


def test_utf16_holdings_export_is_read_not_rejected(tmp_path):
    text = (FIXTURES / "holdings" / "iwm_2026-05-05.csv").read_text(encoding="utf-8-sig")
    utf16 = tmp_path / "IWM_unicode.csv"
    utf16.write_text(text, encoding="utf-16")
    result, out = _invoke(["universe", "import", "russell2000", utf16])
    assert result.exit_code == 0, out
    assert "2026-05-05" in out


# -- bring-your-own fundamentals ----------------------------------------------------------
DATA_FILES = [p for p in _files("fundamentals") if not p.name.startswith("mapping")]
MAPPINGS = _files("fundamentals", "mapping_*.yaml")
REJECTS_WITH_ROWS = {"duplicated_rows.csv", "negative_shares.csv", "text_in_numeric.csv",
                     "missing_column.csv", "semicolon_export.csv"}


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda p: f"fundamentals/{p.name}")
def test_broken_fundamentals_file(path):
    mapping = CORPUS / "fundamentals" / "mapping.yaml"
    result, out = _invoke(["fetch", "--from-file", path, "--mapping", mapping])
    _assert_clear_failure(result, out, path.name, line=path.name in REJECTS_WITH_ROWS)


def test_rejected_rows_do_not_lose_the_good_ones():
    path = CORPUS / "fundamentals" / "negative_shares.csv"
    mapping = CORPUS / "fundamentals" / "mapping.yaml"
    result, out = _invoke(["fetch", "--from-file", path, "--mapping", mapping])
    assert result.exit_code == 2
    # the negative share count is left empty; its fiscal year is kept
    assert "4 row(s) accepted, 0 rejected, 1 invalid cell(s) left empty" in out
    info, out = _invoke(["store", "info"])
    assert info.exit_code == 0 and "file/records" in out


@pytest.mark.parametrize("path", MAPPINGS, ids=lambda p: f"fundamentals/{p.name}")
def test_broken_mapping_file(path):
    data = FIXTURES / "files" / "bloomberg_export.csv"
    result, out = _invoke(["fetch", "--from-file", data, "--mapping", path])
    _assert_clear_failure(result, out, path.name, line=path.name != "mapping_latin1.yaml")


# -- the store ----------------------------------------------------------------------------
@pytest.mark.parametrize("path", _files("store"), ids=lambda p: f"store/{p.name}")
def test_corrupt_or_foreign_store_is_refused_and_left_untouched(path, tmp_path):
    copy = tmp_path / path.name
    shutil.copy(path, copy)
    before = _sha(copy)
    for args in (["store", "info"], ["fetch", "--tickers", "ABCD", "--provider", "sec"]):
        result, out = _invoke(args, env={"SCREENER_STORE": str(copy),
                                         "SCREENER_SEC_USER_AGENT": "Test test@example.com"})
        _assert_clear_failure(result, out, path.name, line=False)
    assert _sha(copy) == before


# -- output -------------------------------------------------------------------------------
def test_unwritable_output_folder(tmp_path):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("a file where a folder should be")
    result, out = _invoke(["run", REPO / "screens" / "rebound.yaml", "--provider", "sample",
                           "--out", blocker / "run.xlsx"])
    _assert_clear_failure(result, out, "not_a_folder", line=False)


def test_existing_output_is_not_overwritten_without_force(tmp_path):
    target = tmp_path / "previous.xlsx"
    target.write_bytes(b"a previous run's workbook")
    result, out = _invoke(["run", REPO / "screens" / "rebound.yaml", "--provider", "sample",
                           "--out", target])
    _assert_clear_failure(result, out, "previous.xlsx", line=False)
    assert target.read_bytes() == b"a previous run's workbook"
    assert "--force" in out


# -- command-line arguments ----------------------------------------------------------------
@pytest.mark.parametrize("args, named", [
    (["run", "screens/does_not_exist.yaml", "--provider", "sample"], "does_not_exist.yaml"),
    (["run", "screens/rebound.yaml", "--provider", "sample", "--set", "nonsense"], "--set"),
    (["run", "screens/rebound.yaml", "--provider", "sample", "--set", "no_such=1"], "no_such"),
    (["run", "screens/rebound.yaml", "--provider", "sample", "--set", "max_leverage=abc"],
     "max_leverage"),
    (["validate", "screens/rebound.yaml", "--set", "max_leverage=1e999"], "max_leverage"),
    (["run", "screens/rebound.yaml", "--provider", "bogus"], "bogus"),
    (["run", "screens/rebound.yaml", "--as-of", "31/12/2025"], "--as-of"),
    (["run", "screens/rebound.yaml"], "russell2000"),          # nothing downloaded yet
    (["explain", "NOPE1", "--provider", "sample"], "NOPE1"),
    (["universe", "show", "russel2000"], "russel2000"),
    (["fetch", "--tickers", "ABCD", "--provider", "sec"], "SCREENER_SEC_USER_AGENT"),
], ids=lambda v: " ".join(v) if isinstance(v, list) else None)
def test_bad_arguments(args, named, monkeypatch):
    monkeypatch.chdir(REPO)
    result, out = _invoke(args)
    _assert_clear_failure(result, out, named, line=False)


def test_the_corpus_is_big_enough():
    count = sum(1 for p in CORPUS.rglob("*") if p.is_file())
    assert count >= 40, count
