"""`screener regime` (the panel and its verdict) and `screener macro` (fetch and list series)."""

from __future__ import annotations

import math
from pathlib import Path

import click

from screener.cli.options import as_of_option

history_dir_option = click.option(
    "--history-dir", "history_dir", type=click.Path(file_okay=False, path_type=Path),
    default=None, help="History store folder (default $SCREENER_HISTORY_DIR or "
    "<data dir>/history).")


def _store(provider: str | None, history_dir: Path | None):
    from screener.history.store import HistoryStore

    if provider == "sample":
        from screener.errors import NoDataError
        try:
            from screener.sample.history import sample_history
        except ImportError:
            raise NoDataError("The fictional sample history is not available in this build.",
                              "Use the local store (`screener macro fetch`).") from None
        return sample_history()
    if provider not in (None, "store"):
        from screener.errors import ConfigError, Location, Problem
        raise ConfigError([Problem(Location("--provider", text=provider),
                                   "the regime panel reads the history store or 'sample'",
                                   "omit --provider, or pass --provider sample")])
    return HistoryStore(history_dir)


def _f(v, fmt="{:.3g}") -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    return fmt.format(v)


def print_panel(panel, series_note: str = "") -> None:
    click.secho(f"Regime panel as of {panel.as_of.date()}{series_note}", bold=True)
    head = (f"{'indicator':<22}{'value':>9} {'date':<11}{'1m':>9}{'3m':>9}{'6m':>9}"
            f"{'pct10y':>7}  {'rule input':<26}{'rule':<11}{'vote':>5}  to flip")
    click.echo(head)
    click.echo("-" * len(head))
    for r in panel.rows:
        vote = {1.0: "yes", -1.0: "no"}.get(r.vote, "-")
        flip = (f"{r.direction} {_f(r.distance)}" + (f" ({r.distance_sd:.1f} sd)"
                if math.isfinite(r.distance_sd) else "")) if r.direction else r.state
        if r.state.startswith("stale"):
            flip = r.state
        inp = f"{r.transform} = {_f(r.value, '{:.3g}')}"
        click.echo(f"{r.id[:21]:<22}{_f(r.level, '{:.4g}'):>9} "
                   f"{(str(r.date.date()) if r.date is not None else '-'):<11}"
                   + "".join(f"{_f(r.changes.get(k), '{:+.3g}'):>9}" for k in ("1m", "3m", "6m"))
                   + f"{_f(r.pct_10y, '{:.0%}'):>7}  {inp[:25]:<26}{r.rule:<11}{vote:>5}  {flip}")
    reg = panel.regime
    click.echo("")
    phase = f"  -> list: {panel.phase}" if panel.phase else ""
    click.secho(f"Verdict: {panel.title}{phase}", bold=True)
    parts = []
    for k, v in reg.verdicts.items():
        s = panel.scores.get(k)
        tag = ""
        if v.overlay:
            tag = f" (overlay at {v.threshold:+.2f}: {'RAISED' if panel.overlays.get(k) else 'not raised'})"
        parts.append(f"{k} {_f(s, '{:+.2f}')}{tag}")
    click.echo("Scores: " + " | ".join(parts))
    click.echo(f"What would flip it: {panel.flip_text()}")
    if panel.overlay_flips:
        f = panel.overlay_flips[0]
        click.echo(f"Overlay: {f.indicator} {f.direction} by {_f(f.distance)} past "
                   f"{f.threshold:g} -> {f.becomes}")


@click.command("regime")
@click.option("--screen", "screen", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Screen file whose regime: section holds the rules "
              "(default: screens/rebound.yaml).")
@as_of_option
@click.option("--provider", "-p", default=None,
              help="'sample' for the fictional history (offline); default: the history store.")
@history_dir_option
@click.option("--history/--no-history", "with_history", default=True, show_default=True,
              help="Also compute the verdict over the last 20 years (episodes printed).")
@click.option("--spells", default=12, show_default=True,
              help="How many of the latest verdict spells to print (0: all).")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Also write regime_panel.csv and regime_history.csv (every date) here.")
