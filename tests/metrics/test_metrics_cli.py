"""`screener metrics` prints the catalog."""

import json

from click.testing import CliRunner

from screener.cli import cli
from screener.metrics.catalog import CATALOG_LIST


def test_table_lists_known_ids():
    res = CliRunner().invoke(cli, ["metrics"])
    assert res.exit_code == 0, res.output
    for mid in ("net_debt_to_ebitda", "wall_coverage_24m", "piotroski_f", "revision_breadth_30d"):
        assert mid in res.output


def test_json_parses_and_filters_by_group():
    res = CliRunner().invoke(cli, ["metrics", "--group", "leverage", "--format", "json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert {r["id"] for r in rows} == {m.id for m in CATALOG_LIST if m.group == "leverage"}
    row = next(r for r in rows if r["id"] == "interest_coverage")
    assert (
        row["better"] == "higher" and row["source"] == "financetoolkit" and "999" in row["formula"]
    )


def test_csv_has_every_metric():
    res = CliRunner().invoke(cli, ["metrics", "--format", "csv"])
    lines = res.output.strip().splitlines()
    assert lines[0] == "id,label,group,unit,better,formula,window,frequency,source"
    assert len(lines) == len(CATALOG_LIST) + 1


def test_price_metrics_state_their_window_and_frequency():
    res = CliRunner().invoke(cli, ["metrics", "--group", "price", "--format", "json"])
    rows = {r["id"]: r for r in json.loads(res.output)}
    assert rows["ret_6m"]["window"] == "126" and rows["ret_6m"]["frequency"] == "daily"
    assert "Wilder" in rows["rsi_14"]["formula"]


def test_unknown_group_is_a_usage_error():
    res = CliRunner().invoke(cli, ["metrics", "--group", "levrage"])
    assert res.exit_code == 2 and "leverage" in res.output


def test_help_has_an_example():
    res = CliRunner().invoke(cli, ["metrics", "--help"])
    assert res.exit_code == 0 and "screener metrics --group leverage" in res.output
