"""The backtest: the same screen evaluated on many dates, point in time, its lists priced.

    from screener.backtest import BacktestConfig, run_backtest
    result = run_backtest(BacktestConfig("screens/rebound.yaml", "2012-01", "2025-12",
                                         provider="sample"))
    result.tables["summary"]        # per phase gross/net vs the universe EW and the ETF

Modules, in the order the data flows: ``schedule`` (NYSE signal dates, lag, horizons),
``source`` (point-in-time frames per date; outcome prices), ``evaluate`` (the compiled screen
per date), ``returns`` (forward returns with delisting returns), ``portfolio`` (equal-weighted
lists, turnover, costs, "follow the regime"), ``stats`` (empyrical), ``factors`` (quantile
returns, rank IC, turnover: alphalens' definitions, vectorised), ``episodes``, ``report``
(the tables), ``run`` (the whole thing).
"""

from screener.backtest.returns import DelistingPolicy
from screener.backtest.run import BacktestConfig, run_backtest

__all__ = ["BacktestConfig", "DelistingPolicy", "run_backtest"]
