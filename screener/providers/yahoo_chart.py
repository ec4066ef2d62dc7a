"""Yahoo chart history: daily bars with split and dividend events, for the ``prices`` dataset.

Request (one per name; ``base`` is ``$SCREENER_YAHOO_BASE_URL`` or Yahoo's)::

    {base}/v8/finance/chart/{ticker}?period1=<unix>&period2=<unix>&interval=1d&events=div,splits

Response (the parts we read)::

    {"chart": {"result": [{
        "meta": {"symbol": "ACME", "currency": "USD", "gmtoffset": -18000,
                 "exchangeTimezoneName": "America/New_York", ...},
        "timestamp": [1704205800, ...],                 # bar start, seconds since 1970 UTC
        "events": {"dividends": {"<ts>": {"amount": 0.24, "date": <ts>}},
                   "splits": {"<ts>": {"date": <ts>, "numerator": 2, "denominator": 1,
                                       "splitRatio": "2:1"}}},
        "indicators": {"quote": [{"open": [...], "high": [...], "low": [...],
                                  "close": [...], "volume": [...]}],
                       "adjclose": [{"adjclose": [...]}]}}],
      "error": null}}

``close`` (and open/high/low/volume) is adjusted for splits only; ``adjclose`` for splits and
dividends, both as of the day of the request. A bar's date is its timestamp in the exchange's
time zone. Null bars (no trade) are dropped, as is a bar of a session that has not closed yet.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from screener.errors import PermanentFetchError, TransientFetchError

SOURCE = "yahoo"
BAR_COLUMNS = ["ticker", "date", "open", "high", "low", "close", "adj_close", "volume", "source"]


@dataclass
class Chart:
    """One parsed chart response."""

    ticker: str
    bars: pd.DataFrame  # BAR_COLUMNS, one row per day, ascending
    dividends: pd.DataFrame  # date, amount (per share, as paid)
    splits: pd.DataFrame  # date, numerator, denominator (2:1 -> 2, 1)
    currency: str | None = None


def _decode(ticker: str, payload: bytes) -> Any:
    try:
        return json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        head = payload[:60].decode("utf-8", "replace").strip()
        raise TransientFetchError(f"yahoo: {ticker}: chart response is not JSON "
                                  f"(starts {head!r})", "Yahoo may be throttling; rerun later.",
                                  source=SOURCE, ticker=ticker) from None


def _result(ticker: str, doc: Any) -> Mapping[str, Any]:
    chart = doc.get("chart") if isinstance(doc, Mapping) else None
    if not isinstance(chart, Mapping):
        raise PermanentFetchError(f"yahoo: {ticker}: not a chart response (no 'chart' key)",
                                  source=SOURCE, ticker=ticker)
    err = chart.get("error")
    if err:
        desc = err.get("description") if isinstance(err, Mapping) else str(err)
        raise PermanentFetchError(f"yahoo: {ticker}: {desc}",
                                  "Check the ticker (Yahoo style, e.g. BRK-B); a delisted name "
                                  "has no chart.", source=SOURCE, ticker=ticker)
    result = chart.get("result")
    if not result or not isinstance(result[0], Mapping):
        raise PermanentFetchError(f"yahoo: {ticker}: chart response has no result",
                                  source=SOURCE, ticker=ticker)
    return result[0]


def validate(ticker: str):
    """For ``HttpClient.get``: a body that is not JSON is fetched again."""
    return lambda body: _decode(ticker, body)


def _dates(stamps: Any, meta: Mapping[str, Any]) -> pd.DatetimeIndex:
    """Unix seconds -> the trading day in the exchange's zone (naive dates)."""
    utc = pd.to_datetime(np.asarray(stamps, dtype="int64"), unit="s", utc=True)
    zone = meta.get("exchangeTimezoneName")
    try:
        local = utc.tz_convert(zone) if zone else utc + pd.Timedelta(
            seconds=int(meta.get("gmtoffset") or 0))
    except Exception:  # noqa: BLE001 - an unknown zone name: fall back to the fixed offset
        local = utc + pd.Timedelta(seconds=int(meta.get("gmtoffset") or 0))
    return pd.DatetimeIndex(local.tz_localize(None) if local.tz is not None else local).normalize()


def _series(block: Mapping[str, Any] | None, key: str, n: int) -> np.ndarray:
    values = (block or {}).get(key)
    if values is None:
        return np.full(n, np.nan)
    arr = pd.to_numeric(pd.Series(list(values), dtype="object"), errors="coerce")
    out = arr.to_numpy(dtype="float64", na_value=np.nan)
    if len(out) != n:
        raise PermanentFetchError(f"chart arrays of different lengths ({key}: {len(out)}, "
                                  f"timestamps: {n})", source=SOURCE)
    return out


def _events(result: Mapping[str, Any], kind: str, meta: Mapping[str, Any]) -> list[dict]:
    events = (result.get("events") or {}).get(kind) or {}
    rows = []
    for key, ev in events.items():
        if not isinstance(ev, Mapping):
            continue
        stamp = ev.get("date", key)
        try:
            day = _dates([int(stamp)], meta)[0]
        except (TypeError, ValueError):
            continue
        rows.append({"date": day, **{k: ev.get(k) for k in ("amount", "numerator",
                                                             "denominator")}})
    return sorted(rows, key=lambda r: r["date"])


def parse_chart(ticker: str, payload: bytes, last_session=None) -> Chart:
    """A chart response -> ``Chart`` (bars without nulls; bars after ``last_session``, a day
    that has not closed yet, are dropped)."""
    result = _result(ticker, _decode(ticker, payload))
    meta = result.get("meta") or {}
    stamps = result.get("timestamp") or []
    n = len(stamps)
    quote = ((result.get("indicators") or {}).get("quote") or [{}])[0]
    adj_block = ((result.get("indicators") or {}).get("adjclose") or [{}])[0]
    try:
        bars = pd.DataFrame({
            "ticker": ticker,
            "date": _dates(stamps, meta) if n else pd.DatetimeIndex([]),
            **{k: _series(quote, k, n) for k in ("open", "high", "low", "close")},
            "adj_close": _series(adj_block, "adjclose", n),
            "volume": _series(quote, "volume", n),
            "source": SOURCE,
        }, columns=BAR_COLUMNS)
    except PermanentFetchError as exc:
        raise PermanentFetchError(f"yahoo: {ticker}: {exc.message}", source=SOURCE,
                                  ticker=ticker) from None
    bars = bars[bars["close"].notna() & (bars["close"] > 0)]
    if last_session is not None:
        bars = bars[bars["date"] <= pd.Timestamp(last_session)]
    # two bars on one day (a live bar next to the close): keep the last one Yahoo sent
    bars = bars.drop_duplicates("date", keep="last").sort_values("date").reset_index(drop=True)
    divs = pd.DataFrame(_events(result, "dividends", meta), columns=["date", "amount"])
    splits = pd.DataFrame([{k: r[k] for k in ("date", "numerator", "denominator")}
                           for r in _events(result, "splits", meta)],
                          columns=["date", "numerator", "denominator"])
    return Chart(ticker, bars, divs.astype({"amount": "float64"}),
                 splits.astype({"numerator": "float64", "denominator": "float64"}),
                 meta.get("currency"))
