"""The backtest's Result: every table the exporters format (they compute nothing).

Tables (each states its sample: dates, names per date, what was dropped and why):

- ``about``: the run (screen, range, rebalance, lag, costs, delisting policy, survivorship);
- ``summary``: per phase (net and gross), the universe EW and the ETF: cumulative and annual
  return, volatility, Sharpe, max drawdown, hit rate vs the universe, turnover, cost drag;
- ``periods``: every holding period's returns; ``curve``: growth of 1; ``years``: per year;
- ``holdings``: every listed name per date and phase, its period return and status (delisted
  names stay, with the delisting return applied);
- ``factors`` / ``factor_dates``: quantile returns, spread, rank IC, coverage per factor and
  horizon (summary, then per date);
- ``episodes``: each episode's return per phase list, the universe and the ETF, and the leader;
- ``rolling``: the same backtest started on staggered days;
- ``sample``: per signal date: universe, eligible, listed per phase, survivorship flag;
- ``dropped``: per phase and per factor, rows kept and dropped, by reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from screener.backtest import stats
from screener.backtest.episodes import (
    DEFAULT_EPISODES,
    benchmark_window,
    episode_end,
    window_return,
)
from screener.backtest.returns import KEPT, STATUS

KEPT_NAMES = {STATUS[k] for k in KEPT}

TABLES = ["about", "summary", "years", "episodes", "rolling", "factors", "periods", "curve",
          "holdings", "factor_dates", "sample", "dropped"]


@dataclass
class BacktestResult:
    screen_name: str
    universes: list[str]
    is_sample: bool
    survivorship: str  # "" when every date had a snapshot in force
    tables: dict[str, pd.DataFrame]
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    def table(self, name: str) -> pd.DataFrame:
        return self.tables[name]


def _strategies(p) -> list[tuple[str, str, pd.Series, object]]:
    out = []
    for ph, lr in p.phases.items():
        out.append((ph, "net", lr.net, lr))
        out.append((ph, "gross", lr.gross, lr))
    out.append(("universe_ew", "gross", p.universe.gross, p.universe))
    out.append((p.benchmark.name, "gross", p.benchmark, None))
    return out


def _summary(p, rebalance: str) -> pd.DataFrame:
    rows = []
    versus = p.universe.gross
    for label, basis, r, lr in _strategies(p):
        s = stats.summary(r, rebalance, versus=None if label == "universe_ew" else versus)
        row = {"strategy": label, "basis": basis, **s}
        if lr is not None:
            row["names_per_period"] = float(lr.names.mean()) if len(lr.names) else np.nan
            row["turnover"] = float(lr.turnover.iloc[1:].mean()) if len(lr.turnover) > 1 \
                else np.nan
            row["cost_per_period"] = float(lr.cost.mean()) if len(lr.cost) else np.nan
            row["delisted_held"] = int(lr.delisted.sum())
            row["dropped_no_entry_price"] = int(lr.dropped.sum())
        rows.append(row)
    out = pd.DataFrame(rows)
    for ph in p.phases:  # cost drag: annual return lost to costs
        g = out.loc[(out.strategy == ph) & (out.basis == "gross"), "annual_return"]
        n = out.loc[(out.strategy == ph) & (out.basis == "net"), "annual_return"]
        if len(g) and len(n):
            out.loc[out.strategy == ph, "cost_drag"] = float(g.iloc[0] - n.iloc[0])
    return out


def _periods(p) -> pd.DataFrame:
    cols = {}
    for ph, lr in p.phases.items():
        f = lr.frame()
        for c in f.columns:
            cols[f"{ph}.{c}"] = f[c]
    cols["universe_ew"] = p.universe.gross
    cols["universe_ew.names"] = p.universe.names
    cols[str(p.benchmark.name)] = p.benchmark
    out = pd.DataFrame(cols)
    out.insert(0, "period_start", pd.DatetimeIndex(p.growth.start))
    out.insert(1, "signal", pd.DatetimeIndex(p.signals[:len(out)]))
    return out


def _curve(p) -> pd.DataFrame:
    cols = {}
    for label, basis, r, _ in _strategies(p):
        cols[label if basis == "gross" and label in ("universe_ew", p.benchmark.name)
             else f"{label}.{basis}"] = stats.cumulative(r)
    return pd.DataFrame(cols)


def _years(p) -> pd.DataFrame:
    cols = {}
    for label, basis, r, _ in _strategies(p):
        cols[f"{label}.{basis}" if label in p.phases else label] = stats.by_year(r)
    out = pd.DataFrame(cols)
    out.index.name = "year"
    periods = p.universe.gross.dropna()
    out.insert(0, "periods", periods.groupby(periods.index.year).size().reindex(out.index))
    return out


def _holdings(p, lists) -> pd.DataFrame:
    frames = []
    pos = lists.dates.get_indexer(p.signals)
    for ph in p.phases:
        for i in range(p.growth.periods):
            if ph in lists.listed_tickers:
                names = lists.listed_tickers[ph][pos[i]]
            else:  # a derived strategy (follow the regime): its columns, in the chosen order
                names = list(lists.tickers[np.asarray(p.holdings[ph][i], dtype=np.int64)])
            if not names:
                continue
            cols = lists.tickers.get_indexer(pd.Index(names))
            g = np.where(cols >= 0, p.growth.growth[i, np.maximum(cols, 0)], np.nan)
            st = np.where(cols >= 0, p.growth.status[i, np.maximum(cols, 0)], 6)
            frames.append(pd.DataFrame({
                "signal": p.signals[i], "entry": p.growth.start[i], "exit": p.growth.end[i],
                "phase": ph, "rank": np.arange(1, len(names) + 1), "ticker": names,
                "return": g - 1.0, "status": [STATUS[int(s)] for s in st]}))
    if not frames:
        return pd.DataFrame(columns=["signal", "entry", "exit", "phase", "rank", "ticker",
                                     "return", "status"])
    return pd.concat(frames, ignore_index=True)


def _dropped(holdings: pd.DataFrame, fstats, fwd=None, eligible=None) -> pd.DataFrame:
    rows = []
    for label, (_, status) in (fwd or {}).items():  # why an eligible name has no return
        st = status[eligible] if eligible is not None else status.ravel()
        codes, counts = np.unique(st, return_counts=True)
        c = {STATUS[int(k)]: int(v) for k, v in zip(codes, counts, strict=True)}
        rows.append({"what": f"forward returns ({label}) of eligible names", "rows": len(st),
                     "kept": sum(v for k, v in c.items() if k in KEPT_NAMES),
                     **{f"status.{k}": v for k, v in c.items()}})
    if len(holdings):
        for ph, g in holdings.groupby("phase", sort=False):
            c = g["status"].value_counts()
            rows.append({"what": f"list {ph}", "rows": len(g),
                         "kept": int(c.reindex(["ok", "delisted", "delisted_before_entry",
                                                "stale_exit"]).fillna(0).sum()),
                         **{f"status.{k}": int(v) for k, v in c.items()}})
    for fs in fstats:
        s = fs.summary
        rows.append({"what": f"factor {s['factor']} ({s['horizon']})", "rows": s["rows"],
                     "kept": s["kept"], "dropped.no_value": s["dropped_no_value"],
                     "dropped.no_return": s["dropped_no_return"]})
    out = pd.DataFrame(rows)
    if len(out):
        out["dropped_share"] = 1 - out["kept"] / out["rows"].where(out["rows"] > 0)
    return out


def _episodes(p, panel, episodes, benchmark: str) -> pd.DataFrame:
    rows = []
    for name, ep in episodes.items():
        start, end = pd.Timestamp(ep.start), episode_end(ep)
        row = {"episode": name, "kind": ep.kind, "start": start, "end": end}
        rets = {}
        for ph, h in p.holdings.items():
            r, _, names = window_return(panel, p.timing, h, start, end)
            rets[ph] = r
            row[ph] = r
            row[f"{ph}.names"] = names
        u, _, _ = window_return(panel, p.timing, p.universe_holdings, start, end)
        row["universe_ew"] = u
        row[benchmark] = benchmark_window(panel, benchmark, start, end)
        known = {k: v for k, v in rets.items() if np.isfinite(v)}
        if known:
            ranked = sorted(known.items(), key=lambda kv: kv[1], reverse=True)
            row["leader"] = ranked[0][0]
            row["lead_vs_next"] = ranked[0][1] - ranked[1][1] if len(ranked) > 1 else np.nan
            row["lead_vs_universe"] = ranked[0][1] - u if np.isfinite(u) else np.nan
        else:
            first, last = p.growth.start.min(), p.growth.end.max()
            overlap = p.growth.periods and start < last and end > first
            row["leader"] = ("partly outside the backtest range" if overlap
                             else "outside the backtest range")
        row["note"], row["source"] = ep.note, ep.source
        rows.append(row)
    return pd.DataFrame(rows)


def _rolling(perf: dict, rebalance: str) -> pd.DataFrame:
    rows = []
    for offset, p in perf.items():
        for ph, lr in p.phases.items():
            s = stats.summary(lr.net, rebalance, versus=p.universe.gross)
            rows.append({"start_offset_sessions": offset, "first_signal": p.signals[0],
                         "phase": ph, **{k: s.get(k) for k in
                                         ("periods", "annual_return", "sharpe", "max_drawdown",
                                          "hit_rate")}})
    out = pd.DataFrame(rows)
    if len(out) and out["start_offset_sessions"].nunique() > 1:
        spread = out.groupby("phase")["annual_return"].agg(["min", "max"])
        out["phase_min_annual"] = out["phase"].map(spread["min"])
        out["phase_max_annual"] = out["phase"].map(spread["max"])
    return out


def plan_metrics(plan, phase_id: str) -> list[str]:
    """Metrics a phase's filters and eligibility read."""
    ph = next((p for p in plan.phases if p.id == phase_id), None)
    if ph is None:
        return []
    cols = [c for r in plan.eligibility + ph.filters for c in r.columns]
    return list(dict.fromkeys(cols))


