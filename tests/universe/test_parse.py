"""The holdings parser on hand-written files in the real layouts, and on files that are not."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from screener.errors import InputDataError
from screener.universe import parse_holdings


def test_iwm_2026_file_keeps_equities_with_date_sector_and_tickers(fixtures):
    h = parse_holdings(fixtures / "iwm_2026-05-05.csv")
    assert h.kind == "ishares"
    assert h.as_of == "2026-05-05"
    assert h.fund == "iShares Russell 2000 ETF"
    assert h.rows_total == 25 and h.kept == 20
    assert h.dropped == {"asset class Money Market": 1, "asset class Cash": 1,
                         "asset class Futures": 1, "no ticker": 1, "no market listing": 1}
    f = h.frame
    for gone in ("USD", "XTSLA", "RTYM6", "RMCX", "-"):
        assert gone not in f.index
    assert f.loc["MOG-A", "original_ticker"] == "MOG A"
    assert f.loc["BRK-B", "original_ticker"] == "BRK.B"
    assert f.loc["CWEN-A", "original_ticker"] == "CWENA"
    assert "RUSHA" in f.index                      # a real Nasdaq class ticker stays whole
    assert f.loc["CHRL", "sector"] == "Information Technology"
    assert f.loc["CHRL", "market_value"] == pytest.approx(1_532_594_919.50)
    assert f.loc["CHRL", "weight"] == pytest.approx(0.0239)   # 2.39 % as a fraction
    assert f.loc["BRVO", "exchange"] == "New York Stock Exchange Inc."
    assert f.index.is_unique and f.index.name == "ticker"


def test_older_ijr_column_order_is_found_by_name(fixtures):
    h = parse_holdings(fixtures / "ijr_old_2019-01-31.csv")
    assert h.as_of == "2019-01-31"
    assert h.kept == 7
    assert h.dropped == {"asset class Cash": 1, "asset class Futures": 1, "duplicate ticker": 1}
    f = h.frame
    assert f.loc["SIER", "sector"] == "Consumer Discretionary"
    assert f.loc["SIER", "weight"] == pytest.approx(0.0064)
    assert f.loc["SIER", "market_value"] == pytest.approx(187_000_000)
    assert f.loc["GEF-B", "original_ticker"] == "GEF B"
    assert f.loc["BRVO", "weight"] == pytest.approx(0.0030)    # first of the duplicates kept


def test_plain_csv_with_symbol_column(fixtures):
    h = parse_holdings(fixtures / "plain_tickers.csv")
    assert h.kind == "csv" and h.as_of is None
    assert list(h.frame.index) == ["ALPX", "BRK-B", "SIER", "ZZZZ"]
    assert h.frame.loc["BRK-B", "original_ticker"] == "BRK/B"
    assert h.frame.loc["SIER", "name"] == "Sierra Homebuilders"
    assert h.dropped == {"no ticker": 1}


def test_plain_csv_from_bytes_with_percent_weights():
    body = b"TICKER,weight\nAAA,60\nBBB,40\n"
    h = parse_holdings(body, filename="mine.csv")
    assert h.frame["weight"].tolist() == pytest.approx([0.6, 0.4])


def _spdr_xlsx() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "holdings"
    ws.append(["Fund Name:", "SPDR Portfolio S&P 600 Small Cap ETF"])
    ws.append(["Ticker Symbol:", "SPSM"])
    ws.append(["Holdings:", "As of 05-May-2026"])
    ws.append([])
    ws.append(["Name", "Ticker", "Identifier", "SEDOL", "Weight", "Sector", "Shares Held",
               "Local Currency"])
    ws.append(["ALPINE EXAMPLE THERAPEUTICS", "ALPX", "000000001", "B000001", 0.712345,
               "Health Care", 120000, "USD"])
    ws.append(["MOOG INC CLASS A", "MOG.A", "000000002", "B000002", 0.5, "Industrials",
               5000, "USD"])
    ws.append(["SSI US GOV MONEY MARKET CLASS", "CASH_USD", "-", "-", 0.2, "-", 1, "USD"])
    ws.append([])
    ws.append(["Holdings are subject to change. Fictional test fixture."])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_spdr_xlsx_sheet_holdings_header_on_row_five(tmp_path):
    path = tmp_path / "holdings-daily-us-en-spsm.xlsx"
    path.write_bytes(_spdr_xlsx())
    h = parse_holdings(path)
    assert h.kind == "spdr"
    assert h.as_of == "2026-05-05"
    assert list(h.frame.index) == ["ALPX", "MOG-A"]
    assert h.frame.loc["ALPX", "weight"] == pytest.approx(0.00712345)
    assert h.frame.loc["MOG-A", "original_ticker"] == "MOG.A"
    assert h.dropped == {"cash or money market": 1}


@pytest.mark.parametrize("fixture, words", [
    ("error_page.html", "HTML page"),
    ("empty.csv", "empty"),
    ("iwm_truncated.csv", "truncated"),
    ("not_holdings.csv", "no header line with a 'Ticker'"),
])
def test_files_that_are_not_holdings_name_the_file_and_what_was_expected(fixtures, fixture,
                                                                          words):
    with pytest.raises(InputDataError) as info:
        parse_holdings(fixtures / fixture)
    message = str(info.value)
    assert fixture in message and words in message
    assert "iShares holdings CSV" in message or "holdings CSV" in message


def test_truncated_at_a_row_boundary_is_caught_by_missing_trailer_and_weights(fixtures):
    data = (fixtures / "iwm_2026-05-05.csv").read_bytes()
    cut = data.index(b'"GOLF"')                   # whole rows only, no disclaimer
    with pytest.raises(InputDataError, match="truncated"):
        parse_holdings(data[:cut], filename="IWM_holdings.csv")


def test_truncated_inside_the_last_row_reports_the_line(fixtures):
    data = (fixtures / "iwm_2026-05-05.csv").read_bytes()
    cut = data.index(b'"GOLF"') + len(b'"GOLF","GOLF REAL ESTATE TRUST",')
    with pytest.raises(InputDataError, match=r"IWM_holdings.csv:21: the last row has 3 of 15"):
        parse_holdings(data[:cut], filename="IWM_holdings.csv")


def test_header_without_rows_is_an_error(fixtures):
    data = (fixtures / "iwm_2026-05-05.csv").read_bytes()
    cut = data.index(b'"ALPX"')
    with pytest.raises(InputDataError, match="no holdings rows"):
        parse_holdings(data[:cut], filename="IWM_holdings.csv")


def test_ishares_header_without_name_column_is_an_error():
    body = (b'iShares Fund\nFund Holdings as of,"May 05, 2026"\n'
            b'Ticker,Sector,Asset Class,Weight (%)\n"AAA","Energy","Equity","1.0"\n')
    with pytest.raises(InputDataError, match="x.csv:3: the header has no 'Name' column"):
        parse_holdings(body, filename="x.csv")


def test_cp1252_bytes_are_read_with_a_note():
    body = "Ticker,Name\nAAA,Soci\xe9t\xe9 G\xe9n\xe9rale\n".encode("cp1252")
    h = parse_holdings(body, filename="old.csv")
    assert h.frame.loc["AAA", "name"] == "Soci\u00e9t\u00e9 G\u00e9n\u00e9rale"
    assert any("cp1252" in n for n in h.notes)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(InputDataError, match="nope.csv: file not found"):
        parse_holdings(tmp_path / "nope.csv")


def test_a_broken_xlsx_is_named(tmp_path):
    path = tmp_path / "spsm.xlsx"
    path.write_bytes(_spdr_xlsx()[:300])
    with pytest.raises(InputDataError, match="spsm.xlsx: not a readable xlsx"):
        parse_holdings(path)


def _iwm_like(n_equities: int) -> bytes:
    """A full-size file in the exact iShares layout (generated, fictional names)."""
    head = ('iShares Russell 2000 ETF\r\nFund Holdings as of,"Apr 30, 2026"\r\n'
            'Inception Date,"May 22, 2000"\r\nShares Outstanding,"282,150,000.00"\r\n'
            'Stock,"-"\r\nBond,"-"\r\nCash,"-"\r\nOther,"-"\r\n\u00a0\r\n'
            "Ticker,Name,Sector,Asset Class,Market Value,Weight (%),Notional Value,Quantity,"
            "Price,Location,Exchange,Currency,FX Rate,Market Currency,Accrual Date\r\n")
    rows = []
    for i in range(n_equities):
        t = "".join(chr(65 + (i // 26 ** k) % 26) for k in range(4))
        rows.append(f'"{t}","COMPANY {i} INC","Industrials","Equity","1,234,567.89",'
                    f'"{99.0 / n_equities:.4f}","1,234,567.89","1,000.00","1,234.57",'
                    '"United States","NASDAQ","USD","1.00","USD","-"')
    rows += [('"XTSLA","BLK CSH FND TREASURY SL AGENCY","Cash and/or Derivatives","Money Market",'
             '"1.00","0.50","1.00","1.00","1.00","United States","-","USD","1.00","USD","-"'),
             ('"USD","USD CASH","Cash and/or Derivatives","Cash","1.00","0.50","1.00","1.00",'
             '"100.00","United States","-","USD","1.00","USD","-"'),
             ('"RTYM6","RUSSELL 2000 EMINI JUN 26","Cash and/or Derivatives","Futures","0.00",'
             '"0.00","1.00","1.00","1.00","United States","Chicago Mercantile Exchange","USD",'
             '"1.00","USD","-"'),
             ('"-","ESCROW CVR","Health Care","Equity","0.00","0.00","0.00","1.00","0.00",'
             '"United States","NO MARKET (E.G. UNLISTED)","USD","1.00","USD","-"'),
             ('"EUR","EUR CASH","Cash and/or Derivatives","Cash","1.00","0.00","1.00","1.00",'
             '"1.00","Eurozone","-","EUR","1.10","EUR","-"')]
    tail = '\r\n\u00a0\r\n"The content contained herein is owned or licensed by BlackRock.\n\nMore."\r\n'
    return ("\ufeff" + head + "\r\n".join(rows) + tail).encode("utf-8")


def test_full_size_file_keeps_1925_of_1930_rows():
    h = parse_holdings(_iwm_like(1925), filename="IWM_holdings.csv")
    assert h.rows_total == 1930 and h.kept == 1925 and h.as_of == "2026-04-30"
    assert sum(h.dropped.values()) == 5
    assert h.frame["weight"].sum() == pytest.approx(0.99, abs=0.01)


def test_a_file_with_no_equities_is_an_error():
    body = (b'Ticker,Name,Asset Class\n"USD","USD CASH","Cash"\n')
    with pytest.raises(InputDataError, match="cash.csv: no equity constituents"):
        parse_holdings(body, filename="cash.csv")


def test_a_quote_inside_an_unquoted_value_is_not_mistaken_for_truncation():
    body = b'Ticker,Name\nAAA,5" Screens Corp\nBBB,Bravo\n'
    assert parse_holdings(body, filename="q.csv").frame.loc["AAA", "name"] == '5" Screens Corp'
