"""Universe definitions: ``universes/*.yaml``, validated strictly (a typo fails loudly).

    name: russell2000
    title: Russell 2000 (iShares IWM holdings)
    source: {type: ishares, url: https://..., fund: IWM}
    filters: {exclude_sectors: [Financials]}

Source types: ``ishares`` / ``spdr`` (downloaded holdings, stored as dated snapshots),
``sample`` (fictional demo data), ``tickers`` (an inline list), ``csv`` (a file, path relative
to the YAML file), ``union`` / ``intersection`` / ``minus`` (``of: [names]``, set operations in
order). Definitions are read from ``settings.universes_dir()``; the built-in ones (russell2000,
sp600, sample) stay available when the user's folder does not redefine them.

A download URL can be overridden with ``SCREENER_UNIVERSE_URL_<NAME>`` (upper case, ``-`` as
``_``), e.g. ``SCREENER_UNIVERSE_URL_RUSSELL2000=http://127.0.0.1:8000/iwm.csv``.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from screener import settings
from screener.errors import ConfigError, Location, Problem, UniverseError

DOWNLOADABLE = ("ishares", "spdr")
COMBINATIONS = ("union", "intersection", "minus")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DownloadSource(_Strict):
    type: Literal["ishares", "spdr"]
    url: str = Field(min_length=1)
    fund: str | None = None


class SampleSource(_Strict):
    type: Literal["sample"]
    index: Literal["russell2000", "sp600"] | None = None   # keep only sample members of one index


class TickersSource(_Strict):
    type: Literal["tickers"]
    tickers: list[str] = Field(min_length=1)


class CsvSource(_Strict):
    type: Literal["csv"]
    path: str = Field(min_length=1)


class CombineSource(_Strict):
    type: Literal["union", "intersection", "minus"]
    of: list[str] = Field(min_length=1)


Source = Annotated[DownloadSource | SampleSource | TickersSource | CsvSource | CombineSource,
                   Field(discriminator="type")]


class Filters(_Strict):
    include_sectors: list[str] | None = None
    exclude_sectors: list[str] | None = None


class Definition(_Strict):
    name: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9_\-]*$")
    title: str | None = None
    description: str = ""
    source: Source
    filters: Filters | None = None

    _path: Path = PrivateAttr(default=Path("?"))
    _node: Any = PrivateAttr(default=None)

    @property
    def path(self) -> Path:
        return self._path

    @property
    def source_type(self) -> str:
        return self.source.type

    @property
    def display_title(self) -> str:
        return self.title or self.name or ""

    def line_of(self, *loc: str | int) -> int | None:
        return _line_of(self._node, loc)

    def location(self, *loc: str | int) -> Location:
        return Location(str(self._path), self.line_of(*loc))


def url_env_var(name: str) -> str:
    return "SCREENER_UNIVERSE_URL_" + re.sub(r"[^A-Z0-9]", "_", name.upper())


def source_url(defn: Definition) -> str:
    """Download URL: $SCREENER_UNIVERSE_URL_<NAME> when set, else the definition's ``url``."""
    env = os.environ.get(url_env_var(defn.name or ""))
    if env:
        return env
    return getattr(defn.source, "url", "")


