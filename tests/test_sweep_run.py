"""Whole sweeps: a grid point is `lossexp run` from that start, bit for bit; the files do not
depend on executor, worker count or chunk size; resume, refusal and failure reporting."""

import contextlib
import copy
import json
import math
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from test_sweep_support import (
    GRID,
    Interrupt,
    fail_chunk,
    interrupted_sweep,
    run_files,
    write_config,
)

from lossexp.config import validate
from lossexp.errors import LossexpError
from lossexp.run.experiment import run_experiment
from lossexp.schema import Locator
from lossexp.sweep import SweepIncomplete, driver, load_sweep_config, run_sweep
from lossexp.sweep.executors import QUIET_HTTP
from lossexp.sweep.store import ChunkStore, fingerprint

REPO = Path(__file__).resolve().parent.parent


def read_rows(path):
    head, *lines = path.read_text().splitlines()
    return [dict(zip(head.split(","), line.split(","))) for line in lines]


def single_run_config(cfg, series_loss, w0, b0):
    run_cfg = copy.deepcopy({k: v for k, v in cfg.items() if k != "sweep"})
    run_cfg["loss"] = {"name": series_loss}
    run_cfg["model"]["init"] = {"w": w0, "b": b0}
    return validate(run_cfg, Locator("single run"), default_name="single")


def test_every_grid_point_equals_a_single_run_bit_for_bit(tmp_path):
    cfg = load_sweep_config(write_config(tmp_path, GRID))
    result = run_sweep(cfg, tmp_path / "out", chunk_size=6)
    rows = read_rows(result.run_dir / "sweep.csv")
    assert len(rows) == 2 * 35
    assert {r["series"] for r in rows} == {"quadratic lr=0.15", "cross_entropy lr=0.15"}
    outcomes = set()
    for row in rows:
        w0, b0 = float(row["w0"]), float(row["b0"])
        single = run_experiment(single_run_config(cfg, row["series"].split()[0], w0, b0))
        s = single.summary
        assert float(row["z0"]) == single.metrics["z"][0]
        assert float(row["final_loss"]) == s["final_loss"]
        assert float(row["final_output"]) == s["final_output"]
        for name in ("epochs_to_target", "plateau_epochs", "half_way_epochs", "approach_epochs"):
            assert (int(row[name]) if row[name] else None) == s[name], name
        assert row["diverged"] == ("true" if s["diverged"] else "false")
        outcomes.add((s["epochs_to_target"] is None, s["plateau_epochs"] != 0))
    assert outcomes >= {(True, True), (False, False)}  # the grid holds stuck and quick starts


def test_random_starts_equal_single_runs_too(tmp_path):
    cfg = load_sweep_config(write_config(tmp_path, {"random": {"count": 40, "seed": 3}}))
    rows = read_rows(run_sweep(cfg, tmp_path / "out", chunk_size=16).run_dir / "sweep.csv")
    for row in rows[::7]:
        single = run_experiment(single_run_config(cfg, "quadratic", float(row["w0"]), float(row["b0"])))
        assert float(row["final_loss"]) == single.summary["final_loss"]


