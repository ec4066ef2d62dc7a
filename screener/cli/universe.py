"""`screener universe ...`: list, refresh, import and show the universes."""

from __future__ import annotations

import sys

import click
from rich.console import Console
from rich.table import Table

from screener.errors import ScreenerError, UniverseError


def _console() -> Console:
    # a terminal gets its own width; piped or captured output gets room for the columns
    return Console(highlight=False, width=None if sys.stdout.isatty() else 120)


def _pct(value) -> str:
    import pandas as pd  # loaded when a table is printed, not at start-up

    return "" if value is None or pd.isna(value) else f"{float(value) * 100:.2f}%"


def _text(value) -> str:
    import pandas as pd

    from screener.textsafe import rich_safe  # file strings never reach the terminal raw

    return "" if value is None or pd.isna(value) else rich_safe(value)


@click.group()
def universe() -> None:
    """Index universes: list, download, import and inspect constituents.

    \b
    Examples:
      screener universe list
      screener universe refresh russell2000
      screener universe import russell2000 ~/Downloads/IWM_holdings.csv
      screener universe show sp600 --limit 20
    """


@universe.command("list")
def list_cmd() -> None:
    """List the defined universes with member count, source and as-of date.

    \b
    Example:
      screener universe list
    """
    from screener.universe import list_universes

    table = Table(title="Universes")
    for col in ("name", "title", "members", "as of", "source"):
        table.add_column(col, justify="right" if col == "members" else "left")
    for info in list_universes():
        if info.members is None:
            own = f"Universe '{info.name}' has not been downloaded yet."
            members, as_of = "-", ("not downloaded yet" if info.problem == own
                                   else info.problem or "-")
        else:
            members, as_of = f"{info.members:,}", info.as_of or "-"
            if info.snapshots > 1:
                as_of += f" ({info.snapshots} snapshots)"
        table.add_row(info.name, _text(info.title), members, _text(as_of), _text(info.source))
    _console().print(table)


def _print_changes(console: Console, result) -> None:
    dropped = ", ".join(f"{k}: {v}" for k, v in sorted(result.dropped.items())) or "none"
    verb = "replaced" if result.replaced else "stored"
    console.print(f"[bold]{result.name}[/]: {result.kept:,} equities as of {result.as_of} "
                  f"{verb} ({result.rows_total:,} rows; dropped {dropped}).")
    if result.fund:
        console.print(f"  fund: {_text(result.fund)}")
    for note in result.notes:
        console.print(f"  note: {_text(note)}")
    if result.previous is None:
        console.print("  first snapshot: no earlier one to compare with.")
    else:
        console.print(f"  since {result.previous}: {len(result.added)} added, "
                      f"{len(result.removed)} dropped.")
        if result.added:
            console.print("  added: " + " ".join(result.added[:40])
                          + (" ..." if len(result.added) > 40 else ""))
        if result.removed:
            console.print("  dropped: " + " ".join(result.removed[:40])
                          + (" ..." if len(result.removed) > 40 else ""))


def _iso_option(value: str | None, option: str) -> str | None:
    from datetime import date

    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise click.BadParameter("use the form YYYY-MM-DD, e.g. 2019-06-28",
                                 param_hint=option) from None


def _sync_history(names) -> None:
    """Copy the stored snapshots into the history's memberships (what --as-of runs read)."""
    from screener.history import HistoryStore
    from screener.timeaxis.assemble import sync_memberships

    sync_memberships(HistoryStore(), list(names))


@universe.command("refresh")
@click.argument("names", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Refresh every downloadable universe.")
@click.option("--force", is_flag=True,
              help="Store the file even when it has far fewer members than the last snapshot.")
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD",
              help="Store the holdings of this past date (iShares only: asOfDate).")
@click.option("--history", "history", type=click.Choice(["quarterly", "monthly"]),
              default=None, help="Store a snapshot per quarter (or month) end since --from; "
                                 "dates already stored are skipped, so a rerun resumes.")
