from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from screener.http import RetryPolicy

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "holdings"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def fast_policy() -> RetryPolicy:
    """The real policy shape with tiny waits, so retries do not slow the suite."""
    return RetryPolicy(attempts=5, max_seconds=30.0, initial_wait=0.01, max_wait=0.02, jitter=0.0)


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A SCREENER_HOME with its own universes/ folder; write(name, yaml) adds a definition."""
    folder = tmp_path / "home" / "universes"
    folder.mkdir(parents=True)
    monkeypatch.setenv("SCREENER_HOME", str(folder.parent))

    def write(name: str, text: str) -> Path:
        path = folder / f"{name}.yaml"
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return path

    write.folder = folder
    return write
