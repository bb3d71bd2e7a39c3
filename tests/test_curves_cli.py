"""lossexp baseline / check / compare, and lossexp.testing.assert_curve_matches."""

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from lossexp.cli import app
from lossexp.config import load_config
from lossexp.curves import baselines
from lossexp.output.text import cell
from lossexp.run.experiment import run_experiment
from lossexp.run.save import save_run
from lossexp.testing import assert_curve_matches
from lossexp.train.engine import Network

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ROOT / "configs"
COMMITTED = ROOT / "tests" / "baselines"
NEURONS = ["mse_lucky", "mse_unlucky", "ce_lucky", "ce_unlucky", "ce_unlucky_same_lr"]


def lossexp(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def config(name: str) -> Path:
    return CONFIGS / f"{name}.yaml"


def rows_of(output: str) -> dict[str, list[str]]:
    """The failure table's rows by field name (cells are separated by 2+ spaces)."""
    rows = {}
    for line in output.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) >= 4:
            rows[cells[0]] = cells[1:]
    return rows


@pytest.fixture
def made(tmp_path):
    """Fresh baselines of mse_unlucky and ce_unlucky_same_lr in tmp_path/bl."""
    directory = tmp_path / "bl"
    result = lossexp("baseline", config("mse_unlucky"), config("ce_unlucky_same_lr"),
                     "--dir", directory)
    assert result.exit_code == 0, result.output
    return directory


def edit(path: Path, change) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data, indent=2))


# --- the check has teeth -------------------------------------------------------------------

ORIGINAL_DELTA = Network.output_delta


def _without_sigma_prime(self, z, a, y, loss_params=(), slope=None):
    """The generic delta with its sigma'(z) factor replaced by 1 (so quadratic: a - y)."""
    if self.fused:
        return ORIGINAL_DELTA(self, z, a, y, loss_params, slope)
    return ORIGINAL_DELTA(self, z, a, y, loss_params, np.ones_like(z))


def _cross_entropy_through_sigma_prime(self, z, a, *rest):
    """A broken fix: the fused cross-entropy delta a - y multiplied by sigma'(z) again."""
    delta = ORIGINAL_DELTA(self, z, a, *rest)
    return delta * self.output_activation.grad(z) if self.fused else delta


def test_committed_baseline_catches_the_plateau_disappearing(monkeypatch):
    assert lossexp("check", config("mse_unlucky"), "--dir", COMMITTED).exit_code == 0
    monkeypatch.setattr(Network, "output_delta", _without_sigma_prime)
    patched = run_experiment(load_config(config("mse_unlucky"))).metrics
    assert patched["delta"].tolist() == patched["output"].tolist()  # dC/dz = a - y, y = 0
    result = lossexp("check", config("mse_unlucky"), "--dir", COMMITTED)
    assert result.exit_code == 1, result.output
    assert "FAILED  mse_unlucky" in result.stdout
    expected, got, _tolerance = rows_of(result.stdout)["plateau_epochs"][:3]
    committed = json.loads((COMMITTED / "mse_unlucky.json").read_text())
    assert int(expected) == committed["features"]["plateau_epochs"] >= 100
    assert int(got) == 0


def test_committed_baseline_catches_cross_entropy_slowing_down(monkeypatch):
    monkeypatch.setattr(Network, "output_delta", _cross_entropy_through_sigma_prime)
    result = lossexp("check", config("ce_unlucky_same_lr"), "--dir", COMMITTED)
    assert result.exit_code == 1, result.output
    rows = rows_of(result.stdout)
    assert rows["epochs_to_target"][:2] == ["50", "null"]
    assert int(rows["half_way_epochs"][1]) > 100  # half its fall: 8 epochs before, 183 now


def test_every_committed_neuron_baseline_passes():
    result = lossexp("check", *[config(n) for n in NEURONS], "--dir", COMMITTED)
    assert result.exit_code == 0, result.output
    assert result.stdout.count("ok ") == len(NEURONS)


# --- tolerances ----------------------------------------------------------------------------

