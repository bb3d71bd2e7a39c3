"""lossexp sweep from the command line: the sentence, exit codes, Ctrl-C and resume, dask."""

import contextlib
import io
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import typer.main
import yaml
from conftest import FakeClock
from rich.console import Console
from test_sweep_support import GRID, Interrupt, fail_chunk, run_files, write_config
from typer.testing import CliRunner

from lossexp.cli import app
from lossexp.cli.progress import SweepProgress
from lossexp.cli.sweep import Executor
from lossexp.errors import LossexpError
from lossexp.sweep import driver, executors, load_sweep_config, run_sweep
from lossexp.sweep.executors import DEFAULT_EXECUTOR, EXECUTORS, QUIET_HTTP
from lossexp.sweep.plan import Plan
from lossexp.sweep.store import ChunkStore
from lossexp.train import neuron_kernel


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
    assert "compiled sweep kernel" not in printed  # a note for stderr, where it is missing
    assert ("compiled sweep kernel" in result.stderr) is not neuron_kernel.available()


def test_a_sweep_without_the_compiled_kernel_says_so_and_gives_the_same_files(tmp_path,
                                                                             monkeypatch):
    path = write_config(tmp_path, GRID)
    fast = lossexp("sweep", path, "--outputs", tmp_path / "fast", "--workers", 1, "--no-plots")
    # (--workers 1 trains in this process, where the patch below reaches)
    monkeypatch.setattr(neuron_kernel, "_neuron_kernel", None)
    slow = lossexp("sweep", path, "--outputs", tmp_path / "slow", "--workers", 1, "--no-plots")
    assert fast.exit_code == slow.exit_code == 0, slow.output
    assert one_line(slow.stderr).count("without its compiled sweep kernel") == 1
    assert "compiled sweep kernel" not in fast.stderr + slow.stdout
    assert run_files(tmp_path / "fast" / "sw") == run_files(tmp_path / "slow" / "sw")


def test_a_config_error_exits_2_and_writes_nothing(tmp_path):
    path = write_config(tmp_path, {**GRID, "random": {"count": 4}})
    result = lossexp("sweep", path, "--outputs", tmp_path / "out")
    assert result.exit_code == 2
    assert "sweep: give exactly one of grid" in result.stderr
    assert not (tmp_path / "out").exists()


def test_scheduler_needs_the_dask_executor(tmp_path):
    result = lossexp("sweep", write_config(tmp_path, GRID), "--scheduler", "tcp://127.0.0.1:1")
    assert result.exit_code == 2 and "--scheduler needs --executor dask" in result.stderr
    result = lossexp("sweep", write_config(tmp_path, GRID), "--connect-timeout", "5",
                     "--outputs", tmp_path / "out")
    assert result.exit_code == 2 and "--connect-timeout needs --executor dask" in result.stderr
    assert not (tmp_path / "out").exists()


def test_no_plots_draws_none_and_config_yaml_says_so(tmp_path):
    result = lossexp("sweep", write_config(tmp_path, GRID), "--outputs", tmp_path / "out",
                     "--workers", 1, "--no-plots", "-q")
    assert result.exit_code == 0, result.output
    run_dir = tmp_path / "out" / "sw"
    assert not list(run_dir.glob("*.png"))
    assert "plots: false" in (run_dir / "config.yaml").read_text()


def test_run_sweep_refuses_a_scheduler_without_the_dask_executor(tmp_path):
    cfg = load_sweep_config(write_config(tmp_path, GRID))
    with pytest.raises(LossexpError, match="needs --executor dask"):
        run_sweep(cfg, tmp_path / "out", executor="threads", scheduler="tcp://127.0.0.1:1")
    assert not (tmp_path / "out").exists()


def test_ctrl_c_exits_130_and_the_printed_command_resumes(tmp_path, monkeypatch):
    path = write_config(tmp_path, GRID)
    whole = lossexp("sweep", path, "--outputs", tmp_path / "whole", "--workers", 1, "--quiet")
    assert whole.exit_code == 0
    with monkeypatch.context() as patch:
        Interrupt(patch, 2)
        result = lossexp("sweep", path, "--outputs", tmp_path / "out", "--workers", 1,
                         "--chunk-size", 8, "--set", "train.epochs=300", "--no-plots", "-q")
    assert result.exit_code == 130
    command = result.stderr.split("Resume with: ")[1].strip()
    args = shlex.split(command)
    assert args[:3] == ["lossexp", "sweep", str(path)] and args[-1] == "--resume"
    assert {"--chunk-size", "train.epochs=300", "--no-plots", "--quiet"} <= set(args)
    resumed = lossexp(*args[1:])
    assert resumed.exit_code == 0, resumed.output
    assert resumed.stdout == ""  # still quiet
    assert run_files(tmp_path / "out" / "sw") == run_files(tmp_path / "whole" / "sw")


