"""Mutated real-format payloads through every parser: typed errors only, never a crash.

Seeded and bounded (a few hundred mutations per parser), so the run is repeatable and quick.
Mutations: truncation, byte flips, deleted and duplicated lines (text formats); values swapped
for the wrong JSON type and keys deleted (JSON formats).
"""

from __future__ import annotations

import json
import random
from datetime import date
from pathlib import Path

import pytest

from screener.errors import ScreenerError
from screener.providers.sec_facts import parse_companyfacts
from screener.providers.yahoo_parse import parse_payload
from screener.universe import parse_holdings

FIX = Path(__file__).resolve().parents[1] / "fixtures"
WRONG_TYPES = [None, "x", 5, [], {}, True, -1.5, "2024-13-45", {"end": "bad"}]


def _mutate_bytes(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.random()
        lines = bytes(b).split(b"\n")
        if op < 0.3 and b:
            b = b[: rng.randrange(len(b))]
        elif op < 0.6 and b:
            b[rng.randrange(len(b))] = rng.randrange(256)
        elif op < 0.8:
            del lines[rng.randrange(len(lines))]
            b = bytearray(b"\n".join(lines))
        else:
            lines.insert(rng.randrange(len(lines)), lines[rng.randrange(len(lines))])
            b = bytearray(b"\n".join(lines))
    return bytes(b)


def _mutate_json(rng: random.Random, node) -> None:
    if isinstance(node, dict):
        for k in list(node):
            r = rng.random()
            if r < 0.03:
                node[k] = rng.choice(WRONG_TYPES)
            elif r < 0.05:
                del node[k]
            else:
                _mutate_json(rng, node[k])
    elif isinstance(node, list):
        for i in range(len(node)):
            if rng.random() < 0.03:
                node[i] = rng.choice(WRONG_TYPES)
            else:
                _mutate_json(rng, node[i])


@pytest.mark.parametrize("seed", [1, 2])
def test_holdings_parser_only_raises_typed_errors(seed):
    rng = random.Random(seed)
    files = sorted((FIX / "holdings").rglob("*.csv"))
    for _ in range(250):
        src = rng.choice(files)
        try:
            parse_holdings(_mutate_bytes(rng, src.read_bytes()), filename=src.name)
        except ScreenerError:
            pass


@pytest.mark.parametrize("seed", [1, 2])
def test_companyfacts_parser_only_raises_typed_errors(seed):
    rng = random.Random(seed)
    files = sorted(p for p in (FIX / "sec").rglob("*.json") if "tickers" not in p.name)
    for _ in range(200):
        doc = json.loads(rng.choice(files).read_text())
        _mutate_json(rng, doc)
        try:
            out = parse_companyfacts("FUZZ", doc, as_of=date(2026, 11, 20))
        except (ScreenerError, ValueError):
            continue
        assert set(out) == {"identity", "statements", "ladder", "_failures"}


@pytest.mark.parametrize("seed", [1, 2])
def test_yahoo_parser_only_raises_typed_errors(seed):
    rng = random.Random(seed)
    files = sorted((FIX / "yahoo").rglob("*.json"))
    for _ in range(200):
        doc = json.loads(rng.choice(files).read_text())
        _mutate_json(rng, doc)
        for dataset in ("estimates", "market"):
            try:
                parse_payload("FUZZ", dataset, json.dumps(doc).encode(), date(2026, 11, 20))
            except (ScreenerError, ValueError):
                pass
