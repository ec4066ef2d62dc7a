"""`screener run` and `screener demo`: a screen end to end, summary on screen, file on disk."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import click

from screener import settings
from screener.cli import output
from screener.cli.console import print_changes, print_summary
from screener.cli.options import (
    as_of_option,
    parse_sets,
    provider_option,
    set_option,
    strict_option,
)

FORMATS = ["xlsx", "csv", "parquet", "json"]


def _target(out, fmt: str, force: bool, *, screen_name: str, universes: list[str],
            run_at: datetime | None = None, run_id: str | None = None) -> Path:
    """The output path, resolved (and checked writable, not taken) before any work."""
    from screener.export import resolve_output_path

    when = run_at or datetime.now()
    return resolve_output_path(out, screen_name=screen_name, universes=universes,
                               run_date=when.date(), fmt=fmt, force=force, run_at=run_at,
                               run_id=run_id)


def _write(result, path: Path, fmt: str, full: bool = False) -> list[Path]:
    from screener.export import TargetLockedError, write_tables
    from screener.export.workbook import write_workbook_files

    if fmt != "xlsx":
        return list(write_tables(result, path, fmt))
    try:
        return write_workbook_files(result, path, full=full)
    except TargetLockedError as exc:  # open in another program: the new file is beside it
        click.secho(f"Warning: {exc}", fg="yellow", err=True)
        return [exc.written, *exc.also]


@click.command()
@click.argument("screen", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--universe", "-u", "universes", multiple=True,
              help="Universe name(s) from universes/ (default: the screen's own).")
@provider_option
@as_of_option
@click.option("--out", "-o", default=None, type=click.Path(path_type=Path),
              help="Output file or folder (default output/<screen>-<universe>-<date>-<time>-<id>.xlsx,"
                   " never taken; --out FILE must not exist unless --force).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="xlsx", show_default=True,
              help="Workbook, or the same tables as csv/parquet/json for pipelines.")
@set_option
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
@click.option("--full", is_flag=True,
              help="Workbook: every row on every sheet, however many names. Without it, a run "
                   "of more than 10,000 names ($SCREENER_WORKBOOK_LIMIT) keeps the top 2,000 "
                   "rows of All names, Explain and Data quality and writes those tables whole "
                   "as Parquet beside the workbook.")
@click.option("--top", default=5, show_default=True, help="Names per phase in the summary.")
@strict_option
@click.option("--no-record", is_flag=True,
              help="Do not record this run in the run history (`screener history`).")
@click.option("--notify-changes", is_flag=True,
              help="Exit with status 3 when any list changed since the previous run of the "
                   "same screen (for cron jobs and CI alerts).")
def run(screen, universes, provider, as_of, out, fmt, sets, force, full, top, strict, no_record,
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
      screener run screens/rebound.yaml --full        # every row, however many names

    Every run is recorded (`screener history`, `screener diff`, `screener track`) unless
    --no-record; the workbook then has a Changes sheet (against the previous run of the same
    screen) and a Track record sheet. Exit status: 0 ok, 3 with --notify-changes when a list
    changed.
    """
    from screener.pipeline import run_screen
    from screener.rules import compile_screen

    started = time.perf_counter()
    overrides = parse_sets(sets)
    plan = compile_screen(screen, overrides=overrides)
    if strict:
        plan.check_strict()
    if notify_changes and no_record:
        raise click.UsageError("--notify-changes needs the run to be recorded "
                               "(drop --no-record).")
    # the output name is checked before any data is loaded: a taken --out fails in a second
    name = plan.name + (f"-asof-{as_of.date().isoformat()}" if as_of else "")
    path = _target(out, fmt, force, screen_name=name,
                   universes=list(universes) or list(plan.universes),
                   run_at=datetime.now().replace(microsecond=0),
                   run_id=plan.effective_hash[:8])
    result = run_screen(screen, universes=list(universes) or None, provider=provider,
                        as_of=as_of.date() if as_of else None, overrides=overrides,
                        plan=plan)
    if not output.quiet():
        print_summary(result, top=top)
    _attrition(result)
    diff = None
    if not no_record:
        from screener.runs.attach import record_and_attach

        diff = record_and_attach(result, overrides)
        if not output.quiet():
            print_changes(result, diff)
    paths = _write(result, path, fmt, full)
    if len(paths) == 1:
        click.echo(f"{'' if output.quiet() else chr(10)}Wrote {paths[0]}")
    else:
        click.echo(f"{'' if output.quiet() else chr(10)}Wrote {len(paths)} files in "
                   f"{paths[0].parent}: " + ", ".join(p.name for p in paths))
    output.info(f"Done in {time.perf_counter() - started:.2f} s")
    if notify_changes and diff is not None and diff.changed:
        click.echo("Lists changed since the previous run (exit status 3).")
        raise SystemExit(3)


def _attrition(result) -> None:
    """-v: names left after each rule, per phase (the Summary sheet's attrition table)."""
    if output.verbosity() < output.VERBOSE:
        return
    for phase in result.phases:
        output.detail(f"\nAttrition, {phase.title}:")
        for step in phase.attrition:
            output.detail(f"  {step.remaining:>6,} left  -{step.removed:<6,} {step.rule}")


@click.command()
@click.option("--out", "-o", default=None, type=click.Path(path_type=Path),
              help="Where to write the workbook (default output/rebound-demo.xlsx).")
@click.option("--seed", default=2026, show_default=True, help="Seed of the fictional universe.")
@click.option("--names", "n", default=2600, show_default=True,
              help="How many fictional companies to generate.")
@click.option("--screen", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="Screen definition (default: the bundled screens/rebound.yaml).")
@click.option("--full", is_flag=True,
              help="Every row on every sheet, even above the workbook limit (see `run --full`).")
def demo(out, seed, n, screen, full):
    """Run the default playbook on fictional sample data: no network, no API key.

    Generates a made-up universe of about 2,600 small caps (Russell-2000-like and
    S&P-600-like members), computes every metric, runs screens/rebound.yaml and writes
    output/rebound-demo.xlsx (overwriting the previous demo).

    \b
    Example:
      screener demo
      screener demo --seed 7 --out /tmp/demo.xlsx
      screener demo --names 50000 --full
    """
    from screener.pipeline import SAMPLE, run_screen
    from screener.searchpath import default_screen

    started = time.perf_counter()
    screen = screen or default_screen()
    target = _target(out or settings.output_dir() / "rebound-demo.xlsx", "xlsx", True,
                     screen_name="rebound-demo", universes=[SAMPLE])   # checked before work
    result = run_screen(screen, provider=SAMPLE, seed=seed, n=n, regime=False)
    if not output.quiet():
        print_summary(result)
    _attrition(result)
    paths = _write(result, target, "xlsx", full)
    click.echo(f"{'' if output.quiet() else chr(10)}Wrote {paths[0]}"
               + "".join(f"\n  and {p.name} (every row)" for p in paths[1:]))
    output.info(f"Done in {time.perf_counter() - started:.2f} s")


COMMANDS = [run, demo]
