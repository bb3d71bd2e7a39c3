"""Where results go: the outputs root, one directory per run or sweep, and the versions
recorded beside them."""

from __future__ import annotations

import os
from pathlib import Path

from lossexp.errors import ConfigError, LossexpError


def versions() -> dict:
    import numpy

    from lossexp import __version__
    return {"lossexp": __version__, "numpy": numpy.__version__}


def check_outputs_root(outputs: Path) -> None:
    """Fail early, before any training, if results could not be written under ``outputs``.

    Nothing is created: the directory is made only when the first run is saved.
    """
    outputs = Path(outputs)
    where = f"--outputs {outputs}"
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
