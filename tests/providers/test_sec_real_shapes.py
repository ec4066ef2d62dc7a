"""SEC companyfacts parser on hand-written fixtures in shapes seen in real files.

Real shapes (public code and docs): ``cik`` is a number, every concept has ``label`` and
``description``; ``dei`` holds cover-page facts (``EntityCommonStockSharesOutstanding`` in
``shares``, ``EntityPublicFloat`` in ``USD``); amounts come as ``USD``, ``USD/shares``, ``shares``
(or another currency for some filers); ``fy``/``fp`` are those of the FILING, so comparatives of
older periods carry the later filing's ``fy``; one period end is repeated by a 10-Q comparative,
the 10-K, a 10-K/A restatement and the next 10-K (which adds ``frame``); 10-Ks also hold 3-month
Q4 durations with ``fp: "FY"``; one filing may tag one maturity table with classic AND rolling tags.
"""

from __future__ import annotations

import copy
import json
import random
import time
from datetime import date, timedelta
from pathlib import Path

from screener.providers.sec_facts import annual_statements, maturity_ladder, parse_companyfacts

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "sec" / "real_shapes"
M = 1_000_000
LADDER = ("due_y1", "due_y2", "due_y3", "due_y4", "due_y5", "due_after_y5")


def load(name):
    return json.loads((FIX / name).read_text())


def test_one_table_tagged_with_classic_and_rolling_tags_is_read_whole():
    rec, fails = maturity_ladder("MIX", load("mixed_family_10k.json"), as_of=date(2025, 6, 30))
    assert rec["as_of"] == "2024-12-31"
    assert [rec[k] for k in LADDER] == [55 * M, 60 * M, 70 * M, 0.0, 80 * M, 300 * M]
    assert "mixed classic and rolling" in rec["note"] and "not reported" not in rec["note"]
    assert fails == []          # the 2019 classic year-two (999) and the 8-K are not used


def test_partial_10q_ladder_keeps_an_unknown_tail_and_ignores_a_typo_date():
    rec, _ = maturity_ladder("PART", load("partial_10q_ladder.json"), as_of=date(2025, 6, 30))
    assert rec["as_of"] == "2025-03-31"            # not the 2205-03-31 typo
    assert [rec[k] for k in LADDER] == [12 * M, 21 * M, 31 * M, 41 * M, None, None]
    assert "not reported: due_y5, due_after_y5" in rec["note"]
    assert "taken from the last 10-K" not in rec["note"]


def test_empty_units_and_malformed_entries_do_not_break_statements():
    out = parse_companyfacts("PART", load("partial_10q_ladder.json"), as_of=date(2025, 6, 30))
    (st,) = out["statements"]
    assert st["interest_expense"] == 9 * M and "total_debt" not in st


def test_restatements_comparatives_and_quarter_durations_in_10k():
    recs, _ = annual_statements("RW", load("restated_comparatives.json"))
    by_year = {r["fiscal_year"]: r for r in recs}
    assert sorted(by_year) == [2008, 2009, 2010]
    assert by_year[2008]["total_assets"] == 36_171 * M       # the 10-K/A value, not 39,572
    assert by_year[2008]["revenue"] == 37_491 * M
    assert by_year[2009]["revenue"] == 42_905 * M            # restated, not the original 36,537
    assert by_year[2010]["revenue"] == 65_225 * M            # not the Q4 duration (20,343)
    assert by_year[2010]["eps_diluted"] == 15.15 and by_year[2010]["shares_diluted"] == 916_363_000


def test_other_currency_filer_gets_a_reason():
    out = parse_companyfacts("CNYX", load("foreign_currency_units.json"), as_of=date(2025, 6, 30))
    reasons = [f["reason"] for f in out["_failures"]]
    assert len(reasons) == 2 and all("CNY, not USD" in r for r in reasons)


def test_52_53_week_retailer_keeps_its_fiscal_year_labels():
    recs, _ = annual_statements("RET", load("retail_53_week.json"))
    assert [(r["fiscal_year"], r["period_end"]) for r in recs] == [
        (2022, "2023-01-28"), (2023, "2024-02-03"), (2024, "2025-02-01")]


