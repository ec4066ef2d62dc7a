"""The playbook's thesis on the fictional history, through the point-in-time assembly.

The default playbook's phase lists, built as of a date from what was known then, and held for
the window after: the junk-rally list leads the rally off a bottom, the quality-recovery list
leads the leg after it. Runs once ``screener.timeaxis`` (the point-in-time assembly) is present.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from screener.history.asof_blocks import LADDER_ITEMS, ladder_as_of, short_interest_as_of
from screener.sample.history import sample_history

timeaxis = pytest.importorskip("screener.timeaxis")
pytestmark = pytest.mark.slow

SCREEN = Path(__file__).resolve().parents[2] / "screens" / "rebound.yaml"
N = 500


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from screener.rules import compile_screen

    store = sample_history(2026, N, 20, cache=tmp_path_factory.mktemp("thesis-cache"))
    pit = timeaxis.PointInTime.load(["russell2000", "sp600"], "2009-01-01", "2021-12-31",
                                    history=store)
    adj = store.read("prices", columns=["ticker", "date", "adj_close"]).pivot(
        index="date", columns="ticker", values="adj_close")
    extra = (store.read("facts", where={"item": list(LADDER_ITEMS)}),
             store.read("short_interest"))
    return pit, adj, extra, compile_screen(SCREEN)


def _evaluate(world, day):
    from screener.metrics import build_standard_frame
    from screener.raw import validate_bundle
    from screener.rules import evaluate

    pit, _, (ladder_rows, short_rows), plan = world
    bundle = pit.bundle(pd.Timestamp(day))
    tickers = bundle.identity.index
    if bundle.ladder.empty:                 # fill what the assembly may not carry yet
        ladder = ladder_as_of(ladder_rows, day, tickers)
        bundle.ladder = ladder
    if "short_pct_float" not in bundle.market or bundle.market["short_pct_float"].isna().all():
        market = bundle.market.copy()
        market["short_pct_float"] = short_interest_as_of(short_rows, day, tickers)[
            "short_pct_float"].reindex(market.index)
        bundle.market = market
    bundle, _ = validate_bundle(bundle)
    frame = build_standard_frame(bundle, pd.Timestamp(day).date()).frame
    return evaluate(plan, frame)


def _lists(ev) -> dict[str, list[str]]:
    return {ph.id: list(ph.table["ticker"]) for ph in ev.phases}


def _top(ev, score: str, share: float = 0.2) -> list[str]:
    """The names in the top ``share`` of a playbook score (higher = more of it)."""
    values = ev.eligible[score].dropna()
    return list(values[values >= values.quantile(1 - share)].index)


def _held(adj, tickers, start, end) -> float:
    """Equal-weighted return, a name that stopped trading held at its last price."""
    p0 = adj.loc[:start].iloc[-1]
    p1 = adj.loc[:end].ffill().iloc[-1]
    return float((p1[tickers] / p0[tickers] - 1).mean())


@pytest.mark.parametrize("start,end", [("2009-03-09", "2009-09-09"),
                                       ("2020-03-23", "2021-02-12")])
def test_the_junk_rally_list_leads_off_the_bottom(world, start, end):
    lists = _lists(_evaluate(world, start))
    # at a bottom few names pass the quality list's filters (revisions and margins falling)
    assert len(lists["early_rebound"]) >= 3 and len(lists["quality_recovery"]) >= 3
    junk = _held(world[1], lists["early_rebound"], start, end)
    quality = _held(world[1], lists["quality_recovery"], start, end)
    assert junk > quality + 0.2, (junk, quality)


@pytest.mark.parametrize("start,end", [("2009-09-09", "2011-04-29"),
                                       ("2021-02-12", "2021-11-08")])
def test_quality_leads_later(world, start, end):
    """After the rally, the names the recovery score ranks highest beat the junk-rally
    score's favourites (scores, not the filtered lists: a few hundred fictional names leave
    the lists too short to compare)."""
    ev = _evaluate(world, start)
    quality = _held(world[1], _top(ev, "recovery"), start, end)
    junk = _held(world[1], _top(ev, "junk"), start, end)
    assert quality > junk, (quality, junk)
