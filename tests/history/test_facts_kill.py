"""Kill -9 during a write of statement facts, then rerun: nothing corrupt, nothing lost.

The facts are the hand-written companyfacts fixture copied onto many fictional tickers and
years, so one write touches many year partitions; the child is SIGKILLed while writing (once
at a fixed point between a partition's temporary file and its rename, once at a random
moment), then the same write is run again and the store must equal a clean write.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from screener.history import HistoryStore
from screener.providers.sec_quarterly import parse_companyfacts_history

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "sec" / "quarterly_QRTL.json"

MAKE = """
import json, sys, pandas as pd
from screener.providers.sec_quarterly import parse_companyfacts_history
base = parse_companyfacts_history("QRTL", json.load(open(sys.argv[1])))
parts = []
for shift in range(0, 16):
    for k in range(40):
        f = base.copy()
        for c in ("period_start", "period_end", "filed"):
            f[c] = f[c] - pd.DateOffset(years=shift)
        f["ticker"] = f"K{k:03d}"
        f["value"] = f["value"] * (k + 1)
        parts.append(f)
FACTS = pd.concat(parts, ignore_index=True)
"""

CHILD = MAKE + """
from screener.history import HistoryStore
import pyarrow.parquet as pq
mode = sys.argv[3]
if mode == "fixed":
    real = pq.write_table
    def dying(table, where, **kw):
        real(table, where, **kw)
        if "year=2012" in str(where):
            import os; os._exit(9)
    pq.write_table = dying
print("writing", flush=True)
HistoryStore(sys.argv[2]).write("facts", FACTS)
"""


def _facts() -> pd.DataFrame:
    ns: dict = {}
    exec(compile(MAKE.replace("sys.argv[1]", repr(str(FIX))), "make", "exec"), ns)  # noqa: S102
    return ns["FACTS"]


def _env():
    return dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["fixed", "random"])
def test_kill_during_facts_write_then_rerun(tmp_path, mode):
    killed, clean = tmp_path / "killed", tmp_path / "clean"
    # a first, complete write of the older half, so the kill has stored rows to endanger
    facts = _facts()
    old = facts[facts["period_end"] < "2010-01-01"]
    HistoryStore(killed).write("facts", old)
    before = HistoryStore(killed).read("facts")
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(FIX), str(killed), mode],
                            env=_env(), stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "writing"
    if mode == "random":
        time.sleep(0.05 + (os.getpid() % 7) / 20)
        proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=120)
    assert proc.returncode in (9, -9, 0)
    # nothing corrupt: every partition reads, and the rows written before the kill are there
    mid = HistoryStore(killed).read("facts")
    key = ["ticker", "item", "period_start", "period_end", "filed"]
    kept = before.merge(mid[key + ["value"]], on=key, how="left", suffixes=("", "_now"))
    assert (kept["value"] == kept["value_now"]).all()
    # rerun: the store equals a clean write of everything
    HistoryStore(killed).write("facts", facts)
    HistoryStore(clean).write("facts", facts)
    got, want = HistoryStore(killed).read("facts"), HistoryStore(clean).read("facts")
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True))
    assert len(want) == len(facts.drop_duplicates(["source"] + key))
    assert not list(killed.glob("facts/year=*/.data.parquet.*.tmp"))


def test_facts_from_the_journal_are_idempotent(tmp_path):
    from datetime import date

    from screener.store import Store
    from screener.timeaxis.facts import refresh_facts

    store = Store.open(tmp_path / "journal.sqlite")
    store.put("sec", "companyfacts", "QRTL", date(2021, 3, 1), FIX.read_bytes())
    history = HistoryStore(tmp_path / "history")
    n, failures = refresh_facts(store, history, ["QRTL", "NONE1"])
    again, _ = refresh_facts(store, history, ["QRTL"])
    store.close()
    held = history.read("facts")
    expected = parse_companyfacts_history("QRTL", json.loads(FIX.read_text()))
    assert failures == [] and n == again == len(expected) == len(held)
    assert set(held["form"]) == {"10-Q", "10-Q/A", "10-K"}
