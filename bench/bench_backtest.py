"""Backtest of the default playbook on the fictional history: time and peak memory, split into
the history load, the per-date evaluation (point-in-time bundle + standard frame + engine) and
the statistics (list returns, factor statistics for every score and metric at four horizons,
episodes). Target: ~2,000 names x 180 monthly dates < 60 s and < 4 GB. Prints figures; asserts
nothing.

    python -m bench.bench_backtest            # 180 dates (2011-01..2025-12), then scaling runs
    python -m bench.bench_backtest --quick    # scaling runs only (36 dates)
    python -m bench.bench_backtest --split    # CPU per step of one date (12 month ends)
    python -m bench.bench_backtest --serial   # also the 180 dates in one process (--jobs 1)

The 180-date run uses the default ``--jobs`` (2 worker processes on a 2-CPU machine); the
scaling runs use ``--jobs 1`` so their per-date cost is one process's.

Each run is a child process (with its own worker processes under the default ``--jobs``).
Peak memory is the whole process tree's: sampled every 0.2 s, the sum of the tree's resident
memory (RSS: pages shared by the forked workers counted once per process, an upper bound) and of
its proportional set size (PSS: shared pages split among the sharers). CPU seconds (the child's
and its workers') are printed beside wall seconds because the machine is shared (wall time
inflates under load), with the load average at the start. The sample history is generated once
beforehand (cached under the data dir) and not counted.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, resource, sys, time
from screener.backtest.run import BacktestConfig, run_backtest
start, end, unis = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
jobs = int(sys.argv[5]) if sys.argv[5] != "-" else None
cfg = BacktestConfig(screen=sys.argv[4], start=start, end=end, universes=unis, provider="sample",
                     jobs=jobs)
t0, c0 = time.perf_counter(), time.process_time()
res = run_backtest(cfg)
total, cpu = time.perf_counter() - t0, time.process_time() - c0
ch = resource.getrusage(resource.RUSAGE_CHILDREN)
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
s = res.tables["sample"]
print(json.dumps({**res.timings, "total_s": total, "cpu_s": cpu + ch.ru_utime + ch.ru_stime,
                  "workers_cpu_s": ch.ru_utime + ch.ru_stime, "max_rss_mb": hwm / 1024,
                  "universe_per_date": float(s["universe"].mean()),
                  "eligible_per_date": float(s["eligible"].mean()),
                  "factors": int(res.tables["factors"]["factor"].nunique())}))
"""


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for t in os.listdir(f"/proc/{p}/task"):
                todo += [int(c) for c in
                         Path(f"/proc/{p}/task/{t}/children").read_text().split()]
        except OSError:
            pass
    return out


def _memory(pids: list[int]) -> tuple[int, int]:
    """(sum of RSS, sum of PSS) in kB over ``pids``."""
    rss = pss = 0
    for p in pids:
        try:
            for ln in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if ln.startswith("Rss:"):
                    rss += int(ln.split()[1])
                elif ln.startswith("Pss:"):
                    pss += int(ln.split()[1])
        except OSError:
            pass
    return rss, pss


