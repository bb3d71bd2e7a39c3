"""The seed experiments' numbers, and what each demo figure and compare.png draw, read from
the figure's artists (not its pixels)."""

import math

import pytest
from conftest import CONFIGS

from lossexp.curves.compare import read_run
from lossexp.curves.figures import compare_figure
from lossexp.config import load_config
from lossexp.demos import catalogue
from lossexp.demos.figures import FIGURES
from lossexp.run.experiment import run_experiment
from lossexp.run.save import save_run


def legend(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()] if ax.get_legend() else []


@pytest.fixture(scope="module")
def naive():
    return catalogue.run_demo("naive_sigmoid", CONFIGS)


def test_the_naive_rule_after_a_sigmoid_keeps_the_slope_and_plateaus_like_the_quadratic_cost(naive):
    rows = {row[0]: row for row in naive.rows}
    # its first |delta| is sigma'(4) itself, 0.0177, against cross-entropy's 0.982
    assert rows["signed_error, unlucky"][2] == pytest.approx(0.01766, abs=1e-4)
    assert rows["cross_entropy, unlucky"][2] == pytest.approx(0.982, abs=1e-3)
    assert rows["signed_error, unlucky"][3] > 200 > 60 > rows["cross_entropy, unlucky"][3]
    assert rows["signed_error, lucky"][3] < 100  # from the steep start it works
    ax = FIGURES["naive_sigmoid"](naive).axes[0]
    assert "target band 0 +- 0.1" in legend(ax)
    assert sum("signed_error" in t for t in legend(ax)) == 2


def test_the_sums_stable_step_shrinks_with_the_batch_and_the_means_does_not():
    report = catalogue.run_demo("batch_sizes", CONFIGS)
    best = {(row[0], row[1]): row[2] for row in report.rows}
    assert best[("sum", 1)] > best[("sum", 16)] > best[("sum", 64)]
    assert best[("sum", 1)] / best[("sum", 64)] >= 16
    assert best[("mean", 64)] >= best[("mean", 1)]
    ax = FIGURES["batch_sizes"](report).axes[0]
    assert legend(ax) == ["sum (SSE)", "mean (MSE)", "1 / batch size"]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"


def test_quadratic_fits_the_conditional_mean_between_the_modes_and_mae_the_median():
    report = catalogue.run_demo("conditional_mean", CONFIGS)
    rows = {row[0]: row for row in report.rows}
    assert rows["quadratic"][2] == pytest.approx(0.9, abs=0.1)   # 30% of 3 above the lower mode
    assert rows["mae"][2] == pytest.approx(0.11, abs=0.1)
    assert rows["quadratic"][3] < 0.05 < 0.5 < rows["mae"][3]
    labels = legend(FIGURES["conditional_mean"](report).axes[0])
    assert "true conditional mean (between the modes)" in labels
    assert "true conditional median (in the lower mode)" in labels


def test_smoothness_shows_gradient_and_curvature_and_says_why_no_newton_step():
    report = catalogue.run_demo("smoothness")
    curv = {(row[0], row[1]): row[3] for row in report.rows}
    assert curv[("huber", 0.99)] == pytest.approx(1) and curv[("huber", 1.01)] == pytest.approx(0)
    assert curv[("log_cosh", 4.0)] > 0 and curv[("mae", 0.5)] == 0
    # log_cosh's curvature is 1 / cosh^2 r: the finite differences agree with it.
    for r in (0.0, 0.5, 0.99, 2.0, 4.0):
        assert curv[("log_cosh", r)] == pytest.approx(1 / math.cosh(r) ** 2, rel=1e-6)
    # mae's gradient jumps at 0: it has no curvature there (a number would be 1 / h).
    assert curv[("mae", 0.0)] is None and "-" in report.cells()[0]
    assert curv[("huber", 0.0)] == pytest.approx(1)
    assert any("No Newton step is drawn" in f for f in report.findings)
    grad, curve = FIGURES["smoothness"](report).axes
    assert grad.get_ylabel() == "gradient dL/dr" and curve.get_ylabel() == "curvature d2L/dr2"


def test_outlier_factors_are_dots_from_1_not_bars_on_a_log_axis():
    ax = FIGURES["outlier_factor"](catalogue.run_demo("outlier_factor")).axes[0]
    assert not [p for p in ax.patches if type(p).__name__ == "Rectangle"]
    assert ax.get_xlim()[0] < 1 and ax.get_xscale() == "log"


def test_compare_normalises_losses_of_different_kinds_and_marks_the_target(tmp_path):
    dirs = []
    for name in ("mse_unlucky", "ce_unlucky_same_lr"):
        cfg = load_config(CONFIGS / f"{name}.yaml", ["plots=false"])
        dirs.append(save_run(run_experiment(cfg), tmp_path))
    runs = [read_run(d) for d in dirs]
    loss, out, _ = compare_figure(runs, ["A", "B"]).axes
    assert loss.get_ylabel().startswith("loss / its initial value C(0)")
    assert "target band 0 +- 0.1" in legend(out)
    assert "B: target reached at epoch 50" in legend(out)
    assert not any(t.startswith("A: target") for t in legend(out))  # A never reaches it


def short_fits(name, *sets):
    demo = catalogue.DEMOS[name]
    return [catalogue.fit(label, load_config(CONFIGS / demo.config,
                                             [*catalogue._overrides(demo, o), *sets]))
            for label, o in demo.variants]


def test_quantiles_draws_the_true_lines_on_top_of_the_fitted_ones():
    from lossexp.demos.reports import quantiles_report

    ax = FIGURES["quantiles"](quantiles_report(short_fits("quantiles", "train.epochs=20"))).axes[0]
    fitted = [l for l in ax.lines if l.get_label().startswith("fitted")]
    truth = [l for l in ax.lines if l.get_linestyle() == "--" and len(l.get_xdata())]
    assert len(fitted) == len(truth) == 3
    assert min(l.get_zorder() for l in truth) > max(l.get_zorder() for l in fitted)


def test_multi_output_hatches_the_output_a_runaway_sigma_switched_off():
    from lossexp.demos.reports import multi_output_report

    report = multi_output_report(short_fits("multi_output", "train.epochs=20"))
    ax = FIGURES["multi_output"](report).axes[0]
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert len(hatched) == 1
    assert any("ran away" in t.get_text() for t in ax.texts)
    assert any(f.startswith("FAILED: uncertainty, raw targets") for f in report.findings)


@pytest.mark.parametrize("name", ["signed_error", "sse_vs_mse", "outliers"])
def test_the_other_demo_figures_have_a_title_axis_labels_and_a_legend(name):
    ax = FIGURES[name](catalogue.run_demo(name, CONFIGS)).axes[0]
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel() and legend(ax)
