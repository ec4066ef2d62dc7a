import pytest

from screener.universe.tickers import CONCATENATED_CLASSES, normalise


@pytest.mark.parametrize("raw, expected", [
    ("BRK.B", "BRK-B"), ("BRK/B", "BRK-B"), ("BRK B", "BRK-B"), (" brk.b ", "BRK-B"),
    ("MOG A", "MOG-A"), ("MOGA", "MOG-A"), ("CWENA", "CWEN-A"), ("GEFB", "GEF-B"),
    ("BFB", "BF-B"), ("HEIA", "HEI-A"), ("LGFA", "LGF-A"), ("BRKB", "BRK-B"),
    ("MOG-A", "MOG-A"), ("\u00a0AAPL\u00a0", "AAPL"),
])
def test_share_classes_become_provider_style(raw, expected):
    assert normalise(raw) == expected


@pytest.mark.parametrize("ordinary", ["RUSHA", "FWONA", "LBRDK", "GOLF", "ABCD", "NOVB", "CRDO"])
def test_ordinary_tickers_are_not_split(ordinary):
    assert normalise(ordinary) == ordinary


@pytest.mark.parametrize("blank", ["-", "", "  ", None, "N/A"])
def test_missing_tickers_normalise_to_empty(blank):
    assert normalise(blank) == ""


def test_every_known_concatenated_class_maps_to_a_dashed_ticker():
    for joined, dashed in CONCATENATED_CLASSES.items():
        assert dashed.replace("-", "") == joined
