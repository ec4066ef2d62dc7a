"""SEC EDGAR companyfacts: debt maturity ladder, debt, interest, cash, D&A, operating income.

Fair access (https://www.sec.gov/os/accessing-edgar-data): at most 10 requests in any
one-second span, across threads, retries and processes (``screener.ratelimit``: one limiter per
source and machine, with a margin for jitter) and a User-Agent naming the user and an e-mail
($SCREENER_SEC_USER_AGENT). Without one the provider refuses to fetch, with a message saying
how to set it; parsing stored payloads needs none.

Ticker -> CIK goes through the SEC ticker map (``/files/company_tickers.json`` on the www base
URL), cached in the store as a snapshot (source "sec", dataset "tickers", ticker "_MAP") and
refreshed when older than a day. Share classes: ``BRK-B``, ``BRK.B`` and ``BRK/B`` all match.
An unknown ticker is a permanent failure (recorded once, no request made).
"""

from __future__ import annotations

import json
import threading
from datetime import date, timedelta
from typing import ClassVar

from screener import settings
from screener.errors import PermanentFetchError, ProviderError, TransientFetchError
from screener.http import HttpClient, RetryPolicy
from screener.providers import PARSER_VERSIONS
from screener.providers.base import NetworkProvider, Records
from screener.providers.sec_facts import STALE_AFTER_DAYS, parse_companyfacts

MAP_DATASET = "tickers"
MAP_TICKER = "_MAP"
MAP_PATH = "/files/company_tickers.json"
FACTS_PATH = "/api/xbrl/companyfacts/CIK{cik:010d}.json"
UA_HINT = "export SCREENER_SEC_USER_AGENT='Jane Doe jane@example.com'"


def normalise_ticker(ticker: str) -> str:
    """``brk.b`` / ``BRK/B`` / ``BRK B`` -> ``BRK-B`` (the form used as a key)."""
    t = ticker.strip().upper()
    for ch in "./ ":
        t = t.replace(ch, "-")
    return t


def parse_ticker_map(payload: bytes) -> dict[str, int]:
    """``company_tickers.json`` -> {normalised ticker: CIK}. Raises ValueError when unusable."""
    data = json.loads(payload)
    rows = data.values() if isinstance(data, dict) else data
    out: dict[str, int] = {}
    for row in rows:
        if isinstance(row, dict) and row.get("ticker") and row.get("cik_str") is not None:
            out.setdefault(normalise_ticker(str(row["ticker"])), int(row["cik_str"]))
    if not out:
        raise ValueError("no ticker/cik_str pairs found")
    return out


def _validate_json(body: bytes) -> None:
    """A 200 whose body is not a JSON object (truncated, an HTML error page) is retried."""
    try:
        data = json.loads(body)
    except ValueError:
        raise TransientFetchError("sec: response is not valid JSON (truncated or an error "
                                  "page)", source="sec") from None
    if not isinstance(data, dict):
        raise TransientFetchError("sec: response is not a JSON object", source="sec")


