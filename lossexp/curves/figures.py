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


def _classifier(run) -> bool:
    """Judged by its accuracy (as in compare.md), not by its output reaching a band."""
    return "epochs_to_95pct_accuracy" in run.summary


def _limit_to(ax, curves, *, log: bool) -> None:
    """The y range of ``curves`` (the runs that did not diverge), with a margin: a diverged
    run's line leaves the panel through its top instead of squashing every other run."""
    values = np.concatenate([np.ravel(c) for c in curves]) if curves else np.empty(0)
    values = values[np.isfinite(values)]
    if log:
        values = values[values > 0]
    if not values.size:
        return
    lo, hi = values.min(), values.max()
    if log:
        ax.set_ylim(lo / 3, hi * 3)
    else:
        pad = 0.08 * (hi - lo) or 0.5
        ax.set_ylim(lo - pad, hi + pad)


def compare_figure(runs: list, labels: list[str]):
    """Three stacked panels sharing the epoch axis: loss, output and |grad C| per run
    (``lossexp.curves.compare.Run``s, with the column ``labels`` of the table).

    Losses of different kinds (quadratic and cross-entropy) have different units, so they
    are drawn as C / C(0), each run's loss over its own initial loss. The output panel
    shades the target band and marks with a diamond the epoch each run judged by it (not
    a classifier, judged by its accuracy) reached the band. A run that diverged is drawn
    up to where it left the panel, scaled to the others, and dashed at that epoch.
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, 8.5), layout="constrained")
    ax_loss, ax_out, ax_grad = fig.subplots(3, 1, sharex=True)
    # A loss that goes negative (a Gaussian NLL, uncertainty weighting) has no log axis:
    # its magnitude would dip to zero and climb again where the loss just keeps falling.
    log_loss = all(np.all(loss[np.isfinite(loss)] > 0)
                   for loss in (run.metrics["loss"] for run in runs))
    normalise = len(_loss_kinds(runs)) > 1
    diverged = [diverged_at(run.metrics) for run in runs]
    bands = {}
    for run, label in zip(runs, labels):
        if _target_band(run) is not None:
            bands.setdefault(_target_band(run), []).append(label)
    for band, owners in sorted(bands.items()):
        whose = "" if len(owners) == len(runs) else f" ({', '.join(owners)})"
        ax_out.axhspan(*band, color="#2a9d8f", alpha=0.15, lw=0,
                       label=f"target band {band[0] + (band[1] - band[0]) / 2:g} "
                             f"+- {(band[1] - band[0]) / 2:g}{whose}")
    kept = {ax: [] for ax in (ax_loss, ax_out, ax_grad)}  # the runs that did not diverge
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
            mark_divergence(ax, diverged[index], color=colour, label="", ls=(0, (6, 3)))
        plateau = run.summary.get("plateau_epochs") or 0
        if plateau:
            ax_loss.axvline(plateau, color=colour, ls=":", lw=1.2)
        output = drawable(run.metrics["output"])
        ax_out.plot(epochs, output, color=colour, ls=style, lw=1.8)
        reached = None if _classifier(run) else run.summary.get("epochs_to_target")
        row = None if reached is None else int(np.searchsorted(epochs, reached))
        if row is not None and row < len(epochs) and epochs[row] == reached:
            ax_out.plot([reached], [run.metrics["output"][row]], "D", ms=8,
                        color=colour, mec="black",
                        label=f"{label}: target reached at epoch {reached}")
        grad = gradient_norm(run.metrics)
        grad = None if grad is None else positive_or_nan(grad)
        if grad is not None:
            ax_grad.plot(epochs, grad, color=colour, ls=style, lw=1.8)
        if diverged[index] is None:
            kept[ax_loss].append(loss)
            kept[ax_out].append(output)
            if grad is not None:
                kept[ax_grad].append(grad)
    if any(epoch is not None for epoch in diverged):
        _limit_to(ax_loss, kept[ax_loss], log=log_loss)
        _limit_to(ax_out, kept[ax_out] + [np.array(band) for band in bands], log=False)
        _limit_to(ax_grad, kept[ax_grad], log=True)
    what = "loss / its initial value C(0)" if normalise else "loss"
    ax_loss.set(yscale="log" if log_loss else "linear",
                ylabel=f"{what} (log scale)" if log_loss else what,
                title=f"{len(runs)} runs compared (dotted line: end of that run's plateau"
                      + ("; dashed: where it diverged" if any(d is not None for d in diverged)
                         else "") + ")")
    ax_out.set(ylabel="output a (first sample)")
    if ax_out.get_legend_handles_labels()[0]:
        ax_out.legend(loc="best", fontsize="small")
    ax_grad.set(yscale="log", ylabel="|grad C| (log scale)", xlabel="epoch",
                xlim=(0, max(run.metrics["epoch"][-1] for run in runs)))
    ax_loss.legend(loc="best", fontsize="small")
    for ax in (ax_loss, ax_out, ax_grad):
        ax.grid(alpha=0.3, which="both")
    return fig
