"""lossexp sweep from the command line: the sentence, exit codes, Ctrl-C and resume, dask."""

import json
import shlex

import pytest
from typer.testing import CliRunner

from lossexp.cli import app
from lossexp.sweep import driver
from lossexp.sweep.store import ChunkStore
from test_sweep_support import GRID, run_files, write_config


def lossexp(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def one_line(text: str) -> str:
    return " ".join(text.split())


def test_sweep_prints_the_sentence_filled_from_summary_json(tmp_path):
    path = write_config(tmp_path, GRID)
    result = lossexp("sweep", path, "--outputs", tmp_path / "out", "--workers", 1)
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "out" / "sw" / "summary.json").read_text())
    printed = one_line(result.stdout)
    for series in summary["series"]:
        assert f"{series['series']}: {series['sentence']}" in printed
    ce = summary["series"][1]
    assert ce["sentence"] == (f"usually reaches the target in under {ce['usually_under']} epochs, "
                              f"but some starts take more than {ce['some_more_than']}")
    assert "usually: 90% of starts; some: the slowest 1%" in printed


def test_a_config_error_exits_2_and_writes_nothing(tmp_path):
    path = write_config(tmp_path, {**GRID, "random": {"count": 4}})
    result = lossexp("sweep", path, "--outputs", tmp_path / "out")
    assert result.exit_code == 2
    assert "sweep: give exactly one of grid" in result.stderr
    assert not (tmp_path / "out").exists()


def test_scheduler_needs_the_dask_executor(tmp_path):
    result = lossexp("sweep", write_config(tmp_path, GRID), "--scheduler", "tcp://127.0.0.1:1")
    assert result.exit_code == 2 and "--scheduler needs --executor dask" in result.stderr


def test_ctrl_c_exits_130_and_the_printed_command_resumes(tmp_path, monkeypatch):
    path = write_config(tmp_path, GRID)
    whole = lossexp("sweep", path, "--outputs", tmp_path / "whole", "--workers", 1, "--quiet")
    assert whole.exit_code == 0
    original = ChunkStore.save

    def save_then_interrupt(store, index, data):
        original(store, index, data)
        if len(store.finished()) == 2:
            raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(ChunkStore, "save", save_then_interrupt)
        result = lossexp("sweep", path, "--outputs", tmp_path / "out", "--workers", 1,
                         "--chunk-size", 8, "--set", "train.epochs=300")
    assert result.exit_code == 130
    command = result.stderr.split("Resume with: ")[1].strip()
    args = shlex.split(command)
    assert args[:3] == ["lossexp", "sweep", str(path)] and args[-1] == "--resume"
    assert "--chunk-size" in args and "train.epochs=300" in args
    resumed = lossexp(*args[1:], "--quiet")
    assert resumed.exit_code == 0, resumed.output
    assert run_files(tmp_path / "out" / "sw") == run_files(tmp_path / "whole" / "sw")


def test_a_failing_chunk_exits_1_naming_it_and_the_resume_command(tmp_path, monkeypatch):
    real = driver.train_chunk

    def flaky(plan, chunk):
        if chunk.index == 1:
            raise MemoryError("simulated")
        return real(plan, chunk)

    monkeypatch.setattr(driver, "train_chunk", flaky)
    result = lossexp("sweep", write_config(tmp_path, GRID), "--outputs", tmp_path / "out",
                     "--workers", 1, "--chunk-size", 20)
    assert result.exit_code == 1
    assert "chunk 1 (series 'quadratic lr=0.15', starts 20..34" in result.stderr
    assert "MemoryError: simulated" in result.stderr
    assert "1 of 4 chunks failed" in result.stderr and "--resume" in result.stderr
    assert ChunkStore(tmp_path / "out" / "sw").finished() == {0, 2, 3}


def test_dask_executor_on_an_existing_cluster(tmp_path):
    distributed = pytest.importorskip("distributed")
    path = write_config(tmp_path, GRID)
    local = lossexp("sweep", path, "--outputs", tmp_path / "local", "--workers", 1, "--quiet")
    assert local.exit_code == 0
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        result = lossexp("sweep", path, "--outputs", tmp_path / "dask", "--executor", "dask",
                         "--scheduler", cluster.scheduler_address, "--quiet")
    assert result.exit_code == 0, result.output
    assert run_files(tmp_path / "dask" / "sw") == run_files(tmp_path / "local" / "sw")
