"""All benchmarks in one command: prints a table and writes bench/RESULTS.md.

    python -m bench            # full: 1,000-name SEC fetch (about two minutes), 50,000-name runs
    python -m bench --quick    # 200-name fetch, smaller repeats

Figures, not tests: machines here are noisy, so read ratios rather than absolute seconds.
Each heavy measurement runs in a child process so peak memory (max RSS) is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHILD = r"""
import json, sys, tempfile, time
from pathlib import Path
n = int(sys.argv[1]); write = sys.argv[2] == "1"
from screener.pipeline import run_screen
from screener.export import write_workbook
t0 = time.perf_counter()
result = run_screen(Path(sys.argv[3]), provider="sample", n=n)
t1 = time.perf_counter()
if write:
    with tempfile.TemporaryDirectory() as tmp:
        write_workbook(result, Path(tmp) / "bench.xlsx")
t2 = time.perf_counter()
# VmHWM, not ru_maxrss: on Linux ru_maxrss survives exec and would report the parent's peak
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(json.dumps({"run_s": t1 - t0, "write_s": t2 - t1, "max_rss_mb": hwm / 1024}))
"""


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import numpy
    import openpyxl
    import pandas
    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}), "
            f"{mem:.0f} GiB RAM; Python {platform.python_version()}, pandas {pandas.__version__},"
            f" numpy {numpy.__version__}, openpyxl {openpyxl.__version__}")


def child(n: int, write: bool) -> dict:
    screen = ROOT / "screens" / "rebound.yaml"
    out = subprocess.run([sys.executable, "-c", CHILD, str(n), "1" if write else "0",
                          str(screen)], capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def demo_end_to_end() -> float:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "from screener.cli import cli; cli()", "demo",
                        "--out", str(Path(tmp) / "demo.xlsx")], check=True, capture_output=True,
                       cwd=ROOT)
        return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description="Run every benchmark and write bench/RESULTS.md.")
    ap.add_argument("--quick", action="store_true", help="smaller fetch, fewer repeats")
    ap.add_argument("--no-write", action="store_true", help="print only, keep RESULTS.md")
    ap.add_argument("--speed", action="store_true",
                    help="only the speed-at-scale figures (store load, import, start-up); "
                         "rewrites only that section of RESULTS.md")
    args = ap.parse_args()
    if args.speed:
        speed(write=not args.no_write)
        return

    from bench import (
        bench_engine,
        bench_excel,
        bench_fetch,
        bench_history,
        bench_metrics,
        bench_price_fetch,
        bench_regime,
        bench_sample,
    )

    rows: list[tuple[str, str, str]] = []

    def add(what: str, figure: str, note: str = "") -> None:
        rows.append((what, figure, note))
        print(f"{what:<52} {figure:<26} {note}", flush=True)

    print(machine(), "\n")
    add("demo end to end (`screener demo`, 2,600 names)", f"{demo_end_to_end():.2f} s",
        "subprocess: start-up, sample, metrics, engine, workbook")

    t_small, _ = bench_sample.time_generation(2600, 3)
    t_large, _ = bench_sample.time_generation(50_000, 1 if args.quick else 3)
    add("sample universe generation 2,600 / 50,000", f"{t_small:.3f} s / {t_large:.2f} s",
        f"x{t_large / t_small:.0f} time for x19 names")

    small, large = bench_metrics.synthetic_bundle(2600), bench_metrics.synthetic_bundle(50_000)
    m_small, m_large = bench_metrics._time(small), bench_metrics._time(large)
    add("metrics (standard frame) 2,600 / 50,000", f"{m_small:.3f} s / {m_large:.2f} s",
        f"x{m_large / m_small:.1f} time for x19 names")

    frame = bench_engine.base_frame()
    big = bench_engine.resample(frame, 50_000)
    bench_engine.timed(frame, 1)
    _, _, e_small = bench_engine.timed(frame, 3 if args.quick else 7)
    _, _, e_large = bench_engine.timed(big, 1 if args.quick else 3)
    add("engine compile+evaluate 2,600 / 50,000", f"{e_small:.3f} s / {e_large:.3f} s",
        f"x{e_large / e_small:.1f} time for x{len(big) / len(frame):.0f} names "
        "(targets 0.15 s / 2 s)")

    for n in (2600, 50_000):
        r = bench_excel.bench(n)
        add(f"workbook write {n:,} names ({r['cells']:,} cells)",
            f"{r['openpyxl_s']:.2f} s vs {r['xlsxwriter_s']:.2f} s",
            f"openpyxl / xlsxwriter = {r['ratio']:.2f}x, {r['mb']:.1f} MB")

    f = bench_fetch.run(200 if args.quick else 1000)
    add(f"SEC fetch {f['names']:,} names (10/s sliding window, 50 ms, 10% faults, "
        f"{f['busy']} CPU burners)", f"{f['ratio']:.3f} of allowed rate",
        f"{f['achieved']:.2f} req/s, {f['over_limit']} over the limit, lost "
        f"{f['names'] - f['stored']}, max {f['max_window']} in any 1 s, second run "
        f"{f['second_requests']} requests")
    two = bench_fetch.run_two(100 if args.quick else 400)
    add(f"two SEC fetches at once ({two['names']:,} names, half shared)",
        f"{two['over_limit']} over the limit",
        f"{two['span_ratio']:.3f} of allowed while fetching, {two['fetched_twice']} fetched "
        f"twice, lost {two['names'] - two['stored']}, exit codes {two['exit_codes']}")

    h = bench_history.run(2600, 20)
    add(f"price history as-of load, {h['names']:,} names x 20 y ({h['rows'] / 1e6:.1f}M rows)",
        f"{h['asof_load_s']:.2f} s", f"3-year look-back ({h['asof_rows'] / 1e6:.1f}M prices), "
        f"{h['asof_load_cpu_s']:.2f} s CPU; price metrics {h['metrics_s']:.2f} s; target < 2 s")
    add(f"price history full load, {h['names']:,} names x 20 y",
        f"{h['full_load_s']:.2f} s", f"{h['full_load_cpu_s']:.2f} s CPU, peak {h['peak_mb']:.0f} MB"
        f", {h['mb_on_disk']:.0f} MB on disk; load average {h['load_average']:.1f}")
    add("price history write (20 year files) / one new day", f"{h['write_s']:.1f} s / "
        f"{h['daily_append_s']:.2f} s", f"{h['rows'] / h['write_s'] / 1e6:.2f}M rows/s")
    pf = bench_price_fetch.run(100 if args.quick else 300)
    add(f"fetch --history, {pf['names']} names (5% faults): first / same day / next day",
        f"{pf['first']['requests']} / {pf['same_day']['requests']} / "
        f"{pf['next_day']['requests']} requests",
        f"{pf['first']['rows']:,} rows in {pf['first']['seconds']:.1f} s; next day "
        f"{pf['next_day']['rows']} rows (overlap + new day), lost "
        f"{pf['first']['lost'] + pf['next_day']['lost']}; retries included")
    if not args.quick:
        big = bench_history.run(50_000, 3, full=False)
        add("price history as-of load, 50,000 names x 3 y",
            f"{big['asof_load_s']:.2f} s", f"{big['asof_rows'] / 1e6:.1f}M prices, "
            f"{big['asof_load_cpu_s']:.2f} s CPU, peak {big['peak_mb']:.0f} MB; metrics "
            f"{big['metrics_s']:.2f} s; x{big['asof_rows'] / h['asof_rows']:.0f} rows")
    rg = bench_regime.run(3 if args.quick else 5)
    add(f"regime panel, warm store ({rg['indicators']} indicators, {rg['rows']:,} macro rows)",
        f"{rg['full_s']:.3f} s", f"panel alone {rg['panel_s']:.3f} s; with "
        f"{rg['history_dates']} dates of verdict history (target < 2 s)")

    mem = child(50_000, write=True)
    add("run + workbook at 50,000 names (one process)", f"{mem['max_rss_mb']:.0f} MB peak RSS",
        f"run {mem['run_s']:.1f} s, workbook {mem['write_s']:.1f} s")
    mem_small = child(2600, write=True)
    add("run + workbook at 2,600 names (one process)", f"{mem_small['max_rss_mb']:.0f} MB peak RSS",
        f"run {mem_small['run_s']:.2f} s, workbook {mem_small['write_s']:.2f} s")

    from bench import bench_sample_history

    h = bench_sample_history.measure(2600, 5 if args.quick else 20)
    years = 5 if args.quick else 20
    add(f"sample history 2,600 names x {years} years (fictional)",
        f"{h['generate_s']:.0f} s once, hit {h['hit_s'] * 1000:.1f} ms",
        f"{sum(h['rows'].values()):,} rows, {sum(h['mb'].values()):.0f} MB on disk, "
        f"peak {h['max_rss_mb']:.0f} MB")

    from bench import bench_asof

    a = bench_asof.run(runs=1 if args.quick else 3)
    add(f"as-of data load, {a['names']:,} names (sample history, warm)",
        f"{a['dataset_s']:.2f} s", f"PointInTime.load {a['load_s']:.2f} s + bundle "
        f"{a['bundle_s']:.2f} s + metrics; run without workbook {a['run_s']:.2f} s; "
        f"{a['dates']} month ends: load {a['range_load_s']:.2f} s, {a['per_date_s']:.2f} s/date")

    from bench import bench_backtest

    bt = bench_backtest.run(quick=args.quick)
    b = bt.get("full") or bt["both_36"]
    add(f"backtest, default playbook, {b['universe_per_date']:,.0f} names x {b['dates']} dates",
        f"{b['total_s']:.0f} s ({b['cpu_s']:.0f} s CPU), peak {b['max_rss_mb']:.0f} MB",
        f"load {b['load_s']:.0f} s, {b['evaluate_s'] / b['dates'] * 1000:.0f} ms/date, "
        f"statistics {b['statistics_s']:.0f} s ({b['factors']} factors x 4 horizons)")

    speed_rows = speed_figures(quick=args.quick)
    if not args.no_write:
        lines = [
            "# Benchmark results", "",
            (f"Written by `python -m bench{' --quick' if args.quick else ''}` on "
             f"{datetime.now():%Y-%m-%d %H:%M}."), "",
            f"Machine: {machine()}.", "",
            "Figures from one run on a shared 2-core machine; compare ratios, not seconds.", "",
            "| what | figure | note |", "| --- | --- | --- |",
            *[f"| {w} | {fig} | {n} |" for w, fig, n in rows], "",
            *speed_section(speed_rows),
        ]
        (ROOT / "bench" / "RESULTS.md").write_text("\n".join(lines))
        print("\nwrote bench/RESULTS.md")


SPEED_TITLE = "## Speed at scale: every figure as a ratio to its library baseline"


def speed_figures(quick: bool = False) -> list[tuple[str, str, str]]:
    """Store load, file import, a real run's exports (tables, csv, parquet, json, workbook)
    and start-up, each next to the library doing the same job in the same run (issue 17);
    printed as they come."""
    from bench import bench_import, bench_scale, bench_startup, bench_store

    rows: list[tuple[str, str, str]] = []

    def add(what: str, figure: str, note: str = "") -> None:
        rows.append((what, figure, note))
        print(f"{what:<52} {figure:<26} {note}", flush=True)

    for n in (2600, 50_000):
        r = bench_store.run(n, repeats=2 if quick else 3)
        add(f"store load {n:,} names, warm / first", f"x{r['time_ratio']:.2f} time, "
            f"x{r['mem_ratio']:.2f} memory", f"warm {r['warm_s']:.2f} s ({r['warm_mb']:.0f} MB)"
            f" vs pandas.read_parquet of the same blocks {r['base_s']:.2f} s "
            f"({r['base_mb']:.0f} MB); whole process (start, imports, load, exit) "
            f"{r['whole_s']:.2f} s vs {r['whole_base_s']:.2f} s (x{r['whole_ratio']:.2f}); "
            f"first load {r['first_s']:.1f} s ({r['first_mb']:.0f} MB);"
            f" store {r['store_mb']:.0f} MB + parsed columns {r['columns_mb']:.0f} MB")
    r = bench_import.run(2600, repeats=2 if quick else 3)
    add(f"fetch --from-file {r['names']:,} names x 5 years ({r['file_mb']:.1f} MB CSV)",
        f"x{r['ratio']:.2f} time (CPU x{r['cpu_ratio']:.2f}), x{r['mem_ratio']:.1f} file "
        "size", f"{r['import_s']:.2f} s with the store (journal + parsed columns), "
        f"{r['checks_s']:.2f} s without, bundle built (x{r['checks_ratio']:.2f}) vs read_csv + "
        f"the checks vectorised {r['base_s']:.2f} s, all after a warm-up; held {r['import_mb']:.1f}"
        f" MB, traced + Arrow (baseline {r['base_mb']:.1f} MB)")
    for n in (2600, 50_000):   # a real run's exports (issue 17 items 3, 4, 6)
        for what, figure, note in bench_scale.rows(bench_scale.run(n, repeats=2 if quick else 3,
                                                                   full=not quick)):
            add(what, figure, note)
    s = bench_startup.run(5 if quick else 9)
    add("screener --help (whole process, median)", f"x{s['help_s'] / s['floor_s']:.2f}",
        f"{s['help_s']:.3f} s vs importing click+rich+yaml {s['floor_s']:.3f} s; --version "
        f"{s['version_s']:.3f} s, validate {s['validate_s']:.3f} s; no pandas/numpy/pyarrow/"
        "openpyxl loaded (tests/core/test_startup.py)")
    return rows


def speed_section(rows: list[tuple[str, str, str]]) -> list[str]:
    return [SPEED_TITLE, "",
            (f"Written on {datetime.now():%Y-%m-%d %H:%M}; ratios of this code to the library "
             "doing the same job, side by side in one run (each in its own process)."), "",
            "| what | ratio | figures |", "| --- | --- | --- |",
            *[f"| {w} | {fig} | {n} |" for w, fig, n in rows], ""]


def speed(write: bool) -> None:
    print(machine(), "\n")
    rows = speed_figures()
    if not write:
        return
    path = ROOT / "bench" / "RESULTS.md"
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    head, _, rest = text.partition(SPEED_TITLE)
    after = rest.find("\n## ")  # the sections after this one are kept
    tail = rest[after:] if after >= 0 else ""
    path.write_text(head.rstrip("\n") + "\n\n" + "\n".join(speed_section(rows)) + tail)
    print("\nwrote the speed section of bench/RESULTS.md")


if __name__ == "__main__":
    main()
