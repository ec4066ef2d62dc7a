"""The rate limit of one source, kept per machine: every thread and every process share it.

A source allows at most ``rate`` requests in any ``window``-second span (the SEC: 10 in any
second). The limiter keeps a log of the last ``n = floor(rate * window)`` grant times and grants
a request only when

- the request ``n`` places back was granted at least ``window * (1 + margin)`` ago (the sliding
  window itself, with a margin for the jitter between our clock and the server's: the time a
  request spends between the grant and the server's count varies on a busy machine),
- the previous grant is at least ``window / n / 2`` ago (no tight bursts), and
- no server has asked everyone to wait (``pause``: Retry-After).

The grant time is taken under the lock right before the request goes out, after any sleep, so
a late wake-up on a loaded machine cannot squeeze two requests closer than the window allows;
retries go through the same ``acquire`` and so the same clock.

Sharing: the log lives in a small file (``<lock dir>/rate-<source>.bin``, the lock dir being
``$SCREENER_LOCK_DIR`` or ``<data dir>/locks``), read and rewritten under an exclusive ``fcntl``
lock, so two ``screener fetch`` commands on one machine stay within one limit together. Times are
``time.monotonic()`` (CLOCK_MONOTONIC, one clock for every process of a machine); entries from
before a reboot are recognised (in the future) and dropped. Where the file cannot be used
(no ``fcntl``, unwritable folder) the limiter falls back to this process alone and says so once.

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

MARGIN = 0.08          # the window is held 8% longer than the server's
_MAGIC = b"SRL1"
_HEAD = struct.Struct("<4sId")  # magic, count, pause_until
_MAX_LOG = 4096


class RateLimiter:
    """At most ``rate`` grants in any ``window`` seconds (sliding), shared by all threads and,
    with ``path``, by every process using the same file."""

    def __init__(self, rate: float, window: float = 1.0, margin: float = MARGIN,
                 path: str | os.PathLike | None = None):
        self.rate = float(rate)
        self.window = float(window)
        self.margin = float(margin)
        self.n = max(1, min(_MAX_LOG, math.floor(self.rate * self.window + 1e-9))) \
            if self.rate > 0 else 0
        self.span = self.window * (1.0 + self.margin)        # between grant k and grant k+n
        self.gap = self.span / self.n / 2 if self.n else 0.0  # between two grants
        self.path = Path(path) if path else None
        self._lock = threading.Lock()
        self._log: list[float] = []
        self._pause_until = 0.0
        self._fd: int | None = None
        self._shared_failed = False
        self.grants = 0

    # -- public -------------------------------------------------------------------------
    def acquire(self) -> float:
        """Block until a request may go out; returns the grant time (``time.monotonic``)."""
        if self.n <= 0:
            return time.monotonic()
        while True:
            with self._locked() as state:
                grants, pause_until = state
                now = time.monotonic()
                ready = self._ready(grants, pause_until)
                if now >= ready:
                    grants.append(now)
                    del grants[:-self.n]
                    self._save(grants, pause_until)
                    self.grants += 1
                    return now
            time.sleep(min(max(ready - now, 0.0005), self.window))

    def pause(self, seconds: float) -> None:
        """Make every caller (every process) wait ``seconds`` (a server said Retry-After)."""
        if seconds <= 0:
            return
        with self._locked() as (grants, pause_until):
            self._save(grants, max(pause_until, time.monotonic() + float(seconds)))

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                with contextlib.suppress(OSError):
                    os.close(self._fd)
                self._fd = None

    # -- internals ----------------------------------------------------------------------
    def _ready(self, grants: list[float], pause_until: float) -> float:
        ready = pause_until
        if grants:
            ready = max(ready, grants[-1] + self.gap)
        if len(grants) >= self.n:
            ready = max(ready, grants[-self.n] + self.span)
        return ready

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

    def _read(self, fd: int) -> tuple[list[float], float]:
        try:
            raw = os.pread(fd, _HEAD.size + 8 * _MAX_LOG, 0)
        except OSError:
            raw = b""
        grants, pause_until = [], 0.0
        if len(raw) >= _HEAD.size:
            magic, count, pause = _HEAD.unpack_from(raw)
            count = min(count, _MAX_LOG)
            if magic == _MAGIC and len(raw) >= _HEAD.size + 8 * count:
                grants = list(struct.unpack_from(f"<{count}d", raw, _HEAD.size))
                pause_until = pause
        now = time.monotonic()
        future = now + self.window + 3600.0  # written before a reboot: meaningless now
        grants = sorted(t for t in grants if t <= now + 1.0)  # later ones: before a reboot
        if pause_until > future:
            pause_until = 0.0
        return grants, pause_until

    def _save(self, grants: list[float], pause_until: float) -> None:
        if self._fd is None or self._shared_failed:
            self._log, self._pause_until = grants, pause_until
            return
        keep = grants[-_MAX_LOG:]
        data = _HEAD.pack(_MAGIC, len(keep), pause_until) + struct.pack(f"<{len(keep)}d", *keep)
        try:
            os.pwrite(self._fd, data, 0)
            os.ftruncate(self._fd, len(data))
        except OSError as exc:  # full disk: keep limiting in this process
            self._give_up(exc)
            self._log, self._pause_until = grants, pause_until


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
