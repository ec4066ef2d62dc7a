"""Performance statistics of per-period returns, through empyrical-reloaded.

Annualised return (geometric), annualised volatility, Sharpe ratio (risk-free 0), maximum
drawdown and cumulative return come from empyrical with the rebalance frequency's periods per
year (monthly 12, quarterly 4, weekly 52). Hit rate (share of periods beating the universe's
equal-weighted return) and the per-calendar-year table are ours (one line each).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

PERIOD = {"monthly": "monthly", "quarterly": "quarterly", "weekly": "weekly"}


def _ep():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import empyrical
    return empyrical


def summary(returns: pd.Series, rebalance: str, versus: pd.Series | None = None) -> dict:
    """The headline figures of one return series (NaN periods left out)."""
    ep = _ep()
    r = returns.dropna()
    out = {"periods": len(r), "first": r.index.min(), "last": r.index.max()}
    if r.empty:
        return out | {k: np.nan for k in ("cumulative", "annual_return", "annual_volatility",
                                          "sharpe", "max_drawdown", "hit_rate", "positive")}
    period = PERIOD[rebalance]
    out["cumulative"] = float(ep.cum_returns_final(r))
    out["annual_return"] = float(ep.annual_return(r, period=period))
    out["annual_volatility"] = float(ep.annual_volatility(r, period=period))
    out["sharpe"] = float(ep.sharpe_ratio(r, period=period))
    out["max_drawdown"] = float(ep.max_drawdown(r))
    out["positive"] = float((r > 0).mean())
    if versus is not None:
        v = versus.reindex(r.index)
        both = v.notna()
        out["hit_rate"] = float((r[both] > v[both]).mean()) if both.any() else np.nan
    else:
        out["hit_rate"] = np.nan
    return out


def cumulative(returns: pd.Series) -> pd.Series:
    """Growth of 1 after each period (NaN periods count as flat)."""
    return _ep().cum_returns(returns.fillna(0.0), starting_value=1.0)


def by_year(returns: pd.Series) -> pd.Series:
    """Compounded return per calendar year of the period end."""
    r = returns.dropna()
    if r.empty:
        return pd.Series(dtype="float64")
    return _ep().aggregate_returns(r, "yearly")
