"""Writing matplotlib figures to files: PNG and SVG, atomically, reproducibly, in parallel.

SVGs carry no date and a fixed id salt, PNGs no software tag, so the same figure always
gives the same bytes. ``save_all`` renders half the files in a forked child process where
that is safe.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

from lossexp.output import atomic

FORMATS = ("png", "svg")
# 7 x 4.2 inches at 200 dpi is 1400 x 840 pixels: sharp on a projector, small enough to mail.
DPI = 200


def save(fig, directory: Path, stem: str, formats=FORMATS) -> list[Path]:
    """Save ``fig`` as directory/stem.{png,svg}, each file written atomically."""
    return [_save_as(fig, directory, stem, fmt) for fmt in formats]


def _save_as(fig, directory: Path, stem: str, fmt: str) -> Path:
    import io

    import matplotlib

    buf = io.BytesIO()
    meta = {"Date": None} if fmt == "svg" else {"Software": None}
    with matplotlib.rc_context({"svg.hashsalt": "lossexp", "svg.fonttype": "none"}):
        fig.savefig(buf, format=fmt, dpi=DPI, metadata=meta)
    path = Path(directory) / f"{stem}.{fmt}"
    atomic.write_bytes(path, buf.getvalue())
    return path


def _can_fork() -> bool:
    # fork() copies only the calling thread: with other threads alive (a progress bar, a
    # Dask worker) their locks could be copied held, so it is used only when alone.
    return sys.platform.startswith("linux") and threading.active_count() == 1


def _die_with(parent: int) -> None:
    """In the forked child: end when the parent ends, however it ends (even kill -9).

    SIGTERM and SIGHUP, which the parent turns into a clean stop, simply end the child;
    Linux's parent-death signal (the child was forked from the parent's only thread, so
    it fires when the process does) covers a parent that is killed outright.
    """
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)
    try:
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - no prctl: fork is Linux-only anyway
        pass
    if os.getppid() != parent:  # the parent died before the signal was asked for
        os._exit(1)


def save_all(figures: list, directory: Path, formats=FORMATS) -> list[Path]:
    """Save (figure, stem) pairs as PNG and SVG (or ``formats``); on Linux half the files in
    a forked child.

    Rendering is pure-Python work that threads cannot overlap. A forked child shares the
    imported matplotlib and the figures already built (copy-on-write), so on two cores the
    saving takes about half the wall time. Every file is still written atomically, and a
    failure or Ctrl-C in either process fails the whole call.
    """
    jobs = [(fig, stem, fmt) for fig, stem in figures for fmt in formats]
    if len(jobs) < 2 or not _can_fork():
        return [_save_as(fig, directory, stem, fmt) for fig, stem, fmt in jobs]
    mine, theirs = jobs[: (len(jobs) + 1) // 2], jobs[(len(jobs) + 1) // 2:]
    reader, writer = os.pipe()  # the child's error message, if it has one
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child: save its share, then leave without running any cleanup
        status = 1
        try:
            _die_with(parent)
            os.close(reader)
            for fig, stem, fmt in theirs:
                _save_as(fig, directory, stem, fmt)
            status = 0
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            os.write(writer, f"{type(exc).__name__}: {exc}".encode()[:4000])
        finally:
            os._exit(status)
    os.close(writer)
    try:
        paths = [_save_as(fig, directory, stem, fmt) for fig, stem, fmt in mine]
    except BaseException:
        # Ctrl-C, SIGTERM, a failure: the child's files are no use any more, and it must
        # not go on writing into a directory that is about to be removed.
        os.kill(pid, signal.SIGKILL)
        raise
    finally:
        _, status = os.waitpid(pid, 0)
        with os.fdopen(reader, "rb") as pipe:
            why = pipe.read().decode(errors="replace")
    if status != 0:
        names = ", ".join(f"{s}.{f}" for _, s, f in theirs)
        raise RuntimeError(f"saving {names} failed: {why or 'the process was interrupted'}")
    return paths + [Path(directory) / f"{stem}.{fmt}" for _, stem, fmt in theirs]
