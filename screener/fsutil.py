"""Atomic file writes: a crash, a kill or a full disk never leaves a half-written file."""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

TEMP_TAG = "screener-tmp"  # every temporary file we make: .<target>.screener-tmp-<pid>-<rnd>


def temp_prefix(name: str) -> str:
    """Prefix of a temporary file for ``name``: recognisable, and naming the writing process so
    the next run can tell a leftover (its process is gone) from a write in progress."""
    return f".{name}.{TEMP_TAG}-{os.getpid()}-"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's process: leave its files alone
    return True


def clean_stale_temps(folder: str | os.PathLike) -> list[Path]:
    """Remove the temporary files a killed screener process left in ``folder`` (their
    process is gone); files of a live process are left alone. Returns what was removed."""
    import re

    pattern = re.compile(rf"\.{re.escape(TEMP_TAG)}-(\d+)-")
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        m = pattern.search(entry.name)
        if m is None or not entry.name.startswith(".") or _alive(int(m.group(1))):
            continue
        with contextlib.suppress(OSError):
            if entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
            elif entry.is_dir(follow_symlinks=False):  # a staging folder (multi-file export)
                import shutil

                shutil.rmtree(entry.path)
                removed.append(Path(entry.path))
    return removed


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target`` atomically.

    On any exception the temporary file is removed and ``target`` is untouched. Leftovers of
    killed processes in the same folder are removed first.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_temps(target.parent)
    fd, tmp = tempfile.mkstemp(
        prefix=temp_prefix(target.name), suffix=suffix or ".tmp", dir=str(target.parent)
    )
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp_path, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


def atomic_write_bytes(target: str | os.PathLike, data: bytes) -> Path:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def atomic_write_text(target: str | os.PathLike, text: str, encoding: str = "utf-8") -> Path:
    return atomic_write_bytes(target, text.encode(encoding))


MB = 1024 * 1024


class UnreadableFile(Exception):
    """A user file that cannot be read safely; ``reason`` says why, for the caller's error."""

    def __init__(self, reason: str, hint: str):
        super().__init__(reason)
        self.reason = reason
        self.hint = hint


def _open_regular(path: str | os.PathLike, what: str) -> int:
    """A descriptor of the regular file ``path`` (opened non-blocking, so a FIFO is refused
    instead of blocking), or ``UnreadableFile``: not found, a folder, a device, a pipe..."""
    import stat

    p = os.fspath(path)
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise UnreadableFile("file not found", "Check the path.") from None
    except IsADirectoryError:
        raise UnreadableFile("this is a folder, not a file", "Give the path of the file.") \
            from None
    except OSError as exc:
        raise UnreadableFile(f"cannot be read ({exc.strerror})", "Check the path and its "
                             "permissions.") from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise UnreadableFile("this is a folder, not a file", "Give the path of the file.")
        if not stat.S_ISREG(mode):
            kind = ("a named pipe" if stat.S_ISFIFO(mode) else "a device" if
                    stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket" if
                    stat.S_ISSOCK(mode) else "not a regular file")
            raise UnreadableFile(f"this is {kind}, not a regular file",
                                 f"Save the {what} as an ordinary file and give its path.")
    except BaseException:
        os.close(fd)
        raise
    return fd


def _too_large(limit: int, what: str) -> UnreadableFile:
    return UnreadableFile(f"larger than the {limit / MB:,.0f} MB a {what} may have",
                          f"Check that this is the right file; a {what} is far smaller.")


def read_bounded(path: str | os.PathLike, limit: int, what: str = "file") -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, or ``UnreadableFile``.

    The size is checked while reading (a file growing, or lying in ``stat``, stops at
    ``limit + 1`` bytes), devices, pipes and sockets are refused before any read (``/dev/zero``
    would never end, a FIFO would block forever: it is opened non-blocking and refused), and a
    folder is named as one.
    """
    fd = _open_regular(path, what)
    try:
        chunks, total = [], 0
        while True:
            try:
                chunk = os.read(fd, min(1 * MB, limit + 1 - total))
            except BlockingIOError:  # pragma: no cover - regular files do not block
                continue
            except OSError as exc:
                raise UnreadableFile(f"cannot be read ({exc.strerror})",
                                     "Check the file.") from None
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise _too_large(limit, what)
        return b"".join(chunks)
    finally:
        os.close(fd)


class _BoundedRaw(io.RawIOBase):
    """A regular file read as a stream that fails (``UnreadableFile``) past ``limit`` bytes."""

    def __init__(self, fd: int, limit: int, what: str):
        self._fd, self._limit, self._what, self._total = fd, limit, what, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        want = min(len(buffer), self._limit + 1 - self._total)
        try:
            data = os.read(self._fd, want)
        except OSError as exc:
            raise UnreadableFile(f"cannot be read ({exc.strerror})", "Check the file.") \
                from None
        self._total += len(data)
        if self._total > self._limit:
            raise _too_large(self._limit, self._what)
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            os.close(self._fd)
        super().close()


@contextlib.contextmanager
def open_bounded(path: str | os.PathLike, limit: int, what: str = "file"
                 ) -> Iterator[io.BufferedReader]:
    """``read_bounded`` as a stream: the same checks (a regular file, at most ``limit``
    bytes, counted while reading), without holding the whole file in memory."""
    with io.BufferedReader(_BoundedRaw(_open_regular(path, what), limit, what)) as fh:
        yield fh


@contextlib.contextmanager
def exclusive_lock(path: str | os.PathLike) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``path`` (created, with its folder, if needed) for
    the block: another process taking the same lock waits. ``OSError`` when it cannot be
    created (raised on entering, before the block runs)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
