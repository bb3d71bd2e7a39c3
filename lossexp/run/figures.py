"""Figures of a run: loss curve, gradient trace, and where the output units sit on their
activation.

A single neuron gets loss.png, gradients.png (dC/dw, dC/db and sigma'(z)) and
saturation.png (the path z travelled along the activation). An MLP gets loss.png (with
accuracy for classification), gradients.png (the mean output delta |dC/dz_L|), layers.png
(per-layer gradient norms and saturated fractions) and saturation.png (histograms of the
output layer's pre-activations at the first and last epoch).

Like every figure module (sweep_plots, demo_plots, compare) it imports matplotlib only
when a plot is drawn, and uses the object-oriented API (``Figure``) rather than pyplot: no
global state, no GUI backend. ``lossexp.output.figure_files`` writes the figures to disk.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np

from lossexp.output.figure_files import save_all
from lossexp.run.diverged import diverged_at, drawable, mark_divergence
from lossexp.train.model import build_activation, output_activation_key

PLATEAU_COLOR = "#f4a261"
SATURATED_COLOR = "#e0e0e0"


def figure(width=7.0, height=4.2, *, rows=1, bottom=0.12):
    """A figure with fixed margins that fit a two-line title and the axis labels.

    Fixed margins rather than constrained layout: solving the layout cost more than
    drawing the figure, and these figures all have the same furniture.
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    fig.subplots_adjust(left=0.11, right=0.96, bottom=bottom, top=1 - 0.6 / height, hspace=0.12)
    axes = fig.subplots(rows, 1, sharex=True) if rows > 1 else fig.add_subplot()
    return fig, axes


def log_y(ax) -> None:
    """A log y axis labelled in plain text (1e-02), skipping mathtext's slow parser. An
    axis spanning two decades or less also labels its 2x and 5x ticks (2e-02, 5e-02), so
    a curve that stays inside one decade still has values to read against."""
    from matplotlib.ticker import FuncFormatter, LogFormatter, LogLocator

    def sub_decade(y, pos=None) -> str:
        low, high = sorted(ax.get_ylim())  # read when drawn, with the final limits
        return f"{y:.0e}" if 0 < low and high <= 100 * low else ""

    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(LogFormatter(labelOnlyBase=True))
    ax.yaxis.set_minor_locator(LogLocator(subs=(2.0, 5.0)))
    ax.yaxis.set_minor_formatter(FuncFormatter(sub_decade))


def _output_activation(cfg: dict) -> dict:
    return cfg["model"][output_activation_key(cfg["model"])]


def run_label(cfg: dict) -> str:
    """The key values of a config, for titles: loss, activation, start, lr."""
    model = cfg["model"]
    parts = [cfg["loss"]["name"]]
    if model["kind"] == "neuron":
        init = model["init"]
        parts += [model["activation"]["name"], f"w0={init['w']:g}, b0={init['b']:g}"]
    else:
        init = model["init"]
        scale = "" if init["scale"] is None else f" {init['scale']:g}"
        parts += ["-".join(str(n) for n in model["layers"]),
                  f"{model['hidden_activation']['name']}/{model['output_activation']['name']}",
                  f"init {init['scheme']}{scale}"]
    parts.append(f"lr={cfg['train']['lr']:g}")
    return ", ".join(parts)


def loss_figure(cfg: dict, metrics: dict, summary: dict):
    fig, ax = figure(bottom=0.21 if "accuracy" in metrics else 0.12)
    epochs, loss, diverged = metrics["epoch"], drawable(metrics["loss"]), diverged_at(metrics)
    ax.plot(epochs, loss, color="#1d3557", lw=2, label="loss")
    mark_divergence(ax, diverged)
    _shade_plateau(ax, summary)
    reached = summary.get("epochs_to_target")
    if reached is not None:
        ax.axvline(reached, color="#2a9d8f", ls="--",
                   label=f"target reached (epoch {reached})")
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"loss ({cfg['loss']['name']})")
    ax.set_title(f"{cfg['name']}: loss per epoch\n{run_label(cfg)}")
    ax.set_xlim(epochs[0], epochs[-1])
    finite = loss[np.isfinite(loss)]
    if diverged is not None and finite.size and finite.min() > 0:
        log_y(ax)  # a loss that climbs by hundreds of decades shows only on a log axis
    elif finite.size and finite.min() >= 0:  # a loss that can go negative keeps its axis
        ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    if "accuracy" not in metrics:
        ax.legend(loc="upper right")
        return fig
    acc = ax.twinx()
    acc.plot(epochs, metrics["accuracy"], color="#e76f51", lw=1.5, label="accuracy")
    acc.set_ylim(-0.02, 1.02)
    acc.set_ylabel("accuracy")
    handles, labels = ax.get_legend_handles_labels()
    more_handles, more_labels = acc.get_legend_handles_labels()
    fig.legend(handles + more_handles, labels + more_labels, loc="lower center",
               ncols=4, fontsize="small")
    fig.subplots_adjust(right=0.89)
    return fig


