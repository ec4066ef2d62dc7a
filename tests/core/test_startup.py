"""Start-up stays light: help, version, validate and metrics load no data libraries."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("pandas", "numpy", "pyarrow", "openpyxl", "duckdb")
PROBE = """
import sys
sys.argv = ["screener", *sys.argv[1:]]
from screener.cli import cli
try:
    cli()
except SystemExit as exc:
    code = exc.code
print("LOADED:" + ",".join(m for m in {heavy!r} if m in sys.modules), file=sys.stderr)
"""


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["metrics"],
                                  ["validate", "screens/rebound.yaml"], ["run", "--help"]])
def test_light_commands_load_no_data_libraries(args):
    out = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY), *args],
                         capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    loaded = out.stderr.strip().splitlines()[-1]
    assert loaded == "LOADED:", f"screener {' '.join(args)} loaded {loaded[7:]}"
    assert out.stdout  # the command still printed its answer


def test_the_catalog_is_readable_without_the_builders():
    code = ("import sys; from screener.metrics.catalog import CATALOG; "
            "assert 'roe' in CATALOG or len(CATALOG) > 50; "
            "print('pandas' in sys.modules, 'screener.metrics.build' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=60, check=False)
    assert out.stdout.split() == ["False", "False"], out.stderr
