"""`screener fetch`: fill the local store (sources, history, your own files)."""

from __future__ import annotations

import re
import threading
import time
from datetime import timedelta
from pathlib import Path

import click

from screener.errors import InputDataError, Location, Problem, ProviderError

PROVIDERS = ("sec", "yahoo", "fmp")
_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([mhdw])\s*$", re.IGNORECASE)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_age(text: str | None) -> timedelta | None:
    """``"1d"``, ``"12h"``, ``"30m"``, ``"2w"`` -> timedelta (None stays None)."""
    if text is None:
        return None
    m = _AGE.match(text)
    if not m:
        raise click.BadParameter(f"{text!r} is not an age such as 30m, 12h, 1d or 2w.",
                                 param_hint="--max-age")
    return timedelta(**{_UNITS[m.group(2).lower()]: float(m.group(1))})


def _open_store(path):
    from screener.store import Store

    return Store.open(path)



def _tickers(universe: str | None, tickers: str | None, limit: int | None) -> list[str]:
    if tickers:
        from screener.universe import tickers as tk  # one normaliser for every entry point

        names, bad = [], []
        for raw in (t for t in tickers.split(",") if t.strip()):
            norm, why = tk.check(raw)
            (bad.append(f"{tk.printable(raw)!s}: {why}") if why else names.append(norm))
        if bad:
            raise click.BadParameter("; ".join(bad[:5]), param_hint="--tickers")
        names = list(dict.fromkeys(names))
    elif universe:
        from screener.universe import load_members

        names = list(load_members(universe).frame.index)
    else:
        raise click.UsageError("Say what to fetch: --universe NAME, --tickers A,B,C, or "
                               "--from-file FILE --mapping MAPPING.")
    return names[:limit] if limit else names


def _providers(choice: str) -> list:
    out, skipped = [], []
    for name in PROVIDERS if choice == "all" else (choice,):
        try:
            out.append(_start_provider(name))
        except ProviderError as exc:
            if choice != "all":
                raise
            skipped.append(exc)  # --provider all: one source that cannot start skips alone
    for exc in skipped:
        click.secho(f"Skipped: {exc}", fg="yellow", err=True)
    if not out:
        raise skipped[0]
    return out


def _start_provider(name: str):
    from screener.providers import provider_class

    try:
        provider = provider_class(name)()
    except ImportError as exc:
        raise ProviderError(f"The {name} provider is not available: {exc}.",
                            "Reinstall screener, or pick another --provider.") from None
    if not hasattr(provider, "fetch_payload"):
        raise ProviderError(f"The {name} provider cannot fill the store.",
                            f"Use one of: {', '.join(PROVIDERS)}.")
    check = getattr(provider, "require_user_agent", None)
    if check:
        check()  # SEC: refuse before any request, with how to set it
    return provider


def _print_reports(reports, store, tickers, console) -> None:
    from rich.table import Table

    table = Table(title="Fetch report")
    for col in ("source", "names", "fetched", "fresh (skipped)", "failed", "requests",
                "elapsed s", "req/s"):
        table.add_column(col, justify="left" if col == "source" else "right")
    for r in reports:
        # a rate over a fraction of a second (or a handful of requests) means nothing
        rate = f"{r.requests / r.elapsed:.1f}" if r.elapsed >= 1.0 and r.requests >= 5 else "-"
        state = " (stopped)" if r.stopped else " (interrupted)" if r.interrupted else ""
        table.add_row(r.source + state, str(r.requested), str(len(r.done)),
                      str(r.skipped_fresh), str(r.failed_names), str(r.requests),
                      f"{r.elapsed:.1f}", rate)
    console.print(table)
    for r in reports:
        if r.stopped:
            click.secho(r.stopped, fg="red", err=True)

    from screener.errors import NoDataError

    try:
        bundle = store.load_bundle(tickers, sources=[r.source for r in reports])
    except NoDataError:
        bundle = None
    if bundle is not None:
        cov = Table(title=f"Names with each data block (of {len(tickers)})")
        cov.add_column("block")
        cov.add_column("names", justify="right")
        cov.add_column("by source")
        for block in ("identity", "statements", "ladder", "estimates", "market"):
            frame = bundle.block(block)
            names = frame.index.get_level_values("ticker").unique().size
            by = ""
            if "source" in frame.columns and len(frame):
                counts = frame.reset_index().drop_duplicates("ticker")["source"].value_counts()
                by = ", ".join(f"{s} {n}" for s, n in counts.items())
            cov.add_row(block, str(names), by)
        console.print(cov)
        flags = [f for f in bundle.failures if f.reason.startswith("stale")]
        if flags:
            console.print(f"{len(flags)} stale value set(s) flagged (older than the stale "
                          "limit); `screener store failures` lists them.")
    failed = [f for r in reports for f in r.failed]
    if failed:
        click.echo(f"Failed ({len({(f.ticker, f.source) for f in failed})} names): "
                   "ticker, source/dataset, attempts, reason")
        for f in failed[:40]:
            kind = "transient" if f.transient else "permanent"
            click.echo(f"  {f.ticker}\t{f.source}/{f.dataset}\t{f.attempts} attempt(s), "
                       f"{kind}\t{f.reason}")
        if len(failed) > 40:
            click.echo(f"  ... and {len(failed) - 40} more: `screener store failures`.")