def _about(cfg, plan, lists, lag, horizons, is_sample, survivorship, screen_hash, p):
    rows = [
        ("screen", f"{plan.name} ({plan.path}) [{screen_hash[:12]}]"),
        ("universes", ", ".join(plan.universes)),
        ("data", "FICTIONAL SAMPLE HISTORY: these companies do not exist" if is_sample
         else "stored history (point in time)"),
        ("signal dates", (f"{lists.dates[0].date()} to {lists.dates[-1].date()}, "
                          f"{len(p.signals)} {cfg.rebalance} rebalances (last NYSE session)")),
        ("trading", (f"bought at the close {lag} session(s) after each signal, equal weight, "
                     "held to the next entry")),
        ("costs", (f"{cfg.cost_bps:g} bps per side on the traded share of the portfolio; "
                   "net = (1 + gross) x (1 - cost)")),
        ("delistings", cfg.policy.describe()),
        ("benchmark", f"{cfg.benchmark} (adjusted closes, same entry and exit closes)"),
        ("horizons", ", ".join(h.label for h in horizons) + f"; {cfg.buckets} buckets"),
        ("membership", survivorship or "snapshot in force at every signal date"),
        ("statements", "as first filed on or before each signal date"),
        ("prices", "up to the signal close for the signal; entry after the lag"),
        ("names per date", f"universe {lists.sample['universe'].mean():.0f}, eligible "
                           f"{lists.sample['eligible'].mean():.0f} on average"
         if len(lists.sample) else "-"),
    ]
    return pd.DataFrame(rows, columns=["item", "value"])


