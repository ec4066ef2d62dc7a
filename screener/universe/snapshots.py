"""Dated snapshots of a universe's holdings: ``data_dir()/universes/<name>/<YYYY-MM-DD>.csv``.

Each snapshot is a CSV (ticker, original_ticker, name, sector, weight, market_value, exchange,
location, currency, asset_class) plus a ``.json`` meta file (source, downloaded_at, row
counts, dropped rows by reason). Earlier snapshots are kept: they are the membership history.
Writes are atomic (the CSV first, which is what makes a snapshot exist, then the meta naming
the CSV's sha256, so a meta never describes other data); a re-import of the same as-of date
replaces that snapshot. Temporaries of a killed write are removed by the next one.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from screener import settings
from screener.errors import UniverseError
from screener.fsutil import atomic_write_text
from screener.universe.holdings import COLUMNS, Holdings

_DATE_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.csv$")
_NUMERIC = ("weight", "market_value")


@dataclass
class Diff:
    old_as_of: str | None
    new_as_of: str
    added: pd.DataFrame       # rows of the new snapshot not in the old one
    removed: pd.DataFrame     # rows of the old snapshot not in the new one


def universe_dir(name: str) -> Path:
    return settings.data_dir() / "universes" / name


def list_snapshots(name: str) -> list[str]:
    """As-of dates (ISO) of the stored snapshots, oldest first."""
    folder = universe_dir(name)
    if not folder.is_dir():
        return []
    return sorted(m.group(1) for p in folder.iterdir() if (m := _DATE_FILE.match(p.name)))


def in_force(name: str, on: str) -> str | None:
    """The snapshot in force on date ``on``: the newest one dated on or before it."""
    earlier = [d for d in list_snapshots(name) if d <= on]
    return earlier[-1] if earlier else None


def latest(name: str) -> str | None:
    dates = list_snapshots(name)
    return dates[-1] if dates else None


def write_snapshot(name: str, holdings: Holdings, *, as_of: str, source: str,
                   source_type: str) -> Path:
    """Store ``holdings`` as the snapshot of ``as_of``; returns the CSV path."""
    folder = universe_dir(name)
    path = folder / f"{as_of}.csv"
    meta = {
        "universe": name,
        "as_of": as_of,
        "as_of_in_file": holdings.as_of,
        "source": source,
        "source_type": source_type,
        "layout": holdings.kind,
        "fund": holdings.fund,
        "downloaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "rows_total": holdings.rows_total,
        "equities_kept": holdings.kept,
        "dropped": holdings.dropped,
        "notes": holdings.notes,
    }
    frame = holdings.frame.reset_index()[["ticker", *COLUMNS]]
    text = frame.to_csv(index=False, float_format="%.10g")
    # the CSV is the commit point; the meta names the CSV it describes (sha256), so a kill
    # between the two writes leaves a meta that ``read_meta`` recognises as not this CSV's,
    # never one that claims a count the data does not have
    meta["csv_sha256"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    atomic_write_text(path, text)
    atomic_write_text(folder / f"{as_of}.json", json.dumps(meta, indent=2) + "\n")
    return path


def read_snapshot(name: str, as_of: str | None = None) -> tuple[str, pd.DataFrame]:
    """(as_of, frame indexed by ticker) of one snapshot, the latest by default."""
    dates = list_snapshots(name)
    if as_of is None:
        if not dates:
            raise not_downloaded(name)
        as_of = dates[-1]
    elif as_of not in dates:
        raise UniverseError(
            f"Universe '{name}' has no snapshot dated {as_of}.",
            hint=f"Stored snapshots: {', '.join(dates) if dates else 'none'}.")
    path = universe_dir(name) / f"{as_of}.csv"
    try:
        raw = pd.read_csv(path, dtype="string", keep_default_na=False)
    except (OSError, ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise _corrupt(path, f"cannot be read ({type(exc).__name__})") from None
    missing = [c for c in ("ticker", *COLUMNS) if c not in raw.columns]
    if missing:
        raise _corrupt(path, f"lacks the columns {', '.join(missing)}")
    raw = raw.replace("", pd.NA)
    if raw["ticker"].isna().any() or raw["ticker"].duplicated().any():
        raise _corrupt(path, "has empty or repeated tickers")
    frame = raw.set_index("ticker")[COLUMNS].copy()
    for col in _NUMERIC:
        values = pd.to_numeric(frame[col], errors="coerce")
        if (values.isna() & frame[col].notna()).any():
            raise _corrupt(path, f"has non-numeric values in '{col}'")
        frame[col] = values.astype("float64")
    return as_of, frame


def read_meta(name: str, as_of: str) -> dict:
    """The meta of one snapshot; ``{}`` when missing or written for another version of the
    CSV (a write interrupted between the two files)."""
    path = universe_dir(name) / f"{as_of}.json"
    if not path.exists():
        return {}
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise _corrupt(path, "is not valid JSON") from None
    sha = meta.get("csv_sha256") if isinstance(meta, dict) else None
    if sha is not None:
        try:
            data = (universe_dir(name) / f"{as_of}.csv").read_bytes()
        except OSError:
            return {}
        if hashlib.sha256(data).hexdigest() != sha:
            return {}
    return meta


def diff(name: str, old: str | None, new: str | None = None) -> Diff:
    """Members added and removed between snapshot ``old`` and ``new`` (default: the latest)."""
    new_as_of, new_frame = read_snapshot(name, new)
    if old is None:
        empty = new_frame.iloc[0:0]
        return Diff(None, new_as_of, new_frame, empty)
    old_as_of, old_frame = read_snapshot(name, old)
    added = new_frame.loc[~new_frame.index.isin(old_frame.index)]
    removed = old_frame.loc[~old_frame.index.isin(new_frame.index)]
    return Diff(old_as_of, new_as_of, added, removed)


def not_downloaded(name: str) -> UniverseError:
    return UniverseError(
        f"Universe '{name}' has not been downloaded yet.",
        hint=f"Run `screener universe refresh {name}` (needs network) or "
             f"`screener universe import {name} FILE`, or use --provider sample for "
             "fictional demo data.")


def _corrupt(path: Path, what: str) -> UniverseError:
    return UniverseError(
        f"The universe snapshot {path} {what}.",
        hint="Delete that file (and its .json) and run `screener universe refresh` or "
             "`screener universe import` again.")
