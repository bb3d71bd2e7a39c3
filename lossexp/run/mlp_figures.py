"""An MLP's own figures: gradients.png (the output delta), layers.png (per-layer gradient
norms, and saturation for the layers that can saturate), and the output figure that fits
the output layer: saturation.png (signed margins) for a classifier, residuals.png for an
identity-output regression.

A classifier's output is drawn as a signed margin, (2y - 1) z_L for a sigmoid unit and
z_true - max z_other for a softmax: positive is the right side, so a sample stuck on the
wrong side no longer looks like one on the right. Up to ``STRIP_SAMPLES`` samples are drawn
one dot each rather than as a histogram. No matplotlib import here.
"""

from __future__ import annotations

import numpy as np

from lossexp.library.fused import fused_output
from lossexp.output.plotting import figure, log_y, positive_or_nan, run_label
from lossexp.run.figure_marks import DELTA_COLOR, mark_plateau, mark_theory, saturates
from lossexp.train.model import output_activation_key

STRIP_SAMPLES = 20
START_COLOR, END_COLOR = "#e63946", "#2a9d8f"


def _output(cfg: dict):
    return cfg["model"][output_activation_key(cfg["model"])].built


def _layer_count(metrics: dict) -> int:
    return sum(1 for c in metrics if c.startswith("grad_norm_"))


def output_delta_figure(cfg: dict, metrics: dict, summary: dict):
    loss, act = cfg["loss"].built, _output(cfg)
    fig, ax = figure()
    epochs = metrics["epoch"]
    if "mean_abs_error" in metrics:  # error x slope = delta: a big error with a tiny delta
        ax.plot(epochs, positive_or_nan(metrics["mean_abs_error"]), lw=2, color="#2a9d8f",
                label="mean |a - y|, the error, over samples and outputs")
    ax.plot(epochs, positive_or_nan(metrics["mean_abs_delta"]), lw=2, color=DELTA_COLOR,
            label="mean |delta_L| = |dC/dz_L| over samples and output units")
    ax.plot(epochs, positive_or_nan(metrics[f"grad_norm_{_layer_count(metrics)}"]), lw=1.5,
            ls="--", color="#457b9d", label="|grad| of the output layer")
    mark_plateau(ax, summary)
    mark_theory(ax, summary)
    log_y(ax)
    fused = fused_output(loss, act)
    if fused is not None:
        what = f"delta_L = {fused.delta_formula}: the {act.name} slope cancels"
    elif not saturates(act):
        what = f"delta_L = dC/da, the loss's own factor ({act.name}' = 1)"
    else:
        what = f"delta_L = dC/da x {act.name}'(z_L): gated by the slope"
    ax.set_title(f"{cfg['name']} ({run_label(cfg)})\n{what}", fontsize="medium")
    ax.set_xlabel("epoch")
    ax.set_ylabel("magnitude (log scale)")
    ax.set_xlim(epochs[0], epochs[-1])
    ax.grid(alpha=0.3, which="both")
    ax.legend(loc="best", fontsize="small")
    return fig


def layers_figure(cfg: dict, metrics: dict, summary: dict):
    """Gradient norm per layer; below, the saturated fraction of the layers whose activation
    can saturate (an identity layer never does, so it has no line, and with no such layer
    there is no lower panel)."""
    depth = _layer_count(metrics)
    model = cfg["model"]
    hidden = [model["hidden_activation"].built] if depth > 1 else []  # a line fit has none
    acts = hidden * (depth - 1) + [_output(cfg)]
    can = [l for l in range(1, depth + 1) if saturates(acts[l - 1])]
    fig, axes = figure(7.0, 6.4 if can else 4.2, rows=2 if can else 1,
                       bottom=0.08 if can else 0.12)
    norms = axes[0] if can else axes
    epochs = metrics["epoch"]
    for l in range(1, depth + 1):
        name = f"output layer ({acts[l - 1].name})" if l == depth else f"layer {l} ({acts[l - 1].name})"
        (line,) = norms.plot(epochs, positive_or_nan(metrics[f"grad_norm_{l}"]), lw=1.5, label=name)
        if l in can:
            axes[1].plot(epochs, metrics[f"saturated_{l}"], lw=1.5, color=line.get_color(),
                         label=name)
    panels = [norms] + ([axes[1]] if can else [])
    for ax in panels:
        mark_plateau(ax, summary, label=ax is norms)
        ax.grid(alpha=0.3, which="both")
        ax.set_xlim(epochs[0], epochs[-1])
    log_y(norms)
    norms.set_ylabel("gradient norm (log scale)")
    norms.set_title(f"{cfg['name']}: gradient {'and saturation ' if can else ''}layer by layer"
                    f"\n{run_label(cfg)}")
    norms.legend(loc="best", fontsize="small")
    if can:
        axes[1].set_ylim(-0.02, 1.02)
        axes[1].set_ylabel("fraction of units saturated")
        axes[1].legend(loc="best", fontsize="small")
    panels[-1].set_xlabel("epoch")
    return fig


