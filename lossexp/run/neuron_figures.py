"""The single neuron's own figures: gradients.png (error, slope and delta) and
saturation.png (where z travelled along the activation, and z against the epoch).

The chapter's idea drawn: delta = dC/dz = error x slope for the quadratic cost, where the
slope sigma'(z) vanishes in saturation; with cross-entropy after a sigmoid the slope
cancels and delta is the error itself. No matplotlib import here: axes come from
``lossexp.output.plotting``.
"""

from __future__ import annotations

import numpy as np

from lossexp.library.activations import SATURATION_FRACTION
from lossexp.library.fused import fused_output
from lossexp.output.plotting import figure, log_y, positive_or_nan, run_label
from lossexp.run.figure_marks import (
    DELTA_COLOR,
    ERROR_COLOR,
    SLOPE_COLOR,
    epoch_marks,
    mark_plateau,
    mark_theory,
    saturates,
)

SATURATED_COLOR = "#e0e0e0"


def _parts(cfg: dict):
    loss, act = cfg["loss"].built, cfg["model"]["activation"].built
    return loss, act, fused_output(loss, act) is not None


def gradients_figure(cfg: dict, metrics: dict, summary: dict, *, y: float, x: float = 1.0):
    """Top: the error |a - y|, |delta| and (when it differs from both) the loss's own factor
    |dC/da|; below, for an activation that saturates, its slope, as a factor of delta or
    as cancelled."""
    loss, act, fused = _parts(cfg)
    with_slope = saturates(act)
    fig, axes = figure(height=6.4 if with_slope else 4.2, rows=2 if with_slope else 1,
                       bottom=0.08 if with_slope else 0.12)
    top = axes[0] if with_slope else axes
    epochs, a = metrics["epoch"], np.asarray(metrics["output"], dtype=float)
    error = np.abs(a - y)
    top.plot(epochs, positive_or_nan(error), color=ERROR_COLOR, lw=2.4, label="error |a - y|")
    factor = np.abs(loss.grad(a, np.full_like(a, y)))
    if not fused and with_slope and not np.allclose(factor, error):
        top.plot(epochs, positive_or_nan(factor), color="#f4a261", lw=1.5,
                 label=f"loss factor |{loss.gradient}| (what {loss.name} makes of the error)")
    if fused:
        formula = f"|{fused_output(loss, act).delta_formula}|"
    else:
        formula = f"|{loss.gradient}|" + (f" x {act.name}'(z)" if with_slope else "")
    same = np.allclose(metrics["grad_w"], metrics["grad_b"]) and np.isclose(x, 1.0)
    also = "  (= |dC/dw| = |dC/db|: x = 1)" if same else ""
    top.plot(epochs, positive_or_nan(metrics["delta"]), color=DELTA_COLOR, lw=1.6,
             ls="--" if fused or not with_slope else "-",
             label=f"|delta| = |dC/dz| = {formula}{also}")
    if not same:
        top.plot(epochs, positive_or_nan(metrics["grad_w"]), color="#457b9d", lw=1.2, ls=":",
                 label=f"|dC/dw| = |delta| x (x = {x:g})")
    log_y(top)
    top.set_ylabel("magnitude (log scale)")
    if fused:
        what = "delta = a - y: the slope cancels, delta is the error"
    elif with_slope:
        what = f"delta = error x slope: big error, tiny {act.name}'(z), tiny gradient"
    else:
        what = f"{act.name}'(z) = 1: delta is the loss's own factor"
    top.set_title(f"{cfg['name']}: {what}\n{run_label(cfg)}")
    panels = [top]
    if with_slope:
        bottom = axes[1]
        slope = metrics["activation_grad"]
        if fused:
            bottom.plot(epochs, positive_or_nan(slope), color=SLOPE_COLOR, lw=1.5, ls=":",
                        label=f"{act.name}'(z): cancelled by {loss.name}, not a factor of delta")
        else:
            bottom.plot(epochs, positive_or_nan(slope), color=SLOPE_COLOR, lw=2,
                        label=f"{act.name}'(z): the factor of delta that vanishes in saturation")
        bottom.axhline(SATURATION_FRACTION * act.peak_slope, color="#999999", lw=1,
                       label=f"saturated below ({SATURATION_FRACTION:.0%} of the steepest slope)")
        log_y(bottom)
        bottom.set_ylabel("slope (log scale)")
        panels.append(bottom)
    for ax in panels:
        mark_plateau(ax, summary, label=ax is top)
        mark_theory(ax, summary, label=ax is top)
        ax.set_xlim(epochs[0], epochs[-1])
        ax.grid(alpha=0.3, which="both")
        ax.legend(loc="upper right" if ax is top else "best", fontsize="small")
    _room_for_the_legend(top, np.concatenate([error, np.abs(metrics["delta"])]))
    panels[-1].set_xlabel("epoch")
    return fig


