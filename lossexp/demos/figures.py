"""Figures of the loss library's demos (``lossexp demo``): one per demo, from its Report.

A plot module: matplotlib is imported only when a figure is drawn (through
``lossexp.run.figures``), and every figure is saved as PNG and SVG by ``figure_files.save_all``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lossexp.output.figure_files import save_all
from lossexp.output.plotting import figure as _axes
from lossexp.tasks.regression import line, noise_std

TRUTH_STYLE = {"color": "black", "ls": "--", "lw": 1.5}


def _finish(ax, title: str, xlabel: str, ylabel: str) -> None:
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize="small")


def _scatter(ax, fit) -> None:
    ax.scatter(fit.data.x[:, 0], fit.data.y[:, 0], s=10, color="#9aa5b1", alpha=0.7,
               label=f"data (N = {fit.data.samples})")


def outlier_factor_figure(report):
    """Each loss's growth factor as a dot on a stem from 1 (no growth): on a log axis a
    bar's length would start at an arbitrary edge and mean nothing."""
    fig, ax = _axes(left=0.16)
    labels = [row[0] for row in report.rows]
    factors = [row[3] for row in report.rows]
    y = np.arange(len(labels))
    ax.hlines(y, 1, factors, color="#457b9d", lw=2)
    ax.plot(factors, y, "o", ms=8, color="#1d3557")
    ax.axvline(1, color="black", lw=1)
    ax.set_xscale("log")
    ax.set_xlim(0.8, 8 * max(factors))  # room for the labels
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    for i, f in enumerate(factors):
        ax.text(f, i, f"  x{f:.0f}", va="center", fontsize="small")
    ax.set_title("Mean loss with one outlier / mean loss without\n(targets 1..5, the 5 becomes 50)")
    ax.set_xlabel("growth factor (log scale; 1 = no growth)")
    ax.grid(alpha=0.3, axis="x")
    return fig


def outliers_figure(report):
    fig, ax = _axes()
    first = report.fits[0]
    task = first.cfg["task"]
    _scatter(ax, first)
    xs = np.linspace(-1, 1, 50)
    ax.plot(xs, line(xs, task["slope"], task["intercept"]), **TRUTH_STYLE,
            label=f"clean line y = {task['slope']:g} x + {task['intercept']:g}")
    for f in report.fits:
        ax.plot(xs, f.predict(xs[:, None])[:, 0], lw=2, label=f.label)
    _finish(ax, f"Line fits with {task['outlier_fraction']:.0%} outliers "
                f"(shifted by {task['outlier_shift']:g})", "x", "y")
    return fig


def quantiles_figure(report):
    from lossexp.demos.reports import true_quantile_line

    fig, ax = _axes()
    _scatter(ax, report.fits[0])
    xs = np.linspace(0, 1, 50)
    for f in report.fits:
        q = f.cfg["loss"]["q"]
        ax.plot(xs, f.predict(xs[:, None])[:, 0], lw=5, alpha=0.55, label=f"fitted, q = {q:g}")
        w, b = true_quantile_line(f.cfg["task"], q)
        ax.plot(xs, w * xs + b, **TRUTH_STYLE, zorder=3)  # on top: the fit lies under it
    ax.plot([], [], **TRUTH_STYLE, label="true quantiles (black dashes, on top)")
    _finish(ax, "Quantile regression: the pinball loss at q = 0.1, 0.5, 0.9", "x", "y")
    return fig


def heteroscedastic_figure(report):
    (f,) = report.fits
    task = f.cfg["task"]
    fig, ax = _axes()
    _scatter(ax, f)
    xs = np.linspace(0, 1, 100)
    mu, log_var = f.predict(xs[:, None]).T
    sigma = np.exp(0.5 * log_var)
    ax.plot(xs, mu, color="#1d3557", lw=2, label="predicted mu")
    ax.fill_between(xs, mu - 2 * sigma, mu + 2 * sigma, color="#457b9d", alpha=0.25,
                    label="predicted mu +- 2 sigma")
    true_mu, true_sigma = line(xs, task["slope"], task["intercept"]), noise_std(xs, task)
    ax.plot(xs, true_mu + 2 * true_sigma, **TRUTH_STYLE, label="true mu +- 2 sigma")
    ax.plot(xs, true_mu - 2 * true_sigma, **TRUTH_STYLE)
    _finish(ax, "Heteroscedastic Gaussian NLL: a mean and a log-variance head", "x", "y")
    return fig


