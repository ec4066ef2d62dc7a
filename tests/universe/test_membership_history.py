"""Past memberships: iShares holdings of a past date (asOfDate=YYYYMMDD), a quarterly history
that resumes, a source that ignores the date (nothing stored), and diffs across dates."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner

from screener.cli import cli
from screener.devtools.mockhttp import MockServer
from screener.errors import UniverseError
from screener.universe import refresh
from screener.universe import snapshots as snap
from screener.universe.download import period_ends

PATH = "/us/products/239710/IWM_holdings.csv"


@pytest.fixture
def server(monkeypatch):
    with MockServer() as srv:
        monkeypatch.setenv("SCREENER_UNIVERSE_URL_RUSSELL2000", srv.url + PATH + "?fileType=csv")
        yield srv


def dated(fixtures, asked: list[str], ignore_date: bool = False):
    """iShares as it behaves: the holdings of the date asked (the May file before June 12,
    the June file from then), headed with that date; ``ignore_date``: always today's."""
    may = (fixtures / "iwm_2026-05-05.csv").read_text(encoding="utf-8-sig")
    june = (fixtures / "iwm_2026-06-12.csv").read_text(encoding="utf-8-sig")

    def handler(req):
        wanted = req.query.get("asOfDate", [None])[0]
        asked.append(wanted)
        if ignore_date or wanted is None:
            return 200, {"Content-Type": "text/csv"}, june.encode()
        d = date(int(wanted[:4]), int(wanted[4:6]), int(wanted[6:]))
        text = may if d < date(2026, 6, 12) else june
        old = "May 05, 2026" if text is may else "Jun 12, 2026"
        return 200, {"Content-Type": "text/csv"}, text.replace(
            old, d.strftime("%b %d, %Y")).encode()
    return handler


def test_refresh_as_of_asks_for_that_date_and_stores_it(server, fixtures, fast_policy):
    asked: list[str] = []
    server.route(PATH, handler=dated(fixtures, asked))
    result = refresh("russell2000", policy=fast_policy, as_of="2019-06-28")
    assert asked == ["20190628"]
    assert result.as_of == "2019-06-28"
    assert snap.list_snapshots("russell2000") == ["2019-06-28"]


def test_a_source_that_ignores_the_date_stores_nothing(server, fixtures, fast_policy):
    server.route(PATH, handler=dated(fixtures, [], ignore_date=True))
    with pytest.raises(UniverseError, match="got those of 2026-06-12; nothing was stored"):
        refresh("russell2000", policy=fast_policy, as_of="2019-06-28")
    assert snap.list_snapshots("russell2000") == []


def test_quarterly_history_resumes_and_diff_works_across_dates(server, fixtures):
    asked: list[str] = []
    server.route(PATH, handler=dated(fixtures, asked))
    run = CliRunner().invoke
    ends = period_ends("2026")
    res = run(cli, ["universe", "refresh", "russell2000", "--history", "quarterly",
                    "--from", "2026"])
    assert res.exit_code == 0, res.output
    assert snap.list_snapshots("russell2000") == ends  # one per quarter end (weekdays)
    assert ends[:2] == ["2026-03-31", "2026-06-30"]
    n = len(asked)
    res = run(cli, ["universe", "refresh", "russell2000", "--history", "quarterly",
                    "--from", "2026"])
    assert res.exit_code == 0 and len(asked) == n  # a rerun asks for nothing already stored
    res = run(cli, ["universe", "diff", "russell2000", "2026-04-15", "2026-07-01"])
    assert res.exit_code == 0, res.output
    assert "2026-03-31 -> 2026-06-30" in res.output
    assert "2 added, 2 dropped" in res.output
    assert all(t in res.output for t in ("KILO", "LIMA", "ZULU", "YANK"))
    res = run(cli, ["universe", "diff", "russell2000", "2020-01-01"])
    assert res.exit_code != 0 and "no snapshot on or before 2020-01-01" in res.output
    # the history's memberships hold every snapshot (what run --as-of reads)
    from screener.history import HistoryStore

    held = HistoryStore().read("memberships", where={"universe": "russell2000"})
    assert sorted(held["as_of"].dt.date.astype(str).unique()) == ends


def test_period_ends_are_last_weekdays():
    assert period_ends("2019", today=date(2019, 12, 31)) == [
        "2019-03-29", "2019-06-28", "2019-09-30", "2019-12-31"]
