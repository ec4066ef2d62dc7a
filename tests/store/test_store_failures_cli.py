"""`screener store failures` also lists what is stored but flagged: stale data (what the fetch
hint points to) and invalid cells left empty by a file import."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from click.testing import CliRunner

from screener.cli import cli
from screener.store import Store

SEC = Path(__file__).resolve().parents[1] / "fixtures" / "sec"


def test_store_failures_lists_stale_and_invalid_data(tmp_path):
    store_path = tmp_path / "store.sqlite"
    with Store.open(store_path) as store:   # a companyfacts file whose latest 10-K is old
        store.put("sec", "companyfacts", "STAL", date(2025, 6, 1),
                  (SEC / "stale.json").read_bytes())
    (tmp_path / "f.csv").write_text("Ticker,FY,Revenue,Capex\nOLDF,2019,100,-5\n")
    (tmp_path / "m.yaml").write_text("ticker: Ticker\nfiscal_year: FY\ncolumns:\n"
                                     "  Revenue: statements.revenue\n"
                                     "  Capex: statements.capital_expenditure\n")
    CliRunner().invoke(cli, ["fetch", "--from-file", str(tmp_path / "f.csv"), "--mapping",
                             str(tmp_path / "m.yaml"), "--store", str(store_path)])
    res = CliRunner().invoke(cli, ["store", "failures", "--store", str(store_path)])
    assert res.exit_code == 0, res.output
    out = res.output
    assert "No unresolved failures." in out           # nothing failed to fetch ...
    stale = out.split("Stale data")[1].split("Invalid values")[0]
    assert "STAL\tsec/statements\tstale:" in stale      # ... but stale data is listed
    assert "OLDF\tmetrics/statements\tstale: latest statements are for fiscal year 2019" in stale
    assert "OLDF\tvalidation/statements\tCapex='-5'" in out.split("Invalid values")[1]