def sse_vs_mse_figure(report):
    fig, ax = _axes()
    for f in report.fits:
        n = f.data.samples
        per_sample = f.metrics["loss"] / (n if f.cfg["train"]["reduction"] == "sum" else 1)
        finite = np.isfinite(per_sample) & (per_sample < 1e6)
        epochs = np.arange(per_sample.size)
        ax.plot(epochs[finite], per_sample[finite], lw=1.8, label=f.label,
                ls="--" if f.cfg["train"]["reduction"] == "sum" else "-")
    ax.set_yscale("log")
    _finish(ax, "Loss per sample: sum with lr / N retraces mean; sum with mean's lr does not",
            "epoch", "loss per sample (log scale)")
    return fig


def signed_error_figure(report):
    fig, ax = _axes()
    for f in report.fits:
        ax.plot(f.metrics["output"], lw=2 if f.label == "signed_error" else 1.5,
                ls=":" if f.label == "mae" else "-", label=f.label)
    ax.axhline(report.fits[0].data.y[0, 0], **TRUTH_STYLE, label="target")
    _finish(ax, "The 1 -> 0 neuron: the naive rule (= mae) keeps oscillating; quadratic settles",
            "epoch", "output a")
    return fig


def multi_output_figure(report):
    fig, ax = _axes(width=8.0, height=4.6, left=0.12)
    outputs = report.columns[1:-2]
    width = 0.8 / len(report.rows)
    for i, row in enumerate(report.rows):
        away = {int(w.split()[-1]) for w in (row[-1] or "").split(", ") if w}
        bars = ax.bar(np.arange(len(outputs)) + i * width, row[1:-2], width, label=row[0])
        for k in away:  # a learned weight that ran off: the output was switched off
            bars[k - 1].set(hatch="xx", edgecolor="#e63946", lw=1.5)
            ax.annotate("ran away:\nswitched off", (bars[k - 1].get_x() + width / 2,
                        bars[k - 1].get_height()), textcoords="offset points", xytext=(0, 4),
                        ha="center", fontsize="x-small", color="#e63946")
    ax.set_xticks(np.arange(len(outputs)) + 0.4 - width / 2,
                  [o.replace("relative RMSE, ", "") for o in outputs])
    ax.set_yscale("log")
    ax.axhline(1.0, **TRUTH_STYLE, label="1 = no better than the mean")
    _finish(ax, "Per-output error after training, relative to each output's spread", "",
            "relative RMSE (log scale)")
    return fig


def naive_sigmoid_figure(report):
    fig, ax = _axes()
    first = report.fits[0]
    y, tol = first.data.y[0, 0], first.cfg["target"]["tolerance"]
    ax.axhspan(y - tol, y + tol, color="#2a9d8f", alpha=0.15, lw=0,
               label=f"target band {y:g} +- {tol:g}")
    colours = {"signed_error": "#e63946", "quadratic": "#1d3557", "cross_entropy": "#2a9d8f"}
    for f in report.fits:
        loss, start = f.label.split(", ")
        ax.plot(f.metrics["output"], color=colours[loss], lw=2.2 if loss == "signed_error" else 1.5,
                ls="-" if start == "unlucky" else "--", label=f.label)
    _finish(ax, "The naive rule after a sigmoid keeps sigma'(z): from the saturated start "
                "(solid)\nit plateaus like the quadratic cost; from the lucky one (dashed) it works",
            "epoch", "output a")
    return fig