def child(start: str, end: str, universes: str, jobs: int | None = None) -> dict:
    """One backtest in a child process; the tree's peak memory sampled meanwhile."""
    screen = ROOT / "screens" / "rebound.yaml"
    load = os.getloadavg()[0]
    proc = subprocess.Popen([sys.executable, "-c", CHILD, start, end, universes, str(screen),
                             str(jobs) if jobs else "-"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT)
    peak = {"rss": 0, "pss": 0, "procs": 1}

    def sample() -> None:
        while proc.poll() is None:
            pids = _tree(proc.pid)
            rss, pss = _memory(pids)
            peak["rss"], peak["pss"] = max(peak["rss"], rss), max(peak["pss"], pss)
            peak["procs"] = max(peak["procs"], len(pids))
            time.sleep(0.2)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    stdout, stderr = proc.communicate()
    watcher.join()
    if proc.returncode:
        raise SystemExit(f"backtest child failed:\n{stderr[-3000:]}")
    r = json.loads(stdout.strip().splitlines()[-1])
    return {**r, "tree_rss_mb": peak["rss"] / 1024, "tree_pss_mb": peak["pss"] / 1024,
            "processes": peak["procs"], "load_avg": load}


def line(label: str, r: dict) -> str:
    per = r["evaluate_s"] / r["dates"]
    per_cpu = r.get("evaluate_cpu_s", float("nan")) / r["dates"]
    workers = r.get("workers_cpu_s", 0.0)
    cpu_note = (f"{per_cpu * 1000:4.0f} ms CPU" if workers < 0.5 else
                f"workers {workers:5.1f} s CPU")
    rest = r["total_s"] - r["load_s"] - r["evaluate_s"] - r["statistics_s"]  # tables, report
    return (f"{label:<10} {r['total_s']:6.1f} s wall ({r['cpu_s']:6.1f} s CPU)  "
            f"load {r['load_s']:5.1f} s  "
            f"evaluate {r['evaluate_s']:6.1f} s ({per * 1000:4.0f} ms/date wall, "
            f"{cpu_note})  "
            f"statistics {r['statistics_s']:5.1f} s  tables {rest:4.1f} s  "
            f"peak tree {r['tree_rss_mb']:5.0f} MB RSS / {r['tree_pss_mb']:5.0f} MB PSS "
            f"({r['processes']} proc)  load avg {r['load_avg']:.1f}  "
            f"{r['universe_per_date']:.0f} names/date, {r['factors']} factors")


def run(quick: bool = False, serial: bool = False) -> dict:
    from screener.sample.history import sample_history

    sample_history()  # generate (or reuse) the cached history outside the timings
    out = {}
    if not quick:
        out["full"] = child("2011-01", "2025-12", "russell2000,sp600")
        if serial:
            out["full_j1"] = child("2011-01", "2025-12", "russell2000,sp600", jobs=1)
    out["both_36"] = child("2021-01", "2023-12", "russell2000,sp600", jobs=1)
    out["sp600_36"] = child("2021-01", "2023-12", "sp600", jobs=1)
    out["both_12"] = child("2023-01", "2023-12", "russell2000,sp600", jobs=1)
    return out


SPLIT = r"""
import sys, time
from dataclasses import replace
import pandas as pd
from screener.backtest.source import PitSource
from screener.metrics.build import standard_metrics
from screener.raw.bundle import is_clean, validate_bundle
from screener.rules import compile_screen
from screener.rules.engine import run
from screener.sample.history import sample_history
unis = ["russell2000", "sp600"]
dates = pd.DatetimeIndex(pd.date_range("2021-01-01", periods=12, freq="BME"))
src = PitSource(sample_history(), unis, dates, dates[-1] + pd.Timedelta(days=30), is_sample=True)
plan = replace(compile_screen(sys.argv[1]), universes=unis)
best = None
for _ in range(2):
    t = dict.fromkeys(["bundle", "validate", "frame", "engine"], 0.0)
    for d in dates:
        c = time.process_time(); b = src._bundles.bundle(d); t["bundle"] += time.process_time() - c
        c = time.process_time()
        b = b if is_clean(b, src._bundles.tickers_ok) else validate_bundle(b)[0]
        t["validate"] += time.process_time() - c
        c = time.process_time(); f = standard_metrics(b, d.date()); t["frame"] += time.process_time() - c
        c = time.process_time(); run(plan, f); t["engine"] += time.process_time() - c
    if best is None or sum(t.values()) < sum(best.values()):
        best = t
total = sum(best.values())
print(f"per date CPU (12 month ends of 2021, best of 2 passes): {1000 * total / 12:.0f} ms; "
      + ", ".join(f"{k} {1000 * v / 12:.0f} ms ({100 * v / total:.0f} %)" for k, v in best.items()))
"""


def split() -> str:
    """CPU per step of one date (bundle, validation, frame, engine), the window loaded."""
    screen = ROOT / "screens" / "rebound.yaml"
    out = subprocess.run([sys.executable, "-c", SPLIT, str(screen)], capture_output=True,
                         text=True, cwd=ROOT, check=False)
    if out.returncode:
        raise SystemExit(f"split child failed:\n{out.stderr[-3000:]}")
    return out.stdout.strip().splitlines()[-1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--split", action="store_true", help="only the CPU per step of one date")
    ap.add_argument("--serial", action="store_true",
                    help="also the 180 dates with --jobs 1 (one process)")
    args = ap.parse_args()
    if args.split:
        print(split())
        return
    res = run(args.quick, args.serial)
    for k, r in res.items():
        print(line(k, r), flush=True)
    if "both_12" in res and "both_36" in res:
        a, b = res["both_12"], res["both_36"]
        print(f"dates x3 (12 -> 36): evaluate x{b['evaluate_s'] / a['evaluate_s']:.2f} wall, "
              f"x{_cpu(b, 'evaluate') / _cpu(a, 'evaluate'):.2f} CPU; "
              f"statistics x{b['statistics_s'] / a['statistics_s']:.2f} wall, "
              f"x{_cpu(b, 'statistics') / _cpu(a, 'statistics'):.2f} CPU")
    if "sp600_36" in res and "both_36" in res:
        a, b = res["sp600_36"], res["both_36"]
        print(f"names x{b['universe_per_date'] / a['universe_per_date']:.1f} (sp600 -> both): "
              f"evaluate x{b['evaluate_s'] / a['evaluate_s']:.2f} wall, "
              f"x{_cpu(b, 'evaluate') / _cpu(a, 'evaluate'):.2f} CPU; "
              f"statistics x{b['statistics_s'] / a['statistics_s']:.2f} wall, "
              f"x{_cpu(b, 'statistics') / _cpu(a, 'statistics'):.2f} CPU")


def _cpu(r: dict, step: str) -> float:
    return r.get(f"{step}_cpu_s", float("nan"))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