def test_a_filing_with_a_wrong_fy_does_not_swallow_a_year():
    data = load("retail_53_week.json")
    for e in data["facts"]["us-gaap"]["RevenueFromContractWithCustomerExcludingAssessedTax"][
            "units"]["USD"]:
        if e["accn"].endswith("25-000001"):
            e["fy"] = 2023                              # the FY2024 10-K says fy 2023
    for e in data["facts"]["us-gaap"]["OperatingIncomeLoss"]["units"]["USD"]:
        if e["accn"].endswith("25-000001"):
            e["fy"] = 2023
    recs, _ = annual_statements("RET", data)
    assert [(r["fiscal_year"], r["period_end"]) for r in recs] == [
        (2022, "2023-01-28"), (2023, "2024-02-03"), (2024, "2025-02-01")]


# -- a huge file: the size of a long-lived filer's companyfacts (several MB) -----------------
def _huge_companyfacts(n_tags: int = 300, years: int = 16, seed: int = 7) -> dict:
    rnd = random.Random(seed)
    base = load("partial_10q_ladder.json")
    gaap = copy.deepcopy(base["facts"]["us-gaap"])
    names = ["Revenues", "CostOfRevenue", "OperatingIncomeLoss", "NetIncomeLoss", "Assets",
             "Liabilities", "StockholdersEquity", "LongTermDebt", "LongTermDebtCurrent",
             "CashAndCashEquivalentsAtCarryingValue", "InterestExpense",
             "NetCashProvidedByUsedInOperatingActivities",
             "PaymentsToAcquirePropertyPlantAndEquipment", "AssetsCurrent", "LiabilitiesCurrent"]
    names += [f"CustomElement{i:04d}" for i in range(n_tags - len(names))]
    flows = {"Revenues", "CostOfRevenue", "OperatingIncomeLoss", "NetIncomeLoss", "InterestExpense",
             "NetCashProvidedByUsedInOperatingActivities",
             "PaymentsToAcquirePropertyPlantAndEquipment"}
    for name in names:
        flow = name in flows or rnd.random() < 0.5
        entries = []
        for y in range(2010, 2010 + years):
            fy_end = date(y, 12, 31)
            for q in range(4):                          # 3 10-Qs and a 10-K per year
                end = [date(y, 3, 31), date(y, 6, 30), date(y, 9, 30), fy_end][q]
                form, fp = ("10-K", "FY") if q == 3 else ("10-Q", f"Q{q + 1}")
                filed = end + timedelta(days=40 + rnd.randint(0, 20))
                accn = f"0000099999-{(filed.year % 100):02d}-{y * 10 + q:06d}"
                for back in range(3 if form == "10-K" else 2):       # comparatives
                    e_end = end.replace(year=end.year - back)
                    e = {"end": e_end.isoformat(), "val": rnd.randint(-10**9, 10**10),
                         "accn": accn, "fy": y, "fp": fp, "form": form,
                         "filed": filed.isoformat()}
                    if flow:
                        start = date(e_end.year, 1, 1) if form == "10-K" else \
                            e_end - timedelta(days=90)
                        e = {"start": start.isoformat(), **e}
                    if back == 0 and rnd.random() < 0.7:
                        e["frame"] = f"CY{e_end.year}" + ("" if flow else "Q4I")
                    entries.append(e)
        gaap[name] = {"label": name, "description": "Synthetic. " * 8, "units": {"USD": entries}}
    return {"cik": 99999, "entityName": "Huge Filer Inc", "facts": {
        "dei": base["facts"]["dei"], "us-gaap": gaap}}


def test_a_huge_companyfacts_file_parses_fast(capsys):
    data = _huge_companyfacts()
    raw = json.dumps(data)
    n_facts = sum(len(c["units"]["USD"]) for c in data["facts"]["us-gaap"].values()
                  if "USD" in c["units"])
    t0 = time.perf_counter()
    doc = json.loads(raw)
    t1 = time.perf_counter()
    out = parse_companyfacts("HUGE", doc, as_of=date(2026, 3, 1))
    t2 = time.perf_counter()
    with capsys.disabled():
        print(f"\n[huge companyfacts] {len(raw) / 1e6:.1f} MB, {n_facts} facts: json.loads "
              f"{t1 - t0:.3f}s, parse_companyfacts {t2 - t1:.3f}s")
    assert len(raw) > 5_000_000 and n_facts > 40_000
    assert len(out["statements"]) == 6 and out["statements"][-1]["fiscal_year"] == 2025
    assert out["ladder"][0]["as_of"] == "2025-03-31"
