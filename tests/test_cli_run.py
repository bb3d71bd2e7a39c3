"""`lossexp run`: the run directory, --set, --outputs, atomic reruns, Ctrl-C and start-up."""

from __future__ import annotations

import io
import math
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy
import pytest
import yaml
from conftest import NEURON_CONFIG as BASE
from conftest import FakeClock

from lossexp import __version__
from lossexp.cli.progress import epoch_progress


def first_update(lr: float) -> float:
    """w after one step of the quadratic cost from w = b = 2 at x = 1, y = 0, in plain Python."""
    a = 1.0 / (1.0 + math.exp(-4.0))
    delta = (a - 0.0) * a * (1.0 - a)  # dC/da * sigma'(z)
    return 2.0 - lr * delta * 1.0


def metrics(run_dir) -> dict[str, list[float]]:
    header, *rows = (run_dir / "metrics.csv").read_text().splitlines()
    columns = header.split(",")
    return {c: [float(r.split(",")[i]) for r in rows] for i, c in enumerate(columns)}


def snapshot(directory) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def tree(directory) -> dict[str, bytes | str]:
    """Every path under ``directory``: a file's bytes, a link's target, "dir" for a folder."""
    found = {}
    for path in sorted(Path(directory).rglob("*")):
        rel = str(path.relative_to(directory))
        found[rel] = (f"-> {os.readlink(path)}" if path.is_symlink() else
                      "dir" if path.is_dir() else path.read_bytes())
    return found


def run_ok(cli, *args):
    result = cli("run", *args)
    assert result.exit_code == 0, result.stderr
    return result


# --- the run directory ------------------------------------------------------------------------

def test_run_writes_every_file_and_prints_the_summary(cli, write_config, tmp_path):
    result = run_ok(cli, write_config(BASE), "--outputs", tmp_path / "out")
    run_dir = tmp_path / "out" / "probe"
    expected = {"config.yaml", "metrics.csv", "summary.json"} | {
        f"{plot}.{ext}" for plot in ("loss", "gradients", "saturation") for ext in ("png", "svg")}
    assert expected <= {p.name for p in run_dir.iterdir()}
    assert len(metrics(run_dir)["epoch"]) == 5 + 1
    assert "initial output" in result.stdout and f"written to {run_dir}" in result.stdout
    assert result.stderr == ""  # no progress bar: not a terminal, and the run is quick


def test_quiet_prints_nothing(cli, write_config, tmp_path):
    result = run_ok(cli, write_config(BASE), "--outputs", tmp_path / "out", "--quiet",
                    "--no-plots")
    assert (result.stdout, result.stderr) == ("", "")


def test_config_yaml_is_the_resolved_config_with_versions(cli, write_config, tmp_path):
    run_ok(cli, write_config(BASE), "--outputs", tmp_path / "out", "-q", "--no-plots")
    saved = yaml.safe_load((tmp_path / "out" / "probe" / "config.yaml").read_text())
    assert saved["versions"] == {"lossexp": __version__, "numpy": numpy.__version__}
    assert saved["target"] == {"tolerance": 0.1, "plateau_fraction": 0.1}  # default filled
    assert saved["train"]["seed"] == 0 and saved["model"]["activation"] == {"name": "sigmoid"}
    assert saved["plots"] is False  # --no-plots: the run drew none, and says so


@pytest.mark.parametrize("flag, drawn", [((), False), (("--plots",), True)])
def test_the_plots_flag_overrides_the_config_either_way(cli, write_config, tmp_path, flag, drawn):
    run_ok(cli, write_config(BASE + "plots: false\n"), "--outputs", tmp_path / "out", "-q", *flag)
    assert (tmp_path / "out" / "probe" / "loss.png").exists() is drawn
    saved = yaml.safe_load((tmp_path / "out" / "probe" / "config.yaml").read_text())
    assert saved["plots"] is drawn


