"""The backtest's fast date loop changes no value: ``DateBundles`` gives the same blocks as
``PointInTime.bundle``, the skipped validation would have found nothing, and the frame the
loop ranks is ``build_standard_frame(validate_bundle(pit.bundle(d)))`` exactly; values known
only after a date stay out of it.

History: a small fictional sample (80 names, 3 years: quarterly snapshots of both universes,
filings, ladders, estimates, short interest, delistings) generated into the test's folder."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from screener.backtest.source import PitSource
from screener.metrics.build import build_standard_frame, standard_metrics
from screener.raw.bundle import is_clean, validate_bundle
from screener.timeaxis import PointInTime
from screener.timeaxis.batch import DateBundles

UNIVERSES = ["russell2000", "sp600"]
BLOCK_NAMES = ("identity", "statements", "annual", "ladder", "estimates", "market")
# month ends across snapshot changes (quarterly), filing seasons and two load windows
DATES = pd.DatetimeIndex(["2024-02-29", "2024-03-28", "2024-04-30", "2024-07-31",
                          "2024-11-29", "2025-01-31", "2025-05-30", "2025-12-31"])


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    from screener.sample.history import sample_history

    return sample_history(n=80, years=3, cache=tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def pit(history):
    return PointInTime.load(UNIVERSES, DATES[0], DATES[-1], history=history)


def _same_bundle(a, b, when):
    for name in BLOCK_NAMES:
        assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True,
                           obj=f"{when.date()} {name}")
    assert (a.rates, a.as_of, a.is_sample, a.statements_basis) == \
        (b.rates, b.as_of, b.is_sample, b.statements_basis)
    assert a.failures == b.failures
    np.testing.assert_array_equal(a.prices.adj_close, b.prices.adj_close)


def test_date_bundles_equal_the_one_date_bundles(pit):
    fast = DateBundles(pit, UNIVERSES)
    seen = {"ladder": 0, "estimates": 0, "short": 0}
    for d in DATES:
        slow = pit.bundle(d, UNIVERSES)
        _same_bundle(slow, fast.bundle(d), d)
        seen["ladder"] += len(slow.ladder)
        seen["estimates"] += len(slow.estimates)
        seen["short"] += int(slow.market["short_pct_float"].notna().sum())
    assert all(v > 0 for v in seen.values()), seen  # every block was exercised


def test_the_loops_frame_is_the_validated_standard_frame(history):
    src = PitSource(history, UNIVERSES, DATES, DATES[-1] + pd.Timedelta(days=40),
                    chunk_years=1)  # 2024 and 2025 in two windows
    for d in DATES:
        frame = src.frame(d)
        bundle, issues = validate_bundle(src.pit_for(d).bundle(d, UNIVERSES))
        assert issues.empty
        want = build_standard_frame(bundle, d.date())
        assert_frame_equal(frame, want.frame, check_exact=True, obj=str(d.date()))
        assert len(frame) > 30 and frame["market_cap"].notna().any()
        # the same frame without the provenance beside it
        assert_frame_equal(standard_metrics(bundle, d.date()), want.frame, check_exact=True)


def test_values_known_after_the_date_change_nothing(pit):
    d = DATES[4]
    later = d + pd.Timedelta(days=1)
    before = DateBundles(pit, UNIVERSES).bundle(d)
    shorted = before.market.index[before.market["short_pct_float"].notna().to_numpy()]
    tick = before.ladder.index.intersection(before.estimates.index).intersection(shorted)[0]
    # a ladder filed, a consensus taken and a short interest released the day after
    lad = pit.ladder_facts
    lf = lad[lad["ticker"] == tick].tail(1).assign(filed=later, value=9e12, accn="late",
                                                  period_end=later)
    est = pit.estimates[pit.estimates["ticker"] == tick].tail(1).assign(as_of=later,
                                                                        eps_cy=123.0)
    si = pit.short_interest
    sl = si[si["ticker"] == tick].tail(1).assign(released=later, date=d, short_pct_float=0.99)
    from dataclasses import replace
    planted = replace(pit, ladder_facts=pd.concat([lad, lf], ignore_index=True),
                      estimates=pd.concat([pit.estimates, est], ignore_index=True)
                      .sort_values("as_of", kind="stable").reset_index(drop=True),
                      short_interest=pd.concat([si, sl], ignore_index=True))
    after = DateBundles(planted, UNIVERSES)
    _same_bundle(before, after.bundle(d), d)
    # and the planted values are seen once they are known
    seen = after.bundle(later)
    assert seen.ladder.loc[tick, "as_of"] == later
    assert seen.estimates.loc[tick, "eps_cy"] == 123.0
    assert seen.market.loc[tick, "short_pct_float"] == 0.99


def test_is_clean_only_when_validation_finds_nothing(pit):
    bundle = DateBundles(pit, UNIVERSES).bundle(DATES[2])
    assert is_clean(bundle)
    validated, issues = validate_bundle(bundle)
    assert issues.empty
    _same_bundle(bundle, validated, DATES[2])
    t = bundle.market.index[3]

    def planted(block, col, value):
        frame = getattr(bundle, block).copy()
        if isinstance(value, str):
            frame[col] = frame[col].astype(object)
        frame.loc[frame.index[3], col] = value
        from dataclasses import replace
        return replace(bundle, **{block: frame})

    bad_ticker = bundle.market.rename(index={t: "bad ticker!"})
    from dataclasses import replace
    cases = {
        "infinite price": planted("market", "price", np.inf),
        "negative shares": planted("market", "shares_outstanding", -5.0),
        "text in a number": planted("market", "price", "n/a"),
        "malformed ticker": replace(bundle, market=bad_ticker),
        "duplicated row": replace(bundle, market=pd.concat([bundle.market,
                                                            bundle.market.iloc[:1]])),
    }
    for why, b in cases.items():
        assert not is_clean(b), why
        assert len(validate_bundle(b)[1]) > 0, why
