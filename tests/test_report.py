"""report.html and animation.gif (issue 16): what they contain, that they are reproducible,
and that they are made from the results directory alone. The pages in a real browser:
test_report_browser.py."""

from __future__ import annotations

import json
import re
import shutil

import numpy as np
import pytest
from PIL import Image

from lossexp.report import animation, sections, sources
from lossexp.report.page import write_report
from conftest import CONFIGS

NEURON = "\n".join(["name: {name}", "task: {{kind: one_to_zero}}",
                    "model: {{kind: neuron, activation: sigmoid, init: {{w: 2.0, b: 2.0}}}}",
                    "loss: {{name: {loss}}}", "train: {{lr: 0.15, epochs: {epochs}}}", ""])


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The notes' three neurons (300 epochs), written once by `lossexp run`."""
    from typer.testing import CliRunner

    from lossexp.cli import app

    out = tmp_path_factory.mktemp("runs")
    for name in ("mse_lucky", "mse_unlucky", "ce_unlucky"):
        done = CliRunner().invoke(app, ["run", str(CONFIGS / f"{name}.yaml"), "--outputs",
                                        str(out), "--quiet"])
        assert done.exit_code == 0, done.output
    return {name: out / name for name in ("mse_lucky", "mse_unlucky", "ce_unlucky")}


def page_of(path) -> str:
    return path.read_text(encoding="utf-8")


def test_run_report_and_animate_write_both_files_beside_the_results(cli, tmp_path):
    done = cli("run", CONFIGS / "mse_unlucky.yaml", "--outputs", tmp_path, "--report",
               "--animate")
    assert done.exit_code == 0, done.output
    run_dir = tmp_path / "mse_unlucky"
    assert "report.html" in done.stdout and "animation.gif" in done.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mse_unlucky"]
    html = page_of(run_dir / "report.html")
    assert html.startswith("<!DOCTYPE html>") and "<h1>mse_unlucky: one run</h1>" in html
    assert html.count("<svg ") == 3 and html.count("<figcaption>") == 4
    assert 'src="data:image/gif;base64,' in html
    assert "quadratic + sigmoid" in html and "vanishing factor: sigma(z) (1 - sigma(z))" in html
    assert "plateau_epochs" in html and "lossexp run mse_unlucky.yaml --report --animate" in html
    assert "init: {w: 2.0, b: 2.0}" in html  # the resolved config


def test_a_page_needs_nothing_from_outside(runs):
    html = page_of(write_report([runs["mse_unlucky"]]))
    assert "<script" not in html and "@import" not in html and "<link rel=\"stylesheet" not in html
    # The only URLs are SVG namespace names, never fetched.
    fetched = re.findall(r'(?:src|href)="(?!data:|#)([^"]*)"|url\((?!#)([^)]*)\)', html)
    assert fetched == []
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)) and len(ids) > 20  # figures' clip paths kept apart


def test_reports_and_animations_are_byte_for_byte_reproducible(runs, tmp_path):
    first = tmp_path / "a"
    shutil.copytree(runs["mse_unlucky"], first)
    again = tmp_path / "b"
    shutil.copytree(runs["mse_unlucky"], again)
    for d in (first, again):
        animation.write_animation([d], d)
        write_report([d])
    assert (first / "animation.gif").read_bytes() == (again / "animation.gif").read_bytes()
    assert (page_of(first / "report.html").replace(str(first), "")
            == page_of(again / "report.html").replace(str(again), ""))


def test_the_animation_is_thinned_short_and_small(runs, tmp_path):
    path = animation.write_animation([runs["mse_unlucky"]], tmp_path)
    durations = []
    with Image.open(path) as gif:
        for i in range(gif.n_frames):
            gif.seek(i)
            durations.append(gif.info["duration"])
    assert len(durations) == animation.MAX_FRAMES
    assert 10_000 <= sum(durations) <= 20_000
    assert path.stat().st_size < 2_000_000


def test_a_frame_shows_what_the_figure_drew(runs):
    """Transparent 'unchanged' pixels composite back to the rendered frames."""
    track = animation.track(sources.read_results(runs["mse_unlucky"]))
    frames = animation._frames([track])
    gif = Image.open(__import__("io").BytesIO(animation.gif_bytes([track])))
    for i in (0, 37, len(frames) - 1):
        gif.seek(i)
        shown = np.asarray(gif.convert("RGB"), dtype=int)
        drawn = animation.rgb(frames[i]).astype(int)
        error = np.abs(shown - drawn).max(axis=2)
        assert error.mean() < 2 and (error > 64).mean() < 0.005  # palette rounding only
        assert (shown[0, 0] == 255).all()  # the background is the page's white


