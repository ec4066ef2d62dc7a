"""Benchmark: a whole-universe SEC fetch against a mock SEC that enforces fair access.

The mock answers 429 above 10 requests/s (sliding 1 s window), adds 50 ms latency and injects
10% transient faults (500, 503, 429 with Retry-After: 1, connection resets). Prints names
fetched and lost, elapsed time, the achieved request rate and its ratio to the allowed 10/s,
the most requests the server saw in any 1-second window, and the requests a second run makes.

    python bench/bench_fetch.py              # 1,000 names (about two minutes)
    python bench/bench_fetch.py --names 200  # quick
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "sec"))

from secmock import max_in_window, serve_many

from screener.devtools.mockhttp import MockServer
from screener.providers.fetcher import fetch_to_store
from screener.providers.sec import SecProvider
from screener.store import Store

ALLOWED = 10.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--names", type=int, default=1000)
    ap.add_argument("--rate", type=float, default=SecProvider.rate,
                    help="client rate limit (requests/s)")
    ap.add_argument("--fault-rate", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    report(run(args.names, args.rate, args.fault_rate, args.seed))


def run(n_names: int = 1000, rate: float = SecProvider.rate, fault_rate: float = 0.1,
        seed: int = 1) -> dict:
    """One whole-universe fetch against the mock SEC; returns the figures."""
    args = argparse.Namespace(names=n_names, rate=rate, fault_rate=fault_rate, seed=seed)
    with MockServer() as srv, tempfile.TemporaryDirectory() as tmp:
        names = serve_many(srv, args.names)
        srv.limit(ALLOWED)
        srv.latency = 0.05
        srv.faults(rate=args.fault_rate, kinds=("500", "503", "429", "reset"), seed=args.seed)
        over = {"n": 0}
        check = srv._over_limit

        def counting() -> bool:
            hit = check()
            over["n"] += hit
            return hit

        srv._over_limit = counting  # count 429s caused by the rate limit (not injected ones)
        provider = SecProvider(user_agent="Bench Mark bench@example.com", data_base_url=srv.url,
                               www_base_url=srv.url, rate=args.rate)
        with Store.open(Path(tmp) / "bench.sqlite") as store:
            t0 = time.monotonic()
            report = fetch_to_store(provider, names, store)
            elapsed = time.monotonic() - t0
            log = list(srv.log)
            stored = set(store.tickers("sec"))
            injected_429 = sum(1 for *_, s in log if s == 429) - over["n"]
            again = SecProvider(user_agent="Bench Mark bench@example.com",
                                data_base_url=srv.url, www_base_url=srv.url, rate=args.rate)
            n_before = len(srv.log)
            second = fetch_to_store(again, names, store)
            second_requests = len(srv.log) - n_before

    requests = len(log)
    return {"names": args.names, "stored": len(stored), "failed": len(report.failed),
            "elapsed": elapsed, "requests": requests, "client_requests": report.requests,
            "faults": sum(1 for *_, s in log if s != 200), "injected_429": injected_429,
            "limit_429": over["n"], "rate": args.rate, "achieved": requests / elapsed,
            "ratio": requests / elapsed / ALLOWED, "max_window": max_in_window(log),
            "second_requests": second_requests, "second_fresh": second.skipped_fresh}


def report(r: dict) -> None:
    args = argparse.Namespace(names=r["names"], rate=r["rate"])
    stored, elapsed, requests, achieved = r["stored"], r["elapsed"], r["requests"], r["achieved"]
    print(f"names requested        {args.names}")
    print(f"names fetched          {stored}")
    print(f"names lost             {args.names - stored} (failures: {r['failed']})")
    print(f"elapsed                {elapsed:.1f} s")
    print(f"requests (server log)  {requests} (client counted {r['client_requests']})")
    print(f"faults answered        {r['faults']} "
          f"(429 injected with Retry-After 1 s, honoured: {r['injected_429']}; "
          f"429 from the rate limit: {r['limit_429']})")
    print(f"achieved rate          {achieved:.2f} req/s (client limit {args.rate}/s)")
    print(f"ratio to allowed 10/s  {achieved / ALLOWED:.3f}")
    print(f"max requests in any 1 s window  {r['max_window']} (allowed {ALLOWED:.0f})")
    print(f"second run             {r['second_requests']} requests, "
          f"{r['second_fresh']} names fresh")


if __name__ == "__main__":
    main()
