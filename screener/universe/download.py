"""Download (refresh) or import holdings and store them as a dated snapshot.

Nothing is stored unless the whole file parsed: a failed download leaves every earlier
snapshot untouched. A body that looks like a failed download (HTML page, empty, truncated)
is fetched again under the shared fetch policy before giving up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from screener import settings
from screener.errors import FetchError, TransientFetchError, UniverseError
from screener.http import HttpClient, RetryPolicy
from screener.settings import redact
from screener.universe import snapshots
from screener.universe.definitions import DOWNLOADABLE, Definition, get_definition, source_url
from screener.universe.holdings import Holdings, HoldingsFormatError
from screener.universe.parse import parse_holdings

DEFAULT_POLICY = RetryPolicy(attempts=4, max_seconds=90.0, initial_wait=1.0, max_wait=10.0)
TIMEOUT = 60.0
RATE = 5.0     # one file per refresh; retries are spaced by the backoff
HEADERS = {
    "User-Agent": settings.BROWSER_USER_AGENT,
    "Accept": "text/csv,application/vnd.ms-excel,application/vnd.openxmlformats-officedocument"
              ".spreadsheetml.sheet;q=0.9,*/*;q=0.8",
    "Accept-Language": "en-US,en;q=0.9",
}


@dataclass
class StoreResult:
    """What a refresh or import stored and how membership changed."""

    name: str
    as_of: str
    path: Path
    source: str
    rows_total: int
    kept: int
    dropped: dict[str, int]
    previous: str | None            # as-of of the snapshot compared against (None: first one)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    replaced: bool = False          # a snapshot of the same as-of date was replaced
    fund: str | None = None
    notes: list[str] = field(default_factory=list)
    attempts: int = 1


def _downloadable(name: str, action: str) -> Definition:
    defn = get_definition(name)
    if defn.source.type not in DOWNLOADABLE:
        raise UniverseError(
            f"Universe '{name}' is built from '{defn.source.type}' in {defn.path}; "
            f"there is nothing to {action}.",
            hint="Only universes with source type ishares or spdr store snapshots; "
                 f"`screener universe show {name}` lists its members.")
    return defn


SHRINK_LIMIT = 0.8  # a new snapshot with fewer than 80 % of the previous one's members


def _guard_smaller(name: str, holdings: Holdings, as_of: str, stored: list[str],
                   previous: str | None, before, force: bool) -> None:
    """Never replace a same-date snapshot with a smaller one, nor store one that lost a fifth
    of the members since the previous date, without ``force``: both are what a cut file
    looks like (an index's membership changes by a few percent, not by half)."""
    if force:
        return
    if as_of in stored:
        try:
            same = len(snapshots.read_snapshot(name, as_of)[1])
        except UniverseError:
            same = 0  # a damaged snapshot may be replaced
        if holdings.kept < same:
            raise UniverseError(
                f"{holdings.source} has {holdings.kept:,} members; the stored snapshot of "
                f"'{name}' for the same date ({as_of}) has {same:,}. Nothing was stored: a "
                "smaller file for the same date is most likely cut short.",
                hint="Download the file again. If the smaller file is right, run the same "
                     "command with --force.")
    if before is not None and previous != as_of and \
            holdings.kept < SHRINK_LIMIT * len(before):
        raise UniverseError(
            f"{holdings.source} has {holdings.kept:,} members; the snapshot of {previous} has "
            f"{len(before):,} ({holdings.kept / len(before):.0%}). Nothing was stored: an "
            "index does not lose that many members between two dates; the file is most "
            "likely cut short or of another fund.",
            hint="Check the file (the right fund, complete). If it is right, run the same "
                 "command with --force.")


def _store(name: str, holdings: Holdings, source: str, source_type: str,
           as_of: str | None = None, force: bool = False) -> StoreResult:
    notes = list(holdings.notes)
    as_of = as_of or holdings.as_of
    if as_of is None:
        as_of = date.today().isoformat()
        notes.append(f"The file does not say its as-of date; stored as {as_of} (today).")
    stored = snapshots.list_snapshots(name)
    earlier = [d for d in stored if d <= as_of]
    previous = earlier[-1] if earlier else None
    before = None
    if previous:
        try:
            before = snapshots.read_snapshot(name, previous)[1]
        except UniverseError as exc:   # a damaged old snapshot must not block a new one
            notes.append(f"{exc.message} Adds and drops are not shown.")
    _guard_smaller(name, holdings, as_of, stored, previous, before, force)
    path = snapshots.write_snapshot(name, holdings, as_of=as_of, source=source,
                                    source_type=source_type)
    result = StoreResult(name=name, as_of=as_of, path=path, source=source,
                         rows_total=holdings.rows_total, kept=holdings.kept,
                         dropped=dict(holdings.dropped), previous=previous,
                         replaced=as_of in stored, fund=holdings.fund, notes=notes)
    if before is not None:
        if holdings.kept < 0.5 * len(before):
            notes.append(f"This file has {holdings.kept:,} members, the snapshot of {previous} "
                         f"had {len(before):,}: check that it is the right fund's full file.")
        new = holdings.frame.index
        result.added = sorted(new[~new.isin(before.index)])
        result.removed = sorted(before.index[~before.index.isin(new)])
    return result


def dated_url(url: str, as_of: str) -> str:
    """The iShares holdings URL asking for the holdings of ``as_of`` (``asOfDate=YYYYMMDD``)."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k != "asOfDate"]
    query.append(("asOfDate", as_of.replace("-", "")))
    return urlunsplit(parts._replace(query=urlencode(query)))


def refresh(name: str, *, policy: RetryPolicy | None = None, force: bool = False,
            as_of: str | None = None) -> StoreResult:
    """Download the holdings of ``name`` (of the past date ``as_of`` when given: iShares only)
    and store a snapshot, or raise ``UniverseError`` saying which snapshot is kept."""
    defn = _downloadable(name, "download")
    url = source_url(defn)
    if as_of is not None:
        as_of = _iso(as_of)
        if defn.source.type != "ishares":
            raise UniverseError(
                f"Universe '{name}' comes from {defn.source.type} holdings, which cannot be "
                "asked for a past date.",
                hint=f"Import past files instead: `screener universe import {name} FILE "
                     "--as-of YYYY-MM-DD`.")
        url = dated_url(url, as_of)
    shown = redact(url)
    client = HttpClient(source=f"universe {name}", rate=RATE, timeout=TIMEOUT,
                        headers=dict(HEADERS), policy=policy or DEFAULT_POLICY)
    parsed: dict[str, Holdings] = {}

    def validate(body: bytes) -> None:
        try:
            parsed["h"] = parse_holdings(body, filename=shown)
        except HoldingsFormatError as exc:
            if exc.retryable:
                raise TransientFetchError(exc.problems[0].message,
                                          source=client.source) from None
            raise

    try:
        _, attempts = client.get(url, validate=validate)
    except HoldingsFormatError as exc:
        raise _failed(name, shown, exc.problems[0].message) from None
    except TransientFetchError as exc:
        raise _failed(name, shown, exc.message, retried=True) from None
    except FetchError as exc:
        raise _failed(name, shown, exc.message) from None
    holdings = parsed["h"]
    if as_of is not None:
        _check_dated(name, holdings, as_of, shown)
    result = _store(name, holdings, source=shown, source_type=defn.source.type,
                    as_of=None if as_of is None or holdings.as_of else as_of, force=force)
    result.attempts = attempts
    return result


def _iso(text: str) -> str:
    try:
        return date.fromisoformat(str(text)).isoformat()
    except ValueError:
        raise UniverseError(f"As-of date {text!r} is not a date.",
                            hint="Use the form YYYY-MM-DD, e.g. 2019-06-28.") from None


def _check_dated(name: str, holdings: Holdings, wanted: str, url: str) -> None:
    """A dated request must return that date's holdings (or the last trading day before it):
    a file dated later means the source ignored the date, which would store today's members
    as the past's (survivorship bias), so nothing is stored."""
    got = holdings.as_of
    if got is None:
        return
    if got > wanted:
        raise UniverseError(
            f"Asked {url} for the holdings of {wanted} but got those of {got}; nothing was "
            "stored (today's members must not pass for the past's).",
            hint=f"Download the file of {wanted} in a browser and run `screener universe "
                 f"import {name} FILE --as-of {wanted}`.")
    if (date.fromisoformat(wanted) - date.fromisoformat(got)).days > 10:
        holdings.notes.append(f"Asked for {wanted}; the nearest holdings file is of {got}.")


def period_ends(start: str, frequency: str = "quarterly", today: date | None = None
                ) -> list[str]:
    """The last weekday of each quarter (or month) from ``start`` to today, ISO dates."""
    import pandas as pd

    freq = {"quarterly": "QE", "monthly": "ME"}[frequency]
    first = pd.Timestamp(f"{start}-01-01" if len(str(start)) == 4 else start)
    ends = pd.date_range(first, pd.Timestamp(today or date.today()), freq=freq)
    return [(d - pd.offsets.BDay(0) if d.weekday() < 5 else d - pd.offsets.BDay(1))
            .date().isoformat() for d in ends]


def refresh_history(name: str, start: str, frequency: str = "quarterly", *,
                    policy: RetryPolicy | None = None, progress=None
                    ) -> tuple[list[StoreResult], list[tuple[str, str]]]:
    """Store a snapshot per period end since ``start`` that is not stored yet (resumable: a
    second run asks only for the dates still missing). Returns (stored, [(date, error)])."""
    _downloadable(name, "download")
    have = set(snapshots.list_snapshots(name))
    stored, failed = [], []
    for when in period_ends(start, frequency):
        if when in have or any(abs((date.fromisoformat(when) - date.fromisoformat(h)).days) <= 3
                               for h in have):
            continue
        if progress:
            progress(when)
        try:
            stored.append(refresh(name, policy=policy, as_of=when))
        except UniverseError as exc:
            failed.append((when, exc.message.splitlines()[0]))
    return stored, failed


def import_file(name: str, path: str | Path, as_of: str | None = None,
                force: bool = False) -> StoreResult:
    """Store a holdings file saved by hand (iShares CSV, SPDR xlsx, plain CSV) as a snapshot."""
    defn = _downloadable(name, "import into")
    if as_of is not None:
        try:
            as_of = date.fromisoformat(as_of).isoformat()
        except ValueError:
            raise UniverseError(f"As-of date {as_of!r} is not a date.",
                                hint="Use the form YYYY-MM-DD, e.g. 2026-05-05.") from None
    try:
        holdings = parse_holdings(Path(path))
    except HoldingsFormatError as exc:
        exc.hint = (exc.hint or "") + " Nothing was stored."
        raise
    return _store(name, holdings, source=str(Path(path).resolve()),
                  source_type=defn.source.type, as_of=as_of, force=force)


def _failed(name: str, url: str, reason: str, retried: bool = False) -> UniverseError:
    kept = snapshots.latest(name)
    keep = (f"The previous snapshot ({kept}) is kept unchanged." if kept
            else "Nothing was stored (there is no earlier snapshot).")
    tried = " after retries" if retried else ""
    return UniverseError(
        f"Refresh of '{name}' failed{tried}: {reason}\n  source: {url}\n  {keep}",
        hint=f"iShares refuses some clients: download the holdings file in a browser and run "
             f"`screener universe import {name} FILE`, or set {_env_hint(name)} to another URL.")


def _env_hint(name: str) -> str:
    from screener.universe.definitions import url_env_var

    return url_env_var(name)
