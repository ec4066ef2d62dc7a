"""Financial Modeling Prep ``/stable`` API: a small client and lenient parsers.

The API key comes from ``settings.fmp_api_key()`` and travels only as the ``apikey`` query
parameter; every URL, error message and stored payload goes through ``settings.redact``.

FMP reports trouble in the body, with or without an HTTP error status::

    {"Error Message": "Limit Reach . Please upgrade your plan or visit our documentation ..."}
    {"Error Message": "Invalid API KEY. Feel free to create a Free API Key ..."}
    Premium Query Parameter: 'Special Endpoint : This value set for 'symbol' is not available ...

How each is handled (decided once, here):

- daily limit (``Limit Reach`` without Retry-After): ``FmpLimitReached`` (a ``ProviderError``,
  not a ``FetchError``): the whole fetch stops with a hint, rather than retrying 2,000 tickers.
  A 429 *with* Retry-After is a per-minute throttle: transient, retried by the fetch policy.
- invalid or missing key: ``FmpKeyError`` (``ProviderError``): stops the run.
- premium / special / restricted endpoint or symbol: ``PermanentFetchError`` for that ticker.
- HTML, truncated or non-JSON body: ``TransientFetchError`` (fetched again).
- ``[]`` for a ticker: ``PermanentFetchError`` (unknown ticker or no data on this plan).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import date
from typing import Any

import requests

from screener.errors import (
    FetchError,
    PermanentFetchError,
    ProviderError,
    ScreenerError,
    TransientFetchError,
)
from screener.http import HttpClient, RetryPolicy
from screener.providers.values import ci_get, num
from screener.settings import fmp_api_key, fmp_base_url, redact

SOURCE = "fmp"
STATEMENT_ENDPOINTS = ("income-statement", "balance-sheet-statement", "cash-flow-statement")


class FmpLimitReached(ProviderError):
    """The plan's daily request limit is used up: stop the whole fetch."""

    fatal = True  # every further request would fail the same way


class FmpKeyError(ProviderError):
    """The key is missing or refused: every request would fail."""

    fatal = True


# -- errors in the body ----------------------------------------------------------------------

def _error_text(body: bytes) -> str | None:
    """FMP's error message if the body is one, else None."""
    head = body[:2000].decode("utf-8", "replace").strip()
    try:
        doc = json.loads(head) if head[:1] in "{[" else None
    except json.JSONDecodeError:
        doc = None
    if isinstance(doc, Mapping):
        for key in ("Error Message", "error", "message"):
            if isinstance(doc.get(key), str):
                return doc[key]
        return None
    if doc is None and head and head[:1] not in "{[<":
        return head  # plain-text error ("Premium Query Parameter: ...")
    return None


def classify_body(body: bytes, status: int, ticker: str | None,
                  retry_after: str | None = None, strict: bool = True) -> None:
    """Raise the typed error an FMP body stands for; return if it is not an error.

    Unrecognised messages raise ``PermanentFetchError`` when ``strict`` (a 200 carrying an
    error), else are left to ``HttpClient``'s judgement of the status (5xx, 429 are transient).
    """
    message = _error_text(body)
    if message is None:
        return
    msg = scrub(message)
    low = msg.lower()
    if "limit reach" in low:
        if retry_after:  # a per-minute throttle: HttpClient waits and retries
            if strict:
                raise TransientFetchError(f"FMP: rate limited ({msg[:80]})", source=SOURCE,
                                          ticker=ticker, status=429)
            return
        raise FmpLimitReached(
            f"FMP: request limit reached ({msg[:120]})",
            "Wait for the daily limit to reset (midnight US Eastern) or upgrade the plan; what "
            "was already fetched is in the store and a rerun resumes from there.")
    if "invalid api key" in low or ("api key" in low and ("missing" in low or "invalid" in low)):
        raise FmpKeyError(
            "FMP refused the API key.",
            "Check FINANCIAL_MODELING_PREP_API_KEY (https://site.financialmodelingprep.com/"
            "developer/docs), or unset it to use Yahoo through FinanceToolkit.")
    if any(s in low for s in ("premium", "special endpoint", "exclusive endpoint",
                              "restricted endpoint", "not available under your current")):
        raise PermanentFetchError(
            f"FMP: not included in your plan: {msg[:160]}",
            "Upgrade the FMP plan or use the 'yahoo'/'sec' provider for this ticker.",
            source=SOURCE, ticker=ticker, status=status or 402)
    if strict:
        raise PermanentFetchError(f"FMP: {ticker}: {msg[:200]}", source=SOURCE, ticker=ticker,
                                  status=status)


