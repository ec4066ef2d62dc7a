"""The journal's payloads are the text ``json.dumps(doc, sort_keys=True)`` writes, to the byte
(the journal is the audit record of an import; its text is built per row from a template)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from tests.providers.test_file_golden import AS_OF, _inputs


def test_records_are_the_text_json_dumps_writes_for_the_same_records():
    from screener.providers.file_journal import _records

    cols = {
        "revenue": np.array([1.5, np.nan, np.inf, -np.inf, 0.1 + 0.2, -0.0, 1e22]),
        "shares": np.array([1, 2, 3, 4, 5, 6, 7], dtype="int64"),
        "period_end": np.array(["2025-12-31", "NaT", "2024-02-29", "2023-01-01",
                                "2022-06-30", "NaT", "1999-12-31"], dtype="datetime64[D]"),
        "as_of": np.array(["2026-01-02"] * 7, dtype="datetime64[D]"),
        "name": np.array(['Quote "Co"', None, "100% Fictional", "Caf\u00e9 \u2603", "a\\b",
                          "", "tab\there"], dtype=object),
        "fiscal_year": np.array([2025, np.nan, 2024, 2023, 2022, 2021, np.nan]),  # ints or none
    }
    rows = np.array([6, 0, 1, 2, 3, 4, 5, 1])
    got = _records(cols, rows)

    def cell(v):
        if isinstance(v, float) and math.isnan(v):
            return None
        if isinstance(v, np.datetime64):
            return None if np.isnat(v) else str(v)
        return v.item() if isinstance(v, np.generic) else v

    def year(v):
        return None if math.isnan(v) else int(v)

    want = [json.dumps({**{k: cell(cols[k][i]) for k in cols},
                        "fiscal_year": year(cols["fiscal_year"][i])}, sort_keys=True)
            for i in rows]
    assert got == want
    assert got[1].startswith('{"as_of": "2026-01-02", "fiscal_year": 2025, "name": "Quote')
    assert '"revenue": Infinity' in got[3] and '"revenue": null' in got[2]


@pytest.mark.parametrize("case", ["messy", "quarterly", "bench", "parquet"])
def test_stored_payloads_are_json_dumps_text_to_the_byte(case, tmp_path):
    from screener.providers.file import import_file
    from screener.store import Store

    csv, mapping = _inputs(case, tmp_path)
    from screener.providers.file_store import records_document

    with Store.open(tmp_path / "s.sqlite") as store:
        import_file(csv, mapping, store=store, as_of=AS_OF)
        names = store.tickers("file", "records")
        payloads = [records_document(store, store.latest("file", "records", t))
                    for t in names]
    assert names and len(payloads) == len(names)
    for p in payloads:
        assert p == json.dumps(json.loads(p), sort_keys=True).encode("utf-8")


@pytest.mark.parametrize("case", ["messy", "bench"])
def test_parsed_columns_written_a_few_rows_at_a_time_load_as_the_payloads_parse(
        case, tmp_path, monkeypatch):
    """Blocks written in row groups of 3 rows, after columns a load parsed from the journal
    (text ``_cols``) and a second import on another date: the load reads the columns (no
    payload parsed) and gives what parsing the same import's payloads gives."""
    import shutil
    from datetime import timedelta

    from screener.providers import file_store
    from screener.providers.file import FileProvider, import_file
    from screener.store import Store
    from screener.store.bundle import columns_root
    from tests.providers.test_file_golden import _bundle

    csv, mapping = _inputs(case, tmp_path)
    later = AS_OF + timedelta(days=1)
    with Store.open(tmp_path / "ref.sqlite") as ref:  # parsed from the payloads
        import_file(csv, mapping, store=ref, as_of=later)
        names = ref.tickers("file", "records")
        shutil.rmtree(columns_root(ref))
        want = _bundle(ref.load_bundle(names))
    monkeypatch.setattr(file_store, "CHUNK_ROWS", 3)
    with Store.open(tmp_path / "s.sqlite") as store:
        import_file(csv, mapping, store=store, as_of=AS_OF)
        shutil.rmtree(columns_root(store))
        store.load_bundle(names)  # the load writes the columns it parsed
        import_file(csv, mapping, store=store, as_of=later)
        with monkeypatch.context() as m:
            m.setattr(FileProvider, "parse", lambda *a, **k: pytest.fail("payload parsed"))
            got = _bundle(store.load_bundle(names))
    assert names and got == want
    assert len(want["statements"]["values"]) > 3  # more than one row group per block
