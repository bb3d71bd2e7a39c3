"""Each kind of run figure has the panels and labels that fit its model, and not the ones
that do not: read from the figure's artists (axes, lines, legend texts), never its pixels."""

import pytest
from conftest import CONFIGS

from lossexp.config import load_config
from lossexp.run.experiment import run_experiment
from lossexp.run.figures import run_figures


def drawn(name, *sets, summary=None):
    cfg = load_config(CONFIGS / f"{name}.yaml", list(sets))
    r = run_experiment(cfg)
    makers = run_figures(cfg, r.metrics, r.summary, r.output_preactivations, r.data.y)
    return {stem: make(cfg, r.metrics, r.summary if summary is None else summary)
            for stem, make in makers.items()}


def legend(fig) -> list[str]:
    texts = [t.get_text() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
    return texts + [t.get_text() for lg in fig.legends for t in lg.get_texts()]


def has(texts, part) -> bool:
    return any(part in t for t in texts)


@pytest.fixture(scope="module")
def unlucky():
    return drawn("mse_unlucky")


def test_quadratic_sigmoid_neuron_draws_error_delta_and_the_slope_that_vanishes(unlucky):
    assert set(unlucky) == {"loss", "gradients", "saturation"}
    grads = unlucky["gradients"]
    assert len(grads.axes) == 2  # error and delta above, the slope below
    labels = legend(grads)
    assert "error |a - y|" in labels
    assert has(labels, "|delta| = |dC/dz| = |a - y| x sigmoid'(z)")
    assert has(labels, "(= |dC/dw| = |dC/db|: x = 1)")  # one line, not two hiding each other
    assert has(labels, "the factor of delta that vanishes")
    assert not has(labels, "|dC/dw| = |delta| x")


def test_saturation_marks_epochs_along_the_path_and_plots_z_against_the_epoch(unlucky):
    curve, walk = unlucky["saturation"].axes
    assert has(legend(unlucky["saturation"]), "every 25 epochs")
    assert len(curve.texts) >= 5  # epoch numbers written along the path
    assert walk.get_xlabel() == "epoch" and walk.get_ylabel() == "z"
    assert has(legend(unlucky["saturation"]), "end of plateau (epoch")


def test_cross_entropy_labels_the_slope_as_cancelled_and_draws_it_apart_from_delta():
    grads = drawn("ce_unlucky_same_lr")["gradients"]
    labels = legend(grads)
    assert has(labels, "cancelled by cross_entropy, not a factor of delta")
    assert not has(labels, "vanishes")
    top, bottom = grads.axes
    assert not any("sigmoid'" in line.get_label() for line in top.lines)
    assert "the slope cancels" in top.get_title()


def test_identity_neuron_has_no_saturation_figure_and_no_slope_panel():
    figs = drawn("naive_rule")
    assert set(figs) == {"loss", "gradients"}
    grads = figs["gradients"]
    assert len(grads.axes) == 1
    assert not has(legend(grads), "saturated") and not has(legend(grads), "vanish")
    assert "identity'(z) = 1" in grads.axes[0].get_title()
    # the naive cost y - a is signed: loss.png plots the distance |a - y| instead
    assert figs["loss"].axes[0].get_ylabel() == "|a - y|"


def test_a_classifier_marks_its_accuracy_milestone_and_plots_signed_margins():
    figs = drawn("mlp_sigmoid_ce", "train.epochs=100")
    loss = figs["loss"]
    assert len(loss.axes) == 2 and loss.axes[1].get_ylabel() == "accuracy"
    labels = legend(loss)
    assert "95% accuracy (epoch 7)" in labels
    assert "95%: the classifier's goal" in labels  # the grey line says what it is
    assert not has(labels, "target reached")
    sat = figs["saturation"].axes[0]
    assert sat.get_xlabel().startswith("signed margin (2y - 1) z_L")
    labels = legend(figs["saturation"])
    assert has(labels, "first epoch (100 of 100 on the wrong side)")
    assert has(labels, "last epoch (0 of 100 on the wrong side)")
    assert has(labels, "saturated on the wrong side: stuck")


def test_xor_draws_its_four_samples_as_dots_not_a_histogram():
    sat = drawn("mlp_xor", "train.epochs=50")["saturation"].axes[0]
    assert [t.get_text() for t in sat.get_yticklabels()] == ["first epoch", "last epoch"]
    dots = [line for line in sat.lines if line.get_marker() == "o"]
    assert [len(line.get_xdata()) for line in dots] == [4, 4]


def test_an_identity_output_regression_gets_residuals_and_no_saturation_band():
    figs = drawn("multi_output", "train.epochs=300")
    assert set(figs) == {"loss", "gradients", "layers", "residuals"}
    assert figs["loss"].axes[0].get_yscale() == "log"
    norms, saturation = figs["layers"].axes
    assert [line.get_label() for line in saturation.lines] == ["layer 1 (tanh)"]
    assert "the loss's own factor" in figs["gradients"].axes[0].get_title()
    assert not has(legend(figs["residuals"]), "saturated")


def test_theory_and_plateau_marks_come_from_the_summary_and_absent_keys_are_skipped():
    summary = {"plateau_epochs": 30, "epochs_to_target": 200, "predicted_plateau_epochs": 42.0,
               "predicted_half_way_epochs": 150.4, "predicted_epochs_to_target": 210.0}
    figs = drawn("mse_unlucky", summary=summary)
    for stem in ("loss", "saturation"):
        labels = legend(figs[stem])
        assert "end of plateau (epoch 30)" in labels
        assert "theory: end of plateau (epoch 42)" in labels
        assert "theory: half way (epoch 150.4)" in labels  # as the table shows it
        assert "theory: target (epoch 210)" in labels
    bare = drawn("mse_unlucky", summary={"plateau_epochs": None, "epochs_to_target": None})
    assert not has(legend(bare["loss"]), "plateau") and not has(legend(bare["loss"]), "theory")


def test_a_line_fit_gets_residuals_and_a_layers_figure_without_a_saturation_panel():
    figs = drawn("outliers", "train.epochs=50")
    assert set(figs) == {"loss", "gradients", "layers", "residuals"}
    assert len(figs["layers"].axes) == 1


def test_a_softmax_classifier_plots_the_margin_of_the_true_class_over_the_best_other():
    sat = drawn("softmax_ce_blobs", "train.epochs=5")["saturation"].axes[0]
    assert sat.get_xlabel().startswith("signed margin z_true - max z_other")
    assert not has(legend(sat.figure), "saturated on")  # a softmax unit has no band of its own


@pytest.mark.parametrize("name, says", [
    ("mlp_sigmoid_ce", "delta_L = a - y: the sigmoid slope cancels"),
    ("mlp_sigmoid_quadratic", "delta_L = dC/da x sigmoid'(z_L): gated by the slope"),
])
def test_an_mlps_output_delta_title_says_what_delta_is_for_its_pair(name, says):
    assert says in drawn(name, "train.epochs=3")["gradients"].axes[0].get_title()


def test_an_mlps_gradients_draw_the_error_beside_the_delta():
    """Error x slope: the quadratic network's mean |a - y| starts near 1 while its delta is
    about 0.002; both lines are drawn, the error above."""
    fig = drawn("mlp_sigmoid_quadratic", "train.epochs=3")["gradients"]
    (ax,) = fig.axes
    lines = {line.get_label(): line.get_ydata() for line in ax.get_lines()}
    error = next(v for k, v in lines.items() if k.startswith("mean |a - y|"))
    delta = next(v for k, v in lines.items() if k.startswith("mean |delta_L|"))
    assert error[0] > 0.9 and delta[0] < 0.01 and error[0] > 100 * delta[0]


@pytest.mark.parametrize("name", ["mse_unlucky", "ce_unlucky_same_lr", "mse_lucky"])
def test_the_gradient_panel_s_legend_hides_none_of_its_curves(name):
    import numpy as np

    fig = drawn(name)["gradients"]
    fig.canvas.draw()
    top = fig.axes[0]
    box = top.get_legend().get_window_extent()
    for line in top.get_lines():
        x, y = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
        if len(set(x)) == 1 or not np.isfinite(y).any():
            continue  # a vertical mark runs under the legend by design
        points = top.transData.transform(np.column_stack([x, y])[np.isfinite(y)])
        inside = ((points[:, 0] > box.x0) & (points[:, 0] < box.x1)
                  & (points[:, 1] > box.y0) & (points[:, 1] < box.y1))
        assert not inside.any(), line.get_label()
