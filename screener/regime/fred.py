"""FRED: parse its CSV download and its API, and fetch series through the shared HTTP policy.

Two wire formats, parsed leniently (STYLE.md 10):

- CSV (``/graph/fredgraph.csv?id=SERIES``, no key): a header ``observation_date,SERIES``
  (current) or ``DATE,SERIES`` (older files), then one ``YYYY-MM-DD,value`` line per
  observation; ``.`` marks a missing value (a holiday, a series gap). Several ids give several
  columns. The CSV holds today's values only (no vintages).
- API (``/fred/series/observations``, ``FRED_API_KEY`` from the environment): JSON with
  ``observations: [{realtime_start, realtime_end, date, value}]``; ``"."`` is missing too. With
  ``realtime_start=1776-07-04`` (ALFRED) every vintage comes back; ``realtime_start`` is then
  the day that value was published.

The key only ever travels in the query string of a request; URLs and errors go through
``settings.redact`` (the HTTP policy does it), so it never reaches a log, a message or the store.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from screener import settings
from screener.errors import PermanentFetchError, ProviderError, TransientFetchError
from screener.http import HttpClient

SOURCE = "fred"
DATE_HEADERS = ("observation_date", "date")
ALFRED_START = "1776-07-04"  # FRED's "all vintages" realtime start


def _bad(series: str, why: str) -> PermanentFetchError:
    return PermanentFetchError(f"fred: {series}: {why}", "Check the series id on "
                               "fred.stlouisfed.org (ids are like BAMLH0A0HYM2, T10Y2Y).",
                               source=SOURCE, ticker=series)


def parse_csv(body: bytes | str, series: str | None = None) -> pd.DataFrame:
    """FRED CSV -> long frame (series, date, value); missing values (``.``, empty) dropped.

    ``series`` names the column to keep (case-insensitive); None keeps every column.
    """
    text = body.decode("utf-8-sig", errors="replace") if isinstance(body, bytes) else body
    text = text.lstrip("\ufeff")
    what = series or "FRED CSV"
    head = text.lstrip()[:200].lower()
    if not head or head.startswith(("<!doctype", "<html", "<?xml", "{")):
        raise _bad(what, "the answer is not a FRED CSV (an error page?)")
    rows = list(csv.reader(io.StringIO(text)))
    rows = [r for r in rows if r and any(c.strip() for c in r)]
    header = [c.strip() for c in rows[0]]
    if header[0].lower() not in DATE_HEADERS or len(header) < 2:
        raise _bad(what, f"unexpected CSV header {','.join(header)[:80]!r} (expected "
                   "'observation_date,SERIES' or 'DATE,SERIES')")
    cols = header[1:]
    if series is not None:
        match = [i for i, c in enumerate(cols) if c.upper() == series.upper()]
        if not match:
            raise _bad(series, f"the CSV holds {', '.join(cols)}, not {series}")
        keep = match
    else:
        keep = list(range(len(cols)))
    body_rows = rows[1:]
    dates = pd.to_datetime(pd.Series([r[0].strip() for r in body_rows], dtype="string"),
                           format="%Y-%m-%d", errors="coerce")
    if dates.isna().any():
        bad = body_rows[int(np.flatnonzero(dates.isna().to_numpy())[0])]
        raise _bad(what, f"cannot read date {bad[0]!r}")
    frames = []
    for i in keep:
        raw = pd.Series([r[i + 1].strip() if len(r) > i + 1 else "" for r in body_rows],
                        dtype="string")
        values = pd.to_numeric(raw.replace({".": None, "": None, "NA": None}), errors="coerce")
        f = pd.DataFrame({"series": cols[i].upper(), "date": dates.to_numpy(),
                          "value": values.to_numpy(dtype="float64", na_value=np.nan)})
        frames.append(f[f["value"].notna()])
    if not frames:
        return pd.DataFrame(columns=["series", "date", "value"])
    return pd.concat(frames, ignore_index=True)


def parse_api(body: bytes | str, series: str) -> pd.DataFrame:
    """FRED API JSON -> (series, date, value, realtime_start); ``.`` dropped.

    An ``error_code``/``error_message`` answer raises (a bad key is a user error, not retried).
    """
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise TransientFetchError(f"fred: {series}: the API answer is not JSON (truncated?)",
                                  source=SOURCE, ticker=series) from None
    if not isinstance(doc, dict):
        raise _bad(series, "unexpected API answer")
    if "error_code" in doc or "error_message" in doc:
        said = settings.redact(str(doc.get("error_message", "")))[:200]
        if "api_key" in said.lower():
            raise ProviderError(f"FRED refused the API key: {said}",
                                "Check FRED_API_KEY, or unset it to use the CSV download "
                                "(no key needed).")
        raise _bad(series, f"FRED says: {said}")
    obs = doc.get("observations")
    if not isinstance(obs, list):
        raise _bad(series, "the API answer has no 'observations'")
    f = pd.DataFrame(obs, columns=["date", "value", "realtime_start"])
    f["series"] = series.upper()
    f["date"] = pd.to_datetime(f["date"], format="%Y-%m-%d", errors="coerce")
    f["realtime_start"] = pd.to_datetime(f["realtime_start"], format="%Y-%m-%d", errors="coerce")
    f["value"] = pd.to_numeric(f["value"].astype("string").replace({".": None}), errors="coerce")
    f = f[f["value"].notna() & f["date"].notna()]
    return f[["series", "date", "value", "realtime_start"]].reset_index(drop=True)


@dataclass
class FredClient:
    """Fetch one series: the CSV download without a key, the API with ``FRED_API_KEY``."""

    api_key: str | None = None
    csv_base: str | None = None
    api_base: str | None = None
    http: HttpClient | None = None

    def __post_init__(self) -> None:
        self.api_key = self.api_key if self.api_key is not None else settings.fred_api_key()
        self.csv_base = (self.csv_base or settings.fred_csv_base_url()).rstrip("/")
        self.api_base = (self.api_base or settings.fred_api_base_url()).rstrip("/")
        # FRED allows 120 API requests a minute; stay well under
        self.http = self.http or HttpClient(SOURCE, rate=1.5, timeout=30.0)

    @property
    def mode(self) -> str:
        return "api" if self.api_key else "csv"

    def observations(self, series: str, start=None, vintages: bool = False) -> pd.DataFrame:
        """(series, date, value[, realtime_start]) from ``start`` (inclusive) on."""
        start_s = pd.Timestamp(start).date().isoformat() if start is not None else None
        if self.api_key:
            params = {"series_id": series, "api_key": self.api_key, "file_type": "json"}
            if start_s:
                params["observation_start"] = start_s
            if vintages:
                params["realtime_start"] = ALFRED_START
                params["realtime_end"] = "9999-12-31"
            parts, offset = [], 0
            while True:   # the API pages at `limit` (100,000) observations
                params["offset"] = offset
                body, _ = self.http.get(f"{self.api_base}/fred/series/observations",
                                        params=dict(params), ticker=series,
                                        validate=lambda b: parse_api(b, series))
                parts.append(parse_api(body, series))
                doc = json.loads(body)
                got = len(doc.get("observations") or [])
                offset += got
                if not got or offset >= int(doc.get("count") or 0):
                    break
            out = pd.concat(parts, ignore_index=True)
            if not vintages:
                out = out.drop(columns="realtime_start")
            return out
        params = {"id": series}
        if start_s:
            params["cosd"] = start_s
        body, _ = self.http.get(f"{self.csv_base}/graph/fredgraph.csv", params=params,
                                ticker=series)
        out = parse_csv(body, series)
        if start_s:  # older mirrors ignore cosd
            out = out[out["date"] >= pd.Timestamp(start_s)]
        return out.reset_index(drop=True)

    @property
    def requests_made(self) -> int:
        return self.http.requests_made