def test_summary_counts_match_the_rows(tmp_path):
    # b from -12 to 6: most starts are on target from epoch 0 (counted apart), most of the
    # quadratic cost's others plateau.
    spec = {**GRID, "grid": {"w": {"from": -0.5, "to": 0.5, "steps": 3},
                             "b": {"from": -12, "to": 6, "steps": 7}}}
    cfg = load_sweep_config(write_config(tmp_path, spec))
    run_dir = run_sweep(cfg, tmp_path / "out").run_dir
    rows = read_rows(run_dir / "sweep.csv")
    summary = json.loads((run_dir / "summary.json").read_text())
    for series in summary["series"]:
        mine = [r for r in rows if r["series"] == series["series"]]
        reached = sorted(int(r["epochs_to_target"]) for r in mine if r["epochs_to_target"])
        at_start = reached.count(0)
        assert series["starts"] == len(mine) and series["on_target_at_start"] == at_start
        assert series["reached"] == len(reached) - at_start  # of the starts that had to learn
        assert series["never_reached"] == len(mine) - len(reached)
        if len(reached) == len(mine):
            learned = reached[at_start:]  # percentiles are over the starts that had to learn
            assert series["epochs_to_target"]["max"] == learned[-1]
            assert series["epochs_to_target"]["median"] == learned[(len(learned) - 1) // 2]
        # The plateau's percentiles too: over the starts that had to learn.
        plateaus = sorted(int(r["plateau_epochs"]) if r["plateau_epochs"] else math.inf
                          for r in mine if r["epochs_to_target"] != "0")
        for name, rank in (("median", (len(plateaus) - 1) // 2),
                           ("p90", math.ceil(0.9 * len(plateaus)) - 1)):
            expected = plateaus[rank]
            assert series["plateau_epochs"][name] == (None if expected == math.inf else expected)
    assert any(s["on_target_at_start"] for s in summary["series"])



def test_the_summary_counts_the_diverged_starts_as_a_number(tmp_path):
    # An identity neuron at lr 5 diverges (the quadratic's curvature is 2), at lr 0.1 not.
    identity = {"kind": "neuron", "activation": "identity", "init": {"w": 0.0, "b": 0.0}}
    spec = {"grid": GRID["grid"], "lrs": [0.1, 5.0]}
    cfg = load_sweep_config(write_config(tmp_path, spec, model=identity))
    run_dir = run_sweep(cfg, tmp_path / "out", chunk_size=8).run_dir
    rows = read_rows(run_dir / "sweep.csv")
    summary = json.loads((run_dir / "summary.json").read_text())
    counts = [s["diverged"] for s in summary["series"]]
    assert counts == [sum(r["diverged"] == "true" for r in rows if r["series"] == s["series"])
                      for s in summary["series"]]
    assert all(type(n) is int for n in counts) and counts[0] == 0 < counts[1]


def test_a_chunk_file_of_an_earlier_version_reads_its_count_back_as_a_number():
    from lossexp.sweep import npy_records
    from lossexp.sweep.tally import ChunkTally, tally_chunk

    outcome = {"epochs_to_target": np.array([3, -1]), "plateau_epochs": np.array([0, 2]),
               "diverged": np.array([True, True])}
    tally = tally_chunk(b"", outcome, None, 5, [], np.empty((0, 0)), None, 3)
    fields = [np.frombuffer(tally.rows, np.uint8), tally.epochs_to_target, tally.plateau_epochs,
              np.array([tally.diverged]), tally.heat_cells, tally.heat_count, tally.heat_reached,
              tally.heat_epochs, tally.z0, tally.curve_starts, tally.curve_losses]
    # Older chunk files hold the count as an array of one.
    for data in (tally.to_bytes(), npy_records.pack(fields)):
        diverged = ChunkTally.from_bytes(data).diverged
        assert type(diverged) is int and diverged == 2


# --- invariance -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  **QUIET_HTTP) as cluster, \
            distributed.Client(cluster) as client:
        yield client


@pytest.fixture(scope="module")
def reference_files(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("reference")
    cfg = load_sweep_config(write_config(tmp, {**GRID, "curves": 5}, plots=True))
    return run_files(run_sweep(cfg, tmp / "out", executor="threads", workers=1).run_dir)


def invariance_config(tmp_path):
    return load_sweep_config(write_config(tmp_path, {**GRID, "curves": 5}, plots=True))


@pytest.mark.parametrize("executor, workers, chunk_size", [
    ("threads", 2, 1), ("threads", 3, 7), ("processes", 2, 11),
])
def test_files_do_not_depend_on_executor_workers_or_chunks(tmp_path, reference_files, executor,
                                                           workers, chunk_size):
    cfg = invariance_config(tmp_path)
    run_dir = run_sweep(cfg, tmp_path / "out", executor=executor, workers=workers,
                        chunk_size=chunk_size).run_dir
    assert run_files(run_dir) == reference_files
    assert set(reference_files) == {"config.yaml", "sweep.csv", "summary.json", "z0.png",
                                    "cdf.png", "curves.png", ".lossexp.json"}


def test_a_sweep_on_a_dask_local_cluster_gives_the_same_files(tmp_path, reference_files, dask_client):
    cfg = invariance_config(tmp_path)
    result = run_sweep(cfg, tmp_path / "out", executor="dask", client=dask_client, chunk_size=9)
    assert result.computed == 2 * 4
    assert run_files(result.run_dir) == reference_files


# --- resume -----------------------------------------------------------------------------------

def test_resume_after_an_interruption_gives_identical_files(tmp_path, monkeypatch):
    cfg = load_sweep_config(write_config(tmp_path, GRID))
    whole = run_files(run_sweep(cfg, tmp_path / "whole", chunk_size=5).run_dir)
    run_dir = interrupted_sweep(tmp_path, monkeypatch, cfg)
    assert ChunkStore(run_dir).finished() == {0, 1, 2}
    assert not (run_dir / "sweep.csv").exists()
    result = run_sweep(cfg, tmp_path / "out", resume=True, executor="threads", workers=2)
    assert (result.reused, result.computed) == (3, 2 * 7 - 3)
    assert run_files(result.run_dir) == whole
    assert not ChunkStore(result.run_dir).dir.exists()
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["sw"]


def test_an_interrupted_new_sweep_leaves_the_earlier_sweep_whole_and_alone(tmp_path, monkeypatch):
    cfg = load_sweep_config(write_config(tmp_path, GRID))
    before = run_files(run_sweep(cfg, tmp_path / "out", chunk_size=5).run_dir)
    changed = copy.deepcopy(cfg)
    changed["train"]["lr"] = 0.2
    run_dir = interrupted_sweep(tmp_path, monkeypatch, changed)
    assert run_files(run_dir) == before  # the earlier sweep's files, and only those
    assert sorted(p.name for p in run_dir.iterdir()) == sorted(before)
    assert ChunkStore(run_dir).finished() == {0, 1, 2}  # the new one's, beside it
    result = run_sweep(changed, tmp_path / "out", resume=True, executor="threads", workers=2)
    assert result.replaced and run_files(result.run_dir) != before
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["sw"]


@pytest.mark.parametrize("kind", ["folder", "file"])
def test_a_sweep_never_replaces_what_lossexp_did_not_write(tmp_path, kind):
    cfg = load_sweep_config(write_config(tmp_path, {**GRID}))
    target = tmp_path / "out" / cfg["name"]
    target.parent.mkdir()
    if kind == "folder":
        target.mkdir()
        (target / "index.md").write_text("the user's docs")
    else:
        target.write_text("the user's file")
    with pytest.raises(LossexpError, match=f"{target} exists and is not a directory lossexp"):
        run_sweep(cfg, tmp_path / "out", executor="threads", workers=1)
    assert (target / "index.md" if kind == "folder" else target).read_text().startswith("the user")
    assert [p.name for p in target.parent.iterdir()] == [cfg["name"]]  # no chunks either


def test_resume_refuses_a_changed_config_and_says_what_changed(tmp_path, monkeypatch):
    cfg = load_sweep_config(write_config(tmp_path, GRID))
    run_dir = interrupted_sweep(tmp_path, monkeypatch, cfg)
    changed = load_sweep_config(write_config(tmp_path, GRID, train={"lr": 0.2, "epochs": 300}))
    with pytest.raises(LossexpError, match=r"config has changed since it started \(train\.lr\)"):
        run_sweep(changed, tmp_path / "out", resume=True)
    with pytest.raises(LossexpError, match="chunks of 5 starts, not 6"):
        run_sweep(cfg, tmp_path / "out", resume=True, chunk_size=6)
    store = ChunkStore(run_dir)  # chunks an earlier lossexp wrote in another layout
    manifest = json.loads(store.manifest_path.read_text())
    manifest["format"] = 2
    manifest["fingerprint"] = fingerprint(manifest)
    store.manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(LossexpError, match="written in format 2 by an earlier lossexp; this "
                                           "one writes format 3"):
        run_sweep(cfg, tmp_path / "out", resume=True)
    assert ChunkStore(run_dir).finished() == {0, 1, 2}  # nothing was touched


def test_an_unfinished_sweep_is_not_overwritten_without_resume(tmp_path, monkeypatch):
    cfg = load_sweep_config(write_config(tmp_path, GRID))
    interrupted_sweep(tmp_path, monkeypatch, cfg)
    with pytest.raises(LossexpError, match=r"unfinished sweep into .* is kept in .*\.sw\.chunks "
                       r"\(3 of 14 chunks done\): add --resume"):
        run_sweep(cfg, tmp_path / "out")


def test_an_executor_that_cannot_start_writes_nothing(tmp_path, monkeypatch):
    # As with dask missing or a scheduler out of reach: the next sweep must not find
    # "an unfinished sweep" it has to --resume.
    @contextlib.contextmanager
    def no_executor(*args, **kwargs):
        raise LossexpError("the dask executor needs dask.distributed")
        yield

    cfg = load_sweep_config(write_config(tmp_path, GRID))
    with monkeypatch.context() as patch:
        patch.setattr(driver, "open_pool", no_executor)
        with pytest.raises(LossexpError, match="needs dask"):
            run_sweep(cfg, tmp_path / "out", executor="dask")
    assert not (tmp_path / "out").exists()
    assert run_sweep(cfg, tmp_path / "out").computed == 2


@pytest.mark.parametrize("resume", [False, True])
def test_chunks_of_an_older_format_are_refused_and_kept(tmp_path, resume):
    """Chunk files were .npz before FORMAT 2: such an unfinished sweep is neither resumed
    nor silently started over beside them, and nothing of it is touched."""
    cfg = load_sweep_config(write_config(tmp_path, GRID))
    chunks = ChunkStore(tmp_path / "out" / cfg["name"]).dir
    chunks.mkdir(parents=True)
    old = {"manifest.json": b'{"format": 1}\n', "chunk-000000.npz": b"PK old chunk"}
    for name, data in old.items():
        (chunks / name).write_bytes(data)
    with pytest.raises(LossexpError, match=r"older lossexp \(chunk-\*\.npz\).*delete"):
        run_sweep(cfg, tmp_path / "out", resume=resume)
    assert {p.name: p.read_bytes() for p in chunks.iterdir()} == old
    assert not (tmp_path / "out" / cfg["name"]).exists()


def test_a_manifest_left_by_a_sweep_killed_before_its_first_chunk_is_not_work_to_resume(
        tmp_path):
    cfg = load_sweep_config(write_config(tmp_path, GRID))
    run_dir = tmp_path / "out" / cfg["name"]
    killed = ChunkStore(run_dir)
    killed.record(driver.manifest_of(driver.Plan(cfg)))
    killed.release()  # kill -9 here: the manifest stays, the lock goes with the process
    whole = run_files(run_sweep(cfg, tmp_path / "whole").run_dir)
    assert run_files(run_sweep(cfg, tmp_path / "out").run_dir) == whole  # no --resume needed
    assert not killed.dir.exists()


@pytest.mark.skipif(sys.platform == "win32", reason="no flock on Windows")
def test_a_second_sweep_into_a_directory_being_written_is_refused(tmp_path):
    cfg = load_sweep_config(write_config(tmp_path, GRID))
    other = {**cfg, "train": {**cfg["train"], "lr": 0.5}}
    writer = ChunkStore(tmp_path / "out" / cfg["name"])
    writer.record(driver.manifest_of(driver.Plan(other)))  # a sweep that has just started
    try:
        for resume in (False, True):
            with pytest.raises(LossexpError, match="another sweep is writing to .* right now"):
                run_sweep(cfg, tmp_path / "out", resume=resume)
    finally:
        writer.release()
    assert run_sweep(cfg, tmp_path / "out").computed == 2  # a manifest with no chunks: stale


def test_a_failing_chunk_is_reported_with_its_starts_and_the_others_finish(tmp_path, monkeypatch):
    cfg = load_sweep_config(write_config(tmp_path, GRID))
    whole = run_files(run_sweep(cfg, tmp_path / "whole", chunk_size=5).run_dir)
    with monkeypatch.context() as patch:
        fail_chunk(patch, 4, FloatingPointError("simulated"))
        with pytest.raises(SweepIncomplete) as info:
            run_sweep(cfg, tmp_path / "out", executor="threads", workers=2, chunk_size=5)
    (failure,) = info.value.failures
    assert str(failure) == ("chunk 4 (series 'quadratic lr=0.15', starts 20..24: w0 in "
                            "[1.66667, 1.66667], b0 in [-4, 6]) failed: FloatingPointError: simulated")
    run_dir = tmp_path / "out" / "sw"
    assert ChunkStore(run_dir).finished() == set(range(14)) - {4}
    result = run_sweep(cfg, tmp_path / "out", resume=True)
    assert (result.reused, result.computed) == (13, 1)
    assert run_files(run_dir) == whole


def test_a_sweep_that_kept_no_chunk_leaves_no_chunks_folder_but_a_users_file(tmp_path,
                                                                           monkeypatch):
    cfg = load_sweep_config(write_config(tmp_path, GRID))
    chunks = tmp_path / "out" / ".sw.chunks"

    def stopped(plan, chunk):
        raise KeyboardInterrupt  # Ctrl-C while the first chunks train
    with monkeypatch.context() as patch:
        patch.setattr(driver, "train_chunk", stopped)
        with pytest.raises(KeyboardInterrupt):
            run_sweep(cfg, tmp_path / "out", executor="threads", workers=2, chunk_size=5)
    assert not chunks.exists()  # nothing to resume, so no lock or manifest left behind

    chunks.mkdir()
    (chunks / "notes.txt").write_text("mine\n")
    with monkeypatch.context() as patch:
        for index in range(14):
            fail_chunk(patch, index)
        with pytest.raises(SweepIncomplete, match="14 of 14 chunks failed; nothing was kept$"):
            run_sweep(cfg, tmp_path / "out", executor="threads", workers=2, chunk_size=5)
    assert [p.name for p in chunks.iterdir()] == ["notes.txt"]  # lossexp's own files only


def test_chunks_finished_before_a_resume_stay_when_every_new_one_fails(tmp_path, monkeypatch):
    cfg = load_sweep_config(write_config(tmp_path, GRID))
    run_dir = interrupted_sweep(tmp_path, monkeypatch, cfg, after=3)
    with monkeypatch.context() as patch:
        for index in range(3, 14):
            fail_chunk(patch, index)
        with pytest.raises(SweepIncomplete, match="11 of 14 chunks failed; the other chunks "
                                                  "are kept in "):
            run_sweep(cfg, tmp_path / "out", executor="threads", workers=1, chunk_size=5,
                      resume=True)
    assert ChunkStore(run_dir).finished() == {0, 1, 2}


def test_heatmap_cells_hold_the_rows_epochs(tmp_path):
    from lossexp.sweep.plan import Plan
    from lossexp.sweep.store import ChunkStore as Store
    from lossexp.sweep.tally import ChunkTally, SeriesTally

    # Several samples: the heatmap is drawn, not the plot against z0 (test_sweep_z0.py).
    several = {"kind": "regression", "samples": 8, "noise": 0.0}
    identity = {"kind": "neuron", "activation": "identity", "init": {"w": 0.0, "b": 0.0}}
    spec = {**GRID, "losses": ["quadratic", "mae"]}
    cfg = load_sweep_config(write_config(tmp_path, spec, task=several, model=identity,
                                         train={"lr": 0.15, "epochs": 20}))
    plan = Plan(cfg, 4)
    assert not plan.one_sample
    with pytest.raises(KeyboardInterrupt), pytest.MonkeyPatch.context() as patch:
        Interrupt(patch, plan.total_chunks)
        run_sweep(cfg, tmp_path / "out", executor="threads", workers=1, chunk_size=4)
    store = Store(tmp_path / "out" / "sw")
    tally = SeriesTally(plan.epochs, plan.starts.cell_shape, plan.z0_edges.size - 1)
    for index in range(plan.chunks_per_series):
        tally.add(ChunkTally.from_bytes(store.load(index)))
    rows = read_rows(run_sweep(cfg, tmp_path / "out", resume=True).run_dir / "sweep.csv")[:35]
    ett = np.array([int(r["epochs_to_target"]) if r["epochs_to_target"] else -1 for r in rows])
    assert 0 < (ett >= 0).sum() < ett.size  # some reach the target, some do not
    assert np.array_equal(tally.heat_count.ravel(), np.ones(35))
    assert np.array_equal(tally.heat_reached.ravel(), (ett >= 0).astype(int))
    assert np.array_equal(tally.heat_epochs.ravel(), np.where(ett >= 0, ett, 0))
    assert not tally.z0.any()  # no plot against z0 to draw: nothing summed for one


def test_a_one_sample_sweep_keeps_no_heatmap_counts(tmp_path):
    from lossexp.sweep.chunk import train_chunk
    from lossexp.sweep.plan import Plan

    plan = Plan(load_sweep_config(write_config(tmp_path, GRID)), 16)
    assert plan.one_sample
    tally = train_chunk(plan, plan.chunk(0))
    assert tally.heat_cells.size == tally.heat_count.size == 0
    assert tally.z0[0].sum() == 16  # the plot against z0 is drawn instead


def png_size(path):
    header = path.read_bytes()[:24]  # the IHDR chunk holds width and height
    return int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")


def test_many_series_wrap_into_rows(tmp_path):
    sweep = {**GRID, "losses": ["quadratic"], "lrs": [0.1, 0.2, 0.4, 0.8, 1e3], "curves": 3}
    cfg = load_sweep_config(write_config(tmp_path, sweep, plots=True))
    run_dir = run_sweep(cfg, tmp_path / "out").run_dir
    width, height = png_size(run_dir / "curves.png")
    assert 1.2 < width / height < 2.5  # 3 + 2 panels in two rows, not 5 in one
    from lossexp.sweep.figures import _figure

    fig, axes = _figure(5)
    assert len(axes) == 5 and len(fig.axes) == 5
    assert len({round(ax.get_position().y0, 3) for ax in axes}) == 2


# --- the documentation -------------------------------------------------------------------------

def test_the_python_example_of_the_docs_runs_as_a_script(tmp_path):
    doc = (REPO / "docs" / "sweeps.md").read_text(encoding="utf-8")
    snippet = doc.split("## From Python", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    tiny = '["sweep.grid.w.steps=3", "sweep.grid.b.steps=2", "train.epochs=30", "plots=false"]'
    script, replaced = re.subn(r'(load_sweep_config\("[^"]+", )\[[^]]*\]', rf"\g<1>{tiny}", snippet)
    assert replaced == 1
    (tmp_path / "snippet.py").write_text(script, encoding="utf-8")
    (tmp_path / "configs").mkdir()
    shutil.copy(REPO / "configs" / "sweep_grid.yaml", tmp_path / "configs")
    done = subprocess.run([sys.executable, "snippet.py"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "outputs" / "sweep_grid" / "summary.json").read_text())
    assert [s["starts"] for s in summary["series"]] == [6, 6] and summary["epochs"] == 30
    assert done.stdout.splitlines() == [f"{s['series']} {s['sentence']}" for s in summary["series"]]


def test_a_ctrl_c_while_the_dask_cluster_starts_stops_the_sweep(tmp_path, monkeypatch):
    """The cluster starts with Ctrl-C held back from its processes: the Ctrl-C must still
    reach the command once the cluster is up (it was ignored, and the sweep ran on)."""
    import os
    import signal

    distributed = pytest.importorskip("distributed")
    real = distributed.LocalCluster

    def pressed_while_starting(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGINT)
        return real(*args, **kwargs)

    monkeypatch.setattr(distributed, "LocalCluster", pressed_while_starting)
    cfg = load_sweep_config(write_config(tmp_path, GRID))
    with pytest.raises(KeyboardInterrupt):
        run_sweep(cfg, tmp_path / "out", executor="dask", workers=1)
    assert not (tmp_path / "out" / "sw").exists()
