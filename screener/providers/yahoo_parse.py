"""Parse Yahoo payloads (two wire formats, one parser) into raw records.

Two payload shapes reach ``parse_payload``:

1. Yahoo's own quoteSummary JSON (direct transport), optionally merged with a chart response::

       {"quoteSummary": {"result": [{"earningsTrend": {"trend": [...]},
                                     "defaultKeyStatistics": {...}, "summaryDetail": {...},
                                     "price": {...}, "assetProfile": {...}}], "error": null},
        "chart": {"chart": {"result": [{"timestamp": [...], "indicators": {...}}]}}}

   Values are ``{"raw": 1.23, "fmt": "1.23"}`` or bare numbers; both are accepted.

2. Our serialisation of what yfinance returns (``YF_FORMAT``), so it can be stored and re-read::

       {"format": "screener.yfinance/1", "ticker": "ABC",
        "eps_trend":         {"0y": {"current": 1.2, "7daysAgo": 1.1, ...}, "+1y": {...}},
        "eps_revisions":     {"0y": {"upLast7days": 2, "downLast30days": 1, ...}, ...},
        "earnings_estimate": {"0y": {"avg": 1.2, "numberOfAnalysts": 8, ...}, ...},
        "info":    {"beta": 1.4, "shortPercentOfFloat": 0.12, "marketCap": ..., ...},
        "history": {"date": ["2025-01-02", ...], "close": [...], "volume": [...]}}

   (``eps_trend`` etc. are ``DataFrame.to_dict(orient="index")`` of yfinance's frames.)

Both are normalised to ``(trend rows by period, flat info dict, (closes, volumes))`` and turned
into records by one function. Key lookups are case-insensitive everywhere: Yahoo has renamed
``downLast7Days`` / ``downLast7days`` before.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from screener.errors import PermanentFetchError, ProviderError, TransientFetchError
from screener.providers.values import ci_get, num
from screener.providers.values import key as _key

YF_FORMAT = "screener.yfinance/1"
SOURCE = "yahoo"

# record field -> (period, section, yahoo key)
_TREND_FIELDS: dict[str, tuple[str, str, str]] = {}
for _prefix, _period in (("eps_cy", "0y"), ("eps_ny", "+1y")):
    _TREND_FIELDS[_prefix] = (_period, "epsTrend", "current")
    for _n in (7, 30, 60, 90):
        _TREND_FIELDS[f"{_prefix}_{_n}d"] = (_period, "epsTrend", f"{_n}daysAgo")
_REVISION_FIELDS = {
    "up_7d": "upLast7days", "down_7d": "downLast7days",
    "up_30d": "upLast30days", "down_30d": "downLast30days",
}

# market/identity field -> Yahoo keys tried in order (case-insensitive)
_INFO_ALIASES: dict[str, tuple[str, ...]] = {
    "price": ("regularMarketPrice", "currentPrice", "previousClose", "regularMarketPreviousClose"),
    "shares_outstanding": ("sharesOutstanding", "impliedSharesOutstanding"),
    "float_shares": ("floatShares",),
    "market_cap": ("marketCap",),
    "beta": ("beta", "beta3Year"),
    "short_pct_float": ("shortPercentOfFloat",),
    "high_52w": ("fiftyTwoWeekHigh",),
    "avg_volume_3m": ("averageDailyVolume3Month", "averageVolume3Month", "averageVolume"),
    "name": ("longName", "shortName", "displayName"),
    "sector": ("sector",),
    "industry": ("industry",),
    "exchange": ("exchange", "fullExchangeName", "exchangeName"),
}








def text(value: Any) -> str | None:
    if isinstance(value, Mapping):
        value = value.get("fmt") or value.get("raw")
    if value is None:
        return None
    s = str(value).strip()
    return s or None


# -- wire format -> normalised ---------------------------------------------------------------

def decode_json(ticker: str, payload: bytes) -> Any:
    """JSON or a ``TransientFetchError`` (HTML page, truncated body: fetch it again)."""
    try:
        return json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        head = payload[:60].decode("utf-8", "replace").strip()
        raise TransientFetchError(
            f"yahoo: {ticker}: response is not JSON (starts {head!r})",
            "Yahoo may be throttling; the fetch will be retried. Rerun later if it persists.",
            source=SOURCE, ticker=ticker,
        ) from None


def quote_summary_result(ticker: str, doc: Any) -> dict[str, Any]:
    """The single result of a quoteSummary document; Yahoo's error -> PermanentFetchError."""
    qs = ci_get(doc, "quoteSummary") if isinstance(doc, Mapping) else None
    if not isinstance(qs, Mapping):
        raise TransientFetchError(f"yahoo: {ticker}: no quoteSummary in the response",
                                  source=SOURCE, ticker=ticker)
    err = qs.get("error")
    results = qs.get("result")
    if err or not results:
        desc = (ci_get(err, "description") or ci_get(err, "code")) if err else "empty result"
        raise PermanentFetchError(
            f"yahoo: {ticker}: {desc}",
            "Check the ticker (Yahoo style, e.g. BRK-B) or use another provider for it.",
            source=SOURCE, ticker=ticker, status=404,
        )
    if not isinstance(results, list):
        raise TransientFetchError(f"yahoo: {ticker}: quoteSummary 'result' is not a list",
                                  source=SOURCE, ticker=ticker)
    return results[0] if isinstance(results[0], Mapping) else {}


