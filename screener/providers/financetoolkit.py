"""Provider "fmp": Financial Modeling Prep with a key, FinanceToolkit (Yahoo) without one.

- With ``FINANCIAL_MODELING_PREP_API_KEY``: statements, market (profile + quote) and estimates
  come straight from FMP ``/stable`` through ``fmp.FmpClient`` (one fetch policy, typed errors).
- Without a key: statements come from FinanceToolkit's ``Toolkit`` (which uses Yahoo then),
  serialised to ``FT_FORMAT`` (``{"format", "ticker", "income"|"balance"|"cash":
  {period: {item: value}}}``) so they are stored and re-parsed like any payload.

FinanceToolkit never raises: it logs and returns empty frames, or frames whose single column
names the error (``LIMIT REACH``, ``INVALID API KEY``, ...). ``check_frame`` and
``capture_toolkit_errors`` turn both into typed errors per ticker; ``toolkit_metric`` does the
same for its ratios and models (empty Series -> error naming the metric and the ticker).
"""

from __future__ import annotations

import contextlib
import json
import logging
import operator
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any, ClassVar

import pandas as pd

from screener.errors import (
    FetchError,
    PermanentFetchError,
    ProviderError,
    TransientFetchError,
)
from screener.http import RetryPolicy
from screener.providers import fmp
from screener.providers.base import NetworkProvider, Records
from screener.settings import fmp_api_key, redact

log = logging.getLogger(__name__)

SOURCE = "fmp"
FT_FORMAT = "screener.financetoolkit/1"

# FinanceToolkit's marker columns -> what they mean for us
_MARKERS: dict[str, str] = {
    "LIMIT REACH": "limit", "BANDWIDTH LIMIT REACH": "limit",
    "INVALID API KEY": "key",
    "PREMIUM QUERY PARAMETER": "plan", "EXCLUSIVE ENDPOINT": "plan",
    "SPECIAL ENDPOINT": "plan", "NOT AVAILABLE": "plan", "US STOCKS ONLY": "plan",
    "YFINANCE RATE LIMIT REACHED": "transient", "YFINANCE RATE LIMIT REACHED FALLBACK": "transient",
    "YFINANCE RATE LIMIT OR NO DATA FOUND": "transient",
    "YFINANCE RATE LIMIT OR NO DATA FOUND FALLBACK": "transient",
    "REQUEST FAILED": "transient",
    "NO DATA": "nodata", "NO ERRORS": "nodata",
}
# phrases in FinanceToolkit's error log -> the same meanings
_LOG_PHRASES = (
    ("limit from financial modeling prep has been reached", "limit"),
    ("bandwidth limit", "limit"),
    ("invalid api key", "key"),
    ("rate limit from yahoo finance", "transient"),
    ("premium", "plan"), ("exclusive endpoint", "plan"), ("special endpoint", "plan"),
    ("subscription", "plan"),
)

# FinanceToolkit item names (normalization/*.csv, "Generic" column) -> StatementRecord field.
# The first item present wins; capex, interest and D&A are stored as positive amounts.
ITEM_MAP: dict[str, tuple[tuple[str, str], ...]] = {
    "revenue": (("income", "Revenue"),),
    "cost_of_revenue": (("income", "Cost of Goods Sold"),),
    "gross_profit": (("income", "Gross Profit"),),
    "operating_income": (("income", "Operating Income"), ("income", "EBIT")),
    "depreciation_amortization": (("income", "Depreciation and Amortization"),
                                  ("cash", "Depreciation and Amortization")),
    "ebitda": (("income", "EBITDA"),),
    "interest_expense": (("income", "Interest Expense"),),
    "pretax_income": (("income", "Income Before Tax"),),
    "income_tax": (("income", "Income Tax Expense"),),
    "net_income": (("income", "Net Income"),),
    "eps_diluted": (("income", "EPS Diluted"),),
    "shares_diluted": (("income", "Weighted Average Shares Diluted"),),
    "shares_outstanding": (("income", "Weighted Average Shares"),),
    "cash": (("balance", "Cash and Cash Equivalents"),),
    "short_term_investments": (("balance", "Short Term Investments"),),
    "current_assets": (("balance", "Total Current Assets"),),
    "total_assets": (("balance", "Total Assets"),),
    "current_liabilities": (("balance", "Total Current Liabilities"),),
    "total_liabilities": (("balance", "Total Liabilities"),),
    "short_term_debt": (("balance", "Short Term Debt"),),
    "long_term_debt": (("balance", "Long Term Debt"),),
    "total_debt": (("balance", "Total Debt"),),
    "total_equity": (("balance", "Total Shareholder Equity"), ("balance", "Total Equity")),
    "retained_earnings": (("balance", "Retained Earnings"),),
    "operating_cash_flow": (("cash", "Operating Cash Flow"), ("cash", "Cash Flow from Operations")),
    "capital_expenditure": (("cash", "Capital Expenditure"),),
    "free_cash_flow": (("cash", "Free Cash Flow"),),
}
_POSITIVE = ("interest_expense", "capital_expenditure", "depreciation_amortization")


