"""Benchmark: a whole-universe SEC fetch against a mock SEC that enforces fair access.

The mock refuses (429) any request that makes more than 10 in a sliding one-second window
(every arrival counts, refused ones too), adds 50 ms latency and injects 10% transient faults
(500, 503, 429 with Retry-After: 1, connection resets). While it runs, ``--busy`` processes spin
on the CPU so the timing jitter is that of a loaded machine.

Two scenarios:
- alone: one fetch in this process. Prints names fetched and lost, the achieved request rate
  and its ratio to the allowed 10/s, the requests over the limit (must be 0), the most requests
  the server saw in any one-second window, and the requests a second run makes (must be 0).
- two at once: two ``screener fetch`` commands (separate processes, one store, one data dir)
  on overlapping name lists. The limit is per machine, so together they must stay under 10/s.

    python bench/bench_fetch.py                      # 1,000 names alone, 2 x 400 at once
    python bench/bench_fetch.py --names 200 --concurrent-names 100   # quick
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "sec"))
sys.path.insert(0, str(ROOT))

from secmock import max_in_window, serve_many

from screener.devtools.mockhttp import MockServer
from screener.providers.fetcher import fetch_to_store
from screener.providers.sec import SecProvider
from screener.store import Store

ALLOWED = 10.0
UA = "Bench Mark bench@example.com"
BURN = "import time\nend = time.monotonic() + float(__import__('sys').argv[1])\n" \
       "while time.monotonic() < end:\n    sum(i * i for i in range(10000))\n"


class Busy:
    """``n`` processes spinning on the CPU for the duration of a ``with`` block."""

    def __init__(self, n: int, seconds: float = 900.0):
        self.n, self.seconds, self.procs = n, seconds, []

    def __enter__(self):
        self.procs = [subprocess.Popen([sys.executable, "-c", BURN, str(self.seconds)])
                      for _ in range(self.n)]
        return self

    def __exit__(self, *exc):
        for p in self.procs:
            p.kill()
            p.wait()


def _mock(srv: MockServer, n_names: int, fault_rate: float, seed: int) -> list[str]:
    names = serve_many(srv, n_names)
    srv.limit(ALLOWED)
    srv.latency = 0.05
    srv.faults(rate=fault_rate, kinds=("500", "503", "429", "reset"), seed=seed)
    return names


def _figures(srv: MockServer, elapsed: float, injected_before: int = 0) -> dict:
    log = list(srv.log)
    requests = len(log)
    return {"elapsed": elapsed, "requests": requests,
            "faults": sum(1 for *_, s in log if s != 200),
            "over_limit": srv.over_limit, "achieved": requests / elapsed,
            "ratio": requests / elapsed / ALLOWED, "max_window": max_in_window(log)}


def run(n_names: int = 1000, rate: float = SecProvider.rate, fault_rate: float = 0.1,
        seed: int = 1, busy: int = 2) -> dict:
    """One whole-universe fetch against the mock SEC; returns the figures."""
    with MockServer() as srv, tempfile.TemporaryDirectory() as tmp, Busy(busy):
        os.environ["SCREENER_DATA_DIR"] = str(Path(tmp) / "data")
        names = _mock(srv, n_names, fault_rate, seed)
        provider = SecProvider(user_agent=UA, data_base_url=srv.url, www_base_url=srv.url,
                               rate=rate)
        with Store.open(Path(tmp) / "bench.sqlite") as store:
            t0 = time.monotonic()
            report = fetch_to_store(provider, names, store)
            out = _figures(srv, time.monotonic() - t0)
            stored = set(store.tickers("sec"))
            again = SecProvider(user_agent=UA, data_base_url=srv.url, www_base_url=srv.url,
                                rate=rate)
            n_before = len(srv.log)
            second = fetch_to_store(again, names, store)
            second_requests = len(srv.log) - n_before
    out.update(names=n_names, stored=len(stored), failed=len(report.failed), rate=rate,
               client_requests=report.requests, second_requests=second_requests,
               second_fresh=second.skipped_fresh, busy=busy)
    return out


def run_two(n_names: int = 400, fault_rate: float = 0.1, seed: int = 2, busy: int = 2) -> dict:
    """Two ``screener fetch`` processes at once on one store; half their names overlap."""
    with MockServer() as srv, tempfile.TemporaryDirectory() as tmp, Busy(busy):
        total = n_names + n_names // 2
        names = _mock(srv, total, fault_rate, seed)
        store = Path(tmp) / "store.sqlite"
        env = {**os.environ, "SCREENER_STORE": str(store), "SCREENER_DATA_DIR": str(Path(tmp)),
               "SCREENER_SEC_DATA_BASE_URL": srv.url, "SCREENER_SEC_WWW_BASE_URL": srv.url,
               "SCREENER_SEC_USER_AGENT": UA, "PYTHONPATH": str(ROOT)}
        lists = [names[:n_names], names[total - n_names:]]
        t0 = time.monotonic()
        procs = [subprocess.Popen([sys.executable, "-c", "from screener.cli import cli; cli()",
                                   "fetch", "--tickers",
                                   ",".join(ts), "--provider", "sec"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for ts in lists]
        codes = [p.wait() for p in procs]
        out = _figures(srv, time.monotonic() - t0)
        with Store.open(store) as st:
            stored = set(st.tickers("sec"))
            unresolved = len(st.failures(source="sec", unresolved=True))
        companyfacts = sum(1 for *_, p, s in srv.log if "companyfacts" in p and s == 200)
    times = sorted(t for t, *_ in srv.log)
    span = times[-1] - times[0] if len(times) > 1 else float("nan")
    out.update(names=total, stored=len(stored), exit_codes=codes, unresolved=unresolved,
               fetched_twice=companyfacts - len(stored), busy=busy, span=span,
               span_ratio=(len(times) - 1) / span / ALLOWED if span else float("nan"))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--names", type=int, default=1000)
    ap.add_argument("--concurrent-names", type=int, default=400,
                    help="names per process in the two-at-once run (0: skip it)")
    ap.add_argument("--rate", type=float, default=SecProvider.rate,
                    help="client rate limit (requests/s)")
    ap.add_argument("--fault-rate", type=float, default=0.1)
    ap.add_argument("--busy", type=int, default=2, help="CPU-burning processes during the run")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    report(run(args.names, args.rate, args.fault_rate, args.seed, args.busy))
    if args.concurrent_names:
        report_two(run_two(args.concurrent_names, args.fault_rate, args.seed + 1, args.busy))


def report(r: dict) -> None:
    print(f"-- one fetch, {r['busy']} CPU-burning processes alongside")
    print(f"names requested        {r['names']}")
    print(f"names fetched          {r['stored']}")
    print(f"names lost             {r['names'] - r['stored']} (failures: {r['failed']})")
    print(f"elapsed                {r['elapsed']:.1f} s")
    print(f"requests (server log)  {r['requests']} (client counted {r['client_requests']})")
    print(f"faults answered        {r['faults']}")
    print(f"achieved rate          {r['achieved']:.2f} req/s (client limit {r['rate']}/s)")
    print(f"ratio to allowed 10/s  {r['ratio']:.3f}")
    print(f"over the limit         {r['over_limit']} requests (sliding 1 s window)")
    print(f"max requests in any 1 s window  {r['max_window']} (allowed {ALLOWED:.0f})")
    print(f"second run             {r['second_requests']} requests, "
          f"{r['second_fresh']} names fresh")


def report_two(r: dict) -> None:
    print(f"-- two fetch processes at once, {r['busy']} CPU-burning processes alongside")
    print(f"names (union)          {r['names']}, stored {r['stored']}, "
          f"unresolved failures {r['unresolved']}, exit codes {r['exit_codes']}")
    print(f"fetched by both        {r['fetched_twice']}")
    print(f"elapsed                {r['elapsed']:.1f} s wall (two start-ups and reports "
          f"included), {r['requests']} requests")
    print(f"rate while fetching    {r['span_ratio']:.3f} of allowed (first to last request, "
          f"{r['span']:.1f} s)")
    print(f"over the limit         {r['over_limit']} requests; max in any 1 s window "
          f"{r['max_window']}")


if __name__ == "__main__":
    main()