@pytest.mark.parametrize("epochs, frames", [(0, 1), (5, 6), (99, 100), (300, 100), (10_000, 100)])
def test_frame_epochs_keep_both_ends(epochs, frames):
    chosen = animation.frame_epochs(epochs)
    assert len(chosen) == frames and chosen[0] == 0 and chosen[-1] == epochs
    assert chosen == sorted(set(chosen))


@pytest.mark.parametrize("name", ["mse_unlucky", "ce_unlucky"])
def test_the_cost_curve_passes_through_every_recorded_loss(runs, name):
    results = sources.read_results(runs[name])
    columns = results.metrics()
    act, cost = sources.cost_of_z(results.config)
    assert np.allclose(cost(columns["z"]), columns["loss"], rtol=1e-12, atol=0)
    assert np.allclose(act(np.array(columns["z"])), columns["output"], rtol=1e-12)


def test_compare_report_and_animate_step_three_runs_together(cli, runs, tmp_path):
    out = tmp_path / "cmp"
    done = cli("compare", *runs.values(), "--out", out, "--report", "--animate")
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in out.iterdir()) == [
        ".lossexp.json", "animation.gif", "compare.md", "compare.png", "compare.svg",
        "report.html"]  # the marker lists the compare files lossexp may replace
    html = page_of(out / "report.html")
    assert "<h1>3 runs compared</h1>" in html
    assert "quadratic + sigmoid" in html and "cross_entropy + sigmoid" in html
    assert html.count("<svg ") == 1 + 3 * 3  # compare.svg and each run's three figures
    # From the compare directory alone, the same page again.
    before = page_of(out / "report.html")
    again = cli("report", out)
    assert again.exit_code == 0, again.output
    assert page_of(out / "report.html") == before


def test_a_new_comparison_takes_away_the_page_and_animation_of_the_old(cli, runs, tmp_path):
    out, three = tmp_path / "cmp", list(runs.values())
    assert cli("compare", *three, "--out", out, "--report", "--animate").exit_code == 0
    done = cli("compare", *three[:2], "--out", out)
    assert done.exit_code == 0, done.output
    assert not (out / "report.html").exists() and not (out / "animation.gif").exists()
    listed = json.loads((out / ".lossexp.json").read_text())["files"]
    assert "report.html" not in listed and "animation.gif" not in listed
    # A page lossexp did not write stays where it is.
    (out / "report.html").write_text("my page")
    assert cli("compare", *three, "--out", out).exit_code == 0
    assert (out / "report.html").read_text() == "my page"


def test_a_comparison_never_goes_into_a_runs_folder_nor_animates_a_network(cli, runs,
                                                                          tmp_path):
    run_dir = runs["mse_lucky"]
    before = {p.name: p.read_bytes() for p in run_dir.iterdir()}
    for args in (["compare", run_dir, runs["mse_unlucky"], "--out", run_dir],
                 ["report", run_dir, runs["mse_unlucky"], "--out", run_dir]):
        done = cli(*args)
        assert done.exit_code == 2 and "holds the results of a lossexp run" in done.stderr
        assert {p.name: p.read_bytes() for p in run_dir.iterdir()} == before
    mlp = cli("run", CONFIGS / "mlp_xor.yaml", "--outputs", tmp_path, "--set",
              "train.epochs=5", "--no-plots", "-q")
    assert mlp.exit_code == 0, mlp.output
    done = cli("compare", run_dir, tmp_path / "mlp_xor", "--out", tmp_path / "cmp", "--animate",
               "--report")
    assert done.exit_code == 2 and "only a single neuron" in done.stderr
    assert not (tmp_path / "cmp").exists()  # refused before anything was written
    done = cli("report", run_dir, tmp_path / "mlp_xor", "--out", tmp_path / "page",
               "--animate")
    assert done.exit_code == 2 and "only a single neuron" in done.stderr
    assert not (tmp_path / "page").exists()  # the same checks, through report


