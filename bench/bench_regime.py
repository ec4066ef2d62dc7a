"""Benchmark: the regime panel from a warm history store.

    python bench/bench_regime.py

Builds a store holding every FRED series of the catalog over 20 years at its own frequency
(fictional random walks) and the computed series (breadth, IWM/SPY, ...) already refreshed,
i.e. a warm store, then times `regime_run` of the default playbook's rules: the panel alone,
and the panel plus the 20-year monthly verdict history (what `screener regime` and `screener
run` compute). Target: the whole panel under 2 s.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FREQ = {"daily": "B", "weekly": "W-FRI", "monthly": "MS", "quarterly": "QS"}


def warm_store(root: Path, years: int = 20, seed: int = 0):
    from screener.history.store import HistoryStore
    from screener.regime.catalog import series_catalog
    from screener.regime.computed import MEMBER_SERIES, stored_id

    rng = np.random.default_rng(seed)
    store = HistoryStore(root)
    end = pd.Timestamp("2026-11-20")
    frames = []
    for s in series_catalog().values():
        dates = pd.date_range(end - pd.DateOffset(years=years), end, freq=FREQ[s.frequency])
        values = 3 + np.cumsum(rng.normal(0, 0.05, len(dates)))
        sid = stored_id(s.id, "russell2000") if s.id in MEMBER_SERIES else s.id
        frames.append(pd.DataFrame({"series": sid, "date": dates, "value": values,
                                    "released": dates + pd.Timedelta(days=s.release_lag),
                                    "source": "bench"}))
    rows = pd.concat(frames, ignore_index=True)
    store.write("macro", rows)
    return store, len(rows), end


def run(repeats: int = 5) -> dict:
    from screener.regime.config import load_regime
    from screener.regime.run import regime_run

    rules = load_regime(ROOT / "screens" / "rebound.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        store, n_rows, end = warm_store(Path(tmp) / "h")
        regime_run(rules, store, end, refresh=False)     # first read: file cache, imports
        panel, full = [], []
        for _ in range(repeats):
            t0 = time.perf_counter()
            regime_run(rules, store, end, history=False, refresh=False)
            t1 = time.perf_counter()
            res = regime_run(rules, store, end, refresh=False)
            full.append(time.perf_counter() - t1)
            panel.append(t1 - t0)
    return {"rows": n_rows, "indicators": len(rules.indicators), "panel_s": min(panel),
            "full_s": min(full), "full_median_s": float(np.median(full)),
            "history_dates": len(res.history.dates)}


if __name__ == "__main__":
    r = run()
    print(f"regime panel, warm store ({r['rows']:,} macro rows, {r['indicators']} indicators): "
          f"panel {r['panel_s']:.3f} s; panel + {r['history_dates']} dates of verdict history "
          f"{r['full_s']:.3f} s (median {r['full_median_s']:.3f} s); target < 2 s")
