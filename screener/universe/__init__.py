"""Universes: which tickers a run covers.

Public API (the pipeline and the CLI call these):

- ``list_universes() -> list[UniverseInfo]``: every definition with its stored member count
  and as-of date (None when not downloaded yet).
- ``load_members(name) -> Members``: members indexed by normalised ticker with name, sector,
  weight, original_ticker; ``UniverseError`` with what to do when nothing is stored.
- ``membership_frame(names) -> DataFrame``: bool ``in_<name>`` columns over the union.
- ``parse_holdings(path_or_bytes, filename=None) -> Holdings``: iShares CSV, SPDR xlsx, plain CSV.
- ``refresh(name)`` / ``import_file(name, path)`` -> ``StoreResult`` (adds and drops).
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from screener.errors import ScreenerError, UniverseError
from screener.universe.definitions import DOWNLOADABLE, load_definitions, source_url
from screener.universe.tickers import normalise as normalise_ticker

if TYPE_CHECKING:
    import pandas as pd

    from screener.universe.combine import Members

# Loaded on first use, so commands that only read definitions (validate, --help) never import
# pandas: name -> (module, attribute).
_LAZY = {
    "Members": ("combine", "Members"), "resolve": ("combine", "resolve"),
    "StoreResult": ("download", "StoreResult"), "import_file": ("download", "import_file"),
    "refresh": ("download", "refresh"), "Holdings": ("holdings", "Holdings"),
    "HoldingsFormatError": ("holdings", "HoldingsFormatError"),
    "parse_holdings": ("parse", "parse_holdings"), "snapshots": ("snapshots", None),
}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attr = _LAZY[name]
    mod = importlib.import_module(f"{__name__}.{module}")
    return mod if attr is None else getattr(mod, attr)

__all__ = [
    "Holdings",
    "HoldingsFormatError",
    "Members",
    "StoreResult",
    "UniverseInfo",
    "import_file",
    "is_available",
    "list_universes",
    "load_members",
    "members_on",
    "membership_frame",
    "normalise_ticker",
    "parse_holdings",
    "refresh",
]


@dataclass
class UniverseInfo:
    name: str
    title: str
    source_type: str
    members: int | None          # None: not downloaded yet (or an input is missing)
    as_of: str | None
    source: str = ""             # URL, file or "union of a, b"
    snapshots: int = 0           # stored snapshots (downloadable universes)
    problem: str | None = None   # why members is None


def _source_label(defn) -> str:
    src = defn.source
    if src.type in DOWNLOADABLE:
        fund = f"{src.fund} " if src.fund else ""
        host = source_url(defn).split("/")[2] if "://" in source_url(defn) else source_url(defn)
        return f"{src.type} {fund}({host})"
    if src.type == "tickers":
        return f"{len(src.tickers)} tickers listed inline"
    if src.type == "csv":
        return f"csv {src.path}"
    if src.type == "sample":
        return "fictional sample data"
    return f"{src.type} of {', '.join(src.of)}"


def list_universes() -> list[UniverseInfo]:
    """Every defined universe, with members and as-of of what is stored or resolvable now."""
    from screener.universe.combine import resolve

    defs = load_definitions()
    out = []
    for name, defn in sorted(defs.items()):
        info = UniverseInfo(name, defn.display_title, defn.source.type, None, None,
                            _source_label(defn))
        if defn.source.type in DOWNLOADABLE:
            from screener.universe import snapshots

            info.snapshots = len(snapshots.list_snapshots(name))
        try:
            members = resolve(name, defs)
            info.members, info.as_of = len(members), members.as_of
        except UniverseError as exc:
            missing = re.match(r"Universe '([^']+)' has not been downloaded yet", exc.message)
            info.problem = exc.message if not missing or missing.group(1) == name \
                else f"needs {missing.group(1)} (not downloaded yet)"
        except ScreenerError as exc:
            info.problem = str(exc).splitlines()[0]
        out.append(info)
    return out


def load_members(name: str) -> Members:
    """Members of universe ``name`` (raises ``UniverseError`` / ``ConfigError``)."""
    from screener.universe.combine import resolve
    from screener.universe.definitions import get_definition

    defs = load_definitions()
    get_definition(name, defs)
    return resolve(name, defs)


def members_on(name: str, base: dict[str, Members]) -> Members:
    """Members of ``name`` with the downloadable universes taken from ``base`` (the sample
    data's own index members), so a custom universe can be tried on fictional data."""
    from screener.universe.combine import resolve
    from screener.universe.definitions import get_definition

    defs = load_definitions()
    get_definition(name, defs)
    return resolve(name, defs, base=base)


def is_available(name: str) -> bool:
    """True when ``load_members(name)`` would succeed without the network."""
    try:
        load_members(name)
    except ScreenerError:
        return False
    return True


def membership_frame(names: list[str]) -> pd.DataFrame:
    """Bool columns ``in_<name>`` indexed by ticker, over the union of the universes' members."""
    import pandas as pd

    members = [load_members(n) for n in names]
    index = pd.Index([], dtype="string", name="ticker")
    for m in members:
        index = index.union(m.frame.index)
    frame = pd.DataFrame(index=pd.Index(index, name="ticker"))
    for name, m in zip(names, members):
        frame[f"in_{name}"] = frame.index.isin(m.frame.index)
    return frame
