"""Whole-column reading of an import gives, cell for cell, what the one-cell rules give."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from screener.providers import file_cells as fc
from screener.providers.file import normalise_ticker, to_number

SPELLINGS = ["1,234.5", "(12)", "15%", "$3", " 7 ", "", "-", "n/a", "#N/A", "abc", "1e3",
             "inf", "(1,000.25)", "$(5)", "NaN", "1_000", "--", "0.1", "-0.0", "12.5%"]


def _same(col):
    values, ok = fc.number_cells(col, to_number)
    for cell, v, good in zip(col.tolist(), values.tolist(), ok.tolist(), strict=True):
        want, want_ok = to_number(cell)
        assert good == want_ok, cell
        if want_ok:
            assert (want is None and math.isnan(v)) or v == want, cell


def test_text_cells_read_as_one_cell_would():
    _same(pd.Series(SPELLINGS, dtype="str"))
    _same(pd.Series(SPELLINGS, dtype=object))


def test_native_cells_of_xlsx_and_parquet():
    _same(pd.Series([1.5, np.nan, np.inf, -2.0]))
    _same(pd.Series([1, 2, 3], dtype="int64"))
    _same(pd.Series([True, False]))
    _same(pd.Series([1.5, "x", None, "(2)"], dtype=object))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.text(alphabet="0123456789.,()$%-e n/a", max_size=8),
                          st.sampled_from(SPELLINGS)), min_size=1, max_size=20))
def test_any_spelling(cells):
    _same(pd.Series(cells, dtype="str"))


def test_dates_parsed_once_per_column_keep_single_cell_meaning():
    col = pd.Series(["2024-12-31", "", "12/31/2023", "not a date", "2025-03-01T00:00:00"],
                    dtype="str")
    assert fc.date_cells(col) == [date(2024, 12, 31), None, date(2023, 12, 31), None,
                                  date(2025, 3, 1)]


def test_tickers_and_text():
    col = pd.Series(["aapl", "BRK/B", "MOG A", "ABC US Equity", "", "aapl"], dtype="str")
    assert fc.ticker_cells(col, normalise_ticker) == [
        "AAPL", "BRK-B", "MOG-A", "ABC", None, "AAPL"]
    assert fc.text_cells(pd.Series([" Energy ", "n/a", "", "NULL", "Tech"], dtype="str")) \
        == ["Energy", None, None, None, "Tech"]
