"""The one fetch policy for every network source.

- One ``RateLimiter`` per source and machine (``screener.ratelimit``): never more than ``rate``
  requests in any one-second span, across threads, retries and processes.
- ``HttpClient.get`` retries only transient failures (429 honouring Retry-After, 5xx, timeouts,
  connection resets, truncated bodies) with exponential backoff and jitter, bounded in attempts
  and total time (tenacity). Permanent failures (4xx, unknown ticker) raise at once.
- Every request has a timeout. URLs and errors are passed through ``settings.redact`` so an API
  key in a query string never reaches a log or an error message.
"""

from __future__ import annotations

import email.utils
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import requests
from requests.adapters import HTTPAdapter
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential,
    wait_random,
)

from screener.errors import (
    FetchError,
    PermanentFetchError,
    SourceUnavailableError,
    TransientFetchError,
)
from screener.ratelimit import RateLimiter, limiter_for
from screener.settings import redact

TRANSIENT_STATUS = {408, 425, 429, 500, 502, 503, 504, 520, 522, 524}
UNREACHABLE_AFTER = 4   # requests in a row that reach no server at all: the source is down
FAILING_AFTER = 12      # requests in a row that all fail (5xx, 429, 401, 403, resets): stop
BLOCKED_STATUS = {401, 403}