def validate_quote_summary(ticker: str):
    """A ``validate`` callback for ``HttpClient.get``: retry non-JSON, stop on Yahoo errors."""

    def check(body: bytes) -> None:
        quote_summary_result(ticker, decode_json(ticker, body))

    return check


def _trend_from_quote_summary(result: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    trend = ci_get(ci_get(result, "earningsTrend"), "trend")
    rows: dict[str, dict[str, Any]] = {}
    for item in trend if isinstance(trend, list) else ():
        if isinstance(item, Mapping) and item.get("period"):
            rows[str(item["period"])] = {
                "epsTrend": ci_get(item, "epsTrend") or {},
                "epsRevisions": ci_get(item, "epsRevisions") or {},
                "earningsEstimate": ci_get(item, "earningsEstimate") or {},
            }
    return rows


def _info_from_quote_summary(result: Mapping[str, Any]) -> dict[str, Any]:
    info: dict[str, Any] = {}
    # later modules win: price is the freshest source of price and market cap
    for module in ("assetProfile", "summaryProfile", "summaryDetail", "defaultKeyStatistics",
                   "quoteType", "price"):
        section = ci_get(result, module)
        if isinstance(section, Mapping):
            for k, v in section.items():
                if num(v) is not None or text(v) is not None:
                    info[k] = v
    return info


def _history_from_chart(doc: Any) -> tuple[list[float], list[float]]:
    chart = ci_get(ci_get(doc, "chart"), "result")
    if not chart or not isinstance(chart[0], Mapping):
        return [], []
    ind = ci_get(chart[0], "indicators") or {}
    adj = ci_get((ci_get(ind, "adjclose") or [{}])[0], "adjclose")
    quote = (ci_get(ind, "quote") or [{}])[0]
    closes = adj or ci_get(quote, "close") or []
    volumes = ci_get(quote, "volume") or []
    return list(closes), list(volumes)


def _history_from_yf(hist: Any) -> tuple[list[float], list[float]]:
    if not isinstance(hist, Mapping):
        return [], []
    return list(ci_get(hist, "close") or []), list(ci_get(hist, "volume") or [])


def normalise(ticker: str, payload: bytes):
    """-> (trend rows by period, flat info dict, (closes, volumes)) from either wire format."""
    doc = decode_json(ticker, payload)
    if not isinstance(doc, Mapping):
        raise ProviderError(f"yahoo: {ticker}: payload is a {type(doc).__name__}, not an object")
    if ci_get(doc, "quoteSummary") is not None:
        result = quote_summary_result(ticker, doc)
        chart_doc = ci_get(doc, "chart")
        return (_trend_from_quote_summary(result), _info_from_quote_summary(result),
                _history_from_chart(chart_doc) if chart_doc else ([], []))
    if doc.get("format") == YF_FORMAT:
        rows: dict[str, dict[str, Any]] = {}
        for section, key in (("epsTrend", "eps_trend"), ("epsRevisions", "eps_revisions"),
                             ("earningsEstimate", "earnings_estimate")):
            for period, values in _frame_rows(ci_get(doc, key)).items():
                rows.setdefault(period, {})[section] = values
        info = ci_get(doc, "info")
        return (rows, dict(info) if isinstance(info, Mapping) else {},
                _history_from_yf(ci_get(doc, "history")))
    raise ProviderError(
        f"yahoo: {ticker}: unknown payload format (neither quoteSummary nor {YF_FORMAT})",
        "Delete this snapshot from the store and fetch the ticker again.",
    )


# Period labels seen for yfinance's index (``0q +1q 0y +1y``) once a frame went through
# other hands (CSV, Excel, older scrapers): normalised key -> canonical period.
_PERIODS = {
    "0q": "0q", "currentqtr": "0q", "currentquarter": "0q",
    "+1q": "+1q", "1q": "+1q", "nextqtr": "+1q", "nextquarter": "+1q",
    "0y": "0y", "currentyear": "0y", "cy": "0y", "fy0": "0y",
    "+1y": "+1y", "1y": "+1y", "nextyear": "+1y", "ny": "+1y", "fy1": "+1y",
}


def _period_key(label: Any) -> str:
    key = _key(label).replace("'", "")
    key = key.split("(")[0]                    # "Current Year (2026)" -> "currentyear"
    return _PERIODS.get(key, key)


def _frame_rows(frame: Any) -> dict[str, dict[str, Any]]:
    """A serialised yfinance frame -> {period: {column: value}}, whatever the orientation.

    Accepted: ``to_dict(orient="index")`` (what we write), ``orient="records"`` / a list of
    rows with a ``period`` (or ``index``) field, ``orient="dict"`` (column -> {period: value}),
    ``orient="split"`` / ``{"columns", "index", "data"|"rows"}``.
    """
    if isinstance(frame, list):
        out = {}
        for row in frame:
            if isinstance(row, Mapping):
                label = ci_get(row, "period", "index")
                if label is not None:
                    out[str(label)] = {k: v for k, v in row.items()
                                       if _key(k) not in ("period", "index")}
        return out
    if not isinstance(frame, Mapping) or not frame:
        return {}
    cols = ci_get(frame, "columns")
    if isinstance(cols, list):
        cols = [str(c) for c in cols]
        index = ci_get(frame, "index")
        data = ci_get(frame, "data")
        if isinstance(ci_get(frame, "rows"), Mapping):
            pairs = list(ci_get(frame, "rows").items())
        else:
            pairs = list(zip(index if isinstance(index, list) else [],
                             data if isinstance(data, list) else []))
        return {str(label): dict(zip(cols, values)) for label, values in pairs
                if isinstance(values, (list, tuple))}
    out = {str(k): dict(v) if isinstance(v, Mapping) else {} for k, v in frame.items()}
    known = {"0q", "+1q", "0y", "+1y"}
    if not any(_period_key(k) in known for k in out) and any(
            _period_key(inner) in known for v in out.values() for inner in v):
        flipped: dict[str, dict[str, Any]] = {}
        for column, by_period in out.items():          # orient="dict": column-major
            for label, value in by_period.items():
                flipped.setdefault(str(label), {})[column] = value
        return flipped
    return out


# -- normalised -> records -------------------------------------------------------------------

def _period_row(rows: Mapping[str, Any], period: str) -> Mapping[str, Any]:
    for k, v in rows.items():
        if _period_key(k) == period:
            return v if isinstance(v, Mapping) else {}
    return {}


def estimate_record(ticker: str, rows: Mapping[str, Any], as_of: date | None) -> dict | None:
    """EstimateRecord dict, or None when Yahoo has no annual trend for the ticker."""
    rec: dict[str, Any] = {"ticker": ticker, "as_of": as_of}
    for field, (period, section, key) in _TREND_FIELDS.items():
        rec[field] = num(ci_get(_period_row(rows, period).get(section), key))
    cy = _period_row(rows, "0y")
    for field, key in _REVISION_FIELDS.items():
        rec[field] = num(ci_get(cy.get("epsRevisions"), key))
    rec["n_analysts"] = num(ci_get(cy.get("earningsEstimate"), "numberOfAnalysts"))
    rec["eps_cy_low"] = num(ci_get(cy.get("earningsEstimate"), "low"))
    rec["eps_cy_high"] = num(ci_get(cy.get("earningsEstimate"), "high"))
    if rec["eps_cy"] is None:  # Yahoo sometimes has no epsTrend but an earningsEstimate avg
        rec["eps_cy"] = num(ci_get(cy.get("earningsEstimate"), "avg"))
    if rec["eps_ny"] is None:
        rec["eps_ny"] = num(ci_get(_period_row(rows, "+1y").get("earningsEstimate"), "avg"))
    if all(v is None for k, v in rec.items() if k not in ("ticker", "as_of")):
        return None
    return rec


def momentum_12_1(closes: list[float]) -> float | None:
    """Return from ~12 months (252 sessions) to ~1 month (21 sessions) ago, as a fraction."""
    c = [x for x in (num(v) for v in closes) if x is not None and x > 0]
    if len(c) < 253:
        return None
    return c[-22] / c[-253] - 1.0


def volatility_1y(closes: list[float]) -> float | None:
    """Annualised standard deviation of daily log returns over the last 252 sessions."""
    c = [x for x in (num(v) for v in closes) if x is not None and x > 0][-253:]
    if len(c) < 60:
        return None
    rets = [math.log(b / a) for a, b in itertools.pairwise(c)]
    mean = sum(rets) / len(rets)
    var = sum((r - mean) ** 2 for r in rets) / (len(rets) - 1)
    return math.sqrt(var) * math.sqrt(252)


def _max_close(closes: list[Any]) -> float | None:
    values = [x for x in map(num, closes) if x is not None and x > 0]
    return max(values) if values else None


def market_record(ticker: str, info: Mapping[str, Any], history, as_of) -> dict | None:
    closes, volumes = history
    get = {f: num(ci_get(info, *keys)) for f, keys in _INFO_ALIASES.items()
           if f not in ("name", "sector", "industry", "exchange")}
    price = get["price"]
    if price is None and closes:
        price = num(closes[-1])
    adv = None
    if get["avg_volume_3m"] is not None and price:
        adv = get["avg_volume_3m"] * price
    elif volumes and closes and len(volumes) == len(closes):
        pairs = [(num(v), num(c)) for v, c in zip(volumes[-63:], closes[-63:])]
        dollars = [v * c for v, c in pairs if v is not None and c is not None]
        adv = sum(dollars) / len(dollars) if dollars else None
    shares = get["shares_outstanding"]
    mcap = get["market_cap"] or (price * shares if price and shares else None)
    rec = {
        "ticker": ticker, "as_of": as_of, "price": price, "shares_outstanding": shares,
        "float_shares": get["float_shares"], "market_cap": mcap, "adv_3m_usd": adv,
        "beta": get["beta"], "short_pct_float": get["short_pct_float"],
        "high_52w": get["high_52w"] or _max_close(closes[-252:]),
        "mom_12_1": momentum_12_1(closes), "volatility_1y": volatility_1y(closes),
    }
    if all(v is None for k, v in rec.items() if k not in ("ticker", "as_of")):
        return None
    return rec


def identity_record(ticker: str, info: Mapping[str, Any]) -> dict | None:
    name = text(ci_get(info, *_INFO_ALIASES["name"]))
    if not name:
        return None
    return {"ticker": ticker, "name": name,
            **{f: text(ci_get(info, *_INFO_ALIASES[f])) for f in ("sector", "industry",
                                                                  "exchange")}}


def parse_payload(ticker: str, dataset: str, payload: bytes,
                  as_of: date | None = None) -> dict[str, list[dict[str, Any]]]:
    """Bytes of either format -> ``{block: [records]}`` (estimates, market, identity)."""
    as_of = as_of or datetime.now(UTC).date()
    rows, info, history = normalise(ticker, payload)
    out: dict[str, list[dict[str, Any]]] = {}
    est = estimate_record(ticker, rows, as_of) if rows else None
    if est:
        out["estimates"] = [est]
    mkt = market_record(ticker, info, history, as_of) if (info or history[0]) else None
    if mkt:
        out["market"] = [mkt]
    ident = identity_record(ticker, info)
    if ident:
        out["identity"] = [ident]
    if dataset == "estimates" and not est:
        raise PermanentFetchError(f"yahoo: {ticker}: no EPS estimates in the payload",
                                  "Yahoo has no analyst coverage for this ticker.",
                                  source=SOURCE, ticker=ticker)
    return out