@click.command("fetch")
@click.option("--universe", "-u", help="Universe name (see `screener universe list`).")
@click.option("--tickers", "-t", help="Comma-separated tickers, for a quick fetch.")
@click.option("--provider", "-p", type=click.Choice(["sec", "yahoo", "fmp", "all"]),
              default="all", show_default=True, help="Which source(s) to fetch from.")
@click.option("--max-age", default=None, metavar="AGE",
              help="Refetch data older than this (30m, 12h, 1d, 2w). Default: anything not "
                   "fetched today.")
@click.option("--store", "store_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Store file (default $SCREENER_STORE or the user data folder).")
@click.option("--limit", type=int, help="Only the first N names (a trial run).")
@click.option("--bulk", is_flag=True,
              help="SEC only: read the nightly companyfacts.zip instead of one request per "
                   "company (for whole-universe refreshes).")
@click.option("--bulk-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A companyfacts.zip already downloaded (implies --bulk).")
@click.option("--from-file", "from_file", type=click.Path(exists=True, dir_okay=False,
                                                          path_type=Path),
              help="Import your own fundamentals (csv, xlsx, parquet) instead of fetching.")
@click.option("--mapping", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="YAML mapping of your file's columns (with --from-file).")
@click.option("--history", "with_history", is_flag=True,
              help="Also keep daily prices (Yahoo chart) of every name and the benchmarks "
                   "($SCREENER_BENCHMARKS, default IWM,IJR,SPY) in the history store; a "
                   "second run asks only for the days since the last one.")
@click.option("--history-only", is_flag=True,
              help="Only the daily prices (implies --history): skip today's fundamentals.")
@click.option("--years", type=click.IntRange(1, 60), default=20, show_default=True,
              help="How far back a first --history fetch of a name goes.")
@click.option("--prices", "prices_file", is_flag=True,
              help="With --from-file: the file holds daily prices (date, ticker, close, "
                   "[adj_close,] volume), stored in the history store.")