def unreachable_reason(exc: BaseException) -> str | None:
    """Why no server answered at all (DNS, no route, refused, connect timeout), else None.
    A reset or a truncated body after connecting is the server's fault, not the route's."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return "connection timed out"
    if not isinstance(exc, requests.ConnectionError) or \
            isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return None
    text = repr(exc)
    for needle, why in (("NameResolution", "DNS lookup failed"),
                        ("Name or service not known", "DNS lookup failed"),
                        ("getaddrinfo", "DNS lookup failed"),
                        ("No route to host", "no route to host"),
                        ("Network is unreachable", "network is unreachable"),
                        ("Connection refused", "connection refused"),
                        ("NewConnectionError", "cannot connect")):
        if needle in text:
            return why
    return None


class _LimitedAdapter(HTTPAdapter):
    """Takes the rate-limit grant as late as possible (after the request is prepared, right
    before it goes to the socket) and reports when the answer arrived."""

    def __init__(self, limiter: RateLimiter):
        super().__init__()
        self.limiter = limiter

    def send(self, request, *args, **kwargs):
        # the grant right before the socket, the end when the answer's headers are in: the
        # server counted the request somewhere in between (see screener.ratelimit)
        with self.limiter.request():
            return super().send(request, *args, **kwargs)


@dataclass
class RetryPolicy:
    attempts: int = 5
    max_seconds: float = 60.0
    initial_wait: float = 0.5
    max_wait: float = 8.0
    jitter: float = 0.5


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


@dataclass
class HttpClient:
    """A polite HTTP client for one source: rate limit, timeout, retries, typed errors."""

    source: str
    rate: float = 5.0
    timeout: float = 20.0
    headers: dict[str, str] = field(default_factory=dict)
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    max_retry_after: float = 60.0

    def __post_init__(self) -> None:
        self.limiter = limiter_for(self.source, self.rate)
        self._recent_429: list[float] = []
        self._local = threading.local()
        self.requests_made = 0
        self._count_lock = threading.Lock()
        self._unreachable = 0      # requests in a row that reached no server
        self._failing = 0          # requests in a row that got no usable answer
        self.down: str | None = None  # why the source was given up, once it was

    def _note(self, ok: bool, unreachable: str | None = None, why: str = "",
              url: str = "") -> None:
        """Count failures in a row across threads; give the source up when they say it is down."""
        host = urlsplit_host(url)
        with self._count_lock:
            if ok:
                self._unreachable = self._failing = 0
                return
            self._failing += 1
            self._unreachable = self._unreachable + 1 if unreachable else 0
            if self.down is None:
                if self._unreachable >= UNREACHABLE_AFTER:
                    self.down = f"cannot reach {host or 'the server'} ({unreachable})"
                elif self._failing >= FAILING_AFTER:
                    self.down = f"the last {self._failing} requests all failed ({why})"

    def _check_down(self) -> None:
        if self.down is not None:
            raise SourceUnavailableError(
                f"{self.source}: source unavailable, stopped: {redact(self.down)}.",
                "Check the network connection (or proxy, firewall, VPN) and the source's base "
                "URL setting, then run the same command again: what was fetched is kept.",
                source=self.source)

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers.update(self.headers)
            adapter = _LimitedAdapter(self.limiter)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            self._local.session = session
        return session

    def _once(self, url: str, params: dict | None, ticker: str | None) -> bytes:
        self._check_down()
        with self._count_lock:
            self.requests_made += 1
        broken = unreachable = None
        try:
            resp = self._session().get(url, params=params, timeout=self.timeout)
            body = resp.content  # reads the whole body: truncation raises here
        except (requests.Timeout, requests.ConnectionError,
                requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError) as exc:
            broken, unreachable = type(exc).__name__, unreachable_reason(exc)
        if broken is not None:
            # raised outside the except block: the library's exception, whose text holds the
            # full URL (and an API key in its query), is not even kept as __context__
            self._note(False, unreachable, unreachable or broken, url)
            self._check_down()
            raise TransientFetchError(f"{self.source}: {broken} for {redact(url)}",
                                      source=self.source, ticker=ticker)
        status = resp.status_code
        failed = status in TRANSIENT_STATUS or status in BLOCKED_STATUS
        self._note(not failed, None, f"last answer HTTP {status}", url)
        if failed:
            self._check_down()
        if status in TRANSIENT_STATUS:
            wait = parse_retry_after(resp.headers.get("Retry-After"))
            if wait is not None:
                self._throttled(status, min(wait, self.max_retry_after))
            raise TransientFetchError(
                f"{self.source}: HTTP {status} for {redact(url)}",
                source=self.source, ticker=ticker, status=status, retry_after=wait,
            )
        if status >= 400:
            raise PermanentFetchError(
                f"{self.source}: HTTP {status} for {redact(url)}",
                source=self.source, ticker=ticker, status=status,
            )
        declared = resp.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) != len(body) \
                and not resp.headers.get("Content-Encoding"):
            raise TransientFetchError(
                f"{self.source}: truncated body ({len(body)} of {declared} bytes) "
                f"for {redact(url)}", source=self.source, ticker=ticker,
            )
        return body

    def _throttled(self, status: int, wait: float) -> None:
        """A server asked to wait. The retry of this request always waits (see ``get``); every
        request of the source (every process) waits too when the server means the whole client:
        any status but 429, or 429 to several requests within one window. A lone 429 among good
        answers is taken for that request's own: our limiter keeps within the server's limit,
        and stopping every worker for each stray 429 would cost far more than the limit allows."""
        with self._count_lock:
            now = time.monotonic()
            if status == 429:
                self._recent_429 = [t for t in self._recent_429
                                     if now - t < self.limiter.window] + [now]
            clustered = len(self._recent_429) >= 3
        if status != 429 or clustered:
            self.limiter.pause(wait)

    def get(self, url: str, params: dict | None = None, ticker: str | None = None,
            validate=None) -> tuple[bytes, int]:
        """GET with the policy; returns (body, attempts). ``validate(body)`` may raise
        ``TransientFetchError`` (e.g. truncated JSON) to have the body fetched again."""
        p = self.policy
        retrying = Retrying(
            stop=stop_after_attempt(p.attempts) | stop_after_delay(p.max_seconds),
            wait=_wait_with_retry_after(
                wait_exponential(multiplier=p.initial_wait, max=p.max_wait) + wait_random(0, p.jitter)
            ),
            retry=retry_if_exception_type(TransientFetchError),
            reraise=True,
        )
        attempts = 0
        try:
            for attempt in retrying:
                with attempt:
                    attempts = attempt.retry_state.attempt_number
                    body = self._once(url, params, ticker)
                    if validate is not None:
                        validate(body)
        except (FetchError, SourceUnavailableError) as exc:
            exc.attempts = max(1, attempts)  # the failure report says how often it was tried
            raise
        return body, attempts


def urlsplit_host(text: str) -> str:
    """The host of the first URL in ``text`` ("" when none): named in "cannot reach HOST"."""
    from urllib.parse import urlsplit

    start = text.find("://")
    if start < 0:
        return ""
    begin = text.rfind(" ", 0, start) + 1
    try:
        return urlsplit(text[begin:].split()[0]).hostname or ""
    except ValueError:
        return ""


def _wait_with_retry_after(base):
    """Wait at least what the server asked in Retry-After, else the exponential backoff."""

    def wait(state: RetryCallState) -> float:
        backoff = base(state)
        exc = state.outcome.exception() if state.outcome else None
        asked = getattr(exc, "retry_after", None)
        return max(backoff, min(asked, 60.0)) if asked else backoff

    return wait


def attempts_of(exc: BaseException) -> int:
    return int(getattr(exc, "attempts", 1) or 1)
