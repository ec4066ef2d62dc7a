"""Runs as of a past date: members in force then, statements first filed by then, prices up
to that close; every later value planted in the store must stay invisible.

Fixtures: two real-format iShares holdings files (2026-05-05 and 2026-06-12: KILO and LIMA
leave, ZULU and YANK join), a hand-written SEC companyfacts document shifted to 2025-2026, and
daily prices written here.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from screener import pipeline
from screener.cli import cli
from screener.history import HistoryStore
from screener.providers.sec_quarterly import parse_companyfacts_history
from screener.timeaxis import PointInTime

FIX = Path(__file__).resolve().parents[1] / "fixtures"
D = pd.Timestamp("2026-06-20")
LATE = 1e12  # every planted value after D is this big: any leak is obvious


def _shift_years(facts: pd.DataFrame, years: int) -> pd.DataFrame:
    out = facts.copy()
    for col in ("period_start", "period_end", "filed"):
        out[col] = out[col] + pd.DateOffset(years=years)
    out["fiscal_year"] = out["fiscal_year"] + years
    return out


@pytest.fixture
def history(tmp_path):
    from screener.universe import import_file

    for day in ("2026-05-05", "2026-06-12"):
        import_file("russell2000", FIX / "holdings" / f"iwm_{day}.csv")
    h = HistoryStore()
    doc = json.loads((FIX / "sec" / "quarterly_QRTL.json").read_text())
    facts = _shift_years(parse_companyfacts_history("ALPX", doc), 6)  # 2019 -> 2025
    # KILO left the index on 2026-06-12 but keeps its history
    kilo = facts.assign(ticker="KILO", value=facts["value"] * 2)
    h.write("facts", pd.concat([facts, kilo]))
    days = pd.bdate_range("2024-01-02", "2026-09-30")
    rows = []
    for t in ("ALPX", "BRVO", "KILO", "ZULU", "IWM"):
        close = np.where(days <= D, 50.0 + np.arange(len(days)) * 0.01, LATE)
        rows.append(pd.DataFrame({"ticker": t, "date": days, "close": close,
                                  "adj_close": close, "volume": 1000.0, "source": "test"}))
    h.write("prices", pd.concat(rows))
    h.write("estimates", pd.DataFrame({
        "ticker": "ALPX", "as_of": pd.to_datetime(["2026-06-01", "2026-07-01"]),
        "eps_cy": [2.0, LATE], "eps_cy_30d": [1.9, LATE], "source": "test"}))
    return h


def test_members_follow_the_snapshot_in_force(history):
    pit = PointInTime.load(["russell2000"], "2026-05-10", D)
    before, after = pit.members("russell2000", "2026-05-10"), pit.members("russell2000", D)
    assert {"KILO", "LIMA"} <= set(before) and not {"ZULU", "YANK"} & set(before)
    assert {"ZULU", "YANK"} <= set(after) and not {"KILO", "LIMA"} & set(after)
    assert pit.survivorship_biased("russell2000", "2026-01-01")
    assert not pit.survivorship_biased("russell2000", "2026-05-05")
    # the name that left keeps its history: its statements are there on a date it was a member
    b = pit.bundle("2026-05-10")
    assert b.statements.loc["KILO"]["revenue"].iloc[-1] == pytest.approx(2 * 1010)
    assert "KILO" not in pit.bundle(D).identity.index


def test_as_of_run_uses_nothing_published_later(history):
    data = pipeline.load_dataset(["russell2000"], as_of=D.date())
    f = data.frame
    assert f.loc["ALPX", "revenue_ttm"] == pytest.approx(240 + 260 + 300 + 210)  # Q1 2026 TTM
    assert f.loc["ALPX", "revenue_fy"] == 1000.0  # FY 2025 as first filed (not 1010)
    assert f.loc["ALPX", "price"] < 100  # the close of D, not a later one
    numbers = f.select_dtypes("number").to_numpy()
    assert not (np.abs(numbers) >= LATE / 10).any()  # nothing planted after D leaked
    assert "KILO" not in f.index and "ZULU" in f.index and bool(f.loc["ZULU", "in_russell2000"])
    assert data.provenance.loc["ALPX", "statements_basis"] == "ttm"
    assert data.newest["statements (newest filing)"] == "2026-05-07"
    assert data.newest["index membership snapshot"] == "2026-06-12"
    assert data.newest["daily prices (last close)"] == "2026-06-19"  # D is a Saturday
    assert data.universe_as_of == {"russell2000": "2026-06-12"}


def test_later_filings_appear_once_their_date_passes(history):
    later = pipeline.load_dataset(["russell2000"], as_of=pd.Timestamp("2026-08-10").date())
    assert later.frame.loc["ALPX", "revenue_ttm"] == pytest.approx(260 + 300 + 210 + 250)
    assert later.frame.loc["ALPX", "price"] >= LATE  # the planted price is D + a few days


def test_run_as_of_states_the_date_and_newest_data_in_the_workbook(history, tmp_path):
    res = CliRunner().invoke(cli, ["run", "screens/rebound.yaml", "--universe", "russell2000",
                                   "--as-of", "2026-06-20"])
    assert res.exit_code == 0, res.output
    out = next(Path(os.environ["SCREENER_OUTPUT_DIR"]).glob("rebound-asof-2026-06-20-*.xlsx"))
    ws = openpyxl.load_workbook(out)["Summary"]
    cells = {r[0]: r[1] for r in ws.iter_rows(values_only=True) if r and r[0]}
    assert str(cells["Evaluated as of"]).startswith("2026-06-20")
    assert cells["Newest data used: statements (newest filing)"] == "2026-05-07"
    assert cells["Newest data used: daily prices (last close)"] == "2026-06-19"


def test_validate_as_of_reports_what_the_history_holds(history):
    res = CliRunner().invoke(cli, ["validate", "screens/rebound.yaml", "--as-of", "2026-06-20"])
    assert res.exit_code == 0, res.output
    assert ("russell2000: 20 members, snapshot of 2026-06-12; statements first filed by then "
            "for 1, a close on or before it for 3") in res.output
    assert "sp600: The history" in res.output and "no membership snapshot" in res.output
    res = CliRunner().invoke(cli, ["validate", "screens/rebound.yaml", "--as-of", "2026-01-02"])
    assert "survivorship-biased" in res.output


@pytest.mark.slow
def test_sample_history_as_of_never_uses_a_later_filing(tmp_path):
    """On the fictional history (filing lags, 10-Q/A amendments, delistings): the bundle as
    of D equals the bundle built from a copy of the store holding only rows known by D."""
    from screener.sample.history import sample_history

    full = sample_history(2026, 60, 6, cache=tmp_path / "cache")
    d = pd.Timestamp("2024-05-15")
    cut = HistoryStore(tmp_path / "cut")
    for name in ("memberships", "facts", "prices", "estimates", "delistings", "short_interest"):
        cut.write(name, full.read(name, as_of=d))
    later = full.read("facts", where={"form": "10-Q/A"})
    assert (later["filed"] > d).any()  # amendments after D exist and must stay invisible
    a = PointInTime.load(["russell2000"], d, d, history=full).bundle(d)
    b = PointInTime.load(["russell2000"], d, d, history=cut).bundle(d)
    pd.testing.assert_frame_equal(a.statements, b.statements)
    pd.testing.assert_frame_equal(a.annual, b.annual)
    pd.testing.assert_frame_equal(a.market, b.market)
    pd.testing.assert_frame_equal(a.estimates, b.estimates)
    pd.testing.assert_frame_equal(a.ladder, b.ladder)
    assert len(a.ladder) and a.market["short_pct_float"].notna().any()
    assert list(a.identity.index) == list(b.identity.index)
    assert a.prices.dates[-1] <= d
