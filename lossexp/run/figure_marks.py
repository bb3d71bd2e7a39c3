"""What the run figures mark on their epoch axes, and the numbers they read for it.

Every mark comes from a number that means something for the model drawn: the end of the
plateau from ``summary["plateau_epochs"]`` (skipped when null or 0), the theory's epochs
(``predicted_*`` keys, drawn only when the summary holds them), the epoch a classifier
first reaches ``ACCURACY_MILESTONE``, and the epoch a regression reaches its target.
No matplotlib here: the marks are drawn on axes the figure modules made.
"""

from __future__ import annotations

import numpy as np

from lossexp.run.experiment import ACCURACY_MILESTONE

PLATEAU_COLOR = "#f4a261"
THEORY_COLOR = "#7b2cbf"
TARGET_COLOR = "#2a9d8f"
ERROR_COLOR = "#e63946"
DELTA_COLOR = "#1d3557"
SLOPE_COLOR = "#6d6875"

# The theory's predictions (an ODE for the single neuron), each with its own line style.
THEORY = (("predicted_plateau_epochs", "end of plateau", (0, (1, 1.5))),
          ("predicted_half_way_epochs", "half way", (0, (4, 2))),
          ("predicted_epochs_to_target", "target", (0, (6, 2, 1, 2))))


def mark_plateau(ax, summary: dict, *, label: bool = True) -> None:
    """A line at the end of the plateau, the plateau itself lightly shaded."""
    end = summary.get("plateau_epochs")
    if not end:
        return
    ax.axvspan(0, end, color=PLATEAU_COLOR, alpha=0.15, lw=0)
    ax.axvline(end, color=PLATEAU_COLOR, lw=2,
               label=f"end of plateau (epoch {end:g})" if label else None)


def mark_theory(ax, summary: dict, *, label: bool = True) -> None:
    """The theory's epochs as dotted purple lines with a triangle on top, one style each."""
    for key, what, style in THEORY:
        epoch = summary.get(key)
        if epoch is None or not np.isfinite(epoch):
            continue
        ax.axvline(epoch, color=THEORY_COLOR, ls=style, lw=1.5,
                   label=f"theory: {what} (epoch {epoch:g})" if label else None)
        ax.plot([epoch], [1.0], marker="v", ms=7, color=THEORY_COLOR, clip_on=False,
                transform=ax.get_xaxis_transform())


def mark_epoch(ax, epoch, text: str | None, color: str = TARGET_COLOR) -> None:
    if epoch is not None:
        ax.axvline(epoch, color=color, ls="--", lw=1.5, label=text)


def accuracy_milestone(metrics: dict, summary: dict, level: float = ACCURACY_MILESTONE):
    """The first epoch whose accuracy is at least ``level``; None if none is."""
    if level == ACCURACY_MILESTONE and "epochs_to_95pct_accuracy" in summary:
        return summary["epochs_to_95pct_accuracy"]
    reached = np.flatnonzero(np.asarray(metrics["accuracy"]) >= level)
    return int(metrics["epoch"][reached[0]]) if reached.size else None


def saturates(act) -> bool:
    """Whether the activation's slope ever falls towards 0 (sigmoid, tanh; not identity)."""
    if not act.elementwise:
        return True
    z = np.linspace(-30, 30, 601)
    return bool(np.any(act.saturated(z)))


def epoch_marks(epochs: int) -> int:
    """A round spacing giving about 6 to 12 marks over ``epochs``."""
    for step in (1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000):
        if epochs / step <= 12:
            return step
    return 10000
