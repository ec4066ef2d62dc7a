"""The SEC's nightly bulk ``companyfacts.zip``: a whole-universe refresh without one request per
company. Each member ``CIK##########.json`` is a companyfacts document; the members of the
requested tickers are stored as ordinary snapshots (source "sec", dataset "companyfacts"), so
everything downstream reads them exactly like per-company fetches.

The zip (over 1 GB) is streamed to disk beside the store through the SEC provider's rate limit
and User-Agent, retrying transient failures with the same policy as ``HttpClient``, and written
atomically (a broken download never leaves a half-written zip).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import requests
from tenacity import (
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential_jitter,
)

from screener.errors import PermanentFetchError, ProviderError, TransientFetchError
from screener.fsutil import atomic_path
from screener.http import TRANSIENT_STATUS
from screener.raw.bundle import Failure

BULK_PATH = "/Archives/edgar/daily-index/xbrl/companyfacts.zip"
_MEMBER = re.compile(r"(?:^|/)CIK(\d{10})\.json$")


@dataclass
class BulkReport:
    zip_path: str
    members: int = 0
    stored: list[str] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)

    def __str__(self) -> str:
        head = (f"companyfacts.zip {self.zip_path}: {self.members} companies in the file, "
                f"{len(self.stored)} names stored, {len(self.failed)} failed")
        lines = [head]
        lines += [f"  {f.ticker}\t{f.reason}" for f in self.failed[:40]]
        if len(self.failed) > 40:
            lines.append(f"  ... and {len(self.failed) - 40} more: `screener store failures`.")
        return "\n".join(lines)


def download_bulk(provider, dest: Path) -> Path:
    """Stream ``companyfacts.zip`` from the SEC (www base URL) to ``dest``, atomically."""
    client = provider.client  # refuses without a User-Agent
    url = provider.www_base_url + BULK_PATH
    p = client.policy

    def once() -> None:
        try:  # the session's adapter takes the rate-limit grant
            with client._session().get(url, stream=True, timeout=client.timeout) as resp:
                if resp.status_code in TRANSIENT_STATUS:
                    raise TransientFetchError(f"sec: HTTP {resp.status_code} for {url}",
                                              source="sec", status=resp.status_code)
                if resp.status_code >= 400:
                    raise PermanentFetchError(f"sec: HTTP {resp.status_code} for {url}",
                                              source="sec", status=resp.status_code)
                with atomic_path(dest) as tmp, open(tmp, "wb") as fh:
                    fh.writelines(resp.iter_content(chunk_size=1 << 20))
        except (requests.Timeout, requests.ConnectionError,
                requests.exceptions.ChunkedEncodingError) as exc:
            raise TransientFetchError(f"sec: {type(exc).__name__} downloading {url}",
                                      source="sec") from None

    for attempt in Retrying(stop=stop_after_attempt(p.attempts) | stop_after_delay(600),
                            wait=wait_exponential_jitter(multiplier=p.initial_wait,
                                                         max=p.max_wait, jitter=p.jitter),
                            retry=retry_if_exception_type(TransientFetchError), reraise=True):
        with attempt:
            once()
    return dest


def import_bulk(provider, store, tickers: list[str], zip_path: Path | None = None,
                as_of: date | None = None, batch: int = 200) -> BulkReport:
    """Store the companyfacts of ``tickers`` from ``zip_path`` (downloaded when None)."""
    as_of = as_of or date.today()
    provider.prepare(store=store)
    if zip_path is None:
        zip_path = download_bulk(provider, Path(store.path).parent / "companyfacts.zip")
    report = BulkReport(str(zip_path))
    by_cik: dict[int, list[str]] = {}
    for t in dict.fromkeys(tickers):
        try:
            by_cik.setdefault(provider.cik(t), []).append(t)
        except PermanentFetchError as exc:
            report.failed.append(Failure(t, "sec", "companyfacts", exc.message))
    try:
        zf = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ProviderError(f"{zip_path} is not a readable companyfacts.zip ({exc}).",
                            "Download it again, or drop --bulk-file to let screener fetch "
                            "it.") from None
    with zf:
        members = {int(m.group(1)): info for info in zf.infolist()
                   if (m := _MEMBER.search(info.filename))}
        report.members = len(members)
        rows = []
        for cik, names in by_cik.items():
            info = members.get(cik)
            if info is None:
                report.failed.extend(Failure(t, "sec", "companyfacts",
                                             f"CIK {cik} is not in {Path(zip_path).name}")
                                     for t in names)
                continue
            try:
                payload = zf.read(info)
            except (zipfile.BadZipFile, OSError, ValueError) as exc:
                report.failed.extend(Failure(t, "sec", "companyfacts", f"unreadable: {exc}")
                                     for t in names)
                continue
            if not payload.lstrip().startswith(b"{"):
                report.failed.extend(Failure(t, "sec", "companyfacts",
                                             "member is not a JSON document") for t in names)
                continue
            rows.extend(("sec", "companyfacts", t, as_of, payload) for t in names)
            if len(rows) >= batch:
                store.put_many(rows)
                report.stored.extend(r[2] for r in rows)
                rows = []
        if rows:
            store.put_many(rows)
            report.stored.extend(r[2] for r in rows)
    for f in report.failed:
        store.record_failure(f)
    return report
