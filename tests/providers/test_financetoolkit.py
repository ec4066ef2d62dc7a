"""FinanceToolkit at its boundary: an offline Toolkit built from our own statements, and stubs
returning its marker frames. Its network probes never run (no key, sleep_timer=False, ...)."""

import json
import logging
import socket

import pandas as pd
import pytest

from screener.errors import PermanentFetchError, ProviderError, TransientFetchError
from screener.http import RetryPolicy
from screener.providers import fmp
from screener.providers.financetoolkit import (
    FT_FORMAT,
    FinanceToolkitProvider,
    check_frame,
    make_toolkit,
    toolkit_metric,
)

FAST = RetryPolicy(attempts=3, max_seconds=5, initial_wait=0.01, max_wait=0.02, jitter=0.0)
PERIODS = pd.PeriodIndex(["2023", "2024"], freq="Y")


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a FinanceToolkit test tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.delenv("FINANCIAL_MODELING_PREP_API_KEY", raising=False)


def _frame(ticker, items):
    idx = pd.MultiIndex.from_tuples([(ticker, k) for k in items])
    return pd.DataFrame(list(items.values()), index=idx, columns=PERIODS, dtype="float64")


def offline_frames(ticker="ABCD"):
    income = _frame(ticker, {
        "Revenue": [740e6, 800e6], "Cost of Goods Sold": [490e6, 520e6],
        "Gross Profit": [250e6, 280e6], "Operating Income": [70e6, 90e6],
        "Depreciation and Amortization": [45e6, 48e6], "EBITDA": [115e6, 138e6],
        "Interest Expense": [27e6, 25e6], "Income Before Tax": [43e6, 66e6],
        "Income Tax Expense": [10e6, 15e6], "Net Income": [33e6, 51e6],
        "EPS Diluted": [0.65, 1.0], "Weighted Average Shares Diluted": [50.8e6, 51e6]})
    balance = _frame(ticker, {
        "Cash and Cash Equivalents": [45e6, 60e6], "Short Term Investments": [0.0, 5e6],
        "Total Current Assets": [260e6, 290e6], "Total Assets": [870e6, 900e6],
        "Total Current Liabilities": [170e6, 180e6], "Total Liabilities": [570e6, 560e6],
        "Short Term Debt": [35e6, 40e6], "Long Term Debt": [350e6, 320e6],
        "Total Debt": [385e6, 360e6], "Total Shareholder Equity": [300e6, 340e6],
        "Retained Earnings": [165e6, 210e6]})
    cash = _frame(ticker, {
        "Net Income": [33e6, 51e6], "Depreciation and Amortization": [45e6, 48e6],
        "Operating Cash Flow": [80e6, 101e6], "Capital Expenditure": [-38e6, -42e6],
        "Free Cash Flow": [42e6, 59e6]})
    return {"income": income, "balance": balance, "cash": cash}


def offline_factory(tickers):
    return make_toolkit(tickers, **offline_frames(tickers[0]))


def test_offline_toolkit_statements_become_records():
    p = FinanceToolkitProvider(toolkit_factory=offline_factory, policy=FAST)
    payload, attempts = p.fetch_payload("ABCD", "statements")
    assert attempts == 1
    assert json.loads(payload)["format"] == FT_FORMAT
    recs = p.parse("ABCD", "statements", payload, None)["statements"]
    assert [r["fiscal_year"] for r in recs] == [2023, 2024]
    r = recs[1]
    assert r["revenue"] == 800e6 and r["operating_income"] == 90e6
    assert r["total_debt"] == 360e6 and r["total_equity"] == 340e6
    assert r["capital_expenditure"] == 42e6  # FT's negative capex -> positive amount spent
    assert r["cash"] == 60e6 and r["free_cash_flow"] == 59e6


