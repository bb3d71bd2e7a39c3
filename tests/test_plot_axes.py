"""Axis labelling shared by the figures."""

import numpy as np
import pytest

from lossexp.output.plotting import log_y


@pytest.mark.parametrize("low, high, labels", [
    (0.018, 0.25, ["2e-02", "5e-02", "2e-01"]),  # inside about one decade: read off 2x and 5x
    (1e-5, 1.0, []),                               # five decades: the majors are enough
])
def test_a_log_axis_labels_its_2x_and_5x_ticks_only_when_it_spans_two_decades_or_less(
        low, high, labels):
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.subplots()
    ax.plot([0, 1], [low, high])
    log_y(ax)
    fig.canvas.draw()  # the labels are decided with the final limits
    minor = [ascii_minus(t.get_text()) for t in ax.yaxis.get_minorticklabels() if t.get_text()]
    lo, hi = ax.get_ylim()
    assert [m for m in minor if lo <= float(m) <= hi] == labels


def ascii_minus(text: str) -> str:
    return text.replace("\N{MINUS SIGN}", "-")


def test_minor_and_major_labels_are_written_alike():
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.subplots()
    ax.plot([0, 1], [0.005, 0.3])
    log_y(ax)
    fig.canvas.draw()
    major = [t.get_text() for t in ax.yaxis.get_majorticklabels() if t.get_text()]
    minor = [t.get_text() for t in ax.yaxis.get_minorticklabels() if t.get_text()]
    assert "1e\N{MINUS SIGN}02" in major and "2e\N{MINUS SIGN}02" in minor
    assert all("-" not in label for label in major + minor)  # one minus sign throughout


# --- a run that diverged --------------------------------------------------------------------

@pytest.fixture(scope="module")
def diverged_and_healthy():
    from pathlib import Path

    from lossexp.config import load_config
    from lossexp.curves.compare import Run
    from lossexp.run.experiment import run_experiment

    configs = Path(__file__).resolve().parent.parent / "configs"
    # Identity output, lr 10: every step multiplies the error by -19; inf by epoch 121.
    diverged = run_experiment(load_config(configs / "mse_unlucky.yaml", [
        "model.activation=identity", "train.lr=10", "name=div"]))
    healthy = run_experiment(load_config(configs / "mse_lucky.yaml"))
    assert diverged.summary["diverged"] and diverged.summary["max_grad_norm"] > 1e307
    return [Run(Path(r.config["name"]), r.config, r.metrics, r.summary)
            for r in (diverged, healthy)]


def test_compare_draws_a_diverged_run_beside_a_healthy_one_without_blanking_it(
        diverged_and_healthy):
    from lossexp.curves.compare import column_labels
    from lossexp.curves.figures import compare_figure

    fig = compare_figure(diverged_and_healthy, column_labels(diverged_and_healthy))
    fig.canvas.draw()  # raises under warnings-as-errors if an axis overflows
    healthy = diverged_and_healthy[1].metrics
    ax_loss, ax_out, ax_grad = fig.axes
    low, high = ax_loss.get_ylim()
    assert ax_loss.get_yscale() == "log"
    # Scaled to the healthy run, which fills the panel; the blow-up leaves through its top.
    assert low <= healthy["loss"].min() and healthy["loss"].max() <= high < 1e3 * healthy["loss"].max()
    blown = np.asarray(ax_loss.get_lines()[0].get_ydata(), dtype=float)
    assert np.nanmax(blown) > high
    low, high = ax_out.get_ylim()
    assert low <= healthy["output"].min() and healthy["output"].max() <= high
    assert ax_out.get_yscale() == "linear" and high - low < 10
    marks = [line.get_xdata()[0] for line in ax_loss.get_lines()
             if len(set(line.get_xdata())) == 1]  # vertical lines
    assert marks == [39]  # where its loss passed 1e100 (it is inf from epoch 121)
    assert "(diverged at epoch 39)" in ax_loss.get_legend().get_texts()[0].get_text()


def test_a_diverged_run_s_loss_figure_is_a_log_axis_marked_where_it_diverged(
        diverged_and_healthy):
    from lossexp.run.figures import loss_figure

    run = diverged_and_healthy[0]
    fig = loss_figure(run.config, run.metrics, run.summary, y=np.zeros((1, 1)))
    fig.canvas.draw()
    (ax,) = fig.axes
    assert ax.get_yscale() == "log" and ax.get_ylim()[1] < 1e110
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "diverged at epoch 39 (loss beyond 1e+100)" in labels


def test_saving_and_comparing_a_diverged_run_keeps_stderr_clean(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    configs = Path(__file__).resolve().parent.parent / "configs"

    def lossexp(*args):
        done = subprocess.run([sys.executable, "-m", "lossexp", *map(str, args)],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0 and done.stderr == "", done.stderr

    lossexp("run", configs / "mse_unlucky.yaml", "--set", "model.activation=identity",
            "--set", "train.lr=10", "--outputs", tmp_path, "-q")
    lossexp("run", configs / "mse_lucky.yaml", "--outputs", tmp_path, "-q")
    lossexp("compare", tmp_path / "mse_unlucky", tmp_path / "mse_lucky", "--out",
            tmp_path / "cmp", "-q")