def test_a_row_is_the_sweep_file_run_with_sweep_null_at_its_start(tmp_path):
    path, out = write_config(tmp_path, GRID), tmp_path / "out"
    assert lossexp("sweep", path, "--outputs", out, "-q").exit_code == 0
    head, *lines = (out / "sw" / "sweep.csv").read_text().splitlines()
    row = dict(zip(head.split(","), lines[-3].split(",")))
    loss, lr = row["series"].split(" lr=")
    refused = lossexp("run", path, "--outputs", tmp_path / "one")
    assert refused.exit_code == 2 and "add --set sweep=null" in refused.stderr
    done = lossexp("run", path, "--outputs", tmp_path / "one", "--no-plots", "-q",
                   "--set", "sweep=null", "--set", f"model.init.w={row['w0']}",
                   "--set", f"model.init.b={row['b0']}", "--set", f"loss.name={loss}",
                   "--set", f"train.lr={lr}")
    assert done.exit_code == 0, done.stderr
    summary = json.loads((tmp_path / "one" / "sw" / "summary.json").read_text())
    assert repr(summary["final_loss"]) == row["final_loss"]
    assert str(summary["epochs_to_target"] or "") == row["epochs_to_target"]
    # Into the sweep's own outputs, the run keeps the sweep's name: it is refused, and the
    # sweep's results stay; with another name it runs beside them.
    before = run_files(out / "sw")
    same = lossexp("run", path, "--outputs", out, "--set", "sweep=null", "--no-plots")
    assert same.exit_code == 2
    assert "holds the results of a lossexp sweep, which a run does not replace" in same.stderr
    assert run_files(out / "sw") == before
    beside = lossexp("run", path, "--outputs", out, "--set", "sweep=null", "--set", "name=row",
                     "--no-plots", "-q")
    assert beside.exit_code == 0 and run_files(out / "sw") == before


def test_resume_says_what_it_found_to_reuse(tmp_path, monkeypatch):
    path, out = write_config(tmp_path, GRID), tmp_path / "out"
    fresh = lossexp("sweep", path, "--outputs", out, "--workers", 1, "--resume")
    assert fresh.exit_code == 0, fresh.output
    assert fresh.stderr.splitlines()[0] == ("nothing to resume (no finished chunk was kept): "
                                            "the whole sweep runs")
    with monkeypatch.context() as patch:
        Interrupt(patch, 2)
        lossexp("sweep", path, "--outputs", out, "--workers", 1, "--chunk-size", 8)
    resumed = lossexp("sweep", path, "--outputs", out, "--workers", 1, "--chunk-size", 8,
                      "--resume")
    assert resumed.exit_code == 0, resumed.output
    assert resumed.stderr.splitlines()[0] == "resuming: 2 of 10 chunks were finished earlier"
    quiet = lossexp("sweep", path, "--outputs", tmp_path / "q", "--resume", "-q")
    assert quiet.stderr == ""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process groups, as on Linux")
def test_two_quick_ctrl_cs_still_exit_130_with_worker_processes(tmp_path):
    # Ctrl-C reaches the whole process group, and an impatient user presses it twice: the
    # second used to land while the command waited for its workers, which then hung.
    proc, out = start_long_sweep_in_its_own_group(tmp_path)
    try:
        for _ in range(2):
            os.killpg(proc.pid, signal.SIGINT)
            time.sleep(0.02)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
    assert proc.returncode == 130, (proc.returncode, err)
    assert err.startswith("error: interrupted; finished chunks are kept. Resume with: ")
    assert ChunkStore(out / "sw").finished()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process groups, as on Linux")
