"""Fetch orchestration: many tickers through one ``NetworkProvider`` into the store.

``fetch_to_store`` runs a bounded thread pool (``provider.concurrency`` workers; the provider's
``HttpClient`` keeps the rate limit across them). Each task fetches every stale dataset of one
ticker and writes each payload to the store at once, in its own transaction, so a Ctrl-C, a
kill or a crash keeps everything fetched so far and the next run resumes. Resume = skip each
(source, dataset, ticker) with a snapshot fresher than ``max_age`` (default: fetched today).
Permanent failures (404, unknown ticker, plan refused) are recorded once; transient ones were
already retried by the fetch policy and are recorded with their attempt count.

Optional provider hooks:
- ``prepare(store, max_age)``: called once before the first request when anything must be
  fetched (e.g. the SEC ticker map, itself cached in the store). ``store`` may be None.
- ``client``: the provider's ``HttpClient``; its ``requests_made`` gives the request count.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from screener.errors import FetchError, SourceUnavailableError, StoreError, TransientFetchError

NAMES_FAILING_AFTER = 10  # names in a row failed transiently, none fetched yet: source is down
from screener.raw.bundle import Failure, RawBundle
from screener.settings import redact


class Unreadable(Exception):
    """A payload arrived but its parser cannot read it: the name's failure, not the run's."""

    def __init__(self, provider, ticker: str, dataset: str, exc: Exception):
        super().__init__(f"{ticker}: unreadable {dataset}")
        self.failure = Failure(ticker, provider.name, dataset,
                               f"fetched but unreadable: {type(exc).__name__}: {exc}")


@dataclass
class FetchReport:
    """What one fetch run did, for one source."""

    source: str
    requested: int = 0                  # names asked for
    to_fetch: int = 0                   # names with at least one stale dataset
    done: list[str] = field(default_factory=list)       # names fully fetched this run
    failed: list[Failure] = field(default_factory=list)  # one per (ticker, dataset) failed
    skipped_fresh: int = 0              # names whose every dataset was fresh
    requests: int = 0                   # HTTP requests made (including retries)
    elapsed: float = 0.0
    interrupted: bool = False
    stopped: str | None = None          # why the source was given up (unreachable, blocked)
    coverage: dict[str, int] = field(default_factory=dict)  # block -> names fetched with it

    @property
    def failed_names(self) -> int:
        return len({f.ticker for f in self.failed})

    @property
    def fetched_any(self) -> bool:
        return bool(self.done) or bool(self.coverage)

    @property
    def finished(self) -> int:
        return len(self.done) + self.failed_names


Progress = Callable[[FetchReport], None]


def _requests(provider) -> int | None:
    client = getattr(provider, "client", None)
    return getattr(client, "requests_made", None)


def _failure(provider, ticker: str, dataset: str, exc: BaseException) -> Failure:
    if isinstance(exc, (FetchError, SourceUnavailableError)):
        reason = exc.message
        attempts = int(getattr(exc, "attempts", 1) or 1)
        transient = isinstance(exc, TransientFetchError)
    else:
        reason, attempts, transient = f"{type(exc).__name__}: {exc}", 1, False
    return Failure(ticker, provider.name, dataset, redact(reason), attempts, transient)


def _run(provider, plan: dict[str, list[str]], on_payload: Callable[[str, str, bytes], Any],
         on_failure: Callable[[Failure], None], report: FetchReport,
         progress: Progress | None, stop_event: threading.Event | None,
         start_requests: int | None = None,
         still_needed: Callable[[str, str], bool | str] | None = None,
         deferred: dict[str, list[str]] | None = None) -> None:
    """Fetch ``plan`` (ticker -> datasets) with the provider's concurrency."""
    stop = stop_event or threading.Event()
    give_up = threading.Event()  # this source only: the others carry on
    lock = threading.Lock()
    if start_requests is None:
        start_requests = _requests(provider)
    attempts_total = 0
    streak = {"failed": 0, "ok": 0}

    def task(ticker: str) -> None:
        nonlocal attempts_total
        if stop.is_set() or give_up.is_set():
            return
        ok, blocks, transient_only, later = True, set(), True, False
        for dataset in plan[ticker]:
            need = still_needed(ticker, dataset) if still_needed is not None else True
            if need == "later" and deferred is not None:  # another process fetches it now
                with lock:
                    deferred.setdefault(ticker, []).append(dataset)
                later = True
                continue
            if not need:
                continue  # another process stored it meanwhile
            try:
                payload, attempts = provider.fetch_payload(ticker, dataset)
            except StoreError:
                raise
            except Exception as exc:
                if getattr(exc, "fatal", False):  # daily limit, refused key: stop the run
                    if isinstance(exc, SourceUnavailableError) and getattr(exc, "attempts", 0):
                        fail = replace(_failure(provider, ticker, dataset, exc),
                                       transient=True)  # it was tried: worth another run
                        on_failure(fail)
                        with lock:
                            report.failed.append(fail)
                    raise
                if still_needed is not None and not still_needed(ticker, dataset):
                    continue  # failed here, but another process stored it meanwhile
                fail = _failure(provider, ticker, dataset, exc)
                on_failure(fail)
                with lock:
                    attempts_total += fail.attempts
                    report.failed.append(fail)
                ok = False
                transient_only = transient_only and fail.transient
                continue
            with lock:
                attempts_total += attempts
            try:
                blocks |= on_payload(ticker, dataset, payload) or set()
            except Unreadable as bad:  # fetched, but not what the parser expects
                on_failure(bad.failure)
                with lock:
                    report.failed.append(bad.failure)
                ok = False
        if later and ok and not blocks:
            return  # counted when the deferred part is done
        with lock:
            if ok or blocks:
                streak["ok"] += 1
                streak["failed"] = 0
            elif transient_only:
                streak["failed"] += 1
            if not streak["ok"] and streak["failed"] >= NAMES_FAILING_AFTER:
                raise SourceUnavailableError(
                    f"{provider.name}: source unavailable, stopped: the first "
                    f"{streak['failed']} names all failed ({redact(report.failed[-1].reason)}).",
                    "Check the network connection and the source, then run the same command "
                    "again: what was fetched is kept.", source=provider.name)
            if ok:
                report.done.append(ticker)
            for b in blocks:
                report.coverage[b] = report.coverage.get(b, 0) + 1
            if start_requests is None:
                report.requests = attempts_total
            else:
                report.requests = _requests(provider) - start_requests
        if progress:
            progress(report)

    started = time.monotonic()
    workers = max(1, int(getattr(provider, "concurrency", 4)))
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"fetch-{provider.name}")
    futures: list[Future] = []
    try:
        futures = [pool.submit(task, t) for t in plan]
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for fut in finished:
                try:
                    fut.result()  # re-raise StoreError and other fatal errors
                except SourceUnavailableError as exc:
                    if not give_up.is_set():
                        report.stopped = exc.message
                        give_up.set()
            if stop.is_set():
                report.interrupted = True
                break
    except KeyboardInterrupt:
        report.interrupted = True
        stop.set()
    except BaseException:
        stop.set()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        report.elapsed = time.monotonic() - started
        if start_requests is not None:
            report.requests = _requests(provider) - start_requests


