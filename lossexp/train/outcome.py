"""Per-run outcomes, tracked while training streams past: one definition for run and sweep.

- *epochs to target*: the first epoch t whose outputs are all within ``tolerance`` of their
  targets (max |a - y| < tolerance); -1 (null in files) when no epoch is.
  A NaN output never counts as within tolerance.
- *plateau*: the number of leading epochs in which an update lowers the loss by less than
  ``plateau_threshold`` of its initial size, to first order: lr |grad C|^2 < rho |C(0)|,
  the gradient taken over every trained parameter (a loss's own learned ones included).
  It ends at the first epoch that moves the loss faster than that, or reaches the target.
  The unlucky quadratic start sits on it for about a hundred epochs; cross-entropy, whose
  gradient keeps the full residual, has none. |C(0)| rather than C(0) keeps the bound
  meaningful for losses that can be negative (a Gaussian NLL); a non-finite C(0) gives no
  plateau. With mini-batches the full-batch gradient at the start of the epoch stands for
  the epoch's several steps.
- *diverged*: the final loss or a final parameter is not finite. (Once a run's numbers
  overflow they stay non-finite, so the end of training is the one place to look.)

Only O(R) memory is used, however many epochs run, so sweeps can stream through it; the
per-epoch work is a handful of elementwise passes, and the loss is read only at the first
and the last epoch.
"""

from __future__ import annotations

import numpy as np

from lossexp.train.engine import Step

NEVER = -1


def _per_run(values) -> np.ndarray:
    """(R, ...) -> (R,) by max; a free reshape when each run holds one value."""
    return values.reshape(len(values)) if values[0].size == 1 else values.max(axis=(1, 2))


def output_residual(step: Step, y) -> np.ndarray:
    """max over samples and targets of |a - y|, per run.

    Only the first y.shape[1] output columns are predictions of y; a loss with more heads
    per target (a heteroscedastic mean and log-variance) puts its extra columns after them.
    """
    residual = step.activations[-1][..., : y.shape[-1]] - y
    return _per_run(np.abs(residual, out=residual))


def squared_grad_norm(step: Step, runs: np.ndarray | None = None) -> np.ndarray:
    """|grad C|^2 over every weight, bias and learned loss parameter, per run (of ``runs``
    only, when given)."""
    total = None
    for g in (*step.grads_w, *step.grads_b, *step.grads_loss):
        g = g.reshape(len(g), -1)
        if runs is not None:
            g = g[runs]
        sq = np.square(g[:, 0]) if g.shape[1] == 1 else np.einsum("ij,ij->i", g, g)
        total = sq if total is None else np.add(total, sq, out=total)
    return total


def all_finite(params) -> np.ndarray:
    """Per run: every weight, bias and loss parameter is finite."""
    ok = None
    for p in (*params.weights, *params.biases, *params.loss_params):
        finite = np.isfinite(p.reshape(len(p), -1)).all(axis=1)
        ok = finite if ok is None else ok & finite
    return ok


class OutcomeTracker:
    """A recorder (see lossexp.train.engine.train) that keeps each run's outcome, O(R) memory.

    The learning rate and the number of epochs come with each Step; the state at the Step
    of the last epoch is the final one.
    """

    def __init__(self, runs: int, y, *, tolerance: float, plateau_threshold: float):
        self.y = np.asarray(y, dtype=np.float64)
        self.tolerance, self.rho = tolerance, plateau_threshold
        # Epochs counted while the target is still unreached: the count stops for good at
        # the first epoch within tolerance.
        self.unreached = np.ones(runs, dtype=bool)
        self.epochs_unreached = np.zeros(runs, dtype=np.int64)
        # The plateau is tracked for the runs still on it only: after the first epochs they
        # are few (the saturated starts), and a sweep's epochs get that much cheaper.
        self.on_plateau = np.arange(runs)
        self.plateau_epochs = np.zeros(runs, dtype=np.int64)
        self.plateau_bound = None
        self.diverged = np.zeros(runs, dtype=bool)
        self.initial_loss = self.final_loss = None
        self.initial_output = self.final_output = None

    def __call__(self, step: Step) -> None:
        within = output_residual(step, self.y) < self.tolerance
        self.unreached &= np.logical_not(within, out=within)  # NaN: not within
        self.epochs_unreached += self.unreached
        if step.epoch == 0:
            self.initial_loss = step.loss.copy()
            self.initial_output = step.activations[-1][:, 0, 0].copy()
            bound = self.rho * np.abs(self.initial_loss)
            self.plateau_bound = np.where(np.isfinite(bound), bound, 0.0)
        if step.epoch < step.epochs:
            if self.on_plateau.size:
                runs = self.on_plateau
                step_gain = squared_grad_norm(step, runs)
                step_gain *= step.lr  # the first-order drop of the loss: lr |grad C|^2
                still = (step_gain < self.plateau_bound[runs]) & self.unreached[runs]
                self.on_plateau = runs[still]
                self.plateau_epochs[self.on_plateau] += 1
        else:
            self.final_loss = step.loss.copy()
            self.final_output = step.activations[-1][:, 0, 0].copy()
            self.diverged = ~(np.isfinite(self.final_loss) & all_finite(step.params))

    @property
    def epochs_to_target(self) -> np.ndarray:
        """The first epoch within tolerance, or NEVER."""
        return np.where(self.unreached, NEVER, self.epochs_unreached)

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