@pytest.mark.parametrize("signum, status", [(signal.SIGTERM, 143), (signal.SIGKILL, -9)])
def test_workers_end_when_the_sweep_process_is_stopped_or_killed(tmp_path, signum, status):
    # The signal goes to the main process alone, as `kill PID` or the OOM killer sends it:
    # its worker processes and the resource tracker must not train on, adopted by init.
    proc, out = start_long_sweep_in_its_own_group(tmp_path)
    try:
        proc.send_signal(signum)
        # Returns only once every process holding the pipes (the workers) has ended.
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == status, err
        if signum == signal.SIGTERM:  # said once, with the command that resumes it
            assert err.count("\n") == 1 and "Resume with: " in err, err
        deadline = time.monotonic() + 60
        while group_alive(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not group_alive(proc.pid)
    finally:
        if group_alive(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.communicate()
    assert ChunkStore(out / "sw").finished()  # what was finished is kept
    assert sorted(p.name for p in out.iterdir()) == [".sw.chunks"]


def start_long_sweep_in_its_own_group(tmp_path) -> tuple[subprocess.Popen, Path]:
    """A sweep of 4 M starts on two worker processes, returned once a chunk is finished."""
    path = write_config(tmp_path, {"random": {"count": 4_000_000}}, train={"lr": 0.15,
                                                                          "epochs": 300})
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "lossexp", "sweep", str(path), "--outputs",
                             str(out), "--executor", "processes", "--workers", "2", "-q"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    while not list((out / ".sw.chunks").glob("chunk-*.npys")):  # training, for sure
        if proc.poll() is not None or time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            pytest.fail(f"no chunk finished: {proc.communicate()}")
        time.sleep(0.05)
    return proc, out


def group_alive(pgid: int) -> bool:
    """Whether a process of group ``pgid`` is still running (zombies, already dead, aside)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def parameters(args):
    """What the sweep command's parser makes of ``args``: every option's value."""
    command = typer.main.get_command(app).commands["sweep"]
    return command, command.make_context("sweep", [str(a) for a in args]).params


def test_no_rows_writes_no_sweep_csv_and_the_same_summary(tmp_path):
    path = write_config(tmp_path, GRID)
    full = lossexp("sweep", path, "--outputs", tmp_path / "full", "--workers", 1, "--no-plots")
    lean = lossexp("sweep", path, "--outputs", tmp_path / "lean", "--workers", 1, "--no-plots",
                   "--no-rows")
    assert full.exit_code == lean.exit_code == 0, lean.output
    files = run_files(tmp_path / "lean" / "sw")
    assert sorted(files) == [".lossexp.json", "config.yaml", "summary.json"]
    assert files["summary.json"] == run_files(tmp_path / "full" / "sw")["summary.json"]
    assert yaml.safe_load(files["config.yaml"])["sweep"]["rows"] is False


def test_rows_turns_them_back_on_where_the_config_turns_them_off(tmp_path):
    path = write_config(tmp_path, {**GRID, "rows": False})
    lean = lossexp("sweep", path, "--outputs", tmp_path / "lean", "--workers", 1, "--no-plots")
    full = lossexp("sweep", path, "--outputs", tmp_path / "full", "--workers", 1, "--no-plots",
                   "--rows")
    assert lean.exit_code == full.exit_code == 0, full.output
    assert "sweep.csv" not in run_files(tmp_path / "lean" / "sw")
    assert "sweep.csv" in run_files(tmp_path / "full" / "sw")


def test_the_resume_command_repeats_every_option_given(tmp_path, monkeypatch):
    def interrupted(cfg, outputs, **kwargs):
        store = ChunkStore(Path(outputs) / cfg["name"])  # a chunk was finished: resumable
        store.dir.mkdir(parents=True)
        store.save(0, b"")
        raise KeyboardInterrupt

    monkeypatch.setattr("lossexp.sweep.run_sweep", interrupted)
    original = [write_config(tmp_path, GRID), "--set", "train.epochs=20", "--set", "description=two words",
                "--outputs", tmp_path / "my out", "--executor", "dask", "--scheduler",
                "tcp://127.0.0.1:1", "--connect-timeout", 5, "--workers", 3, "--chunk-size", 8,
                "--no-plots", "--no-rows", "--report", "-q", "--debug"]
    command, given = parameters(original)
    unset = [p.name for p in command.params if given[p.name] == p.default]
    assert unset == ["resume"]  # the test gives every other option, so none can be dropped
    result = lossexp("sweep", *original)
    assert result.exit_code == 130
    args = shlex.split(result.stderr.split("Resume with: ")[1].strip())
    assert args[:2] == ["lossexp", "sweep"]
    _, resumed = parameters(args[2:])
    assert resumed == {**given, "resume": True}


def test_a_failing_chunk_exits_1_naming_it_and_the_resume_command(tmp_path, monkeypatch):
    fail_chunk(monkeypatch, 1)
    result = lossexp("sweep", write_config(tmp_path, GRID), "--outputs", tmp_path / "out",
                     "--workers", 1, "--chunk-size", 20)
    assert result.exit_code == 1
    assert "chunk 1 (series 'quadratic lr=0.15', starts 20..34" in result.stderr
    assert "MemoryError: simulated" in result.stderr
    assert "1 of 4 chunks failed" in result.stderr
    assert ChunkStore(tmp_path / "out" / "sw").finished() == {0, 2, 3}
    advice = result.stderr.splitlines()[-1]
    assert "If the cause was transient" in advice and "rerun without --resume" in advice


def test_when_every_chunk_fails_the_advice_is_to_run_again_not_to_resume(tmp_path,
                                                                         monkeypatch):
    for index in range(4):
        fail_chunk(monkeypatch, index)
    result = lossexp("sweep", write_config(tmp_path, GRID), "--outputs", tmp_path / "out",
                     "--workers", 1, "--chunk-size", 20)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == ("error: 4 of 4 chunks failed; nothing was kept. "
                                              "Once the cause is mended, run the same command "
                                              "again")
    assert list((tmp_path / "out").iterdir()) == []


def test_the_advice_after_a_failed_chunk_holds_both_ways(tmp_path, monkeypatch):
    path, out = write_config(tmp_path, GRID), tmp_path / "out"
    whole = lossexp("sweep", path, "--outputs", tmp_path / "whole", "--workers", 1, "-q")
    assert whole.exit_code == 0
    with monkeypatch.context() as patch:
        fail_chunk(patch, 1)
        failed = lossexp("sweep", path, "--outputs", out, "--workers", 1, "--chunk-size", 20)
    advice = failed.stderr.splitlines()[-1]
    command = advice.split("finish with: ")[1].split(". If the config")[0]
    chunks = advice.split("delete ")[1].split(" and rerun")[0]

    changed = lossexp("sweep", path, "--set", "train.lr=0.2", "--outputs", out, "--resume")
    assert changed.exit_code == 2 and "the config has changed" in changed.stderr
    shutil.copytree(out / ".sw.chunks", tmp_path / "kept")
    shutil.rmtree(chunks)  # a changed config: delete the chunks, rerun without --resume
    fresh = lossexp("sweep", path, "--set", "train.lr=0.2", "--outputs", out, "-q")
    assert fresh.exit_code == 0, fresh.output

    shutil.rmtree(out / "sw")  # back to the failed sweep: a transient cause resumes as is
    shutil.copytree(tmp_path / "kept", out / ".sw.chunks")
    resumed = lossexp(*shlex.split(command)[1:], "-q")
    assert resumed.exit_code == 0, resumed.output
    assert run_files(out / "sw") == run_files(tmp_path / "whole" / "sw")


def test_dask_executor_on_an_existing_cluster(tmp_path):
    distributed = pytest.importorskip("distributed")
    path = write_config(tmp_path, GRID)
    local = lossexp("sweep", path, "--outputs", tmp_path / "local", "--workers", 1, "--quiet")
    assert local.exit_code == 0
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  **QUIET_HTTP) as cluster:
        result = lossexp("sweep", path, "--outputs", tmp_path / "dask", "--executor", "dask",
                         "--scheduler", cluster.scheduler_address, "--quiet")
    assert result.exit_code == 0, result.output
    assert run_files(tmp_path / "dask" / "sw") == run_files(tmp_path / "local" / "sw")


@pytest.mark.parametrize("address", ["tcp://127.0.0.1:1", "nonsense://x"])
def test_a_scheduler_out_of_reach_exits_2_in_one_line_and_writes_nothing(tmp_path, address):
    pytest.importorskip("distributed")
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        result = lossexp("sweep", write_config(tmp_path, GRID), "--outputs", tmp_path / "out",
                         "--executor", "dask", "--scheduler", address)
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    note, error = lines[0], lines[-1]  # what it waits for, then why it gave up
    assert "Traceback" not in result.stderr, result.stderr
    assert note.startswith(f"connecting to the Dask scheduler at {address} (waiting up to 1 s")
    assert error.startswith(f"error: cannot reach the Dask scheduler at {address}: ")
    assert not (tmp_path / "out").exists()


def test_a_scheduler_out_of_reach_says_at_once_what_it_waits_for_as_long_as_told(tmp_path):
    pytest.importorskip("distributed")
    result = lossexp("sweep", write_config(tmp_path, GRID), "--outputs", tmp_path / "out",
                     "--executor", "dask", "--scheduler", "tcp://127.0.0.1:1",
                     "--connect-timeout", "0.5")
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert lines[0] == ("connecting to the Dask scheduler at tcp://127.0.0.1:1 (waiting up to "
                        "0.5 s; --connect-timeout sets it)")
    # The one line of lossexp's error comes last; under load Dask's own logger may say
    # something between (its retries), but nothing is a traceback.
    assert lines[-1].startswith("error: cannot reach the Dask scheduler at tcp://127.0.0.1:1 "
                                "(waited 0.5 s): ")
    assert "Traceback" not in result.stderr, result.stderr


def test_ctrl_c_while_waiting_for_a_scheduler_suggests_no_resume(tmp_path):
    pytest.importorskip("distributed")
    proc = subprocess.Popen([sys.executable, "-m", "lossexp", "sweep",
                             str(write_config(tmp_path, GRID)), "--outputs", str(tmp_path / "out"),
                             "--executor", "dask", "--scheduler", "tcp://127.0.0.1:1",
                             "--connect-timeout", "120"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr.readline().startswith("connecting to the Dask scheduler")
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err
    assert err == "error: interrupted before any chunk was finished; nothing was kept\n"
    assert not (tmp_path / "out").exists()


def test_outputs_that_is_a_file_exits_2_in_one_line_before_any_training(tmp_path, monkeypatch):
    def never(plan, chunk):
        raise AssertionError("trained")

    monkeypatch.setattr(driver, "train_chunk", never)
    afile = tmp_path / "afile"
    afile.write_text("mine\n")
    result = lossexp("sweep", write_config(tmp_path, GRID), "--outputs", afile)
    assert result.exit_code == 2
    assert result.stderr == f"error: --outputs {afile}: is not a directory\n"
    assert afile.read_text() == "mine\n"


def test_a_run_name_leading_outside_outputs_is_refused(tmp_path):
    cfg = {**load_sweep_config(write_config(tmp_path, GRID)), "name": ".."}
    with pytest.raises(LossexpError, match="would write outside"):
        run_sweep(cfg, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_the_command_and_the_library_run_chunks_on_the_same_default_executor(tmp_path, monkeypatch):
    pools = []
    real = driver.open_pool

    @contextlib.contextmanager
    def recording(*args, **kwargs):
        with real(*args, **kwargs) as pool:
            pools.append((args[:2], type(pool.pool).__name__))
            yield pool

    monkeypatch.setattr(driver, "open_pool", recording)
    path = write_config(tmp_path, GRID)
    for workers in (2, 1):
        cli = lossexp("sweep", path, "--outputs", tmp_path / f"cli{workers}", "--workers", workers, "-q")
        assert cli.exit_code == 0, cli.output
        run_sweep(load_sweep_config(path), tmp_path / f"api{workers}", workers=workers)
    local = (DEFAULT_EXECUTOR, 2), (DEFAULT_EXECUTOR, 1)
    assert pools == [(local[0], "ProcessPoolExecutor")] * 2 + [(local[1], "ThreadPoolExecutor")] * 2
    assert f"{DEFAULT_EXECUTOR} (the default)" in one_line(lossexp("sweep", "--help").stdout)


@pytest.mark.skipif(not neuron_kernel.available(), reason="the compiled kernel is not built")
@pytest.mark.parametrize("losses, kind", [(["quadratic", "cross_entropy"], "threads"),
                                          (["quadratic", "mae"], "processes")])
def test_local_trains_in_threads_when_no_python_holds_them_back(tmp_path, monkeypatch, losses,
                                                                kind):
    # With --no-rows and every series on the compiled kernel (mae is not), chunks release
    # the interpreter lock throughout: threads scale as processes do, and start at once.
    kinds = []
    real = executors.LocalPool.__init__

    def recording(self, kind, workers):
        kinds.append(kind)
        real(self, kind, workers)

    monkeypatch.setattr(executors.LocalPool, "__init__", recording)
    path = write_config(tmp_path, {**GRID, "losses": losses})
    done = lossexp("sweep", path, "--outputs", tmp_path / "out", "--workers", 2, "--no-rows", "-q")
    assert done.exit_code == 0, done.output
    assert kinds == [kind]


def test_the_command_offers_every_executor_of_the_library():
    assert [e.value for e in Executor] == list(EXECUTORS)


# --- the progress bar ------------------------------------------------------------------------

def terminal():
    return Console(file=io.StringIO(), force_terminal=True, width=200)


def test_the_progress_bar_shows_the_rate_and_time_left_of_the_chunks_still_to_train(tmp_path):
    # Per series: chunk 0 of 600 000 starts and chunk 1 of 400 000; chunks 2 and 3 likewise.
    cfg = load_sweep_config(write_config(tmp_path, {"random": {"count": 1_000_000},
                                                    "losses": ["quadratic", "cross_entropy"]}))
    plan = Plan(cfg, 600_000)
    clock, term = FakeClock(), terminal()
    progress = SweepProgress(False, console=term, clock=clock)
    progress.start(plan, frozenset({1}))  # the small chunk 1 was finished by an earlier call
    left = (600_000 + 600_000 + 400_000) * 300  # neuron-epochs still to train
    shown = []
    for index, seconds in ((0, 20.0), (3, 10.0)):
        clock.now += seconds
        term.file.seek(0)
        term.file.truncate()
        progress.advance(plan.chunk(index), plan.chunk(index).size * 300)
        shown.append(" ".join(term.file.getvalue().split()))
    progress.stop()
    # chunk 0: 180 M neuron-epochs in 20 s, 9 M/s; 300 M left take 33 s at that rate
    assert 600_000 * 300 / 20 == 9e6 and (left - 180e6) / 9e6 == pytest.approx(33.3, abs=0.1)
    assert "2/4 chunks 9 M neuron-epochs/s 0:00:33 left" in shown[0]
    # then chunk 3: 300 M in 30 s, 10 M/s; the last 180 M take 18 s
    assert "3/4 chunks 10 M neuron-epochs/s 0:00:18 left" in shown[1]


@pytest.mark.parametrize("quiet, is_terminal", [(True, True), (False, False)])
def test_no_progress_bar_when_quiet_or_not_on_a_terminal(tmp_path, quiet, is_terminal):
    term = Console(file=io.StringIO(), force_terminal=is_terminal)
    progress = SweepProgress(quiet, console=term)
    plan = Plan(load_sweep_config(write_config(tmp_path, GRID)), 8)
    progress.start(plan, frozenset())
    progress.advance(plan.chunk(0), 8 * 300)
    progress.stop()
    assert term.file.getvalue() == ""


def test_abandoning_worker_processes_ends_their_pool_cleanly():
    # Ctrl-C during a sweep: the chunks in flight are dropped and the workers ended. The
    # queued chunks used to be cancelled first, and the pool's manager thread then died of
    # InvalidStateError failing them (a traceback on stderr; now and then a hang at exit).
    pool = executors.LocalPool("processes", 1)
    futures = [pool.submit(time.sleep, 60) for _ in range(4)]
    deadline = time.monotonic() + 60
    while not futures[0].running() and time.monotonic() < deadline:
        time.sleep(0.01)
    manager = pool.pool._executor_manager_thread
    pool.cancel(futures)
    pool.abandon()
    assert not manager.is_alive()  # it ended; the interpreter's exit will not wait on it
    assert all(f.done() and not f.cancelled() for f in futures)
    assert all(isinstance(f.exception(), Exception) for f in futures)  # BrokenProcessPool


def test_the_resume_command_names_a_shipped_config_as_it_was_typed(tmp_path):
    from lossexp.cli.sweep import resume_command
    from lossexp.config import shipped

    def command(config):
        return resume_command(config, sets=[], outputs=Path("outputs"), executor=None,
                              scheduler=None, workers=None, chunk_size=None, plots=None,
                              rows=None, quiet=False, debug=False)

    assert command(shipped.resolve("sweep_random")).startswith("lossexp sweep sweep_random ")
    mine = tmp_path / "sweep_random.yaml"  # a file of the user's keeps its path
    assert command(mine).startswith(f"lossexp sweep {mine} ")
