"""Yahoo Finance: EPS estimates (trend and revisions) and market data, no key needed.

Two transports, one parser (``yahoo_parse``):

- **yfinance** (default): ``Ticker(t).eps_trend``, ``.eps_revisions``, ``.earnings_estimate``,
  ``.info`` and ``.history(period="13mo")``, serialised to our own JSON payload
  (``yahoo_parse.YF_FORMAT``, shape documented there) so it is stored and re-parsed like any other.
  yfinance owns its HTTP; we wrap its calls in the same retry policy and a rate limiter.
- **direct quoteSummary** (when ``$SCREENER_YAHOO_BASE_URL`` is set, e.g. a local test server):
  ``{base}/v10/finance/quoteSummary/{t}?modules=...`` and ``{base}/v8/finance/chart/{t}``
  through ``HttpClient``; the payload is Yahoo's own JSON.

Datasets: ``estimates`` (EstimateRecord) and ``market`` (MarketRecord + IdentityRecord).
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Callable
from datetime import date
from typing import Any, ClassVar

from tenacity import (
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential_jitter,
)

from screener.errors import FetchError, PermanentFetchError, TransientFetchError
from screener.http import HttpClient, RetryPolicy
from screener.providers import yahoo_parse
from screener.providers.base import NetworkProvider, Records
from screener.settings import BROWSER_USER_AGENT, yahoo_base_url

log = logging.getLogger(__name__)

ESTIMATE_MODULES = "earningsTrend"
MARKET_MODULES = "defaultKeyStatistics,summaryDetail,price,assetProfile"
INFO_KEYS = (
    "longName", "shortName", "sector", "industry", "exchange", "fullExchangeName", "currency",
    "regularMarketPrice", "currentPrice", "previousClose", "marketCap", "sharesOutstanding",
    "impliedSharesOutstanding", "floatShares", "beta", "shortPercentOfFloat", "fiftyTwoWeekHigh",
    "averageDailyVolume3Month", "averageVolume", "averageVolume10days",
)


def _direct_mode() -> bool:
    return bool(os.environ.get("SCREENER_YAHOO_BASE_URL"))


class YahooProvider(NetworkProvider):
    name = "yahoo"
    datasets: ClassVar[tuple[str, ...]] = ("estimates", "market")
    rate: ClassVar[float] = 2.0
    concurrency: ClassVar[int] = 4

    def __init__(self, direct: bool | None = None,
                 ticker_factory: Callable[[str], Any] | None = None,
                 policy: RetryPolicy | None = None, rate: float | None = None):
        if rate is not None:
            self.rate = rate  # instance override, e.g. a fast local server in tests
        self.direct = _direct_mode() if direct is None else direct
        self.policy = policy or RetryPolicy()
        self.client = HttpClient("yahoo", rate=self.rate, policy=self.policy,
                                 headers={"User-Agent": BROWSER_USER_AGENT,
                                          "Accept": "application/json"})
        self._limiter = self.client.limiter  # the yfinance path shares the same limit
        self._ticker_factory = ticker_factory

    # -- step 1: fetch ----------------------------------------------------------------------
    def fetch_payload(self, ticker: str, dataset: str) -> tuple[bytes, int]:
        if dataset not in self.datasets:
            raise PermanentFetchError(f"yahoo has no dataset {dataset!r}", source="yahoo",
                                      ticker=ticker)
        if self.direct:
            return self._fetch_direct(ticker, dataset)
        return self._fetch_yfinance(ticker, dataset)

    def _fetch_direct(self, ticker: str, dataset: str) -> tuple[bytes, int]:
        base = yahoo_base_url()
        modules = ESTIMATE_MODULES if dataset == "estimates" else MARKET_MODULES
        body, attempts = self.client.get(
            f"{base}/v10/finance/quoteSummary/{ticker}", params={"modules": modules},
            ticker=ticker, validate=yahoo_parse.validate_quote_summary(ticker),
        )
        if dataset == "estimates":
            return body, attempts
        doc: dict[str, Any] = json.loads(body)
        try:
            chart, more = self.client.get(
                f"{base}/v8/finance/chart/{ticker}",
                params={"range": "13mo", "interval": "1d"}, ticker=ticker,
                validate=lambda b: yahoo_parse.decode_json(ticker, b),
            )
            doc["chart"] = json.loads(chart)
            attempts += more
        except FetchError as exc:  # quote data is still worth keeping; say what is missing
            log.warning("yahoo: %s: no price history (%s); momentum and volatility left empty",
                        ticker, exc.message)
            doc["chart_error"] = exc.message
        return json.dumps(doc).encode("utf-8"), attempts

    def _ticker(self, ticker: str) -> Any:
        if self._ticker_factory is None:
            import yfinance

            self._ticker_factory = yfinance.Ticker
        return self._ticker_factory(ticker)

    def _fetch_yfinance(self, ticker: str, dataset: str) -> tuple[bytes, int]:
        def once() -> bytes:
            self._limiter.acquire()
            try:
                return _serialise(ticker, dataset, self._ticker(ticker))
            except FetchError:
                raise
            except Exception as exc:  # noqa: BLE001 - classified, never swallowed
                raise classify_yfinance_error(ticker, exc) from None

        p = self.policy
        retrying = Retrying(
            stop=stop_after_attempt(p.attempts) | stop_after_delay(p.max_seconds),
            wait=wait_exponential_jitter(multiplier=p.initial_wait, max=p.max_wait, jitter=p.jitter),
            retry=retry_if_exception_type(TransientFetchError), reraise=True,
        )
        attempts = 0
        for attempt in retrying:
            with attempt:
                attempts = attempt.retry_state.attempt_number
                body = once()
        return body, attempts

    # -- step 3: parse ----------------------------------------------------------------------
    def parse(self, ticker: str, dataset: str, payload: bytes, as_of: date | None) -> Records:
        return yahoo_parse.parse_payload(ticker, dataset, payload, as_of)


def classify_yfinance_error(ticker: str, exc: Exception) -> FetchError:
    """yfinance/curl errors -> typed errors: rate limits and network trouble are transient."""
    kind = type(exc).__name__
    msg = f"yahoo: {ticker}: {kind}: {exc}"
    lowered = f"{kind} {exc}".lower()
    if any(s in lowered for s in ("ratelimit", "too many requests", "429", "timeout",
                                  "timed out", "connection", "reset", "curl")):
        return TransientFetchError(msg, source="yahoo", ticker=ticker)
    return PermanentFetchError(msg, "Check the ticker; Yahoo may not cover it.",
                               source="yahoo", ticker=ticker)


def _frame_dict(frame: Any) -> dict[str, dict[str, Any]]:
    """A yfinance periodic frame (index 0q/+1q/0y/+1y) as {period: {column: value}}."""
    if frame is None or not hasattr(frame, "to_dict") or getattr(frame, "empty", True):
        return {}
    out: dict[str, dict[str, Any]] = {}
    for period, row in frame.to_dict(orient="index").items():
        out[str(period)] = {str(k): _jsonable(v) for k, v in row.items()}
    return out


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, bool, int)):
        return value
    try:
        f = float(value)
    except (TypeError, ValueError):
        return str(value)
    return None if math.isnan(f) else f


def _serialise(ticker: str, dataset: str, t: Any) -> bytes:
    doc: dict[str, Any] = {"format": yahoo_parse.YF_FORMAT, "ticker": ticker}
    if dataset == "estimates":
        doc["eps_trend"] = _frame_dict(t.eps_trend)
        doc["eps_revisions"] = _frame_dict(t.eps_revisions)
        doc["earnings_estimate"] = _frame_dict(t.earnings_estimate)
        if not doc["eps_trend"] and not doc["earnings_estimate"]:
            raise PermanentFetchError(
                f"yahoo: {ticker}: no EPS estimates (no analyst coverage or unknown ticker)",
                source="yahoo", ticker=ticker)
    else:
        info = t.info or {}
        doc["info"] = {k: _jsonable(info[k]) for k in INFO_KEYS if info.get(k) is not None}
        hist = t.history(period="13mo", auto_adjust=True)
        if hist is not None and not hist.empty:
            doc["history"] = {
                "date": [str(d)[:10] for d in hist.index],
                "close": [_jsonable(v) for v in hist["Close"]],
                "volume": [_jsonable(v) for v in hist.get("Volume", [])],
            }
        if not doc["info"] and "history" not in doc:
            raise PermanentFetchError(
                f"yahoo: {ticker}: Yahoo returned no quote and no prices",
                "Check the ticker (Yahoo style, e.g. BRK-B); if many fail, Yahoo is throttling: "
                "rerun later.", source="yahoo", ticker=ticker)
    return json.dumps(doc).encode("utf-8")