def _error_for(meaning: str, ticker: str, what: str, detail: str) -> Exception:
    detail = redact(detail)
    if meaning == "limit":
        return fmp.FmpLimitReached(
            f"FinanceToolkit: FMP request limit reached ({what}, {ticker}).",
            "Wait for the limit to reset or upgrade the plan; a rerun resumes from the store.")
    if meaning == "key":
        return fmp.FmpKeyError("FinanceToolkit: FMP refused the API key.",
                               "Check FINANCIAL_MODELING_PREP_API_KEY, or unset it to use Yahoo.")
    if meaning == "plan":
        return PermanentFetchError(f"FinanceToolkit: {what} for {ticker} is not in your FMP plan "
                                   f"({detail})", source=SOURCE, ticker=ticker)
    if meaning == "transient":
        if "yahoo" in detail.lower() and not fmp_api_key():
            # without a key FinanceToolkit reads Yahoo, whose one message covers a rate limit,
            # no network and an unknown ticker alike: say which source and what would help
            return TransientFetchError(
                f"FinanceToolkit without an FMP key reads Yahoo Finance, which gave no {what} "
                f"for {ticker} (Yahoo's rate limit, no network, or a ticker Yahoo does not "
                "know)", "Set FINANCIAL_MODELING_PREP_API_KEY to read FMP instead, or use "
                "--provider sec for statements.", source=SOURCE, ticker=ticker)
        return TransientFetchError(f"FinanceToolkit: {what} for {ticker}: {detail}",
                                   source=SOURCE, ticker=ticker)
    return PermanentFetchError(f"FinanceToolkit: no {what} for {ticker} ({detail})",
                               "Check the ticker, or use the 'sec' provider for statements.",
                               source=SOURCE, ticker=ticker, status=404)


def has_marker(frame: Any) -> bool:
    return any(str(c).strip().upper() in _MARKERS for c in getattr(frame, "columns", []))


def check_frame(frame: Any, ticker: str, what: str) -> pd.DataFrame | pd.Series:
    """Return ``frame`` if it holds data; raise the typed error its marker stands for."""
    if frame is None:
        raise _error_for("nodata", ticker, what, "nothing returned")
    columns = [str(c).strip().upper() for c in getattr(frame, "columns", [])]
    for col in columns:
        if col in _MARKERS:
            raise _error_for(_MARKERS[col], ticker, what, col)
    if getattr(frame, "empty", False) or (hasattr(frame, "isna") and frame.isna().all(axis=None)):
        raise _error_for("nodata", ticker, what, "empty result")
    return frame


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def capture_toolkit_errors() -> Iterator[list[str]]:
    """Collect what FinanceToolkit logs at WARNING+ instead of raising."""
    logger = logging.getLogger("financetoolkit")
    handler = _Collector()
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)


def raise_from_messages(messages: list[str], ticker: str, what: str) -> None:
    for msg in messages:
        low = msg.lower()
        for phrase, meaning in _LOG_PHRASES:
            if phrase in low:
                raise _error_for(meaning, ticker, what, msg.split("\n")[0][:160])


