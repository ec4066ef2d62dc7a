"""Parsed blocks kept as columns beside the journal: loaded without parsing again, rebuilt when
the payload or the parser changes, never a cache inside the SQLite file."""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import date

from screener.store import Store
from screener.store.bundle import columns_root


class Counting:
    """Parses a JSON payload {block: [records]} as-is and counts the payloads it parsed."""

    def __init__(self, version="v1"):
        self.parser_version = version
        self.calls = 0

    def parse(self, ticker, dataset, payload, as_of):
        self.calls += 1
        data = json.loads(payload)
        return {b: [{"ticker": ticker, **r} for r in recs] for b, recs in data.items()}


def _put(store, ticker, blocks, day=date(2025, 1, 1)):
    store.put("sec", "main", ticker, day, json.dumps(blocks).encode())


def _fill(store, n=30):
    for i in range(n):
        _put(store, f"T{i:03d}", {
            "identity": [{"name": f"Name {i}", "sector": "Energy" if i % 2 else None}],
            "statements": [{"fiscal_year": 2023, "revenue": 10.0 + i, "filed": "2024-02-01"},
                           {"fiscal_year": 2024, "revenue": 20.0 + i, "filed": "2025-02-01"}],
            "ladder": [{"as_of": "2024-12-31", "due_y1": float(i)}],
            "_failures": [{"ticker": f"T{i:03d}", "source": "validation",
                           "dataset": "statements", "reason": f"cell {i} left empty"}],
        })


def test_a_second_load_reads_columns_and_parses_nothing(tmp_path):
    p = Counting()
    with Store.open(tmp_path / "s.sqlite") as st:
        _fill(st)
        names = [f"T{i:03d}" for i in range(30)]
        first = st.load_bundle(names, providers={"sec": p})
        size = os.path.getsize(st.path)
        second = st.load_bundle(names, providers={"sec": p})
        assert p.calls == 30  # parsed once, read from columns afterwards
        assert os.path.getsize(st.path) == size  # nothing cached inside the journal
    for block in ("identity", "statements", "ladder"):
        assert first.block(block).equals(second.block(block))
    assert second.statements.loc[("T007", 2024), "revenue"] == 27.0
    assert second.ladder.loc["T029", "due_y1"] == 29.0
    # a key the parser adds beyond the declared fields is kept, in the parser's column order
    assert second.statements.loc[("T001", 2023), "filed"] == "2024-02-01"
    assert list(second.statements.columns[:2]) == ["revenue", "filed"]
    assert [f.reason for f in second.failures if f.ticker == "T005"] == ["cell 5 left empty"]
    folder = columns_root(st) / "sec"
    assert {f.name for f in folder.glob("*.parquet")} >= {
        "index.parquet", "statements.parquet", "ladder.parquet", "identity.parquet"}
    with sqlite3.connect(tmp_path / "s.sqlite") as raw:
        tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master")}
    assert "parsed" not in tables


def test_a_new_parser_version_or_a_replaced_payload_parses_again(tmp_path):
    with Store.open(tmp_path / "s.sqlite") as st:
        _fill(st, 3)
        names = ["T000", "T001", "T002"]
        st.load_bundle(names, providers={"sec": Counting("v1")})
        newer = Counting("v2")
        st.load_bundle(names, providers={"sec": newer})
        assert newer.calls == 3
        _put(st, "T001", {"ladder": [{"due_y1": 99.0}]})  # re-fetched the same day
        again = Counting("v2")
        bundle = st.load_bundle(names, providers={"sec": again})
    assert again.calls == 1
    assert bundle.ladder.loc["T001", "due_y1"] == 99.0
    assert "T001" not in bundle.statements.index.get_level_values("ticker")


def test_rows_written_before_a_kill_are_not_used_without_their_index(tmp_path):
    with Store.open(tmp_path / "s.sqlite") as st:
        _fill(st, 2)
        st.load_bundle(["T000", "T001"], providers={"sec": Counting()})
        (columns_root(st) / "sec" / "index.parquet").unlink()  # killed before the index
        _put(st, "T000", {"ladder": [{"due_y1": 5.0}]})
        p = Counting()
        bundle = st.load_bundle(["T000", "T001"], providers={"sec": p})
    assert p.calls == 2
    assert bundle.ladder["due_y1"].to_dict() == {"T000": 5.0, "T001": 1.0}


def test_an_unwritable_folder_is_reported_and_the_load_uses_memory(tmp_path, monkeypatch,
                                                                  caplog):
    from screener.store import columns

    def refuse(self, target, table):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(columns.SourceColumns, "_atomic", refuse)
    with Store.open(tmp_path / "s.sqlite") as st:
        _fill(st, 2)
        p = Counting()
        bundle = st.load_bundle(["T000", "T001"], providers={"sec": p})
        st.load_bundle(["T000", "T001"], providers={"sec": p})
    assert bundle.statements.loc[("T001", 2024), "revenue"] == 21.0
    assert p.calls == 4  # nothing kept: parsed again, never wrong
    assert "cannot keep parsed columns" in caplog.text
