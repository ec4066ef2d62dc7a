"""iShares holdings files in the layouts real downloads have had (hand-written, fictional rows).

Layouts seen in public repositories' copies of IWM/IJR files and parser tests:
- IWM 2025-2026: BOM, 9 preamble lines ending with a non-breaking space, the 15-column header,
  quoted values with thousands separators, a line holding a non-breaking space, then one quoted
  multi-line disclaimer with typographic quotes. Exchange names vary ("NYSE" in 2026, "New York
  Stock Exchange Inc." in 2025, "Nyse Mkt Llc"); delisted leftovers sit on "Non-Nms Quotation
  Service (Nnqs)"; CVRs and private lines on "NO MARKET (E.G. UNLISTED)" sometimes reuse a
  listed ticker; "-" tickers; XTSLA money market; FX cash; index futures with Location "-".
- IJR/IJH 2026 ("latest-holdings"): a ``Type`` column (EQUITY, SWAP, STIF, FUTURES,
  COLLATERAL) and ``Market Weight`` / ``Notional Weight`` instead of ``Weight (%)``; equity
  swaps have Asset Class "Equity" and the stock's ticker.
- 2019-2020: ``Ticker,Name,Asset Class,Weight (%),Price,Shares,Market Value,...,Exchange``,
  sometimes saved without preamble or with 3 preamble lines and a trailing all-empty row.
- No data for a date: the same download with ``Fund Holdings as of,"-"`` and no rows.
"""

from __future__ import annotations

import pytest

from screener.universe.holdings import HoldingsFormatError
from screener.universe.parse import parse_holdings


@pytest.fixture
def real(fixtures):
    return fixtures / "real_shapes"


def test_iwm_2026_layout(real):
    h = parse_holdings(real / "iwm_2026_layout.csv")
    assert h.as_of == "2026-05-05" and h.fund == "iShares Russell 2000 ETF"
    assert list(h.frame.index) == ["BLMX", "CRDX", "MOG-A", "UECX", "SSRX"]
    assert h.frame.loc["MOG-A", "original_ticker"] == "MOGA"
    assert h.frame.loc["BLMX", "weight"] == pytest.approx(0.0193)
    assert h.frame.loc["BLMX", "market_value"] == pytest.approx(1_532_594_919.50)
    assert h.dropped == {"asset class Money Market": 1, "asset class Cash": 1,
                         "asset class Futures": 1, "no ticker": 1, "no market listing": 2,
                         "not exchange-listed (OTC)": 2}
    assert h.rows_total == 13


def test_ijr_2026_market_weight_and_type_columns(real):
    h = parse_holdings(real / "ijr_2026_market_weight.csv")
    assert h.as_of == "2026-06-12"
    assert list(h.frame.index) == ["SMTX", "JXNX", "MOG-A"]
    # the stock, not the swap listed before it on the same ticker
    assert h.frame.loc["JXNX", "exchange"] == "NYSE"
    assert h.frame.loc["JXNX", "weight"] == pytest.approx(0.0084)   # from "Market Weight"
    assert h.dropped["type SWAP"] == 1 and "duplicate ticker" not in h.dropped


def test_2020_layout_without_preamble(real):
    h = parse_holdings(real / "ijr_2020_no_preamble.csv")
    assert h.as_of is None
    assert list(h.frame.index) == ["SIGX", "MOG-A", "BRK-B"]
    assert h.frame.loc["SIGX", "weight"] == pytest.approx(0.006)
    assert h.frame.loc["SIGX", "sector"] == "Financials"


def test_2020_layout_with_short_preamble_and_empty_last_row(real):
    h = parse_holdings(real / "iwb_2020_short_preamble.csv")
    assert h.as_of == "2020-04-16"
    assert list(h.frame.index) == ["MSFX", "BRK-B"]


def test_crlf_and_unquoted_date(real):
    h = parse_holdings(real / "iwm_crlf_unquoted_date.csv")
    assert h.as_of == "2026-03-28" and h.notes == []
    assert list(h.frame.index) == ["ALPX", "BETX"]


def test_no_data_for_the_date_is_a_clear_non_retryable_error(real):
    with pytest.raises(HoldingsFormatError) as err:
        parse_holdings(real / "iwm_no_data_sentinel.csv")
    assert "no holdings for the requested date" in str(err.value)
    assert err.value.retryable is False
