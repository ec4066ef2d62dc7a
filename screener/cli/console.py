"""Console output shared by commands: the run summary a person reads after `run` or `demo`."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import click

from screener.textsafe import terminal_safe

if TYPE_CHECKING:
    from screener.result import RunResult


SAMPLE_BANNER = (
    "FICTIONAL SAMPLE DATA: every company, ticker and number below is made up for the demo."
)


def _fmt(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def print_summary(result: RunResult, top: int = 5) -> None:
    if result.is_sample:
        click.secho(SAMPLE_BANNER, fg="red", bold=True)
    unis = ", ".join(f"{u} ({result.universe_as_of.get(u, '?')})" for u in result.universes)
    first = result.eligibility[0].remaining if result.eligibility else len(result.eligible)
    click.echo(f"Screen {result.screen_name} [{result.screen_hash[:12]}] on {unis}")
    click.echo(f"Universe: {first} names, eligible after shared rules: {len(result.eligible)}")
    run = getattr(result, "regime", None)
    if run is not None and run.panel.verdict is not None:
        phase = f" -> list {run.panel.phase}" if run.panel.phase else ""
        click.secho(f"Regime ({run.panel.as_of.date()}): {run.panel.title}{phase}", bold=True)
        click.echo(f"  what would flip it: {run.panel.flip_text()}")
    from screener.export.frames import statements_years

    click.echo(f"Statements used (fiscal year: names): {statements_years(result)}")
    prov = result.provenance
    fy = prov["statements_fiscal_year"] if prov is not None and \
        "statements_fiscal_year" in prov else None
    for phase in result.phases:
        listed = len(phase.table)
        click.secho(f"\n{phase.title} ({phase.id}): {phase.passed} passed, {listed} listed",
                    bold=True)
        if phase.table.empty:
            click.echo("  no names passed every rule; see the attrition in the workbook")
            continue
        score_col = phase.score_columns[0] if phase.score_columns else None
        for row in phase.table.head(top).itertuples(index=False):
            row = row._asdict()
            score = _fmt(row.get(score_col)) if score_col else ""
            year = fy.get(row["ticker"]) if fy is not None else None
            year = f"FY{int(year)}" if year is not None and not math.isnan(year) else "FY?"
            name, sector = terminal_safe(row.get("name", "")), terminal_safe(row.get("sector", ""))
            click.echo(f"  {row['rank']:>3}. {terminal_safe(row['ticker']):<8} {name[:34]:<34}"
                       f" {sector[:22]:<22} {score_col}={score} {year}")
    for w in result.warnings:
        if not w.startswith("FICTIONAL"):
            click.secho(f"Warning: {terminal_safe(w)}", fg="yellow")


def print_changes(result: RunResult, diff) -> None:
    """One line per phase: what entered and left since the previous run of the screen."""
    if result.run_id:
        click.echo(f"\nRecorded as run {result.run_id} (`screener history`).")
    if diff is None:
        click.echo("First recorded run of this screen: no changes to show yet.")
        return
    counts = diff.counts()
    click.echo(f"Changes since run {diff.before.run_id}:")
    for phase in diff.after.phase_ids:
        n_in = int(counts.loc[phase, "entered"]) if phase in counts.index else 0
        n_out = int(counts.loc[phase, "left"]) if phase in counts.index else 0
        click.echo(f"  {phase}: {n_in} entered, {n_out} left")
    for name, (old, new) in diff.param_changes.items():
        click.echo(f"  param {name}: {old} -> {new}")
    click.echo("  details: `screener diff` or the Changes sheet")
