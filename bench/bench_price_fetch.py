"""Benchmark: `fetch --history` for daily prices against a local Yahoo-like chart server.

The server holds 20 fictional years per name and answers ``period1``/``period2`` like Yahoo
(only the bars in the window); it adds latency and 5% transient faults (500, 429, resets).
Three runs: the first (20 years of every name), the same evening again (nothing new: no
request), and the next evening (one new session: one request per name, from its last stored
day). Prints requests, names lost, rows written and elapsed time of each.

    python bench/bench_price_fetch.py            # 300 names
    python bench/bench_price_fetch.py 1000
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from screener.devtools.mockhttp import MockServer
from screener.history import HistoryStore
from screener.http import RetryPolicy
from screener.providers.price_history import ChartProvider, fetch_price_history
from screener.store import Store

FIRST = datetime(2026, 11, 26, 23, 0, tzinfo=UTC)  # Thursday evening (Thanksgiving: closed)
NEXT = datetime(2026, 11, 27, 23, 0, tzinfo=UTC)  # Friday evening: one new session


def _world(names: list[str], seed: int = 0) -> dict[str, dict]:
    dates = pd.bdate_range(end="2026-11-27", periods=252 * 20)
    dates = dates[dates != pd.Timestamp("2026-11-26")]
    stamps = (dates + pd.Timedelta(hours=14, minutes=30)).tz_localize("UTC").as_unit("s").asi8
    rng = np.random.default_rng(seed)
    out = {}
    for t in names:
        close = np.round(20 * np.exp(np.cumsum(rng.normal(0.0002, 0.02, len(dates)))), 2)
        out[t] = {"stamps": stamps, "close": close, "volume": rng.integers(1e3, 1e6, len(dates))}
    return out


def _serve(srv: MockServer, world: dict[str, dict]) -> None:
    def handler(ticker):
        w = world[ticker]

        def handle(req):
            p1, p2 = int(req.query["period1"][0]), int(req.query["period2"][0])
            keep = (w["stamps"] >= p1) & (w["stamps"] < p2)
            c = w["close"][keep].tolist()
            doc = {"chart": {"result": [{
                "meta": {"symbol": ticker, "currency": "USD",
                         "exchangeTimezoneName": "America/New_York", "gmtoffset": -18000},
                "timestamp": w["stamps"][keep].tolist(),
                "indicators": {"quote": [{"open": c, "high": c, "low": c, "close": c,
                                          "volume": w["volume"][keep].tolist()}],
                               "adjclose": [{"adjclose": c}]}}], "error": None}}
            return 200, {"Content-Type": "application/json"}, json.dumps(doc).encode()
        return handle

    for t in world:
        srv.route(f"/v8/finance/chart/{t}", handler=handler(t))


def run(n: int = 300, rate: float = 50.0) -> dict:
    names = [f"P{i:05d}" for i in range(n)]
    world = _world(names)
    policy = RetryPolicy(attempts=6, max_seconds=30, initial_wait=0.05, max_wait=0.5,
                         jitter=0.05)
    out: dict = {"names": n}
    with MockServer() as srv, tempfile.TemporaryDirectory() as tmp:
        _serve(srv, world)
        srv.latency = 0.02
        srv.faults(rate=0.05, kinds=("500", "429", "reset"), seed=1)
        os.environ["SCREENER_YAHOO_BASE_URL"] = srv.url
        history = HistoryStore(Path(tmp) / "history")
        with Store.open(Path(tmp) / "store.sqlite") as journal:
            for label, now in (("first", FIRST), ("same_day", FIRST), ("next_day", NEXT)):
                t = time.perf_counter()
                rep = fetch_price_history(names, journal, history, now=now,
                                          provider=ChartProvider(policy=policy, rate=rate))
                out[label] = {"requests": rep.requests, "fetched": rep.fetched,
                              "up_to_date": rep.up_to_date, "rows": rep.rows,
                              "lost": len({f.ticker for f in rep.failures}),
                              "seconds": round(time.perf_counter() - t, 2)}
        held = history.latest("prices")
        out["names_current"] = int((held == pd.Timestamp("2026-11-27")).sum())
    return out


if __name__ == "__main__":
    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else 300), indent=1))
