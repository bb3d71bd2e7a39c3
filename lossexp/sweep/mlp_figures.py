"""Figures of an MLP sweep, drawn from its integer totals and summary:

- plateaus.png: per series, the share of seeds still on their plateau after t epochs
  (never-left ones at the right edge), with the sentence's length marked;
- cdf.png: the share of seeds at the milestone (95 % accuracy, or the target) by each epoch;
- stuck.png: the share of seeds stuck at the end against the init scale, one line per
  (loss, learning rate), drawn where the sweep has several scales.

matplotlib is imported only here and only when a figure is drawn (object-oriented API, no
pyplot); files are saved through ``lossexp.output.figure_files.save``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lossexp.output.figure_files import save
from lossexp.sweep.figures import SERIES_COLORS
from lossexp.sweep.mlp_summary import stuck_by_scale

_MILESTONE_WORDS = {"epochs_to_95pct_accuracy": "95 % accuracy",
                    "epochs_to_target": "the target"}


def _figure(width=7.0, height=4.4):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.subplots()


def _color(i: int) -> str:
    return SERIES_COLORS[i % len(SERIES_COLORS)]


def plot_plateaus(summary: dict, tallies, directory: Path) -> None:
    fig, ax = _figure()
    epochs = summary["epochs"]
    t = np.arange(epochs + 1)
    for i, (row, tally) in enumerate(zip(summary["series"], tallies)):
        hist = tally.plateau_epochs
        # plateau longer than t: the plateaus of more than t epochs plus those never left,
        # of all the networks (the sentence's share; a diverged one is in neither)
        longer = hist.sum() - np.cumsum(hist[:-1])
        ax.step(t, 100.0 * longer / max(row["networks"], 1), where="post", color=_color(i),
                label=row["series"])
    ax.axvline(summary["longer_than"], color="#999999", lw=1, ls="--")
    ax.set_xlabel("epochs t")
    ax.set_ylabel("seeds on a plateau longer than t (%)")
    ax.set_ylim(0, 100)
    ax.set_title(f"{summary['name']}: plateaus (never left: counted at every t)")
    ax.legend(fontsize="small")
    save(fig, directory, "plateaus")


def plot_cdf(summary: dict, tallies, directory: Path) -> None:
    fig, ax = _figure()
    epochs = summary["epochs"]
    for i, (row, tally) in enumerate(zip(summary["series"], tallies)):
        hist = tally.milestone
        share = 100.0 * np.cumsum(hist[:-1]) / max(hist.sum(), 1)
        ax.step(np.arange(epochs + 1), share, where="post", color=_color(i), label=row["series"])
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"seeds at {_MILESTONE_WORDS[summary['milestone']]} (%)")
    ax.set_ylim(0, 100)
    ax.set_title(f"{summary['name']}: epochs to {_MILESTONE_WORDS[summary['milestone']]}")
    ax.legend(fontsize="small")
    save(fig, directory, "cdf")


def plot_stuck(summary: dict, directory: Path) -> None:
    lines = stuck_by_scale(summary["series"])
    if not any(len(scales) > 1 for scales, _ in lines.values()):
        return
    fig, ax = _figure(6.0)
    for i, (label, (scales, stuck)) in enumerate(lines.items()):
        ax.plot(scales, stuck, marker="o", color=_color(i), label=label)
    ax.set_xscale("log")
    ticks = sorted({s for scales, _ in lines.values() for s in scales})
    ax.set_xticks(ticks, [f"{s:g}" for s in ticks])
    ax.set_xticks([], minor=True)
    ax.set_xlabel("init scale (std of W, b)")
    ax.set_ylabel("seeds stuck at the end (%)")
    ax.set_ylim(0, 100)
    ax.set_title(f"{summary['name']}: stuck against init scale")
    ax.legend(fontsize="small")
    save(fig, directory, "stuck")


def plot_mlp_sweep(summary: dict, tallies, directory: Path) -> None:
    plot_plateaus(summary, tallies, directory)
    plot_cdf(summary, tallies, directory)
    plot_stuck(summary, directory)
