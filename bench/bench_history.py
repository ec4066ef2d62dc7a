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

from screener.history import HistoryStore  # noqa: E402
from screener.history.prices import PricePanel  # noqa: E402
from screener.history.schema import spec  # noqa: E402

BENCH = ("IWM", "IJR", "SPY")


def synthetic_rows(n: int, years: int, seed: int = 0, end="2026-11-27"):
    """Yields one pyarrow table per block of names (fictional tickers, random walks)."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range(end=end, periods=252 * years)
    days = dates.values.astype("datetime64[D]")
    names = [*BENCH, *[f"T{i:06d}" for i in range(n)]]
    s = spec("prices")
    block = max(1, 2_000_000 // len(dates))
    for lo in range(0, len(names), block):
        group = names[lo:lo + block]
        k = len(group)
        walk = 20 * np.exp(np.cumsum(rng.normal(0.0002, 0.02, (len(dates), k)), axis=0))
        close = walk.T.ravel().round(2)  # traded prices in cents; adj_close full precision
        cols = {
            "ticker": pa.array(np.repeat(np.array(group, dtype=object), len(dates))),
            "date": pa.array(np.tile(days, k)),
            "open": pa.array(close * 0.995), "high": pa.array(close * 1.01),
            "low": pa.array(close * 0.99), "close": pa.array(close),
            "adj_close": pa.array(walk.T.ravel() * 0.98),
            "volume": pa.array(rng.integers(1e3, 1e6, close.size).astype("float64")),
            "source": pa.array(["bench"] * close.size),
        }
        yield pa.Table.from_pydict(cols, schema=s.schema)


def hwm_mb() -> float:
    return next(int(line.split()[1]) for line in open("/proc/self/status")
                if line.startswith("VmHWM")) / 1024


def run(n: int = 2600, years: int = 20) -> dict:
    from screener.metrics import prices

    out: dict = {"names": n, "years": years}
    with tempfile.TemporaryDirectory() as tmp:
        store = HistoryStore(Path(tmp) / "history")
        t0 = time.perf_counter()
        rows = 0
        tables = list(synthetic_rows(n, years))
        t_gen = time.perf_counter()
        table = pa.concat_tables(tables)
        del tables
        rows = store.write("prices", table)
        del table
        out["rows"] = rows
        out["write_s"] = time.perf_counter() - t_gen
        out["gen_s"] = t_gen - t0
        out["mb_on_disk"] = sum(f.stat().st_size for f in store.files("prices")) / 1e6
        tickers = [*BENCH, *[f"T{i:06d}" for i in range(n)]]
        last = store.latest("prices").max()
        as_of = (last - pd.Timedelta(days=30)).date()
        warm = PricePanel.load(store, tickers[:10], start=as_of - pd.Timedelta(days=1100),
                               end=as_of)
        prices.compute(warm, pd.Index(tickers[3:10]), "IWM")  # imports (scipy) out of the timing
        t, c = time.perf_counter(), time.process_time()
        full = PricePanel.load(store, tickers)
        out["full_load_s"] = time.perf_counter() - t
        out["full_load_cpu_s"] = time.process_time() - c
        out["full_cells"] = int(full.close.size)
        del full
        t, c = time.perf_counter(), time.process_time()
        panel = PricePanel.load(store, tickers, start=as_of - pd.Timedelta(days=1100), end=as_of)
        out["asof_load_s"] = time.perf_counter() - t
        out["asof_load_cpu_s"] = time.process_time() - c
        out["asof_rows"] = int(np.isfinite(panel.close).sum())
        t, c = time.perf_counter(), time.process_time()
        metrics, has, _ = prices.compute(panel.until(as_of), pd.Index(tickers[3:]), "IWM")
        out["metrics_s"] = time.perf_counter() - t
        out["metrics_cpu_s"] = time.process_time() - c
        out["priced_names"] = int(has.sum())
        new_day = pd.DataFrame({"ticker": tickers, "date": last + pd.Timedelta(days=3),
                                "close": 1.0, "adj_close": 1.0, "volume": 1.0,
                                "source": "bench"})
        t = time.perf_counter()
        store.write("prices", new_day)
        out["daily_append_s"] = time.perf_counter() - t
    out["peak_mb"] = hwm_mb()
    out["load_average"] = os.getloadavg()[0]
    return out


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2600
    years = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    print(json.dumps(run(n, years), indent=1))
