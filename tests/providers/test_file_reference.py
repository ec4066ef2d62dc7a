"""The journal of an import: the user's file and mapping kept once, byte for byte, and a small
reference per name that re-parses (by importing the kept file again) to exactly the rows the
import wrote; old per-name JSON payloads still parse; a damaged kept file and a killed import
each end cleanly."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from datetime import date

import pandas as pd
import pytest

from screener.providers import file_store
from screener.providers.file import import_file
from screener.store import Store
from screener.store.bundle import columns_root
from tests.providers.test_file_golden import AS_OF, BLOCK_NAMES, FIX, _bundle, _inputs
from tests.providers.test_file_store import MAPPING, _write


def test_the_journal_keeps_the_file_and_mapping_once_and_a_reference_per_name(tmp_path):
    csv, mapping = FIX / "messy_export.csv", FIX / "messy_mapping.yaml"
    sha = hashlib.sha256(csv.read_bytes()).hexdigest()
    file_name = f"_FILE-{sha[:16].upper()}"
    mapping_name = f"_MAPPING-{hashlib.sha256(mapping.read_bytes()).hexdigest()[:16].upper()}"
    with Store.open(tmp_path / "s.sqlite") as store:
        report = import_file(csv, mapping, store=store, as_of=AS_OF)
        import_file(csv, mapping, store=store, as_of=date(2026, 6, 1))  # the same file again
        kept = [r for r in store.catalog() if r["dataset"] in ("upload", "mapping")]
        upload = store.latest("file", "upload", file_name)
        refs = {t: store.latest("file", "records", t, as_of=AS_OF)
                for t in store.tickers("file", "records")}
    # the file and mapping, stored once each however often imported, byte for byte
    assert [(r["dataset"], r["ticker"]) for r in kept] == [("mapping", mapping_name),
                                                          ("upload", file_name)]
    assert upload.payload == csv.read_bytes() and upload.sha256 == sha
    assert len(refs) > 3
    kept_lines = sorted(line for snap in refs.values()
                        for line in json.loads(snap.payload)["lines"])
    rejected = set(report.rows_rejected["row"])
    assert len(kept_lines) == report.accepted  # every line kept once, rejected ones not
    assert kept_lines == [line for line in range(2, 2 + len(kept_lines) + len(rejected))
                          if line not in rejected]
    for snap in refs.values():
        doc = json.loads(snap.payload)
        assert snap.payload == json.dumps(doc, sort_keys=True).encode()
        assert doc == {"as_of": AS_OF.isoformat(), "file": sha, "import": "file-1",
                       "lines": doc["lines"], "mapping": doc["mapping"],
                       "name": "messy_export.csv"}
        assert len(snap.payload) < 400  # a reference, not the records
    from click.testing import CliRunner

    from screener.cli import cli

    shown = CliRunner().invoke(cli, ["store", "history", file_name.lower(), "--store",
                                     str(tmp_path / "s.sqlite")])
    assert shown.exit_code == 0
    assert shown.output.startswith(f"file/upload {AS_OF.isoformat()} fetched ")
    assert f"sha256 {sha[:12]}" in shown.output


@pytest.mark.parametrize("case", ["messy", "quarterly", "xlsx", "parquet", "bench"])
def test_references_re_parse_to_exactly_what_the_import_wrote(case, tmp_path):
    """The parsed columns deleted, the load imports the kept file again: the same bundle."""
    source, mapping = _inputs(case, tmp_path)
    (tmp_path / "user").mkdir()
    csv = shutil.copy(source, tmp_path / "user" / source.name)
    with Store.open(tmp_path / "s.sqlite") as store:
        import_file(csv, mapping, store=store, as_of=AS_OF)
        names = store.tickers("file", "records")
        written = _bundle(store.load_bundle(names))  # the columns the import wrote
        shutil.rmtree(columns_root(store))
        csv.unlink()  # the user's copy is gone: the journal's copy is read
        again = _bundle(store.load_bundle(names))
    assert names and again == written


def test_old_json_payloads_still_parse_to_the_same_rows(tmp_path):
    csv, mapping = _inputs("messy", tmp_path)
    with Store.open(tmp_path / "new.sqlite") as new:
        import_file(csv, mapping, store=new, as_of=AS_OF)
        names = new.tickers("file", "records")
        docs = [(t, file_store.records_document(new, new.latest("file", "records", t)))
                for t in names]
        want = _bundle(new.load_bundle(names))
    assert all(b'"import"' not in d and b'"statements"' in d for _, d in docs)
    with Store.open(tmp_path / "old.sqlite") as old:  # one JSON document per name, as before
        old.put_many(("file", "records", t, AS_OF, d) for t, d in docs)
        got = _bundle(old.load_bundle(names))
    assert got == want


def test_earlier_as_of_reads_its_own_kept_file_when_parsed_again(tmp_path):
    (tmp_path / "m.yaml").write_text(MAPPING)
    early = _write(tmp_path / "early.csv", ["ALFA,Alfa Fictional,2025,100,10"])
    late = _write(tmp_path / "late.csv", ["ALFA,Alfa Fictional,2025,999,11"])
    with Store.open(tmp_path / "s.sqlite") as store:
        import_file(early, tmp_path / "m.yaml", store=store, as_of=date(2026, 1, 5))
        import_file(late, tmp_path / "m.yaml", store=store, as_of=date(2026, 3, 2))
        shutil.rmtree(columns_root(store))
        then = store.load_bundle(["ALFA"], as_of=date(2026, 2, 1))
        now = store.load_bundle(["ALFA"])
    assert then.statements.loc[("ALFA", 2025), "revenue"] == 100  # not the later 999
    assert now.statements.loc[("ALFA", 2025), "revenue"] == 999


def test_a_damaged_kept_file_is_one_clear_failure_per_name(tmp_path):
    (tmp_path / "m.yaml").write_text(MAPPING)
    csv = _write(tmp_path / "f.csv", ["ALFA,Alfa Fictional,2025,100,10",
                                      "BETA,Beta Fictional,2025,200,20"])
    with Store.open(tmp_path / "s.sqlite") as store:
        import_file(csv, tmp_path / "m.yaml", store=store, as_of=date(2026, 1, 5))
    with sqlite3.connect(tmp_path / "s.sqlite") as db:
        db.execute("UPDATE snapshots SET payload = x'789c0300' WHERE dataset = 'upload'")
    shutil.rmtree(tmp_path / "s.sqlite.columns")
    with Store.open(tmp_path / "s.sqlite") as store:
        bundle = store.load_bundle(["ALFA", "BETA"])
        sha = hashlib.sha256(csv.read_bytes()).hexdigest()
        assert not store.catalog(f"_FILE-{sha[:16].upper()}")  # dropped as damaged
    assert bundle.statements.empty
    reasons = {f.ticker: f.reason for f in bundle.failures if f.source == "file"}
    assert set(reasons) == {"ALFA", "BETA"}
    for reason in reasons.values():
        assert "f.csv" in reason and "no longer in the store" in reason
        assert "import the file again with screener fetch --from-file" in reason


def test_a_killed_import_leaves_neither_file_nor_references(tmp_path, monkeypatch):
    csv, mapping = _inputs("messy", tmp_path)
    written = file_store.references

    def killed(*args):
        refs = written(*args)
        yield next(refs)
        raise KeyboardInterrupt  # Ctrl-C halfway through the journal

    monkeypatch.setattr(file_store, "references", killed)
    with Store.open(tmp_path / "s.sqlite") as store:
        with pytest.raises(KeyboardInterrupt):
            import_file(csv, mapping, store=store, as_of=AS_OF)
        assert store.catalog() == []
    assert not columns_root(store).exists()
    monkeypatch.setattr(file_store, "references", written)
    with Store.open(tmp_path / "s.sqlite") as store:  # the next import is whole
        import_file(csv, mapping, store=store, as_of=AS_OF)
        names = store.tickers("file", "records")
        loaded = store.load_bundle(names)
    for block in BLOCK_NAMES:
        assert isinstance(getattr(loaded, block), pd.DataFrame)
    assert len(loaded.statements) > 0
