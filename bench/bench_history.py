"""Benchmark: daily price history in the columnar store, read back as of a date.

    python bench/bench_history.py              # 2,600 names x 20 years (~13M rows)
    python bench/bench_history.py 50000 3      # 50,000 names x 3 years

Writes a synthetic (fictional) history into a temporary ``HistoryStore`` once, then times,
from the warm store (files written, OS cache warm after one read):

- the full-range panel load (every name, every day: what a backtest loads once),
- the as-of load (the look-back an as-of evaluation needs: three years before the date),
- the price metrics as of the date from that panel,
- an incremental write of one new day for every name (what a daily `fetch --history` adds).

Peak memory is the process's VmHWM (run one size per process for a clean figure).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from screener.history import HistoryStore
from screener.history.prices import PricePanel
from screener.history.schema import spec

BENCH = ("IWM", "IJR", "SPY")


def names(n: int) -> list[str]:
    return [*BENCH, *[f"T{i:06d}" for i in range(n)]]


def build(root: Path, n: int, years: int, seed: int = 0, end="2026-11-27") -> dict:
    """Write a fictional history year by year (one write per year partition, so no merge
    work): random walks, traded prices in cents, adjusted close at full precision."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range(end=end, periods=252 * years)
    tick = names(n)
    s = spec("prices")
    store = HistoryStore(root)
    level = np.full(len(tick), 20.0)
    t0 = time.perf_counter()
    rows = 0
    for _, days in pd.Series(dates, index=dates).groupby(dates.year):
        k = len(days)
        walk = level * np.exp(np.cumsum(rng.normal(0.0002, 0.02, (k, len(tick))), axis=0))
        level = walk[-1]
        close = walk.T.ravel()
        traded = close.round(2)
        table = pa.Table.from_pydict({
            "ticker": pa.array(np.repeat(np.array(tick, dtype=object), k)),
            "date": pa.array(np.tile(days.values.astype("datetime64[D]"), len(tick))),
            "open": pa.array(traded), "high": pa.array((close * 1.01).round(2)),
            "low": pa.array((close * 0.99).round(2)), "close": pa.array(traded),
            "adj_close": pa.array(close * 0.98),
            "volume": pa.array(rng.integers(1e3, 1e6, close.size).astype("float64")),
            "source": pa.array(["bench"] * close.size),
        }, schema=s.schema)
        rows += store.write("prices", table)
    return {"rows": rows, "write_s": time.perf_counter() - t0,
            "mb_on_disk": sum(f.stat().st_size for f in store.files("prices")) / 1e6}


def measure(root: Path, n: int, full: bool = True) -> dict:
    """Loads and metrics from the warm store at ``root`` (run in a fresh process)."""
    from screener.metrics import prices

    store = HistoryStore(root)
    tick = names(n)
    last = store.latest("prices").max()
    as_of = (last - pd.Timedelta(days=30)).date()
    look_back = as_of - pd.Timedelta(days=1100)  # > 756 trading days
    out: dict = {"names": n}
    warm = PricePanel.load(store, tick[:10], start=look_back, end=as_of)
    prices.compute(warm, pd.Index(tick[3:10]), "IWM")  # imports (scipy) out of the timing
    if full:
        t, c = time.perf_counter(), time.process_time()
        panel = PricePanel.load(store, tick)
        out["full_load_s"] = time.perf_counter() - t
        out["full_load_cpu_s"] = time.process_time() - c
        out["full_rows"] = int(np.isfinite(panel.close).sum())
        del panel
    t, c = time.perf_counter(), time.process_time()
    panel = PricePanel.load(store, tick, start=look_back, end=as_of)
    out["asof_load_s"] = time.perf_counter() - t
    out["asof_load_cpu_s"] = time.process_time() - c
    out["asof_rows"] = int(np.isfinite(panel.close).sum())
    t, c = time.perf_counter(), time.process_time()
    _, has, _ = prices.compute(panel.until(as_of), pd.Index(tick[3:]), "IWM")
    out["metrics_s"] = time.perf_counter() - t
    out["metrics_cpu_s"] = time.process_time() - c
    out["priced_names"] = int(has.sum())
    out["peak_mb"] = hwm_mb()
    out["load_average"] = os.getloadavg()[0]
    return out


def append_day(root: Path, n: int) -> float:
    """A daily `fetch --history`: one new day for every name, merged into its year file."""
    store = HistoryStore(root)
    tick = names(n)
    last = store.latest("prices").max()
    day = pd.DataFrame({"ticker": tick, "date": last + pd.Timedelta(days=3), "close": 1.0,
                        "adj_close": 1.0, "volume": 1.0, "source": "bench"})
    t = time.perf_counter()
    store.write("prices", day)
    return time.perf_counter() - t


def hwm_mb() -> float:
    return next(int(line.split()[1]) for line in open("/proc/self/status")
                if line.startswith("VmHWM")) / 1024


def run(n: int = 2600, years: int = 20, full: bool = True) -> dict:
    """Build in this process, measure in a fresh one (its peak memory is the load's own)."""
    import subprocess

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "history"
        out = {"names": n, "years": years, **build(root, n, years)}
        code = ("import json, sys; sys.path.insert(0, sys.argv[1]); from pathlib import Path; "
                "from bench.bench_history import measure; "
                "print(json.dumps(measure(Path(sys.argv[2]), int(sys.argv[3]), "
                "sys.argv[4] == '1')))")
        res = subprocess.run([sys.executable, "-c", code, str(ROOT), str(root), str(n),
                              "1" if full else "0"], capture_output=True, text=True, check=True)
        out |= json.loads(res.stdout.strip().splitlines()[-1])
        out["daily_append_s"] = append_day(root, n)
    return out


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2600
    years = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    print(json.dumps(run(n, years, full=n <= 10_000), indent=1))