def assemble(*, cfg, plan, lists, panel, perf, base, fstats, horizons, lag, is_sample,
             screen_hash, timings) -> BacktestResult:
    from screener.backtest.evaluate import restrict

    p = perf[base]
    stats_list, fwd = fstats
    biased = lists.sample.index[lists.sample["survivorship_biased"]] if len(lists.sample) \
        else []
    survivorship = ""
    if len(biased):
        survivorship = (f"SURVIVORSHIP-BIASED for signals through {max(biased).date()}"
                        f": no membership snapshot that early for {len(biased)} of "
                        f"{len(lists.sample)} signal dates (the earliest later snapshot was "
                        "used, which holds only names that survived to it)")
    base_lists = restrict(lists, p.signals)
    holdings = _holdings(p, base_lists)
    episodes = plan.episodes if plan.episodes is not None else DEFAULT_EPISODES
    factors = pd.DataFrame([fs.summary for fs in stats_list])
    fdates = pd.concat([fs.per_date.assign(factor=fs.factor, horizon=fs.horizon)
                        .reset_index() for fs in stats_list], ignore_index=True) \
        if stats_list else pd.DataFrame()
    sample = lists.sample.copy()
    tables = {
        "about": _about(cfg, plan, lists, lag, horizons, is_sample, survivorship, screen_hash,
                        p),
        "summary": _summary(p, cfg.rebalance),
        "years": _years(p),
        "episodes": _episodes(p, panel, episodes, cfg.benchmark),
        "rolling": _rolling(perf, cfg.rebalance),
        "factors": factors,
        "periods": _periods(p),
        "curve": _curve(p),
        "holdings": holdings,
        "factor_dates": fdates,
        "sample": sample,
        "dropped": _dropped(holdings, stats_list, fwd,
                            restrict(lists, lists.dates.intersection(p.signals)).eligible),
    }
    warnings = list(lists.warnings)
    for ph, lr in p.phases.items():
        empty = int((lr.names == 0).sum())
        if empty:
            used = [f for f in plan_metrics(plan, ph)
                    if f in set(factors.get("factor", [])) and
                    factors.loc[factors["factor"] == f, "coverage"].iloc[0] < 0.05]
            why = f" (no data point in time for: {', '.join(used)})" if used else ""
            warnings.append(f"{ph}: no names listed on {empty} of {len(lr.names)} dates; "
                            f"those periods are left out of its figures{why}.")
    if survivorship:
        warnings.insert(0, survivorship)
    if is_sample:
        warnings.insert(0, "FICTIONAL SAMPLE HISTORY: every company and price is made up.")
    if lag == 0:
        warnings.append("--lag 0d trades at the signal close: not tradable in practice.")
    return BacktestResult(plan.name, list(plan.universes), is_sample, survivorship, tables,
                          warnings, timings)
