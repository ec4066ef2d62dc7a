"""The exports of a REAL run, next to the libraries doing the same job (issue 17 items 3, 4, 6).

The fictional sample universe is generated at 2,600 and 50,000 names and the default screen
(``screens/rebound.yaml``) runs through the real pipeline into a ``RunResult``; then, each
best of ``repeats`` (wall, with the CPU seconds of that run), in a child process per size:

- table building (``tables.build_tables``: every table the workbook and the csv/parquet/json
  writers share), and the Data quality table alone next to one pandas merge of as many rows;
- csv export (``write_tables(..., "csv")``: building the tables, the formula guard, the atomic
  folder) vs ``DataFrame.to_csv`` of the same frames, built beforehand;
- parquet export vs pyarrow ``write_table`` of the same frames, built beforehand;
- json export vs ``DataFrame.to_json(orient="records")`` of the same frames (no target);
- the workbook as written by default (above the limit: top rows + Parquet beside it) vs
  xlsxwriter writing the same cells (the same sheets, rows and columns) with the same formats;
  at 50,000 names also the ``--full`` workbook once, for the record.

    python -m bench.bench_scale            # 2,600 and 50,000 names
    python -m bench.bench_scale 2600       # one size
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _best(fn, repeats: int) -> tuple[float, float]:
    """(wall, cpu) of the fastest of ``repeats`` calls."""
    runs = []
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        runs.append((time.perf_counter() - w0, time.process_time() - c0))
    return min(runs)


def _sheets(result, tables, cut):
    """(sheet, frame, columns) of every table sheet the workbook writes, as it writes them."""
    from screener.export import columns as cols
    from screener.export import cut as cuts
    from screener.export.sheet_explain import _columns as explain_wide_columns
    from screener.export.sheets_lists import all_names_columns
    from screener.export.sheets_reference import dq_columns, explain_columns
    from screener.export.tables import _slug
    from screener.export.workbook import phase_sheet_names

    names = phase_sheet_names(result)
    out = []
    for p in result.phases:
        table = tables[f"phase-{_slug(p.id)}"]
        out.append((names[p.id], table, cols.phase_columns(p, result)
                    + cols.provenance_columns(table.columns)))
    every, why, dq = tables["all_names"], result.why, tables["data_quality"]
    if cut is not None:
        every, why = cuts.top_all_names(every, result, cut), cuts.top_why(why, cut)
        dq = cuts.top_data_quality(dq, cut)
    out.append(("All names", every, all_names_columns(every, result)))
    out.append(("Explain", why, explain_wide_columns(result)))
    ex = tables["explain"]
    out.append(("Score parts", ex, [c for c in explain_columns() if c.key in ex]))
    out.append(("Data quality", dq, dq_columns()))
    return out


def child(n: int, repeats: int, full: bool) -> dict:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from bench.bench_excel import write_xlsxwriter
    from screener.export import cut as cuts
    from screener.export import write_tables, write_workbook
    from screener.export.quality import data_quality
    from screener.export.tables import _parquet_ready, build_tables
    from screener.pipeline import run_screen

    w0, c0 = time.perf_counter(), time.process_time()
    result = run_screen(ROOT / "screens" / "rebound.yaml", provider="sample", n=n, regime=False)
    out = {"sample": n, "names": len(result.universe) if result.universe is not None else len(result.eligible),
           "eligible": len(result.eligible), "run_s": time.perf_counter() - w0,
           "run_cpu": time.process_time() - c0}
    tables = build_tables(result)
    out["dq_rows"] = len(tables["data_quality"])
    out["build"] = _best(lambda: build_tables(result), repeats)
    out["dq"] = _best(lambda: data_quality(result), repeats)
    m = result.missing
    prov = result.provenance[["statements_source", "statements_as_of"]]
    out["dq_merge"] = _best(lambda: m.merge(prov, left_on="ticker", right_index=True,
                                            how="left"), repeats)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)

        # the baselines write frames built beforehand (not timed); parquet gets them with
        # mixed-type text columns as text, as pyarrow cannot encode them otherwise
        ready = {name: _parquet_ready(df) for name, df in tables.items()}

        def plain(fmt):
            folder = tmp / f"plain-{fmt}"
            folder.mkdir(exist_ok=True)
            for name, df in tables.items():
                if fmt == "csv":
                    df.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n")
                elif fmt == "parquet":
                    pq.write_table(pa.Table.from_pandas(ready[name], preserve_index=False),
                                   folder / f"{name}.parquet")
                else:
                    (folder / f"{name}.json").write_text(df.to_json(orient="records", date_format="iso"))

        def ours(fmt, built=None):
            write_tables(result, tmp / f"ours-{fmt}" / f"run.{fmt}", fmt, tables=built)

        for fmt in ("csv", "parquet", "json"):
            out[fmt] = _best(lambda f=fmt: ours(f), repeats)
            out[f"{fmt}_write"] = _best(lambda f=fmt: ours(f, tables), repeats)
            out[f"{fmt}_base"] = _best(lambda f=fmt: plain(f), repeats)
        out["workbook"] = _best(lambda: write_workbook(result, tmp / "wb.xlsx"), repeats)
        cut = cuts.plan(result, tables, tmp / "wb.xlsx")
        sheets = _sheets(result, tables, cut)
        out["cells"] = int(sum(len(df) * len(c) for _, df, c in sheets))
        out["cut"] = cut is not None
        out["workbook_base"] = _best(
            lambda: write_xlsxwriter(result, tmp / "ref.xlsx", sheets=sheets), repeats)
        out["workbook_mb"] = (tmp / "wb.xlsx").stat().st_size / 1e6
        if full and cut is not None:
            out["full"] = _best(lambda: write_workbook(result, tmp / "full.xlsx", full=True), 1)
            out["full_cells"] = int(sum(len(df) * len(c)
                                        for _, df, c in _sheets(result, tables, None)))
    with open("/proc/self/status") as status:
        hwm = next(int(line.split()[1]) for line in status if line.startswith("VmHWM"))
    out["peak_mb"] = hwm / 1024
    return out


def run(n: int, repeats: int = 3, full: bool = True) -> dict:
    """The figures for ``n`` names, measured in a child process (its own peak memory)."""
    proc = subprocess.run([sys.executable, "-m", "bench.bench_scale", "--child", str(n),
                           str(repeats), "1" if full else "0"], capture_output=True, text=True,
                          check=True, cwd=ROOT)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def rows(r: dict) -> list[tuple[str, str, str]]:
    """Bench table rows (what, ratio, figures) for one size."""
    n = f"{r['sample']:,}-name sample ({r['names']:,} in the universe)"

    def fig(key):
        wall, cpu = r[key]
        return f"{wall:.2f} s ({cpu:.2f} s CPU)"

    def ratio(key):
        return f"x{r[key][0] / r[key + '_base'][0]:.2f} time"

    build = (f"tables built once, {n} ({r['eligible']:,} eligible, {r['dq_rows']:,} Data "
             "quality rows)")
    build_note = (f"every shared table; Data quality alone {fig('dq')} vs one pandas merge of "
                  f"as many rows {fig('dq_merge')} (x{r['dq'][0] / r['dq_merge'][0]:.0f}); "
                  f"the real run itself {r['run_s']:.1f} s")
    csv = (f"{fig('csv')} vs to_csv of the same frames {fig('csv_base')} (target 1.5x); "
           f"writing the tables once built {fig('csv_write')} "
           f"(x{r['csv_write'][0] / r['csv_base'][0]:.2f})")
    parquet = (f"{fig('parquet')} vs pyarrow write_table of the same frames "
               f"{fig('parquet_base')} (target 1.5x); writing the tables once built "
               f"{fig('parquet_write')} (x{r['parquet_write'][0] / r['parquet_base'][0]:.2f})")
    json_note = (f"{fig('json')} vs to_json(records) of the same frames {fig('json_base')} "
                 "(no target; one indented document)")
    cut = ("; top rows + Parquet beside (above the 10,000-name limit)" if r["cut"]
           else "; every row (under the limit)")
    full = f"; --full {fig('full')} for {r['full_cells']:,} cells" if "full" in r else ""
    book = (f"{fig('workbook')} vs xlsxwriter on the same {r['cells']:,} cells "
            f"{fig('workbook_base')}; {r['workbook_mb']:.1f} MB{cut}{full}; "
            f"peak {r['peak_mb']:.0f} MB")
    return [(build, fig("build"), build_note),
            (f"csv export, {n}", ratio("csv"), csv),
            (f"parquet export, {n}", ratio("parquet"), parquet),
            (f"json export, {n}", ratio("json"), json_note),
            (f"workbook, {n}", ratio("workbook"), book)]


def main(sizes: list[int]) -> None:
    for n in sizes:
        for what, ratio, figures in rows(run(n)):
            print(f"{what:<60} {ratio:<12} {figures}", flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(child(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1")))
    else:
        main([int(a) for a in sys.argv[1:]] or [2600, 50_000])
