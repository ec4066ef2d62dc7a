"""``fetch --history`` for prices: daily bars of every name (and the benchmarks) into the
``prices`` history dataset, incremental and resumable.

1. Plan: the last stored day of each name (one DuckDB query) against the last closed NYSE
   session (exchange-calendars). A name already holding that session is not requested at all;
   a new name asks for ``years`` of history; any other name asks only from its last stored day
   (that day is asked again, as an overlap).
2. Fetch through the shared fetch policy (``fetcher.fetch_to_store``: rate limit, retries,
   concurrency, Ctrl-C). Every payload goes into the journal first (the record of what was
   fetched), then its bars are buffered and written to the history store in batches.
3. Re-adjust: when the overlap day's stored ``adj_close`` (or split-adjusted ``close``) differs
   from what Yahoo sends now, a dividend or split happened since the last fetch; every stored
   day of that name is before the event, so all of them are rescaled by the same factor.
4. Resume: payloads already in the journal from today that reach the last session (a run
   killed before its last batch was written) are read back from the journal, not fetched.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import ClassVar

import pandas as pd

from screener.errors import PermanentFetchError
from screener.http import HttpClient, RetryPolicy
from screener.providers import yahoo_chart
from screener.raw.bundle import Failure
from screener.settings import BROWSER_USER_AGENT, yahoo_base_url

DATASET = "chart"  # journal dataset of chart payloads (source "yahoo")
DEFAULT_YEARS = 20
ADJUST_TOLERANCE = 1e-9  # relative: below this the overlap day is "unchanged"


def last_closed_session(now: datetime | None = None) -> date:
    """The newest NYSE session whose close is at or before ``now`` (exchange-calendars)."""
    now = pd.Timestamp(now or datetime.now(UTC))
    now = now.tz_localize("UTC") if now.tzinfo is None else now.tz_convert("UTC")
    cal = _nyse()
    start = max(cal.first_session, (now - pd.Timedelta(days=14)).normalize().tz_localize(None))
    end = min(cal.last_session, now.normalize().tz_localize(None))
    closes = cal.closes.loc[start:end]  # session -> close time (UTC)
    closed = closes[closes <= now]
    return (closed.index[-1] if len(closed) else closes.index[0]).date()


@functools.cache
def _nyse():
    import exchange_calendars as xcals

    return xcals.get_calendar("XNYS")


class ChartProvider:
    """Yahoo's chart endpoint as a ``NetworkProvider`` for ``fetcher.fetch_to_store``: one
    request per name, from the start date planned for it; ``parse`` hands the bars to a sink."""

    name = "yahoo"
    datasets: ClassVar[tuple[str, ...]] = (DATASET,)
    rate: ClassVar[float] = 2.0
    concurrency: ClassVar[int] = 4
    parser_version = "chart-1"

    def __init__(self, policy: RetryPolicy | None = None, rate: float | None = None):
        if rate is not None:
            self.rate = rate
        self.client = HttpClient("yahoo", rate=self.rate, policy=policy or RetryPolicy(),
                                 headers={"User-Agent": BROWSER_USER_AGENT,
                                          "Accept": "application/json"})
        self.starts: dict[str, date] = {}
        self.end: date = date.today()
        self.last_session: date | None = None
        self.sink: Callable[[yahoo_chart.Chart], None] = lambda chart: None

    def fetch_payload(self, ticker: str, dataset: str) -> tuple[bytes, int]:
        if dataset != DATASET:
            raise PermanentFetchError(f"yahoo chart has no dataset {dataset!r}",
                                      source="yahoo", ticker=ticker)
        start = self.starts.get(ticker, self.end - timedelta(days=round(365.25 * DEFAULT_YEARS)))
        params = {"period1": _unix(start), "period2": _unix(self.end + timedelta(days=1)),
                  "interval": "1d", "events": "div,splits"}
        return self.client.get(f"{yahoo_base_url()}/v8/finance/chart/{ticker}", params=params,
                               ticker=ticker, validate=yahoo_chart.validate(ticker))

    def parse(self, ticker: str, dataset: str, payload: bytes, as_of) -> dict[str, list]:
        self.sink(yahoo_chart.parse_chart(ticker, payload, self.last_session))
        return {}  # no raw block: the bars go to the history store


def _unix(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


@dataclass
class PriceFetchReport:
    names: int = 0
    up_to_date: int = 0  # already held the last closed session: no request
    from_journal: int = 0  # read back from today's journal (a resumed run)
    fetched: int = 0
    requests: int = 0
    rows: int = 0  # bars written (new days and re-adjusted days)
    readjusted: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    interrupted: bool = False
    last_session: date | None = None

    def summary(self) -> str:
        return (f"Daily prices up to {self.last_session}: {self.names} names, "
                f"{self.up_to_date} already up to date, {self.fetched} fetched "
                f"({self.requests} requests), {self.from_journal} resumed from the journal, "
                f"{self.rows} rows written, {len(self.readjusted)} re-adjusted for a split or "
                f"dividend, {len({f.ticker for f in self.failures})} failed.")


class _Writer:
    """Buffers parsed charts and writes them in batches, re-adjusting stored days."""

    def __init__(self, history, anchors: pd.DataFrame, batch: int, report: PriceFetchReport):
        self.history, self.anchors, self.batch, self.report = history, anchors, batch, report
        self.buffer: list[yahoo_chart.Chart] = []
        self.lock = threading.Lock()

    def add(self, chart: yahoo_chart.Chart) -> None:
        with self.lock:
            self.buffer.append(chart)
            if len(self.buffer) >= self.batch:
                self._flush()

    def flush(self) -> None:
        with self.lock:
            self._flush()

    def _flush(self) -> None:
        charts, self.buffer = self.buffer, []
        frames = [c.bars for c in charts if len(c.bars)]
        if not frames:
            return
        new = pd.concat(frames, ignore_index=True)
        frames.extend(self._readjusted(new))
        rows = pd.concat(frames, ignore_index=True)
        self.report.rows += self.history.write("prices", rows)

    def _readjusted(self, new: pd.DataFrame) -> list[pd.DataFrame]:
        """Stored days of names whose overlap day changed, rescaled (see module step 3)."""
        if self.anchors.empty:
            return []
        got = new.merge(self.anchors, on=["ticker", "date"], suffixes=("", "_old"))
        if got.empty:
            return []
        f_adj = got["adj_close"] / got["adj_close_old"]
        f_close = got["close"] / got["close_old"]
        changed = ((f_adj - 1).abs() > ADJUST_TOLERANCE) | ((f_close - 1).abs() > ADJUST_TOLERANCE)
        got = got.assign(f_adj=f_adj, f_close=f_close)[changed.fillna(False).to_numpy()]
        if got.empty:
            return []
        old = self.history.read("prices", tickers=list(got["ticker"]), end=got["date"].max())
        old = old.merge(got[["ticker", "date", "f_adj", "f_close"]].rename(
            columns={"date": "anchor"}), on="ticker")
        old = old[(old["date"] < old["anchor"]) & (old["source"] == yahoo_chart.SOURCE)]
        for col in ("open", "high", "low", "close"):
            old[col] = old[col] * old["f_close"]
        old["adj_close"] = old["adj_close"] * old["f_adj"]
        old["volume"] = old["volume"] / old["f_close"]
        self.report.readjusted.extend(sorted(got["ticker"]))
        return [old.drop(columns=["anchor", "f_adj", "f_close"])]


def _anchors(history, latest: pd.Series) -> pd.DataFrame:
    """The stored close and adj_close of each name on its last stored day."""
    frames = []
    for day, names in latest.groupby(latest).groups.items():
        rows = history.read("prices", tickers=list(names), start=day, end=day,
                            columns=["ticker", "date", "close", "adj_close", "source"])
        # only Yahoo's own days are re-adjusted by Yahoo's factors (not a user's imported file)
        frames.append(rows[rows["source"] == yahoo_chart.SOURCE].drop(columns="source"))
    if not frames:
        return pd.DataFrame(columns=["ticker", "date", "close", "adj_close"])
    return pd.concat(frames, ignore_index=True)


def fetch_price_history(tickers: Sequence[str], journal, history, *, years: int = DEFAULT_YEARS,
                        now: datetime | None = None, provider: ChartProvider | None = None,
                        batch: int = 250, progress=None,
                        stop_event: threading.Event | None = None) -> PriceFetchReport:
    """Bring the stored daily prices of ``tickers`` up to the last closed session."""
    from screener.providers.fetcher import fetch_to_store

    provider = provider or ChartProvider()
    tickers = list(dict.fromkeys(tickers))
    session = last_closed_session(now)
    today = pd.Timestamp(now or datetime.now(UTC)).date()
    report = PriceFetchReport(names=len(tickers), last_session=session)
    latest = history.latest("prices")
    latest = latest[latest.index.isin(tickers)]
    current = set(latest.index[latest >= pd.Timestamp(session)])
    todo = [t for t in tickers if t not in current]
    report.up_to_date = len(tickers) - len(todo)
    if not todo:
        return report
    have = latest.reindex(todo).dropna()
    writer = _Writer(history, _anchors(history, have), batch, report)
    provider.last_session = session
    provider.end = today
    first = today - timedelta(days=round(365.25 * years))
    provider.starts = {t: have[t].date() if t in have.index else first for t in todo}
    provider.sink = writer.add
    # a killed run's payloads from today: read back from the journal, not fetched again
    # (when they already reach the last session)
    for t in list(todo):
        snap = journal.latest(provider.name, DATASET, t)
        if snap is None or snap.as_of != today:
            continue
        try:
            chart = yahoo_chart.parse_chart(t, snap.payload, session)
        except Exception:  # noqa: BLE001, S112 - an unreadable payload is fetched again
            continue
        if len(chart.bars) and chart.bars["date"].iloc[-1] >= pd.Timestamp(session):
            writer.add(chart)
            todo.remove(t)
            report.from_journal += 1
    try:
        # freshness is decided above (by the last stored day), so nothing counts as fresh here
        run = fetch_to_store(provider, todo, journal, max_age=timedelta(0), progress=progress,
                             stop_event=stop_event, as_of=today)
    finally:
        writer.flush()  # whatever was fetched is written, even on Ctrl-C
    report.fetched = len(run.done)
    report.requests = run.requests
    report.failures.extend(run.failed)
    report.interrupted = run.interrupted
    return report


def benchmarks_and(names: Sequence[str], benchmarks: Sequence[str] | None = None) -> list[str]:
    """The names plus the benchmark tickers (settings: IWM, IJR, SPY by default)."""
    from screener import settings

    extra = list(benchmarks) if benchmarks is not None else settings.history_benchmarks()
    return list(dict.fromkeys([*names, *extra]))

