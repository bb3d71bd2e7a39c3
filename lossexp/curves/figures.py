"""The figure of ``lossexp compare``: several runs' curves overlaid."""

from __future__ import annotations

import numpy as np

from lossexp.output.plotting import positive_or_nan, run_label
from lossexp.train.features import gradient_norm


def compare_figure(runs: list, labels: list[str]):
    """Three stacked panels sharing the epoch axis: loss, output and |grad C| per run
    (``lossexp.curves.compare.Run``s, with the column ``labels`` of the table)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, 8.5), layout="constrained")
    ax_loss, ax_out, ax_grad = fig.subplots(3, 1, sharex=True)
    # A loss that goes negative (a Gaussian NLL, uncertainty weighting) has no log axis:
    # its magnitude would dip to zero and climb again where the loss just keeps falling.
    log_loss = all(np.all(loss[np.isfinite(loss)] > 0)
                   for loss in (run.metrics["loss"] for run in runs))
    for index, (run, label) in enumerate(zip(runs, labels)):
        style = ("-", "--", ":", "-.")[index // 10 % 4]
        epochs = run.metrics["epoch"]
        loss = positive_or_nan(run.metrics["loss"]) if log_loss else run.metrics["loss"]
        (line,) = ax_loss.plot(epochs, loss, ls=style, lw=1.8,
                               label=f"{label}: {run_label(run.config)}")
        colour = line.get_color()
        plateau = run.summary.get("plateau_epochs") or 0
        if plateau:
            ax_loss.axvline(plateau, color=colour, ls=":", lw=1.2)
        ax_out.plot(epochs, run.metrics["output"], color=colour, ls=style, lw=1.8)
        grad = gradient_norm(run.metrics)
        if grad is not None:
            ax_grad.plot(epochs, positive_or_nan(grad), color=colour, ls=style, lw=1.8)
    ax_loss.set(yscale="log" if log_loss else "linear",
                ylabel="loss (log scale)" if log_loss else "loss",
                title=f"{len(runs)} runs compared (dotted line: end of that run's plateau)")
    ax_out.set(ylabel="output a (first sample)")
    ax_grad.set(yscale="log", ylabel="|grad C| (log scale)", xlabel="epoch",
                xlim=(0, max(run.metrics["epoch"][-1] for run in runs)))
    ax_loss.legend(loc="best", fontsize="small")
    for ax in (ax_loss, ax_out, ax_grad):
        ax.grid(alpha=0.3, which="both")
    return fig