def test_a_comparison_replaces_no_file_of_yours_nor_writes_inside_a_result(cli, runs,
                                                                           tmp_path):
    two = [runs["mse_lucky"], runs["mse_unlucky"]]
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "compare.md").write_text("my notes")  # a folder with nothing but that name
    done = cli("compare", *two, "--out", mine)
    assert done.exit_code == 2 and "lossexp did not write it" in done.stderr
    assert [p.name for p in mine.iterdir()] == ["compare.md"]
    assert (mine / "compare.md").read_text() == "my notes"
    inside = runs["mse_lucky"] / "sub"
    done = cli("compare", *two, "--out", inside)
    assert done.exit_code == 2 and "is inside the results of a lossexp run" in done.stderr
    assert not inside.exists()
    # A comparison's folder is no such result: another may go below it (`--out .` once).
    assert cli("compare", *two, "--out", tmp_path / "top").exit_code == 0
    assert cli("compare", *two, "--out", tmp_path / "top" / "again").exit_code == 0
    single = cli("report", runs["mse_lucky"], "--out", tmp_path / "elsewhere")
    assert single.exit_code == 2 and "--out" in single.stderr


def test_several_runs_need_out(cli, runs):
    done = cli("report", runs["mse_lucky"], runs["mse_unlucky"])
    assert done.exit_code == 2 and "--out" in done.stderr


def test_report_of_several_runs_makes_one_comparison_page(cli, runs, tmp_path):
    done = cli("report", runs["mse_lucky"], runs["ce_unlucky"], "--out", tmp_path / "page")
    assert done.exit_code == 0, done.output
    html = page_of(tmp_path / "page" / "report.html")
    assert "<h1>2 runs compared</h1>" in html
    # With the comparison it shows, as `lossexp compare --report` would have written it.
    assert {"compare.png", "compare.md"} <= {p.name for p in (tmp_path / "page").iterdir()}
    assert '<h2 id="figures">The curves overlaid</h2>' in html
    assert (f"lossexp compare outputs/mse_lucky outputs/ce_unlucky --out {tmp_path / 'page'} "
            f"--report</code>") in html  # no --animate: the page shows no animation


def test_the_command_a_page_gives_makes_what_the_page_shows(cli, tmp_path):
    for animate in ([], ["--animate"]):
        out = tmp_path / ("gif" if animate else "plain")
        done = cli("run", CONFIGS / "mse_lucky.yaml", "--outputs", out, "--report", *animate)
        assert done.exit_code == 0, done.output
        html = page_of(out / "mse_lucky" / "report.html")
        assert f"lossexp run mse_lucky.yaml --report{' --animate' if animate else ''}</code>" in html


def test_a_comparison_page_holds_compare_md_rows_a_network_judged_by_its_accuracy(
        cli, runs, tmp_path):
    done = cli("run", CONFIGS / "mlp_sigmoid_ce.yaml", "--outputs", tmp_path, "--set",
               "train.epochs=40", "--no-plots", "-q")
    assert done.exit_code == 0, done.output
    html = page_of(write_report([runs["mse_unlucky"], tmp_path / "mlp_sigmoid_ce"],
                                out=tmp_path / "page"))
    table = html.split('id="summary"')[1].split("</table>")[0]

    def row(label):
        found = re.search(rf'<tr><th scope="row">{re.escape(label)}</th>(.*?)</tr>', table)
        return re.findall(r"<td[^>]*>(.*?)</td>", found.group(1))

    mlp = json.loads((tmp_path / "mlp_sigmoid_ce" / "summary.json").read_text())
    assert row("epochs to 95% accuracy") == ["", str(mlp["epochs_to_95pct_accuracy"])]
    assert row("epochs to target (|a - y| &lt; 0.1)") == ["never (in 300)", ""]
    # The theory is the neuron's alone: no measure of the network stands beside it; the
    # neuron never reached the target in its 300 epochs, nor does the theory say it would.
    assert row("epochs_to_target: measured") == ["never", "–"]
    assert row("epochs_to_target: predicted") == ["never", "–"]
    assert row("output activation") == ["sigmoid", "sigmoid"]


