"""The effective screen: what a run actually evaluates, and so the run's identity.

``extends`` merged, ``--set`` applied: ``effective_text`` is that screen as YAML (a valid screen
file: running it alone reproduces the run), preceded by comments naming the file it came from,
the files it extends and every override with its source and the value it replaced.
``effective_hash`` is the sha256 of the YAML body (not the comments): two runs share it exactly
when they evaluate the same screen, whatever file layout or ``--set`` spelling produced it.
The run history and the workbook use these two; ``Override`` records where each value came from.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import yaml


@dataclass(frozen=True)
class Override:
    """One param replaced for a run: ``name`` = ``value`` (``raw`` as typed) from ``source``
    (``--set``), replacing ``was`` (None when the value is unchanged)."""

    name: str
    value: float | str
    raw: str
    source: str
    was: float | str | None

    def describe(self) -> str:
        was = "" if self.was is None else f" (the screen says {show_value(self.was)})"
        return f"{self.name} = {show_value(self.value)} from {self.source} {self.name}={self.raw}{was}"


def show_value(v) -> str:
    """A param value as a person writes it: 300000000.0 -> 300M, 2.5 -> 2.5."""
    if isinstance(v, float):
        for div, suf in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
            if abs(v) >= div and (v / div) == round(v / div, 3):
                return f"{v / div:g}{suf}"
        return f"{v:g}"
    return str(v)


def _plain(value):
    """YAML-friendly: integral floats as ints (300000000, not 300000000.0), nested walked."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e18:
        return int(value)
    return value


def effective_body(data: dict, params: dict) -> str:
    """The merged screen as YAML, params with the values used (numbers as numbers)."""
    body = dict(data)
    body.pop("extends", None)
    if params:
        body["params"] = dict(params)
    return yaml.safe_dump(_plain(body), sort_keys=False, allow_unicode=True, width=100)


def effective_screen(path: str, chain: list[str], data: dict, params: dict,
                     overrides: list[Override]) -> tuple[str, str]:
    """(effective_text, effective_hash) of a loaded screen; see the module doc."""
    body = effective_body(data, params)
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
    head = [f"# effective screen of {path}"]
    head += [f"#   extends {c}" for c in chain]
    head += ["# (extends merged and --set applied; this is what the run evaluated)"]
    if overrides:
        head += ["# overrides:"] + [f"#   {o.describe()}" for o in overrides]
    return "\n".join(head) + "\n" + body, digest