@click.option("--from", "start", default=None, metavar="YYYY[-MM-DD]",
              help="First date of --history (e.g. 2012).")
def refresh_cmd(names: tuple[str, ...], all_: bool, force: bool, as_of: str | None,
                history: str | None, start: str | None) -> None:
    """Download current (or past) holdings and store a dated snapshot (earlier ones are kept).

    A failed download leaves the previous snapshot untouched. If iShares refuses your
    network, download the CSV in a browser and use `screener universe import`. Snapshots are
    the membership history `run --as-of` uses: names that left the index keep theirs.

    \b
    Examples:
      screener universe refresh russell2000
      screener universe refresh russell2000 sp600
      screener universe refresh --all
      screener universe refresh russell2000 --as-of 2019-06-28
      screener universe refresh russell2000 --history quarterly --from 2012
    """
    from screener.universe import refresh
    from screener.universe.definitions import DOWNLOADABLE, load_definitions

    as_of = _iso_option(as_of, "--as-of")
    if history and not start:
        raise click.UsageError("--history needs --from (e.g. --from 2012).")
    if history and as_of:
        raise click.UsageError("Give either --as-of (one date) or --history (many), not both.")
    if all_:
        names = tuple(n for n, d in sorted(load_definitions().items())
                      if d.source.type in DOWNLOADABLE)
    if not names:
        raise click.UsageError("Name a universe (e.g. russell2000) or pass --all.")
    console = _console()
    failures: list[ScreenerError] = []
    for name in names:
        if history:
            _refresh_history(console, name, start, history)
            continue
        console.print(f"Downloading {name}{f' as of {as_of}' if as_of else ''} ...")
        try:
            _print_changes(console, refresh(name, force=force, as_of=as_of))
        except ScreenerError as exc:
            if len(names) == 1:
                raise
            click.echo(f"Error: {exc}", err=True)
            failures.append(exc)
    _sync_history(names)
    if failures:
        raise UniverseError(f"{len(failures)} of {len(names)} universes could not be refreshed "
                            "(see above).")


def _refresh_history(console: Console, name: str, start: str, frequency: str) -> None:
    from screener.universe.download import refresh_history

    stored, failed = refresh_history(
        name, start, frequency, progress=lambda d: console.print(f"  {name} as of {d} ..."))
    console.print(f"[bold]{name}[/]: {len(stored)} snapshot(s) stored since {start}, "
                  f"{len(failed)} date(s) failed.")
    for when, why in failed[:20]:
        console.print(f"  {when}: {why}")
    _sync_history([name])
    if failed and not stored:
        raise UniverseError(f"No snapshot of {name} could be stored ({len(failed)} dates "
                            "failed).", hint="Import past holdings files with `screener "
                            f"universe import {name} FILE --as-of DATE`.")


@universe.command("diff")
@click.argument("name")
@click.argument("old")
@click.argument("new", required=False)
@click.option("--limit", default=50, show_default=True, help="Rows to print (0 = all).")
def diff_cmd(name: str, old: str, new: str | None, limit: int) -> None:
    """Members added and dropped between two dates (the snapshots in force on each).

    \b
    Examples:
      screener universe diff russell2000 2019-06-28
      screener universe diff russell2000 2019-06-28 2020-06-30
    """
    from screener.universe.snapshots import diff, in_force, list_snapshots

    old_iso, new_iso = _iso_option(old, "OLD"), _iso_option(new, "NEW")
    dates = list_snapshots(name)
    a = in_force(name, old_iso)
    b = in_force(name, new_iso) if new_iso else (dates[-1] if dates else None)
    if a is None or b is None:
        raise UniverseError(f"Universe '{name}' has no snapshot on or before "
                            f"{old_iso if a is None else new_iso}.",
                            hint=f"Stored snapshots: {', '.join(dates) or 'none'}. Store one "
                                 f"with `screener universe refresh {name} --as-of DATE`.")
    d = diff(name, a, b)
    console = _console()
    console.print(f"[bold]{name}[/]: {d.old_as_of} -> {d.new_as_of} (snapshots in force on "
                  f"{old_iso} and {new_iso or 'today'}): {len(d.added)} added, "
                  f"{len(d.removed)} dropped.")
    for title, frame in (("Added", d.added), ("Dropped", d.removed)):
        if len(frame):
            console.print(_table(f"{title} ({len(frame)})", frame, limit))