@pytest.mark.parametrize("expected, got, rtol, atol, ok", [
    (100, 104, 0.02, 2, True),          # exactly at the edge: 2 + 0.02 * 100 = 4
    (100, 96, 0.02, 2, True),
    (100, 104.5, 0.02, 2, False),
    (-0.5, -0.5005, 1e-3, 0.0, True),   # rtol is relative to |expected|
    (-0.5, -0.5006, 1e-3, 0.0, False),
    (0.0, 1e-9, 0.5, 1e-9, True),       # near zero only atol helps
    (0.0, 2e-9, 0.5, 1e-9, False),
    (None, None, 0.0, 0.0, True),       # never reached, both times
    (None, 50, 1.0, 1e6, False),        # reached now, never before: no tolerance helps
    (50, None, 1.0, 1e6, False),
    (True, True, 0.0, 0.0, True),
    (False, 0, 0.0, 0.0, False),        # a flag is not a number
])
def test_within(expected, got, rtol, atol, ok):
    assert baselines.within(expected, got, baselines.Tolerance(rtol, atol)) is ok


def test_an_edited_tolerance_is_honoured_to_the_edge(made):
    path = made / "mse_unlucky.json"
    plateau = json.loads(path.read_text())["features"]["plateau_epochs"]

    def shift(atol):
        def change(data):
            data["features"]["plateau_epochs"] = plateau + 4
            data["tolerances"]["plateau_epochs"] = {"rtol": 0, "atol": atol}
        return change

    edit(path, shift(4))
    assert lossexp("check", config("mse_unlucky"), "--dir", made).exit_code == 0
    edit(path, shift(3.5))
    result = lossexp("check", config("mse_unlucky"), "--dir", made)
    assert result.exit_code == 1
    assert rows_of(result.stdout)["plateau_epochs"][:3] == \
        [str(plateau + 4), str(plateau), "±3.5 (rtol 0, atol 3.5)"]
    assert len(rows_of(result.stdout)) == 2  # the header and the one failing field


def test_floating_point_noise_passes(made):
    """A baseline off by 1e-12 relative in every number (another machine's rounding) passes."""
    def nudge(data):
        for name, value in data["features"].items():
            if isinstance(value, float):
                data["features"][name] = value * (1 + 1e-12)
        data["curve"]["loss"] = [v * (1 - 1e-12) for v in data["curve"]["loss"]]
    edit(made / "mse_unlucky.json", nudge)
    assert lossexp("check", config("mse_unlucky"), "--dir", made).exit_code == 0


def test_a_changed_curve_point_names_its_epoch(made):
    def bend(data):
        data["curve"]["loss"][10] *= 1.01
    edit(made / "mse_unlucky.json", bend)
    result = lossexp("check", config("mse_unlucky"), "--dir", made)
    assert result.exit_code == 1
    epoch = json.loads((made / "mse_unlucky.json").read_text())["curve"]["epoch"][10]
    assert f"curve.loss @ epoch {epoch}" in result.stdout
    assert "1 of 101 points out of tolerance" in result.stdout


# --- missing and extra fields --------------------------------------------------------------

def test_a_field_the_run_no_longer_reports_fails(made):
    edit(made / "mse_unlucky.json", lambda d: d["features"].update(retired_feature=1.5))
    result = lossexp("check", config("mse_unlucky"), "--dir", made)
    assert result.exit_code == 1
    assert rows_of(result.stdout)["retired_feature"][:2] == ["1.5", "(missing)"]


def test_a_field_the_baseline_lacks_is_reported_and_recorded_by_baseline(made):
    path = made / "mse_unlucky.json"

    def drop(data):
        del data["features"]["saturated_fraction"], data["tolerances"]["saturated_fraction"]
    edit(path, drop)
    result = lossexp("check", config("mse_unlucky"), "--dir", made)
    assert result.exit_code == 0, result.output
    assert "not in the baseline yet: saturated_fraction" in result.stdout
    result = lossexp("baseline", config("mse_unlucky"), "--dir", made)
    assert "rewrote (new saturated_fraction)" in result.stdout
    assert "saturated_fraction" in json.loads(path.read_text())["features"]