def fetch(universe, tickers, provider, max_age, store_path, limit, bulk, bulk_file,
          from_file, mapping, with_history, history_only, years, prices_file):
    """Fill the local store with fundamentals for every member of a universe.

    Only what is missing or older than --max-age is fetched, so re-running resumes an
    interrupted fetch (Ctrl-C or a crash keeps everything fetched so far). Ends with a report:
    names per data block, and which names failed and why.

    \b
    Examples:
      screener fetch --universe russell2000
      screener fetch --universe sp600 --provider sec --max-age 7d
      screener fetch --tickers AAPL,BRK-B --provider sec
      screener fetch --universe russell2000 --provider sec --bulk
      screener fetch --from-file my_fundamentals.csv --mapping mapping.yaml
      screener fetch --universe russell2000 --history
      screener fetch --from-file daily_prices.parquet --prices

    \b
    SEC needs a User-Agent naming you:
      export SCREENER_SEC_USER_AGENT='Jane Doe jane@example.com'
    """
    from rich.console import Console

    console = Console(stderr=False)
    age = parse_age(max_age)
    if prices_file and not from_file:
        raise click.UsageError("--prices goes with --from-file FILE (a file of daily prices).")
    if from_file and prices_file:
        from screener.cli.history import import_prices

        import_prices(from_file)
        return
    if from_file:
        if not mapping:
            raise click.UsageError("--from-file needs --mapping (which column is which).")
        from screener.providers.file import import_file

        with _open_store(store_path) as store:
            report = import_file(from_file, mapping, store)
        if report.facts is not None and len(report.facts):
            from screener.history import HistoryStore

            history = HistoryStore()
            history.write("facts", report.facts)
            click.echo(f"{len(report.facts)} dated statement value(s) of "
                       f"{report.facts['ticker'].nunique()} name(s) stored in the history "
                       f"({history.root}); `screener run SCREEN --as-of DATE` uses them.")
        _print_import(report)
        return
    names = _tickers(universe, tickers, limit)
    if history_only:
        from screener.cli.history import fetch_prices

        with _open_store(store_path) as store:
            code = fetch_prices(names, store, years, console)
        if code:
            raise SystemExit(code)
        return
    providers = _providers("sec" if (bulk or bulk_file) else provider)
    if with_history:  # FMP with a key: its quarterly statements too (filing dates)
        for p in providers:
            if p.name == "fmp" and getattr(p, "client", None) is not None:
                p.datasets = (*p.datasets, "statements_quarterly")
    with _open_store(store_path) as store:
        if bulk or bulk_file:
            from screener.providers.sec_bulk import import_bulk

            report = import_bulk(providers[0], store, names, zip_path=bulk_file)
            click.echo(str(report))
            return
        reports, interrupted = _run_fetch(providers, names, store, age, console)
        try:
            _print_reports(reports, store, names, console)
        except KeyboardInterrupt:
            interrupted = True
        if with_history and not interrupted and not any(r.interrupted for r in reports):
            from screener.cli.history import fetch_prices

            _history_facts(names, store)
            if fetch_prices(names, store, years, console) == 130:
                raise SystemExit(130)
    _finish(reports, interrupted)


def _finish(reports, interrupted: bool) -> None:
    """Exit status: 130 interrupted, 1 nothing fetched (every name failed or every source
    stopped), else 0; with one line saying what was done."""
    from screener.errors import NothingFetchedError

    done = sum(len(r.done) for r in reports)
    if interrupted or any(r.interrupted for r in reports):
        parts = ", ".join(f"{r.source} {len(r.done)} fetched, {r.skipped_fresh} already fresh"
                          for r in reports) or "nothing fetched"
        click.echo(f"Interrupted ({parts}). Everything fetched so far is kept; run the same "
                   "command again to resume (fresh names are skipped).", err=True)
        raise SystemExit(130)
    wanted = [r for r in reports if r.to_fetch]
    if wanted and not any(r.fetched_any for r in wanted):
        why = "; ".join((r.stopped or f"{r.source}: all {r.failed_names} name(s) failed")
                        .rstrip(".") for r in wanted)
        raise NothingFetchedError(f"Nothing was fetched: {why}.",
                                  "See the failures above; fix the tickers or the source and "
                                  "run the same command again.")
    if done == 0 and not wanted:
        click.echo("Everything was already fresh: nothing to fetch (see --max-age).")


def _history_facts(names, store) -> None:
    """Quarterly statement facts with filing dates, derived from the journal's SEC companyfacts
    and FMP quarterly payloads (no request), into the history's ``facts``."""
    from screener.history import HistoryStore
    from screener.timeaxis.facts import refresh_facts

    rows, failures = refresh_facts(store, HistoryStore(), names)
    click.echo(f"statement facts: {rows:,} dated value(s) stored in the history"
               + (f"; {len(failures)} payload(s) unreadable" if failures else "") + ".")
    for f in failures[:10]:
        click.echo(f"  {f.ticker}\t{f.source}\t{f.reason}")


