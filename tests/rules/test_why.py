"""The wide per-name table: why each name of the universe is or is not on each list."""

from screener.rules import evaluate
from tests.rules.conftest import make_frame


def test_every_universe_name_has_its_first_failed_rule_status_and_rank(screen):
    plan = screen("""
        universes: [russell2000]
        eligibility: [market_cap >= 300M, adv_3m >= 1M]
        phases:
          cheap:
            title: Cheap
            filters: [pe < 20, roic > 5%]
            rank_by: pe
            top: 1
    """)
    frame = make_frame({
        "A": {"market_cap": 1e9, "adv_3m": 2e6, "pe": 10.0, "roic": 0.10},   # listed #1
        "B": {"market_cap": 1e9, "adv_3m": 2e6, "pe": 12.0, "roic": 0.10},   # below top 1
        "C": {"market_cap": 1e9, "adv_3m": 2e6, "pe": 30.0, "roic": 0.10},   # fails pe
        "D": {"market_cap": 1e9, "adv_3m": 2e6, "pe": 9.0},                  # roic missing
        "E": {"market_cap": 1e8, "adv_3m": 2e6, "pe": 9.0, "roic": 0.2},     # too small
        "F": {"market_cap": 1e9, "pe": 9.0, "roic": 0.2},                    # no volume
    })
    ev = evaluate(plan, frame)
    st = ev.why.set_index("ticker")
    assert list(st.index) == ["A", "B", "C", "D", "E", "F"]
    assert st.loc["E", "failed_rule"] == "market_cap >= 300M"
    assert st.loc["F", "failed_rule"] == "adv_3m >= 1M (value missing)"
    assert st.loc["F", "elig.2"] == "missing" and st.loc["E", "elig.2"] == "PASS"
    assert st["cheap.status"].to_dict() == {
        "A": "listed #1", "B": "passed; ranked below the top 1", "C": "failed: pe < 20",
        "D": "failed: roic > 5% (value missing)", "E": "not eligible", "F": "not eligible"}
    assert st.loc["B", "cheap.rank"] == 2 and st["cheap.rank"].isna().sum() == 4
    assert st.loc["D", "cheap.rule2"] == "missing" and st.loc["C", "cheap.rule1"] == "FAIL"
    assert ev.why_labels["cheap.rule1"] == ("Cheap", "pe < 20")
    assert set(ev.universe.index) == set("ABCDEF")