# --- unreadable baselines ------------------------------------------------------------------

@pytest.mark.parametrize("text, message", [
    ('{"format": 1, "features": {', "mse_unlucky.json:1: not valid JSON"),
    ("[1, 2]", "mse_unlucky.json: the top level must be a JSON object"),
    ('{"format": 1}', "mse_unlucky.json: features: missing (is this a lossexp baseline?)"),
    (None, "tolerances.final_loss.rtol: must be a number >= 0, got -1"),
    (None, "tolerances.final_los: no such field in 'features'"),
    (None, "features.plateau_epochs: must be a number, true/false or null"),
    (None, "is not allowed (write null for a non-finite value)"),
    (b"\xff\xfe\x00", "not a baseline: the file is not UTF-8 text"),
])
def test_a_corrupted_baseline_exits_2_with_a_clear_message(made, text, message):
    path = made / "mse_unlucky.json"
    good = json.loads(path.read_text())
    if isinstance(text, bytes):
        path.write_bytes(text)
    elif text is not None:
        path.write_text(text)
    elif "rtol" in message:
        good["tolerances"]["final_loss"]["rtol"] = -1
        path.write_text(json.dumps(good))
    elif "final_los:" in message:
        good["tolerances"]["final_los"] = {"rtol": 0.1, "atol": 0}
        path.write_text(json.dumps(good))
    elif "plateau_epochs" in message:
        good["features"]["plateau_epochs"] = "120"
        path.write_text(json.dumps(good))
    else:
        path.write_text(json.dumps(good).replace('"final_loss": 0', '"final_loss": NaN, "x": 0', 1))
    result = lossexp("check", config("ce_unlucky_same_lr"), config("mse_unlucky"), "--dir", made)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "lossexp baseline --update" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""  # nothing was checked before the bad file was found


def test_baseline_refuses_to_overwrite_an_unreadable_file_unless_told(made):
    path = made / "mse_unlucky.json"
    path.write_text("not json")
    result = lossexp("baseline", config("mse_unlucky"), "--dir", made)
    assert result.exit_code == 2 and path.read_text() == "not json"
    result = lossexp("baseline", "--update", config("mse_unlucky"), "--dir", made)
    assert result.exit_code == 0, result.output
    assert "tolerances reset to defaults" in result.stdout
    assert lossexp("check", config("mse_unlucky"), "--dir", made).exit_code == 0


# --- --update vs --missing -----------------------------------------------------------------

def test_update_rewrites_all_missing_creates_only_absent_default_rewrites_failing(made):
    unlucky, fair = made / "mse_unlucky.json", made / "ce_unlucky_same_lr.json"
    pair = (config("mse_unlucky"), config("ce_unlucky_same_lr"))

    def tamper(data):  # out of date, with a person's edited tolerance
        data["features"]["plateau_epochs"] += 50
        data["tolerances"]["final_loss"] = {"rtol": 0.5, "atol": 0}

    def mark(data):  # still matching, only its versions differ
        data["versions"] = {"lossexp": "old"}

    edit(unlucky, tamper)
    edit(fair, mark)
    fair.unlink()
    tampered = unlucky.read_text()
    result = lossexp("baseline", "--missing", *pair, "--dir", made)
    assert result.exit_code == 0, result.output
    assert fair.exists() and unlucky.read_text() == tampered

    edit(fair, mark)
    result = lossexp("baseline", *pair, "--dir", made)
    assert result.exit_code == 0, result.output
    assert "rewrote (plateau_epochs)" in result.stdout
    fixed = json.loads(unlucky.read_text())
    assert fixed["features"]["plateau_epochs"] == json.loads(tampered)["features"]["plateau_epochs"] - 50
    assert fixed["tolerances"]["final_loss"] == {"rtol": 0.5, "atol": 0}  # the edit is kept
    assert json.loads(fair.read_text())["versions"] == {"lossexp": "old"}  # left alone

    result = lossexp("baseline", "--update", *pair, "--dir", made)
    assert result.exit_code == 0, result.output
    assert json.loads(fair.read_text())["versions"]["lossexp"] != "old"
    assert json.loads(unlucky.read_text())["tolerances"]["final_loss"] == {"rtol": 0.5, "atol": 0}


