"""`screener metrics`: print the metric catalog (what every column of the standard frame is)."""

from __future__ import annotations

import csv
import io
import json

import click

from screener.metrics.catalog import CATALOG_LIST

FIELDS = ["id", "label", "group", "unit", "better", "formula", "window", "frequency", "source"]
GROUPS = list(dict.fromkeys(m.group for m in CATALOG_LIST))


def _rows(group: str | None) -> list[dict[str, str]]:
    chosen = [m for m in CATALOG_LIST if group is None or m.group == group.lower()]
    return [{f: ("" if getattr(m, f) is None else str(getattr(m, f))) for f in FIELDS}
            for m in chosen]


def _table(rows: list[dict[str, str]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Metric catalog ({len(rows)} metrics)", show_lines=False)
    for f in FIELDS:
        wrap = f in ("label", "formula")
        table.add_column(f, no_wrap=not wrap, ratio=3 if f == "formula" else (1 if wrap else None))
    for r in rows:
        table.add_row(*(r[f] for f in FIELDS))
    console = Console()
    if not console.is_terminal:  # piped: do not squeeze the formulas into 80 columns
        console = Console(width=200)
    console.print(table)


@click.command("metrics")
@click.option("--group", type=click.Choice(GROUPS, case_sensitive=False), default=None,
              help="Only the metrics of this group.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True, help="Output format.")
def metrics(group: str | None, fmt: str) -> None:
    """List the metrics a screen can use: id, label, group, unit, better direction,
    formula, window (trading days) and frequency of the observations for the price metrics,
    and who computes it (financetoolkit or screener).

    Use the ids in screen YAML files. Units are base units: USD, and fractions for
    percentages (0.15 = 15%).

    \b
    Examples:
      screener metrics
      screener metrics --group leverage
      screener metrics --format csv > metrics.csv
      screener metrics --format json
    """
    rows = _rows(group)
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
    elif fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        click.echo(buf.getvalue(), nl=False)
    else:
        _table(rows)


COMMANDS = [metrics]
