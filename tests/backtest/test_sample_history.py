"""`screener backtest --provider sample` runs offline on the fictional history, labelled so.

The default history is 2,600 names over 20 years; here a small one (80 names, 3 years) stands
in for it, generated into the test's own data folder."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from screener.cli import cli


@pytest.mark.slow
def test_backtest_on_the_fictional_history_is_offline_and_labelled(tmp_path, monkeypatch):
    import screener.sample.history as sh

    small = sh.sample_history
    monkeypatch.setattr(sh, "sample_history", lambda *a, **k: small(n=80, years=3))
    out = tmp_path / "bt"
    r = CliRunner().invoke(cli, ["backtest", "screens/rebound.yaml", "--provider", "sample",
                                 "--from", "2024-06", "--to", "2025-12", "--horizons", "1m,3m",
                                 "--format", "csv", "--out", str(out / "bt.csv")])
    assert r.exit_code == 0, r.output
    assert "FICTIONAL SAMPLE HISTORY" in r.output
    assert "universe_ew" in r.output
    files = {p.name for p in (out / "bt").iterdir()}
    assert {"summary.csv", "holdings.csv", "factors.csv", "episodes.csv",
            "WARNINGS.txt"} <= files
    assert "FICTIONAL" in (out / "bt" / "WARNINGS.txt").read_text()
    import pandas as pd
    about = pd.read_csv(out / "bt" / "about.csv").set_index("item")["value"]
    assert about["data"].startswith("FICTIONAL")
    ep = pd.read_csv(out / "bt" / "episodes.csv").set_index("episode")
    assert ep.loc["rebound_2025", "leader"] != "outside the backtest range"