@pytest.mark.parametrize("command", ["baseline", "check"])
def test_two_configs_that_would_share_a_baseline_file_are_refused(tmp_path, command):
    (tmp_path / "other").mkdir()
    twin = shutil.copy(config("mse_unlucky"), tmp_path / "other" / "mse_unlucky.yaml")
    result = lossexp(command, config("mse_unlucky"), twin, "--dir", tmp_path / "bl")
    assert result.exit_code == 2, result.output
    assert "would share the baseline" in result.stderr and "--dir" in result.stderr
    assert not (tmp_path / "bl").exists()


def test_update_and_missing_together_is_a_usage_error(made):
    result = lossexp("baseline", "--update", "--missing", config("mse_unlucky"), "--dir", made)
    assert result.exit_code == 2
    assert "--update and --missing cannot be used together" in result.stderr


def test_baselines_are_byte_identical_across_runs(tmp_path):
    for sub in ("a", "b"):
        assert lossexp("baseline", config("mse_lucky"), "--dir", tmp_path / sub).exit_code == 0
    assert (tmp_path / "a" / "mse_lucky.json").read_bytes() == \
        (tmp_path / "b" / "mse_lucky.json").read_bytes()
    created = (tmp_path / "a" / "mse_lucky.json").read_bytes()
    assert lossexp("baseline", "--update", config("mse_lucky"), "--dir", tmp_path / "a").exit_code == 0
    assert (tmp_path / "a" / "mse_lucky.json").read_bytes() == created  # no 2 -> 2.0 churn


# --- missing baselines and CI --------------------------------------------------------------

def test_a_missing_baseline_fails_under_ci_with_the_command(tmp_path, monkeypatch):
    monkeypatch.setenv("CI", "true")
    directory = tmp_path / "none"
    result = lossexp("check", config("mse_lucky"), "--dir", directory)
    assert result.exit_code == 1
    assert f"create it with: lossexp baseline {config('mse_lucky')} --dir {directory}" in result.stderr
    assert not directory.exists()


