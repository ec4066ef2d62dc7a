"""Universe YAML definitions: strict validation with file and line; custom universes."""

from __future__ import annotations

import shutil

import pytest

from screener.errors import ConfigError, UniverseError
from screener.universe import import_file, list_universes, load_members, membership_frame
from screener.universe.definitions import load_definitions, source_url


def test_builtin_definitions_load_with_the_ishares_urls():
    defs = load_definitions()
    assert {"russell2000", "sp600", "sample", "custom_example"} <= set(defs)
    assert "IWM_holdings" in source_url(defs["russell2000"])
    assert "IJR_holdings" in source_url(defs["sp600"])


def test_url_can_be_overridden_from_the_environment(monkeypatch):
    monkeypatch.setenv("SCREENER_UNIVERSE_URL_RUSSELL2000", "http://127.0.0.1:1/iwm.csv")
    assert source_url(load_definitions()["russell2000"]) == "http://127.0.0.1:1/iwm.csv"


def test_unknown_key_is_reported_with_file_and_line(home):
    home("mine", """
        title: Mine
        source:
          type: tickers
          tickers: [AAA]
        filter:
          exclude_sectors: [Energy]
    """)
    with pytest.raises(ConfigError) as info:
        load_definitions()
    assert "mine.yaml:5: unknown key 'filter'; did you mean 'filters'?" in str(info.value)


def test_unknown_source_type_and_missing_url(home):
    home("a", """
        source: {type: wikipedia}
    """)
    home("b", """
        source:
          type: ishares
          fund: IWM
    """)
    with pytest.raises(ConfigError) as info:
        load_definitions()
    text = str(info.value)
    assert "a.yaml:1: unknown source type 'wikipedia'" in text
    assert "b.yaml:1: missing required key 'source.url'" in text
    assert "2 problems" in text


def test_unknown_universe_in_a_union_names_the_line(home):
    home("both", """
        source:
          type: union
          of:
            - russell2000
            - sp6000
    """)
    with pytest.raises(ConfigError, match=r"both.yaml:5: unknown universe 'sp6000'"):
        load_definitions()


def test_cycles_are_reported(home):
    home("a", "source: {type: union, of: [b]}\n")
    home("b", "source: {type: minus, of: [a, sample]}\n")
    with pytest.raises(ConfigError, match=r"cycle: a -> b -> a"):
        load_definitions()


def test_name_must_match_file_name(home):
    home("mine", "name: yours\nsource: {type: tickers, tickers: [A]}\n")
    with pytest.raises(ConfigError, match=r"mine.yaml:1: name 'yours' differs"):
        load_definitions()


def test_not_downloaded_yet_says_what_to_do():
    with pytest.raises(UniverseError) as info:
        load_members("russell2000")
    text = str(info.value)
    assert "Universe 'russell2000' has not been downloaded yet." in text
    assert "screener universe refresh russell2000" in text
    assert "screener universe import russell2000 FILE" in text
    assert "--provider sample" in text


def test_unknown_universe_lists_the_known_ones():
    with pytest.raises(UniverseError, match="Unknown universe 'russel2000'"):
        load_members("russel2000")


@pytest.fixture
def two_indexes(fixtures):
    import_file("russell2000", fixtures / "iwm_2026-05-05.csv")
    import_file("sp600", fixtures / "ijr_old_2019-01-31.csv")


def test_union_intersection_minus_and_filters(home, two_indexes):
    home("both", "source: {type: intersection, of: [russell2000, sp600]}\n")
    home("r_only", "source: {type: minus, of: [russell2000, sp600]}\n")
    home("any_nonfin", """
        source: {type: union, of: [russell2000, sp600]}
        filters: {exclude_sectors: [financials, Real Estate]}
    """)
    home("health", """
        source: {type: union, of: [russell2000, sp600]}
        filters: {include_sectors: [Health Care]}
    """)
    r2k, sp = load_members("russell2000"), load_members("sp600")
    assert sorted(load_members("both").tickers) == ["ALPX", "BRVO"]
    r_only = load_members("r_only")
    assert len(r_only) == len(r2k) - 2 and "ALPX" not in r_only.tickers
    nonfin = load_members("any_nonfin")
    # union of 25 names minus 4 Financials (BRVO, BRK-B, NOVB, OSCR) and 1 Real Estate (GOLF)
    assert len(set(r2k.tickers) | set(sp.tickers)) == 25 and len(nonfin) == 20
    assert not set(nonfin.frame["sector"]) & {"Financials", "Real Estate"}
    assert set(load_members("health").frame["sector"]) == {"Health Care"}
    assert load_members("both").as_of == "2019-01-31"     # the oldest input


def test_tickers_and_csv_universes(home, fixtures, two_indexes):
    home("watch", """
        source:
          type: tickers
          tickers: [brk.b, MOG A, XYZ]
    """)
    shutil.copy(fixtures / "plain_tickers.csv", home.folder / "list.csv")
    home("fromcsv", "source: {type: csv, path: list.csv}\n")
    watch = load_members("watch")
    assert watch.tickers == ["BRK-B", "MOG-A", "XYZ"]
    assert watch.frame.loc["MOG-A", "original_ticker"] == "MOG A"
    assert load_members("fromcsv").tickers == ["ALPX", "BRK-B", "SIER", "ZZZZ"]
    home("bad", "source: {type: tickers, tickers: ['A$B']}\n")
    with pytest.raises(ConfigError, match=r"bad.yaml:1: 'A\$B' is not a ticker"):
        load_members("bad")


def test_missing_csv_is_named(home):
    home("gone", "source:\n  type: csv\n  path: nowhere.csv\n")
    with pytest.raises(ConfigError, match=r"gone.yaml:3: the CSV file .*nowhere.csv"):
        load_members("gone")


def test_membership_frame_over_the_union(two_indexes):
    frame = membership_frame(["russell2000", "sp600"])
    assert list(frame.columns) == ["in_russell2000", "in_sp600"]
    assert frame.dtypes.tolist() == [bool, bool]
    assert frame.loc["ALPX"].tolist() == [True, True]
    assert frame.loc["CHRL"].tolist() == [True, False]
    assert frame.loc["SIER"].tolist() == [False, True]
    assert len(frame) == len(set(load_members("russell2000").tickers)
                             | set(load_members("sp600").tickers))


def test_list_universes_reports_counts_and_missing(two_indexes):
    infos = {i.name: i for i in list_universes()}
    assert infos["russell2000"].members == 20 and infos["russell2000"].as_of == "2026-05-05"
    assert infos["sp600"].as_of == "2019-01-31"
    assert infos["custom_example"].members is not None


def test_list_universes_before_any_download():
    infos = {i.name: i for i in list_universes()}
    assert infos["russell2000"].members is None and infos["russell2000"].as_of is None
    assert "not been downloaded" in infos["russell2000"].problem


def test_a_universe_that_refers_to_itself_is_a_cycle(home):
    home("loop", "source: {type: union, of: [loop, sample]}\n")
    with pytest.raises(ConfigError, match=r"loop.yaml:1: .*cycle: loop -> loop"):
        load_definitions()


def test_sample_universe_works_offline():
    members = load_members("sample")
    assert members.as_of == "sample" and len(members) > 100
    assert members.frame["sector"].notna().all()
