"""What every figure shares: fixed-margin figures, log axes labelled in plain text, the
title line of a run, and values made safe for a log axis.

Figure modules import matplotlib only when a plot is drawn, and use the object-oriented API
(``Figure``) rather than pyplot: no global state, no GUI backend.
"""

from __future__ import annotations

import numpy as np

from lossexp.output.diverged import drawable


def figure(width=7.0, height=4.2, *, rows=1, cols=1, bottom=0.12, left=0.11):
    """A figure with fixed margins that fit a two-line title and the axis labels.

    Fixed margins rather than constrained layout: solving the layout cost more than
    drawing the figure, and these figures all have the same furniture. Stacked rows share
    the x axis; side-by-side columns do not.
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    fig.subplots_adjust(left=left, right=0.96, bottom=bottom, top=1 - 0.6 / height,
                        hspace=0.12, wspace=0.28)
    if rows > 1 or cols > 1:
        return fig, fig.subplots(rows, cols, sharex=cols == 1)
    return fig, fig.add_subplot()


def log_y(ax) -> None:
    """A log y axis labelled in plain text (1e−02), skipping mathtext's slow parser. An
    axis spanning about two decades or less also labels its 2x and 5x ticks (2e−02, 5e−02),
    so a curve that stays inside one decade still has values to read against.

    matplotlib's LogFormatter writes both, so majors and minors match (same minus sign);
    its minor_thresholds decide when minors are labelled: (2, inf) means at most two
    decades (from matplotlib 3.10 on: at most two decade ticks), and then every minor.
    """
    import math

    from matplotlib.ticker import LogFormatter, LogLocator

    drawn = [np.asarray(line.get_ydata(), dtype=float) for line in ax.get_lines()]
    if drawn and not any(np.any(np.isfinite(y) & (y > 0)) for y in drawn):
        return  # nothing a log axis could show (matplotlib would warn): stay linear
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(LogFormatter(labelOnlyBase=True))
    ax.yaxis.set_minor_locator(LogLocator(subs=(2.0, 5.0)))
    ax.yaxis.set_minor_formatter(LogFormatter(labelOnlyBase=False,
                                              minor_thresholds=(2, math.inf)))


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


def positive_or_nan(values):
    """|values| with zeros, non-finite values and values beyond PLOT_LIMIT as NaN: gaps on
    a log axis, not failures."""
    values = np.abs(drawable(values))
    return np.where(values > 0, values, np.nan)
