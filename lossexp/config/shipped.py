"""The configs shipped inside the package: found by name, listed, copied out for editing.

They live in the repository's ``configs/`` and install as the package ``lossexp.configs``
(see setup.py), with their curve baselines as ``lossexp.configs.baselines``; both are read
through ``importlib.resources``, so they are found in a wheel, an editable install and a
source checkout alike. This module imports neither numpy nor yaml.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from lossexp.errors import LossexpError

SUFFIX = ".yaml"
_MODELINE = "# yaml-language-server:"
_PURPOSE_WIDTH = 120


def directory() -> Path:
    """The directory of the shipped configs (a real directory: the package is never zipped)."""
    # Imported here, not with the module: it takes 2 ms, which every command would pay.
    from importlib import resources

    return Path(str(resources.files("lossexp.configs")))


def baselines_directory() -> Path:
    """The directory of the shipped configs' curve baselines."""
    from importlib import resources

    return Path(str(resources.files("lossexp.configs.baselines")))


def names() -> list[str]:
    """The shipped configs' names; none where no configs ship with the package (a source
    tree)."""
    try:
        return sorted(p.stem for p in directory().glob(f"*{SUFFIX}"))
    except ImportError:
        return []


def path_of(name: str) -> Path | None:
    """The shipped config called ``name`` (with or without .yaml), or None."""
    stem = name.removesuffix(SUFFIX)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", stem):
        return None
    try:
        path = directory() / f"{stem}{SUFFIX}"
    except ImportError:  # no configs ship with the package (a source tree)
        return None
    return path if path.is_file() else None


def name_of(path: Path | str) -> str | None:
    """The bare name that stands for ``path`` when it is a shipped config, else None (also
    where no configs ship with the package, as when it runs from a source tree)."""
    path = Path(path)
    found = path_of(path.stem)
    return path.stem if found is not None and found == path else None


def resolve(given: Path | str) -> Path:
    """A config argument as a file: ``given`` itself when it exists or is not a bare name
    (``a/b.yaml``, ``b.yaml``: a file was meant), else the shipped config of that bare
    name, else ``given`` unchanged (so the error names what was typed)."""
    given = Path(given)
    if given.exists() or not is_bare_name(given):
        return given
    return path_of(str(given)) or given


def is_bare_name(given: Path | str) -> bool:
    """A word that can only mean a shipped config: no directory, no suffix."""
    text = str(given)
    return not (os.sep in text or "/" in text or Path(text).suffix)


def did_you_mean(name: str) -> str:
    from lossexp.errors import did_you_mean as close

    return close(name, names())


@dataclass(frozen=True)
class Shipped:
    name: str
    purpose: str
    kind: str  # "run" or "sweep"
    path: Path


def purpose(text: str) -> str:
    """A config's one-line purpose: its first comment sentence (the modeline skipped)."""
    words = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(_MODELINE):
            continue
        if not stripped.startswith("#"):
            break
        words.append(stripped.lstrip("#").strip())
    prose = " ".join(w for w in words if w)
    match = re.match(r"(.+?[.!?])(\s|$)", prose)
    return match.group(1) if match else prose


def shortened(purpose: str) -> str:
    """A purpose cut to one line of the listing (the JSON listing keeps it whole)."""
    return purpose if len(purpose) <= _PURPOSE_WIDTH else purpose[:_PURPOSE_WIDTH - 3] + "..."


def catalogue() -> list[Shipped]:
    """Every shipped config: name, purpose, whether it is a run or a sweep, and its path."""
    out = []
    for name in names():
        path = directory() / f"{name}{SUFFIX}"
        text = path.read_text(encoding="utf-8")
        kind = "sweep" if re.search(r"^sweep:", text, re.MULTILINE) else "run"
        out.append(Shipped(name, purpose(text), kind, path))
    return out


def copy_to(target: Path, *, force: bool = False, extra: dict[str, bytes] | None = None
            ) -> list[Path]:
    """Copy every shipped config, and the ``extra`` files (name: bytes), into directory
    ``target`` (created if need be); return the configs written.

    Refuses, writing nothing, when a file of one of those names exists there, unless
    ``force``.
    """
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise LossexpError(f"{target}: exists and is not a directory")
    files = {f"{name}{SUFFIX}": (directory() / f"{name}{SUFFIX}").read_bytes()
             for name in names()}
    files.update(extra or {})
    clashes = [target / name for name in files if os.path.lexists(target / name)]
    if clashes and not force:
        raise LossexpError(f"{clashes[0]} exists ({len(clashes)} of the {len(files)} files "
                           "do); add --force to overwrite them, or choose another directory")
    from lossexp.output import atomic

    target.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        atomic.write_bytes(target / name, data)
    return [target / name for name in files if name.endswith(SUFFIX)]
