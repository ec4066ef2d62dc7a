"""Daily prices from the user's own CSV/Parquet: checked row by row, stored, and the price
metrics computed from them equal a pandas computation on the same file."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from screener.errors import InputDataError
from screener.history import HistoryStore
from screener.history.prices import PricePanel
from screener.metrics import build_standard_frame
from screener.providers.file_prices import import_prices, prices_frame
from screener.raw.bundle import RawBundle, block_from_records

CSV = """Date,Symbol,Close,Adj Close,Volume
2024-06-03,acme,40.00,39.50,1000
2024-06-04,ACME,41.00,40.50,1200
2024-06-04,ACME,41.50,41.00,1200
06/05/2024,ACME,42.00,,900
2024-06-06,ACME,n/a,41,1100
2024-06-07,AC ME,40.00,40.00,1500
2024-13-01,ACME,40.00,40.00,1500
2024-06-10,ACME,-3,40.00,1500
2024-06-11,ACME,44.00,44.00,-5
2024-06-03,BETA,10,10,100
"""


def test_rows_are_checked_and_the_good_ones_kept(tmp_path):
    path = tmp_path / "prices.csv"
    path.write_text(CSV)
    rows, rejected = prices_frame(path)
    assert rows[["ticker", "date", "close", "adj_close"]].values.tolist() == [
        ["ACME", pd.Timestamp("2024-06-03"), 40.0, 39.5],
        ["ACME", pd.Timestamp("2024-06-04"), 41.0, 40.5],
        ["ACME", pd.Timestamp("2024-06-05"), 42.0, 42.0],  # no adj_close: the close
        ["BETA", pd.Timestamp("2024-06-03"), 10.0, 10.0],
    ]
    got = rejected[["row", "column", "reason"]].values.tolist()
    assert got == [
        [4, "date", "a second row for this ticker and date"],
        [6, "close", "not a positive number"],
        [7, "ticker", "missing or malformed ticker"],
        [8, "date", "not a date (use YYYY-MM-DD)"],
        [9, "close", "not a positive number"],
        [10, "volume", "not a non-negative number"],
    ]


def test_a_file_without_a_close_column_says_which_columns_it_needs(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("date,ticker,price_x,volume\n2024-06-03,A,1,1\n")
    with pytest.raises(InputDataError, match="no column for close"):
        prices_frame(path)


def _prices(n_days=400, seed=3):
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2023-01-02", periods=n_days)
    out = []
    for t in ("IWM", "ACME", "BETA"):
        close = 20 * np.exp(np.cumsum(rng.normal(0.0005, 0.02, n_days)))
        out.append(pd.DataFrame({"date": dates, "ticker": t, "close": close.round(4),
                                 "adj_close": (close * 0.97).round(4),
                                 "volume": rng.integers(100, 10_000, n_days)}))
    return pd.concat(out, ignore_index=True)


def test_parquet_import_then_metrics_equal_pandas_on_the_same_file(tmp_path):
    data = _prices()
    path = tmp_path / "prices.parquet"
    data.to_parquet(path)
    history = HistoryStore(tmp_path / "history")
    report = import_prices(path, history)
    assert report.accepted == len(data) and report.names == 3 and report.rejected.empty
    as_of = data["date"].iloc[-30]
    panel = PricePanel.load(history, ["ACME", "BETA", "IWM"])
    identity = block_from_records("identity", [{"ticker": "ACME", "name": "Acme"}])
    f = build_standard_frame(RawBundle(identity=identity, prices=panel), as_of.date()).frame
    mine = data[(data.ticker == "ACME") & (data.date <= as_of)].set_index("date")
    iwm = data[(data.ticker == "IWM") & (data.date <= as_of)].set_index("date")["adj_close"]
    r, b = mine["adj_close"].pct_change(), iwm.pct_change()
    want = {
        "ret_3m": mine["adj_close"].pct_change(63).iloc[-1],
        "volatility": r.rolling(252).std().iloc[-1] * np.sqrt(252),
        "dist_sma200": mine["adj_close"].iloc[-1] / mine["adj_close"].rolling(200).mean().iloc[-1]
        - 1,
        "adv_3m": (mine["close"] * mine["volume"]).rolling(63).mean().iloc[-1],
        "beta": r.rolling(252).cov(b).iloc[-1] / b.rolling(252).var().iloc[-1],
        "price": mine["close"].iloc[-1],
    }
    for k, v in want.items():
        assert f.loc["ACME", k] == pytest.approx(v, rel=1e-9), k
