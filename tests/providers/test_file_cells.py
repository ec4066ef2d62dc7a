"""Bring-your-own file: one bad cell never sends a name back to an older fiscal year; signs
and scales per column; invalid cells reach the Data quality sheet through the store."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from screener.errors import ConfigError
from screener.metrics import build_standard_frame
from screener.providers.file import import_file
from screener.providers.file_mapping import load_mapping

AS_OF = date(2022, 6, 30)
# a vendor export: values in thousands, capex and interest written as negative numbers
EXPORT = """Ticker,Fiscal Year,Revenue,Operating Income,Interest Expense,Capex,Op Cash Flow,Total Assets
OLDY,2019,"90,000","9,000","-1,000","-4,000","12,000","200,000"
OLDY,2021,"120,000","15,000","-1,500","-6,000","20,000","240,000"
BAD,2019,"50,000","5,000",-500,-100,"7,000","80,000"
BAD,2021,"60,000","6,000",n.m.,-200,"8,000","90,000"
"""


def frame_of(bundle):
    """The standard frame as a run builds it (a run takes names from the universe)."""
    from screener.raw.bundle import block_from_records

    tickers = bundle.statements.index.get_level_values("ticker").unique()
    bundle.identity = block_from_records("identity", [{"ticker": t, "name": t} for t in tickers])
    return build_standard_frame(bundle, as_of=AS_OF)


def write(tmp_path: Path, mapping: str, export: str = EXPORT) -> tuple[Path, Path]:
    (tmp_path / "export.csv").write_text(export)
    (tmp_path / "map.yaml").write_text(mapping)
    return tmp_path / "export.csv", tmp_path / "map.yaml"


PLAIN = """ticker: Ticker
fiscal_year: Fiscal Year
units: {default: thousands}
columns:
  Revenue: statements.revenue
  Operating Income: statements.operating_income
  Interest Expense: statements.interest_expense
  Capex: statements.capital_expenditure
  Op Cash Flow: statements.operating_cash_flow
  Total Assets: statements.total_assets
"""


def test_a_negative_capex_empties_that_cell_not_the_fiscal_year(tmp_path):
    rep = import_file(*write(tmp_path, PLAIN), as_of=AS_OF)
    st = rep.bundle.statements
    # the real case: FY2019 was used although FY2021 was in the file; now FY2021 is kept
    assert sorted(st.loc["OLDY"].index) == [2019, 2021]
    assert st.loc[("OLDY", 2021), "revenue"] == 120e6
    assert pd.isna(st.loc[("OLDY", 2021), "capital_expenditure"])
    cells = rep.cells_emptied
    assert set(cells["column"]) == {"Interest Expense", "Capex"}
    assert "add 'sign: flip' for 'Capex'" in cells[cells.column == "Capex"]["reason"].iloc[0]
    frame = frame_of(rep.bundle)
    assert frame.provenance.loc["OLDY", "statements_fiscal_year"] == 2021
    assert frame.frame.loc["OLDY", "revenue_fy"] == 120e6
    invalid = [f for f in frame.failures if f.source == "validation"]
    assert any(f.ticker == "OLDY" and "Capex='-6,000' (export.csv row 3 FY2021)" in f.reason
               and "left empty" in f.reason for f in invalid)


@pytest.mark.parametrize("mapping", [
    PLAIN + "sign:\n  Capex: flip\n  Interest Expense: abs\n",
    """ticker: Ticker
fiscal_year: Fiscal Year
columns:
  Revenue: {field: statements.revenue, units: thousands}
  Operating Income: {field: statements.operating_income, scale: 1000}
  Interest Expense: {field: statements.interest_expense, units: thousands, sign: abs}
  Capex: {field: statements.capital_expenditure, units: thousands, sign: flip}
  Op Cash Flow: {field: statements.operating_cash_flow, units: thousands}
  Total Assets: {field: statements.total_assets, units: thousands}
"""], ids=["sections", "inline"])
def test_sign_and_scale_per_column(tmp_path, mapping):
    rep = import_file(*write(tmp_path, mapping), as_of=AS_OF)
    st = rep.bundle.statements
    assert st.loc[("OLDY", 2021), "capital_expenditure"] == 6e6
    assert st.loc[("OLDY", 2021), "interest_expense"] == 1.5e6
    assert st.loc[("OLDY", 2021), "operating_income"] == 15e6
    assert rep.cells_emptied["column"].tolist() == ["Interest Expense"]  # BAD's "n.m." only
    f = frame_of(rep.bundle).frame
    assert f.loc["OLDY", "interest_coverage"] == pytest.approx(10.0)
    assert f.loc["OLDY", "fcf_fy"] == 14e6                  # 20,000 - 6,000 thousand
    assert pd.isna(f.loc["BAD", "interest_coverage"]) and f.loc["BAD", "revenue_fy"] == 60e6


def test_sign_or_scale_on_an_unmapped_column_fails_with_line_and_suggestion(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(PLAIN + "sign:\n  Capx: flip\nscale:\n  Revenue: -5\n")
    with pytest.raises(ConfigError) as err:
        load_mapping(path)
    text = str(err.value)
    assert "sign: 'Capx' is not a mapped column" in text and "Did you mean 'Capex'?" in text
    assert "scale for 'Revenue' must be a positive number" in text
    assert "m.yaml:12: sign:" in text  # the line of "Capx: flip"


def test_invalid_cells_are_stored_empty_reported_and_exit_2(tmp_path):
    from screener.cli import cli
    from screener.store import Store, load_bundle

    csv, mapping = write(tmp_path, PLAIN)
    store_path = tmp_path / "store.sqlite"
    res = CliRunner().invoke(cli, ["fetch", "--from-file", str(csv), "--mapping", str(mapping),
                                   "--store", str(store_path)])
    assert res.exit_code == 2, res.output        # bad input, said clearly; the rest is stored
    assert "add 'sign: flip'" in res.output and "Traceback" not in res.output
    assert "4 row(s) accepted, 0 rejected, 8 invalid cell(s) left empty" in res.output
    assert "row 3\tOLDY\tCapex\t'-6,000'" in res.output
    with Store.open(store_path) as store:
        bundle = load_bundle(store, ["OLDY", "BAD"])
    reasons = [f.reason for f in bundle.failures if f.source == "validation"]
    assert len(reasons) == 8 and any("Capex='-6,000'" in r for r in reasons)


def test_documented_mapping_examples_load(tmp_path):
    """The examples in the mapping's documentation and the README are valid mappings."""
    import re

    import screener.providers.file_mapping as fm

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    blocks = re.split(r"\n\s*\n", fm.__doc__)
    blocks.append(re.search(r"```yaml\n(.*?)```", readme[readme.index("Your own file"):],
                            re.DOTALL).group(1))
    loaded = []
    for i, block in enumerate(b for b in blocks if "ticker:" in b and "columns:" in b):
        lines = [line for line in block.splitlines() if line.strip()]
        indent = min(len(line) - len(line.lstrip()) for line in lines)
        path = tmp_path / f"m{i}.yaml"
        path.write_text("\n".join(line[indent:] for line in lines))
        loaded.append(load_mapping(path))
    assert len(loaded) == 4
    assert {"Capital Expenditures": "flip", "Interest Expense": "abs"} == loaded[-1].sign
    assert loaded[-1].transform("Shares (M)", "shares_outstanding", 2.5) == 2.5e6  # x1000 x1000
