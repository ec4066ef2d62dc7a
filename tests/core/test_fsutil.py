import os
from pathlib import Path

import pytest

from screener.fsutil import atomic_path, atomic_write_text


def test_atomic_write_replaces_only_on_success(tmp_path):
    target = tmp_path / "out" / "file.txt"
    atomic_write_text(target, "first")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("crash mid-write")
    assert target.read_text() == "first"
    assert [p.name for p in target.parent.iterdir()] == ["file.txt"]


def test_leftovers_of_a_killed_process_are_removed_and_a_live_ones_kept(tmp_path):
    import subprocess
    import sys

    from screener.fsutil import atomic_write_text, clean_stale_temps

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    left = tmp_path / f".out.xlsx.screener-tmp-{dead}-ab12.tmp"
    left.write_bytes(b"x" * 100)
    mine = tmp_path / f".x.screener-tmp-{os.getpid()}-cd34.tmp"
    mine.write_bytes(b"y")
    user = tmp_path / ".my-notes.tmp"
    user.write_text("not ours")
    assert clean_stale_temps(tmp_path) == [left]
    assert mine.exists() and user.exists()
    left.write_bytes(b"x")
    atomic_write_text(tmp_path / "out.csv", "a\n")  # every atomic write cleans its folder
    assert not left.exists()


def test_a_meta_left_from_an_interrupted_snapshot_write_is_not_believed(tmp_path):
    from screener.universe import import_file
    from screener.universe.snapshots import read_meta, universe_dir

    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "holdings" / "iwm_2026-05-05.csv"
    result = import_file("russell2000", fixture)
    assert read_meta("russell2000", result.as_of)["equities_kept"] == result.kept
    csv = universe_dir("russell2000") / f"{result.as_of}.csv"
    csv.write_text(csv.read_text().splitlines()[0] + "\n")  # a kill after a new CSV, old meta
    assert read_meta("russell2000", result.as_of) == {}
