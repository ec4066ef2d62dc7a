"""`screener history`, `screener diff` and `screener track`: the recorded runs, what changed
between two of them and why, and how each list has done since."""

from __future__ import annotations

import json
import math

import click

from screener.errors import NoDataError, ScreenerError


def _pct(x) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:+.1%}"


def _rank(x) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else str(int(x))


@click.command()
@click.option("--screen", default=None, help="Only the runs of this screen (its name:).")
@click.option("--prune", is_flag=True, help="Remove old runs (keeps the newest --keep per screen).")
@click.option("--keep", default=100, show_default=True, help="Runs kept per screen by --prune.")
def history(screen, prune, keep):
    """The recorded runs, newest first, with list sizes and what changed.

    \b
    Examples:
      screener history
      screener history --screen rebound
      screener history --prune --keep 100
    """
    from screener.runs import RunLog, diff_runs

    with RunLog.open() as log:
        if prune:
            gone = log.prune(keep)
            click.echo(f"Removed {gone} run(s); kept the newest {keep} of every screen.")
            return
        runs = log.runs(screen)
        if runs.empty:
            click.echo("No recorded runs" + (f" of screen {screen!r}" if screen else "")
                       + ". `screener run SCREEN` records one.")
            return
        click.echo(f"{'run':<22} {'screen':<16} {'as of':<11} {'lists':<24} changes")
        records = {}
        for row in runs.itertuples(index=False):
            rec = records.get(row.run_id) or log.load(row.run_id)
            sizes = "/".join(str(p["listed"]) for p in rec.meta["phases"])
            older = runs[(runs.screen_name == row.screen_name) & (runs.run_id < row.run_id)]
            change = "first run"
            if len(older):
                prev = log.load(older.iloc[0]["run_id"])
                records[prev.run_id] = prev
                counts = diff_runs(prev, rec).counts()
                change = f"+{int(counts['entered'].sum())} -{int(counts['left'].sum())}"
            flag = " (fictional)" if row.is_sample else ""
            click.echo(f"{row.run_id:<22} {row.screen_name[:16]:<16} {str(rec.date.date()):<11} "
                       f"{sizes:<24} {change}{flag}")


@click.command()
@click.argument("run_a", required=False)
@click.argument("run_b", required=False)
@click.option("--screen", default=None, help="With no run ids: the last two runs of this screen.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="json prints the diff for scripts and webhooks.")
def diff(run_a, run_b, screen, fmt):
    """What entered and left each list between two runs, and why.

    With no run ids, compares the last two runs of a screen (the newest run's screen, or
    --screen). With one, compares it with the run of the same screen before it.

    \b
    Examples:
      screener diff
      screener diff 20261201-101500-ab12 20261208-101500-cd34
      screener diff --format json > changes.json
    """
    from screener.runs import RunLog, diff_runs

    with RunLog.open() as log:
        if run_b is not None:
            before, after = log.load(run_a), log.load(run_b)
        else:
            if run_a is not None:
                after = log.load(run_a)
            else:
                runs = log.runs(screen)
                if runs.empty:
                    raise ScreenerError("No recorded runs to compare.",
                                        "Run a screen twice with `screener run SCREEN`.")
                after = log.load(runs.iloc[0]["run_id"])
            before = log.latest(after.meta["screen_name"], before=after.run_id)
            if before is None:
                raise ScreenerError(
                    f"Run {after.run_id} is the first recorded run of screen "
                    f"{after.meta['screen_name']!r}: nothing to compare it with.",
                    "Run the screen again, or name two runs: `screener diff RUN_A RUN_B`.")
        d = diff_runs(before, after)
    if fmt == "json":
        click.echo(json.dumps(d.as_dict(), indent=2, default=str))
        return
    click.echo(f"Screen {after.meta['screen_name']}: run {before.run_id} -> {after.run_id}")
    if d.screen_changed:
        click.echo("The screen or its --set overrides changed between the two runs.")
    for name, (old, new) in d.param_changes.items():
        click.echo(f"  param {name}: {old} -> {new}")
    if d.table.empty:
        click.echo("No list changed.")
    for phase, rows in d.table.groupby("phase", sort=False):
        click.secho(f"\n{phase}", bold=True)
        for r in rows.itertuples(index=False):
            sign = {"entered": "+", "left": "-", "moved": "~"}[r.change]
            click.echo(f"  {sign} {r.ticker:<8} {str(r.name or '')[:28]:<28} "
                       f"rank {_rank(r.rank_before):>4} -> {_rank(r.rank_after):<4} {r.reason}")


@click.command()
@click.option("--screen", default=None, help="Only the runs of this screen.")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Only runs on or after this date.")
@click.option("--until", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Measure returns up to this close (default: the last stored close).")
def track(screen, since, until):
    """How each recorded list has done since its run, from stored daily prices.

    Equal-weighted, bought at the next close after the run's date, against the universe and
    its index ETF; hit rate = share of names beating the universe. Needs
    `screener fetch --history` for prices.

    \b
    Examples:
      screener track
      screener track --screen rebound --since 2026-01-01
    """
    from screener.runs import RunLog
    from screener.runs.attach import track_table

    with RunLog.open() as log:
        if log.runs(screen).empty:
            click.echo("No recorded runs. `screener run SCREEN` records one.")
            return
        table = track_table(log, screen, since=since, until=until)
    if table is None:
        raise NoDataError("No stored daily prices to measure the lists with.",
                            "Fetch them with `screener fetch --universe russell2000 --history`.",
                            ) from None
    click.echo(f"{'run':<22} {'phase':<18} {'names':>5} {'since':<11} {'list':>8} "
               f"{'universe':>9} {'ETF':>8} {'hit':>5}")
    for r in table.itertuples(index=False):
        since_txt = str(r.entry_date.date()) if r.entry_date is not None else "-"
        hit = "-" if math.isnan(r.hit_rate) else f"{r.hit_rate:.0%}"
        click.echo(f"{r.run_id:<22} {r.phase[:18]:<18} {r.names:>5} {since_txt:<11} "
                   f"{_pct(r.list_return):>8} {_pct(r.universe_return):>9} "
                   f"{_pct(r.etf_return):>8} {hit:>5}" + (f"  ({r.note})" if r.note else ""))


COMMANDS = [history, diff, track]