def _line_of(node: Any, loc: tuple) -> int | None:
    """1-based line of the YAML node at a pydantic error location (best effort)."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == part:
                    node = value
                    line = key.start_mark.line + 1
                    break
            # a part not found (e.g. a union tag) is skipped
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) \
                and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
    return line


_TYPES = {"ishares", "spdr", "sample", "tickers", "csv", "union", "intersection", "minus"}


def _known_keys() -> set[str]:
    models = (Definition, DownloadSource, SampleSource, TickersSource, CsvSource, CombineSource,
              Filters)
    return {k for m in models for k in m.model_fields}


def _message(err: dict) -> str:
    parts = [p for i, p in enumerate(err["loc"])
             if not (i > 0 and err["loc"][i - 1] == "source" and p in _TYPES)]
    loc = ".".join(str(p) for p in parts)
    kind = err["type"]
    if kind == "extra_forbidden":
        key = str(err["loc"][-1])
        close = difflib.get_close_matches(key, sorted(_known_keys()), n=1)
        maybe = f"; did you mean '{close[0]}'?" if close else " (check the spelling)"
        return f"unknown key '{key}'{maybe}"
    if kind == "missing":
        return f"missing required key '{loc}'"
    if kind == "union_tag_invalid":
        return (f"unknown source type {err['input'].get('type')!r}; use one of: ishares, spdr, "
                "sample, tickers, csv, union, intersection, minus")
    if kind == "union_tag_not_found":
        return "the source needs a 'type' (ishares, spdr, sample, tickers, csv, union, ...)"
    return f"{loc}: {err['msg']}"


def load_definition(path: Path) -> Definition:
    """One YAML file -> Definition; ConfigError with file and line on any problem."""
    from screener.fsutil import MB, UnreadableFile, read_bounded

    try:
        text = read_bounded(path, 1 * MB, "universe definition").decode("utf-8")
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except UnreadableFile as exc:
        raise ConfigError([Problem(Location(str(path)), f"cannot be read: {exc.reason}",
                                   exc.hint)]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([Problem(Location(str(path)), f"cannot be read: {exc}")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise ConfigError([Problem(Location(str(path), line),
                                   f"not valid YAML: {getattr(exc, 'problem', exc)}")]) from None
    if not isinstance(data, dict):
        raise ConfigError([Problem(Location(str(path), 1),
                                   "expected a mapping with at least 'source:'")],
                          hint="See universes/custom_example.yaml for the layout.")
    try:
        defn = Definition.model_validate(data)
    except ValidationError as exc:
        problems = [Problem(Location(str(path), _line_of(node, tuple(e["loc"]))), _message(e))
                    for e in exc.errors()]
        raise ConfigError(problems, hint="See universes/custom_example.yaml for the layout.") \
            from None
    defn._path, defn._node = path, node
    if defn.name is None:
        defn.name = path.stem
    elif defn.name != path.stem:
        raise ConfigError([Problem(defn.location("name"),
                                   f"name '{defn.name}' differs from the file name "
                                   f"'{path.stem}'")],
                          hint=f"Rename the file to {defn.name}.yaml or change 'name:'.")
    return defn


def _builtin_dir() -> Path:
    bundled = settings.DEFAULTS_DIR / "universes"
    return bundled if bundled.is_dir() else settings.PACKAGE_DIR.parent / "universes"


def definition_files() -> dict[str, Path]:
    """name -> YAML path; the user's folder first, built-ins for names it does not define."""
    found: dict[str, Path] = {}
    for folder in (settings.universes_dir(), _builtin_dir()):
        if not folder.is_dir():
            continue
        for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
            found.setdefault(path.stem, path)
    return found


def load_definitions() -> dict[str, Definition]:
    """Every definition, checked together: bad files, unknown names in ``of``, cycles."""
    problems: list[Problem] = []
    defs: dict[str, Definition] = {}
    for name, path in definition_files().items():
        try:
            defs[name] = load_definition(path)
        except ConfigError as exc:
            problems.extend(exc.problems)
    for defn in defs.values():
        if defn.source.type in COMBINATIONS:
            for i, ref in enumerate(defn.source.of):
                if ref not in defs:
                    problems.append(Problem(
                        defn.location("source", "of", i),
                        f"unknown universe '{ref}' in '{defn.source.type}'",
                        f"Known universes: {', '.join(sorted(defs))}"))
            if defn.source.type != "union" and len(defn.source.of) < 2:
                problems.append(Problem(defn.location("source", "of"),
                                        f"'{defn.source.type}' needs at least two universes"))
    if not problems:
        problems.extend(_cycles(defs))
    if problems:
        raise ConfigError(problems, hint="Fix the universe file(s) above; "
                                         "universes/custom_example.yaml shows the layout.")
    return defs


def _cycles(defs: dict[str, Definition]) -> list[Problem]:
    problems, done = [], set()

    def visit(name: str, stack: list[str]) -> None:
        if name in stack:
            cycle = stack[stack.index(name):] + [name]
            first = defs[cycle[0]]
            problems.append(Problem(first.location("source", "of"),
                                    f"universes refer to each other in a cycle: "
                                    f"{' -> '.join(cycle)}",
                                    "Remove one of the references."))
            return
        if name in done:
            return
        defn = defs[name]
        if defn.source.type in COMBINATIONS:
            for ref in defn.source.of:
                visit(ref, stack + [name])
        done.add(name)

    for name in sorted(defs):
        if not problems:
            visit(name, [])
    return problems


def get_definition(name: str, defs: dict[str, Definition] | None = None) -> Definition:
    defs = load_definitions() if defs is None else defs
    if name not in defs:
        raise UniverseError(f"Unknown universe '{name}'.",
                            hint=f"Defined universes: {', '.join(sorted(defs)) or 'none'} "
                                 f"(YAML files in {settings.universes_dir()}).")
    return defs[name]
