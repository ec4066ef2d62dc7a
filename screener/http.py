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

from screener.errors import FetchError, PermanentFetchError, TransientFetchError
from screener.ratelimit import RateLimiter, limiter_for  # noqa: F401 - RateLimiter re-exported
from screener.settings import redact

TRANSIENT_STATUS = {408, 425, 429, 500, 502, 503, 504, 520, 522, 524}


class _LimitedAdapter(HTTPAdapter):
    """Takes the rate-limit grant as late as possible: after the request is prepared, right
    before it goes to the socket, so the time between the grant and the server's count stays
    small even when threads wait for each other on a busy machine."""

    def __init__(self, limiter: RateLimiter):
        super().__init__()
        self.limiter = limiter

    def send(self, request, *args, **kwargs):
        self.limiter.acquire()
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
        with self._count_lock:
            self.requests_made += 1
        broken = None
        try:
            resp = self._session().get(url, params=params, timeout=self.timeout)
            body = resp.content  # reads the whole body: truncation raises here
        except (requests.Timeout, requests.ConnectionError,
                requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError) as exc:
            broken = type(exc).__name__
        if broken is not None:
            # raised outside the except block: the library's exception, whose text holds the
            # full URL (and an API key in its query), is not even kept as __context__
            raise TransientFetchError(f"{self.source}: {broken} for {redact(url)}",
                                      source=self.source, ticker=ticker)
        status = resp.status_code
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
        except FetchError as exc:
            exc.attempts = max(1, attempts)  # the failure report says how often it was tried
            raise
        return body, attempts


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