def _response_hook(resp: requests.Response, *args, **kwargs) -> None:
    """Runs before HttpClient judges the status, so the body's reason is never lost."""
    if resp.status_code >= 400 or resp.headers.get("Content-Type", "").startswith("text/plain"):
        classify_body(resp.content, resp.status_code, _symbol_of(resp.url),
                      resp.headers.get("Retry-After"), strict=False)


def _symbol_of(url: str) -> str | None:
    from urllib.parse import parse_qs, urlsplit

    return (parse_qs(urlsplit(url).query).get("symbol") or [None])[0]


def _validate_json(ticker: str | None):
    def check(body: bytes) -> None:
        try:
            doc = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise TransientFetchError(
                f"FMP: {ticker}: response is not JSON (starts "
                f"{scrub(body[:40].decode('utf-8', 'replace'))!r})",
                source=SOURCE, ticker=ticker) from None
        if isinstance(doc, Mapping):
            classify_body(body, 200, ticker)

    return check


_SECRETS: set[str] = set()


def scrub(text: str) -> str:
    """``settings.redact`` plus any key handed to a client explicitly (not via the env)."""
    return redact(text, *_SECRETS)


class _RedactFilter(logging.Filter):
    """urllib3 logs every request line (with its query string) at DEBUG: redact the key."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg = scrub(record.getMessage())
            record.args = None
        elif isinstance(record.msg, str):
            record.msg = scrub(record.msg)
        return True


_REDACT = _RedactFilter()


def _guard_logs() -> None:
    for name in ("urllib3.connectionpool", "urllib3", "requests"):
        logger = logging.getLogger(name)
        if _REDACT not in logger.filters:
            logger.addFilter(_REDACT)


class FmpClient(HttpClient):
    """``HttpClient`` for FMP: adds the key, reads error bodies, decodes JSON."""

    def __init__(self, api_key: str | None = None, rate: float = 4.0,
                 policy: RetryPolicy | None = None, base_url: str | None = None):
        super().__init__(source=SOURCE, rate=rate, policy=policy or RetryPolicy())
        self._key = api_key if api_key is not None else fmp_api_key()
        self.base_url = (base_url or fmp_base_url()).rstrip("/")
        if not self._key:
            raise FmpKeyError("No FMP API key.",
                              "Set FINANCIAL_MODELING_PREP_API_KEY, or use the 'yahoo' provider.")
        _SECRETS.add(self._key)
        _guard_logs()

    def _session(self) -> requests.Session:
        session = super()._session()
        if _response_hook not in session.hooks["response"]:
            session.hooks["response"].append(_response_hook)
        return session

    def get_json(self, endpoint: str, ticker: str, **params: Any) -> tuple[Any, int]:
        """GET ``{base}/{endpoint}?symbol=ticker&...``; -> (decoded JSON, attempts)."""
        query = {"symbol": ticker, **params, "apikey": self._key}
        try:
            body, attempts = self.get(f"{self.base_url}/{endpoint}", params=query,
                                      ticker=ticker, validate=_validate_json(ticker))
        except ScreenerError as exc:
            exc.message = scrub(exc.message)
            exc.args = (exc.message,)
            raise
        return json.loads(scrub(body.decode("utf-8"))), attempts

    def fetch_dataset(self, ticker: str, dataset: str) -> tuple[bytes, int]:
        """One stored payload per dataset: the endpoint responses under their names."""
        plan = {
            "statements": [(e, {"period": "annual", "limit": 5}) for e in STATEMENT_ENDPOINTS],
            "market": [("profile", {}), ("quote", {})],
            "estimates": [("analyst-estimates", {"period": "annual", "limit": 10})],
            # quarterly rows with filingDate/acceptedDate, for the history (fmp_quarterly)
            "statements_quarterly": [(e, {"period": "quarter", "limit": 80})
                                     for e in STATEMENT_ENDPOINTS],
        }.get(dataset)
        if plan is None:
            raise PermanentFetchError(f"FMP has no dataset {dataset!r}", source=SOURCE,
                                      ticker=ticker)
        doc: dict[str, Any] = {}
        total = 0
        for endpoint, params in plan:
            try:
                doc[endpoint], attempts = self.get_json(endpoint, ticker, **params)
            except FetchError as exc:  # the report counts every request made for the dataset
                exc.attempts = total + getattr(exc, "attempts", 1)
                raise
            total += attempts
        if all(not v for v in doc.values()):
            raise PermanentFetchError(
                f"FMP: no {dataset} for {ticker}",
                "Check the ticker; FMP may not cover it (or not on this plan).",
                source=SOURCE, ticker=ticker, status=404)
        return scrub(json.dumps(doc)).encode("utf-8"), total


# -- parsing ---------------------------------------------------------------------------------





# StatementRecord field -> FMP keys tried in order (case-insensitive)
STATEMENT_ALIASES: dict[str, tuple[str, ...]] = {
    "revenue": ("revenue", "totalRevenue"),
    "cost_of_revenue": ("costOfRevenue",),
    "gross_profit": ("grossProfit",),
    "operating_income": ("operatingIncome", "ebit"),
    "depreciation_amortization": ("depreciationAndAmortization",),
    "ebitda": ("ebitda",),
    "interest_expense": ("interestExpense",),
    "pretax_income": ("incomeBeforeTax",),
    "income_tax": ("incomeTaxExpense",),
    "net_income": ("netIncome",),
    "eps_diluted": ("epsDiluted", "epsdiluted", "eps_diluted"),
    "shares_diluted": ("weightedAverageShsOutDil", "weightedAverageSharesDiluted"),
    "cash": ("cashAndCashEquivalents",),
    "short_term_investments": ("shortTermInvestments",),
    "current_assets": ("totalCurrentAssets",),
    "total_assets": ("totalAssets",),
    "current_liabilities": ("totalCurrentLiabilities",),
    "total_liabilities": ("totalLiabilities",),
    "short_term_debt": ("shortTermDebt",),
    "long_term_debt": ("longTermDebt",),
    "total_debt": ("totalDebt",),
    "total_equity": ("totalStockholdersEquity", "totalEquity"),
    "retained_earnings": ("retainedEarnings",),
    "operating_cash_flow": ("operatingCashFlow", "netCashProvidedByOperatingActivities"),
    "capital_expenditure": ("capitalExpenditure", "investmentsInPropertyPlantAndEquipment"),
    "free_cash_flow": ("freeCashFlow",),
}
_POSITIVE = ("interest_expense", "capital_expenditure", "depreciation_amortization")


def _fiscal_year(row: Mapping[str, Any]) -> int | None:
    fy = num(ci_get(row, "fiscalYear", "calendarYear"))
    if fy is None:
        d = ci_get(row, "date")
        fy = num(str(d)[:4]) if d else None
    return int(fy) if fy is not None else None


def parse_statements(ticker: str, doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``{"income-statement": [...], "balance-sheet-statement": [...], ...}`` -> one
    StatementRecord dict per fiscal year (annual rows only). FMP's capex is negative: the
    record holds the positive amount spent; interest expense likewise."""
    years: dict[int, dict[str, Any]] = {}
    for endpoint in STATEMENT_ENDPOINTS:
        for row in doc.get(endpoint) or []:
            if not isinstance(row, Mapping):
                continue
            period = str(ci_get(row, "period") or "FY").upper()
            fy = _fiscal_year(row)
            if fy is None or period not in ("FY", "ANNUAL"):
                continue
            rec = years.setdefault(fy, {"ticker": ticker, "fiscal_year": fy})
            if ci_get(row, "date") and not rec.get("period_end"):
                rec["period_end"] = date.fromisoformat(str(ci_get(row, "date"))[:10])
            for field, keys in STATEMENT_ALIASES.items():
                if rec.get(field) is None:
                    value = num(ci_get(row, *keys))
                    rec[field] = abs(value) if value is not None and field in _POSITIVE \
                        else value
            if rec.get("shares_outstanding") is None:
                rec["shares_outstanding"] = num(ci_get(row, "weightedAverageShsOut"))
    return [years[y] for y in sorted(years)]


