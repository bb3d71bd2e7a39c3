"""A run that diverged, and drawing one: its finite part, and the epoch it stopped being one.

A run has diverged when its loss has left the range +-``PLOT_LIMIT`` (or is not finite),
or a parameter is not finite: ``OutcomeTracker`` says so of its last epoch, and its
figures mark the first epoch the loss was beyond. A diverging run's values climb to
1e308 and then to inf or nan. Drawn as they are, they overflow matplotlib's axis
arithmetic (a log axis of 1 to 10, a warning on stderr) and flatten every other curve on
the axes. Figures draw values up to ``PLOT_LIMIT`` in magnitude and leave the rest out.
"""

from __future__ import annotations

import numpy as np

# Far beyond any run that learns, and far enough below float64's 1.8e308 that a log axis's
# 5 % margins and its tick locator's stride of decades (both grow with the decades shown,
# up to about 420 when a gradient also falls to 1e-320) stay finite.
PLOT_LIMIT = 1e100


def drawable(values) -> np.ndarray:
    """``values`` as float, NaN (a gap in the line) where not finite or beyond PLOT_LIMIT."""
    values = np.asarray(values, dtype=float)
    return np.where(np.isfinite(values) & (np.abs(values) <= PLOT_LIMIT), values, np.nan)


def diverged_at(metrics: dict) -> int | None:
    """The first epoch whose loss is not finite or beyond PLOT_LIMIT; None if there is none."""
    loss = np.asarray(metrics["loss"], dtype=float)
    gone = ~(np.isfinite(loss) & (np.abs(loss) <= PLOT_LIMIT))
    return int(np.asarray(metrics["epoch"])[np.argmax(gone)]) if gone.any() else None


def mark_divergence(ax, epoch: int | None, *, color="#e63946", label: str | None = None,
                    ls=(0, (1, 2))) -> None:
    """A vertical line at ``epoch``, dotted unless ``ls`` says otherwise (nothing when the
    run did not diverge)."""
    if epoch is not None:
        ax.axvline(epoch, color=color, ls=ls, lw=1.5,
                   label=label if label is not None else
                   f"diverged at epoch {epoch} (loss beyond {PLOT_LIMIT:g})")
