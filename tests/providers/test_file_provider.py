"""Bring-your-own-data: CSV/xlsx/parquet + mapping.yaml -> raw blocks, with rejected rows."""

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from screener.errors import ConfigError, InputDataError
from screener.providers.file import FileProvider, import_file, normalise_ticker
from screener.providers.file_mapping import load_mapping

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "files"
CSV = FIX / "bloomberg_export.csv"
MAPPING = FIX / "bloomberg_mapping.yaml"
AS_OF = date(2026, 5, 8)


def test_bloomberg_csv_units_percent_and_tickers():
    rep = import_file(CSV, MAPPING, as_of=AS_OF)
    assert rep.accepted == 4 and rep.rejected.empty
    st = rep.bundle.statements
    assert st.loc[("ABCD", 2025), "revenue"] == 800e6  # millions -> USD
    assert st.loc[("EFGH", 2025), "revenue"] == pytest.approx(1_250.5e6)  # "1,250.5"
    assert st.loc[("MOG-A", 2025), "capital_expenditure"] == 120e6
    assert (st["source"] == "file").all()
    mk = rep.bundle.market
    assert mk.loc["ABCD", "shares_outstanding"] == 50e6
    assert mk.loc["ABCD", "price"] == 25.0  # a price is never scaled by units.default
    assert mk.loc["ABCD", "short_pct_float"] == pytest.approx(0.1215)  # 12.15 -> fraction
    assert rep.bundle.estimates.loc["EFGH", "eps_cy"] == 2.10  # per-share: not scaled
    assert rep.bundle.identity.loc["MOG-A", "name"] == "Moog Inc"
    assert list(rep.bundle.identity.index) == ["ABCD", "EFGH", "MOG-A"]  # one row per ticker


def test_bad_cells_are_left_empty_bad_rows_listed_and_the_rest_kept():
    rep = import_file(FIX / "broken_rows.csv", MAPPING, as_of=AS_OF)
    # GOOD, TEXT and NEGS (one bad cell each: only that cell is dropped), the first DUPE
    assert rep.accepted == 4
    assert sorted(rep.bundle.identity.index) == ["DUPE", "GOOD", "NEGS", "TEXT"]
    rej = rep.rejected.set_index("row")
    assert rej.loc[3, "column"] == "Revenue" and rej.loc[3, "value"] == "n.m."
    assert rej.loc[3, "reason"] == "not a number" and rej.loc[3, "ticker"] == "TEXT"
    assert rej.loc[3, "action"] == "cell left empty"
    assert rej.loc[4, "column"] == "Shares Out" and "impossible" in rej.loc[4, "reason"]
    st = rep.bundle.statements
    assert pd.isna(st.loc[("TEXT", 2025), "revenue"]) and st.loc[("TEXT", 2025), "ebitda"] == 20e6
    assert pd.isna(rep.bundle.market.loc["NEGS", "shares_outstanding"])
    assert rep.bundle.market.loc["NEGS", "price"] == 12.5
    assert set(rep.rows_rejected["ticker"].dropna()) == {"DUPE", "CONF"}
    assert "2 invalid cell(s) left empty" in rep.summary()
    assert "duplicate of row 5" in rej.loc[6, "reason"]
    assert rep.rejected[rep.rejected.ticker == "CONF"]["row"].tolist() == [7, 8]
    assert "conflicting" in rej.loc[7, "reason"]
    assert rej.loc[9, "reason"] == "missing or malformed ticker"
    assert rej.loc[9, "action"] == "row rejected"


def test_xlsx_and_parquet_made_here(tmp_path):
    frame = pd.DataFrame({"Ticker": ["abcd", "BRK/B"], "Mkt Cap": [1250.0, 900_000.0],
                          "Beta": [1.4, 0.9]})
    mapping = tmp_path / "m.yaml"
    mapping.write_text("ticker: Ticker\nunits: {default: millions}\n"
                       "columns:\n  Mkt Cap: market.market_cap\n  Beta: market.beta\n")
    frame.to_excel(tmp_path / "snap.xlsx", index=False)
    frame.to_parquet(tmp_path / "snap.parquet")
    for name in ("snap.xlsx", "snap.parquet"):
        rep = import_file(tmp_path / name, mapping, as_of=AS_OF)
        mk = rep.bundle.market
        assert mk.loc["ABCD", "market_cap"] == 1.25e9
        assert mk.loc["BRK-B", "beta"] == 0.9


def test_stored_snapshots_read_back_by_the_provider(tmp_path):
    from screener.store import Store, load_bundle

    with Store.open(tmp_path / "store.sqlite") as store:
        import_file(CSV, MAPPING, store=store, as_of=AS_OF)
        snap = store.latest("file", "records", "ABCD")
        assert snap is not None and snap.as_of == AS_OF
        provider = FileProvider()
        provider.use_store(store)  # the payload refers to the file kept in the journal
        recs = provider.parse("ABCD", "records", snap.payload, AS_OF)
        assert [r["fiscal_year"] for r in recs["statements"]] == [2025, 2024]
        bundle = load_bundle(store, ["ABCD", "EFGH"])
    assert bundle.statements.loc[("EFGH", 2025), "total_debt"] == 150e6
    assert bundle.market.loc["ABCD", "short_pct_float"] == pytest.approx(0.1215)


def test_missing_mapped_column_names_file_and_column(tmp_path):
    bad = tmp_path / "export.csv"
    bad.write_text("Ticker,FY,Revenues\nABCD,2025,1\n")
    with pytest.raises(InputDataError) as err:
        import_file(bad, MAPPING)
    msg = str(err.value)
    assert "export.csv" in msg and "'Revenue'" in msg and "Did you mean 'Revenues'" in msg


def test_mapping_typos_fail_with_line_and_suggestion(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_mapping(FIX / "mapping_typo.yaml")
    assert "mapping_typo.yaml:3" in str(err.value) and "'units'" in str(err.value)
    m = tmp_path / "m.yaml"
    m.write_text("ticker: Ticker\nfiscal_year: FY\ncolumns:\n  Revenue: statements.revenu\n"
                 "  Px: market.prise\n")
    with pytest.raises(ConfigError) as err:
        load_mapping(m)
    text = str(err.value)
    assert "2 problems" in text and "m.yaml:4" in text and "m.yaml:5" in text
    assert "Did you mean 'statements.revenue'" in text and "'market.price'" in text


def test_statements_without_fiscal_year_column_is_a_config_error(tmp_path):
    m = tmp_path / "m.yaml"
    m.write_text("ticker: Ticker\ncolumns:\n  Revenue: statements.revenue\n")
    with pytest.raises(ConfigError, match="fiscal_year"):
        load_mapping(m)


@pytest.mark.parametrize("name, content", [
    ("x.json", "{}"), ("missing.csv", None), ("broken.xlsx", "not a zip"),
    ("broken.parquet", "PAR1garbage"),
])
def test_unreadable_files_are_input_errors(tmp_path, name, content):
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    with pytest.raises(InputDataError, match=name):
        import_file(path, MAPPING)


def test_ticker_normalisation():
    assert normalise_ticker(" aapl us equity ") == "AAPL"
    assert normalise_ticker("BRK/B") == "BRK-B" and normalise_ticker("MOG A") == "MOG-A"
    assert normalise_ticker(None) is None
