"""Benchmark: point-in-time assembly from a warm history store (the fictional sample history:
~2,600 current names + departed ones, 20 years of daily prices, 80 quarters of facts).

Run: ``python -m bench.bench_asof [date]``. Prints figures; asserts nothing. The first call
generates the sample history into its cache (minutes); figures are for the warm store.

- ``load``: ``PointInTime.load`` for one date (memberships, facts -> quarter table, estimate
  snapshots, two years of prices for the members and benchmarks);
- ``bundle``: ``PointInTime.bundle(date)`` (TTM/MRQ windows, market, estimates);
- ``dataset``: ``pipeline.load_dataset(..., as_of=date)``: the above + metrics (data load end
  to end); ``run``: ``run_screen`` without the workbook;
- ``per date``: a backtest-shaped loop, one load for 12 month ends then ``bundle`` per date.
"""

from __future__ import annotations

import statistics
import sys
import time

import pandas as pd


def _timed(fn, runs: int = 3) -> tuple[float, object]:
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def run(date: str = "2019-06-28", runs: int = 3) -> dict[str, float]:
    from screener import pipeline
    from screener.sample.history import sample_history
    from screener.timeaxis import PointInTime

    store = sample_history()  # warm: generated once, cached
    d = pd.Timestamp(date)
    load_s, pit = _timed(lambda: PointInTime.load(["russell2000"], d, d, history=store), runs)
    bundle_s, bundle = _timed(lambda: pit.bundle(d), runs)
    data_s, data = _timed(lambda: pipeline.load_dataset(["russell2000"], "sample", d.date()),
                          runs)
    run_s, _ = _timed(lambda: pipeline.run_screen("screens/rebound.yaml", provider="sample",
                                                  as_of=d.date()), runs)
    ends = pd.date_range(d - pd.DateOffset(months=11), d, freq="BME")
    t0 = time.perf_counter()
    many = PointInTime.load(["russell2000"], ends[0], ends[-1], history=store)
    t1 = time.perf_counter()
    for e in ends:
        many.bundle(e)
    t2 = time.perf_counter()
    return {"names": len(bundle.identity), "facts_rows": len(pit.quarters),
            "price_days": len(pit.prices.dates), "load_s": load_s, "bundle_s": bundle_s,
            "dataset_s": data_s, "run_s": run_s, "range_load_s": t1 - t0,
            "per_date_s": (t2 - t1) / len(ends), "dates": len(ends),
            "frame_cols": data.frame.shape[1]}


if __name__ == "__main__":
    r = run(*(sys.argv[1:2] or []))
    for k, v in r.items():
        print(f"{k:<14} {v:.3f}" if isinstance(v, float) else f"{k:<14} {v}")