def toolkit_metric(toolkit: Any, path: str, ticker: str, **kwargs: Any) -> pd.Series:
    """Call e.g. ``"ratios.get_net_debt_to_ebitda_ratio"`` or ``"models.get_altman_z_score"``;
    an empty answer (FinanceToolkit logs and returns an empty Series) raises ``ProviderError``
    naming the metric, the ticker and what FinanceToolkit said."""
    method = operator.attrgetter(path)(toolkit)
    with capture_toolkit_errors() as messages:
        result = method(**kwargs)
    if isinstance(result, pd.DataFrame) and ticker in getattr(result.index, "levels",
                                                                [result.index])[0]:
        result = result.loc[ticker]
    if result is None or getattr(result, "empty", True) or result.isna().all(axis=None):
        said = messages[0].split("\n")[0] if messages else "no value"
        raise ProviderError(f"FinanceToolkit could not compute {path} for {ticker}: "
                            f"{redact(said)}")
    return result.squeeze(axis=0) if isinstance(result, pd.DataFrame) else result


def make_toolkit(tickers: list[str], api_key: str = "", **frames: pd.DataFrame) -> Any:
    """A Toolkit that never probes the network on construction and keeps no cache of its own
    (our store is the cache). ``frames``: optional ``balance=``, ``income=``, ``cash=``."""
    from financetoolkit import Toolkit

    return Toolkit(tickers, api_key=api_key, sleep_timer=False, benchmark_ticker=None,
                   use_cached_data=False, convert_currency=False, progress_bar=False, **frames)


def _period_year(period: Any) -> int | None:
    year = getattr(period, "year", None)
    if year is None:
        try:
            year = int(str(period)[:4])
        except ValueError:
            return None
    return int(year)


def frame_to_dict(frame: pd.DataFrame) -> dict[str, dict[str, float]]:
    """FT statement (rows items, columns periods) -> {period: {item: value}} without NaN."""
    out: dict[str, dict[str, float]] = {}
    for period in frame.columns:
        col = pd.to_numeric(frame[period], errors="coerce").dropna()
        out[str(period)] = {str(k): float(v) for k, v in col.items()}
    return out


def statements_from_toolkit(ticker: str, doc: dict[str, Any]) -> list[dict[str, Any]]:
    """``FT_FORMAT`` document -> StatementRecord dicts, one per fiscal year."""
    years: dict[int, dict[str, Any]] = {}
    for kind in ("income", "balance", "cash"):
        for period, items in (doc.get(kind) or {}).items():
            fy = _period_year(period)
            if fy is not None:
                years.setdefault(fy, {})[kind] = items
    records = []
    for fy in sorted(years):
        rec: dict[str, Any] = {"ticker": ticker, "fiscal_year": fy}
        for field, sources in ITEM_MAP.items():
            value = None
            for kind, item in sources:
                value = fmp.num(years[fy].get(kind, {}).get(item))
                if value is not None:
                    break
            rec[field] = abs(value) if value is not None and field in _POSITIVE else value
        records.append(rec)
    return records


