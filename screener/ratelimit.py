"""The rate limit of one source, kept per machine: every thread and every process share it.

A source allows at most ``rate`` requests in any ``window``-second span (the SEC: 10 in any
second), counted by the server at some moment between our send and its answer. We cannot know
that moment (a loaded server, or one whose clock sits behind a 50 ms delay, counts late), but we
know its bounds: not before we granted the request, not after its answer reached us. So each
request is logged as ``[grant, answer]`` and occupies the server's window, as far as we can
tell, until ``answer + window``. A new request is granted only when fewer than ``n = floor(rate
* window)`` logged requests may still be in the server's window:

    count(e for e in log if upper(e) > now - window * (1 + margin)) < n

where ``upper(e)`` is the answer time, or for a request still in flight ``now`` (it may be
counted at any moment). Whatever the jitter between our clock and the server's count, no
``n + 1`` requests can fall in one window of the server's. The price is the round trip: the
rate is about ``n / (window + round trip)``, e.g. 0.93 of the allowed rate at 50 ms. Two more
rules: grants are at least ``window / n / 2`` apart (no tight bursts), and a server's
Retry-After holds every caller (``pause``).

Use ``with limiter.request(): send()`` (or ``begin``/``end``); ``acquire()`` is a grant whose
answer time is taken as the grant time (for callers that cannot report it).

Sharing: the log lives in a small file (``<lock dir>/rate-<source>.bin``, the lock dir being
``$SCREENER_LOCK_DIR`` or ``<data dir>/locks``), read and rewritten under an exclusive ``fcntl``
lock, so two ``screener fetch`` commands on one machine stay within one limit together. Times are
``time.monotonic()`` (CLOCK_MONOTONIC, one clock for every process of a machine); entries from
before a reboot are recognised (in the future) and dropped, and an entry left "in flight" by a
killed process stops counting after ``STALE_IN_FLIGHT`` seconds. Where the file cannot be used
(no ``fcntl``, unwritable folder, full disk) the limiter falls back to this process alone and
says so once.

Reuse for a new source: ``limiter_for("mysource", rate=5)`` (or pass ``rate`` to ``HttpClient``).
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import struct
import threading
import time
from pathlib import Path

try:  # POSIX only; elsewhere the limit is per process
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

MARGIN = 0.0            # exact: a request counted at its answer leaves the window one window later
STALE_IN_FLIGHT = 60.0  # an answer not reported after this long: its process is gone
_MAGIC = b"SRL2"
_HEAD = struct.Struct("<4sId")  # magic, count, pause_until
_ENTRY = struct.Struct("<dd")   # grant, answer (0.0 while in flight)
_MAX_LOG = 4096

Entry = list  # [grant, answer]


class RateLimiter:
    """At most ``rate`` requests in any ``window`` seconds (sliding) as a server may count
    them, shared by all threads and, with ``path``, by every process using the same file."""

    def __init__(self, rate: float, window: float = 1.0, margin: float = MARGIN,
                 path: str | os.PathLike | None = None):
        self.rate = float(rate)
        self.window = float(window)
        self.margin = float(margin)
        self.n = max(1, min(_MAX_LOG // 2, math.floor(self.rate * self.window + 1e-9))) \
            if self.rate > 0 else 0
        self.span = self.window * (1.0 + self.margin)
        self.gap = self.span / self.n / 2 if self.n else 0.0
        self.path = Path(path) if path else None
        self._lock = threading.Lock()
        self._log: list[Entry] = []
        self._pause_until = 0.0
        self._fd: int | None = None
        self._shared_failed = False
        self.grants = 0

    # -- public -------------------------------------------------------------------------
    def begin(self) -> float:
        """Block until a request may go out; returns its grant time (``time.monotonic``),
        to be passed to ``end`` when the answer (or the failure) arrives."""
        if self.n <= 0:
            return time.monotonic()
        while True:
            with self._locked() as (entries, pause_until):
                now = time.monotonic()
                ready = self._ready(entries, pause_until, now)
                if now >= ready:
                    entries.append([now, 0.0])
                    self._save(self._trim(entries, now), pause_until)
                    self.grants += 1
                    return now
            time.sleep(min(max(ready - now, 0.0005), self.window))

    def end(self, grant: float) -> None:
        """The answer to the request granted at ``grant`` arrived (or it failed): from now
        on its place in the server's window is known to end ``window`` after this moment."""
        if self.n <= 0:
            return
        with self._locked() as (entries, pause_until):
            now = time.monotonic()
            for e in reversed(entries):
                if e[0] == grant:
                    e[1] = now
                    break
            self._save(entries, pause_until)

    @contextlib.contextmanager
    def request(self):
        """``with limiter.request(): send()``: begin before the send, end after the answer."""
        grant = self.begin()
        try:
            yield grant
        finally:
            self.end(grant)

    def acquire(self) -> float:
        """A grant for a caller that cannot report the answer: counted as answered at once."""
        grant = self.begin()
        self.end(grant)
        return grant

    def pause(self, seconds: float) -> None:
        """Make every caller (every process) wait ``seconds`` (a server said Retry-After)."""
        if seconds <= 0:
            return
        with self._locked() as (entries, pause_until):
            self._save(entries, max(pause_until, time.monotonic() + float(seconds)))

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                with contextlib.suppress(OSError):
                    os.close(self._fd)
                self._fd = None

    # -- the rule -----------------------------------------------------------------------
    def _upper(self, e: Entry, now: float) -> float:
        """The latest moment the server may have counted request ``e``."""
        if e[1]:
            return e[1]
        if now - e[0] > STALE_IN_FLIGHT:
            return e[0] + STALE_IN_FLIGHT
        return now + self.gap  # still in flight: it may be counted at any moment

    def _ready(self, entries: list[Entry], pause_until: float, now: float) -> float:
        """The earliest moment the next request may be granted (``<= now``: at once)."""
        ready = pause_until
        if entries:
            ready = max(ready, max(e[0] for e in entries[-4:]) + self.gap)
        uppers = sorted((self._upper(e, now) for e in entries), reverse=True)
        if len(uppers) >= self.n:
            # the n-th latest upper bound must leave the window before we may send
            ready = max(ready, uppers[self.n - 1] + self.span)
        return ready

    def _trim(self, entries: list[Entry], now: float) -> list[Entry]:
        """Drop entries that can no longer be in any window (keep at most _MAX_LOG)."""
        keep = [e for e in entries if self._upper(e, now) > now - self.span - 1.0]
        return keep[-_MAX_LOG:]

    # -- the shared file ----------------------------------------------------------------
    @contextlib.contextmanager
    def _locked(self):
        with self._lock:
            fd = self._open()
            if fd is None:
                yield self._log, self._pause_until
                return
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
            except OSError as exc:
                self._give_up(exc)
                yield self._log, self._pause_until
                return
            try:
                yield self._read(fd)
            finally:
                with contextlib.suppress(OSError):
                    fcntl.flock(fd, fcntl.LOCK_UN)

    def _open(self) -> int | None:
        if self.path is None or fcntl is None or self._shared_failed:
            return None
        if self._fd is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError as exc:
                self._give_up(exc)
                return None
        return self._fd

    def _give_up(self, exc: OSError) -> None:
        self._shared_failed = True
        log.warning("rate limit file %s unusable (%s): the limit holds for this process only",
                    self.path, exc.strerror or exc)

    def _read(self, fd: int) -> tuple[list[Entry], float]:
        try:
            raw = os.pread(fd, _HEAD.size + _ENTRY.size * _MAX_LOG, 0)
        except OSError:
            raw = b""
        entries: list[Entry] = []
        pause_until = 0.0
        if len(raw) >= _HEAD.size:
            magic, count, pause = _HEAD.unpack_from(raw)
            count = min(count, _MAX_LOG)
            if magic == _MAGIC and len(raw) >= _HEAD.size + _ENTRY.size * count:
                entries = [list(_ENTRY.unpack_from(raw, _HEAD.size + i * _ENTRY.size))
                           for i in range(count)]
                pause_until = pause
        now = time.monotonic()
        entries = [e for e in entries if e[0] <= now + 1.0]  # later ones: before a reboot
        if pause_until > now + self.window + 3600.0:
            pause_until = 0.0
        return entries, pause_until

    def _save(self, entries: list[Entry], pause_until: float) -> None:
        if self._fd is None or self._shared_failed:
            self._log[:] = entries
            self._pause_until = pause_until
            return
        keep = entries[-_MAX_LOG:]
        data = _HEAD.pack(_MAGIC, len(keep), pause_until) + b"".join(
            _ENTRY.pack(g, a) for g, a in keep)
        try:
            os.pwrite(self._fd, data, 0)
            os.ftruncate(self._fd, len(data))
        except OSError as exc:  # full disk: keep limiting in this process
            self._give_up(exc)
            self._log[:] = keep
            self._pause_until = pause_until


_registry: dict[tuple[str, str], RateLimiter] = {}
_registry_lock = threading.Lock()


def lock_dir() -> Path:
    from screener import settings

    override = os.environ.get("SCREENER_LOCK_DIR")
    return Path(override).expanduser() if override else settings.data_dir() / "locks"


def limiter_for(source: str, rate: float, window: float = 1.0,
                shared: bool = True) -> RateLimiter:
    """The machine-wide limiter of ``source`` (one object per process and lock dir)."""
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in source) or "source"
    path = lock_dir() / f"rate-{safe}.bin" if shared else None
    key = (safe, str(path))
    with _registry_lock:
        lim = _registry.get(key)
        if lim is None or lim.rate != float(rate) or lim.window != float(window):
            lim = RateLimiter(rate, window=window, path=path)
            _registry[key] = lim
        return lim
