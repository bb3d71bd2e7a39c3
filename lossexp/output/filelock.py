"""An advisory, exclusive, non-blocking lock on a file, on every platform.

Three ways, the first the platform has: ``flock`` (POSIX); ``msvcrt.locking`` (Windows);
else a lock file created exclusively beside the named one (``<name>.held``), which works
on any file system but, unlike the other two, outlives a process that is killed: then
``stale_hint`` says which file to delete. ``acquire`` returns a handle or None when the
lock is held elsewhere; ``release`` lets it go (so does the process ending, for the first
two).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None
try:
    import msvcrt
except ImportError:  # everywhere but Windows
    msvcrt = None

HELD_SUFFIX = ".held"


def method() -> str:
    """'flock', 'msvcrt' or 'exclusive-file': how locks are taken here."""
    if fcntl is not None:
        return "flock"
    if msvcrt is not None:
        return "msvcrt"
    return "exclusive-file"


def open_file_blocks_rename() -> bool:
    """Whether a folder holding an open file cannot be renamed or deleted (Windows)."""
    return os.name == "nt"


class Held:
    """A lock taken by ``acquire``."""

    def __init__(self, path: Path, fd: int, how: str):
        self.path, self.fd, self.how = path, fd, how


def _try(fd: int, how: str) -> bool:
    try:
        if how == "flock":
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError:
        return False
    return True


def _unlock(fd: int, how: str) -> None:
    if how == "msvcrt":
        os.lseek(fd, 0, os.SEEK_SET)
        with contextlib.suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    os.close(fd)  # (for flock, closing the descriptor is what drops the lock)


def acquire(path: Path) -> Held | None:
    """Take the lock named by ``path`` (its folder must exist), or None if it is held."""
    path, how = Path(path), method()
    if how == "exclusive-file":
        try:
            fd = os.open(f"{path}{HELD_SUFFIX}", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return None
        os.write(fd, f"{os.getpid()}\n".encode())
        return Held(path, fd, how)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    if not _try(fd, how):
        os.close(fd)
        return None
    return Held(path, fd, how)


def release(held: Held) -> None:
    if held.how == "exclusive-file":
        os.close(held.fd)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{held.path}{HELD_SUFFIX}")
        return
    _unlock(held.fd, held.how)


def held_elsewhere(path: Path) -> bool:
    """Whether another process (or another ``acquire`` here) holds the lock now."""
    path, how = Path(path), method()
    if how == "exclusive-file":
        return os.path.exists(f"{path}{HELD_SUFFIX}")
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return False
    if _try(fd, how):
        _unlock(fd, how)
        return False
    os.close(fd)
    return True


def stale_hint(path: Path) -> str:
    """For a lock that can outlive its process: what to delete if nothing holds it."""
    if method() != "exclusive-file":
        return ""
    return f" (if none is running, a killed one left {path}{HELD_SUFFIX}: delete it)"
