"""Benchmark: generating the fictional 20-year history, its size, and reusing the cache.

Run: ``python bench/bench_sample_history.py [n] [years]``. Prints figures; asserts nothing.
Generation runs in a child process with its own empty cache folder, so its peak memory (VmHWM)
is its own and no earlier cache is reused.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys, time
from screener.sample.history import info, sample_history
n, years, cache = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
t0 = time.perf_counter()
store = sample_history(2026, n, years, cache=cache)
t1 = time.perf_counter()
sample_history(2026, n, years, cache=cache)
t2 = time.perf_counter()
held = store.info()
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
meta = info(store)
print(json.dumps({"generate_s": t1 - t0, "hit_s": t2 - t1, "max_rss_mb": hwm / 1024,
                  "rows": {r.dataset: int(r.rows) for r in held.itertuples()},
                  "mb": {r.dataset: r.bytes / 2**20 for r in held.itertuples()},
                  "names": meta["names"], "departed": meta["departed"],
                  "stages_s": meta["seconds"]}))
"""


def measure(n: int = 2600, years: int = 20) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run([sys.executable, "-c", CHILD, str(n), str(years), tmp],
                             capture_output=True, text=True, check=True, cwd=ROOT,
                             env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin",
                                  "SCREENER_DATA_DIR": tmp})
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(n: int = 2600, years: int = 20) -> None:
    r = measure(n, years)
    print(f"sample history {n:,} names x {years} years: generated in {r['generate_s']:.1f} s "
          f"(peak {r['max_rss_mb']:.0f} MB), cache hit {r['hit_s'] * 1000:.1f} ms")
    print(f"  names {r['names']:,} ({r['departed']:,} departed); stages {r['stages_s']}")
    for name, rows in r["rows"].items():
        print(f"  {name:<12} {rows:>12,} rows {r['mb'][name]:>8.1f} MB")
    print(f"  total        {sum(r['mb'].values()):>21.1f} MB")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