def test_pages_say_never_for_an_epoch_count_never_reached_as_the_tables_do(cli, runs,
                                                                          tmp_path):
    html = page_of(write_report([runs["mse_unlucky"]]))
    summary = html.split('id="summary"')[1].split("</table>")[0]
    for key in ("epochs_to_target", "approach_epochs"):
        assert re.search(rf'<th scope="row">{key}</th><td>never</td>', summary), key
    done = cli("demo", "naive_sigmoid", "--outputs", tmp_path, "--report", "--no-plots", "-q")
    assert done.exit_code == 0, done.output
    demo = page_of(tmp_path / "demo_naive_sigmoid" / "report.html")
    row = re.search(r'<th scope="row">quadratic, unlucky</th>(.*?)</tr>', demo).group(1)
    assert "<td>never</td>" in row and "–" not in row


def test_theory_beside_measurement_when_the_summary_has_a_prediction(runs, tmp_path):
    run_dir = tmp_path / "run"
    shutil.copytree(runs["mse_unlucky"], run_dir)
    html = page_of(write_report([runs["mse_unlucky"]]))  # a neuron run carries its theory
    assert '<h2 id="theory">Theory and measurement</h2>' in html
    row = re.search(r"<tr><th scope=\"row\">plateau_epochs</th>(.*?)</tr>",
                    html.split('id="theory"')[1]).group(1)
    assert row == '<td class="num">150.5</td><td class="num">152</td>'
    summary = json.loads((run_dir / "summary.json").read_text())
    for key in [k for k in summary if k.startswith("predicted_")]:
        del summary[key]
    (run_dir / "summary.json").write_text(json.dumps(summary))
    assert 'id="theory"' not in page_of(write_report([run_dir]))


def test_sweep_and_demo_reports(cli, tmp_path, write_config):
    config = write_config(NEURON.format(name="tiny", loss="quadratic", epochs=30)
                          + "sweep:\n  grid:\n    w: {from: -3, to: 3, steps: 5}\n"
                            "    b: {from: -3, to: 3, steps: 5}\n"
                            "  losses: [quadratic, cross_entropy]\n  lrs: [0.15, 1.5]\n")
    done = cli("sweep", config, "--outputs", tmp_path, "--report", "--quiet")
    assert done.exit_code == 0, done.output
    html = page_of(tmp_path / "tiny" / "report.html")
    assert html.count('src="data:image/png;base64,') == 2  # z0 and cdf
    assert "quadratic + sigmoid" in html and "cross_entropy + sigmoid" in html
    # Each loss and each learning rate of the four series named once; the table, like the
    # terminal's, counts the starts on target at epoch 0 apart.
    assert "loss quadratic, cross_entropy, one sigmoid neuron, learning rate 0.15, 1.5" in html
    assert "on target at start" in html
    done = cli("demo", "outlier_factor", "--outputs", tmp_path, "--report", "--quiet")
    assert done.exit_code == 0, done.output
    html = page_of(tmp_path / "demo_outlier_factor" / "report.html")
    assert "lossexp demo outlier_factor --report" in html and html.count("<svg ") == 1


@pytest.mark.parametrize("make, message", [
    (lambda d: d, "not a results directory"),
    (lambda d: d / "nowhere", "no such results directory"),
])
def test_report_refuses_what_is_not_results(cli, tmp_path, make, message):
    done = cli("report", make(tmp_path))
    assert done.exit_code == 2 and message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_only_a_one_sample_neuron_animates(cli, tmp_path):
    done = cli("run", CONFIGS / "mlp_xor.yaml", "--outputs", tmp_path, "--animate",
               "--no-plots", "--quiet")
    assert done.exit_code == 2 and "only a single neuron" in done.stderr
    assert list(tmp_path.iterdir()) == []  # refused before training: nothing written


def test_a_run_with_its_report_and_animation_can_be_run_again(cli, tmp_path):
    for flags in (["--report", "--animate"], ["--report", "--animate"], []):
        done = cli("run", CONFIGS / "mse_unlucky.yaml", "--outputs", tmp_path, "--quiet", *flags)
        assert done.exit_code == 0, done.output
    listed = json.loads((tmp_path / "mse_unlucky" / ".lossexp.json").read_text())
    assert listed["kind"] == "run" and "report.html" not in listed["files"]
    assert not (tmp_path / "mse_unlucky" / "report.html").exists()