class FinanceToolkitProvider(NetworkProvider):
    name = "fmp"
    datasets: ClassVar[tuple[str, ...]] = ("statements", "market", "estimates")
    rate: ClassVar[float] = 4.0
    concurrency: ClassVar[int] = 4

    def __init__(self, api_key: str | None = None, policy: RetryPolicy | None = None,
                 rate: float | None = None,
                 toolkit_factory: Callable[..., Any] | None = None):
        key = api_key if api_key is not None else fmp_api_key()
        if rate is not None:
            self.rate = rate
        self.policy = policy or RetryPolicy()
        self.client = fmp.FmpClient(key, rate=self.rate, policy=self.policy) if key else None
        if self.client is None:
            self.datasets = ("statements",)  # market/estimates: use the 'yahoo' provider
        self._toolkit_factory = toolkit_factory or make_toolkit
        self._store: Any = None
        self._tripped: Exception | None = None

    def prepare(self, store: Any = None, max_age: Any = None) -> None:
        """Called by the fetcher before a run: keep the store to read our estimate history."""
        self._store = store

    def fetch_payload(self, ticker: str, dataset: str) -> tuple[bytes, int]:
        if self._tripped is not None:  # limit reached / key refused: no more requests this run
            raise self._tripped
        try:
            return self._fetch_payload(ticker, dataset)
        except (fmp.FmpLimitReached, fmp.FmpKeyError) as exc:
            self._tripped = exc
            raise

    def _estimate_history(self, ticker: str) -> list[dict[str, Any]]:
        """Our earlier FMP consensus snapshots for ``ticker``, embedded in the new payload so
        revisions can be computed from it when the payload is parsed (FMP gives no trend)."""
        if self._store is None:
            return []
        out = []
        for snap in self._store.history(self.name, "estimates", ticker):
            try:
                doc = json.loads(snap.payload)
            except ValueError:
                continue
            cons = fmp.consensus_by_period(doc.get("analyst-estimates") or [])
            if cons:
                out.append({"as_of": snap.as_of.isoformat(), "consensus": cons})
        return out

    def _fetch_payload(self, ticker: str, dataset: str) -> tuple[bytes, int]:
        if self.client is not None:
            body, attempts = self.client.fetch_dataset(ticker, dataset)
            history = self._estimate_history(ticker) if dataset == "estimates" else []
            if history:
                doc = json.loads(body)
                doc["history"] = history
                body = json.dumps(doc).encode("utf-8")
            return body, attempts
        if dataset != "statements":
            raise PermanentFetchError(
                f"fmp: dataset {dataset!r} needs an FMP API key", "Set "
                "FINANCIAL_MODELING_PREP_API_KEY, or use the 'yahoo' provider for it.",
                source=SOURCE, ticker=ticker)
        return self._fetch_toolkit(ticker)

    def _fetch_toolkit(self, ticker: str) -> tuple[bytes, int]:
        from tenacity import (
            Retrying,
            retry_if_exception_type,
            stop_after_attempt,
            stop_after_delay,
            wait_exponential_jitter,
        )

        p = self.policy
        retrying = Retrying(
            stop=stop_after_attempt(p.attempts) | stop_after_delay(p.max_seconds),
            wait=wait_exponential_jitter(multiplier=p.initial_wait, max=p.max_wait,
                                         jitter=p.jitter),
            retry=retry_if_exception_type(TransientFetchError), reraise=True)
        attempts = 0
        for attempt in retrying:
            with attempt:
                attempts = attempt.retry_state.attempt_number
                body = self._toolkit_statements(ticker)
        return body, attempts

    def _toolkit_statements(self, ticker: str) -> bytes:
        doc: dict[str, Any] = {"format": FT_FORMAT, "ticker": ticker}
        with capture_toolkit_errors() as messages:
            try:
                toolkit = self._toolkit_factory([ticker])
                frames = {"income": toolkit.get_income_statement(),
                          "balance": toolkit.get_balance_sheet_statement(),
                          "cash": toolkit.get_cash_flow_statement()}
            except FetchError:
                raise
            except Exception as exc:  # noqa: BLE001 - FinanceToolkit bug or network trouble
                raise TransientFetchError(
                    f"FinanceToolkit failed for {ticker}: {type(exc).__name__}: "
                    f"{redact(str(exc))[:200]}", source=SOURCE, ticker=ticker) from None
        empty = [k for k, f in frames.items() if f is None or getattr(f, "empty", True)]
        if len(empty) == len(frames):  # nothing at all: say why, if FinanceToolkit said it
            raise_from_messages(messages, ticker, "statements")
        for kind, frame in frames.items():
            if kind in empty and len(empty) < len(frames) and not has_marker(frame):
                log.warning("FinanceToolkit: no %s statement for %s", kind, ticker)
                continue
            frame = check_frame(frame, ticker, f"{kind} statement")
            if isinstance(frame.index, pd.MultiIndex):
                frame = frame.xs(ticker, level=0)
            doc[kind] = frame_to_dict(frame)
        return redact(json.dumps(doc)).encode("utf-8")

    def parse(self, ticker: str, dataset: str, payload: bytes, as_of: date | None) -> Records:
        try:
            doc = json.loads(payload.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            doc = None
        if isinstance(doc, dict) and doc.get("format") == FT_FORMAT:
            return {"statements": statements_from_toolkit(ticker, doc)}
        return fmp.parse_payload(ticker, dataset, payload, as_of)
