"""Benchmark: load a run's data from the store, against reading the same data from Parquet.

    python bench/bench_store.py            # 2,600 and 50,000 names
    python bench/bench_store.py 10000      # custom sizes

The store is filled the way ``fetch --from-file`` fills it (one ``file/records`` snapshot per
name: JSON of the name's identity, five years of statements, ladder, estimates and market
records), from the fictional sample universe. Timed, each in its own process (peak memory is
that process's VmHWM), best of 5 rounds in which the warm load and the baseline take turns:

- first load: parse every payload, write the parsed columns, build the bundle;
- warm load: the same call again (columns read, nothing parsed or decompressed);
- baseline: the same five blocks written to Parquet, read back with ``pandas.read_parquet``.

Imports (pandas, pyarrow, screener.store) happen before the clock starts on both sides. The
whole process is timed too (interpreter start, imports, the load, exit), as a user's own
``time python -c ...`` of each would see it: the same rounds, best of each.

The store of each size is built once and kept under the system temp folder (its path names
the size and layout), so repeated runs time the loads only.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYOUT = "2"  # bump when the way the bench store is filled changes
BLOCK_NAMES = ("identity", "statements", "ladder", "estimates", "market")

CHILD = r"""
import json, sys, time
from pathlib import Path
kind, path = sys.argv[1], Path(sys.argv[2])
import pandas as pd, pyarrow.parquet  # both sides need them: imports are not timed
if kind != "baseline":  # a run takes its names from the universe (here a list beside it)
    from screener.store import Store
    tickers = path.with_name("tickers.txt").read_text().split()
t0 = time.perf_counter()
if kind == "baseline":
    frames = {b: pd.read_parquet(path / f"{b}.parquet") for b in
              ("identity", "statements", "ladder", "estimates", "market")}
    rows = sum(len(f) for f in frames.values())
else:
    with Store.open(path) as store:
        bundle = store.load_bundle(tickers)
    rows = sum(len(bundle.block(b)) for b in
               ("identity", "statements", "ladder", "estimates", "market"))
t1 = time.perf_counter()
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(json.dumps({"s": t1 - t0, "rows": rows, "mb": hwm / 1024}))
"""


def _docs(n: int):
    """{ticker: {block: [records]}} of the sample universe, as the file import stores them."""
    from screener.providers.sample import SampleProvider

    bundle = SampleProvider(n=n).fetch()
    per: dict[str, dict[str, list]] = {}
    for block in BLOCK_NAMES:
        frame = bundle.block(block)
        frame = frame.drop(columns=[c for c in frame.columns
                                    if c.startswith("in_") or c == "source"])
        flat = frame.reset_index()
        flat = flat.astype(object).where(flat.notna(), None)
        for rec in flat.to_dict("records"):
            per.setdefault(rec["ticker"], {}).setdefault(block, []).append(rec)
    return per


def build(n: int) -> tuple[Path, Path]:
    """(store file, folder of baseline Parquet files) for ``n`` names, built once."""
    base = Path(tempfile.gettempdir()) / f"screener-bench-store-{n}-v{LAYOUT}"
    store_file, parquet_dir = base / "store.sqlite", base / "parquet"
    if (base / "done").exists():
        return store_file, parquet_dir
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    from datetime import date

    from screener.store import Store

    docs = _docs(n)
    with Store.open(store_file) as store:
        store.put_many(("file", "records", t, date(2026, 11, 20),
                        json.dumps(d, default=lambda v: v.isoformat(), sort_keys=True).encode())
                       for t, d in docs.items())
        bundle = store.load_bundle(list(docs))  # the same data the loads return
    parquet_dir.mkdir()
    for b in BLOCK_NAMES:
        bundle.block(b).to_parquet(parquet_dir / f"{b}.parquet")
    shutil.rmtree(store_file.with_name(store_file.name + ".columns"), ignore_errors=True)
    (base / "done").write_text("ok")
    return store_file, parquet_dir


def _names(store_file: Path) -> None:
    """The names of the store, one per line beside it (what a universe gives a run)."""
    target = store_file.with_name("tickers.txt")
    if not target.exists():
        from screener.store import Store

        with Store.open(store_file) as store:
            target.write_text("\n".join(store.tickers()) + "\n")


def child(kind: str, path: Path) -> dict:
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", CHILD, kind, str(path)], capture_output=True,
                         text=True, check=True, cwd=ROOT)
    whole = time.perf_counter() - start
    return {**json.loads(out.stdout.strip().splitlines()[-1]), "whole": whole}


def run(n: int, repeats: int = 5) -> dict:
    store_file, parquet_dir = build(n)
    _names(store_file)
    shutil.rmtree(store_file.with_name(store_file.name + ".columns"), ignore_errors=True)
    first = child("store", store_file)
    # warm load and baseline take turns, so a change of machine load hits both alike
    rounds = [(child("store", store_file), child("baseline", parquet_dir))
              for _ in range(repeats)]
    warm, base = [r[0] for r in rounds], [r[1] for r in rounds]
    w = min(warm, key=lambda r: r["s"])
    b = min(base, key=lambda r: r["s"])
    size = store_file.stat().st_size
    cols = sum(f.stat().st_size for f in store_file.with_name(store_file.name + ".columns")
               .rglob("*.parquet"))
    whole = min(r["whole"] for r in warm) / min(r["whole"] for r in base)
    return {"names": n, "first_s": first["s"], "first_mb": first["mb"], "warm_s": w["s"],
            "whole_s": min(r["whole"] for r in warm), "whole_base_s": min(r["whole"] for r in base),
            "whole_ratio": whole,
            "warm_mb": w["mb"], "base_s": b["s"], "base_mb": b["mb"], "rows": w["rows"],
            "time_ratio": w["s"] / b["s"], "mem_ratio": w["mb"] / b["mb"],
            "store_mb": size / 2**20, "columns_mb": cols / 2**20}


def main(sizes: list[int]) -> None:
    for n in sizes:
        r = run(n)
        print(f"{n:>7,} names: first {r['first_s']:.2f} s ({r['first_mb']:.0f} MB), warm "
              f"{r['warm_s']:.2f} s ({r['warm_mb']:.0f} MB) vs pandas.read_parquet "
              f"{r['base_s']:.2f} s ({r['base_mb']:.0f} MB): x{r['time_ratio']:.2f} time, "
              f"x{r['mem_ratio']:.2f} memory; whole process {r['whole_s']:.2f} s vs "
              f"{r['whole_base_s']:.2f} s (x{r['whole_ratio']:.2f}); store {r['store_mb']:.1f} "
              f"MB + columns {r['columns_mb']:.1f} MB", flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main([int(a) for a in sys.argv[1:]] or [2600, 50_000])
