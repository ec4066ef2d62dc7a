"""The series catalog: which macro and computed series the regime panel can read.

Built in: ``series.yaml`` beside this module (the FRED series of DOMAIN.md and the series we
compute from our own history). A user adds or replaces entries in a ``series.yaml`` in the
project folder (next to ``screens/``) or in the file named by ``$SCREENER_SERIES``; entries are
grouped under any heading (credit:, curve:, ...) and keyed by series id.

Each entry: ``title``, ``frequency`` (daily/weekly/monthly/quarterly), ``units``,
``release_lag`` (days from the date FRED gives an observation to its publication), ``source``
(``fred``, the default, or ``computed``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from screener.errors import ConfigError, Location, Problem

BUILTIN = Path(__file__).with_name("series.yaml")
Frequency = Literal["daily", "weekly", "monthly", "quarterly"]
# observations per year, for windows given in periods
PER_YEAR = {"daily": 252, "weekly": 52, "monthly": 12, "quarterly": 4}


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    frequency: Frequency
    units: str = ""
    release_lag: int = Field(ge=0, le=3650, description="days from observation date to release")
    source: Literal["fred", "computed"] = "fred"


@dataclass(frozen=True)
class SeriesDef:
    id: str
    title: str
    frequency: str
    units: str
    release_lag: int
    source: str
    group: str
    file: str


def _read(path: Path) -> dict[str, SeriesDef]:
    from screener.rules.loader import _message
    from screener.rules.yamlload import decode, load_yaml_text

    file = str(path)
    loaded = load_yaml_text(decode(path.read_bytes(), file), file)
    out: dict[str, SeriesDef] = {}
    problems: list[Problem] = []
    for group, entries in loaded.data.items():
        if not isinstance(entries, dict):
            problems.append(Problem(loaded.loc((group,)), f"{group}: expected series ids under "
                                    "this heading", "e.g.  DGS10: {title: ..., frequency: daily, "
                                    "units: percent, release_lag: 1}"))
            continue
        for sid, raw in entries.items():
            if sid in out:
                problems.append(Problem(loaded.loc((group, sid), key=True),
                                        f"series {sid!r} is listed twice",
                                        f"it is already under {out[sid].group!r}; keep one"))
                continue
            try:
                e = _Entry.model_validate(raw)
            except ValidationError as exc:
                for err in exc.errors():
                    loc = (group, sid, *err["loc"])
                    msg, hint = _message(err)
                    if hint and "screens/README.md" in hint:
                        hint = "see the header of screener/regime/series.yaml"
                    if err["type"] == "extra_forbidden":
                        msg, hint = (f"unknown key '{err['loc'][-1]}'", "allowed keys: "
                                     + ", ".join(_Entry.model_fields))
                    problems.append(Problem(loaded.loc(loc, key=err["type"] == "extra_forbidden"),
                                            f"{sid}.{'.'.join(map(str, err['loc']))}: {msg}"
                                            if err["loc"] else f"{sid}: {msg}", hint))
                continue
            out[sid] = SeriesDef(sid, e.title, e.frequency, e.units, e.release_lag, e.source,
                                 group, file)
    if problems:
        raise ConfigError(problems)
    return out


def user_catalog_path() -> Path | None:
    from screener.settings import project_dir

    env = os.environ.get("SCREENER_SERIES")
    if env:
        return Path(env).expanduser()
    p = project_dir() / "series.yaml"
    return p if p.is_file() else None


@lru_cache(maxsize=8)
def _load(user: str | None, mtime: float | None) -> dict[str, SeriesDef]:
    out = _read(BUILTIN)
    if user is not None:
        p = Path(user)
        if not p.is_file():
            raise ConfigError([Problem(Location(user), "series catalog not found",
                                       "check $SCREENER_SERIES or remove it")])
        out.update(_read(p))
    return out


def series_catalog(path: str | Path | None = None) -> dict[str, SeriesDef]:
    """Built-in entries, then the user's (``path``, ``$SCREENER_SERIES`` or ./series.yaml)."""
    p = Path(path) if path is not None else user_catalog_path()
    mtime = p.stat().st_mtime if p is not None and p.is_file() else None
    return dict(_load(str(p) if p is not None else None, mtime))


def fred_series(catalog: dict[str, SeriesDef] | None = None) -> list[SeriesDef]:
    cat = catalog if catalog is not None else series_catalog()
    return [s for s in cat.values() if s.source == "fred"]
