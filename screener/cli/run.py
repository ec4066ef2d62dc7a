"""`screener run` and `screener demo`: a screen end to end, summary on screen, file on disk."""

from __future__ import annotations

import time
from pathlib import Path

import click

from screener import settings
from screener.cli.console import print_changes, print_summary
from screener.cli.options import as_of_option, parse_sets, provider_option, set_option

FORMATS = ["xlsx", "csv", "parquet", "json"]


def _write(result, out, fmt: str, force: bool, default_name: Path | None = None) -> list[Path]:
    from screener.export import (
        TargetLockedError,
        resolve_output_path,
        write_tables,
        write_workbook,
    )

    if default_name is not None and out is None:
        out = default_name
    name = result.screen_name + (f"-asof-{result.as_of}" if result.as_of else "")
    path = resolve_output_path(out, screen_name=name, universes=result.universes,
                               run_date=result.run_at.date(), fmt=fmt, force=force)
    if fmt != "xlsx":
        return list(write_tables(result, path, fmt))
    try:
        return [write_workbook(result, path)]
    except TargetLockedError as exc:  # open in another program: the new file is beside it
        click.secho(f"Warning: {exc}", fg="yellow", err=True)
        return [exc.written]


@click.command()
@click.argument("screen", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--universe", "-u", "universes", multiple=True,
              help="Universe name(s) from universes/ (default: the screen's own).")
@provider_option
@as_of_option
@click.option("--out", "-o", default=None, type=click.Path(path_type=Path),
              help="Output file or folder (default output/<screen>-<universe>-<date>.xlsx).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="xlsx", show_default=True,
              help="Workbook, or the same tables as csv/parquet/json for pipelines.")
@set_option
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
@click.option("--top", default=5, show_default=True, help="Names per phase in the summary.")
@click.option("--no-record", is_flag=True,
              help="Do not record this run in the run history (`screener history`).")
@click.option("--notify-changes", is_flag=True,
              help="Exit with status 3 when any list changed since the previous run of the "
                   "same screen (for cron jobs and CI alerts).")
def run(screen, universes, provider, as_of, out, fmt, sets, force, top, no_record,
        notify_changes):
    """Run a SCREEN definition and write its candidate lists.

    The screen is checked before any data is loaded. Data comes from the local store
    (`screener fetch`) unless --provider says otherwise.

    \b
    Examples:
      screener run screens/rebound.yaml --provider sample
      screener run screens/rebound.yaml --universe russell2000 --set max_leverage=2.5
      screener run screens/rebound.yaml --provider sample --format csv --out output/csv/
      screener run screens/rebound.yaml --notify-changes || echo "lists changed"

    Every run is recorded (`screener history`, `screener diff`, `screener track`) unless
    --no-record; the workbook then has a Changes sheet (against the previous run of the same
    screen) and a Track record sheet. Exit status: 0 ok, 3 with --notify-changes when a list
    changed.
    """
    from screener.pipeline import run_screen

    started = time.perf_counter()
    overrides = parse_sets(sets)
    result = run_screen(screen, universes=list(universes) or None, provider=provider,
                        as_of=as_of.date() if as_of else None, overrides=overrides)
    print_summary(result, top=top)
    diff = None
    if not no_record:
        from screener.runs.attach import record_and_attach

        diff = record_and_attach(result, overrides)
        print_changes(result, diff)
    paths = _write(result, out, fmt, force)
    if len(paths) == 1:
        click.echo(f"\nWrote {paths[0]}")
    else:
        click.echo(f"\nWrote {len(paths)} files in {paths[0].parent}: "
                   + ", ".join(p.name for p in paths))
    click.echo(f"Done in {time.perf_counter() - started:.2f} s")
    if notify_changes:
        if no_record:
            raise click.UsageError("--notify-changes needs the run to be recorded "
                                   "(drop --no-record).")
        if diff is not None and diff.changed:
            click.echo("Lists changed since the previous run (exit status 3).")
            raise SystemExit(3)


@click.command()
@click.option("--out", "-o", default=None, type=click.Path(path_type=Path),
              help="Where to write the workbook (default output/rebound-demo.xlsx).")
@click.option("--seed", default=2026, show_default=True, help="Seed of the fictional universe.")
@click.option("--names", "n", default=2600, show_default=True,
              help="How many fictional companies to generate.")
@click.option("--screen", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="Screen definition (default: the bundled screens/rebound.yaml).")
def demo(out, seed, n, screen):
    """Run the default playbook on fictional sample data: no network, no API key.

    Generates a made-up universe of about 2,600 small caps (Russell-2000-like and
    S&P-600-like members), computes every metric, runs screens/rebound.yaml and writes
    output/rebound-demo.xlsx (overwriting the previous demo).

    \b
    Example:
      screener demo
      screener demo --seed 7 --out /tmp/demo.xlsx
    """
    from screener.pipeline import SAMPLE, run_screen

    started = time.perf_counter()
    screen = screen or settings.screens_dir() / "rebound.yaml"
    result = run_screen(screen, provider=SAMPLE, seed=seed, n=n, regime=False)
    print_summary(result)
    target = out or settings.output_dir() / "rebound-demo.xlsx"
    path = _write(result, target, "xlsx", force=True)[0]
    click.echo(f"\nWrote {path}")
    click.echo(f"Done in {time.perf_counter() - started:.2f} s")


COMMANDS = [run, demo]
