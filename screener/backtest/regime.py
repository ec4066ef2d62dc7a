"""Follow the regime: on each signal date hold the list of the phase the regime verdict pointed
to then (``screener.regime``: only what was released by that close), against each static list.

Adds to a ``BacktestResult``:

- ``summary``: rows ``follow_regime`` (net, gross) with the same figures as the phases;
- ``regime``: the comparison: per static list, its net annual return and the regime's excess
  over it, and one line saying whether following the regime added anything;
- ``regime_dates``: per signal date the phase chosen and the period returns (net) of the
  regime strategy and of each static list;
- ``curve``: the regime strategy's growth of 1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from screener.backtest import stats
from screener.backtest.portfolio import follow, portfolio_returns

LABEL = "follow_regime"


def follow_the_regime(rules, history, perf, cfg, universe: str | None):
    """(ListReturns, choice by signal date) of the regime strategy on one schedule."""
    from screener.regime.run import regime_choice

    choice = regime_choice(rules, history, perf.signals, universe=universe)
    holdings = follow(choice, perf.holdings, perf.signals)
    return portfolio_returns(LABEL, holdings, perf.growth, cfg.cost_bps), choice


def add_to_result(result, perf, lr, choice: pd.Series, rebalance: str) -> None:
    versus = perf.universe.gross
    rows = [{"strategy": LABEL, "basis": basis, **stats.summary(r, rebalance, versus=versus),
             "names_per_period": float(lr.names.mean()) if len(lr.names) else np.nan,
             "turnover": float(lr.turnover.iloc[1:].mean()) if len(lr.turnover) > 1 else np.nan,
             "cost_per_period": float(lr.cost.mean()) if len(lr.cost) else np.nan}
            for basis, r in (("net", lr.net), ("gross", lr.gross))]
    result.tables["summary"] = pd.concat([result.tables["summary"], pd.DataFrame(rows)],
                                         ignore_index=True)
    ours = stats.summary(lr.net, rebalance)
    comp = []
    for ph, plr in perf.phases.items():
        s = stats.summary(plr.net, rebalance)
        # the same periods for both: a period without a regime list is left out of ours only
        both = lr.net.notna() & plr.net.notna()
        same = stats.summary(lr.net[both], rebalance)["annual_return"] \
            - stats.summary(plr.net[both], rebalance)["annual_return"] if both.any() else np.nan
        comp.append({"static_list": ph, "annual_return_net": s["annual_return"],
                     "regime_annual_return_net": ours["annual_return"],
                     "regime_excess_same_periods": same,
                     "periods_regime_chose_it": int((choice.reindex(perf.signals[:len(lr.net)])
                                                     == ph).sum())})
    comp = pd.DataFrame(comp)
    chosen = choice.reindex(perf.signals[:len(lr.net)])
    undecided = int(chosen.isna().sum())
    best = comp.loc[comp["annual_return_net"].idxmax()] if len(comp) and \
        comp["annual_return_net"].notna().any() else None
    if best is None or not np.isfinite(ours["annual_return"]):
        line = "Follow the regime: no period had both a verdict and a list; nothing to compare."
    elif ours["annual_return"] <= best["annual_return_net"]:
        line = (f"The regime added nothing: following it returned {ours['annual_return']:.2%} a "
                f"year net, not above the best static list ({best['static_list']}, "
                f"{best['annual_return_net']:.2%}).")
    else:
        line = (f"Following the regime returned {ours['annual_return']:.2%} a year net, "
                f"{ours['annual_return'] - best['annual_return_net']:.2%} above the best static "
                f"list ({best['static_list']}).")
    if undecided:
        line += f" {undecided} period(s) had no verdict (no data then) and held nothing."
    empty = int(((lr.names.to_numpy() == 0) & chosen.notna().to_numpy()).sum())
    if empty:
        line += (f" In {empty} period(s) the chosen list was empty (no name passed); they are "
                 "left out of its figures.")
    comp["note"] = ""
    comp.loc[0, "note"] = line
    result.tables["regime"] = comp
    per = pd.DataFrame({"signal": pd.DatetimeIndex(perf.signals[:len(lr.net)]),
                        "phase_chosen": chosen.to_numpy(), LABEL: lr.net.to_numpy()})
    for ph, plr in perf.phases.items():
        per[ph] = plr.net.to_numpy()
    result.tables["regime_dates"] = per
    if "curve" in result.tables:
        result.tables["curve"][f"{LABEL}.net"] = stats.cumulative(lr.net).reindex(
            result.tables["curve"].index)
    result.warnings.append(line)
