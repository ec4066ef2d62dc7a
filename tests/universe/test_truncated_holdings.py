"""Truncated holdings files are refused, and a good snapshot is never replaced by a smaller one
without --force (issue 16 item 1)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from screener.cli import cli
from screener.universe import import_file
from screener.universe.holdings import HoldingsFormatError
from screener.universe.parse import parse_holdings
from screener.universe.snapshots import read_snapshot

HOLDINGS = Path(__file__).resolve().parents[1] / "fixtures" / "holdings"
FULL = HOLDINGS / "iwm_2026-05-05.csv"


def _lines():
    return FULL.read_text(encoding="utf-8-sig").splitlines(keepends=True)


def _rows(lines):
    """Indexes of the holdings rows (after the 'Ticker,' header, before the blank line)."""
    start = next(i for i, line in enumerate(lines) if line.startswith("Ticker,")) + 1
    end = next(i for i in range(start, len(lines)) if not lines[i].strip(" \r\n,\""))
    return start, end


def test_cut_at_half_the_rows_is_refused_even_if_the_weights_look_plausible(tmp_path):
    lines = _lines()
    start, end = _rows(lines)
    cut = tmp_path / "half.csv"
    cut.write_text("".join(lines[: start + (end - start) // 2]), encoding="utf-8")
    with pytest.raises(HoldingsFormatError) as err:
        parse_holdings(cut)
    assert "without the closing disclaimer" in str(err.value)
    assert err.value.retryable


def test_cut_right_after_a_rows_first_field_is_not_taken_for_the_disclaimer(tmp_path):
    lines = _lines()
    start, _end = _rows(lines)
    first_field = lines[start + 2].split(",")[0]
    cut = tmp_path / "first_field.csv"
    cut.write_text("".join(lines[: start + 2]) + first_field + "\n", encoding="utf-8")
    with pytest.raises(HoldingsFormatError) as err:
        parse_holdings(cut)
    assert "truncated" in str(err.value)


def test_cut_on_the_blank_line_before_the_disclaimer_is_refused(tmp_path):
    lines = _lines()
    _, end = _rows(lines)
    cut = tmp_path / "blank.csv"
    cut.write_text("".join(lines[: end + 1]), encoding="utf-8")
    with pytest.raises(HoldingsFormatError):
        parse_holdings(cut)


def test_the_whole_file_still_parses():
    assert parse_holdings(FULL).kept > 5


def test_a_smaller_file_never_replaces_a_same_date_snapshot_without_force(tmp_path):
    lines = _lines()
    start, _end = _rows(lines)
    smaller = tmp_path / "smaller.csv"  # complete in form (disclaimer kept), two rows fewer
    smaller.write_text("".join(lines[:start] + lines[start + 2:]), encoding="utf-8")
    full = import_file("russell2000", FULL)
    runner = CliRunner()
    refused = runner.invoke(cli, ["universe", "import", "russell2000", str(smaller)])
    assert refused.exit_code == 2, refused.output
    assert "same date" in refused.output and "--force" in refused.output
    assert "Traceback" not in refused.output
    assert len(read_snapshot("russell2000")[1]) == full.kept  # the good snapshot is intact
    forced = runner.invoke(cli, ["universe", "import", "russell2000", str(smaller), "--force"])
    assert forced.exit_code == 0, forced.output
    assert len(read_snapshot("russell2000")[1]) == full.kept - 2


def test_a_file_with_far_fewer_members_than_the_last_date_is_refused(tmp_path):
    lines = _lines()
    start, end = _rows(lines)
    keep = max(1, (end - start) // 3)
    small = tmp_path / "small.csv"
    small.write_text("".join(lines[: start + keep] + lines[end:]), encoding="utf-8")
    import_file("russell2000", FULL)
    result = CliRunner().invoke(cli, ["universe", "import", "russell2000", str(small),
                                      "--as-of", "2026-06-01"])
    # the date comes from the file's preamble (May 05) unless it is missing: use a new date
    assert result.exit_code == 2, result.output
    assert "Nothing was stored" in result.output
