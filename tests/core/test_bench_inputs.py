"""The bench's own inputs build for every metric the catalog holds (a new metric unit once
broke ``python -m bench`` before it timed anything)."""

from __future__ import annotations

import typing

from bench.bench_excel import synthetic_result
from screener.metrics.catalog import CATALOG_LIST, Unit


def test_the_synthetic_run_has_every_catalog_metric_whatever_its_unit():
    result = synthetic_result(40)
    assert {m.unit for m in CATALOG_LIST} <= set(typing.get_args(Unit))
    for m in CATALOG_LIST:
        column = result.eligible[m.id]
        assert column.notna().any(), m.id
        assert (column.dropna() >= 0).all(), m.id
    assert len(result.eligible) == 40
