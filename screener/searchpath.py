"""Where screens and universes are found: a documented search path, merged by name.

For a name such as ``rebound.yaml`` (or ``screens/rebound.yaml``) the folders are searched in
this order, the first hit wins:

1. the path as given, when it exists (an explicit path always wins);
2. the working directory's folder (``./screens/``, ``./universes/``; ``$SCREENER_HOME`` moves it);
3. the user config folder (``$SCREENER_CONFIG_DIR``, default the platform's config folder,
   e.g. ``~/.config/screener/screens/``);
4. the bundled folders shipped with the package.

Universe definitions are merged by name over the same folders: a user's ``universes/`` holding
only ``my_list.yaml`` adds that universe and keeps ``russell2000``, ``sp600`` and ``sample``.
A folder of one's own never hides the bundled files; ``screener init`` copies them out to edit.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from screener import settings
from screener.errors import ConfigError, Location, Problem

KINDS = ("screens", "universes")


def config_dir() -> Path:
    """The user config folder: ``$SCREENER_CONFIG_DIR`` or the platform's (~/.config/screener)."""
    value = os.environ.get("SCREENER_CONFIG_DIR")
    return Path(value or platformdirs.user_config_dir("screener")).expanduser()


def bundled_dir(kind: str) -> Path:
    """The folder shipped with the package (or the source checkout's, when not installed)."""
    bundled = settings.DEFAULTS_DIR / kind
    return bundled if bundled.is_dir() else settings.PACKAGE_DIR.parent / kind


def search_dirs(kind: str) -> list[Path]:
    """The folders searched for ``kind`` (screens | universes), first wins; duplicates once."""
    if kind not in KINDS:
        raise ValueError(kind)
    out: list[Path] = []
    seen: set[Path] = set()
    for folder in (settings.project_dir() / kind, config_dir() / kind, bundled_dir(kind)):
        key = folder.resolve()
        if key not in seen:
            seen.add(key)
            out.append(folder)
    return out


def _candidates(name: Path, kind: str) -> list[Path]:
    """Relative names to look up in each folder: as given, without a leading ``screens/``, and
    with ``.yaml`` added when there is no suffix."""
    names = [name]
    if len(name.parts) > 1 and name.parts[0] == kind:
        names.append(Path(*name.parts[1:]))
    if not name.suffix:
        names += [n.with_suffix(".yaml") for n in list(names)]
    return names


def find(name: str | os.PathLike, kind: str = "screens") -> Path | None:
    """The file ``name`` resolves to on the search path, or None."""
    given = Path(name).expanduser()
    if _present(given):
        return given
    if given.is_absolute():
        return None
    for folder in search_dirs(kind):
        for rel in _candidates(given, kind):
            if _present(folder / rel):
                return folder / rel
    return None


def _present(path: Path) -> bool:
    """Anything but a folder: a device or a pipe is found here and refused by the reader."""
    return path.exists() and not path.is_dir()


def resolve_screen(name: str | os.PathLike) -> Path:
    """The screen file ``name`` names; a ConfigError listing the folders searched if none."""
    found = find(name, "screens")
    if found is not None:
        return found
    given = Path(name).expanduser()
    if given.is_dir():
        raise ConfigError([Problem(Location(str(name)), "this is a folder, not a screen file",
                                   "name a .yaml file inside it")])
    looked = ", ".join(str(d) for d in search_dirs("screens"))
    raise ConfigError([Problem(
        Location(str(name)), "screen file not found",
        f"looked for it as given, then in {looked}. `screener init` copies the bundled "
        "screens (rebound.yaml, examples/) into ./screens/ for editing")])


def default_screen() -> Path:
    """The default playbook, ``rebound.yaml``, as found on the search path."""
    return resolve_screen("rebound.yaml")
