"""Size, liquidity, risk and momentum: straight from the market block, with the few ratios
that combine its fields."""

from __future__ import annotations

import numpy as np
import pandas as pd
from financetoolkit.ratios import valuation_model as ft_val

from screener.metrics.wide import nz


def market_cap(reported: pd.Series, price: pd.Series, shares: pd.Series) -> pd.Series:
    """The provider's market cap, else price x shares outstanding.
    FinanceToolkit: valuation_model.get_market_cap."""
    return reported.fillna(ft_val.get_market_cap(price, shares))


def free_float(float_shares: pd.Series, shares: pd.Series) -> pd.Series:
    """float shares / shares outstanding; NaN when shares outstanding is 0 or missing."""
    return float_shares / nz(shares)


def drawdown_52w(price: pd.Series, high_52w: pd.Series) -> pd.Series:
    """price / 52-week high - 1 (0 at the high, -0.6 = 60% below)."""
    return price / nz(high_52w) - 1.0


def compute(mkt: pd.DataFrame) -> dict[str, pd.Series]:
    """``mkt`` is the market block aligned to the frame's tickers (NaN rows when missing)."""
    mc = market_cap(mkt["market_cap"], mkt["price"], mkt["shares_outstanding"])
    f = np.float64
    return {
        "market_cap": mc,
        "free_float": free_float(mkt["float_shares"], mkt["shares_outstanding"]),
        "adv_3m": mkt["adv_3m_usd"].astype(f),
        "price": mkt["price"].astype(f),
        "beta": mkt["beta"].astype(f),
        "mom_12_1": mkt["mom_12_1"].astype(f),
        "drawdown_52w": drawdown_52w(mkt["price"], mkt["high_52w"]),
        "volatility": mkt["volatility_1y"].astype(f),
        "short_interest": mkt["short_pct_float"].astype(f),
    }
