"""Figures of a run: each draws only what means something for the model it shows.

- loss.png, every run: the loss per epoch (|a - y| for the signed naive rule, whose cost
  is not a distance), with accuracy in its own panel for a classifier; the end of the
  plateau, the theory's epochs when the summary has them, and the epoch the run reached
  its goal: 95% accuracy for a classifier, the target band for a regression.
- a single neuron: gradients.png (error, slope and delta) and, for an activation that
  saturates, saturation.png (``lossexp.run.neuron_figures``).
- an MLP: gradients.png (the output delta), layers.png, and saturation.png (signed
  margins) for a classifier or residuals.png for an identity-output regression
  (``lossexp.run.mlp_figures``).

Like every figure module it imports matplotlib only when a plot is drawn (see
``lossexp.output.plotting``); ``lossexp.output.figure_files`` writes the figures to disk.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np

from lossexp.output.figure_files import save_all
from lossexp.output.diverged import diverged_at, drawable, mark_divergence
from lossexp.output.plotting import figure, log_y, positive_or_nan, run_label
from lossexp.run.experiment import descended_curve
from lossexp.run.figure_marks import (
    ACCURACY_MILESTONE,
    TARGET_COLOR,
    accuracy_milestone,
    mark_epoch,
    mark_plateau,
    mark_theory,
    saturates,
)
from lossexp.run.mlp_figures import (
    layers_figure,
    margins_figure,
    output_delta_figure,
    residuals_figure,
)
from lossexp.run.neuron_figures import gradients_figure, saturation_figure
from lossexp.tasks import make_data
from lossexp.train.model import output_activation_key


def _loss_curve(cfg: dict, metrics: dict, y) -> tuple[np.ndarray, str]:
    """What the loss panel plots, and its label."""
    loss = cfg["loss"].built
    curve = descended_curve(loss, metrics, y)
    if loss.descended() is not loss:  # the naive rule: its cost y - a is signed, not a distance
        return curve, f"|a - y| (the cost {loss.formula} is signed; 0 is where it aims)"
    return curve, f"loss ({loss.name})"


def loss_figure(cfg: dict, metrics: dict, summary: dict, *, y):
    classifier = "accuracy" in metrics
    fig, axes = figure(height=6.0 if classifier else 4.2, rows=2 if classifier else 1,
                       bottom=0.09 if classifier else 0.12, left=0.13)
    ax = axes[0] if classifier else axes
    epochs = metrics["epoch"]
    curve, label = _loss_curve(cfg, metrics, y)
    curve, diverged = drawable(curve), diverged_at(metrics)
    ax.plot(epochs, curve, color="#1d3557", lw=2, label=label)
    mark_divergence(ax, diverged)
    finite = curve[np.isfinite(curve)]
    # A loss that falls over decades gets a log axis (more than one decade for many samples,
    # three for the single neuron, whose plateau reads best on a linear one); so does one
    # that blows up, climbing by hundreds of decades.
    decades = 0 if diverged is not None else 3 if "z" in metrics else 1
    if finite.size and finite.min() > 0 and finite.max() > 10 ** decades * finite.min():
        ax.plot(epochs, positive_or_nan(curve), lw=0)  # keeps the log axis' autoscale honest
        log_y(ax)
        label += ", log scale"
    elif finite.size and finite.min() >= 0:  # a loss that can go negative keeps its axis
        ax.set_ylim(bottom=0)
    ax.set_ylabel(label.split(" (the cost")[0])
    panels = [ax]
    if classifier:
        acc = axes[1]
        acc.plot(epochs, metrics["accuracy"], color="#e76f51", lw=2, label="accuracy")
        acc.axhline(ACCURACY_MILESTONE, color="#999999", lw=1,
                    label=f"{ACCURACY_MILESTONE:.0%}: the classifier's goal")
        acc.set_ylim(-0.02, 1.02)
        acc.set_ylabel("accuracy")
        panels.append(acc)
        milestone = accuracy_milestone(metrics, summary)
        for p in panels:
            mark_epoch(p, milestone, f"{ACCURACY_MILESTONE:.0%} accuracy (epoch {milestone})"
                       if p is acc else None)
    else:
        tol = cfg["target"]["tolerance"]
        reached = summary.get("epochs_to_target")
        what = "|a - y|" if "z" in metrics else "every |a - y|"
        mark_epoch(ax, reached, f"target reached: {what} < {tol:g} (epoch {reached})",
                   TARGET_COLOR)
    for p in panels:
        mark_plateau(p, summary, label=p is ax)
        mark_theory(p, summary, label=p is ax)
        p.set_xlim(epochs[0], epochs[-1])
        p.grid(alpha=0.3, which="both")
        p.legend(loc="best", fontsize="small")
    panels[-1].set_xlabel("epoch")
    ax.set_title(f"{cfg['name']}: loss per epoch\n{run_label(cfg)}")
    return fig


def _targets(cfg: dict, targets):
    return make_data(cfg["task"], cfg["train"]["seed"]).y if targets is None else targets


def run_figures(cfg: dict, metrics: dict, summary: dict, output_preactivations: dict | None = None,
                targets=None) -> dict:
    """{stem: function drawing that figure} for this run: only the figures that mean
    something for its model."""
    y = np.asarray(_targets(cfg, targets), dtype=float)
    figures = {"loss": partial(loss_figure, y=y)}
    model = cfg["model"]
    if "z" in metrics:  # a single neuron on a single sample: its z has one path
        x = float(make_data(cfg["task"], cfg["train"]["seed"]).x[0, 0])
        figures["gradients"] = partial(gradients_figure, y=float(y[0, 0]), x=x)
        if saturates(model["activation"].built):
            figures["saturation"] = saturation_figure
        return figures
    figures.update(gradients=output_delta_figure, layers=layers_figure)
    if not output_preactivations:
        return figures
    act = model[output_activation_key(model)].built
    shown = {"preactivations": output_preactivations, "y": y}
    if "accuracy" in metrics:
        figures["saturation"] = partial(margins_figure, **shown)
    elif not saturates(act):
        figures["residuals"] = partial(residuals_figure, **shown)
    return figures


FIGURE_POINTS = 4000  # the most epochs a figure draws; a longer run is thinned evenly


def thinned(metrics: dict, points: int = FIGURE_POINTS) -> dict:
    """At most ``points`` evenly spaced rows of ``metrics``, the first and last included: a
    million-epoch run draws as fast, and its SVG is as small, as a four-thousand-epoch one."""
    from lossexp.train.features import thin_epochs

    rows = len(metrics["epoch"])
    if rows <= points:
        return metrics
    keep = np.asarray(thin_epochs(rows - 1, points))
    return {name: np.asarray(values)[keep] for name, values in metrics.items()}


def plot_run(cfg: dict, metrics: dict, summary: dict, directory: Path,
             output_preactivations: dict | None = None, targets=None) -> list[Path]:
    """Draw every figure of a run into ``directory``; return the files written.

    ``output_preactivations`` (RunResult.output_preactivations) gives an MLP its saturation (margins) or
    residuals figure; without it that figure is left out. ``targets`` (the run's y) is
    remade from the config when not given.
    """
    figures = run_figures(cfg, metrics, summary, output_preactivations, targets)
    metrics = thinned(metrics)
    # A diverged run's values reach 1e308, where matplotlib's autoscaling overflows on a
    # log axis; the figures draw values up to PLOT_LIMIT, and NumPy's own warnings on the
    # way there are not errors here.
    with np.errstate(over="ignore", invalid="ignore"):
        return save_all([(make(cfg, metrics, summary), stem) for stem, make in figures.items()],
                        directory)
