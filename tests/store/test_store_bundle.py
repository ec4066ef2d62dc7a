"""Stored payloads -> RawBundle: one source per block and ticker, by documented priority."""

from __future__ import annotations

import json
from datetime import date

from screener.store import Store


class FakeProvider:
    """Parses a JSON payload {block: [records]} as-is; counts calls (cache check)."""

    parser_version = "t1"

    def __init__(self):
        self.calls = 0

    def parse(self, ticker, dataset, payload, as_of):
        self.calls += 1
        data = json.loads(payload)
        return {b: [{"ticker": ticker, **r} for r in recs] for b, recs in data.items()}


def _put(store, source, ticker, blocks):
    store.put(source, "main", ticker, date(2025, 1, 1), json.dumps(blocks).encode())


def test_blocks_come_from_one_source_each_by_priority(tmp_path):
    fakes = {"sec": FakeProvider(), "fmp": FakeProvider(), "yahoo": FakeProvider()}
    with Store.open(tmp_path / "s.sqlite") as st:
        _put(st, "sec", "ACME", {
            "ladder": [{"as_of": "2024-12-31", "due_y1": 1.0}],
            "statements": [{"fiscal_year": 2023, "revenue": 9.0},
                           {"fiscal_year": 2024, "revenue": 10.0}],
        })
        _put(st, "fmp", "ACME", {
            "ladder": [{"as_of": "2024-12-31", "due_y1": 2.0}],
            "statements": [{"fiscal_year": 2024, "revenue": 11.0}],
            "market": [{"price": 5.0}],
        })
        _put(st, "yahoo", "ACME", {"market": [{"price": 6.0}]})
        _put(st, "sec", "BETA", {"statements": [{"fiscal_year": 2024, "revenue": 3.0}]})
        bundle = st.load_bundle(["ACME", "BETA", "GAMMA"], providers=fakes)
    assert bundle.ladder.loc["ACME", "due_y1"] == 1.0 and bundle.ladder.loc["ACME", "source"] == "sec"
    # statements: fmp wins for ACME as a whole (no 2023 row stitched in from sec)
    acme = bundle.statements.loc["ACME"]
    assert list(acme.index) == [2024] and acme.loc[2024, "revenue"] == 11.0
    assert bundle.statements.loc[("BETA", 2024), "source"] == "sec"
    assert bundle.market.loc["ACME", "price"] == 6.0 and bundle.market.loc["ACME", "source"] == "yahoo"
    missing = {(f.ticker, f.source) for f in bundle.failures}
    assert ("GAMMA", "sec") in missing and ("BETA", "fmp") in missing


def test_parsed_records_are_cached_until_the_payload_changes(tmp_path):
    fake = FakeProvider()
    with Store.open(tmp_path / "s.sqlite") as st:
        _put(st, "sec", "ACME", {"ladder": [{"due_y1": 1.0}]})
        st.load_bundle(["ACME"], providers={"sec": fake})
        st.load_bundle(["ACME"], providers={"sec": fake})
        assert fake.calls == 1
        _put(st, "sec", "ACME", {"ladder": [{"due_y1": 7.0}]})
        bundle = st.load_bundle(["ACME"], providers={"sec": fake})
        assert fake.calls == 2 and bundle.ladder.loc["ACME", "due_y1"] == 7.0


def test_unreadable_payload_fails_that_name_only(tmp_path):
    fake = FakeProvider()
    with Store.open(tmp_path / "s.sqlite") as st:
        _put(st, "sec", "GOOD", {"ladder": [{"due_y1": 1.0}]})
        st.put("sec", "main", "BAD", date(2025, 1, 1), b"\x00not json")
        bundle = st.load_bundle(["GOOD", "BAD"], providers={"sec": fake})
    assert list(bundle.ladder.index) == ["GOOD"]
    [fail] = [f for f in bundle.failures if f.ticker == "BAD"]
    assert "unreadable" in fail.reason


def test_as_of_picks_the_snapshot_of_that_date(tmp_path):
    fake = FakeProvider()
    with Store.open(tmp_path / "s.sqlite") as st:
        st.put("sec", "main", "ACME", date(2025, 1, 1), json.dumps({"ladder": [{"due_y1": 1.0}]}).encode())
        st.put("sec", "main", "ACME", date(2025, 6, 1), json.dumps({"ladder": [{"due_y1": 2.0}]}).encode())
        early = st.load_bundle(["ACME"], as_of=date(2025, 3, 1), providers={"sec": fake})
        late = st.load_bundle(["ACME"], providers={"sec": fake})
    assert early.ladder.loc["ACME", "due_y1"] == 1.0 and late.ladder.loc["ACME", "due_y1"] == 2.0
