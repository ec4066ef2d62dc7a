"""The default playbook's regime rules on the fictional history (offline): every indicator
reads a series, the verdict exists, and an as-of view sees nothing released later."""

from __future__ import annotations

import pandas as pd
import pytest

from screener.regime.config import load_regime
from screener.regime.run import regime_run
from screener.sample.history import END, sample_history

pytestmark = pytest.mark.slow
SCREEN = __import__("pathlib").Path(__file__).parents[2] / "screens" / "rebound.yaml"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return sample_history(2026, 60, 6, cache=tmp_path_factory.mktemp("sample-cache"))


def test_every_default_indicator_has_data_and_votes(store):
    rules = load_regime(SCREEN)
    res = regime_run(rules, store, END)
    p = res.panel
    missing = [r.id for r in p.rows if r.state == "no data"]
    # the fictional history has no CCC/BB spreads or bank survey beyond what it generates;
    # every indicator of the default playbook must read one of its series
    assert missing == []
    assert p.verdict in rules.main
    assert sum(1 for r in p.rows if r.vote == r.vote) >= 12   # voting (not NaN)
    first = store.read("macro", columns=["date"])["date"].min()
    h = res.history.verdict
    assert h[h.index < first].isna().all()                     # 6 fictional years only
    assert h[h.index >= first + pd.DateOffset(years=1)].notna().all()


def test_as_of_sees_only_what_was_released(store):
    rules = load_regime(SCREEN)
    as_of = pd.Timestamp("2024-04-15")
    res = regime_run(rules, store, as_of)
    rows = store.read("macro", columns=["series", "date", "released"])
    for r in res.panel.rows:
        sid = r.series if r.series in set(rows["series"]) else f"{r.series}:russell2000"
        assert r.date is not None, r.id
        mine = rows[rows["series"] == sid]
        released = mine.loc[mine["date"] == r.date, "released"]
        assert (released <= as_of).any(), r.id
        # the newest observation released by then, not a later one
        later = mine[(mine["date"] > r.date) & (mine["released"] <= as_of)]
        assert later.empty, r.id
    assert res.history.dates[-1] == as_of
