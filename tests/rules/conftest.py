"""Helpers for the rules tests: small hand-built standard frames and screen files."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import pytest

from screener.rules import compile_screen

KNOWN = ["russell2000", "sp600", "sample"]


def make_frame(rows: dict[str, dict]) -> pd.DataFrame:
    """rows: ticker -> {column: value}; fills identity, in_russell2000=True, NaN metrics."""
    f = pd.DataFrame.from_dict(rows, orient="index")
    f.index.name = "ticker"
    for c in ("name", "sector", "industry", "exchange"):
        default = pd.Series(f.index, index=f.index) if c == "name" else "X"
        f[c] = (f[c] if c in f else pd.Series(None, index=f.index, dtype=object)).fillna(default)
        f[c] = f[c].astype("string")
    for c, default in (("in_russell2000", True), ("in_sp600", False)):
        col = f[c] if c in f else pd.Series(None, index=f.index, dtype=object)
        f[c] = col.astype(object).where(col.notna(), default).astype(bool)
    for c in f.columns:
        if c not in ("name", "sector", "industry", "exchange") and not c.startswith("in_"):
            f[c] = f[c].astype("float64")
    return f


@pytest.fixture
def screen(tmp_path):
    """Write a screen file and compile it: screen(yaml_text) -> Plan."""
    def build(text: str, name: str = "s.yaml", **kw):
        p = tmp_path / name
        p.write_text(textwrap.dedent(text))
        return compile_screen(p, known_universes=KNOWN, **kw)
    return build


@pytest.fixture
def write(tmp_path):
    def w(text: str, name: str = "s.yaml"):
        p = tmp_path / name
        p.write_text(textwrap.dedent(text))
        return p
    return w


NaN = np.nan
