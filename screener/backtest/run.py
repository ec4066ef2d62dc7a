"""``run_backtest``: compile once, evaluate every signal date, then price the lists.

    cfg = BacktestConfig(screen="screens/rebound.yaml", start="2012-01", end="2026-06")
    result = run_backtest(cfg, source=None)   # None: PointInTime over the stored history

Steps: (1) compile the screen (all YAML errors before any data is read); (2) the NYSE signal
dates (and the staggered ones for ``rolling``); (3) load the history once
(``PointInTime.load``) unless a ``FrameSource`` is given; (4) evaluate the plan per date
(``evaluate.py``); (5) per phase: holding-period returns gross and net of costs, vs the
universe's equal weight and the ETF (``portfolio.py``, ``stats.py``); per factor and horizon:
quantile returns, IC, turnover (``factors.py``); per episode; per rolling start.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from screener.backtest import schedule as sch
from screener.backtest.evaluate import (
    DateLists,
    FrameSource,
    evaluate_dates,
    factor_list,
    restrict,
)
from screener.backtest.factors import factor_stats, sort_base
from screener.backtest.portfolio import (
    benchmark_returns,
    follow,
    period_growth,
    portfolio_returns,
    universe_returns,
)
from screener.backtest.report import BacktestResult, assemble
from screener.backtest.returns import DelistingPolicy, ReturnPanel, timing
from screener.backtest.source import PitSource
from screener.errors import ConfigError, Location, NoDataError, Problem


@dataclass
class BacktestConfig:
    screen: str | Path
    start: object
    end: object
    rebalance: str = "monthly"
    universes: list[str] | None = None
    horizons: str = "1m,3m,6m,12m"
    cost_bps: float = 25.0
    lag: str | int = "1d"
    buckets: int = 5
    factors: list[str] = field(default_factory=list)
    rolling: int = 1
    benchmark: str = "IWM"
    policy: DelistingPolicy = field(default_factory=DelistingPolicy)
    provider: str | None = None
    store_path: Path | None = None
    overrides: dict[str, str] | None = None
    # "follow the regime": signal date -> phase id chosen for that date (point in time, e.g.
    # the regime panel's verdict at that close); adds a ``follow_regime`` strategy
    regime: pd.Series | None = None
    chunk_years: int = 5  # history loaded in windows of this many years (peak memory)
    jobs: int | None = None  # worker processes for the windows (None: 2 when it pays, else 1)


def _check_factors(names: list[str]) -> None:
    from screener.metrics.catalog import CATALOG
    from screener.rules.loader import did_you_mean

    bad = [n for n in names if n not in CATALOG]
    if bad:
        raise ConfigError([Problem(Location("--factors", text=n), f"unknown metric {n!r}",
                                   (f"did you mean {did_you_mean(n, CATALOG)!r}? " if
                                    did_you_mean(n, CATALOG) else "") +
                                   "`screener metrics` lists them") for n in bad])


def run_backtest(cfg: BacktestConfig, source: FrameSource | None = None,
                 progress=None) -> BacktestResult:
    from screener.rules import compile_screen

    started, cpu0 = time.perf_counter(), time.process_time()
    plan = compile_screen(cfg.screen, overrides=cfg.overrides)
    from screener.regime.config import load_regime
    rules = load_regime(cfg.screen)   # the regime: section, checked before any data is read
    if cfg.universes:
        plan = replace(plan, universes=list(cfg.universes))
    _check_factors(cfg.factors)
    horizons = sch.parse_horizons(cfg.horizons)
    lag = sch.parse_lag(cfg.lag)
    if not 2 <= int(cfg.buckets) <= 100:
        raise sch.BacktestUsageError(f"--buckets {cfg.buckets} is out of range.",
                                     "Use 2 to 100 (5 = quintiles, 10 = deciles).")
    if cfg.cost_bps < 0:
        raise sch.BacktestUsageError("--cost-bps cannot be negative.", "e.g. --cost-bps 25")
    start = sch.parse_month(cfg.start)
    end = sch.parse_month(cfg.end, end=True)
    if start >= end:
        raise sch.BacktestUsageError(f"--from {cfg.start} is not before --to {cfg.end}.",
                                     "Give the range in order, e.g. --from 2012-01 --to 2026-06.")
    offsets = sch.staggered_offsets(cfg.rebalance, cfg.rolling)
    schedules = {o: sch.rebalance_dates(start, end, cfg.rebalance, offset=o) for o in offsets}
    base = schedules[offsets[0]]
    if len(base) < 2:
        raise sch.BacktestUsageError(
            f"{start.date()} to {end.date()} holds fewer than two {cfg.rebalance} rebalances.",
            "Widen the range (--from/--to) or rebalance more often.")
    all_dates = pd.DatetimeIndex(sorted(set().union(*[set(s) for s in schedules.values()])))
    jobs = _jobs(cfg, all_dates) if source is None else 1
    if source is None:
        source = _pit_source(cfg, plan, all_dates, horizons, lag, jobs)
        if jobs == 1:
            _ = source.prices  # read now, as before (with workers: while they evaluate)
    loaded, cpu1 = time.perf_counter(), time.process_time()
    factors = factor_list(plan, cfg.factors)
    lists = evaluate_dates(plan, source, all_dates, factors, progress, jobs=jobs)
    evaluated, cpu2 = time.perf_counter(), time.process_time()
    history = getattr(source, "history", None)   # where the regime's series are stored
    if rules is not None and history is not None and cfg.regime is None:
        from screener.regime.run import regime_choice  # the verdict at each signal's close
        cfg = replace(cfg, regime=regime_choice(rules, history, all_dates,
                                                universe=plan.universes[0]))
    panel = ReturnPanel(source.prices, source.delistings, cfg.policy)
    if panel.dates.empty:
        raise NoDataError("The history holds no daily prices for these names.",
                          "Fetch them first: `screener fetch --history`, or try "
                          "`--provider sample`.")
    perf = {o: _performance(lists, panel, s, lag, cfg) for o, s in schedules.items()}
    fstats = _factor_stats(restrict(lists, base), panel, horizons, lag, cfg.buckets, jobs)
    text = Path(plan.path).read_text(encoding="utf-8") if Path(plan.path).is_file() else ""
    timings = {"load_s": loaded - started, "evaluate_s": evaluated - loaded,
               "statistics_s": time.perf_counter() - evaluated, "dates": len(all_dates),
               "names": len(panel.tickers), "load_cpu_s": cpu1 - cpu0,
               "evaluate_cpu_s": cpu2 - cpu1, "statistics_cpu_s": time.process_time() - cpu2}
    result = assemble(cfg=cfg, plan=plan, lists=lists, panel=panel, perf=perf,
                      base=offsets[0], fstats=fstats, horizons=horizons, lag=lag,
                      is_sample=source.is_sample,
                      screen_hash=hashlib.sha256(text.encode()).hexdigest(), timings=timings)
    if cfg.regime is not None:
        from screener.backtest.regime import add_comparison
        add_comparison(result, perf[offsets[0]], cfg.regime, cfg.rebalance)
    return result


def _jobs(cfg: BacktestConfig, dates: pd.DatetimeIndex) -> int:
    from screener.backtest.parallel import default_jobs, parallel_windows

    if cfg.jobs is None:
        return default_jobs(dates)
    if int(cfg.jobs) < 1:
        raise sch.BacktestUsageError(f"--jobs {cfg.jobs}: at least 1 process is needed.",
                                     "--jobs 1 evaluates in this process; 2 uses two CPUs.")
    return int(cfg.jobs) if parallel_windows(dates, int(cfg.jobs)) > 1 else 1


def _pit_source(cfg: BacktestConfig, plan, dates: pd.DatetimeIndex, horizons, lag: int,
                jobs: int = 1):
    """PointInTime up to the last signal; outcome prices up to the last horizon's exit."""
    from screener.history.store import HistoryStore
    if cfg.provider == "sample":
        try:
            from screener.sample.history import sample_history
        except ImportError:
            raise NoDataError("This version has no fictional sample history yet.",
                              "Use a history you fetched (`screener fetch --history`).") from None
        history = sample_history()
    elif cfg.provider in (None, "store"):
        history = HistoryStore(cfg.store_path)
    else:
        raise sch.BacktestUsageError(
            f"--provider {cfg.provider!r}: the backtest reads the stored history.",
            "Leave --provider out (the history of `screener fetch --history`, or imported "
            "files), or pass --provider sample for the fictional history.")
    bench = tuple(dict.fromkeys([cfg.benchmark, "IWM", "IJR", "SPY"]))
    months = max([h.n for h in horizons if h.unit == "m"] + [1])
    days = max([h.n for h in horizons if h.unit == "d"] + [0])
    outcome_end = dates[-1] + pd.DateOffset(months=months) \
        + pd.Timedelta(days=days * 2 + lag * 2 + 40)
    if jobs > 1:  # the workers load the windows; the parent none
        from screener.backtest.parallel import parallel_windows
        return PitSource(history, plan.universes, dates, outcome_end, benchmarks=bench,
                         is_sample=cfg.provider == "sample",
                         windows=parallel_windows(dates, jobs), preload=False)
    return PitSource(history, plan.universes, dates, outcome_end, benchmarks=bench,
                     is_sample=cfg.provider == "sample", chunk_years=cfg.chunk_years)


