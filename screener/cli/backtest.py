"""`screener backtest`: did each phase's list work? The screen evaluated on every rebalance date
with point-in-time data, its lists priced with costs and lag, factor statistics, episodes."""

from __future__ import annotations

import math
import sys
import time
from datetime import date
from pathlib import Path

import click

from screener.cli.options import parse_sets, provider_option, set_option
from screener.errors import ConfigError, Location, Problem


def _policy(values: tuple[str, ...]):
    from screener.backtest.returns import DelistingPolicy

    rates: dict[str, float] = {}
    bad = []
    for v in values:
        name, sep, raw = v.partition("=")
        try:
            rate = float(raw.strip().rstrip("%")) / (100 if raw.strip().endswith("%") else 1)
            if not sep or not name.strip() or not -1 <= rate <= 10:
                raise ValueError
            rates[name.strip().lower()] = rate
        except ValueError:
            bad.append(Problem(Location("--delisting-return", text=v),
                               "expected REASON=RATE with a rate from -100% to +1000%",
                               "e.g. --delisting-return performance=-30% "
                               "--delisting-return acquired=0"))
    if bad:
        raise ConfigError(bad)
    known = {k: rates.pop(k) for k in ("performance", "acquired", "unknown") if k in rates}
    return DelistingPolicy(**known, other=rates)


def _pct(x) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:+.1%}"


def _share(x) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.1%}"


def _num(x, digits=2) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def print_backtest(result) -> None:
    for w in result.warnings:
        click.secho(w, fg="red" if w.startswith(("FICTIONAL", "SURVIVORSHIP")) else "yellow",
                    bold=w.startswith(("FICTIONAL", "SURVIVORSHIP")))
    about = dict(zip(result.tables["about"]["item"], result.tables["about"]["value"],
                     strict=True))
    click.echo(f"Backtest {result.screen_name} on {', '.join(result.universes)}: "
               f"{about['signal dates']}")
    click.echo(f"  {about['trading']}; {about['costs']}")
    click.echo(f"  {about['delistings']}; names per date: {about['names per date']}")
    s = result.tables["summary"]
    click.secho(f"\n{'list':<22}{'basis':<7}{'annual':>9}{'vol':>8}{'Sharpe':>8}{'max DD':>9}"
                f"{'hit':>7}{'turn':>7}{'names':>7}", bold=True)
    for r in s.to_dict("records"):
        click.echo(f"{str(r['strategy'])[:21]:<22}{r['basis']:<7}{_pct(r['annual_return']):>9}"
                   f"{_share(r['annual_volatility']):>8}{_num(r['sharpe']):>8}"
                   f"{_pct(r['max_drawdown']):>9}{_share(r.get('hit_rate')):>7}"
                   f"{_num(r.get('turnover'), 2):>7}{_num(r.get('names_per_period'), 0):>7}")
    f = result.tables["factors"]
    if len(f):
        first = f["horizon"].iloc[0]
        click.secho(f"\nFactors ({first} horizon): rank IC mean, t-stat, top-minus-bottom",
                    bold=True)
        for r in f[f["horizon"] == first].to_dict("records"):
            click.echo(f"  {r['factor']:<28} IC {_num(r['ic_mean'], 3):>6}  t {_num(r['ic_t']):>6}"
                       f"  spread {_pct(r['spread']):>7}  coverage {_share(r['coverage'])}")
    e = result.tables["episodes"]
    inside = e[~e["leader"].str.contains("outside the backtest range")] if len(e) else e
    if len(inside):
        click.secho("\nEpisodes: which list led", bold=True)
        for r in inside.to_dict("records"):
            click.echo(f"  {r['episode']:<18} {r['kind']:<9} {r['start'].date()}..{r['end'].date()}"
                       f"  {r['leader']} {_pct(r.get(r['leader']))}"
                       f" (vs universe {_pct(r.get('universe_ew'))})")


@click.command()
@click.argument("screen", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--from", "start", required=True, metavar="YYYY-MM",
              help="First rebalance month (or a date).")
@click.option("--to", "end", default=None, metavar="YYYY-MM",
              help="Last rebalance month (default: this month).")
@click.option("--rebalance", type=click.Choice(["monthly", "quarterly", "weekly"]),
              default="monthly", show_default=True)
@click.option("--universe", "-u", "universes", multiple=True,
              help="Universe name(s) (default: the screen's own).")
