"""What differs on other platforms, simulated here: no os.fchmod (Windows before Python
3.13), and no fcntl for the sweep's lock (Windows: msvcrt; elsewhere a lock file)."""

from __future__ import annotations

import json
import os
import stat

import pytest
from test_sweep_support import GRID, write_config

from lossexp.errors import LossexpError
from lossexp.output import atomic, filelock
from lossexp.sweep import driver, load_sweep_config, run_sweep
from lossexp.sweep.store import LOCK_FILE, ChunkStore


def test_a_run_works_without_os_fchmod(cli, tmp_path, monkeypatch):
    monkeypatch.delattr(os, "fchmod", raising=False)
    result = cli("run", "mse_lucky", "--outputs", tmp_path / "out", "--no-plots",
                 "--set", "train.epochs=10")
    assert result.exit_code == 0, result.output
    summary = tmp_path / "out" / "mse_lucky" / "summary.json"
    assert json.loads(summary.read_text())["initial_output"] == pytest.approx(0.8176, abs=1e-4)


def test_with_os_fchmod_files_get_the_permissions_open_would_give(tmp_path):
    if not hasattr(os, "fchmod"):
        pytest.skip("no os.fchmod here")
    atomic.write_text(tmp_path / "f.txt", "x")
    mask = os.umask(0o022)
    os.umask(mask)
    assert stat.S_IMODE((tmp_path / "f.txt").stat().st_mode) == 0o666 & ~mask


@pytest.fixture(params=["flock", "exclusive-file"])
def lock_method(request, monkeypatch):
    """Each way of locking this platform can show: flock, and the lock file that stands in
    where neither fcntl nor msvcrt exists."""
    if request.param == "flock" and filelock.fcntl is None:
        pytest.skip("no fcntl here")
    if request.param == "exclusive-file":
        monkeypatch.setattr(filelock, "fcntl", None)
        monkeypatch.setattr(filelock, "msvcrt", None)
    assert filelock.method() == request.param
    return request.param


def test_a_lock_is_exclusive_until_released(tmp_path, lock_method):
    path = tmp_path / "lock"
    held = filelock.acquire(path)
    assert held is not None
    assert filelock.acquire(path) is None
    assert filelock.held_elsewhere(path)
    filelock.release(held)
    assert not filelock.held_elsewhere(path)
    again = filelock.acquire(path)
    assert again is not None
    filelock.release(again)


def test_a_second_sweep_into_a_directory_being_written_is_refused(tmp_path, lock_method):
    cfg = load_sweep_config(write_config(tmp_path, GRID))
    other = {**cfg, "train": {**cfg["train"], "lr": 0.5}}
    writer = ChunkStore(tmp_path / "out" / cfg["name"])
    writer.record(driver.manifest_of(driver.Plan(other)))
    try:
        with pytest.raises(LossexpError, match="another sweep is writing to .* right now") as info:
            run_sweep(cfg, tmp_path / "out", resume=True)
        if lock_method == "exclusive-file":
            assert f"{LOCK_FILE}{filelock.HELD_SUFFIX}: delete it" in str(info.value)
    finally:
        writer.release()
    assert run_sweep(cfg, tmp_path / "out").computed == 2
    assert not list((tmp_path / "out").rglob(f"*{filelock.HELD_SUFFIX}"))
