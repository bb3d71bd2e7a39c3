"""Helpers shared by the sweep tests (no tests here): small configs in a temporary folder."""

from pathlib import Path

import yaml

from lossexp.sweep import driver, run_sweep
from lossexp.sweep.store import ChunkStore

BASE = {
    "task": {"kind": "one_to_zero"},
    "model": {"kind": "neuron", "activation": "sigmoid", "init": {"w": 2.0, "b": 2.0}},
    "loss": "quadratic",
    "train": {"lr": 0.15, "epochs": 300},
    "plots": False,
}


def write_config(directory: Path, sweep: dict, name="sw", **changes) -> Path:
    """A sweep config named ``name``: BASE with ``changes`` (top-level keys) and ``sweep``."""
    data = {"name": name, **BASE, **changes, "sweep": sweep}
    path = Path(directory) / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


GRID = {"grid": {"w": {"from": -5, "to": 5, "steps": 7}, "b": {"from": -4, "to": 6, "steps": 5}},
        "losses": ["quadratic", "cross_entropy"]}


def run_files(run_dir: Path) -> dict[str, bytes]:
    """Every file of a finished run directory, by name."""
    return {p.name: p.read_bytes() for p in sorted(Path(run_dir).iterdir()) if p.is_file()}


class Interrupt:
    """Raises KeyboardInterrupt once ``after`` chunks have been saved, like a Ctrl-C."""

    def __init__(self, monkeypatch, after):
        self.saved, self.after = 0, after
        original = ChunkStore.save

        def save(store, index, data):
            original(store, index, data)
            self.saved += 1
            if self.saved == self.after:
                raise KeyboardInterrupt
        monkeypatch.setattr(ChunkStore, "save", save)


def interrupted_sweep(tmp_path, monkeypatch, cfg, after=3, **kwargs):
    """Run ``cfg`` into tmp_path/out in chunks of 5, one thread, stopped by a Ctrl-C once
    ``after`` chunks are saved; return its run directory."""
    # (pytest imported here, not above: test_sweep_memory's child process imports this
    # module, and importing pytest there doubles the page faults it counts.)
    import pytest

    with monkeypatch.context() as patch:
        Interrupt(patch, after)
        with pytest.raises(KeyboardInterrupt):
            run_sweep(cfg, tmp_path / "out", executor="threads", workers=1, chunk_size=5, **kwargs)
    return tmp_path / "out" / cfg["name"]


def fail_chunk(monkeypatch, index, error=None):
    """Make chunk ``index`` raise ``error`` (MemoryError, as a worker short of memory would)."""
    real = driver.train_chunk

    def flaky(plan, chunk):
        if chunk.index == index:
            raise error or MemoryError("simulated")
        return real(plan, chunk)

    monkeypatch.setattr(driver, "train_chunk", flaky)