def _blocks_of(records: dict[str, list]) -> set[str]:
    return {b for b, recs in records.items() if recs and not b.startswith("_")}


def fetch_to_store(provider, tickers: Sequence[str], store, max_age: timedelta | None = None,
                   progress: Progress | None = None,
                   stop_event: threading.Event | None = None,
                   as_of: date | None = None) -> FetchReport:
    """Fetch what is missing or older than ``max_age`` into ``store``; returns the report.

    Makes no request at all when every (dataset, ticker) is fresh. On Ctrl-C (or
    ``stop_event``) stops submitting, lets in-flight names finish, and returns with
    ``interrupted=True``.
    """
    from screener.store import claims
    from screener.store.parsing import parse_records

    as_of = as_of or date.today()
    tickers = list(dict.fromkeys(tickers))
    report = FetchReport(provider.name, requested=len(tickers))
    plan: dict[str, list[str]] = {t: [] for t in tickers}
    for dataset in provider.datasets:
        fresh = store.fresh(provider.name, dataset, tickers, max_age)
        for t in tickers:
            if t not in fresh:
                plan[t].append(dataset)
    plan = {t: ds for t, ds in plan.items() if ds}
    report.to_fetch = len(plan)
    report.skipped_fresh = len(tickers) - len(plan)
    if progress:
        progress(report)
    if not plan:
        return report
    baseline = _requests(provider)  # counts the requests prepare() makes too
    prepare = getattr(provider, "prepare", None)
    if prepare is not None:
        try:
            prepare(store=store, max_age=max_age)
        except (FetchError, SourceUnavailableError) as exc:  # e.g. the SEC ticker map
            report.stopped = exc.message
            new = _requests(provider)
            report.requests = (new - baseline) if new is not None and baseline is not None else 0
            return report

    def on_payload(ticker: str, dataset: str, payload: bytes) -> set[str]:
        snap = store.put(provider.name, dataset, ticker, as_of, payload)  # kept for re-parsing
        try:
            return _blocks_of(parse_records(provider, snap, store))
        except Exception as exc:  # noqa: BLE001 - recorded as this name's failure
            raise Unreadable(provider, ticker, dataset, exc) from None

    def still_needed(ticker: str, dataset: str) -> bool | str:
        """Checked again just before the request: a concurrent fetch may have stored it, or
        be fetching it now ("later": it is retried after the other names)."""
        if ticker in store.fresh(provider.name, dataset, [ticker], max_age):
            return False
        return True if claims.claim(store, provider.name, dataset, ticker) else "later"

    def after_wait(ticker: str, dataset: str) -> bool:
        """The second pass: wait (bounded) for the other process's answer, then fetch only
        what it did not store."""
        deadline = time.monotonic() + 60.0
        while time.monotonic() < deadline:
            if ticker in store.fresh(provider.name, dataset, [ticker], max_age):
                return False
            if claims.claim(store, provider.name, dataset, ticker):
                return True
            if (stop_event is not None and stop_event.is_set()):
                return False
            time.sleep(0.25)
        return True

    def on_failure(failure: Failure) -> None:
        store.record_failure(failure)
        claims.release(store, provider.name, failure.dataset, failure.ticker)  # others may

    deferred: dict[str, list[str]] = {}
    _run(provider, plan, on_payload, on_failure, report, progress, stop_event,
         start_requests=baseline, still_needed=still_needed, deferred=deferred)
    if deferred and not report.stopped and not report.interrupted:
        first = report.elapsed
        _run(provider, deferred, on_payload, on_failure, report, progress, stop_event,
             start_requests=baseline, still_needed=after_wait)
        report.elapsed += first
    return report


