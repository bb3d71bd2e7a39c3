"""Per-run outcomes, tracked while training streams past: one definition for run and sweep.

- *epochs to target*: the first epoch t whose outputs are all within ``tolerance`` of their
  targets (max |a - y| < tolerance); -1 (null in files) when no epoch is.
- *plateau*: the number of leading epochs in which an update lowers the loss by less than
  ``plateau_threshold`` of its initial value, to first order: lr * |grad C|^2 < rho * C(0).
  It ends at the first epoch that moves the loss faster than that, or reaches the target.
  The unlucky quadratic start sits on it for about a hundred epochs; cross-entropy, whose
  gradient keeps the full residual, has none.
- *diverged*: the loss became non-finite at some epoch.

Only O(R) memory is used, however many epochs run, so sweeps can stream through it.
"""

from __future__ import annotations

import numpy as np

from lossexp.engine import Step

NEVER = -1


def output_residual(step: Step, y) -> np.ndarray:
    """max over samples and targets of |a - y|, per run.

    Only the first y.shape[1] output columns are predictions of y; a loss with more heads
    per target (a heteroscedastic mean and log-variance) puts its extra columns after them.
    """
    a = step.activations[-1][..., : y.shape[-1]]
    return np.abs(a - y).max(axis=(1, 2))


def squared_grad_norm(step: Step) -> np.ndarray:
    """|grad C|^2 over every weight and bias, per run."""
    total = np.zeros(step.loss.shape)
    for g in (*step.grads_w, *step.grads_b):
        total += (g * g).reshape(g.shape[0], -1).sum(axis=1)
    return total


class OutcomeTracker:
    def __init__(self, runs: int, y, *, lr: float, epochs: int, tolerance: float,
                 plateau_threshold: float):
        self.y = np.asarray(y, dtype=np.float64)
        self.lr, self.epochs = lr, epochs
        self.tolerance, self.rho = tolerance, plateau_threshold
        self.epochs_to_target = np.full(runs, NEVER, dtype=np.int64)
        self.plateau_epochs = np.zeros(runs, dtype=np.int64)
        self.diverged = np.zeros(runs, dtype=bool)
        self._on_plateau = np.ones(runs, dtype=bool)
        self.initial_loss = self.final_loss = None
        self.initial_output = self.final_output = None

    def __call__(self, step: Step) -> None:
        reached = output_residual(step, self.y) < self.tolerance
        first = reached & (self.epochs_to_target == NEVER)
        self.epochs_to_target[first] = step.epoch
        self.diverged |= ~np.isfinite(step.loss)
        if step.epoch == 0:
            self.initial_loss = step.loss.copy()
            self.initial_output = step.activations[-1][:, 0, 0].copy()
        if step.epoch < self.epochs:
            slow = self.lr * squared_grad_norm(step) < self.rho * self.initial_loss
            self._on_plateau &= slow & ~reached
            self.plateau_epochs += self._on_plateau
        self.final_loss = step.loss.copy()
        self.final_output = step.activations[-1][:, 0, 0].copy()

    def as_dict(self) -> dict[str, np.ndarray]:
        return {
            "initial_output": self.initial_output,
            "final_output": self.final_output,
            "initial_loss": self.initial_loss,
            "final_loss": self.final_loss,
            "epochs_to_target": self.epochs_to_target,
            "plateau_epochs": self.plateau_epochs,
            "diverged": self.diverged,
        }
