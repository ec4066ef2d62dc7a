"""Output paths, never overwriting, atomic writes, kills, locked targets, sheet names."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from screener.errors import ExportError
from screener.export import TargetLockedError, resolve_output_path, write_workbook
from screener.export.sheetnames import SheetNames, clean_sheet_name

HERE = Path(__file__).parent
DAY = date(2026, 5, 6)


def _resolve(out, **kw):
    return resolve_output_path(out, screen_name="rebound", universes=["russell2000", "sp600"],
                               run_date=DAY, **kw)


def test_default_path_is_output_dir_screen_universes_date(tmp_path, monkeypatch):
    monkeypatch.setenv("SCREENER_OUTPUT_DIR", str(tmp_path / "output"))
    path = _resolve(None)
    assert path == tmp_path / "output" / "rebound-russell2000+sp600-2026-05-06.xlsx"
    assert _resolve(None, fmt="json").name == "rebound-russell2000+sp600-2026-05-06.json"


def test_out_folder_gets_the_default_name_and_out_file_is_kept(tmp_path):
    assert _resolve(tmp_path).parent == tmp_path
    assert _resolve(str(tmp_path / "new-folder") + "/").parent == tmp_path / "new-folder"
    assert _resolve(tmp_path / "weekly.xlsx") == tmp_path / "weekly.xlsx"
    with pytest.raises(ExportError, match=r"\.xlsx"):
        _resolve(tmp_path / "weekly.csv")


def test_existing_file_is_not_overwritten_without_force(tmp_path):
    target = tmp_path / "weekly.xlsx"
    target.write_bytes(b"previous run")
    with pytest.raises(ExportError) as err:
        _resolve(target)
    assert "--force" in str(err.value) and str(target) in str(err.value)
    assert _resolve(target, force=True) == target
    (tmp_path / "weekly").mkdir()
    with pytest.raises(ExportError, match="already exists"):
        _resolve(tmp_path / "weekly.csv", fmt="csv")


def test_unwritable_folder_is_named(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(ExportError) as err:
        _resolve(blocker / "sub" / "x.xlsx")
    assert str(blocker) in str(err.value)


class _FullDisk:
    """A file that fills up after ``room`` bytes, as a full disk does."""

    def __init__(self, fh, room):
        self._fh, self._room = fh, room

    def write(self, data):
        self._room -= len(data)
        if self._room < 0:
            raise OSError(28, "No space left on device")
        return self._fh.write(data)

    def __getattr__(self, name):
        return getattr(self._fh, name)


def test_full_disk_leaves_previous_file_and_no_temp(result, tmp_path, monkeypatch):
    target = tmp_path / "run.xlsx"
    target.write_bytes(b"previous run")
    import screener.export.workbook as wbmod

    real = wbmod.write_atomic
    monkeypatch.setattr(wbmod, "write_atomic",
                        lambda path, write: real(path, lambda fh: write(_FullDisk(fh, 5000))))
    with pytest.raises(ExportError, match="disk is full"):
        write_workbook(result, target)
    assert target.read_bytes() == b"previous run"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.xlsx"]


def test_killed_export_leaves_no_file(tmp_path):
    """kill -9 in the middle of writing the zip: no target; the sheets' temporaries are in the
    target's folder under our name (none in $TMPDIR), and the next write removes them."""
    script = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(HERE)!r})
        from export_fixtures import make_result
        from openpyxl.writer import excel
        real = excel.ExcelWriter.write_worksheet
        def slow(self, ws):
            real(self, ws)
            print("MIDWRITE", flush=True)
            time.sleep(120)
        excel.ExcelWriter.write_worksheet = slow
        from screener.export import write_workbook
        write_workbook(make_result(), {str(tmp_path / 'run.xlsx')!r})
    """)
    out = tmp_path / "out"
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir()
    script = script.replace(repr(str(tmp_path / "run.xlsx")), repr(str(out / "run.xlsx")))
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "TMPDIR": str(tmpdir)})
    try:
        assert proc.stdout.readline().strip() == "MIDWRITE"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert list(tmpdir.iterdir()) == []  # nothing in $TMPDIR
    left = list(out.iterdir())
    assert "run.xlsx" not in {p.name for p in left}
    assert all(".screener-tmp-" in p.name and p.name.startswith(".") for p in left), left
    sys.path.insert(0, str(HERE))
    from export_fixtures import make_result

    write_workbook(make_result(), out / "run.xlsx")  # the next run cleans up
    assert [p.name for p in out.iterdir()] == ["run.xlsx"]


def test_locked_target_writes_beside_it_and_says_so(result, tmp_path, monkeypatch):
    target = tmp_path / "run.xlsx"
    target.write_bytes(b"open in Excel")
    real_replace = os.replace

    def replace(src, dst):
        if Path(dst) == target:
            raise PermissionError(13, "The process cannot access the file", str(src))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(TargetLockedError) as err:
        write_workbook(result, target)
    written = err.value.written
    assert str(err.value).startswith(f"Target is locked; wrote {written} instead")
    assert written.parent == tmp_path and written.name.startswith("run-")
    assert target.read_bytes() == b"open in Excel"
    assert "Summary" in openpyxl.load_workbook(written).sheetnames
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["run.xlsx", written.name])


def test_sheet_names_are_valid_and_unique():
    names = SheetNames(reserved=["Summary"])
    got = [names.take(t) for t in ["Summary", "a/b:c*d?e[f]g\\h", "x" * 40, "x" * 40, "History",
                                   "'quoted'", "QUALITY", "quality"]]
    assert len({g.lower() for g in got}) == len(got)
    for g in got:
        assert 0 < len(g) <= 31 and not set("[]:*?/\\") & set(g)
        assert not g.startswith("'") and not g.endswith("'") and g.lower() != "history"
    assert got[0] == "Summary (2)"
    assert clean_sheet_name("Early rebound: junk / high-beta rally [phase 1]") \
        == "Early rebound - junk"
