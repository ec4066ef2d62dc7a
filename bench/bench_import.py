"""Benchmark: `fetch --from-file` (read, map, check every cell, store) against pandas.

    python bench/bench_import.py            # 2,600 names x 5 years
    python bench/bench_import.py 10000

The file is a messy fictional export (``import_sample``). Timed, each in its own process:

- import: ``import_file`` into a fresh store (what ``fetch --from-file`` does), and the same
  without a store (read, map, check, build the records);
- baseline: ``pandas.read_csv`` plus the same checks written vectorised (clean the text,
  numbers with ``to_numeric``, units/scale/sign/percent, bounds, a ticker pattern, fiscal
  years), no store.

Memory: the import's peak RSS above the interpreter with its imports loaded, over the file
size.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys, time, tempfile
from datetime import date
from pathlib import Path
import numpy as np, pandas as pd
from screener.providers.file import import_file
from screener.providers.file_mapping import load_mapping
from screener.raw.schema import BLOCKS, TICKER_PATTERN
from screener.store import Store
kind, csv, mapping = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
def rss():
    return next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS"))
before = rss()
t0 = time.perf_counter()
if kind == "import":
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "s.sqlite") as st:
        report = import_file(csv, mapping, store=st, as_of=date(2026, 1, 2))
    rows = report.accepted
elif kind == "checks":
    rows = import_file(csv, mapping, as_of=date(2026, 1, 2)).accepted
else:
    m = load_mapping(mapping)
    frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
    bounds = {b: BLOCKS[b].bounds() for b in BLOCKS}
    bad = ~frame[m.ticker].str.upper().str.replace(r"\s+US\s+EQUITY$", "", regex=True) \
        .str.fullmatch(TICKER_PATTERN)
    fy = pd.to_numeric(frame[m.fiscal_year], errors="coerce")
    bad |= ~fy.between(1990, 2100)
    for col, target in m.columns.items():
        block, field = target.split(".", 1)
        if field not in BLOCKS[block].numeric_fields:
            continue
        s = frame[col].str.strip()
        neg = s.str.startswith("(") & s.str.endswith(")")
        v = pd.to_numeric(s.str.strip("()").str.replace(",", "").str.replace("$", "")
                          .str.rstrip("%"), errors="coerce")
        v = v.where(~neg, -v) * m.unit_of(col, field) * m.scale.get(col, 1.0)
        lo, hi, strict = bounds[block].get(field, (None, None, False))
        if lo is not None:
            frame[col] = v.where(~((v <= lo) if strict else (v < lo)))
    rows = int((~bad).sum())
t1 = time.perf_counter()
peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(json.dumps({"s": t1 - t0, "rows": rows, "mb": (peak - before) / 1024}))
"""


def child(kind: str, csv: Path, mapping: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, kind, str(csv), str(mapping)],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(n: int, repeats: int = 3) -> dict:
    sys.path.insert(0, str(ROOT / "bench"))
    from import_sample import MAPPING, make

    folder = Path(tempfile.mkdtemp(prefix="screener-bench-import-"))
    csv, mapping = folder / "export.csv", folder / "mapping.yaml"
    make(n, csv)
    mapping.write_text(MAPPING)
    imp = min((child("import", csv, mapping) for _ in range(repeats)), key=lambda r: r["s"])
    checks = min((child("checks", csv, mapping) for _ in range(repeats)), key=lambda r: r["s"])
    base = min((child("baseline", csv, mapping) for _ in range(repeats)), key=lambda r: r["s"])
    size = csv.stat().st_size / 2**20
    return {"names": n, "rows": imp["rows"], "import_s": imp["s"], "base_s": base["s"],
            "ratio": imp["s"] / base["s"], "checks_s": checks["s"],
            "checks_ratio": checks["s"] / base["s"], "base_mb": base["mb"],
            "file_mb": size, "import_mb": imp["mb"],
            "mem_ratio": imp["mb"] / size}


def main(sizes: list[int]) -> None:
    for n in sizes:
        r = run(n)
        print(f"{n:>7,} names ({r['file_mb']:.1f} MB CSV): import {r['import_s']:.2f} s vs "
              f"read_csv + vectorised checks {r['base_s']:.2f} s = x{r['ratio']:.2f} (without "
              f"the store: {r['checks_s']:.2f} s = x{r['checks_ratio']:.2f}); memory "
              f"{r['import_mb']:.0f} MB = x{r['mem_ratio']:.1f} the file (baseline "
              f"{r['base_mb']:.0f} MB)",
              flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main([int(a) for a in sys.argv[1:]] or [2600])
