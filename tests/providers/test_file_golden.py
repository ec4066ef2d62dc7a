"""The columnar import gives exactly what the record-by-record import gave (issue 17, item 2).

``messy_golden.json`` was written by the record-by-record import (before the columnar rewrite)
from the messy fictional fixtures below: accepted and rejected counts, every rejected row and
emptied cell with its message, every block of the bundle (columns, dtypes, index, values to the
last bit), the failures, the history facts, the journal payloads as stored, and the bundle the
store loads back afterwards. Regenerate only on purpose:
``python tests/providers/test_file_golden.py --write``.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "tests" / "fixtures" / "files"
GOLDEN = FIX / "messy_golden.json"
AS_OF = date(2026, 5, 8)
CASES = {
    "messy": ("messy_export.csv", "messy_mapping.yaml"),
    "quarterly": ("messy_quarterly.csv", "quarterly_mapping.yaml"),
    "bench": ("bench", None),  # bench/import_sample.py's messy export at 12 names
    "xlsx": ("xlsx", "messy_mapping.yaml"),  # the messy export saved as xlsx (cells as text)
    "parquet": ("parquet", "messy_mapping.yaml"),  # ... as parquet, numbers and dates typed
}
BLOCK_NAMES = ("identity", "statements", "ladder", "estimates", "market")


def _frame(frame: pd.DataFrame | None):
    if frame is None:
        return None
    return {"columns": [str(c) for c in frame.columns],
            "dtypes": [str(t) for t in frame.dtypes],
            "index_names": [str(n) for n in frame.index.names],
            "index_dtypes": [str(frame.index.get_level_values(k).dtype)
                             for k in range(frame.index.nlevels)],
            "index": [repr(i) for i in frame.index],
            "values": [[repr(v) for v in row] for row in frame.itertuples(index=False)]}


def _bundle(bundle):
    return {**{b: _frame(getattr(bundle, b)) for b in BLOCK_NAMES},
            "failures": [repr(f) for f in bundle.failures]}


def _inputs(case: str, tmp: Path) -> tuple[Path, Path]:
    csv, mapping = CASES[case]
    if csv in ("xlsx", "parquet"):
        text = pd.read_csv(FIX / "messy_export.csv", dtype=str, keep_default_na=False)
        if csv == "xlsx":
            text.to_excel(tmp / "messy.xlsx", index=False)
        else:
            typed = pd.read_csv(FIX / "messy_export.csv")
            typed["Period End"] = pd.to_datetime(typed["Period End"], errors="coerce")
            typed.to_parquet(tmp / "messy.parquet")
        return tmp / f"messy.{csv}", FIX / mapping
    if csv != "bench":
        return FIX / csv, FIX / mapping
    sys.path.insert(0, str(ROOT / "bench"))
    from import_sample import MAPPING, make

    make(12, tmp / "bench.csv")
    (tmp / "bench.yaml").write_text(MAPPING)
    return tmp / "bench.csv", tmp / "bench.yaml"


def outcome(case: str, tmp: Path) -> dict:
    from screener.providers.file import import_file
    from screener.providers.file_store import records_document
    from screener.store import Store

    csv, mapping = _inputs(case, tmp)
    rep = import_file(csv, mapping, as_of=AS_OF)
    out = {"accepted": rep.accepted, "summary": rep.summary().split(": ", 1)[1],
           "rejected": _frame(rep.rejected), "bundle": _bundle(rep.bundle),
           "facts": _frame(rep.facts)}
    with Store.open(tmp / f"{case}.sqlite") as store:
        stored = import_file(csv, mapping, store=store, as_of=AS_OF)
        assert stored.accepted == rep.accepted
        names = store.tickers("file", "records")
        # the journal keeps the file and a reference per name: the documents they stand
        # for are what the journal held as one payload per name before
        out["journal"] = {t: json.loads(records_document(
            store, store.latest("file", "records", t))) for t in names}
        if names:
            out["loaded"] = _bundle(store.load_bundle(names))
    return out


@pytest.mark.parametrize("case", list(CASES))
def test_import_is_value_identical_to_the_record_by_record_import(case, tmp_path):
    want = json.loads(GOLDEN.read_text())[case]
    got = json.loads(json.dumps(outcome(case, tmp_path)))
    for key in want:  # one key at a time: a failure names what differs
        assert got[key] == want[key], key
    assert set(got) == set(want)


if __name__ == "__main__" and "--write" in sys.argv:
    import tempfile

    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as d:
        data = {}
        for c in CASES:
            (Path(d) / c).mkdir()
            data[c] = outcome(c, Path(d) / c)
    GOLDEN.write_text(json.dumps(data, indent=0, sort_keys=True) + "\n")
    print(f"wrote {GOLDEN} ({GOLDEN.stat().st_size} bytes)")


@pytest.mark.parametrize("case", ["messy", "bench"])
def test_import_writes_the_parsed_columns_a_load_would_parse(case, tmp_path, monkeypatch):
    """The first load after an import reads the columns the import wrote (no payload is
    decoded), and they are exactly what parsing the journal's payloads gives."""
    import shutil

    from screener.providers.file import FileProvider, import_file
    from screener.store import Store
    from screener.store.bundle import columns_root

    csv, mapping = _inputs(case, tmp_path)
    with Store.open(tmp_path / "s.sqlite") as store:
        import_file(csv, mapping, store=store, as_of=AS_OF)
        import_file(csv, mapping, store=store, as_of=AS_OF)  # the same date again: replaced
        names = store.tickers("file", "records")

        def no_parse(*args, **kwargs):
            raise AssertionError("a payload was parsed although its columns were written")

        with monkeypatch.context() as m:
            m.setattr(FileProvider, "parse", no_parse)
            from_columns = store.load_bundle(names)
        shutil.rmtree(columns_root(store))
        from_payloads = store.load_bundle(names)
    for block in BLOCK_NAMES:
        pd.testing.assert_frame_equal(getattr(from_columns, block),
                                      getattr(from_payloads, block), check_exact=True)
    assert from_columns.failures == from_payloads.failures
    assert len(from_columns.failures) > 0