def regime(screen, as_of, provider, history_dir, with_history, spells, out):
    """Which rebound phase the evidence points to: each indicator's value, date, change over
    1/3/6 months, 10-year percentile, rule, vote and distance to flipping; then the verdict,
    its score per phase and what would flip it. Only observations released by --as-of count.

    \b
    Examples:
      screener macro fetch                    # FRED series into the history store
      screener regime
      screener regime --as-of 2020-06-30
      screener regime --provider sample --as-of 2019-06-28
      screener regime --as-of 2026-06-30 --spells 0 --out output/regime/
    """
    from screener.errors import ConfigError, Location, Problem
    from screener.regime.config import load_regime
    from screener.regime.run import regime_run
    from screener.settings import screens_dir

    path = screen or screens_dir() / "rebound.yaml"
    rules = load_regime(path)
    if rules is None:
        raise ConfigError([Problem(Location(str(path)), "this screen has no regime: section",
                                   "copy the one in screens/rebound.yaml, or use "
                                   "--screen screens/rebound.yaml")])
    store = _store(provider, history_dir)
    unis = None
    from screener.rules.loader import load_loaded
    data = load_loaded(path).data
    if isinstance(data.get("universes"), list) and data["universes"]:
        unis = data["universes"][0]
    when = as_of.date() if as_of else None
    if when is None and provider == "sample":
        from screener.sample.history import END
        when = END  # the fictional history's "today"
    res = regime_run(rules, store, when, universe=unis,
                     history=with_history)
    note = " (FICTIONAL SAMPLE DATA)" if provider == "sample" else ""
    print_panel(res.panel, note)
    if res.history is not None and len(res.history.dates):
        eps = res.history.episodes()
        eps = eps[eps["verdict"] != ""]
        titles = {k: v.title for k, v in rules.verdicts.items()}
        shown = eps.tail(spells) if spells > 0 else eps
        click.echo(f"\nVerdict history ({rules.history_step} ends; the last {len(shown)} of "
                   f"{len(eps)} spells since {res.history.dates[0].date()}):")
        for row in shown.itertuples(index=False):
            click.echo(f"  {row.start.date()} .. {row.end.date()}  {titles.get(row.verdict)}")
    if out is not None:
        from screener.export.tables import csv_safe
        from screener.fsutil import atomic_write_bytes
        from screener.regime.report import history_frame, panel_frame

        frames = {"regime_panel.csv": panel_frame(res)}
        if res.history is not None:
            frames["regime_history.csv"] = history_frame(res)
        for name, df in frames.items():
            data = csv_safe(df).to_csv(index=False, lineterminator="\n").encode("utf-8")
            atomic_write_bytes(Path(out) / name, data)
        click.echo(f"\nWrote {', '.join(frames)} in {out}")
    if res.panel.verdict is None:
        raise click.exceptions.Exit(1)


@click.group("macro")
def macro():
    """Macro series for the regime panel (FRED): fetch them, list the catalog.

    \b
    Examples:
      screener macro series
      screener macro fetch
      screener macro fetch --series T10Y2Y,DFF --start 2005-01-01
    """


@macro.command("series")
def series_cmd():
    """List the series catalog (built in, plus your series.yaml).

    \b
    Example:
      screener macro series
    """
    from screener.regime.catalog import series_catalog

    for s in series_catalog().values():
        click.echo(f"{s.id:<17}{s.source:<9}{s.frequency:<10}lag {s.release_lag:>3} d  "
                   f"{s.units:<18}{s.title}")


@macro.command("fetch")
@click.option("--series", "ids", default=None, help="Comma-separated series ids "
              "(default: every FRED series in the catalog).")
@click.option("--start", default=None, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="First observation date for a first fetch (default: all FRED has).")
@click.option("--vintages", is_flag=True, help="Every vintage with its publication date "
              "(ALFRED; needs FRED_API_KEY).")
@history_dir_option
def macro_fetch(ids, start, vintages, history_dir):
    """Fetch FRED series into the history store, incrementally: a series already held is
    asked only from its newest observation (minus a short overlap to catch revisions).

    Without FRED_API_KEY the public CSV download is used (no key needed); with it, the API.

    \b
    Examples:
      screener macro fetch
      FRED_API_KEY=... screener macro fetch --series INDPRO --vintages
    """
    from screener.errors import ConfigError, Location, Problem
    from screener.history.store import HistoryStore
    from screener.regime.catalog import fred_series, series_catalog
    from screener.regime.fred import FredClient
    from screener.regime.macro import fetch_macro
    from screener.rules.loader import did_you_mean

    cat = series_catalog()
    if ids:
        chosen = []
        for sid in [s.strip().upper() for s in ids.split(",") if s.strip()]:
            if sid not in cat or cat[sid].source != "fred":
                raise ConfigError([Problem(Location("--series", text=sid),
                                           f"{sid} is not a FRED series of the catalog",
                                           did_you_mean(sid, [s.id for s in fred_series(cat)])
                                           or "add it to series.yaml (see `screener macro "
                                           "series`)")])
            chosen.append(cat[sid])
    else:
        chosen = fred_series(cat)
    client = FredClient()
    if vintages and client.mode != "api":
        raise ConfigError([Problem(Location("--vintages"), "vintages need the FRED API",
                                   "set FRED_API_KEY (free at fred.stlouisfed.org)")])
    store = HistoryStore(history_dir)
    click.echo(f"Fetching {len(chosen)} series from FRED ({client.mode}) into {store.root}")

    def progress(sid, n):
        click.echo(f"  {sid:<17}" + ("failed" if n is None else f"{n} new row(s)"))

    report = fetch_macro(store, client, chosen, start=start, vintages=vintages,
                         progress=progress)
    for sid, why in report.failures:
        click.echo(f"  {sid}: {why}", err=True)
    click.echo(f"{report.written} row(s) written, {sum(report.revisions.values())} revision(s), "
               f"{len(report.failures)} failure(s), {report.requests} request(s)")
    if report.failures and not report.rows:
        click.echo("Error: nothing was fetched from FRED.\n  -> Check the network, or set "
                   "SCREENER_FRED_BASE_URL to a mirror.", err=True)
        raise click.exceptions.Exit(1)


COMMANDS = [regime, macro]
