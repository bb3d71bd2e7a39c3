"""Figures of a sweep: which starts are slow, and how slow they get.

- z0.png (a task of one sample): epochs to target and plateau epochs against the start's
  z0 = w0 x + b0, which is all the outcome depends on, one line per series, with what
  theory predicts (lossexp.train.theory) dashed beside each.
- heatmap.png (several samples, where w0 and b0 matter apart): epochs to target over the
  (w, b) plane, one panel per series, with the starts that begin saturated outlined.
- cdf.png: the share of the starts that had to learn on target by each epoch, one line
  per series.
- curves.png (when ``sweep.curves`` > 0): the sampled loss curves, one panel per series.

matplotlib is imported only here and only when a figure is drawn (object-oriented API, no
pyplot); files are saved through ``lossexp.output.figure_files.save_all``, two at once on
Linux.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lossexp.output.figure_files import save_all
from lossexp.sweep.summary import learners

NEVER_COLOR = "#6d6875"
OUTLINE_COLOR = "#e63946"
SERIES_COLORS = ("#1d3557", "#e76f51", "#2a9d8f", "#e9c46a", "#8338ec", "#6a994e")


PANELS_PER_ROW = 3


def _figure(panels: int, width=4.6, height=4.2, *, sharey=True):
    """A figure of ``panels`` panels, one per series, at most PANELS_PER_ROW to a row; the
    axes, in order. Every panel shows its epoch ticks, as some stand above an empty slot."""
    from matplotlib.figure import Figure

    cols = min(panels, PANELS_PER_ROW)
    rows = -(-panels // cols)
    fig = Figure(figsize=(width * cols + 0.8, height * rows), layout="constrained")
    grid = fig.subplots(rows, cols, squeeze=False, sharex=True, sharey=sharey).ravel()
    for ax in grid[panels:]:
        fig.delaxes(ax)
    axes = list(grid[:panels])
    for ax in axes:
        ax.xaxis.set_tick_params(labelbottom=True)
    return fig, axes


def _label_rows(axes, label: str) -> None:
    """The y label on the first panel of each row."""
    for ax in axes[::PANELS_PER_ROW]:
        ax.set_ylabel(label)


def saturated_at_start(cfg: dict, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """True where a neuron starting at (w, b) is saturated on every sample of the task."""
    from lossexp.tasks import make_data

    act = cfg["model"]["activation"].built
    x = make_data(cfg["task"], cfg["train"]["seed"]).x[:, 0]
    z = w[..., None] * x + b[..., None]
    return act.saturated(z).all(axis=-1)


def heatmap_figure(plan, tallies):
    from matplotlib.colors import PowerNorm

    w_edges, b_edges = plan.starts.cell_edges()
    fig, axes = _figure(len(tallies))
    w_fine = np.linspace(w_edges[0], w_edges[-1], 401)
    b_fine = np.linspace(b_edges[0], b_edges[-1], 401)
    bb, ww = np.meshgrid(b_fine, w_fine)
    saturated = saturated_at_start(plan.config, ww, bb).astype(float)
    top = max(1, max(int(np.flatnonzero(t.epochs_to_target[:-1]).max(initial=0)) for t in tallies))
    mesh, outlined = None, saturated.any() and not saturated.all()
    any_never = False
    for ax, series, tally in zip(axes, plan.series, tallies):
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = tally.heat_epochs / tally.heat_reached
        mostly_never = 2 * tally.heat_reached < tally.heat_count
        any_never |= bool(mostly_never.any())
        ax.pcolormesh(b_edges, w_edges, np.ma.masked_where(~mostly_never, np.ones_like(mean)),
                      cmap=_single(NEVER_COLOR), vmin=0, vmax=1)
        # A square-root colour scale: the fast starts' differences (20 epochs against 70)
        # show beside the slow ones' (100 against 300) on one shared scale.
        mesh = ax.pcolormesh(b_edges, w_edges, np.ma.masked_where(mostly_never | ~np.isfinite(mean), mean),
                             cmap="viridis", norm=PowerNorm(0.5, vmin=0, vmax=top))
        if outlined:
            ax.contour(b_fine, w_fine, saturated, levels=[0.5], colors=OUTLINE_COLOR,
                       linewidths=1.5, linestyles="--")
        ax.set_title(series.label, fontsize="medium")
        ax.set_xlabel("initial bias b0")
    _label_rows(axes, "initial weight w0")
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    act = plan.config["model"]["activation"]["name"]
    handles = [Line2D([], [], color=OUTLINE_COLOR, ls="--",
                      label=f"outline of the saturated starts ({act}'(z0) < 10% of its peak)")
               ] if outlined else []  # a legend names only what is drawn
    handles += [Patch(color=NEVER_COLOR, label="most starts never reach the target")
                ] if any_never else []
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncols=2, fontsize="small",
                   frameon=False)
    fig.colorbar(mesh, ax=list(axes), label="epochs to target (cell mean, square-root colour scale)")
    fig.suptitle(f"{plan.config['name']}: epochs to reach |a - y| < "
                 f"{plan.config['target']['tolerance']:g} from each start")
    return fig


def _single(color):
    from matplotlib.colors import ListedColormap

    return ListedColormap([color])


def cdf_figure(plan, tallies):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.0, 4.2), layout="constrained")
    ax = fig.add_subplot()
    epochs = np.arange(plan.epochs + 1)
    for i, (series, tally) in enumerate(zip(plan.series, tallies)):
        # Over the starts that had to learn, as the table, the percentiles and the sentence:
        # the dotted lines cross each curve at its p90 and p99.
        hist = learners(tally.epochs_to_target)
        learning = max(int(hist.sum()), 1)
        share = np.cumsum(hist[:-1]) / learning
        never = 100 * tally.never / learning
        ax.step(epochs, share, where="post", lw=2, color=SERIES_COLORS[i % len(SERIES_COLORS)],
                label=f"{series.label}  (never: {never:.3g}%)")
    ax.axhline(0.9, color="#999999", lw=1, ls=":")
    ax.axhline(0.99, color="#999999", lw=1, ls=":")
    ax.set_xlim(0, plan.epochs)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("epoch")
    ax.set_ylabel("share of the starts that had to learn\non target")
    ax.set_title(f"{plan.config['name']}: how many starts have reached the target by each epoch"
                 f"\n(those on target from epoch 0 left out; dotted: 90% and 99%)",
                 fontsize="medium")
    ax.grid(alpha=0.3)
    # Below the axes: inside, any corner may hide the slow tail of one of the curves.
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", fontsize="small",
               ncols=min(len(plan.series), 2), frameon=False)
    return fig


def curves_figure(plan, tallies):
    from lossexp.output.plotting import log_y
    from lossexp.sweep.chunk import thinned_epochs

    epochs = thinned_epochs(plan.epochs)
    fig, axes = _figure(len(tallies), width=4.4, height=3.8, sharey=False)
    for i, (ax, series, tally) in enumerate(zip(axes, plan.series, tallies)):
        color = SERIES_COLORS[i % len(SERIES_COLORS)]
        curves = [np.where(np.isfinite(c), c, np.nan)
                  for c in (tally.curves[start] for start in sorted(tally.curves))]
        for curve in curves:
            ax.plot(epochs, curve, color=color, lw=0.8, alpha=0.35)
        if curves and np.nanmin(curves, initial=np.inf) > 0:
            # Losses spanning decades (a plateau, a slow tail, a blow-up) all stay visible.
            log_y(ax)
        ax.set_title(f"{series.label}\n{len(tally.curves)} sampled starts", fontsize="medium")
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    _label_rows(axes, "loss")
    fig.suptitle(f"{plan.config['name']}: loss curves of evenly spread starts")
    return fig


THEORY_POINTS = 61
THEORY_GRID = 4001  # z values each prediction integrates over: a drawn line needs no more


def _bin_means(tally, field: str, count: str) -> np.ndarray:
    """Per z0 bin, the summed ``field`` over the ``count`` starts; NaN where there are none."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return tally.by_z0(field) / tally.by_z0(count)


