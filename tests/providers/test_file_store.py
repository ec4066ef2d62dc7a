"""An import's rows in the store: the parsed columns it writes keep the as-of rule, and an
import still works when those columns cannot be written."""

from __future__ import annotations

import logging
from datetime import date

import pandas as pd

from screener.providers.file import import_file
from screener.store import Store

MAPPING = ("ticker: Ticker\nfiscal_year: FY\ncolumns:\n  Name: identity.name\n"
           "  Revenue: statements.revenue\n  Px Last: market.price\n")


def _write(path, rows):
    path.write_text("Ticker,Name,FY,Revenue,Px Last\n" + "".join(f"{r}\n" for r in rows))
    return path


def test_a_later_import_does_not_leak_into_an_earlier_as_of(tmp_path):
    (tmp_path / "m.yaml").write_text(MAPPING)
    early = _write(tmp_path / "early.csv", ["ALFA,Alfa Fictional,2025,100,10",
                                            "BETA,Beta Fictional,2025,n/a,20"])
    late = _write(tmp_path / "late.csv", ["ALFA,Alfa Fictional,2025,999,11",
                                          "BETA,Beta Renamed Fictional,2025,300,-1"])
    with Store.open(tmp_path / "s.sqlite") as store:
        import_file(early, tmp_path / "m.yaml", store=store, as_of=date(2026, 1, 5))
        import_file(late, tmp_path / "m.yaml", store=store, as_of=date(2026, 3, 2))
        then = store.load_bundle(["ALFA", "BETA"], as_of=date(2026, 2, 1))
        now = store.load_bundle(["ALFA", "BETA"])
    assert then.statements.loc[("ALFA", 2025), "revenue"] == 100  # not the later 999
    assert pd.isna(then.statements.loc[("BETA", 2025), "revenue"])
    assert then.market.loc["ALFA", "price"] == 10
    assert then.identity.loc["BETA", "name"] == "Beta Fictional"
    assert now.statements.loc[("ALFA", 2025), "revenue"] == 999
    assert now.identity.loc["BETA", "name"] == "Beta Renamed Fictional"
    assert pd.isna(now.market.loc["BETA", "price"])  # -1 left empty by the later import
    reasons = [f.reason for f in now.failures if f.source == "validation"]
    assert reasons == [("Px Last='-1' (late.csv row 3 FY2025): impossible value for "
                        "market.price (must be > 0) (if the export writes it as a negative "
                        "number, add 'sign: flip' for 'Px Last'); left empty, the rest of the "
                        "row is used")]
    assert not [f for f in then.failures if f.source == "validation"]


def test_columns_that_cannot_be_written_leave_the_import_and_the_load_whole(tmp_path,
                                                                             caplog):
    (tmp_path / "m.yaml").write_text(MAPPING)
    csv = _write(tmp_path / "f.csv", ["ALFA,Alfa Fictional,2025,100,10"])
    (tmp_path / "s.sqlite.columns").write_text("a file where the columns folder would go")
    with Store.open(tmp_path / "s.sqlite") as store, caplog.at_level(logging.WARNING):
        report = import_file(csv, tmp_path / "m.yaml", store=store, as_of=date(2026, 1, 5))
        assert report.accepted == 1
        assert store.tickers("file", "records") == ["ALFA"]  # the journal is written
        bundle = store.load_bundle(["ALFA"])
    assert bundle.statements.loc[("ALFA", 2025), "revenue"] == 100  # parsed from the journal
    assert "cannot keep parsed columns" in caplog.text
