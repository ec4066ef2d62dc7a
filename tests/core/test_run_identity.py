"""A run's identity and its file: --set changes both, a second run never collides, and a taken
--out fails before any work (issue 11, items 5 and 14)."""

import time

import openpyxl
import pytest
from click.testing import CliRunner

from screener.cli import cli
from screener.pipeline import SAMPLE, run_screen
from screener.searchpath import default_screen

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def small_sample(monkeypatch):
    """`run --provider sample` on 300 fictional names instead of 2,600: same code, less time."""
    from screener import pipeline
    real = pipeline.load_dataset
    monkeypatch.setattr(pipeline, "load_dataset",
                        lambda *a, **k: real(*a, **{**k, "n": k.get("n") or 300}))


def _summary(path):
    ws = openpyxl.load_workbook(path)["Summary"]
    return {r[0]: r[1] for r in ws.iter_rows(values_only=True) if r and isinstance(r[0], str)}


def test_set_changes_hash_definitions_file_name_and_shows_numbers(tmp_path):
    runner = CliRunner()
    out_dir = tmp_path / "out"
    args = ["run", str(default_screen()), "--provider", "sample", "--out", f"{out_dir}/"]
    a = runner.invoke(cli, args)
    b = runner.invoke(cli, [*args, "--set", "max_leverage=2.5", "--set", "min_market_cap=500M"])
    assert a.exit_code == 0 and b.exit_code == 0, a.output + b.output
    files = sorted(out_dir.glob("*.xlsx"))
    assert len(files) == 2 and files[0].name != files[1].name
    plain, moved = (_summary(f) for f in sorted(files, key=lambda f: f.stat().st_mtime))
    assert plain["Screen hash (sha256)"] != moved["Screen hash (sha256)"]
    assert moved["Parameter: max_leverage (--set max_leverage=2.5; the screen says 3)"] == 2.5
    assert moved["Parameter: min_market_cap (--set min_market_cap=500M; the screen says 300M)"] \
        == 500_000_000
    assert plain["Parameter: min_market_cap"] == 300_000_000     # a number, not "300000000.0"
    newest = max(files, key=lambda f: f.stat().st_mtime)
    defs = [r[0] for r in openpyxl.load_workbook(newest)["Definitions"].iter_rows(values_only=True)]
    assert "Screen as run (extends merged, --set applied)" in defs
    assert any(isinstance(x, str) and "override: max_leverage = 2.5 from --set" in x for x in defs)
    assert "  max_leverage: 2.5" in defs


def test_a_second_identical_run_gets_a_new_file(tmp_path):
    runner = CliRunner()
    args = ["run", str(default_screen()), "--provider", "sample", "--out", f"{tmp_path}/"]
    first = runner.invoke(cli, args)
    second = runner.invoke(cli, args)
    assert first.exit_code == 0 and second.exit_code == 0, second.output
    assert len(list(tmp_path.glob("*.xlsx"))) == 2


def test_a_taken_out_file_fails_before_computing(tmp_path, monkeypatch):
    target = tmp_path / "weekly.xlsx"
    target.write_bytes(b"last week's")
    calls = []
    from screener import pipeline
    real = pipeline.load_dataset    # the small-sample wrapper
    monkeypatch.setattr(pipeline, "load_dataset", lambda *a, **k: calls.append(1) or real(*a, **k))
    started = time.perf_counter()
    out = CliRunner().invoke(cli, ["run", str(default_screen()), "--provider", "sample",
                                   "--out", str(target)])
    assert out.exit_code != 0 and "already exists" in out.output and "--force" in out.output
    assert calls == [] and time.perf_counter() - started < 5
    assert target.read_bytes() == b"last week's"
    forced = CliRunner().invoke(cli, ["run", str(default_screen()), "--provider", "sample",
                                      "--out", str(target), "--force"])
    assert forced.exit_code == 0 and target.read_bytes()[:2] == b"PK"


def test_result_identity_is_the_effective_screen():
    r1 = run_screen(default_screen(), provider=SAMPLE, n=300)
    r2 = run_screen(default_screen(), provider=SAMPLE, n=300, overrides={"max_leverage": "2"})
    assert r1.screen_hash != r2.screen_hash
    assert r2.screen_text.startswith("# effective screen of")
    assert [o.name for o in r2.overrides] == ["max_leverage"]