def parse_market(ticker: str, doc: Mapping[str, Any], as_of: date | None):
    """``{"profile": [...], "quote": [...]}`` -> (market record, identity record)."""
    profile = (doc.get("profile") or [{}])[0] or {}
    quote = (doc.get("quote") or [{}])[0] or {}
    merged = {**profile, **{k: v for k, v in quote.items() if v is not None}}
    price = num(ci_get(merged, "price"))
    mcap = num(ci_get(merged, "marketCap", "mktCap"))
    avg_vol = num(ci_get(profile, "averageVolume", "volAvg")) or num(ci_get(quote, "avgVolume"))
    high = num(ci_get(quote, "yearHigh"))
    if high is None and isinstance(ci_get(profile, "range"), str):
        high = num(str(ci_get(profile, "range")).split("-")[-1])
    market = {
        "ticker": ticker, "as_of": as_of, "price": price, "market_cap": mcap,
        "shares_outstanding": num(ci_get(merged, "sharesOutstanding"))
        or (mcap / price if mcap and price else None),
        "adv_3m_usd": avg_vol * price if avg_vol and price else None,
        "beta": num(ci_get(merged, "beta")), "high_52w": high,
    }
    name = ci_get(merged, "companyName", "name")
    identity = {"ticker": ticker, "name": str(name).strip(), "sector": ci_get(profile, "sector"),
                "industry": ci_get(profile, "industry"),
                "exchange": ci_get(profile, "exchange", "exchangeShortName")} if name else None
    return market, identity


