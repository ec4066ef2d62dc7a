"""Benchmark: whole-process start-up of light commands against the libraries they need.

    python bench/bench_startup.py

Median of several runs of ``screener --help`` / ``--version`` / ``validate`` in a fresh
interpreter, and the floor: a process that only imports click, rich and yaml (what a light
command needs), so the ratio shows what screener adds.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = "from screener.cli import cli; cli()"


def median_s(args: list[str], runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, *args], capture_output=True, cwd=ROOT, check=False)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def run(runs: int = 7) -> dict[str, float]:
    floor = median_s(["-c", "import click, rich.console, yaml"], runs)
    return {"floor_s": floor,
            "help_s": median_s(["-c", CLI, "--help"], runs),
            "version_s": median_s(["-c", CLI, "--version"], runs),
            "validate_s": median_s(["-c", CLI, "validate", "screens/rebound.yaml"], runs)}


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    r = run()
    print(f"--help {r['help_s']:.3f} s, --version {r['version_s']:.3f} s, validate "
          f"{r['validate_s']:.3f} s; floor (click+rich+yaml) {r['floor_s']:.3f} s: --help "
          f"x{r['help_s'] / r['floor_s']:.2f}")