def test_ft_and_fmp_give_the_same_records_for_the_same_company():
    """The item-name map agrees with the direct FMP parser on the shared fixture values."""
    p = FinanceToolkitProvider(toolkit_factory=offline_factory, policy=FAST)
    ft = p.parse("ABCD", "statements", p.fetch_payload("ABCD", "statements")[0], None)
    try:
        from test_fmp_parse import statements_doc
    except ImportError:
        from .test_fmp_parse import statements_doc

    direct = fmp.parse_statements("ABCD", statements_doc())
    for field in ("revenue", "ebitda", "interest_expense", "total_debt", "cash",
                  "capital_expenditure", "operating_cash_flow", "net_income"):
        assert ft["statements"][1][field] == direct[1][field], field


def test_ratio_through_the_wrapper():
    tk = offline_factory(["ABCD"])
    margin = toolkit_metric(tk, "ratios.get_gross_margin", ticker="ABCD")
    assert float(margin.iloc[-1]) == pytest.approx(280 / 800, abs=1e-3)


def test_metric_that_cannot_be_computed_raises_naming_it(caplog):
    frames = offline_frames()
    frames["cash"] = frames["cash"].drop(("ABCD", "Depreciation and Amortization"))
    frames["income"] = frames["income"].drop(("ABCD", "Depreciation and Amortization"))
    tk = make_toolkit(["ABCD"], **frames)
    with pytest.raises(ProviderError, match="get_net_debt_to_ebitda_ratio for ABCD"):
        toolkit_metric(tk, "ratios.get_net_debt_to_ebitda_ratio", ticker="ABCD")


# -- marker frames from a stubbed Toolkit -----------------------------------------------------

class StubToolkit:
    def __init__(self, income, balance=None, cash=None):
        self._f = (income, balance if balance is not None else income,
                   cash if cash is not None else income)

    def get_income_statement(self):
        return self._f[0]

    def get_balance_sheet_statement(self):
        return self._f[1]

    def get_cash_flow_statement(self):
        return self._f[2]


def stub_provider(frames_or_error, calls=None):
    def factory(tickers):
        if calls is not None:
            calls.append(tickers)
        if isinstance(frames_or_error, Exception):
            raise frames_or_error
        return StubToolkit(*frames_or_error)
    return FinanceToolkitProvider(toolkit_factory=factory, policy=FAST)


@pytest.mark.parametrize("marker, error", [
    ("LIMIT REACH", fmp.FmpLimitReached),
    ("INVALID API KEY", fmp.FmpKeyError),
    ("PREMIUM QUERY PARAMETER", PermanentFetchError),
    ("NO DATA", PermanentFetchError),
])
def test_marker_frames_become_typed_errors(marker, error):
    with pytest.raises(error):
        stub_provider((pd.DataFrame(columns=[marker]),)).fetch_payload("ABCD", "statements")


def test_yahoo_rate_limit_marker_is_retried_then_given_up():
    calls = []
    p = stub_provider((pd.DataFrame(columns=["YFINANCE RATE LIMIT REACHED"]),), calls)
    with pytest.raises(TransientFetchError):
        p.fetch_payload("ABCD", "statements")
    assert len(calls) == FAST.attempts


def test_empty_frames_with_a_logged_limit_are_the_limit():
    class Logging(StubToolkit):
        def get_income_statement(self):
            logging.getLogger("financetoolkit").error(
                "The limit from Financial Modeling Prep has been reached for the following "
                "tickers: ABCD.\nConsider upgrading")
            return pd.DataFrame()

    p = FinanceToolkitProvider(toolkit_factory=lambda t: Logging(pd.DataFrame()), policy=FAST)
    with pytest.raises(fmp.FmpLimitReached):
        p.fetch_payload("ABCD", "statements")


def test_all_empty_without_explanation_is_no_data():
    with pytest.raises(PermanentFetchError, match="no .*ABCD"):
        stub_provider((pd.DataFrame(),)).fetch_payload("ABCD", "statements")


def test_check_frame_passes_data_through():
    frame = offline_frames()["income"]
    assert check_frame(frame, "ABCD", "income") is frame
