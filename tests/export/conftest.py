"""Fixtures of the export tests; the hand-built RunResult lives in ``export_fixtures``."""

from __future__ import annotations

import pytest
from export_fixtures import make_result

from screener.result import RunResult


@pytest.fixture
def result() -> RunResult:
    return make_result()
