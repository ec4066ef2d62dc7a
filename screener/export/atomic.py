"""Write a file so that a crash, a kill or a full disk never leaves a half-written file.

The content goes to a temporary file in the target's folder and is moved into place only when
complete (``os.replace``, atomic on one file system). On Linux the temporary file is anonymous
(``O_TMPFILE``): it has no name until it is complete, so even ``kill -9`` mid-write leaves
nothing behind. Elsewhere it is a hidden ``.<name>.screener-tmp-<pid>-<random>.tmp`` removed on
any error, and by the next write into that folder if a kill left it.

When the target cannot be replaced because another program holds it (a workbook open in Excel
on Windows raises ``PermissionError``), the new file is kept beside it as
``<stem>-<HHMMSS><suffix>`` and ``TargetLockedError`` says so, naming both files.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import secrets
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from screener.errors import ExportError
from screener.fsutil import clean_stale_temps, temp_prefix

_AT_FDCWD = -100
_AT_SYMLINK_FOLLOW = 0x400


class TargetLockedError(ExportError):
    """The target is open in another program; the output was written to ``written`` instead."""

    def __init__(self, target: Path, written: Path):
        super().__init__(f"Target is locked; wrote {written} instead",
                         f"{target} is probably open in another program (Excel?). Close it and "
                         "run again, or use the new file.")
        self.target = target
        self.written = written
        self.also: list[Path] = []  # files written with it (a large run's tables beside it)


def locked_fallback_path(target: Path, now: datetime | None = None) -> Path:
    stamp = (now or datetime.now()).strftime("%H%M%S")
    candidate = target.with_name(f"{target.stem}-{stamp}{target.suffix}")
    n = 2
    while candidate.exists():
        candidate = target.with_name(f"{target.stem}-{stamp}-{n}{target.suffix}")
        n += 1
    return candidate


def _linkat(fd: int, dest: Path) -> bool:
    """Give an anonymous (O_TMPFILE) file a name. False when the platform refuses."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        rc = libc.linkat(_AT_FDCWD, f"/proc/self/fd/{fd}".encode(), _AT_FDCWD,
                         os.fsencode(dest), _AT_SYMLINK_FOLLOW)
    except (OSError, AttributeError):
        return False
    return rc == 0


def _open_anonymous(folder: Path) -> int | None:
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None or not sys.platform.startswith("linux"):
        return None
    try:
        return os.open(folder, flag | os.O_RDWR, 0o666)
    except OSError:
        return None


def _name_for(fd: int, folder: Path, target: Path) -> Path:
    """A named temporary file beside the target holding the anonymous file's content."""
    tmp = folder / f"{temp_prefix(target.name)}{secrets.token_hex(4)}.tmp"
    if _linkat(fd, tmp):
        return tmp
    # linkat refused (unusual file system): copy the content into a named file
    with open(tmp, "wb") as out, os.fdopen(os.dup(fd), "rb") as src:
        src.seek(0)
        while chunk := src.read(1 << 20):
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    return tmp


def output_folder(folder: Path) -> Path:
    """Create ``folder`` if needed (one message naming it when that fails) and clear the
    temporaries a killed run left in it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"Cannot create the output folder {folder}: {exc.strerror}",
                          "Choose another folder with --out.") from None
    clean_stale_temps(folder)  # what a killed run left behind
    return folder


def write_atomic(target: str | os.PathLike, write: Callable[[BinaryIO], None]) -> Path:
    """Call ``write(fh)`` on a temporary file and move the result to ``target``.

    Returns the path written. Raises ``TargetLockedError`` (after writing beside the target)
    when the target is locked, ``ExportError`` when the folder cannot be written.
    """
    target = Path(target)
    folder = output_folder(target.parent)
    fd = _open_anonymous(folder)
    tmp: Path | None = None
    try:
        if fd is None:
            tmp = folder / f"{temp_prefix(target.name)}{secrets.token_hex(4)}.tmp"
            fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "w+b", closefd=False) as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        if tmp is None:
            tmp = _name_for(fd, folder, target)
        _replace(tmp, target)
        tmp = None
        return target
    except PermissionError as exc:
        if tmp is None or not tmp.exists() or exc.filename not in (str(tmp), str(target), None):
            raise ExportError(f"Cannot write to {folder}: permission denied",
                              "Choose a folder you can write to with --out.") from exc
        fallback = locked_fallback_path(target)
        try:
            _replace(tmp, fallback)
        except OSError as exc2:
            raise ExportError(f"Cannot replace {target} (locked?) nor write {fallback}: {exc2}",
                              "Close the file in other programs, or choose --out.") from exc
        tmp = None
        raise TargetLockedError(target, fallback) from exc
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise ExportError(f"The disk is full: could not write {target}",
                              "Free some space and run again; the previous file is "
                              "untouched.") from exc
        raise
    finally:
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)
        if tmp is not None:
            with contextlib.suppress(OSError):
                tmp.unlink()


def _replace(src: Path, dst: Path) -> None:
    os.replace(src, dst)


@contextlib.contextmanager
def library_temps_in(folder: str | os.PathLike):
    """openpyxl's write-only sheets stream through temporary files in $TMPDIR (up to megabytes
    each, left there by a kill). Put them in ``folder`` (the target's) under our recognisable
    name instead, so the next run removes any leftover and a full $TMPDIR does not matter."""
    import tempfile

    import openpyxl.worksheet._writer as writer

    folder = Path(folder)
    original = writer.create_temporary_file

    def create_temporary_file(suffix: str = "") -> str:
        fd, name = tempfile.mkstemp(prefix=temp_prefix("openpyxl"), suffix=suffix or ".xml",
                                    dir=str(folder))
        os.close(fd)
        writer.ALL_TEMP_FILES.append(name)
        return name

    writer.create_temporary_file = create_temporary_file
    try:
        yield
    finally:
        writer.create_temporary_file = original


@contextlib.contextmanager
def staged_folder(folder: str | os.PathLike):
    """Yield an empty staging folder beside ``folder``; when the block ends without error it
    replaces ``folder`` (the old one removed only once the new one is in place). On any error
    the staging folder is removed and ``folder`` is untouched: several files, all or none."""
    import shutil

    folder = Path(folder)
    parent = output_folder(folder.parent)
    staging = parent / f"{temp_prefix(folder.name)}{secrets.token_hex(4)}"
    old = parent / f"{temp_prefix(folder.name)}{secrets.token_hex(4)}.old"
    staging.mkdir()
    try:
        yield staging
        if folder.exists():
            os.replace(folder, old)
        os.replace(staging, folder)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if old.exists() and not folder.exists():
            os.replace(old, folder)  # put the previous folder back
        if exc.errno == errno.ENOSPC:
            raise ExportError(f"The disk is full: could not write {folder}",
                              "Free some space and run again; nothing was written.") from None
        raise
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(old, ignore_errors=True)
