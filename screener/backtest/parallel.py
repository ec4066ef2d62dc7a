"""The signal dates' windows evaluated in worker processes (``--jobs N``).

The windows of ``PitSource`` (runs of consecutive signal dates) are independent: each is
``PointInTime.load`` for its dates, then the date loop of ``evaluate.evaluate_window``. Here
``jobs`` worker processes take the windows in date order (a free worker takes the next one), so
each worker's memory follows one window at a time; each worker loads its window itself and
sends back only its piece of ``DateLists`` (lists, universe, eligible rows, factor values,
sample rows, warnings). The parent meanwhile reads the outcome prices, counts the dates the
workers report (progress bar), and joins the pieces in date order (``evaluate.merge``): the
same tables as the serial loop (tested).

Start method: ``fork`` where the platform has it (Linux: no re-import, nothing to pickle at
start), else ``spawn`` (the task arguments are picklable: the plan, the windows without their
loaded data, the panel's columns, the delisting dates). The workers ignore Ctrl-C; the parent
catches it and terminates them (no orphans). A ``ScreenerError`` in a worker is raised again
in the parent as the same error (same one-line message).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue as queue_mod
import signal
import threading
from collections.abc import Callable

import pandas as pd

from screener.backtest.evaluate import (
    DateLists,
    Factor,
    _delisted_by,
    columns_of,
    evaluate_window,
    merge,
)
from screener.errors import ScreenerError
from screener.rules.compile import Plan

WINDOW_YEARS = 3  # about this many years of signal dates per window: each window reads
# 7 years of filings before its first date, so fewer windows read less (15 years: 6 windows)


def available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def parallel_windows(dates: pd.DatetimeIndex, jobs: int) -> int:
    """How many windows the workers share: about ``WINDOW_YEARS`` calendar years each (one a
    worker at least, when the dates span that many years), a multiple of ``jobs`` so the
    workers finish together (the windows are equal in dates)."""
    years = len(set(pd.DatetimeIndex(dates).year))
    n = max(1, -(-years // WINDOW_YEARS), min(jobs, years))
    if jobs > 1 and n > 1:
        n = jobs * -(-n // jobs)
    return min(n, len(dates))


def default_jobs(dates: pd.DatetimeIndex) -> int:
    """2 when the range makes at least two windows and the machine has 2 CPUs, else 1."""
    return 2 if available_cpus() >= 2 and parallel_windows(dates, 2) >= 2 else 1


def _context():
    methods = mp.get_all_start_methods()
    return mp.get_context("fork" if "fork" in methods else "spawn")


_QUEUE = None


class WorkerLostError(ScreenerError):
    """A worker process ended without its result (killed: out of memory, a signal)."""

    exit_code = 1


def _check_alive(procs) -> None:
    """A worker that ended abnormally while results are pending died (``Pool`` would wait
    forever); one that ended normally (exit 0) had no more windows to take."""
    dead = [p for p in procs if p.exitcode not in (None, 0)]
    if dead:
        raise WorkerLostError(
            f"A backtest worker process ended unexpectedly (exit code {dead[0].exitcode}; "
            "out of memory?).",
            "Run again with --jobs 1 (one process, less memory), or free some memory.")


def _init(q) -> None:
    global _QUEUE
    _QUEUE = q
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us on Ctrl-C


def _window(plan: Plan, windows, k: int, tickers: pd.Index, gone: pd.Series,
            factors: list[Factor]):
    """One window in a worker: load it, evaluate its dates, report each date."""
    try:
        windows.load(k)
        out = evaluate_window(plan, windows, tickers, gone, windows.chunks[k], factors,
                              tick=lambda i: _QUEUE.put(1))
        windows.drop()
        return out
    except ScreenerError as exc:
        return _Failure(exc)


class _Failure:
    """A ``ScreenerError`` sent back whole (its class and attributes, not its constructor's
    arguments, which not every subclass can be rebuilt from)."""

    def __init__(self, exc: ScreenerError):
        self.cls, self.args, self.state = type(exc), exc.args, dict(exc.__dict__)

    def rebuild(self) -> ScreenerError:
        exc = self.cls.__new__(self.cls)
        Exception.__init__(exc, *self.args)
        exc.__dict__.update(self.state)
        return exc


def evaluate_windows(plan: Plan, source, dates: pd.DatetimeIndex, factors: list[Factor],
                     progress: Callable[[int, int], None] | None, jobs: int) -> DateLists:
    windows = source.signal
    tickers = columns_of(source)
    gone = _delisted_by(source.delistings)
    total = len(dates)
    ctx = _context()
    q = ctx.Queue()
    pool = ctx.Pool(processes=min(jobs, len(windows.chunks)), initializer=_init, initargs=(q,))
    procs = list(pool._pool)  # the workers live until every window is done
    done = 0
    try:
        tasks = [pool.apply_async(_window, (plan, windows, k, tickers, gone, factors))
                 for k in range(len(windows.chunks))]
        pool.close()
        # meanwhile, beside the progress reports: the outcome prices read and the statistics'
        # library imported (scipy: ~1 s), in a thread (DuckDB and numpy release the GIL)
        side = _Side(source)

        def drain(timeout: float) -> bool:
            nonlocal done
            try:
                q.get(timeout=timeout)
            except queue_mod.Empty:
                return False
            done += 1
            if progress is not None:
                progress(done, total)
            return True

        while not all(t.ready() for t in tasks):
            drain(0.1)
            for t in tasks:  # a failed window stops the run now, not after the others
                if t.ready() and isinstance(r := t.get(), _Failure):
                    raise r.rebuild()
            if not all(t.ready() for t in tasks):
                _check_alive(procs)
        pieces = [t.get() for t in tasks]
        for p in pieces:
            if isinstance(p, _Failure):
                raise p.rebuild()
        side.result()
        while done < total and drain(2.0):
            pass
        while done < total:  # a report lost in the pipe: the bar still ends
            done += 1
            if progress is not None:
                progress(done, total)
        pool.join()
    except BaseException:
        pool.terminate()
        pool.join()
        raise
    merged = merge(pieces)
    merged.dates = pd.DatetimeIndex(dates)
    return merged


class _Side(threading.Thread):
    """The parent's own work while the workers evaluate; ``result()`` re-raises its error."""

    def __init__(self, source):
        super().__init__(daemon=True)
        self.source, self.error = source, None
        self.start()

    def run(self) -> None:
        try:
            _ = self.source.prices
            from screener.backtest.stats import _ep
            _ep()
        except BaseException as exc:  # noqa: BLE001 - raised in the main thread by result()
            self.error = exc

    def result(self) -> None:
        self.join()
        if self.error is not None:
            raise self.error