def _print_import(report) -> None:
    """What a file import kept, emptied and rejected. Invalid cells are left empty (the rest of
    the row is kept and stored); invalid cells and rejected rows make the exit status 2."""
    click.echo(report.summary())
    cells, rows = report.cells_emptied, report.rows_rejected
    if len(cells):
        click.echo("Invalid cells left empty (row, ticker, column, value, reason); they are "
                   "also listed on the run's Data quality sheet:")
        for r in cells.head(40).itertuples(index=False):
            click.echo(f"  row {r.row}\t{r.ticker}\t{r.column}\t{r.value!r}\t{r.reason}")
        if len(cells) > 40:
            click.echo(f"  ... and {len(cells) - 40} more")
    if len(rows):
        click.echo("Rejected rows (row, ticker, column, value, reason):")
        for r in rows.head(40).itertuples(index=False):
            click.echo(f"  row {r.row}\t{r.ticker}\t{r.column}\t{r.value!r}\t{r.reason}")
        if len(rows) > 40:
            click.echo(f"  ... and {len(rows) - 40} more")
    if rows.empty and cells.empty:
        return
    shown = rows.head(5) if len(rows) else cells.head(5)
    raise InputDataError(
        [Problem(Location(str(report.file), int(r.row)), f"{r.ticker}: {r.column}={r.value!r}: "
                 f"{r.reason}") for r in shown.itertuples(index=False)],
        hint=f"The {report.accepted} good row(s) are stored"
             + (" with the invalid cells left empty" if len(cells) else "")
             + ". Fix the file, or the mapping's units/sign/scale (e.g. 'sign: {Capex: flip}' "
               "for capex exported as negative numbers), and import it again.",
    )


def _run_fetch(providers, names, store, age, console):
    """One thread per source (each keeps its own rate limit), one progress bar each."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from screener.providers.fetcher import FetchReport, fetch_to_store

    stop = threading.Event()
    reports: dict[str, FetchReport] = {}
    errors: list[BaseException] = []
    progress = Progress(TextColumn("{task.description:<6}"), BarColumn(), MofNCompleteColumn(),
                        TextColumn("failed {task.fields[failed]}"),
                        TextColumn("{task.fields[rate]:.1f} names/s"),
                        TimeElapsedColumn(), TimeRemainingColumn(), console=console,
                        transient=False)
    tasks = {p.name: progress.add_task(p.name, total=len(names), failed=0, rate=0.0)
             for p in providers}
    started = time.monotonic()

    def update(report: FetchReport) -> None:
        elapsed = max(time.monotonic() - started, 1e-6)
        progress.update(tasks[report.source], completed=report.skipped_fresh + report.finished,
                        failed=report.failed_names, rate=report.finished / elapsed)

    finished = {p.name: threading.Event() for p in providers}

    def work(p) -> None:
        try:
            _work(p)
        finally:
            finished[p.name].set()

    def _work(p) -> None:
        try:
            reports[p.name] = fetch_to_store(p, names, store, max_age=age, progress=update,
                                             stop_event=stop)
        except ProviderError as exc:
            if not getattr(exc, "fatal", False) or len(providers) == 1:
                errors.append(exc)
                stop.set()
                return
            # one source refused (daily limit, key): the others carry on, each reported
            reports[p.name] = FetchReport(p.name, requested=len(names), to_fetch=len(names),
                                          stopped=exc.message)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
            errors.append(exc)
            stop.set()

    threads = [threading.Thread(target=work, args=(p,), daemon=True) for p in providers]
    interrupted = False
    with progress:
        for t in threads:
            t.start()
        # Events, not Thread.join: a join interrupted by Ctrl-C can leave is_alive() False
        # while the thread still runs (CPython 3.11), and its report would be lost
        while not all(e.is_set() for e in finished.values()):
            try:
                for e in finished.values():
                    e.wait(timeout=0.2)
            except KeyboardInterrupt:  # a second Ctrl-C only repeats the message
                interrupted = True
                stop.set()
                console.print("Stopping: finishing the names in flight (everything fetched "
                              "is kept)...")
    if errors and not interrupted:
        raise errors[0]
    out = [reports.get(p.name) or FetchReport(p.name, requested=len(names), interrupted=True)
           for p in providers]
    if interrupted:
        for r in out:
            r.interrupted = r.interrupted or r.finished + r.skipped_fresh < r.requested
    return out, interrupted


COMMANDS = [fetch]