@dataclass
class Performance:
    """One schedule's per-period returns of every phase, the universe and the ETF."""

    signals: pd.DatetimeIndex
    timing: object
    growth: object
    phases: dict[str, object]  # phase -> ListReturns
    universe: object  # ListReturns
    benchmark: pd.Series
    holdings: dict[str, list[np.ndarray]]
    universe_holdings: list[np.ndarray]


def _performance(lists: DateLists, panel: ReturnPanel, signals: pd.DatetimeIndex, lag: int,
                 cfg: BacktestConfig) -> Performance:
    pos = lists.dates.get_indexer(signals)
    t = timing(panel, signals, lag)
    pg = period_growth(panel, t)
    holdings = {p: [lists.lists[p][i] for i in pos] for p in lists.phases}
    if cfg.regime is not None:
        holdings[FOLLOW] = follow(_choice(cfg.regime, lists.phases), holdings, signals)
    phases = {p: portfolio_returns(p, h, pg, cfg.cost_bps) for p, h in holdings.items()}
    uni = universe_returns("universe_ew", [lists.universe[i] for i in pos], pg)
    bench = benchmark_returns(cfg.benchmark, panel, cfg.benchmark, pg)
    return Performance(signals, t, pg, phases, uni, bench, holdings,
                       [lists.universe[i] for i in pos])