_FORKED = None


def _forked(k):
    fn, inputs = _FORKED
    return fn(inputs, k)


def map_forked(fn, inputs, items: list, jobs: int) -> list:
    """``[fn(inputs, x) for x in items]``, shared between this process and ``jobs - 1``
    processes forked now (they see ``inputs`` in this process's memory: nothing is pickled on
    the way in, and only one copy of it is counted in the tree's memory besides this one);
    all here when ``jobs`` is 1 or the platform cannot fork. This process takes every
    ``jobs``-th item, the workers the others (a free worker taking the next)."""
    global _FORKED
    if jobs < 2 or len(items) < 2 or "fork" not in mp.get_all_start_methods():
        return [fn(inputs, x) for x in items]
    mine = list(range(0, len(items), jobs))
    theirs = [i for i in range(len(items)) if i % jobs]
    _FORKED = (fn, inputs)
    pool = mp.get_context("fork").Pool(processes=min(jobs - 1, len(theirs)),
                                       initializer=_init, initargs=(None,))
    procs = list(pool._pool)
    try:
        pending = pool.map_async(_forked, [items[i] for i in theirs], chunksize=1)
        pool.close()
        out = dict(zip(mine, (fn(inputs, items[i]) for i in mine), strict=True))
        while not pending.ready():
            pending.wait(0.2)
            if not pending.ready():
                _check_alive(procs)
        out.update(zip(theirs, pending.get(), strict=True))
        pool.join()
    except BaseException:
        pool.terminate()
        pool.join()
        raise
    finally:
        _FORKED = None
    return [out[i] for i in range(len(items))]