@click.option("--horizons", default="1m,3m,6m,12m", show_default=True,
              help="Forward-return horizons for the factor statistics (months m or days d).")
@click.option("--cost-bps", default=25.0, show_default=True, type=float,
              help="Trading cost per side in basis points.")
@click.option("--lag", default="1d", show_default=True,
              help="Sessions between the signal close and the trade (1d: next close).")
@click.option("--buckets", default=5, show_default=True, type=int,
              help="Quantile buckets per factor (5 = quintiles).")
@click.option("--factors", "factors", multiple=True,
              help="More catalog metrics to analyse (comma-separated or repeated).")
@click.option("--rolling", default=1, show_default=True, type=int,
              help="Staggered starts within the rebalance period (e.g. 4).")
@click.option("--benchmark", default="IWM", show_default=True, help="Index ETF to compare.")
@click.option("--delisting-return", "delisting", multiple=True, metavar="REASON=RATE",
              help="Return after a delisted name's last price (default performance=-30%, "
                   "acquired=0, unknown=-30%).")
@provider_option
@set_option
@click.option("--out", "-o", default=None, type=click.Path(path_type=Path),
              help="Output file or folder (default output/backtest-<screen>-...).")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv", "parquet"]), default="xlsx",
              show_default=True)
@click.option("--force", is_flag=True, help="Overwrite an existing output.")
@click.option("--jobs", "-j", default=None, type=click.IntRange(min=1), metavar="N",
              help="Worker processes for the per-date evaluation (the history is split in "
                   "windows of ~3 years). Default: 2 when the range spans 2+ years and the "
                   "machine has 2+ CPUs, else 1 (1 = all in this process). Same results.")
def backtest(screen, start, end, rebalance, universes, horizons, cost_bps, lag, buckets,
             factors, rolling, benchmark, delisting, provider, sets, out, fmt, force, jobs):
    """Backtest a SCREEN: each phase's list on every rebalance date, point in time.

    Lists are the top N of each phase at each rebalance, bought in equal weights at the
    close after the signal (--lag) with costs (--cost-bps), compared with the universe's
    equal-weighted return and the index ETF. Also: quantile returns and rank IC of every
    score and metric used, which list led in each episode, staggered starts.

    \b
    Examples:
      screener backtest screens/rebound.yaml --provider sample --from 2012-01 --to 2025-12
      screener backtest screens/rebound.yaml --from 2012-01 --to 2026-06 \\
          --universe russell2000 --horizons 1m,3m --cost-bps 25 --lag 1d --rolling 4
      screener backtest screens/rebound.yaml --provider sample --from 2012-01 --jobs 1
    """
    from screener.backtest.run import BacktestConfig, run_backtest
    from screener.export import TargetLockedError, resolve_output_path
    from screener.export.backtest import write_backtest

    started = time.perf_counter()
    extra = [x.strip() for f in factors for x in f.split(",") if x.strip()]
    cfg = BacktestConfig(
        screen=screen, start=start, end=end or date.today().strftime("%Y-%m"),
        rebalance=rebalance, universes=list(universes) or None, horizons=horizons,
        cost_bps=cost_bps, lag=lag, buckets=buckets, factors=extra, rolling=rolling,
        benchmark=benchmark.upper(), policy=_policy(delisting), provider=provider,
        overrides=parse_sets(sets), jobs=jobs)
    bar = {}

    def progress(i: int, n: int) -> None:
        if "bar" not in bar:
            bar["bar"] = click.progressbar(length=n, label="Evaluating the screen per date",
                                           file=sys.stderr, show_pos=True)
            bar["bar"].__enter__()
        bar["bar"].update(1)
        if i == n:
            bar["bar"].__exit__(None, None, None)

    result = run_backtest(cfg, progress=progress)
    print_backtest(result)
    path = resolve_output_path(out, screen_name=f"backtest-{result.screen_name}",
                               universes=result.universes, run_date=date.today(), fmt=fmt,
                               force=force)
    try:
        paths = write_backtest(result, path, fmt)
    except TargetLockedError as exc:
        click.secho(f"Warning: {exc}", fg="yellow", err=True)
        paths = [exc.written]
    where = paths[0] if len(paths) == 1 else f"{len(paths)} files in {paths[0].parent}"
    click.echo(f"\nWrote {where}")
    click.echo(f"Done in {time.perf_counter() - started:.1f} s")


COMMANDS = [backtest]
