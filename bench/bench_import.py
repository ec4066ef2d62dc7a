"""Benchmark: `fetch --from-file` (read, map, check every cell, store) against pandas.

    python bench/bench_import.py            # 2,600 names x 5 years
    python bench/bench_import.py 10000

The file is a messy fictional export (``import_sample``). Timed, each in its own process, best
of 7 by wall time (the process CPU time of that run beside it), the three arms taking turns
round after round so that a change of machine load hits them alike:

- import: ``import_file`` into a fresh store (what ``fetch --from-file`` does: the journal,
  i.e. the file and mapping kept once and a reference per name, the same rows written as the
  store's parsed columns, the facts; the bundle is not built), and without a store, bundle
  built (what ``FileProvider.fetch`` does);
- baseline: ``pandas.read_csv`` plus the same checks written vectorised (clean the text,
  numbers with ``to_numeric``, units/scale/sign/percent, bounds, a ticker pattern, fiscal
  years), no store.

Every run (both arms) first runs the same code on the first 200 lines of the file, so pandas'
and pyarrow's first-use costs (lazy imports, kernels, regex compilation) are paid before the
measurement, as in any process that has imported before. Memory, measured in a separate run
of each (tracing slows the timed code):

- held: the peak of Python and numpy objects (``tracemalloc``) plus Arrow buffers (a fresh
  Arrow memory pool) taken at the same moments (sampled every 0.2 ms), never below either
  exact peak: what the import holds. The sum of the two exact peaks, an upper bound, is
  printed beside it;
- peak RSS growth over the same state: allocators keep what was freed, so this counts their
  arenas as well, not only what the import holds.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys, time, tempfile, tracemalloc
from datetime import date
from pathlib import Path
import numpy as np, pandas as pd, pyarrow as pa
from screener.providers.file import import_file
from screener.providers.file_mapping import load_mapping
from screener.raw.schema import BLOCKS, TICKER_PATTERN
from screener.store import Store
kind, csv, mapping, warm = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4])
trace = sys.argv[5] == "memory"  # traced allocations slow the run: timed runs are untraced
def status(key):
    return next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith(key))
def work(path):
    if kind == "import":
        with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "s.sqlite") as st:
            report = import_file(path, mapping, store=st, as_of=date(2026, 1, 2))
        return report.accepted
    if kind == "checks":
        report = import_file(path, mapping, as_of=date(2026, 1, 2))
        return report.accepted + 0 * len(report.bundle.statements)
    m = load_mapping(mapping)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
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
    return int((~bad).sum())
work(warm)  # first-use costs paid (see the module docstring)
pool = pa.proxy_memory_pool(pa.default_memory_pool())
pa.set_memory_pool(pool)
open("/proc/self/clear_refs", "w").write("5")  # the peak RSS starts again from here
before = status("VmRSS")
peak = [0]
if trace:
    import threading
    tracemalloc.start()
    done = threading.Event()
    def sample():  # both kinds of memory at the same moment, every 0.2 ms
        while not done.wait(0.0002):
            peak[0] = max(peak[0], tracemalloc.get_traced_memory()[0] + pool.bytes_allocated())
    sampler = threading.Thread(target=sample, daemon=True)
    sys.setswitchinterval(0.0002)
    sampler.start()
t0, c0 = time.perf_counter(), time.process_time()
rows = work(csv)
t1, c1 = time.perf_counter(), time.process_time()
traced = tracemalloc.get_traced_memory()[1]
if trace:
    done.set()
    sampler.join()
held = max(peak[0], traced, pool.max_memory())  # each exact peak bounds it from below
print(json.dumps({"s": t1 - t0, "cpu": c1 - c0, "rows": rows, "mb": held / 2**20,
                  "bound": (traced + pool.max_memory()) / 2**20,
                  "rss": (status("VmHWM") - before) / 1024}), flush=True)
import os
os._exit(0)  # no interpreter teardown (the Arrow pool set above outlives its users)
"""


def child(kind: str, csv: Path, mapping: Path, what: str = "time") -> dict:
    warm = csv.with_name("warm.csv")
    out = subprocess.run([sys.executable, "-c", CHILD, kind, str(csv), str(mapping), str(warm),
                          what],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(n: int, repeats: int = 7) -> dict:
    sys.path.insert(0, str(ROOT / "bench"))
    from import_sample import MAPPING, make

    folder = Path(tempfile.mkdtemp(prefix="screener-bench-import-"))
    csv, mapping = folder / "export.csv", folder / "mapping.yaml"
    make(n, csv)
    mapping.write_text(MAPPING)
    with open(csv) as fh:
        csv.with_name("warm.csv").write_text("".join(line for _, line in zip(range(200), fh)))
    kinds = ("import", "checks", "baseline")
    # the arms take turns, round after round, so a change of machine load hits all of them
    rounds = [{k: child(k, csv, mapping) for k in kinds} for _ in range(repeats)]
    out = {}
    for kind in kinds:
        out[kind] = min((r[kind] for r in rounds), key=lambda r: r["s"])
        mem = child(kind, csv, mapping, "memory")
        out[kind]["mb"], out[kind]["bound"] = mem["mb"], mem["bound"]
    imp, checks, base = out["import"], out["checks"], out["baseline"]
    size = csv.stat().st_size / 2**20
    return {"names": n, "rows": imp["rows"], "file_mb": size, "import": imp, "checks": checks,
            "base": base, "import_s": imp["s"], "base_s": base["s"], "checks_s": checks["s"],
            "ratio": imp["s"] / base["s"], "checks_ratio": checks["s"] / base["s"],
            "cpu_ratio": imp["cpu"] / base["cpu"], "import_mb": imp["mb"],
            "base_mb": base["mb"], "mem_ratio": imp["mb"] / size}


def main(sizes: list[int]) -> None:
    for n in sizes:
        r = run(n)
        imp, chk, base, size = r["import"], r["checks"], r["base"], r["file_mb"]
        print(f"{n:>7,} names ({size:.1f} MB CSV): import with the store {imp['s']:.2f} s "
              f"(cpu {imp['cpu']:.2f}) vs read_csv + vectorised checks {base['s']:.2f} s "
              f"(cpu {base['cpu']:.2f}) = x{imp['s'] / base['s']:.2f}; without the store, "
              f"bundle built {chk['s']:.2f} s (cpu {chk['cpu']:.2f}) = "
              f"x{chk['s'] / base['s']:.2f}", flush=True)
        print(f"{'':>7}  memory held (peak of traced + Arrow, sampled): import {imp['mb']:.1f} MB"
              f" = x{imp['mb'] / size:.1f} the file, without the store {chk['mb']:.1f} MB = "
              f"x{chk['mb'] / size:.1f}, baseline {base['mb']:.1f} MB = "
              f"x{base['mb'] / size:.1f}; upper bound (sum of the two peaks) "
              f"{imp['bound']:.1f} / {chk['bound']:.1f} / {base['bound']:.1f} MB; peak RSS "
              f"growth {imp['rss']:.0f} / {chk['rss']:.0f} / {base['rss']:.0f} MB", flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main([int(a) for a in sys.argv[1:]] or [2600])