def _theory(series, z0s: np.ndarray, x: float):
    """Predicted (epochs to target, plateau epochs) at each z0; NaN where never."""
    from lossexp.train.model import build_model
    from lossexp.train.theory import predict

    cfg = series.config
    network, _, _ = build_model(cfg)
    y = float(np.atleast_1d(cfg["task"].get("y", 0.0))[0])
    predictions = [predict(network, z0=float(z0), x=x, y=y, lr=cfg["train"]["lr"],
                           epochs=cfg["train"]["epochs"], tolerance=cfg["target"]["tolerance"],
                           plateau_fraction=cfg["target"]["plateau_fraction"],
                           grid_points=THEORY_GRID) for z0 in z0s]
    target = [np.nan if p is None or p.epochs_to_target is None else p.epochs_to_target
              for p in predictions]
    plateau = [np.nan if p is None or p.plateau_epochs is None else p.plateau_epochs
               for p in predictions]
    return np.array(target), np.array(plateau)


def _line(ax, x, y, **style) -> None:
    """A line through the finite points, and a dot at each one with no finite neighbour,
    which a line alone would leave out (a series that reaches the target from one bin)."""
    ax.plot(x, y, **style)
    finite = np.isfinite(y)
    before = np.concatenate([[False], finite[:-1]])
    after = np.concatenate([finite[1:], [False]])
    alone = finite & ~before & ~after
    if alone.any():
        ax.plot(x[alone], y[alone], ls="none", marker="o", ms=3.5, color=style["color"])


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, end) of each run of consecutive True in ``mask``, end exclusive: one shaded
    span a run, not one a bin (a hundred patches took longer to build than the rest)."""
    change = np.flatnonzero(np.diff(np.concatenate([[False], mask, [False]]).astype(np.int8)))
    return list(zip(change[::2].tolist(), change[1::2].tolist()))


def z0_figure(plan, tallies):
    """Epochs to target and plateau epochs against z0, measured (solid) and predicted (dashed)."""
    from lossexp.output.plotting import figure, log_y

    fig, (ax_target, ax_plateau) = figure(10.5, 7.0, rows=2)
    fig.subplots_adjust(right=0.66)  # the legend goes to the right of the panels
    edges = plan.z0_edges
    centres = 0.5 * (edges[:-1] + edges[1:])
    starts = sum(t.by_z0("starts") for t in tallies)
    used = np.flatnonzero(starts)
    lo, hi = (centres[used[0]], centres[used[-1]]) if used.size else (edges[0], edges[-1])
    z_theory = np.linspace(lo, hi, THEORY_POINTS)
    x = float(plan.task_x[0, 0])
    any_stuck = any_diverged = False
    for i, (series, tally) in enumerate(zip(plan.series, tallies)):
        color = SERIES_COLORS[i % len(SERIES_COLORS)]
        # A line through the bins that hold starts (a coarse grid leaves bins between empty).
        # over the starts that had to learn, as the summary's percentiles: a start on
        # target at epoch 0 would pull a bin's mean towards 0, off the bottom of the log axis
        with np.errstate(invalid="ignore", divide="ignore"):
            target = tally.by_z0("target_epochs") / (tally.by_z0("reached")
                                                     - tally.by_z0("on_target_at_start"))
        held = tally.by_z0("starts") > 0
        _line(ax_target, centres[held], target[held], color=color, lw=2, label=series.label)
        plateau = np.where(tally.by_z0("plateaued") > 0,
                           _bin_means(tally, "plateau_epochs", "plateaued"), 0.0)
        stuck = tally.by_z0("stuck") * 2 > tally.by_z0("starts")
        diverged = tally.by_z0("diverged") * 2 > tally.by_z0("starts")
        plateau[stuck | diverged] = np.nan
        _line(ax_plateau, centres[held], plateau[held], color=color, lw=2)
        any_stuck |= bool(stuck.any())
        any_diverged |= bool(diverged.any())
        ax_plateau.plot(centres[stuck], np.full(stuck.sum(), plan.epochs), ls="none",
                        marker="^", ms=4, color=color)
        for ax in (ax_target, ax_plateau):
            ax.plot(centres[diverged], np.full(diverged.sum(), plan.epochs), ls="none",
                    marker="x", ms=5, mew=1.5, color=color)
        t_target, t_plateau = _theory(series, z_theory, x)
        ax_target.plot(z_theory, t_target, color=color, lw=1.2, ls="--")
        ax_plateau.plot(z_theory, t_plateau, color=color, lw=1.2, ls="--")
    on_target = (sum(t.by_z0("on_target_at_start") for t in tallies) == starts) & (starts > 0)
    for ax in (ax_target, ax_plateau):
        for first, end in _runs(on_target):
            ax.axvspan(edges[first], edges[end], color="#d8f3dc", lw=0)
        ax.grid(alpha=0.3, which="both")
    if np.any(np.isfinite(np.concatenate([line.get_ydata() for line in ax_target.lines]))):
        log_y(ax_target)
    ax_target.set_ylabel("epochs to target (mean of the\nstarts that learn and reach it)")
    ax_plateau.set_ylabel("plateau epochs\n(mean; 0: learning starts at once)")
    ax_plateau.set_xlabel("z0 = w0 x + b0 at the start")
    ax_plateau.set_xlim(lo, hi)
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = ax_target.get_legend_handles_labels()[0] + [
        Line2D([], [], color="#555555", ls="--", label="theory: the flow of z")]
    if any_stuck:  # a legend names only what is drawn
        handles.append(Line2D([], [], color="#555555", ls="none", marker="^",
                              label=f"most starts still on the plateau after {plan.epochs} epochs"))
    if any_diverged:
        handles.append(Line2D([], [], color="#555555", ls="none", marker="x", mew=1.5,
                              label="most starts diverged (loss beyond 1e+100)"))
    if on_target.any():
        handles.append(Patch(color="#d8f3dc", label="on target from epoch 0: nothing to learn"))
    ax_target.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                     fontsize="small", borderaxespad=0)
    ax_target.set_title(f"{plan.config['name']}: how long from each start, measured and predicted",
                        fontsize="medium")
    return fig


def plot_sweep(plan, tallies, directory: Path) -> list[Path]:
    """Draw and save the sweep's figures as PNG in ``directory``: the outcome against z0
    for a one-sample task, over the (w0, b0) plane otherwise, then the share on target."""
    # A diverged start's losses reach 1e308, where matplotlib's log axis overflows on its
    # way to the ticks (as for a run's figures, lossexp.run.figures): not an error here.
    with np.errstate(over="ignore", invalid="ignore"):
        figures = [(z0_figure(plan, tallies), "z0") if plan.one_sample
                   else (heatmap_figure(plan, tallies), "heatmap"),
                   (cdf_figure(plan, tallies), "cdf")]
        if plan.config["sweep"]["curves"]:
            figures.append((curves_figure(plan, tallies), "curves"))
        return save_all(figures, directory, formats=("png",))
