"""The figure of ``lossexp compare``: several runs' curves overlaid."""

from __future__ import annotations

import numpy as np

from lossexp.output.diverged import diverged_at, drawable, mark_divergence
from lossexp.output.plotting import positive_or_nan, run_label
from lossexp.train.features import gradient_norm


def _loss_kinds(runs: list) -> set:
    return {(run.config.get("loss") or {}).get("name") for run in runs}


def _target_band(run):
    """(low, high) of the output's target band, when the run's task names its target y."""
    y = (run.config.get("task") or {}).get("y")
    tol = (run.config.get("target") or {}).get("tolerance")
    return None if y is None or tol is None else (y - tol, y + tol)


def compare_figure(runs: list, labels: list[str]):
    """Three stacked panels sharing the epoch axis: loss, output and |grad C| per run
    (``lossexp.curves.compare.Run``s, with the column ``labels`` of the table).

    Losses of different kinds (quadratic and cross-entropy) have different units, so they
    are drawn as C / C(0), each run's loss over its own initial loss. The output panel
    shades the target band and marks each run's epoch to target with a diamond.
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, 8.5), layout="constrained")
    ax_loss, ax_out, ax_grad = fig.subplots(3, 1, sharex=True)
    # A loss that goes negative (a Gaussian NLL, uncertainty weighting) has no log axis:
    # its magnitude would dip to zero and climb again where the loss just keeps falling.
    log_loss = all(np.all(loss[np.isfinite(loss)] > 0)
                   for loss in (run.metrics["loss"] for run in runs))
    normalise = len(_loss_kinds(runs)) > 1
    # A diverged run is drawn up to where it left float range, and marked there; its output,
    # climbing to 1e300, would flatten every other run's on a linear axis.
    diverged = [diverged_at(run.metrics) for run in runs]
    for band in sorted({b for b in map(_target_band, runs) if b is not None}):
        ax_out.axhspan(*band, color="#2a9d8f", alpha=0.15, lw=0,
                       label=f"target band {band[0] + (band[1] - band[0]) / 2:g} "
                             f"+- {(band[1] - band[0]) / 2:g}")
    for index, (run, label) in enumerate(zip(runs, labels)):
        style = ("-", "--", ":", "-.")[index // 10 % 4]
        epochs = run.metrics["epoch"]
        loss = np.asarray(run.metrics["loss"], dtype=float)
        if normalise and loss.size and np.isfinite(loss[0]) and loss[0] != 0:
            loss = loss / abs(loss[0])
        loss = positive_or_nan(loss) if log_loss else drawable(loss)
        gone = "" if diverged[index] is None else f" (diverged at epoch {diverged[index]})"
        (line,) = ax_loss.plot(epochs, loss, ls=style, lw=1.8,
                               label=f"{label}: {run_label(run.config)}{gone}")
        colour = line.get_color()
        for ax in (ax_loss, ax_out, ax_grad):
            mark_divergence(ax, diverged[index], color=colour, label="")
        plateau = run.summary.get("plateau_epochs") or 0
        if plateau:
            ax_loss.axvline(plateau, color=colour, ls=":", lw=1.2)
        ax_out.plot(epochs, drawable(run.metrics["output"]), color=colour, ls=style, lw=1.8)
        reached = run.summary.get("epochs_to_target")
        row = None if reached is None else int(np.searchsorted(epochs, reached))
        if row is not None and row < len(epochs) and epochs[row] == reached:
            ax_out.plot([reached], [run.metrics["output"][row]], "D", ms=8,
                        color=colour, mec="black",
                        label=f"{label}: target reached at epoch {reached}")
        grad = gradient_norm(run.metrics)
        if grad is not None:
            ax_grad.plot(epochs, positive_or_nan(grad), color=colour, ls=style, lw=1.8)
    what = "loss / its initial value C(0)" if normalise else "loss"
    ax_loss.set(yscale="log" if log_loss else "linear",
                ylabel=f"{what} (log scale)" if log_loss else what,
                title=f"{len(runs)} runs compared (dotted line: end of that run's plateau)")
    if any(epoch is not None for epoch in diverged):  # linear within +-1, decades beyond
        ax_out.set_yscale("symlog", linthresh=1.0)
        ax_out.set(ylabel="output a (first sample, symlog scale)")
    else:
        ax_out.set(ylabel="output a (first sample)")
    if ax_out.get_legend_handles_labels()[0]:
        ax_out.legend(loc="best", fontsize="small")
    ax_grad.set(yscale="log", ylabel="|grad C| (log scale)", xlabel="epoch",
                xlim=(0, max(run.metrics["epoch"][-1] for run in runs)))
    ax_loss.legend(loc="best", fontsize="small")
    for ax in (ax_loss, ax_out, ax_grad):
        ax.grid(alpha=0.3, which="both")
    return fig