def consensus_by_period(rows: list[Mapping[str, Any]]) -> dict[str, float]:
    """``analyst-estimates`` rows -> {fiscal period end (ISO date): EPS consensus}."""
    out: dict[str, float] = {}
    for row in rows or []:
        d, eps = str(ci_get(row, "date") or "")[:10], num(ci_get(row, "epsAvg", "estimatedEpsAvg"))
        if d and eps is not None:
            out[d] = eps
    return out


def parse_estimates(ticker: str, rows: list[Mapping[str, Any]], as_of: date | None,
                    history: list[Mapping[str, Any]] | None = None):
    """FMP ``analyst-estimates`` (a snapshot, no trend) -> EstimateRecord dict or None.

    The current fiscal year is the first year whose period end is on or after ``as_of``; the
    next is the one after. N-days-ago values come from our own earlier snapshots, embedded in
    the payload at fetch time as ``history``: ``[{"as_of": ISO date, "consensus":
    {period end: eps}}]``, compared for the *same* fiscal period (see ``estimates_history``).
    """
    from screener.providers.estimates_history import revisions_from_history

    as_of = as_of or date.today()
    dated = []
    for row in rows or []:
        try:
            dated.append((date.fromisoformat(str(ci_get(row, "date"))[:10]), row))
        except ValueError:
            continue
    future = sorted(((d, r) for d, r in dated if d >= as_of), key=lambda x: x[0])
    if not future:
        return None
    (cy_end, cy), (ny_end, ny) = future[0], (future[1] if len(future) > 1 else (None, {}))
    rec = {
        "ticker": ticker, "as_of": as_of,
        "eps_cy": num(ci_get(cy, "epsAvg", "estimatedEpsAvg")),
        "eps_ny": num(ci_get(ny, "epsAvg", "estimatedEpsAvg")) if ny else None,
        "n_analysts": num(ci_get(cy, "numAnalystsEps", "numberAnalystsEstimatedEps",
                                 "numberAnalystEstimatedEps")),
        "eps_cy_low": num(ci_get(cy, "epsLow", "estimatedEpsLow")),
        "eps_cy_high": num(ci_get(cy, "epsHigh", "estimatedEpsHigh")),
    }
    if not history:
        return rec
    snaps = []
    for h in history:
        cons = h.get("consensus") or {}
        snaps.append((h.get("as_of"), {
            "eps_cy": cons.get(cy_end.isoformat()),
            "eps_ny": cons.get(ny_end.isoformat()) if ny_end else None}))
    out = revisions_from_history(snaps, as_of, current=rec)
    out.pop("history_note", None)
    return out


def parse_payload(ticker: str, dataset: str, payload: bytes, as_of: date | None):
    """A stored FMP payload (``FmpClient.fetch_dataset``) -> ``{block: [records]}``."""
    try:
        doc = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProviderError(f"FMP: stored {dataset} payload for {ticker} is not JSON ({exc})",
                            "Fetch the ticker again.") from None
    if not isinstance(doc, Mapping):
        raise ProviderError(f"FMP: stored {dataset} payload for {ticker} is not an object")
    if dataset == "statements":
        return {"statements": parse_statements(ticker, doc)}
    if dataset == "market":
        market, identity = parse_market(ticker, doc, as_of)
        return {"market": [market], **({"identity": [identity]} if identity else {})}
    if dataset == "estimates":
        est = parse_estimates(ticker, doc.get("analyst-estimates") or [], as_of,
                              doc.get("history"))
        return {"estimates": [est]} if est else {}
    if dataset == "statements_quarterly":  # for the history (fmp_quarterly), not a raw block
        return {}
    raise ProviderError(f"FMP: unknown dataset {dataset!r}")