@universe.command("import")
@click.argument("name")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--as-of", "as_of", default=None, metavar="YYYY-MM-DD",
              help="As-of date when the file does not say (plain CSVs); default: today.")
@click.option("--force", is_flag=True,
              help="Store the file even when it has fewer members than the snapshot it "
                   "replaces (same date) or far fewer than the last one.")
def import_cmd(name: str, file: str, as_of: str | None, force: bool) -> None:
    """Import a holdings file downloaded by hand as a snapshot of NAME.

    Reads iShares holdings CSVs, SPDR holdings xlsx and plain CSVs with a ticker column.

    \b
    Examples:
      screener universe import russell2000 ~/Downloads/IWM_holdings.csv
      screener universe import sp600 holdings-daily-us-en-spsm.xlsx
      screener universe import sp600 my_list.csv --as-of 2026-05-05
    """
    from datetime import date

    from screener.universe import import_file

    if as_of is not None:
        try:
            as_of = date.fromisoformat(as_of).isoformat()
        except ValueError:
            raise click.BadParameter("use the form YYYY-MM-DD, e.g. 2026-05-05",
                                     param_hint="--as-of") from None
    _print_changes(_console(), import_file(name, file, as_of=as_of, force=force))
    _sync_history([name])


@universe.command("show")
@click.argument("name")
@click.option("--diff", "diff_date", default=None, metavar="DATE",
              help="Show members added and dropped since the snapshot of DATE.")
@click.option("--limit", default=50, show_default=True,
              help="Rows to print (0 = all), largest weight first.")
def show_cmd(name: str, diff_date: str | None, limit: int) -> None:
    """Show the members of a universe (ticker, name, sector, weight), or what changed.

    \b
    Examples:
      screener universe show russell2000
      screener universe show russell2000 --limit 0
      screener universe show russell2000 --diff 2026-05-05
    """
    from screener.universe import load_members
    from screener.universe.definitions import DOWNLOADABLE, get_definition
    from screener.universe.snapshots import diff, list_snapshots

    console = _console()
    if diff_date is not None:
        if get_definition(name).source.type not in DOWNLOADABLE:
            raise UniverseError(f"Universe '{name}' has no snapshots to compare.",
                                hint="--diff works for downloaded universes (ishares, spdr).")
        d = diff(name, diff_date)
        console.print(f"[bold]{name}[/]: {d.old_as_of} -> {d.new_as_of}: "
                      f"{len(d.added)} added, {len(d.removed)} dropped "
                      f"(snapshots: {', '.join(list_snapshots(name))}).")
        for title, frame in (("Added", d.added), ("Dropped", d.removed)):
            if len(frame):
                console.print(_table(f"{title} ({len(frame)})", frame, limit))
        return
    members = load_members(name)
    frame = members.frame.sort_values("weight", ascending=False, na_position="last")
    console.print(f"[bold]{name}[/]: {len(frame):,} members as of {members.as_of}.")
    for note in members.notes:
        console.print(f"  note: {_text(note)}")
    console.print(_table(name, frame, limit))
    if limit and len(frame) > limit:
        console.print(f"... {len(frame) - limit:,} more (use --limit 0 to see all).")


def _table(title: str, frame, limit: int) -> Table:
    table = Table(title=title)
    for col in ("ticker", "original", "name", "sector", "weight"):
        table.add_column(col, justify="right" if col == "weight" else "left")
    rows = frame if not limit else frame.head(limit)
    for ticker, row in rows.iterrows():
        original = _text(row.get("original_ticker"))
        table.add_row(str(ticker), original if original != ticker else "",
                      _text(row.get("name")), _text(row.get("sector")), _pct(row.get("weight")))
    return table


COMMANDS = [universe]