def test_a_missing_baseline_only_warns_outside_ci(tmp_path, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    directory = tmp_path / "none"
    result = lossexp("check", config("mse_lucky"), "--dir", directory)
    assert result.exit_code == 0
    assert "warning:" in result.stderr and "lossexp baseline" in result.stderr
    assert not directory.exists()


def test_sweep_configs_are_skipped_and_bad_configs_exit_2(made, tmp_path):
    sweep = tmp_path / "sweep_grid.yaml"
    sweep.write_text(config("mse_unlucky").read_text() + "sweep: {w: {from: -4, to: 4, steps: 3}}\n")
    result = lossexp("check", sweep, config("mse_unlucky"), "--dir", made)
    assert result.exit_code == 0, result.output
    assert f"skipped {sweep}: a sweep config" in result.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nloss: {name: quadratc}\n")
    result = lossexp("check", config("mse_unlucky"), bad, "--dir", made)
    assert result.exit_code == 2 and "bad.yaml" in result.stderr
    assert result.stdout == ""


# --- the pytest helper ---------------------------------------------------------------------

def test_assert_curve_matches(monkeypatch, tmp_path):
    assert_curve_matches(config("mse_unlucky"), baseline_dir=COMMITTED)
    with pytest.raises(AssertionError, match="no curve baseline .* create it with: lossexp baseline"):
        assert_curve_matches(config("mse_unlucky"), baseline_dir=tmp_path / "none")
    assert not (tmp_path / "none").exists()
    monkeypatch.setattr(Network, "output_delta", _without_sigma_prime)
    with pytest.raises(AssertionError, match="plateau_epochs"):
        assert_curve_matches(config("mse_unlucky"), baseline_dir=COMMITTED)


# --- compare -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    outputs = tmp_path_factory.mktemp("runs")
    return {n: save_run(run_experiment(load_config(config(n))), outputs, plots=False)
            for n in NEURONS}


def markdown_rows(path: Path) -> dict[str, list[str]]:
    rows = {}
    for line in path.read_text().splitlines():
        if line.startswith("| "):
            cells = [c.strip().replace("\\|", "|")
                     for c in re.split(r"(?<!\\)\|", line.strip()[1:-1])]
            rows[cells[0]] = cells[1:]
    return rows


def test_compare_two_runs_is_the_notes_lucky_vs_unlucky_table(runs, tmp_path):
    out = tmp_path / "cmp"
    result = lossexp("compare", runs["mse_lucky"], runs["mse_unlucky"], "--out", out)
    assert result.exit_code == 0, result.output
    assert (out / "compare.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "compare.svg").exists()
    rows = markdown_rows(out / "compare.md")
    assert rows[""] == ["mse_lucky", "mse_unlucky"]
    assert rows["initial w"] == ["0.6", "2"] and rows["initial b"] == ["0.9", "2"]
    assert rows["initial z = w x + b"] == ["1.5", "4"]
    # The published figures: 0.82 -> 0.09 (lucky), 0.98 -> 0.20 (unlucky).
    assert [round(float(v), 2) for v in rows["initial output"]] == [0.82, 0.98]
    assert [round(float(v), 2) for v in rows["final output"]] == [0.09, 0.20]
    assert rows["learning rate"] == ["0.15", "0.15"]
    assert rows["loss"] == ["quadratic", "quadratic"]
    summaries = [json.loads((runs[n] / "summary.json").read_text()) for n in ("mse_lucky", "mse_unlucky")]
    assert rows["plateau (epochs)"] == [str(s["plateau_epochs"]) for s in summaries]
    assert rows["epochs to target (|a - y| < 0.1)"] == [str(summaries[0]["epochs_to_target"]),
                                                       "never (in 300)"]
    assert rows["half way (epochs)"] == [str(s["half_way_epochs"]) for s in summaries]


def test_compare_lines_up_what_run_prints_for_each_model_a_classifier_by_its_accuracy(
        runs, tmp_path):
    mlp = save_run(run_experiment(load_config(config("mlp_sigmoid_ce"), ["train.epochs=40"])),
                   tmp_path / "mlp", plots=False)
    out = tmp_path / "cmp"
    result = lossexp("compare", runs["mse_unlucky"], mlp, "--out", out)
    assert result.exit_code == 0, result.output
    rows = markdown_rows(out / "compare.md")
    summary = json.loads((mlp / "summary.json").read_text())
    assert rows["epochs to 95% accuracy"] == ["", str(summary["epochs_to_95pct_accuracy"])]
    assert rows["final accuracy"] == ["", cell(summary["final_accuracy"])]
    # The neuron's own rows stay; the network has no |a - y| target row, no x, w or b.
    assert rows["epochs to target (|a - y| < 0.1)"] == ["never (in 300)", ""]
    assert rows["initial w"] == ["2", "—"]
    assert all(len(cells) == 2 for cells in rows.values())
    assert "initial z = w x + b" in rows


def test_compare_png_marks_the_band_and_target_only_of_the_runs_judged_by_them(runs, tmp_path):
    from lossexp.curves.compare import read_run
    from lossexp.curves.figures import compare_figure

    mlp = save_run(run_experiment(load_config(config("mlp_sigmoid_ce"), ["train.epochs=400"])),
                   tmp_path / "mlp", plots=False)
    both = [read_run(runs["mse_lucky"]), read_run(mlp)]
    assert both[1].summary["epochs_to_target"] is not None  # its first output did get there
    labels = [t.get_text() for t in compare_figure(both, ["neuron", "net"]).axes[1]
              .get_legend().get_texts()]
    assert labels == ["target band 0 +- 0.1 (neuron)",
                      f"neuron: target reached at epoch {both[0].summary['epochs_to_target']}"]


def test_compare_of_networks_alone_leaves_out_the_neurons_start(tmp_path):
    mlp = save_run(run_experiment(load_config(config("mlp_sigmoid_ce"), ["train.epochs=40"])),
                   tmp_path / "mlp", plots=False)
    assert lossexp("compare", mlp, "--out", tmp_path / "cmp").exit_code == 0
    rows = markdown_rows(tmp_path / "cmp" / "compare.md")
    assert not {"input x", "desired output y", "initial w", "initial b"} & set(rows)
    assert "final output" not in rows and "final accuracy" in rows


def test_compare_five_runs(runs, tmp_path):
    out = tmp_path / "cmp5"
    result = lossexp("compare", *runs.values(), "--out", out)
    assert result.exit_code == 0, result.output
    rows = markdown_rows(out / "compare.md")
    assert rows[""] == NEURONS
    assert rows["loss"] == ["quadratic"] * 2 + ["cross_entropy"] * 3
    assert rows["learning rate"] == ["0.15", "0.15", "0.005", "0.005", "0.15"]
    assert all(len(cells) == 5 for cells in rows.values())
    assert (out / "compare.png").stat().st_size > 0


def test_compare_labels_runs_that_share_a_name_by_directory(runs, tmp_path):
    copy = tmp_path / "again" / "mse_lucky"
    shutil.copytree(runs["mse_lucky"], copy)
    result = lossexp("compare", runs["mse_lucky"], copy, runs["ce_lucky"], "--out",
                     tmp_path / "cmp")
    assert result.exit_code == 0, result.output
    # Only the two that share a name are told apart by their directories.
    assert markdown_rows(tmp_path / "cmp" / "compare.md")[""] == [str(runs["mse_lucky"]),
                                                                  str(copy), "ce_lucky"]


@pytest.mark.parametrize("damage, message", [
    (lambda d: shutil.rmtree(d), "no such run directory"),
    (lambda d: (d / "summary.json").unlink(), "not a run directory written by `lossexp run` (no summary.json)"),
    (lambda d: (d / "metrics.csv").write_text("epoch,loss\n0,abc\n"), "metrics.csv:2: a cell is not a number"),
    (lambda d: (d / "summary.json").write_text("{"), "summary.json:1: not valid JSON"),
    # Truncated: whole lines lost, or the last one cut in the middle.
    (lambda d: (d / "metrics.csv").write_text("".join(
        (d / "metrics.csv").read_text().splitlines(keepends=True)[:200])),
     "metrics.csv: ends at epoch 198, but the run trained 300 epochs: the file is incomplete"),
    (lambda d: (d / "metrics.csv").write_text((d / "metrics.csv").read_text()[:-7]),
     "metrics.csv: its last line is cut short: the file is incomplete"),
])
def test_compare_refuses_a_damaged_run_and_writes_nothing(runs, tmp_path, damage, message):
    broken = tmp_path / "broken"
    shutil.copytree(runs["mse_unlucky"], broken)
    damage(broken)
    out = tmp_path / "cmp"
    result = lossexp("compare", runs["mse_lucky"], broken, "--out", out)
    assert result.exit_code == 2
    assert message in result.stderr
    assert not out.exists()


def test_compare_keeps_a_negative_loss_on_a_linear_axis(runs):
    from lossexp.curves.compare import column_labels, read_run
    from lossexp.curves.figures import compare_figure

    fallen = read_run(runs["mse_unlucky"])
    fallen.metrics = {**fallen.metrics, "loss": fallen.metrics["loss"] - 0.3}  # crosses zero
    pair = [read_run(runs["mse_lucky"]), fallen]
    ax_loss = compare_figure(pair, column_labels(pair)).axes[0]
    assert ax_loss.get_yscale() == "linear"
    np.testing.assert_array_equal(ax_loss.lines[1].get_ydata(), fallen.metrics["loss"])
    pair = [read_run(runs["mse_lucky"]), read_run(runs["mse_unlucky"])]
    log_axes = compare_figure(pair, column_labels(pair))
    assert log_axes.axes[0].get_yscale() == "log"


@pytest.mark.parametrize("command, option", [
    (["demo", "outlier_factor", "--no-plots"], "--outputs"),
    (["compare", "RUN"], "--out"),
    (["baseline", "CONFIG"], "--dir"),
])
@pytest.mark.parametrize("below", [False, True])
def test_an_output_path_that_cannot_be_a_directory_is_one_line_and_exit_2(tmp_path, command,
                                                                           option, below):
    afile = tmp_path / "afile"
    afile.write_text("mine\n")
    config = CONFIGS / "mse_lucky.yaml"
    run_dir = save_run(run_experiment(load_config(config)), tmp_path / "runs", plots=False)
    args = [str(run_dir) if a == "RUN" else str(config) if a == "CONFIG" else a
            for a in command]
    target = afile / "sub" if below else afile
    result = lossexp(*args, option, str(target))
    problem = f"{afile} is not a directory" if below else "is not a directory"
    assert result.exit_code == 2
    assert result.stderr == f"error: {option} {target}: {problem}\n"
    assert afile.read_text() == "mine\n"


def test_a_baseline_checked_against_another_config_says_so(tmp_path):
    mine = tmp_path / "mse_lucky.yaml"
    mine.write_text(config("mse_lucky").read_text())
    made = lossexp("baseline", mine, "--dir", tmp_path / "b", "-q")
    assert made.exit_code == 0, made.output
    recorded = json.loads((tmp_path / "b" / "mse_lucky.json").read_text())["config"]
    assert recorded["train"]["lr"] == 0.15 and "name" not in recorded
    same = lossexp("check", mine, "--dir", tmp_path / "b")
    assert same.exit_code == 0 and "another config" not in same.output
    mine.write_text(mine.read_text().replace("lr: 0.15", "lr: 0.3").replace(
        "epochs: 300", "epochs: 300, record_every: 10"))
    other = lossexp("check", mine, "--dir", tmp_path / "b")
    assert other.exit_code == 1
    assert (f"note: {tmp_path / 'b' / 'mse_lucky.json'} was written for another config "
            "(it differs in train.lr)") in other.stdout


def test_compare_never_overwrites_a_file_it_did_not_write(cli, runs, tmp_path):
    out = tmp_path / "figures"
    out.mkdir()
    (out / "compare.png").write_bytes(b"someone else's picture")
    (out / "notes.txt").write_text("mine")
    refused = cli("compare", runs["mse_lucky"], runs["mse_unlucky"], "--out", out)
    assert refused.exit_code == 2 and "did not write it" in refused.stderr
    assert (out / "compare.png").read_bytes() == b"someone else's picture"
    (out / "compare.png").unlink()
    for _ in range(2):  # its own files it replaces, and the user's beside them stay
        done = cli("compare", runs["mse_lucky"], runs["mse_unlucky"], "--out", out)
        assert done.exit_code == 0, done.output
    assert (out / "notes.txt").read_text() == "mine" and (out / "compare.md").exists()


def test_a_comparison_stopped_between_its_files_can_be_made_again(runs, tmp_path, monkeypatch):
    from lossexp.curves import compare as module

    real = module.atomic.write_text

    def stopped(path, text):
        raise KeyboardInterrupt  # after compare.png and compare.svg, before compare.md

    out = tmp_path / "cmp"
    monkeypatch.setattr(module.atomic, "write_text", stopped)
    assert lossexp("compare", runs["mse_lucky"], runs["mse_unlucky"], "--out", out).exit_code == 130
    monkeypatch.setattr(module.atomic, "write_text", real)
    again = lossexp("compare", runs["mse_lucky"], runs["mse_unlucky"], "--out", out)
    assert again.exit_code == 0, again.stderr  # its own compare.png, listed: not refused
