"""Compile + evaluate time of the default playbook (screens/rebound.yaml) on 2,600 and 50,000
names. Prints figures; asserts nothing. Targets: < 0.15 s and < 2 s, growing no faster than
linearly.

    python bench/bench_engine.py

Frames: the fictional sample (2,600 names) from the sample provider; 50,000 names by
resampling its rows with noise (same distributions, fresh tickers). Without the sample stage,
a synthetic frame with the catalog's columns is generated instead.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd

from screener.metrics.catalog import CATALOG
from screener.rules import compile_screen, evaluate

REBOUND = Path(__file__).resolve().parents[1] / "screens" / "rebound.yaml"
KNOWN = ["russell2000", "sp600", "sample"]


def base_frame() -> pd.DataFrame:
    try:
        from screener.metrics import build_standard_frame
        from screener.providers.sample import SampleProvider
        return build_standard_frame(SampleProvider().fetch(None)).frame
    except ImportError:
        return synthetic(2600, seed=1)


def synthetic(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sectors = np.array(["Industrials", "Health Care", "Information Technology", "Energy",
                        "Consumer Discretionary", "Materials", "Utilities", "Financials"])
    f = pd.DataFrame(index=pd.Index([f"S{i:06d}" for i in range(n)], name="ticker"))
    f["name"] = f.index
    f["sector"] = sectors[rng.integers(0, len(sectors), n)]
    f["industry"] = f["sector"] + " " + rng.integers(0, 6, n).astype(str)
    f["exchange"] = "NYSE"
    f["in_russell2000"] = rng.random(n) < 0.75
    f["in_sp600"] = rng.random(n) < 0.25
    for m in CATALOG:
        x = rng.normal(0.1, 1.0, n)
        x[rng.random(n) < 0.1] = np.nan
        f[m] = x
    f["market_cap"] = np.exp(rng.normal(np.log(1.2e9), 1.0, n))
    f["adv_3m"] = f["market_cap"] * np.exp(rng.normal(np.log(0.006), 0.8, n))
    return f.astype({c: "string" for c in ("name", "sector", "industry", "exchange")})


def resample(frame: pd.DataFrame, n: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    out = frame.iloc[rng.integers(0, len(frame), n)].copy()
    out.index = pd.Index([f"R{i:06d}" for i in range(n)], name="ticker")
    num = [c for c in out.columns if c in CATALOG]
    noise = np.exp(rng.normal(0.0, 0.05, (n, len(num))))
    out[num] = out[num].to_numpy() * noise
    return out


def timed(frame: pd.DataFrame, repeat: int) -> tuple[float, float, float]:
    compile_t, eval_t = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        plan = compile_screen(REBOUND, known_universes=KNOWN)
        t1 = time.perf_counter()
        evaluate(plan, frame)
        t2 = time.perf_counter()
        compile_t.append(t1 - t0)
        eval_t.append(t2 - t1)
    c, e = statistics.median(compile_t), statistics.median(eval_t)
    return c, e, c + e


def main() -> None:
    small = base_frame()
    large = resample(small, 50_000)
    timed(small, 1)  # warm imports and caches
    rows = []
    for label, frame, repeat, target in (("2,600", small, 7, 0.15), ("50,000", large, 3, 2.0)):
        c, e, total = timed(frame, repeat)
        rows.append((len(frame), total))
        status = "OK" if total < target else "SLOW"
        print(f"{label:>7} names: compile {c * 1000:7.1f} ms  evaluate {e * 1000:8.1f} ms  "
              f"total {total:6.3f} s  (target < {target} s: {status})")
    (n1, t1), (n2, t2) = rows
    print(f"size x{n2 / n1:.1f} -> time x{t2 / t1:.1f} "
          f"({'sub-linear or linear' if t2 / t1 <= n2 / n1 else 'SUPER-LINEAR'})")


if __name__ == "__main__":
    main()