def _room_for_the_legend(ax, shown) -> None:
    """A log axis whose curves fill its lower part, leaving the top to the legend (about a
    fourteenth of the panel per entry), so that no entry hides a curve."""
    shown = shown[np.isfinite(shown) & (shown > 0)]
    if not shown.size or shown.max() >= 1e300:
        return
    entries = len(ax.get_legend_handles_labels()[0])
    legend = min(0.12 + 0.07 * entries, 0.7)  # share of the panel's height
    low, high = np.log10(shown.min() / 1.5), np.log10(shown.max() * 1.5)
    ax.set_ylim(10 ** low, 10 ** (low + (high - low) / (1 - legend)))


def _saturated_z(act, span: float):
    z = np.linspace(-span, span, 801)
    return z, act.saturated(z)


def saturation_figure(cfg: dict, metrics: dict, summary: dict):
    """Left: the activation, the saturated bands, and z's path with every k-th epoch
    marked. Right: z against the epoch, so a slow crawl shows as a slow line."""
    _, act, _ = _parts(cfg)
    fig, (curve, walk) = figure(11.0, 4.6, cols=2, left=0.07, bottom=0.13)
    z_path = np.asarray(metrics["z"], dtype=float)
    epochs = np.asarray(metrics["epoch"])
    finite = z_path[np.isfinite(z_path)]
    span = max(6.0, 1.1 * float(np.max(np.abs(finite)))) if finite.size else 6.0
    z, stuck = _saturated_z(act, span)
    curve.fill_between(z, 0, 1, where=stuck, transform=curve.get_xaxis_transform(),
                       color=SATURATED_COLOR, label="saturated (slope < 10% of max)")
    curve.plot(z, act.value(z), color="#8d99ae", lw=2, label=f"{act.name}(z)", zorder=2)
    a_path = act.value(z_path)
    curve.plot(z_path, a_path, color="#e76f51", lw=1.5, zorder=3)
    step = epoch_marks(int(epochs[-1]))
    marked = epochs % step == 0
    curve.plot(z_path[marked], a_path[marked], "o", ms=5, color="#e76f51", mec="white",
               zorder=4, label=f"every {step} epochs")
    last = None  # label a mark only if it is clear of the last one labelled
    for e, zi, ai in zip(epochs[marked], z_path[marked], a_path[marked]):
        if np.isfinite(zi) and (last is None or np.hypot((zi - last[0]) / span, ai - last[1]) > 0.09):
            curve.annotate(f"{e}", (zi, ai), textcoords="offset points", xytext=(5, -10),
                           fontsize="x-small", color="#9c3d26")
            last = (zi, ai)
    curve.plot(z_path[0], a_path[0], "o", ms=10, mfc="none", mec="#e63946", mew=2,
               label=f"start z = {z_path[0]:.3g}", zorder=5)
    curve.plot(z_path[-1], a_path[-1], "s", ms=9, mfc="none", mec="#2a9d8f", mew=2,
               label=f"end z = {z_path[-1]:.3g}", zorder=5)
    curve.set_xlabel("pre-activation z = w x + b")
    curve.set_ylabel("output a")
    curve.set_title(f"where z travelled on the {act.name}")
    curve.legend(loc="upper left", fontsize="small")

    low, high = float(np.min(finite, initial=-1)), float(np.max(finite, initial=1))
    pad = 0.1 * max(high - low, 1.0)
    band = z[stuck]
    for side in (band[band > 0], band[band < 0]):
        if side.size:
            walk.axhspan(max(side.min(), low - pad) if side[0] > 0 else min(side.max(), high + pad),
                         high + pad if side[0] > 0 else low - pad, color=SATURATED_COLOR, lw=0)
    walk.plot(epochs, z_path, color="#e76f51", lw=2, label="z(t)")
    walk.set_ylim(low - pad, high + pad)
    walk.set_xlim(epochs[0], epochs[-1])
    walk.set_xlabel("epoch")
    walk.set_ylabel("z")
    walk.set_title("z against the epoch (grey: saturated)")
    mark_plateau(walk, summary)
    mark_theory(walk, summary)
    walk.legend(loc="best", fontsize="small")
    for ax in (curve, walk):
        ax.grid(alpha=0.3)
    fig.suptitle(f"{cfg['name']}: {run_label(cfg)}", fontsize="medium")
    return fig