def fetch_bundle(provider, tickers: Sequence[str], as_of: date | None = None,
                 progress: Progress | None = None) -> RawBundle:
    """Fetch and parse in memory (no store): the one-off ``NetworkProvider.fetch`` path."""
    from screener.store.bundle import FAILURES_KEY, combine_blocks

    tickers = list(dict.fromkeys(tickers))
    report = FetchReport(provider.name, requested=len(tickers), to_fetch=len(tickers))
    blocks: dict[str, list[dict]] = {}
    extra: list[Failure] = []
    lock = threading.Lock()
    prepare = getattr(provider, "prepare", None)
    if prepare is not None and tickers:
        prepare(store=None, max_age=None)

    def on_payload(ticker: str, dataset: str, payload: bytes) -> set[str]:
        try:
            records = provider.parse(ticker, dataset, payload, as_of or date.today())
        except Exception as exc:  # noqa: BLE001 - recorded as this name's failure
            raise Unreadable(provider, ticker, dataset, exc) from None
        with lock:
            for b, recs in records.items():
                if b == FAILURES_KEY:
                    extra.extend(Failure(**f) for f in recs)
                else:
                    blocks.setdefault(b, []).extend(recs)
        return _blocks_of(records)

    plan = {t: list(provider.datasets) for t in tickers}
    _run(provider, plan, on_payload, lambda f: None, report, progress, None)
    frames = combine_blocks({provider.name: blocks})
    return RawBundle(**frames, failures=report.failed + extra)
