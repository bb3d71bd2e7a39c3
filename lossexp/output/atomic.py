"""Writing results so that a crash or Ctrl-C never leaves a half-written file or directory.

Files are written to a temporary name beside their destination and renamed into place
(rename is atomic on POSIX). A run directory is built whole beside its destination and
then swapped in: on Linux with one atomic exchange of the two names, elsewhere with two
renames that are undone if the second fails. Ctrl-C, SIGTERM and SIGHUP are held back during
the swap. Either
way the destination holds the old run or the new one, never a mixture, and no temporary
directory is left behind.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import shutil
import signal
import sys
import tempfile
import threading
from pathlib import Path


@functools.cache
def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` all at once: readers see the old file or the new one."""
    write_blocks(path, (data,), encode=False)


def write_text(path: Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def write_blocks(path: Path, blocks, *, encode: bool = True) -> None:
    """Write ``blocks`` (an iterable of str, or of bytes without ``encode``) one after
    another, atomically as ``write_bytes``, without ever holding the whole file in memory."""
    path = Path(path)
    fd = tmp = None
    try:
        # A stop that lands between the temporary file's creation and ``tmp`` naming it
        # would leave the file behind: it is held back while the file is made.
        with signals_deferred():
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        # mkstemp makes the file private (0600); give it the permissions open() would.
        # (Windows has no os.fchmod before Python 3.13, and no such permissions to fix.)
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o666 & ~_umask())
        try:
            with os.fdopen(fd, "wb") as fh:
                fd = None  # the file object closes it now
                for block in blocks:
                    fh.write(block.encode("utf-8") if encode else block)
        except OSError as exc:  # a full disk (on a write, or the flush at close): say which file
            if exc.filename is not None:
                raise
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        os.replace(tmp, path)
    except BaseException:
        if fd is not None:
            os.close(fd)
        if tmp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        raise


@contextlib.contextmanager
def building_directory(final: Path):
    """Yield a fresh temporary directory; on success it replaces ``final`` whole.

    On any exception, KeyboardInterrupt included, the temporary directory is removed and
    ``final`` is left exactly as it was.
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = None
    try:
        with signals_deferred():  # (as for a file in write_blocks)
            tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.building-", dir=final.parent))
        os.chmod(tmp, 0o777 & ~_umask())
        yield tmp
        with signals_deferred():
            _swap_into_place(tmp, final)
    except BaseException:
        if tmp is not None:
            _remove(tmp)
        raise


def _swap_into_place(new: Path, final: Path) -> None:
    """Move directory ``new`` to ``final``, replacing whatever was there."""
    if not os.path.lexists(final):
        os.rename(new, final)
        return
    if _exchange(new, final):
        _remove(new)  # it now holds the previous run
        return
    old = Path(tempfile.mkdtemp(prefix=f".{final.name}.old-", dir=final.parent))
    os.rmdir(old)
    os.rename(final, old)
    try:
        os.rename(new, final)
    except BaseException:
        os.rename(old, final)
        raise
    _remove(old)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux renameat2); False where that is unsupported."""
    if sys.platform != "linux":
        return False
    import ctypes

    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _remove(path: Path) -> None:
    """Delete a file, a symlink (not what it points to) or a directory tree, if present."""
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


# The signals that stop a command: Ctrl-C, kill's default, and a closed terminal.
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                     if hasattr(signal, name))


@contextlib.contextmanager
def signals_deferred():
    """Hold Ctrl-C, SIGTERM and SIGHUP until the block is done, then act on the first
    (KeyboardInterrupt, or errors.Stopped), so a swap is never cut in half."""
    from lossexp.errors import Stopped

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received = []
    previous = {s: signal.signal(s, lambda signum, frame: received.append(signum))
                for s in STOP_SIGNALS if signal.getsignal(s) is not signal.SIG_IGN}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler if handler is not None else signal.SIG_DFL)
    if received:
        if received[0] == signal.SIGINT:
            raise KeyboardInterrupt
        raise Stopped(received[0])

