"""Members of a universe, whatever its source: snapshots, sample, inline tickers, a CSV, or
set operations on other universes; then the definition's sector filters.

Set operations keep, for each ticker, the name/sector/weight of the first universe in ``of``
that has it. ``minus`` keeps the members of the first universe that are in none of the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from screener.errors import ConfigError, Location, Problem, UniverseError
from screener.universe import snapshots
from screener.universe import tickers as tk
from screener.universe.definitions import COMBINATIONS, DOWNLOADABLE, Definition

MEMBER_COLUMNS = ["name", "sector", "weight", "original_ticker", "exchange"]


@dataclass
class Members:
    """The members of one universe: ``frame`` indexed by normalised ticker (``ticker``) with
    name, sector, weight (fraction, NaN when unknown), original_ticker and exchange (as the
    file prints it; NA when unknown)."""

    name: str
    as_of: str
    frame: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, name: str, as_of: str, frame: pd.DataFrame) -> Members:
        """Members from any frame indexed by ticker (missing member columns become NA)."""
        return cls(name, as_of, _standard(frame))

    @property
    def tickers(self) -> list[str]:
        return list(self.frame.index)

    def __len__(self) -> int:
        return len(self.frame)


def _standard(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.reindex(columns=MEMBER_COLUMNS).copy()
    for col in ("name", "sector", "original_ticker", "exchange"):
        out[col] = out[col].astype("string")
    out["weight"] = pd.to_numeric(out["weight"], errors="coerce").astype("float64")
    out.index = pd.Index(out.index.astype("string"), name="ticker")
    return out


def _from_sample(defn: Definition) -> Members:
    try:
        from screener.providers.sample import SampleProvider
    except ImportError:
        raise UniverseError("The sample universe is not available in this installation.",
                            hint="Reinstall screener; the sample provider is part of it.") \
            from None
    frame = SampleProvider().universe()
    index = getattr(defn.source, "index", None)
    if index:
        frame = frame[frame[f"in_{index}"].astype(bool)]
    out = frame.reindex(columns=["name", "sector", "exchange"]).copy()
    out["weight"] = float("nan")
    out["original_ticker"] = frame.index.astype("string")
    return Members(defn.name, "sample", _standard(out))


def _from_tickers(defn: Definition) -> Members:
    rows: dict[str, str] = {}
    problems = []
    for i, raw in enumerate(defn.source.tickers):
        norm, why = tk.check(raw)
        if why is not None:
            problems.append(Problem(defn.location("source", "tickers", i),
                                    f"'{tk.printable(raw)}' is not a ticker: it {why}"
                                    if not why.startswith(("no ", "looks")) else
                                    f"'{tk.printable(raw)}' is not a ticker ({why})"))
            continue
        if norm in rows:
            problems.append(Problem(defn.location("source", "tickers", i),
                                    f"'{raw}' is listed twice (as {rows[norm]!r} before)"))
            continue
        rows[norm] = tk.clean(raw)
    if problems:
        raise ConfigError(problems, hint="List each ticker once; tickers are letters, digits, "
                                         "'.', '-' or '/'.")
    frame = pd.DataFrame({"original_ticker": pd.Series(rows)}, index=list(rows))
    stamp = datetime.fromtimestamp(defn.path.stat().st_mtime).date().isoformat() \
        if defn.path.exists() else date.today().isoformat()
    return Members(defn.name, stamp, _standard(frame))


def _from_csv(defn: Definition) -> Members:
    from screener.universe.parse import parse_holdings

    path = Path(defn.source.path).expanduser()
    if not path.is_absolute():
        path = defn.path.parent / path
    if not path.is_file():
        raise ConfigError([Problem(defn.location("source", "path"),
                                   f"the CSV file {path} does not exist")],
                          hint="The path is relative to the YAML file.")
    holdings = parse_holdings(path)
    as_of = holdings.as_of or datetime.fromtimestamp(path.stat().st_mtime).date().isoformat()
    return Members(defn.name, as_of, _standard(holdings.frame), list(holdings.notes))


def _combine(defn: Definition, parts: list[Members]) -> Members:
    op = defn.source.type
    frames = [p.frame for p in parts]
    if op == "union":
        frame = pd.concat(frames)
        frame = frame[~frame.index.duplicated(keep="first")]
    elif op == "intersection":
        keep = frames[0].index
        for other in frames[1:]:
            keep = keep[keep.isin(other.index)]
        frame = frames[0].loc[keep]
    else:  # minus
        frame = frames[0]
        for other in frames[1:]:
            frame = frame.loc[~frame.index.isin(other.index)]
    dated = sorted(p.as_of for p in parts if p.as_of[:1].isdigit())
    as_of = dated[0] if dated else parts[0].as_of   # the oldest input: conservative
    notes = [n for p in parts for n in p.notes]
    return Members(defn.name, as_of, _standard(frame), notes)


def _apply_filters(defn: Definition, members: Members) -> Members:
    f = defn.filters
    if f is None:
        return members
    sector = members.frame["sector"].fillna("").str.strip().str.lower()
    present = set(sector)
    keep = pd.Series(True, index=members.frame.index)
    for key, wanted, include in (("include_sectors", f.include_sectors, True),
                                 ("exclude_sectors", f.exclude_sectors, False)):
        if not wanted:
            continue
        low = [w.strip().lower() for w in wanted]
        unknown = [w for w, lw in zip(wanted, low) if lw not in present]
        if unknown and len(members.frame):
            members.notes.append(f"{defn.path}: {key} names sectors no member has: "
                                 f"{', '.join(unknown)}")
        hit = sector.isin(low)
        keep &= hit if include else ~hit
    members.frame = members.frame.loc[keep.to_numpy()]
    return members


def resolve(name: str, defs: dict[str, Definition], _stack: tuple[str, ...] = (),
            base: dict[str, Members] | None = None) -> Members:
    """Members of ``name`` (definitions already checked for unknown names and cycles).

    ``base`` replaces the downloadable universes by given members (e.g. the fictional sample
    data's own index flags), so combinations and filters work on them unchanged.
    """
    if name in _stack:  # load_definitions reports cycles; this is a guard
        raise ConfigError([Problem(Location(str(defs[name].path)),
                                   f"cycle: {' -> '.join(_stack + (name,))}")])
    defn = defs[name]
    kind = defn.source.type
    if base is not None and name in base:
        return base[name]
    if kind in DOWNLOADABLE:
        as_of, frame = snapshots.read_snapshot(name)
        members = Members(name, as_of, _standard(frame))
    elif kind == "sample":
        members = _from_sample(defn)
    elif kind == "tickers":
        members = _from_tickers(defn)
    elif kind == "csv":
        members = _from_csv(defn)
    elif kind in COMBINATIONS:
        parts = [resolve(ref, defs, _stack + (name,), base) for ref in defn.source.of]
        members = _combine(defn, parts)
    else:  # pragma: no cover - the model forbids other types
        raise UniverseError(f"Universe '{name}': unsupported source type '{kind}'.")
    return _apply_filters(defn, members)
