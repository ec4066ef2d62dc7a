"""`screener store ...`: look inside the local store (read-only: never creates, writes or
merges a foreign WAL)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import click


def _inspect_store(path):
    """Read-only, for `store ...` commands: never creates, writes or merges a foreign WAL."""
    from screener.store import Store

    store = Store.open_read_only(path)
    for note in store.notes:
        click.secho(f"Warning: {note}", fg="yellow", err=True)
    return store


@click.group("store")
def store() -> None:
    """Look inside the local store (where fetched data is kept).

    \b
    Examples:
      screener store info
      screener store history ACME --source sec
      screener store failures --source sec
    """


_store_opt = click.option("--store", "store_path",
                          type=click.Path(dir_okay=False, path_type=Path),
                          help="Store file (default $SCREENER_STORE or the user data folder).")


@store.command("info")
@_store_opt
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def info(store_path, as_json):
    """Size, names, sources, oldest and newest data in the store, and the history held
    (daily prices, statement facts, ...: names, rows, date range, size).

    \b
    Example:
      screener store info
    """
    from screener.cli.history import history_info, print_history_info

    with _inspect_store(store_path) as st:
        data = st.info()
    data["history"] = history_info()
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(f"Store {data['path']}: {data['size_bytes'] / 1e6:.1f} MB, "
               f"{data['names']} names, {data['failures']} recorded failures")
    if not data["datasets"]:
        click.echo("Empty. Fill it with: screener fetch --universe russell2000")
    for d in data["datasets"]:
        click.echo(f"  {d['source']}/{d['dataset']}: {d['names']} names, {d['snapshots']} "
                   f"snapshots, as of {d['oldest_as_of']} .. {d['newest_as_of']}, fetched "
                   f"{d['first_fetched']} .. {d['last_fetched']}")
    print_history_info(data["history"])


@store.command("history")
@click.argument("ticker")
@click.option("--source", help="Only this source (sec, yahoo, fmp, file).")
@click.option("--dataset", help="Only this dataset (e.g. companyfacts).")
@_store_opt
def history(ticker, source, dataset, store_path):
    """Every stored snapshot of TICKER (as-of, fetch time, size).

    \b
    Example:
      screener store history ACME --source sec
    """
    with _inspect_store(store_path) as st:
        rows = [r for r in st.catalog(ticker.upper())
                if (not source or r["source"] == source)
                and (not dataset or r["dataset"] == dataset)]
    if not rows:
        click.echo(f"No snapshots of {ticker.upper()} in the store.")
        return
    for r in rows:
        click.echo(f"{r['source']}/{r['dataset']} {r['as_of']} fetched {r['fetched_at']} "
                   f"{r['bytes']} bytes (compressed) sha256 {r['sha256'][:12]}")


@store.command("estimates")
@click.argument("ticker")
@click.option("--source", type=click.Choice(["yahoo", "fmp", "file"]), default=None,
              help="Only this source (default: every source with stored estimates).")
@_store_opt
def estimates(ticker, source, store_path):
    """How the EPS consensus of TICKER moved across your fetches (one row per stored day).

    Every fetch stores a dated snapshot of the consensus, so revisions can be computed from
    your own history when a source gives none.

    \b
    Example:
      screener store estimates ACME
      screener store estimates ACME --source fmp
    """
    from screener.providers.estimates_history import estimates_timeline
    from screener.store.parsing import make_provider, parse_records

    ticker = ticker.upper()
    shown = False
    with _inspect_store(store_path) as st:
        for src in [source] if source else ["yahoo", "fmp", "file"]:
            snaps = st.history(src, "estimates", ticker) if src != "file" else \
                st.history(src, "records", ticker)
            points = []
            for snap in snaps:
                try:
                    recs = parse_records(make_provider(src, None), snap, st).get("estimates") or []
                except Exception as exc:  # noqa: BLE001 - say which day could not be read
                    click.echo(f"{src} {snap.as_of}: unreadable ({exc})", err=True)
                    continue
                points.extend((snap.as_of, r) for r in recs)
            if not points:
                continue
            shown = True
            click.secho(f"{ticker} consensus EPS from {src} ({len(points)} snapshot(s))",
                        bold=True)
            click.echo(f"  {'as of':<10}  {'FY0':>8} {'change':>8}  {'FY1':>8} {'change':>8}"
                       f"  {'analysts':>8}")
            for row in estimates_timeline(points).itertuples(index=False):
                click.echo(f"  {row.as_of!s:<10}  {_num(row.eps_cy):>8} "
                           f"{_num(row.eps_cy_change, sign=True):>8}  {_num(row.eps_ny):>8} "
                           f"{_num(row.eps_ny_change, sign=True):>8}  {_num(row.n_analysts, 0):>8}")
    if not shown:
        click.echo(f"No stored estimates for {ticker}: fetch them with "
                   f"`screener fetch --tickers {ticker} --provider yahoo`.")


def _num(value, digits: int = 2, sign: bool = False) -> str:
    if value is None or math.isnan(value):
        return "-"
    return f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"


@store.command("failures")
@click.option("--source", help="Only this source.")
@_store_opt
def failures(source, store_path):
    """Names whose last fetch failed (and has not succeeded since), with the reason; then the
    stored data that is kept but flagged: stale (older than the stale limit) and invalid
    values left empty on import.

    \b
    Example:
      screener store failures --source sec
    """
    with _inspect_store(store_path) as st:
        rows = st.failures(source=source)
        flagged = _flagged(st, source)
    if not rows:
        click.echo("No unresolved failures.")
    for f in rows:
        kind = "transient" if f.transient else "permanent"
        click.echo(f"{f.ticker}\t{f.source}/{f.dataset}\t{kind}, {f.attempts} attempt(s)\t"
                   f"{f.reason}")
    for title, items in flagged.items():
        if items:
            click.echo(f"\n{title} ({len(items)}):")
        for f in items:
            click.echo(f"{f.ticker}\t{f.source}/{f.dataset}\t{f.reason}")


def _flagged(store, source: str | None) -> dict[str, list]:
    """Stored data kept but flagged, as a run would flag it today: stale values (the parser's
    limits and the 15-month rule for statements) and invalid cells of file imports."""
    from screener.errors import NoDataError
    from screener.metrics import build_standard_frame
    from screener.raw import validate_bundle

    tickers = store.tickers(source=source)
    if not tickers:
        return {}
    try:
        bundle = store.load_bundle(tickers, sources=[source] if source else None)
    except NoDataError:
        return {}
    bundle, _ = validate_bundle(bundle)
    import pandas as pd

    known = pd.Index(tickers, name="ticker")
    bundle.identity = bundle.identity.reindex(known.union(bundle.identity.index))
    bundle.identity["name"] = bundle.identity["name"].fillna(
        pd.Series(bundle.identity.index, index=bundle.identity.index))
    found = build_standard_frame(bundle).failures
    stale = [f for f in found if f.reason.lower().startswith("stale")]
    invalid = [f for f in found if f.source == "validation"]
    return {"Stale data (kept, flagged stale in runs)": stale,
            "Invalid values left empty (see the import report)": invalid}


COMMANDS = [store]