def batch_sizes_figure(report):
    from lossexp.demos.seed_reports import BATCH_SIZES

    fig, ax = _axes()
    for reduction, style in (("sum", {"color": "#e63946", "marker": "o"}),
                             ("mean", {"color": "#1d3557", "marker": "s"})):
        rows = [r for r in report.rows if r[0] == reduction]
        ax.plot([r[1] for r in rows], [r[2] for r in rows], lw=2, ms=8, **style,
                label=f"{reduction} ({'SSE' if reduction == 'sum' else 'MSE'})")
    sizes = np.array(BATCH_SIZES, dtype=float)
    top = max(r[2] for r in report.rows if r[0] == "sum" and r[1] == sizes[0])
    ax.plot(sizes, top / sizes, color="#999999", ls=":", label="1 / batch size")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log", base=2)
    ax.set_xticks(sizes, [f"{n:g}" for n in sizes])
    _finish(ax, "Largest stable learning rate:\nthe sum's shrinks with the batch, the mean's "
                "does not", "batch size (log scale)", "largest stable lr (log scale)")
    return fig


def conditional_mean_figure(report):
    fig, ax = _axes()
    first = report.fits[0]
    task = first.cfg["task"]
    _scatter(ax, first)
    xs = np.linspace(-1, 1, 50)
    lower = line(xs, task["slope"], task["intercept"])
    frac = round(task["outlier_fraction"] * task["samples"]) / task["samples"]
    from lossexp.demos.seed_reports import _mixture_median

    median = _mixture_median(task["noise"], frac, task["outlier_shift"])
    ax.plot(xs, lower + frac * task["outlier_shift"], **TRUTH_STYLE,
            label="true conditional mean (between the modes)")
    ax.plot(xs, lower + median, color="black", ls=":", lw=1.5,
            label="true conditional median (in the lower mode)")
    for f, colour in zip(report.fits, ("#e63946", "#2a9d8f")):
        ax.plot(xs, f.predict(xs[:, None])[:, 0], color=colour, lw=4, alpha=0.6,
                label=f"fitted, {f.label}")
    _finish(ax, "Two targets for every input: quadratic fits the mean, where no data "
                "lies;\nmae fits the median, inside the lower mode", "x", "y")
    return fig


def smoothness_figure(report):
    from lossexp.demos.seed_reports import SMOOTH_LOSSES, curvature
    from lossexp.library import losses

    fig, (grad, curve) = _axes(height=6.0, rows=2, bottom=0.09)
    r = np.linspace(-3, 3, 1200)  # no point at 0 itself, where mae has no curvature at all
    styles = {"mae": ":", "huber": "--", "log_cosh": "-"}
    for name in SMOOTH_LOSSES:
        loss = losses.get(name)
        grad.plot(r, loss.grad(r, np.zeros_like(r)), ls=styles[name], lw=2, label=name)
        curve.plot(r, curvature(loss, r), ls=styles[name], lw=2, label=name)
    for ax in (grad, curve):
        ax.axvspan(-1, 1, color="#e0e0e0", alpha=0.5, lw=0)
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize="small")
    grad.set_ylabel("gradient dL/dr")
    curve.set_ylim(-0.1, 1.2)
    curve.annotate("mae: a jump at 0,\nno curvature anywhere else", (0, 0), xytext=(0.3, 0.55),
                   fontsize="small", arrowprops={"arrowstyle": "->", "color": "#555555"})
    curve.set_ylabel("curvature d2L/dr2")
    curve.set_xlabel("residual r = a - y (grey: |r| < 1, huber's quadratic zone)")
    grad.set_title("At the kink: mae's gradient jumps, huber's curvature jumps,\n"
                   "log_cosh's gradient bends smoothly and its curvature never reaches 0")
    return fig


FIGURES = {
    "outlier_factor": outlier_factor_figure, "outliers": outliers_figure,
    "quantiles": quantiles_figure, "heteroscedastic": heteroscedastic_figure,
    "sse_vs_mse": sse_vs_mse_figure, "signed_error": signed_error_figure,
    "multi_output": multi_output_figure, "naive_sigmoid": naive_sigmoid_figure,
    "batch_sizes": batch_sizes_figure, "conditional_mean": conditional_mean_figure,
    "smoothness": smoothness_figure,
}


def plot_demo(report, directory: Path) -> list[Path]:
    """Draw the demo's figure into directory/figure.{png,svg}."""
    return save_all([(FIGURES[report.name](report), "figure")], directory)
