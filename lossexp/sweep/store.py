"""Finished chunks kept on disk, so an interrupted sweep resumes where it stopped.

While a sweep runs, ``<outputs>/.<name>.chunks/``, beside its run directory, holds ``manifest.json`` (the resolved config,
chunk size and library versions, and their fingerprint) and one file per finished chunk,
each written atomically: a chunk file is either whole or absent, whatever kills the
process. A resumed sweep trains only the missing chunks, and only if its config, chunk
size and versions are those of the manifest: anything else would mix two sweeps. So
would two sweeps writing at once. The chunks live beside the run directory, not in it,
so that an earlier result there stays whole, and alone, until the new sweep replaces it:
the directory never shows the results of two sweeps. So: the one that writes holds an
advisory lock on ``chunks/lock`` (``lossexp.output.filelock``: flock, or its Windows
equivalent), and a second is refused.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from lossexp.errors import LossexpError
from lossexp.output import atomic, filelock

# 2: chunk files of .npy records (.npys), not .npz; 3: z0 sums count the diverged starts,
# and plateau histograms hold only the starts that had to learn and did not diverge.
FORMAT = 3
LOCK_FILE = "lock"
_CHUNK_FILE = re.compile(r"chunk-(\d{6,})\.npys")
_FORMAT_1_CHUNK = re.compile(r"chunk-(\d{6,})\.npz")  # refused, never deleted


def fingerprint(manifest: dict) -> str:
    """SHA-256 of the manifest's content, keys sorted."""
    body = {k: v for k, v in manifest.items() if k != "fingerprint"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _flat(value, prefix=()) -> dict:
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            out.update(_flat(v, prefix + (str(k),)))
        return out
    return {".".join(prefix): value}


def config_changes(old: dict, new: dict) -> list[str]:
    """The dotted keys whose values differ between two configs."""
    a, b = _flat(old), _flat(new)
    return sorted(k for k in a.keys() | b.keys() if a.get(k, object()) != b.get(k, object()))


class ChunkStore:
    """The chunks folder of one run directory, beside it."""

    def __init__(self, run_dir: Path):
        self._lock = None  # the filelock.Held on chunks/lock while this sweep writes
        self.run_dir = Path(run_dir)
        self.dir = self.run_dir.parent / f".{self.run_dir.name}.chunks"
        self.manifest_path = self.dir / "manifest.json"

    def _path(self, index: int) -> Path:
        return self.dir / f"chunk-{index:06d}.npys"

    def finished(self) -> set[int]:
        if not self.dir.is_dir():
            return set()
        return {int(m.group(1)) for p in self.dir.iterdir() if (m := _CHUNK_FILE.fullmatch(p.name))}

    def recorded_manifest(self) -> dict | None:
        if not self.manifest_path.exists():
            return None
        return json.loads(self.manifest_path.read_text(encoding="utf-8"))

    def check(self, manifest: dict, *, resume: bool) -> set[int]:
        """The chunks already finished for this sweep (none for a new one); writes nothing.

        A sweep still writing here is refused; so are finished chunks of another sweep, or
        of this one without ``resume``. A manifest with no chunk beside it and no sweep
        writing (one stopped before its first chunk) is no unfinished work, and a new
        sweep may take its place.
        """
        if self._locked_elsewhere():
            raise self._busy()
        if self.dir.is_dir() and any(_FORMAT_1_CHUNK.fullmatch(p.name) for p in self.dir.iterdir()):
            raise LossexpError(f"{self.dir} holds the chunks of an unfinished sweep by an older "
                               f"lossexp (chunk-*.npz), which this one cannot resume: finish it "
                               f"with that version, or delete {self.dir} to start over")
        old, done = self.recorded_manifest(), self.finished()
        if old is None or not done:
            return set()
        if not resume:
            raise LossexpError(
                f"an unfinished sweep into {self.run_dir} is kept in {self.dir} ({len(done)} "
                f"of {old.get('chunks', '?')} chunks done): add --resume to finish it, or "
                f"delete {self.dir} to start over")
        stamped = self._stamped(manifest)
        if old.get("fingerprint") != stamped["fingerprint"]:
            raise LossexpError(self._mismatch(old, stamped))
        return done

    def record(self, manifest: dict) -> None:
        """Take the directory's lock and write ``manifest`` (see ``check``), before the
        first chunk is saved; ``release`` lets the lock go."""
        self.dir.mkdir(parents=True, exist_ok=True)
        if self._lock is None:
            self._lock = filelock.acquire(self.dir / LOCK_FILE)
            if self._lock is None:
                raise self._busy()
        text = json.dumps(self._stamped(manifest), indent=2, sort_keys=True) + "\n"
        atomic.write_text(self.manifest_path, text)

    def release_before_moving(self) -> None:
        """Let the lock go now where an open lock file would stop its folder from being
        renamed (Windows), as writing the outputs does; elsewhere hold it to the end."""
        if filelock.open_file_blocks_rename():
            self.release()

    def release(self) -> None:
        if self._lock is not None:
            filelock.release(self._lock)
            self._lock = None

    def _locked_elsewhere(self) -> bool:
        return self._lock is None and filelock.held_elsewhere(self.dir / LOCK_FILE)

    def _busy(self) -> LossexpError:
        return LossexpError(f"another sweep is writing to {self.run_dir} right now: let it "
                            "finish, or stop it, before starting this one"
                            + filelock.stale_hint(self.dir / LOCK_FILE))

    @staticmethod
    def _stamped(manifest: dict) -> dict:
        manifest = {**manifest, "format": FORMAT}
        return {**manifest, "fingerprint": fingerprint(manifest)}

    def _mismatch(self, old: dict, new: dict) -> str:
        head = f"cannot resume the sweep in {self.run_dir}: "
        tail = f"; rerun with the original settings, or delete {self.dir} to start over"
        if old.get("config") != new["config"]:
            keys = config_changes(old.get("config") or {}, new["config"])
            shown = ", ".join(keys[:5]) + (f" and {len(keys) - 5} more" if len(keys) > 5 else "")
            return head + f"the config has changed since it started ({shown})" + tail
        if old.get("chunk_size") != new["chunk_size"]:
            return (head + f"it was cut into chunks of {old.get('chunk_size')} starts, not "
                    f"{new['chunk_size']}" + tail)
        if old.get("format") != new["format"]:
            return (head + f"its chunks were written in format {old.get('format')} by an "
                    f"earlier lossexp; this one writes format {new['format']}" + tail)
        if old.get("versions") != new["versions"]:
            return (head + f"it was started with {old.get('versions')}, this is "
                    f"{new['versions']}" + tail)
        return head + "its manifest does not match this sweep (another lossexp version?)" + tail

    def discard(self) -> None:
        """Delete the chunks once the sweep's files are in place: the files this store
        wrote, then the folder if that left it empty (nothing else in it is touched)."""
        if not self.dir.is_dir():
            return
        for path in self.dir.iterdir():
            if _CHUNK_FILE.fullmatch(path.name) or path.name in ("manifest.json", LOCK_FILE):
                path.unlink(missing_ok=True)
        try:
            self.dir.rmdir()
        except OSError:
            pass

    def discard_if_nothing_kept(self) -> None:
        """After a stop or a failure: delete the folder this sweep began if it holds no
        finished chunk, since there is nothing to resume. Another sweep's is left alone."""
        if self._lock is not None and not self.finished():
            self.discard()

    def save(self, index: int, data: bytes) -> None:
        atomic.write_bytes(self._path(index), data)

    def load(self, index: int) -> bytes:
        return self._path(index).read_bytes()
