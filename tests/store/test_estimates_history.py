"""Revisions from our own history: a source without N-days-ago consensus (FMP) gets them from
the snapshots earlier fetches stored, and `screener store estimates` shows how they moved."""

import json
from datetime import date, timedelta

from click.testing import CliRunner

from screener.cli import cli
from screener.metrics import build_standard_frame
from screener.store import Store

TODAY = date(2026, 11, 20)


class SnapshotsOnly:
    """A provider whose payload is an estimates record as JSON (no trend of its own)."""

    name = "fmp"
    parser_version = "test"

    def parse(self, ticker, dataset, payload, as_of):
        return {"estimates": [dict(json.loads(payload), ticker=ticker, source="fmp")]}


def _store(tmp_path):
    store = Store.open(tmp_path / "s.sqlite")
    for days, eps in ((91, 1.00), (31, 1.10), (8, 1.15), (0, 1.21)):
        rec = {"as_of": str(TODAY - timedelta(days=days)), "eps_cy": eps, "eps_ny": eps + 0.5,
               "n_analysts": 6, "up_30d": 2, "down_30d": 0}
        store.put("fmp", "estimates", "HIST1", TODAY - timedelta(days=days),
                  json.dumps(rec).encode())
    return store


def test_missing_trend_is_filled_from_earlier_snapshots(tmp_path):
    with _store(tmp_path) as store:
        bundle = store.load_bundle(["HIST1"], providers={"fmp": SnapshotsOnly()})
    row = bundle.estimates.loc["HIST1"]
    assert row["eps_cy"] == 1.21
    assert row["eps_cy_30d"] == 1.10      # the snapshot 31 days back, within the 3-day tolerance
    assert row["eps_cy_7d"] == 1.15
    assert row["eps_cy_90d"] == 1.00
    assert row["eps_ny_30d"] == 1.60
    import pandas as pd

    assert pd.isna(row["eps_cy_60d"])      # nothing stored near 60 days ago: missing, not guessed


def test_revision_metric_uses_the_history(tmp_path):
    from screener.raw import validate_bundle
    from screener.raw.bundle import block_from_records

    with _store(tmp_path) as store:
        bundle = store.load_bundle(["HIST1"], providers={"fmp": SnapshotsOnly()})
    bundle.identity = block_from_records("identity", [{"ticker": "HIST1", "name": "Hist One"}])
    bundle, _ = validate_bundle(bundle)
    frame = build_standard_frame(bundle).frame
    assert abs(frame.loc["HIST1", "eps_rev_cy_30d"] - (1.21 - 1.10) / 1.10) < 1e-12


def test_store_estimates_command_shows_the_moves(tmp_path, monkeypatch):
    _store(tmp_path).close()
    monkeypatch.setattr("screener.store.parsing.make_provider",
                        lambda source, providers=None: SnapshotsOnly(), raising=False)
    r = CliRunner().invoke(cli, ["store", "estimates", "HIST1", "--store",
                                 str(tmp_path / "s.sqlite")])
    assert r.exit_code == 0, r.output
    assert "1.21" in r.output and "1.10" in r.output
    assert "+0.06" in r.output  # 1.15 -> 1.21
