"""Where results go: the outputs root, one directory per run or sweep, and the versions
recorded beside them."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from lossexp.errors import ConfigError, LossexpError


def versions() -> dict:
    import numpy

    from lossexp import __version__
    return {"lossexp": __version__, "numpy": numpy.__version__}


def check_outputs_root(outputs: Path, option: str = "--outputs") -> None:
    """Fail early, before any training, if results could not be written under ``outputs``
    (given by ``option`` on the command line, which the message names).

    Nothing is created: the directory is made only when the first run is saved.
    """
    outputs = Path(outputs)
    where = f"{option} {outputs}"
    if outputs.exists() and not outputs.is_dir():
        raise ConfigError(where, "", "is not a directory")
    existing = outputs
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise ConfigError(where, "", f"{existing} is not a directory")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ConfigError(where, "", f"cannot write in {existing}")


def run_directory(outputs: Path, name: str) -> Path:
    """outputs/<name>; a name that would lead anywhere else is refused."""
    if not name or name in (".", "..") or Path(name).name != name or "\\" in name:
        raise LossexpError(f"run name {name!r} would write outside {outputs}")
    return Path(outputs) / name


# --- which directories lossexp may replace ------------------------------------------------
#
# A run, sweep or demo directory holds MARKER, written last before it is swapped in: it
# names the kind of result and every file lossexp put there. lossexp replaces a directory
# only if it holds a marker and nothing the marker does not list; anything else at that
# path (a directory of the user's, a file, a link) is refused, and so is a result directory
# a user added files to: the files are theirs, and replacing the directory would delete them.

MARKER = ".lossexp.json"
# What --report and --animate add beside the results of a run, sweep, demo or comparison.
REPORT_PAGE, ANIMATION = "report.html", "animation.gif"



def _entries(directory: Path) -> list[str]:
    """Every file and folder under ``directory``, as sorted relative POSIX paths."""
    found = []
    for root, dirs, files in os.walk(directory):
        rel = Path(root).relative_to(directory)
        found += [(rel / name).as_posix() for name in dirs + files]
    return sorted(found)


def mark(directory: Path, kind: str) -> None:
    """Write the marker into a freshly built result ``directory`` (see ``earlier_result``)."""
    _write_marker(directory, kind, [p for p in _entries(directory) if p != MARKER])


def _write_marker(directory: Path, kind: str, files) -> None:
    import json

    from lossexp.output import atomic

    body = {"written_by": "lossexp", "kind": kind, "files": sorted(files)}
    atomic.write_text(Path(directory) / MARKER, json.dumps(body, indent=1) + "\n")


def _marker(directory: Path) -> tuple[str, set[str]] | None:
    """(kind, listed files) of the marker in ``directory``, or None if it has no readable one."""
    import json

    try:
        body = json.loads((Path(directory) / MARKER).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(body, dict) or body.get("written_by") != "lossexp":
        return None
    files = body.get("files")
    return (str(body.get("kind")), {str(f) for f in files}) if isinstance(files, list) else None


def _listed(directory: Path) -> set[str] | None:
    """The files the marker in ``directory`` lists, or None if it has no readable marker."""
    marker = _marker(directory)
    return None if marker is None else marker[1]


def earlier_result(final: Path, kind: str | None = None) -> bool:
    """Whether ``final`` holds an earlier result of lossexp's, which a new one may replace;
    False if nothing is there. Anything else there is refused (LossexpError naming it), and
    so is a result of another kind than ``kind`` (a run never replaces a sweep)."""
    final = Path(final)
    if not os.path.lexists(final):
        return False
    if final.is_symlink() or not final.is_dir():
        raise LossexpError(f"{final} exists and is not a directory lossexp wrote: refusing "
                           "to replace it (choose another name or --outputs)")
    entries = _entries(final)
    if not entries:
        return False  # an empty directory holds nothing to lose
    marker = _marker(final)
    if marker is None:  # however like lossexp's its files look: only a marker says so
        raise LossexpError(f"{final} exists and is not a directory lossexp wrote: refusing "
                           "to replace it (choose another name or --outputs)")
    other, listed = marker
    if kind is not None and other != kind:
        raise LossexpError(f"{final} holds the results of a lossexp {other}, which a {kind} "
                           f"does not replace: give the {kind} another name (--set name=...) "
                           "or --outputs")
    added = [p for p in entries if p != MARKER and p not in listed]
    if added:
        shown = ", ".join(added[:3]) + (f" and {len(added) - 3} more" if len(added) > 3 else "")
        raise LossexpError(f"{final} holds files lossexp did not write ({shown}): refusing to "
                           "replace it; move them elsewhere, or choose another name or "
                           "--outputs")
    return True


@contextlib.contextmanager
def result_directory(final: Path, kind: str):
    """``atomic.building_directory`` for a result: yield the directory to fill; on success
    it is marked and replaces ``final``, which must be absent or an earlier result
    (``earlier_result``, checked before and again just before the swap)."""
    from lossexp.output import atomic

    earlier_result(final, kind)
    with atomic.building_directory(final) as tmp:
        yield tmp
        mark(tmp, kind)
        earlier_result(final, kind)


def check_files_replaceable(directory: Path, names) -> None:
    """Refuse (LossexpError naming it) to overwrite any of ``names`` in ``directory`` that
    lossexp did not write: a file there is lossexp's only when the directory's marker
    lists it."""
    directory = Path(directory)
    present = [n for n in names if os.path.lexists(directory / n)]
    if not present:
        return
    listed = _listed(directory) or set()
    foreign = [n for n in present if n not in listed]
    if foreign:
        raise LossexpError(f"{directory / foreign[0]} exists and lossexp did not write it: "
                           "refusing to replace it (choose another --out)")


def check_no_other_result(directory: Path, kind: str) -> None:
    """Refuse (LossexpError) to add ``kind`` files to a directory that holds another kind
    of lossexp result, a run's say, or lies inside a run's, sweep's or demo's: that
    result's next rerun would replace them, or refuse the files it did not write."""
    directory = Path(directory).absolute()
    marker = _marker(directory) if directory.is_dir() else None
    if marker and marker[0] != kind:
        raise LossexpError(f"{directory} holds the results of a lossexp {marker[0]}: refusing "
                           f"to add the files of `lossexp {kind}` to them (choose another --out)")
    for parent in directory.parents:
        around = _marker(parent)
        if around and around[0] != "compare":  # (a comparison never replaces its folder)
            raise LossexpError(f"{directory} is inside the results of a lossexp {around[0]} "
                               f"({parent}): refusing to write there (choose another --out)")


def discard_listed(directory: Path, names) -> None:
    """Delete those of ``names`` in ``directory`` that its marker lists (lossexp's own,
    now stale), and unlist them; any other file of those names stays."""
    marker = _marker(directory)
    gone = [n for n in names if marker and n in marker[1]]
    if not gone:
        return
    for name in gone:
        with contextlib.suppress(FileNotFoundError):
            (Path(directory) / name).unlink()
    _write_marker(directory, marker[0], marker[1] - set(gone))


def claim(directory: Path, name: str) -> None:
    """Before lossexp writes ``name`` beside a result (a report page, an animation): refuse
    a file of that name it did not write, and list the new one in the marker first, so
    that a stop between the two leaves no file the marker omits."""
    check_files_replaceable(directory, [name])
    mark_files(directory, [name])


def mark_files(directory: Path, names, kind: str | None = None) -> None:
    """Add ``names`` to the marker of ``directory``, a folder that may hold other files.
    ``kind`` None: files added to a result of lossexp's (a report beside a run), which
    keeps its kind; nothing is marked in a directory that is no result of lossexp's."""
    marker = _marker(directory)
    if kind is None and marker is None:
        return
    _write_marker(directory, kind or marker[0], (marker[1] if marker else set()) | set(names))