def signed_margins(act, z, y) -> np.ndarray:
    """(samples,) margins: > 0 where the sample is on the right side.

    z: (N, K) output pre-activations, y: (N, K) targets (0/1 labels, or one-hot)."""
    if y.shape[1] == 1:
        return (2 * y[:, 0] - 1) * z[:, 0]
    true = np.argmax(y, axis=1)
    rows = np.arange(len(y))
    others = np.where(y > 0.5, -np.inf, z)
    return z[rows, true] - others.max(axis=1)


def _as_table(values, samples: int) -> np.ndarray:
    return np.asarray(values, dtype=float).reshape(samples, -1)


def margins_figure(cfg: dict, metrics: dict, summary: dict, *, preactivations: dict, y):
    act = _output(cfg)
    y = np.asarray(y, dtype=float)
    start = signed_margins(act, _as_table(preactivations["z_start"], len(y)), y)
    end = signed_margins(act, _as_table(preactivations["z_end"], len(y)), y)
    finite = np.concatenate([start[np.isfinite(start)], end[np.isfinite(end)]])
    span = max(6.0, 1.1 * float(np.max(np.abs(finite)))) if finite.size else 6.0
    strip = len(y) <= STRIP_SAMPLES
    fig, ax = figure(left=0.16 if strip else 0.11)
    if act.elementwise and saturates(act):
        z = np.linspace(0, span, 400)
        edge = float(z[np.argmax(act.saturated(z))])
        ax.axvspan(-span, -edge, color="#f8c8c8", lw=0,
                   label=f"saturated on the wrong side: stuck (margin < -{edge:.2g})")
        ax.axvspan(edge, span, color="#d8ecd8", lw=0,
                   label=f"saturated on the right side: done (margin > {edge:.2g})")
    ax.axvline(0, color="black", lw=1)
    wrong_start, wrong_end = int(np.sum(start < 0)), int(np.sum(end < 0))
    labels = (f"first epoch ({wrong_start} of {len(y)} on the wrong side)",
              f"last epoch ({wrong_end} of {len(y)} on the wrong side)")
    if strip:
        for row, (values, colour, label) in enumerate(
                ((start, START_COLOR, labels[0]), (end, END_COLOR, labels[1]))):
            ax.plot(values, np.full(len(values), 1 - row), "o", ms=9, color=colour, alpha=0.8,
                    label=label)
        for s0, s1 in zip(start, end):
            ax.annotate("", (s1, 0.08), (s0, 0.92),
                        arrowprops={"arrowstyle": "->", "color": "#999999", "lw": 0.8})
        ax.set_yticks([1, 0], ["first epoch", "last epoch"])
        ax.set_ylim(-0.5, 2.4)  # room above for the legend
        ax.set_ylabel("")
    else:
        bins = np.linspace(-span, span, 61)
        ax.hist(start[np.isfinite(start)], bins=bins, color=START_COLOR, alpha=0.55,
                label=labels[0])
        ax.hist(end[np.isfinite(end)], bins=bins, color=END_COLOR, alpha=0.55, label=labels[1])
        ax.set_ylabel("samples")
    what = ("(2y - 1) z_L" if y.shape[1] == 1 else "z_true - max z_other")
    ax.set_xlim(-span, span)
    ax.set_xlabel(f"signed margin {what}: > 0 is the right side")
    ax.set_title(f"{cfg['name']}: which side of the boundary each sample sits on\n{run_label(cfg)}")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize="small")
    return fig


def residuals_figure(cfg: dict, metrics: dict, summary: dict, *, preactivations: dict, y):
    """Residuals a - y of each output in units of that output's spread, first and last epoch
    (an identity output: z_L is the prediction)."""
    y = np.asarray(y, dtype=float)
    outputs = y.shape[1]
    spread = np.where(y.std(axis=0) > 0, y.std(axis=0), 1.0)
    fig, ax = figure()
    start = (_as_table(preactivations["z_start"], len(y))[:, :outputs] - y) / spread
    end = (_as_table(preactivations["z_end"], len(y))[:, :outputs] - y) / spread
    both = np.concatenate([start.ravel(), end.ravel()])
    both = both[np.isfinite(both)]
    span = max(0.5, float(np.quantile(np.abs(both), 0.99))) if both.size else 1.0
    bins = np.linspace(-span, span, 61)
    for values, colour, when in ((start, START_COLOR, "first"), (end, END_COLOR, "last")):
        v = values.ravel()
        rms = np.sqrt(np.mean(values ** 2, axis=0))
        ax.hist(np.clip(v[np.isfinite(v)], -span, span), bins=bins, color=colour, alpha=0.55,
                label=f"{when} epoch (RMS per output: "
                      + ", ".join(f"{r:.2g}" for r in rms) + ")")
    ax.axvline(0, color="black", lw=1)
    ax.set_xlabel("residual (a - y) / spread of y, every sample and output (ends clipped)")
    ax.set_ylabel("count")
    ax.set_title(f"{cfg['name']}: residuals, start and end\n{run_label(cfg)}")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize="small")
    return fig