def test_a_stop_between_the_animation_and_the_page_leaves_a_run_that_can_be_rerun(
        cli, tmp_path, monkeypatch):
    from lossexp.report import page

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(page, "write_report", stopped)
    done = cli("run", CONFIGS / "mse_unlucky.yaml", "--outputs", tmp_path, "-q", "--report",
               "--animate")
    assert done.exit_code != 0 and (tmp_path / "mse_unlucky" / "animation.gif").exists()
    monkeypatch.undo()
    again = cli("run", CONFIGS / "mse_unlucky.yaml", "--outputs", tmp_path, "-q")
    assert again.exit_code == 0, again.output


def test_a_report_never_replaces_a_file_lossexp_did_not_write(cli, tmp_path):
    assert cli("run", CONFIGS / "mse_unlucky.yaml", "--outputs", tmp_path, "-q").exit_code == 0
    mine = tmp_path / "mse_unlucky" / "report.html"
    mine.write_text("my notes")
    done = cli("report", tmp_path / "mse_unlucky")
    assert done.exit_code == 2 and "lossexp did not write" in done.stderr
    assert mine.read_text() == "my notes"


def test_table_cells_and_inline_svg():
    assert [sections.number(v) for v in (None, True, 3, 0.5, 2.0, 1 / 3, float("nan"))] == [
        "–", "yes", "3", "0.5", "2", "0.3333", "nan"]
    svg = ('<?xml version="1.0"?>\n<!DOCTYPE svg>\n<svg width="10pt" height="5pt" '
           'viewBox="0 0 10 5"><metadata>x</metadata><defs><style>*{a:b}</style>'
           '<clipPath id="p1"><rect/></clipPath></defs><g clip-path="url(#p1)"/>'
           '<use xlink:href="#p1"/></svg>')
    assert sections.inline_svg(svg, "f", "a <figure>") == (
        '<svg viewBox="0 0 10 5" role="img" aria-label="a &lt;figure&gt;"><defs>'
        '<clipPath id="f-p1"><rect/></clipPath></defs><g clip-path="url(#f-p1)"/>'
        '<use xlink:href="#f-p1"/></svg>')


def test_a_run_without_plots_gets_a_page_without_figures(cli, tmp_path):
    done = cli("run", CONFIGS / "mse_lucky.yaml", "--outputs", tmp_path, "--no-plots",
               "--report", "--quiet")
    assert done.exit_code == 0, done.output
    html = page_of(tmp_path / "mse_lucky" / "report.html")
    assert 'id="figures"' not in html and "<figure>" not in html
    assert '<h2 id="summary">Summary</h2>' in html and "quadratic + sigmoid" in html


def test_without_the_flags_no_command_writes_a_page_or_a_gif(cli, runs, tmp_path, write_config):
    config = write_config(NEURON.format(name="tiny", loss="quadratic", epochs=5)
                          + "sweep:\n  grid:\n    w: {from: -1, to: 1, steps: 2}\n"
                            "    b: {from: -1, to: 1, steps: 2}\n")
    for args in (["run", CONFIGS / "mse_lucky.yaml", "--outputs", tmp_path, "--no-plots"],
                 ["sweep", config, "--outputs", tmp_path, "--no-plots"],
                 ["compare", *runs.values(), "--out", tmp_path / "cmp"],
                 ["demo", "outlier_factor", "--outputs", tmp_path, "--no-plots"]):
        done = cli(*args, "--quiet")
        assert done.exit_code == 0, done.output
    written = {p.name for p in tmp_path.rglob("*")}
    assert not written & {"report.html", "animation.gif"}


def test_the_readme_python_example_writes_files_the_next_run_may_replace(cli, tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parent.parent
    readme = (repo / "README.md").read_text(encoding="utf-8")
    snippet = readme.split("## From Python", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    (tmp_path / "snippet.py").write_text(snippet, encoding="utf-8")
    (tmp_path / "configs").mkdir()
    shutil.copy(CONFIGS / "mse_unlucky.yaml", tmp_path / "configs")
    for _ in range(2):  # and again: what it wrote, it may replace
        done = subprocess.run([sys.executable, "snippet.py"], cwd=tmp_path, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    run_dir = tmp_path / "outputs" / "mse_unlucky"
    listed = json.loads((run_dir / ".lossexp.json").read_text())["files"]
    assert {"animation.gif", "report.html"} <= set(listed)
    again = cli("run", tmp_path / "configs" / "mse_unlucky.yaml", "--outputs",
                tmp_path / "outputs", "-q", "--no-plots")
    assert again.exit_code == 0, again.stderr