def _shade_plateau(ax, summary: dict) -> None:
    plateau = summary.get("plateau_epochs") or 0
    if plateau:
        ax.axvspan(0, plateau, color=PLATEAU_COLOR, alpha=0.25, label=f"plateau ({plateau} epochs)")


def _shade_saturated(ax, act, span: float, label: str) -> None:
    """Grey bands where ``act`` is saturated, over z in [-span, span]."""
    z = np.linspace(-span, span, 801)
    ax.fill_between(z, 0, 1, where=act.saturated(z), transform=ax.get_xaxis_transform(),
                    color=SATURATED_COLOR, alpha=0.8, label=label)


def _z_span(values) -> float:
    """A symmetric z range that shows the sigmoid's bend and every finite value given."""
    values = np.asarray(values, dtype=float)
    finite = values[np.isfinite(values)]
    return max(6.0, 1.1 * float(np.max(np.abs(finite)))) if finite.size else 6.0


def positive_or_nan(values):
    """|values| with zeros and non-finite values as NaN: gaps on a log axis, not failures."""
    values = np.abs(drawable(values))
    return np.where(values > 0, values, np.nan)


def gradients_figure(cfg: dict, metrics: dict, summary: dict):
    fig, ax = figure()
    epochs = metrics["epoch"]
    ax.plot(epochs, positive_or_nan(metrics["grad_w"]), lw=2, label="|dC/dw|")
    ax.plot(epochs, positive_or_nan(metrics["grad_b"]), lw=1.5, ls="--", label="|dC/db|")
    act = _output_activation(cfg)["name"]
    ax.plot(epochs, positive_or_nan(metrics["activation_grad"]), lw=1.5, color="#6d6875",
            label=f"{act}'(z)  (the factor that vanishes)")
    _shade_plateau(ax, summary)
    mark_divergence(ax, diverged_at(metrics))
    log_y(ax)
    ax.set_xlabel("epoch")
    ax.set_ylabel("magnitude (log scale)")
    ax.set_title(f"{cfg['name']}: gradient and activation slope\n{run_label(cfg)}")
    ax.set_xlim(epochs[0], epochs[-1])
    ax.grid(alpha=0.3, which="both")
    ax.legend(loc="best")
    return fig


def saturation_figure(cfg: dict, metrics: dict, summary: dict):
    act = build_activation(_output_activation(cfg))
    fig, ax = figure()
    z_path = drawable(metrics["z"])
    shown = np.flatnonzero(np.isfinite(z_path))  # a diverged run: up to where it left the axes
    last = shown[-1] if shown.size else 0
    span = _z_span(z_path)
    z = np.linspace(-span, span, 801)
    ax.plot(z, act.value(z), color="#1d3557", lw=2, label=f"{act.name}(z)")
    _shade_saturated(ax, act, span, "saturated (slope < 10% of max)")
    a_path = act.value(z_path)
    points = ax.scatter(z_path, a_path, c=metrics["epoch"], cmap="viridis", s=12, zorder=3)
    ax.plot(z_path[0], a_path[0], "o", ms=10, mfc="none", mec="#e63946", mew=2,
            label=f"start z={z_path[0]:.3g}", zorder=4)
    end = ("end" if last == len(z_path) - 1 else
           f"last drawable (epoch {int(metrics['epoch'][last])}; the run diverged)")
    ax.plot(z_path[last], a_path[last], "s", ms=9, mfc="none", mec="#2a9d8f", mew=2,
            label=f"{end} z={z_path[last]:.3g}", zorder=4)
    fig.colorbar(points, ax=ax, label="epoch")
    ax.set_xlabel("pre-activation z = w x + b")
    ax.set_ylabel("output a")
    ax.set_title(f"{cfg['name']}: where z travelled on the {act.name}\n{run_label(cfg)}")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize="small")
    return fig