def test_a_run_directory_config_runs_again_to_the_same_metrics(cli, write_config, tmp_path):
    run_ok(cli, write_config(BASE), "--outputs", tmp_path / "a", "-q", "--no-plots",
           "--set", "train.lr=0.4")
    run_ok(cli, tmp_path / "a" / "probe" / "config.yaml", "--outputs", tmp_path / "b", "-q",
           "--no-plots")
    first, again = tmp_path / "a" / "probe", tmp_path / "b" / "probe"
    assert (first / "metrics.csv").read_bytes() == (again / "metrics.csv").read_bytes()
    assert (first / "config.yaml").read_bytes() == (again / "config.yaml").read_bytes()


def test_the_name_defaults_to_the_file_stem(cli, write_config, tmp_path):
    path = write_config(BASE.replace("name: probe\n", ""), "my_run.v2.yaml")
    run_ok(cli, path, "--outputs", tmp_path / "out", "-q", "--no-plots")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["my_run.v2"]


# --- --set ------------------------------------------------------------------------------------

def test_set_changes_the_run_and_is_recorded(cli, write_config, tmp_path):
    path = write_config(BASE)
    run_ok(cli, path, "--outputs", tmp_path / "plain", "-q", "--no-plots")
    run_ok(cli, path, "--outputs", tmp_path / "set", "-q", "--no-plots", "--set", "train.lr=0.3")
    plain, changed = tmp_path / "plain" / "probe", tmp_path / "set" / "probe"
    assert metrics(plain)["w"][1] == pytest.approx(first_update(0.15), rel=1e-15)
    assert metrics(changed)["w"][1] == pytest.approx(first_update(0.3), rel=1e-15)
    saved = yaml.safe_load((changed / "config.yaml").read_text())
    assert saved["train"]["lr"] == 0.3
    assert saved["versions"]["lossexp"] == __version__


def test_sets_apply_in_order_and_can_add_sections(cli, write_config, tmp_path):
    text = BASE.replace("target: {tolerance: 0.1}\n", "")
    run_ok(cli, write_config(text), "--outputs", tmp_path / "out", "-q", "--no-plots",
           "--set", "train.epochs=7", "--set", "train.epochs=3",
           "--set", "target.tolerance=0.5", "--set", "model.init={w: 0.6, b: 0.9}",
           "--set", "name=renamed")
    saved = yaml.safe_load((tmp_path / "out" / "renamed" / "config.yaml").read_text())
    assert saved["train"]["epochs"] == 3
    assert saved["target"]["tolerance"] == 0.5
    assert saved["model"]["init"] == {"w": 0.6, "b": 0.9}
    assert len(metrics(tmp_path / "out" / "renamed")["epoch"]) == 4


# --- --outputs --------------------------------------------------------------------------------

def test_outputs_defaults_to_outputs_in_the_working_directory(cli, write_config, tmp_path,
                                                               monkeypatch):
    path = write_config(BASE)
    monkeypatch.chdir(tmp_path)
    run_ok(cli, path, "-q", "--no-plots")
    assert (tmp_path / "outputs" / "probe" / "summary.json").is_file()


def test_outputs_may_be_a_new_nested_directory(cli, write_config, tmp_path):
    run_ok(cli, write_config(BASE), "--outputs", tmp_path / "a" / "b" / "c", "-q", "--no-plots")
    assert (tmp_path / "a" / "b" / "c" / "probe" / "metrics.csv").is_file()


# --- reruns replace the run directory atomically ----------------------------------------------