FOLLOW = "follow_regime"


def _choice(regime: pd.Series, phases: list[str]) -> pd.Series:
    """The regime series with dates normalised; an unknown phase id is an error."""
    ch = pd.Series(regime.to_numpy(), index=pd.DatetimeIndex(regime.index).normalize())
    bad = sorted({str(v) for v in ch.dropna().unique()} - set(phases))
    if bad:
        raise sch.BacktestUsageError(f"The regime names unknown phases: {', '.join(bad)}.",
                                     f"The screen's phases are: {', '.join(phases)}.")
    return ch


def _factor_stats(lists: DateLists, panel: ReturnPanel, horizons, lag: int, buckets: int,
                  jobs: int = 1):
    """Forward returns per horizon from each signal's entry close, then each factor's stats
    (the factors shared among ``jobs`` forked processes: same figures, per factor)."""
    t = timing(panel, lists.dates, lag)
    fwd = {}
    ever = np.flatnonzero(lists.eligible.any(axis=0))  # names never eligible add nothing
    rets = {}
    for h in horizons:
        exits = panel.row_on_or_after(sch.add_sessions(sch.horizon_signal(lists.dates, h), lag))
        r = np.full((len(lists.dates), len(panel.tickers)), np.nan)
        status = np.zeros(r.shape, dtype=np.int8)
        for i in range(len(lists.dates)):
            g, status[i] = panel.growth(int(t.signal_rows[i]), int(t.entry_rows[i]),
                                        int(exits[i]))
            r[i] = g - 1.0
        fwd[h.label] = (r, status)
        re = r[:, ever]
        rets[h.label] = (re, sort_base(re, np.isfinite(re)))  # sorted once for every factor
    universe = lists.eligible[:, ever]
    inputs = (lists, ever, universe, rets, horizons, buckets)
    from screener.backtest.parallel import map_forked

    # each factor sorted once for every horizon: a worker takes whole factors
    per_factor = map_forked(_one_factor, inputs, list(range(len(lists.factors))), jobs)
    stats = {(s.horizon, s.factor): s for part in per_factor for s in part}
    return [stats[h.label, f.id] for h in horizons for f in lists.factors], fwd


def _one_factor(inputs, k: int) -> list:
    """One factor's statistics at every horizon (``factor_stats``)."""
    lists, ever, universe, rets, horizons, buckets = inputs
    f = lists.factors[k]
    fe = lists.values[f.id][:, ever]
    sorted_f = sort_base(fe, universe & np.isfinite(fe))  # sorted once for every horizon
    out = []
    for h in horizons:
        re, sorted_r = rets[h.label]
        out.append(factor_stats(f.id, h.label, lists.dates, fe, re, buckets, universe,
                                f.higher_better, sorted_f=sorted_f, sorted_r=sorted_r))
    return out