def _layer_count(metrics: dict) -> int:
    return sum(1 for c in metrics if c.startswith("grad_norm_"))


def output_delta_figure(cfg: dict, metrics: dict, summary: dict):
    fig, ax = figure()
    epochs = metrics["epoch"]
    act = _output_activation(cfg)["name"]
    ax.plot(epochs, positive_or_nan(metrics["mean_abs_delta"]), lw=2, color="#1d3557",
            label="mean |dC/dz_L| over samples and output units")
    ax.plot(epochs, positive_or_nan(metrics[f"grad_norm_{_layer_count(metrics)}"]), lw=1.5, ls="--",
            color="#457b9d", label="|grad| of the output layer")
    _shade_plateau(ax, summary)
    log_y(ax)
    ax.set_xlabel("epoch")
    ax.set_ylabel("magnitude (log scale)")
    ax.set_title(f"{cfg['name']}: output-layer error delta_L = dC/da * {act}'(z_L)\n"
                 f"{run_label(cfg)}")
    ax.set_xlim(epochs[0], epochs[-1])
    ax.grid(alpha=0.3, which="both")
    ax.legend(loc="best")
    return fig


def layers_figure(cfg: dict, metrics: dict, summary: dict):
    fig, (norms, saturation) = figure(7.0, 6.4, rows=2, bottom=0.08)
    epochs, depth = metrics["epoch"], _layer_count(metrics)
    for l in range(1, depth + 1):
        name = "output layer" if l == depth else f"layer {l}"
        norms.plot(epochs, positive_or_nan(metrics[f"grad_norm_{l}"]), lw=1.5, label=name)
        saturation.plot(epochs, metrics[f"saturated_{l}"], lw=1.5, label=name)
    for ax in (norms, saturation):
        _shade_plateau(ax, summary)
        ax.grid(alpha=0.3, which="both")
        ax.set_xlim(epochs[0], epochs[-1])
    log_y(norms)
    norms.set_ylabel("gradient norm (log scale)")
    norms.set_title(f"{cfg['name']}: gradient and saturation, layer by layer\n{run_label(cfg)}")
    norms.legend(loc="best", fontsize="small")
    saturation.set_ylim(-0.02, 1.02)
    saturation.set_ylabel("fraction of units saturated")
    saturation.set_xlabel("epoch")
    return fig


def preactivation_histogram_figure(cfg: dict, metrics: dict, summary: dict, *,
                                   preactivations: dict):
    act = build_activation(_output_activation(cfg))
    fig, ax = figure()
    start = np.asarray(preactivations["z_start"], dtype=float)
    end = np.asarray(preactivations["z_end"], dtype=float)
    span = _z_span(np.concatenate([start, end]))
    bins = np.linspace(-span, span, 61)
    if act.elementwise:  # a softmax unit's saturation depends on the others: no band
        _shade_saturated(ax, act, span, f"{act.name} saturated (slope < 10% of max)")
    ax.hist(start[np.isfinite(start)], bins=bins, color="#e63946", alpha=0.55,
            label="first epoch")
    ax.hist(end[np.isfinite(end)], bins=bins, color="#2a9d8f", alpha=0.55, label="last epoch")
    ax.set_xlabel("output-layer pre-activation z_L (all samples and output units)")
    ax.set_ylabel("count")
    ax.set_title(f"{cfg['name']}: output pre-activations, start and end\n{run_label(cfg)}")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize="small")
    return fig


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
             output_preactivations: dict | None = None) -> list[Path]:
    """Draw every figure of a run into ``directory``; return the files written.

    ``output_preactivations`` (RunResult.output_preactivations) gives an MLP its
    saturation.png; without it that figure is left out.
    """
    figures = {"loss": loss_figure}
    if "z" in metrics:  # a single neuron on a single sample: its z has one path
        figures.update(gradients=gradients_figure, saturation=saturation_figure)
    else:
        figures.update(gradients=output_delta_figure, layers=layers_figure)
        if output_preactivations:
            figures["saturation"] = partial(preactivation_histogram_figure,
                                            preactivations=output_preactivations)
    metrics = thinned(metrics)
    # A diverged run's values reach 1e308, where matplotlib's autoscaling overflows on a
    # log axis; the figures still show the blow-up, so those warnings are not errors here.
    with np.errstate(over="ignore", invalid="ignore"):
        return save_all([(make(cfg, metrics, summary), stem) for stem, make in figures.items()],
                        directory)