def test_a_rerun_replaces_the_whole_run_directory(cli, write_config, tmp_path):
    path, outputs = write_config(BASE), tmp_path / "out"
    run_ok(cli, path, "--outputs", outputs, "-q", "--no-plots")
    run_ok(cli, path, "--outputs", outputs, "-q", "--plots")
    (outputs / "probe" / "loss.png").write_text("an older run's figure, edited")
    rerun = cli("run", path, "--outputs", outputs, "--no-plots", "--set", "train.lr=0.3")
    assert rerun.exit_code == 0, rerun.stderr
    assert rerun.stdout.splitlines()[-1] == f"replaced the earlier run in {outputs / 'probe'}"
    assert not (outputs / "probe" / "loss.png").exists()  # its files, not a mixture
    assert metrics(outputs / "probe")["w"][1] == pytest.approx(first_update(0.3), rel=1e-15)
    assert [p.name for p in outputs.iterdir()] == ["probe"]  # no temporary directories


@pytest.mark.parametrize("name", ["configs", "notes.txt", "link"])
def test_a_path_lossexp_did_not_write_is_never_replaced(cli, write_config, tmp_path, name):
    path = write_config(BASE)
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "mine.yaml").write_text("precious")
    (tmp_path / "notes.txt").write_text("precious")
    (tmp_path / "link").symlink_to(tmp_path / "configs")
    before = tree(tmp_path)
    result = cli("run", path, "--outputs", tmp_path, "--set", f"name={name}")
    assert result.exit_code == 2
    assert result.stderr == (f"error: {tmp_path / name} exists and is not a directory lossexp "
                             "wrote: refusing to replace it (choose another name or --outputs)\n")
    assert tree(tmp_path) == before


def test_a_run_directory_holding_files_a_user_added_is_refused_not_replaced(cli, write_config,
                                                                           tmp_path):
    path, outputs = write_config(BASE), tmp_path / "out"
    run_ok(cli, path, "--outputs", outputs, "-q", "--no-plots")
    (outputs / "probe" / "notes").mkdir()
    (outputs / "probe" / "notes" / "mine.txt").write_text("precious")
    before = tree(outputs)
    result = cli("run", path, "--outputs", outputs, "-q", "--no-plots")
    assert result.exit_code == 2
    assert "holds files lossexp did not write (notes, notes/mine.txt)" in result.stderr
    assert tree(outputs) == before


def test_a_folder_without_a_marker_is_refused_however_like_a_run_it_looks(cli, write_config,
                                                                         tmp_path):
    """Only lossexp's marker says a folder is its own: a user's folder holding a
    summary.json, a config.yaml and a photo was once taken for an old run and replaced."""
    path, outputs = write_config(BASE), tmp_path / "out"
    mine = outputs / "probe"
    mine.mkdir(parents=True)
    for name, text in (("config.yaml", "precious"), ("summary.json", "{}"), ("holiday.png", "x")):
        (mine / name).write_text(text)
    before = tree(outputs)
    result = cli("run", path, "--outputs", outputs, "-q", "--no-plots")
    assert result.exit_code == 2 and "is not a directory lossexp wrote" in result.stderr
    assert tree(outputs) == before


@pytest.mark.parametrize("failure, exit_code", [(RuntimeError("disk on fire"), 1),
                                                (KeyboardInterrupt(), 130)])
def test_a_failure_while_saving_keeps_the_previous_run(cli, write_config, tmp_path, monkeypatch,
                                                       failure, exit_code):
    path, outputs = write_config(BASE), tmp_path / "out"
    run_ok(cli, path, "--outputs", outputs, "-q", "--no-plots")
    before = snapshot(outputs / "probe")

    import lossexp.output.serialize

    def fail(*args, **kwargs):
        raise failure

    monkeypatch.setattr(lossexp.output.serialize, "json_text", fail)
    result = cli("run", path, "--outputs", outputs, "-q", "--no-plots", "--set", "train.lr=0.3")
    assert result.exit_code == exit_code
    assert len(result.stderr.splitlines()) == 1
    assert snapshot(outputs / "probe") == before
    assert [p.name for p in outputs.iterdir()] == ["probe"]


# --- Ctrl-C -------------------------------------------------------------------------------------

