"""Inputs that never end: /dev/zero, a named pipe, an oversized file. Each entry point refuses
them with one message naming the file, exit status 2, no traceback, before reading them whole
(issue 16 item 4)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from screener.cli import cli
from screener.fsutil import UnreadableFile, read_bounded

FIX = Path(__file__).resolve().parents[1] / "fixtures"
ROOT = Path(__file__).resolve().parents[2]
ZERO = "/dev/zero"

needs_dev_zero = pytest.mark.skipif(not os.path.exists(ZERO), reason="no /dev/zero")


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)
    return path


def _run(args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, (MemoryError, RecursionError)), result.exception
    return result


@needs_dev_zero
@pytest.mark.parametrize("args", [
    ["validate", ZERO],
    ["universe", "import", "russell2000", ZERO],
    ["fetch", "--from-file", ZERO, "--mapping", FIX / "files" / "bloomberg_mapping.yaml"],
    ["fetch", "--from-file", FIX / "files" / "bloomberg_export.csv", "--mapping", ZERO],
], ids=["validate", "universe-import", "from-file", "mapping"])
def test_dev_zero_is_refused_everywhere(args):
    result = _run(args)
    assert result.exit_code == 2, result.output
    assert ZERO in result.output and "a device, not a regular file" in result.output


@pytest.mark.parametrize("entry", ["validate", "universe-import", "mapping", "extends"])
def test_a_named_pipe_is_refused_not_waited_on(entry, fifo, tmp_path):
    if entry == "validate":
        args = ["validate", fifo]
    elif entry == "universe-import":
        args = ["universe", "import", "russell2000", fifo]
    elif entry == "mapping":
        args = ["fetch", "--from-file", FIX / "files" / "bloomberg_export.csv",
                "--mapping", fifo]
    else:
        child = tmp_path / "child.yaml"
        child.write_text(f"extends: {fifo}\n")
        args = ["validate", child]
    result = _run(args)  # would block forever if the pipe were opened for a blocking read
    assert result.exit_code == 2, result.output
    assert "a named pipe, not a regular file" in result.output


@needs_dev_zero
def test_extends_dev_zero_does_not_grow_without_end(tmp_path):
    child = tmp_path / "child.yaml"
    child.write_text(f"extends: {ZERO}\n")
    result = _run(["validate", child])
    assert result.exit_code == 2 and "a device, not a regular file" in result.output


def test_a_file_growing_past_the_limit_stops_at_the_limit(tmp_path):
    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * 5000)
    with pytest.raises(UnreadableFile, match="larger than"):
        read_bounded(big, 4096)
    assert read_bounded(big, 5000) == b"x" * 5000


CHILD = r"""
import resource, sys
from screener.universe.parse import parse_holdings
from screener.universe.holdings import HoldingsFormatError
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    parse_holdings(sys.argv[1])
    print("accepted")
except HoldingsFormatError as exc:
    print("refused:", exc.problems[0].message)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base)
"""


def test_a_million_row_holdings_file_is_refused_in_little_memory(tmp_path):
    path = tmp_path / "huge.csv"
    with open(path, "w") as fh:
        fh.write("Ticker,Name\n")
        fh.writelines(f"T{i},N\n" for i in range(1_000_000))
    out = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True,
                         text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                         timeout=300, check=False)
    lines = out.stdout.strip().splitlines()
    assert lines[0].startswith("refused: more than 20,000 rows"), out.stdout + out.stderr
    grew_mb = int(lines[-1]) / 1024  # Linux: KiB; growth of the peak over the imports
    assert grew_mb < 200, grew_mb  # was 2.35 GB before the cap
    print(f"peak RSS grew by {grew_mb:.0f} MB")
