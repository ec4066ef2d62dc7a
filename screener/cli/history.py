"""The history parts of `screener fetch` and `screener store info`: daily prices fetched or
imported into the columnar history store, and what that store holds."""

from __future__ import annotations

import threading

import click

from screener.errors import InputDataError, Location, Problem


def history_store():
    from screener.history import HistoryStore

    return HistoryStore()


def fetch_prices(names: list[str], journal, years: int, console) -> int:
    """Daily prices of ``names`` plus the benchmarks; prints the report. Returns the exit code
    (0 ok, 1 nothing could be fetched, 130 interrupted)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from screener.providers.price_history import benchmarks_and, fetch_price_history

    names = benchmarks_and(names)
    stop = threading.Event()
    bar = Progress(TextColumn("prices"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("failed {task.fields[failed]}"), console=console)
    task = bar.add_task("prices", total=len(names), failed=0)

    def update(run) -> None:
        bar.update(task, completed=len(names) - run.to_fetch + run.finished,
                   failed=run.failed_names)

    with bar:
        try:
            report = fetch_price_history(names, journal, history_store(), years=years,
                                         progress=update, stop_event=stop)
        except KeyboardInterrupt:
            stop.set()
            raise
    click.echo(report.summary())
    for f in report.failures[:20]:
        click.echo(f"  {f.ticker}\t{f.source}/{f.dataset}\t{f.reason}")
    if len(report.failures) > 20:
        click.echo(f"  ... and {len(report.failures) - 20} more: `screener store failures`.")
    if report.interrupted:
        return 130
    wanted = report.names - report.up_to_date
    return 1 if wanted and not (report.fetched or report.from_journal) else 0


def import_prices(path) -> None:
    """`fetch --from-file FILE --prices`: rejected rows make the exit status 2."""
    from screener.providers.file_prices import import_prices as run

    report = run(path, history_store())
    click.echo(report.summary())
    rejected = report.rejected
    if rejected.empty:
        return
    click.echo("Rejected rows (line, ticker, column, value, reason):")
    for r in rejected.head(40).itertuples(index=False):
        click.echo(f"  line {r.row}\t{r.ticker}\t{r.column}\t{r.value!r}\t{r.reason}")
    if len(rejected) > 40:
        click.echo(f"  ... and {len(rejected) - 40} more")
    raise InputDataError(
        [Problem(Location(str(path), int(r.row)), f"{r.ticker}: {r.column}={r.value!r}: "
                 f"{r.reason}") for r in rejected.head(5).itertuples(index=False)],
        hint=f"The {report.accepted} good row(s) are stored. Fix the rejected rows and import "
             "the file again (days already stored are replaced, not doubled).")


def history_info() -> list[dict]:
    """One dict per history dataset held (for `store info` and its --json)."""
    hs = history_store()
    info = hs.info()
    return [{"dataset": r.dataset, "label": r.label, "names": int(r.names), "rows": int(r.rows),
             "first": str(r.first)[:10], "last": str(r.last)[:10], "bytes": int(r.bytes),
             "partitions": int(r.partitions)} for r in info.itertuples(index=False)] \
        if len(info) else []


def print_history_info(rows: list[dict]) -> None:
    root = history_store().root
    if not rows:
        click.echo(f"History {root}: empty. Fill it with: screener fetch --universe "
                   "russell2000 --history")
        return
    total = sum(r["bytes"] for r in rows)
    click.echo(f"History {root}: {total / 1e6:.1f} MB (Parquet, one folder per dataset, "
               "one file per year)")
    for r in rows:
        click.echo(f"  {r['dataset']} ({r['label']}): {r['names']} names, {r['rows']:,} rows, "
                   f"{r['first']} .. {r['last']}, {r['partitions']} year file(s), "
                   f"{r['bytes'] / 1e6:.1f} MB")
