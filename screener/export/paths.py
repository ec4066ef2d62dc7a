"""Where a run's output goes: ``--out`` (a file or a folder) or the default name.

Default: ``<output dir>/<screen>-<universe>[+<universe>...]-<YYYY-MM-DD>-<HHMMSS>-<id>.<ext>``,
where ``<id>`` is the first 8 hex digits of the effective screen's hash (so a run with ``--set``
differs from one without) and the time makes a second run the same day a new file; a default
name that still exists gets ``-2``, ``-3``, ... A file named with ``--out`` is never overwritten
unless ``force``. For ``csv`` and ``parquet`` the tables go to
a folder named after the file's stem (``.../rebound-russell2000-2026-05-05/``); that folder is
what must not exist yet.
"""

from __future__ import annotations

import os
import re
import secrets
from datetime import date, datetime
from pathlib import Path

from screener import settings
from screener.errors import ExportError

EXTENSIONS = {"xlsx": ".xlsx", "csv": ".csv", "parquet": ".parquet", "json": ".json"}
FOLDER_FORMATS = {"csv", "parquet"}


def _slug(text: str) -> str:
    text = re.sub(r"[^\w.+-]+", "_", str(text).strip(), flags=re.UNICODE).strip("._")
    return text or "run"


def default_file_name(screen_name: str, universes: list[str], run_date: date, fmt: str,
                      run_at: datetime | None = None, run_id: str | None = None) -> str:
    universe = "+".join(_slug(u) for u in universes) or "universe"
    stem = f"{_slug(screen_name)}-{universe}-{run_date.isoformat()}"
    if run_at is not None:
        stem += f"-{run_at:%H%M%S}"
    if run_id:
        stem += f"-{_slug(run_id)}"
    return stem + EXTENSIONS[fmt]


def _free(path: Path, fmt: str) -> Path:
    """``path``, or the first of ``stem-2``, ``stem-3``, ... whose output does not exist."""
    def taken(p: Path) -> bool:
        return (tables_folder(p) if fmt in FOLDER_FORMATS else p).exists()
    n = 2
    candidate = path
    while taken(candidate):
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        n += 1
    return candidate


def tables_folder(path: Path) -> Path:
    """The folder holding the csv/parquet tables of the output ``path``."""
    return path.with_suffix("")


def _check_writable(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".screener-write-test-{secrets.token_hex(4)}"
        probe.touch()
        probe.unlink()
    except OSError as exc:
        raise ExportError(f"Cannot write to the output folder {folder}: "
                          f"{exc.strerror or exc}",
                          "Choose a folder you can write to with --out.") from exc


def resolve_output_path(out: str | os.PathLike | None, *, screen_name: str,
                        universes: list[str], run_date: date, fmt: str = "xlsx",
                        force: bool = False, run_at: datetime | None = None,
                        run_id: str | None = None) -> Path:
    """The file to write for this run; checked writable and not a previous run's output.
    Call it before computing: a target that cannot be written fails before any work."""
    if fmt not in EXTENSIONS:
        raise ExportError(f"Unknown output format {fmt!r}",
                          f"Use one of: {', '.join(EXTENSIONS)}.")
    name = default_file_name(screen_name, universes, run_date, fmt, run_at, run_id)
    default = out is None
    if out is None:
        path = settings.output_dir() / name
    else:
        raw = str(out)
        given = Path(raw).expanduser()
        is_folder = (given.is_dir() or raw.endswith(("/", os.sep))
                     or (not given.suffix and not given.exists()))
        if is_folder:
            path = given / name
            default = True
        else:
            path = given
            if path.suffix.lower() != EXTENSIONS[fmt]:
                raise ExportError(
                    f"--out {raw} does not end in {EXTENSIONS[fmt]} for --format {fmt}",
                    f"Use --out {path.with_suffix(EXTENSIONS[fmt])} or a folder.")
    path = path.absolute()
    if default and not force and run_at is not None:   # a default name never collides
        path = _free(path, fmt)
    existing = tables_folder(path) if fmt in FOLDER_FORMATS else path
    if existing.exists() and not force:
        raise ExportError(f"{existing} already exists (a previous run's output)",
                          "Pass --force to overwrite it, or choose another file with --out.")
    _check_writable(path.parent)
    return path
