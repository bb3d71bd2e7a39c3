"""Shape features of a training curve: the numbers a figure's story rests on.

One definition, shared by ``lossexp run`` (which writes them into summary.json), by the
baselines behind ``lossexp check`` and by ``lossexp.testing``. Computed from a run's
metrics columns (epochs 0..E, row 0 before any update) and its outcome summary:

- ``initial_loss``, ``final_loss``, ``epochs_to_target``, ``plateau_epochs``,
  ``half_way_epochs``, ``approach_epochs``: exactly the values lossexp.train.outcome
  computed (see there for the definitions).
- ``steepest_descent_epoch``: the epoch t whose update lowers the loss most,
  argmax_t (loss[t] - loss[t+1]); null when no update lowers it.
- ``loss_rises``: how many updates raised the loss by more than ``RISE_TOLERANCE`` of the
  initial loss (so round-off wobble near a minimum is not counted).
- ``loss_at_10pct`` .. ``loss_at_100pct``: the loss at epoch round(f * E), halves rounded up.
- ``max_grad_norm``: the largest |grad C| over all weights and biases at any epoch.
- ``saturated_fraction``: the mean over epochs 0..E of the fraction of output units that are
  saturated (``Activation.saturated``); for a single neuron, the fraction of epochs it
  spent saturated.

Non-finite values (a diverged run) become None, as they do in summary.json.
"""

from __future__ import annotations

import math

import numpy as np

from lossexp.library.activations import Activation
from lossexp.output.serialize import plain

RISE_TOLERANCE = 1e-9
CHECKPOINTS = {"loss_at_10pct": 0.10, "loss_at_25pct": 0.25, "loss_at_50pct": 0.50,
               "loss_at_100pct": 1.00}
FROM_OUTCOME = ("initial_loss", "final_loss", "epochs_to_target", "plateau_epochs",
                "half_way_epochs", "approach_epochs")
FEATURES = (*FROM_OUTCOME, "steepest_descent_epoch", "loss_rises", *CHECKPOINTS,
            "max_grad_norm", "saturated_fraction")


def checkpoint_epoch(fraction: float, epochs: int) -> int:
    """The epoch at ``fraction`` of training: round(fraction * epochs), halves up."""
    return int(math.floor(fraction * epochs + 0.5))


def thin_epochs(epochs: int, points: int) -> list[int]:
    """At most ``points`` evenly spaced epochs from 0 to ``epochs``, both ends included,
    each rounded as ``checkpoint_epoch`` rounds (halves up, in exact integer arithmetic)."""
    if epochs < points:
        return list(range(epochs + 1))
    span = points - 1
    return sorted({(2 * i * epochs + span) // (2 * span) for i in range(points)})


def gradient_norm(metrics: dict) -> np.ndarray | None:
    """|grad C| per epoch: from grad_w/grad_b (a neuron) or the per-layer grad_norm_l."""
    if "grad_w" in metrics and "grad_b" in metrics:
        return np.hypot(np.asarray(metrics["grad_w"], float), np.asarray(metrics["grad_b"], float))
    layers = sorted(c for c in metrics if c.startswith("grad_norm_"))
    if not layers:
        return None
    squares = sum(np.asarray(metrics[c], float) ** 2 for c in layers)
    return np.sqrt(squares)


def saturated_fraction(metrics: dict, output_activation: Activation | None) -> float | None:
    """Mean over epochs of the fraction of output units that are saturated."""
    if "z" in metrics and output_activation is not None:
        flags = output_activation.saturated(np.asarray(metrics["z"], float))
        return float(np.mean(flags))
    layers = [c for c in metrics if c.startswith("saturated_") and c[10:].isdigit()]
    if not layers:
        return None
    output_layer = max(layers, key=lambda c: int(c[10:]))
    return float(np.mean(metrics[output_layer]))


def _steepest_descent_epoch(drops: np.ndarray) -> int | None:
    finite = np.where(np.isfinite(drops), drops, -np.inf)
    if finite.size == 0 or not finite.max() > 0:
        return None
    return int(np.argmax(finite))


def _finite_max(values: np.ndarray | None) -> float | None:
    if values is None:
        return None
    finite = values[np.isfinite(values)]
    return float(finite.max()) if finite.size else None


def shape_features(metrics: dict, summary: dict, output_activation: Activation | None) -> dict:
    """The shape features of one run (names and order as in ``FEATURES``).

    Args:
        metrics: column -> values for epochs 0..E; needs ``loss``, plus ``grad_w``/``grad_b``
            and ``z`` for a neuron or ``grad_norm_l``/``saturated_l`` for deeper models.
        summary: the outcome summary (lossexp.run.experiment.summarise).
        output_activation: the output layer's activation, for a neuron's saturation.
    Returns:
        feature name -> int, float or None.
    """
    loss = np.asarray(metrics["loss"], dtype=np.float64)
    epochs = loss.size - 1
    with np.errstate(invalid="ignore", over="ignore"):
        steps = np.diff(loss)
        initial = abs(loss[0]) if np.isfinite(loss[0]) else 0.0
        rises = int(np.count_nonzero(steps > RISE_TOLERANCE * initial))
        out = {name: summary[name] for name in FROM_OUTCOME}
        out["steepest_descent_epoch"] = _steepest_descent_epoch(-steps)
        out["loss_rises"] = rises
        for name, fraction in CHECKPOINTS.items():
            out[name] = plain(loss[checkpoint_epoch(fraction, epochs)])
        out["max_grad_norm"] = _finite_max(gradient_norm(metrics))
    out["saturated_fraction"] = saturated_fraction(metrics, output_activation)
    return out
