"""Commands about screen files: validate, explain, schema."""

from __future__ import annotations

from pathlib import Path

import click

from screener.cli.options import as_of_option, parse_sets, provider_option, set_option


def _default_screen() -> str:
    from screener.settings import screens_dir
    return str(screens_dir() / "rebound.yaml")


def _num(v) -> str:
    if not isinstance(v, float):
        return str(v)
    for div, suf in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(v) >= div and (v / div) == round(v / div, 3):
            return f"{v / div:g}{suf}"
    return f"{v:g}"


@click.command("validate")
@click.argument("screen", type=click.Path(dir_okay=False, path_type=Path))
@set_option
@as_of_option
@provider_option
def validate(screen: Path, sets: tuple[str, ...], as_of, provider: str | None) -> None:
    """Check a screen file without fetching data: prints its phases and the metrics they
    need, or every problem found (file:line:column, the text, a hint). With --as-of, also
    what the stored history holds for that date (members in force, statements, prices).

    \b
    Example:
      screener validate screens/rebound.yaml
      screener validate my.yaml --set max_leverage=2.5
      screener validate screens/rebound.yaml --as-of 2019-06-28
    """
    from screener.metrics.catalog import CATALOG
    from screener.rules import compile_screen

    plan = compile_screen(screen, overrides=parse_sets(sets))
    click.echo(f"OK  {plan.path}: screen '{plan.name}'")
    click.echo(f"universes: {', '.join(plan.universes)}")
    if plan.params:
        click.echo("params: " + ", ".join(f"{k}={_num(v)}" for k, v in plan.params.items()))
    click.echo(f"eligibility: {len(plan.eligibility)} rule(s)")
    for r in plan.eligibility:
        click.echo(f"  - {r.title}")
    click.echo(f"scores: {', '.join(plan.scores) or '(none)'}")
    click.echo("phases:")
    for ph in plan.phases:
        order = "lowest first" if ph.rank_by.ascending else "highest first"
        top = f"top {ph.top}" if ph.top else "all"
        click.echo(f"  {ph.id}: {ph.title}  [{len(ph.filters)} filter(s), rank by "
                   f"{ph.rank_by.text} ({order}), {top}]")
    click.echo(f"metrics used ({len(plan.metrics_used)}):")
    for m in plan.metrics_used:
        click.echo(f"  {m:<24} {CATALOG[m].label}")
    from screener.regime.config import load_regime

    rules = load_regime(screen)
    if rules is not None:
        click.echo(f"regime: {len(rules.indicators)} indicator(s), verdicts "
                   + ", ".join(f"{k} -> {v.phase or '-'}{' (overlay)' if v.overlay else ''}"
                               for k, v in rules.verdicts.items()))
    if as_of is not None:
        _history_check(plan.universes, as_of.date(), provider)


def _history_check(universes: list[str], day, provider: str | None) -> None:
    """What a run as of ``day`` would find, per universe: the snapshot in force, names with
    statements first filed by then, names with a close on or before it."""
    from screener.errors import NoDataError
    from screener.timeaxis import PointInTime

    click.echo(f"as of {day}:")
    for u in universes:
        try:
            pit = PointInTime.load([u], day, day, provider=provider)
        except NoDataError as exc:
            click.echo(f"  {u}: {exc}")
            continue
        bundle = pit.bundle(day)
        names = bundle.identity.index
        biased = " (no snapshot that early: the earliest one is used, survivorship-biased)" \
            if pit.survivorship_biased(u, day) else ""
        with_st = bundle.statements.index.get_level_values("ticker").unique()
        click.echo(f"  {u}: {len(names):,} members, snapshot of "
                   f"{pit.snapshot_date(u, day).date()}{biased}; statements first filed by "
                   f"then for {len(with_st):,}, a close on or before it for "
                   f"{len(bundle.market):,}")


@click.command("explain")
@click.argument("ticker")
@click.option("--screen", "screen", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Screen file (default: screens/rebound.yaml).")
@provider_option
@as_of_option
@set_option
def explain(ticker: str, screen: Path | None, provider: str | None, as_of, sets) -> None:
    """Why a name is (or is not) on each phase's list: every rule with the name's value and
    pass/fail, every score with its parts (value, percentile, weight, contribution).

    \b
    Example:
      screener explain PRAB3 --screen screens/rebound.yaml --provider sample
    """
    from screener.rules import compile_screen, explain_ticker

    plan = compile_screen(screen or _default_screen(), overrides=parse_sets(sets))
    from screener import pipeline  # the data stage, loaded only when data is needed

    data = pipeline.load_dataset(plan.universes, provider, as_of.date() if as_of else None)
    click.echo(explain_ticker(plan, data.frame, ticker))
    from screener.export.frames import statements_line

    line = statements_line(getattr(data, "provenance", None), ticker)
    if line:
        click.echo(line)


@click.command("schema")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file instead of printing.")
def schema(output: Path | None) -> None:
    """Print the JSON Schema of screen files, for editor autocomplete and typo checks.

    \b
    VS Code (YAML extension by Red Hat): either put this first line in a screen file
      # yaml-language-server: $schema=./screen.schema.json
    or add to settings.json
      "yaml.schemas": {"./screens/screen.schema.json": "screens/*.yaml"}
    Example:
      screener schema -o screens/screen.schema.json
    """
    from screener.rules.schema import screen_json_schema_text

    text = screen_json_schema_text()
    if output is None:
        click.echo(text, nl=False)
        return
    from screener.fsutil import atomic_write_bytes
    atomic_write_bytes(output, text.encode("utf-8"))
    click.echo(f"wrote {output}")


COMMANDS = [validate, explain, schema]
