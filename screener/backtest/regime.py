"""Follow the regime: on each signal date hold the list of the phase the regime verdict pointed
to then (``screener.regime``: only what was released by that close), against each static list.

The strategy itself is priced by the backtest like a phase (``BacktestConfig.regime``: the
phase chosen per signal date, from ``screener.regime.run.regime_choice``; rows
``follow_regime`` in the summary, periods, curve). This module adds to the ``BacktestResult``:

- ``regime``: the comparison: per static list, its net annual return and the regime's excess
  over it, and one line saying whether following the regime added anything;
- ``regime_dates``: per signal date the phase chosen and the period returns (net) of the
  regime strategy and of each static list.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from screener.backtest import stats

LABEL = "follow_regime"


def add_comparison(result, perf, choice: pd.Series, rebalance: str) -> None:
    """The comparison tables and line for the ``follow_regime`` strategy of ``perf``."""
    lr = perf.phases.get(LABEL)
    if lr is None:
        return
    choice = pd.Series(choice.to_numpy(), index=pd.DatetimeIndex(choice.index).normalize())
    ours = stats.summary(lr.net, rebalance)
    comp = []
    static = {ph: plr for ph, plr in perf.phases.items() if ph != LABEL}
    for ph, plr in static.items():
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
    for ph, plr in static.items():
        per[ph] = plr.net.to_numpy()
    result.tables["regime_dates"] = per
    result.warnings.append(line)