def test_ctrl_c_during_training_exits_130_and_writes_nothing(cli, write_config, tmp_path,
                                                             monkeypatch):
    import lossexp.run.experiment

    def interrupted(cfg, on_epoch=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(lossexp.run.experiment, "run_experiment", interrupted)
    result = cli("run", write_config(BASE), "--outputs", tmp_path / "out")
    assert result.exit_code == 130
    assert result.stderr.startswith("error: interrupted") and len(result.stderr.splitlines()) == 1
    assert not (tmp_path / "out").exists()


ANNOUNCING_DRIVER = """
import sys
from pathlib import Path
import lossexp.run.experiment as experiment

train = experiment.run_experiment

def announced(cfg, on_epoch=None):
    # Announce from inside the training loop: a SIGINT that lands while NumPy is still
    # importing a compiled submodule can be lost inside that module's initialisation.
    def tick(done):
        if done == 1:
            print("training", flush=True)
        if on_epoch:
            on_epoch(done)
    return train(cfg, on_epoch=tick)

experiment.run_experiment = announced
from lossexp.cli import main
sys.argv = ["lossexp", *sys.argv[1:]]
main()
"""


def test_a_real_sigint_during_a_long_run_exits_130(write_config, tmp_path):
    path = write_config(BASE.replace("epochs: 5", "epochs: 2000000"))
    proc = subprocess.Popen([sys.executable, "-c", ANNOUNCING_DRIVER, "run", str(path),
                             "--outputs", str(tmp_path / "out"), "--no-plots"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline() == "training\n"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130
    assert err.startswith("error: interrupted") and len(err.splitlines()) == 1
    assert not (tmp_path / "out").exists()


SIGNALLING_SAVER = """
import os, signal, sys
import lossexp.output.figure_files as figure_files

fork, save_as, parent = os.fork, figure_files._save_as, os.getpid()
signum = getattr(signal, sys.argv[1])

def noted_fork():
    pid = fork()
    if pid:
        print(pid, flush=True)  # the plotting child, for the test to look for afterwards
    return pid

def save_then_signal(*args):
    if os.getpid() == parent:  # the parent, while its child is plotting too
        os.kill(parent, signum)
    return save_as(*args)

os.fork, figure_files._save_as = noted_fork, save_then_signal
from lossexp.cli import main
sys.argv = ["lossexp", *sys.argv[2:]]
main()
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="plots fork only on Linux")
@pytest.mark.parametrize("name, status", [("SIGTERM", 143), ("SIGHUP", 129)])
def test_sigterm_or_sighup_while_saving_leaves_the_earlier_run_and_no_debris(
        cli, write_config, tmp_path, name, status):
    path, outputs = write_config(BASE), tmp_path / "out"
    run_ok(cli, path, "--outputs", outputs, "-q", "--no-plots")
    before = tree(outputs)
    proc = subprocess.Popen([sys.executable, "-c", SIGNALLING_SAVER, name, "run", str(path),
                             "--outputs", str(outputs), "--plots", "--set", "train.lr=0.3"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == status, err
    assert err == (f"error: stopped by {name}; finished results are kept, nothing "
                   "half-written was left\n")
    assert tree(outputs) == before  # the earlier run, whole; no .probe.building-* directory
    child = int(out.split()[0])
    with pytest.raises(ProcessLookupError):  # ended and reaped, not plotting on
        os.kill(child, 0)


# --- the progress bar ------------------------------------------------------------------------

def terminal():
    from rich.console import Console

    return Console(file=io.StringIO(), force_terminal=True, width=80)


def test_a_quick_run_shows_no_progress_bar():
    clock, term = FakeClock(), terminal()
    with epoch_progress(1000, "training quick", False, console=term, clock=clock) as tick:
        for done in range(1, 1001):
            clock.now += 0.1 / 1000  # the whole run takes 0.1 s
            tick(done)
    assert term.file.getvalue() == ""


def test_a_slow_run_shows_a_progress_bar_once_it_has_taken_a_moment():
    clock, term = FakeClock(), terminal()
    with epoch_progress(1000, "training slow", False, console=term, clock=clock) as tick:
        for done in range(1, 1001):
            clock.now += 10.0 / 1000  # the whole run takes 10 s
            tick(done)
            if done == 40:  # 0.4 s in: still nothing
                assert term.file.getvalue() == ""
    shown = term.file.getvalue()
    assert "training slow" in shown and "1000/1000" in shown


@pytest.mark.parametrize("quiet, is_terminal", [(True, True), (False, False)])
def test_no_progress_bar_when_quiet_or_not_on_a_terminal(quiet, is_terminal):
    from rich.console import Console

    term = Console(file=io.StringIO(), force_terminal=is_terminal)
    with epoch_progress(10, "x", quiet, console=term) as tick:
        assert tick is None


# --- start-up ---------------------------------------------------------------------------------

def test_python_dash_m_lossexp_runs(write_config, tmp_path):
    done = subprocess.run([sys.executable, "-m", "lossexp", "run", str(write_config(BASE)),
                           "--outputs", str(tmp_path / "out"), "--quiet", "--no-plots"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "probe" / "summary.json").is_file()


HEAVY_MODULES_AFTER = """
import sys
from pathlib import Path
from lossexp.cli import app
sys.argv = ["lossexp", *sys.argv[1:]]
try:
    app(prog_name="lossexp")  # what main() runs, without main()'s fast exit
except SystemExit as exit:
    assert exit.code in (0, None), exit.code
print(sorted(m for m in sys.modules
             if m.split(".")[0] in ("numpy", "matplotlib") or m == "lossexp.train.engine"))
"""


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"], ["report", "--help"], ["--version"]])
def test_help_imports_neither_numpy_nor_matplotlib(args):
    done = subprocess.run([sys.executable, "-c", HEAVY_MODULES_AFTER, *args],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONWARNINGS": "error"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[]"
    assert "Usage" in done.stdout or "lossexp" in done.stdout


@pytest.mark.parametrize("command, usage", [
    ("run", "lossexp run [OPTIONS] CONFIG"),
    ("compare", "lossexp compare [OPTIONS] RUN_DIR..."),
    ("check", "lossexp check [OPTIONS] CONFIG..."),
    ("demo", "lossexp demo [OPTIONS] [NAME]"),
    ("explain", "lossexp explain [OPTIONS] LOSS ACTIVATION"),
])
def test_usage_lines_say_which_arguments_repeat_and_which_are_optional(cli, command, usage):
    done = cli(command, "--help")
    assert done.exit_code == 0
    assert done.stdout.splitlines()[0] == f"Usage: {usage}"


def test_a_finished_run_leaves_early_with_its_output_flushed(tmp_path, write_config):
    """main() skips the interpreter's teardown after success: nothing printed may be lost."""
    done = subprocess.run([sys.executable, "-m", "lossexp", "run", str(write_config(BASE)),
                           "--outputs", str(tmp_path / "out"), "--no-plots"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith(f"written to {tmp_path / 'out' / 'probe'}")
    assert (tmp_path / "out" / "probe" / "summary.json").is_file()


# --- long runs ---------------------------------------------------------------------------------

def test_record_every_thins_metrics_csv_but_not_the_summary(cli, write_config, tmp_path):
    path = write_config(BASE.replace("epochs: 5", "epochs: 1001"))
    run_ok(cli, path, "--outputs", tmp_path / "all", "-q", "--no-plots")
    run_ok(cli, path, "--outputs", tmp_path / "thin", "-q", "--no-plots",
           "--set", "train.record_every=100")
    every, thin = metrics(tmp_path / "all" / "probe"), metrics(tmp_path / "thin" / "probe")
    assert thin["epoch"] == [*range(0, 1001, 100), 1001]  # the last epoch always
    kept = [int(e) for e in thin["epoch"]]
    assert thin["loss"] == [every["loss"][e] for e in kept]
    assert ((tmp_path / "thin" / "probe" / "summary.json").read_bytes()
            == (tmp_path / "all" / "probe" / "summary.json").read_bytes())


def test_metrics_csv_written_in_blocks_is_the_same_bytes():
    from lossexp.output import serialize

    columns = {"epoch": numpy.arange(10), "loss": numpy.linspace(0, 1, 10) ** 3,
               "flag": numpy.arange(10) % 2 == 0}
    assert "".join(serialize.csv_blocks(columns, block=3)) == serialize.csv_text(columns)


def test_figures_draw_at_most_a_few_thousand_epochs():
    from lossexp.run.figures import FIGURE_POINTS, thinned

    long = {"epoch": numpy.arange(1_000_001), "loss": numpy.arange(1_000_001.0)}
    drawn = thinned(long)
    assert 1000 < len(drawn["epoch"]) <= FIGURE_POINTS <= 5000
    assert drawn["epoch"][0] == 0 and drawn["epoch"][-1] == 1_000_000
    assert numpy.array_equal(drawn["loss"], drawn["epoch"].astype(float))
    short = {"epoch": numpy.arange(300), "loss": numpy.zeros(300)}
    assert thinned(short) is short  # the shipped configs draw every epoch, as before


def test_epochs_beyond_the_recording_limit_are_refused_quoting_it(cli, write_config, tmp_path):
    path = write_config(BASE)
    result = cli("run", path, "--set", "train.epochs=10000000", "--outputs", tmp_path / "out")
    assert result.exit_code == 2 and not (tmp_path / "out").exists()
    assert result.stderr.startswith("error: --set train.epochs=10000000: train.epochs: 1e+07 "
                                    "epochs would need 763 MiB to record, more than the 256 MiB")


def test_help_lists_the_commands_in_the_order_a_user_meets_them(cli):
    from lossexp.cli._app import COMMAND_ORDER

    lines = cli("--help").stdout.split("Commands:", 1)[1].splitlines()
    listed = [line.split()[0] for line in lines if line.startswith("  ") and line.split()]
    assert listed == list(COMMAND_ORDER)  # every command, run first


def test_a_sigterm_whose_exception_a_finaliser_swallowed_still_stops_the_command(
        cli, write_config, tmp_path, monkeypatch):
    """Python reports an exception raised in a finaliser or weakref callback and goes on:
    a SIGTERM landing there (1 in about 80) let the command finish with exit 0."""
    import time

    import lossexp.run.experiment
    from lossexp.errors import Stopped

    real = lossexp.run.experiment.run_experiment

    def swallowed(cfg, on_epoch=None):
        try:  # what Python does to an exception raised in a __del__
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(1)
        except Stopped:
            pass
        return real(cfg, on_epoch=on_epoch)

    monkeypatch.setattr(lossexp.run.experiment, "run_experiment", swallowed)
    result = cli("run", write_config(BASE), "--outputs", tmp_path / "out", "--no-plots")
    assert result.exit_code == 143, result.output


def test_a_sigterm_that_a_library_turned_into_its_own_error_still_exits_143(
        cli, write_config, tmp_path, monkeypatch):
    """A signal landing inside matplotlib's C code came out as a TypeError: 'internal
    error', exit 1, where the user had asked the command to stop."""
    import time

    import lossexp.run.experiment
    from lossexp.errors import Stopped

    def converted(cfg, on_epoch=None):
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(1)
        except Stopped as exc:
            raise TypeError("incompatible function arguments") from exc

    monkeypatch.setattr(lossexp.run.experiment, "run_experiment", converted)
    result = cli("run", write_config(BASE), "--outputs", tmp_path / "out", "--no-plots")
    assert result.exit_code == 143 and "internal error" not in result.stderr, result.stderr