class SecProvider(NetworkProvider):
    """Companyfacts per company, parsed by ``sec_facts.parse_companyfacts``."""

    name: ClassVar[str] = "sec"
    datasets: ClassVar[tuple[str, ...]] = ("companyfacts",)
    rate: ClassVar[float] = 10.0  # the allowed rate; the limiter keeps its own margin
    concurrency: ClassVar[int] = 8
    parser_version: ClassVar[str] = PARSER_VERSIONS["sec"]

    def __init__(self, user_agent: str | None = None, data_base_url: str | None = None,
                 www_base_url: str | None = None, rate: float | None = None,
                 stale_after_days: int = STALE_AFTER_DAYS, policy: RetryPolicy | None = None,
                 concurrency: int | None = None):
        self.user_agent = user_agent or settings.sec_user_agent()
        self.data_base_url = (data_base_url or settings.sec_data_base_url()).rstrip("/")
        self.www_base_url = (www_base_url or settings.sec_www_base_url()).rstrip("/")
        self.stale_after_days = stale_after_days
        if concurrency:
            self.concurrency = concurrency
        self._rate = rate or self.rate
        self._policy = policy or RetryPolicy()
        self._client: HttpClient | None = None
        self._map: dict[str, int] | None = None
        self._map_lock = threading.Lock()

    # -- network ------------------------------------------------------------------------
    def require_user_agent(self) -> str:
        ua = (self.user_agent or "").strip()
        if not ua or "@" not in ua:
            raise ProviderError(
                "SEC requires a User-Agent naming you and your e-mail"
                + (f" (got {ua!r})." if ua else "."), UA_HINT)
        return ua

    @property
    def client(self) -> HttpClient:
        if self._client is None:
            ua = self.require_user_agent()
            self._client = HttpClient(
                "sec", rate=self._rate, timeout=30.0, policy=self._policy,
                headers={"User-Agent": ua, "Accept-Encoding": "gzip, deflate"})
        return self._client

    def prepare(self, store=None, max_age: timedelta | None = None) -> None:
        """Load the ticker map: from the store when fetched within a day, else download it."""
        self.require_user_agent()
        with self._map_lock:
            if self._map is not None:
                return
            if store is not None and store.fresh("sec", MAP_DATASET, [MAP_TICKER],
                                                 timedelta(days=1)):
                snap = store.latest("sec", MAP_DATASET, MAP_TICKER)
                try:
                    self._map = parse_ticker_map(snap.payload)
                    return
                except ValueError:
                    pass  # damaged cached map: download again
            body, _ = self.client.get(self.www_base_url + MAP_PATH, ticker=MAP_TICKER,
                                      validate=_validate_json)
            try:
                self._map = parse_ticker_map(body)
            except ValueError as exc:
                raise ProviderError(f"The SEC ticker map ({MAP_PATH}) is unusable: {exc}.",
                                    "Try again later; the SEC may be changing the file.") \
                    from None
            if store is not None:
                store.put("sec", MAP_DATASET, MAP_TICKER, date.today(), body)

    def set_ticker_map(self, mapping: dict[str, int]) -> None:
        """Use this {ticker: CIK} map (e.g. from a bulk import) instead of downloading it."""
        self._map = {normalise_ticker(t): int(c) for t, c in mapping.items()}

    def cik(self, ticker: str) -> int:
        if self._map is None:
            self.prepare()
        cik = self._map.get(normalise_ticker(ticker)) if self._map else None
        if cik is None:
            raise PermanentFetchError(
                f"{ticker} is not in the SEC ticker map (not an SEC filer, or a new or "
                "changed ticker).", source="sec", ticker=ticker)
        return cik

    def fetch_payload(self, ticker: str, dataset: str) -> tuple[bytes, int]:
        if dataset != "companyfacts":
            raise PermanentFetchError(f"sec has no dataset {dataset!r}", source="sec",
                                      ticker=ticker)
        cik = self.cik(ticker)
        url = self.data_base_url + FACTS_PATH.format(cik=cik)
        try:
            return self.client.get(url, ticker=ticker, validate=_validate_json)
        except PermanentFetchError as exc:
            if exc.status == 404:
                exc.message = f"{ticker}: the SEC has no companyfacts for CIK {cik} (HTTP 404)."
            elif exc.status == 403:
                exc.message = (f"{ticker}: the SEC refused the request (HTTP 403); check "
                               "SCREENER_SEC_USER_AGENT names you and your e-mail.")
            raise

    # -- parsing ------------------------------------------------------------------------
    def parse(self, ticker: str, dataset: str, payload: bytes, as_of: date | None) -> Records:
        if dataset != "companyfacts":
            return {}
        return parse_companyfacts(ticker, json.loads(payload), as_of=as_of,
                                  stale_after_days=self.stale_after_days)
