"""The history store: merge by key, as-of reads that never leak, atomic partitions."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from screener.errors import StoreError
from screener.history import HistoryStore


def _facts(rows):
    cols = ["ticker", "item", "value", "period_start", "period_end", "fiscal_year",
            "fiscal_period", "form", "filed", "source"]
    return pd.DataFrame(rows, columns=cols)


def test_prices_merge_by_key_and_filter(tmp_path):
    store = HistoryStore(tmp_path)
    days = pd.to_datetime(["2019-12-31", "2020-01-02", "2020-01-03"])
    first = pd.DataFrame({"ticker": "ACME1", "date": days, "close": [10.0, 11.0, 12.0],
                          "adj_close": [10.0, 11.0, 12.0], "volume": 100.0, "source": "t"})
    assert store.write("prices", first) == 3
    # a later write of the same (ticker, date) replaces it; a new day is added
    again = pd.DataFrame({"ticker": "ACME1", "date": pd.to_datetime(["2020-01-03", "2020-01-06"]),
                          "close": [12.5, 13.0], "adj_close": [12.5, 13.0], "volume": 1.0,
                          "source": "t"})
    store.write("prices", again)
    got = store.read("prices", tickers=["ACME1"])
    assert got["close"].tolist() == [10.0, 11.0, 12.5, 13.0]
    assert [p.parent.name for p in store.files("prices")] == ["year=2019", "year=2020"]
    window = store.read("prices", start="2020-01-02", end="2020-01-03", columns=["date", "close"])
    assert window["close"].tolist() == [11.0, 12.5]
    assert store.read("prices", tickers=["NOPE1"]).empty
    info = store.info().set_index("dataset")
    assert info.loc["prices", "rows"] == 4 and info.loc["prices", "names"] == 1


def test_as_of_never_sees_a_later_filing(tmp_path):
    store = HistoryStore(tmp_path)
    store.write("facts", _facts([
        ["ACME1", "revenue", 100.0, "2020-01-01", "2020-03-31", 2020, "Q1", "10-Q",
         "2020-05-10", "sec"],
        # the same quarter restated in a filing made after the as-of date: must not leak
        ["ACME1", "revenue", 999.0, "2020-01-01", "2020-03-31", 2020, "Q1", "10-Q/A",
         "2020-08-01", "sec"],
    ]))
    seen = store.read("facts", as_of="2020-06-30")
    assert seen["value"].tolist() == [100.0]
    assert sorted(store.read("facts")["value"]) == [100.0, 999.0]


def test_bad_rows_are_refused_with_a_message(tmp_path):
    store = HistoryStore(tmp_path)
    with pytest.raises(StoreError, match="no column"):
        store.write("prices", pd.DataFrame({"ticker": ["A1"], "date": ["2020-01-01"],
                                            "closing": [1.0]}))
    with pytest.raises(StoreError, match="have no date"):
        store.write("prices", pd.DataFrame({"ticker": ["A1"], "date": [None], "close": [1.0]}))
    assert store.files("prices") == []


KILLED = """
import os, sys, pandas as pd, pyarrow.parquet as pq
from screener.history import HistoryStore
real = pq.write_table
def dying(table, where, **kw):
    real(table, where, **kw)
    if "year=2021" in str(where):
        os._exit(9)  # killed after the temporary is written, before it replaces the file
pq.write_table = dying
days = pd.bdate_range("2020-12-28", "2021-01-08")
rows = pd.DataFrame({"ticker": "ACME1", "date": days, "close": 99.0, "adj_close": 99.0})
HistoryStore(sys.argv[1]).write("prices", rows)
"""


def test_kill_mid_write_keeps_every_partition_readable(tmp_path):
    store = HistoryStore(tmp_path)
    days = pd.bdate_range("2020-12-21", "2021-01-08")
    store.write("prices", pd.DataFrame({"ticker": "ACME1", "date": days, "close": 1.0,
                                        "adj_close": 1.0}))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.run([sys.executable, "-c", KILLED, str(tmp_path)], env=env)
    assert proc.returncode == 9
    got = store.read("prices")
    # 2020 was rewritten before the kill; 2021 kept its old rows whole
    assert (got.loc[got["date"] >= "2021-01-01", "close"] == 1.0).all()
    assert (got.loc[(got["date"] >= "2020-12-28") & (got["date"] < "2021-01-01"),
                    "close"] == 99.0).all()
    assert len(got) == len(days)
    assert list(tmp_path.glob("prices/year=2021/.data.parquet.*.tmp"))  # left by the kill
    store.write("prices", pd.DataFrame({"ticker": "ACME1", "date": ["2021-01-11"], "close": 2.0}))
    assert not list(tmp_path.glob("prices/year=*/.data.parquet.*.tmp"))  # cleaned
    assert len(store.read("prices")) == len(days) + 1


def test_price_panel_pivots_and_cuts_at_the_close(tmp_path):
    from screener.history.prices import PricePanel

    store = HistoryStore(tmp_path)
    rows = pd.DataFrame({
        "ticker": ["A1", "A1", "B2", "A1"],
        "date": pd.to_datetime(["2020-01-02", "2020-01-03", "2020-01-03", "2020-01-06"]),
        "close": [10.0, 11.0, 5.0, 12.0], "adj_close": [9.0, 10.0, None, 11.0],
        "volume": [1.0, 2.0, 3.0, 4.0]})
    store.write("prices", rows)
    panel = PricePanel.load(store, ["B2", "A1", "C3"])
    assert list(panel.tickers) == ["B2", "A1", "C3"]
    assert panel.adj_close.shape == (3, 3)
    assert panel.column("A1").tolist() == [9.0, 10.0, 11.0]
    assert panel.column("B2").tolist()[1] == 5.0  # no adjusted close: the close
    assert np.isnan(panel.column("B2").iloc[0])  # a missing day stays missing
    assert np.isnan(panel.adj_close[:, 2]).all()
    cut = panel.until("2020-01-03")
    assert len(cut.dates) == 2 and cut.column("A1").iloc[-1] == 10.0
