"""Per-run outcomes, tracked while training streams past: one definition for run and sweep.

- *epochs to target*: the first epoch whose outputs are all within ``tolerance`` of their
  targets (max |a - y| < tolerance, over the prediction columns). A NaN output never counts.
- *plateau*: a slow start. The loss falls from C(0) towards C_band, its value with the
  outputs on the edge of the target band (``lossexp.train.loss_levels``). Let t_f be the
  first epoch by which it has made the fraction f = ``plateau_fraction`` (default 10 %) of
  that fall, and t_half the epoch of half the fall. The run sat on a plateau when the rest
  of the way to half came at least ``PACE_RATIO`` (4) times as fast as the first f: then the
  plateau lasted t_f epochs, and t_f is where its loss curve visibly bends. A run whose
  loss falls at an even or slowing pace (a lucky start, cross-entropy) has a plateau of 0;
  one whose loss never makes the fraction f of its fall never left it (NEVER). Changing f
  tenfold moves the unlucky start's plateau by a factor of about 2.5, not tenfold
  (docs/curves.md). Before half way is reached, the pace up to the last epoch stands in.
- *half way*: t_half.
- *approach*: epochs from half way to the target, the final approach, where a saturating
  output's slope also vanishes, but on the right side of the target. A saturated start's
  plateau and its approach are two slow phases; only the first is the plateau.
- *diverged*: the final loss is beyond +-1e100 (``lossexp.output.diverged.PLOT_LIMIT``,
  where the figures say "diverged at epoch t") or not finite, or a final parameter is not
  finite. (A loss that far out does not come back, so the end of training is the one
  place to look.)

Every measure depends on the loss only through differences and ratios of its values: a loss
plus a constant, or the loss times c trained at lr / c, moves the outputs alike and gets the
same numbers. A milestone never reached is -1 (``NEVER``; null in files); a start already on
target reaches all of them at epoch 0.

Only O(R) memory is used, however many epochs run, so sweeps can stream through it. With
one output on one sample, for the losses and activations whose levels have a closed form
in z and a target at an edge of the output's range (``lossexp.train.loss_levels``), the
levels are tested on z, exactly as the compiled sweep kernel tests them, and the loss is
read only at the first and the last epoch.
"""

from __future__ import annotations

import numpy as np

from lossexp.output.diverged import PLOT_LIMIT
from lossexp.train.engine import Network, Step
from lossexp.train.loss_levels import (band_loss, descended_cost, levels, one_output_one_sample,
                                       z_crossings)

NEVER = -1
# Tracked per run, in this order (the compiled kernel's rows): the target, t_f, t_half.
MILESTONES = ("epochs_to_target", "fraction_epochs", "half_way_epochs")
# What a run reports in epochs, NEVER (null in files) when not reached.
EPOCH_COUNTS = ("epochs_to_target", "plateau_epochs", "half_way_epochs", "approach_epochs")
HALF_WAY = 0.5
PACE_RATIO = 4.0


def worst_residual(step: Step, y) -> np.ndarray:
    """max over samples and targets of |a - y|, per run (the prediction columns only)."""
    residual = step.activations[-1][..., : y.shape[-1]] - y
    np.abs(residual, out=residual)
    return residual.reshape(len(residual)) if residual[0].size == 1 else residual.max(axis=(1, 2))


def all_finite(params) -> np.ndarray:
    """Per run: every weight, bias and loss parameter is finite."""
    ok = None
    for p in (*params.weights, *params.biases, *params.loss_params):
        finite = np.isfinite(p.reshape(len(p), -1)).all(axis=1)
        ok = finite if ok is None else ok & finite
    return ok


class OutcomeTracker:
    """A recorder (see lossexp.train.engine.train) that keeps each run's outcome, O(R) memory.

    The milestones (``MILESTONES``) are tracked together in ``counts[k]``: before epoch t
    a run that has yet to reach milestone k has count t, and each epoch it stays unreached
    adds one, so the count ends as the epoch it was first reached (or epochs + 1: never). The target is reached once the worst residual is below the tolerance; the loss
    levels once ``sign * z < bounds[k]`` (one output on one sample) or the loss is
    below ``bounds[k]`` (any other model), both set at epoch 0. The learning rate and the
    number of epochs come with each Step; the Step of the last epoch is the final state.
    """

    def __init__(self, network: Network, y, *, tolerance: float, plateau_fraction: float):
        self.network = network
        self.y = np.asarray(y, dtype=np.float64)
        self.tolerance, self.plateau_fraction = tolerance, plateau_fraction
        self.initial_loss = self.final_loss = None
        self.initial_output = self.final_output = None

    def _start(self, step: Step) -> None:
        runs, self.epochs = step.params.runs, step.epochs
        self.counts = np.zeros((len(MILESTONES), runs), dtype=np.int64)
        self.bounds = np.full((len(MILESTONES), runs), self.tolerance, dtype=np.float64)
        self.sign = np.ones(runs)
        self.diverged = np.zeros(runs, dtype=bool)
        self.initial_loss = step.loss.copy()
        self.initial_cost = descended_cost(self.network, step, self.y).copy()
        self.initial_output = step.activations[-1][:, 0, 0].copy()
        self.band = band = band_loss(self.network, step, self.y, self.tolerance)
        z0 = step.zs[-1][:, 0, 0]
        self.on_z = one_output_one_sample(self.network, step)
        for k, fraction in ((1, self.plateau_fraction), (2, HALF_WAY)):
            level = levels(self.initial_cost, band, fraction)
            crossing = (z_crossings(self.network, z0, self.y, level, self.initial_output)
                        if self.on_z else None)
            self.on_z = crossing is not None
            if self.on_z:
                self.sign, self.bounds[k] = crossing
            else:
                self.bounds[k] = level

    def __call__(self, step: Step) -> None:
        if step.epoch == 0:
            self._start(step)
        passed = worst_residual(step, self.y) < self.bounds[0]  # NaN: not below
        self._advance(0, passed, step.epoch)
        if self.on_z:
            along = self.sign * step.zs[-1][:, 0, 0]
        else:
            along = descended_cost(self.network, step, self.y)
        for k in (1, 2):
            self._advance(k, along < self.bounds[k], step.epoch)
        if step.epoch == step.epochs:
            self.final_loss = step.loss.copy()
            self.final_cost = descended_cost(self.network, step, self.y).copy()
            self.final_output = step.activations[-1][:, 0, 0].copy()
            within = np.abs(self.final_loss) <= PLOT_LIMIT  # NaN: not within
            self.diverged = ~(within & all_finite(step.params))

    def _advance(self, k: int, passed: np.ndarray, epoch: int) -> None:
        still = self.counts[k] == epoch
        still &= np.logical_not(passed, out=passed)
        self.counts[k] += still

    def milestone(self, name: str) -> np.ndarray:
        """The first epoch at which each run reached milestone ``name``, or NEVER."""
        count = self.counts[MILESTONES.index(name)]
        return np.where(count > self.epochs, NEVER, count)

    @property
    def epochs_to_target(self) -> np.ndarray:
        return self.milestone("epochs_to_target")

    def as_dict(self) -> dict[str, np.ndarray]:
        target, t_f, half = (self.milestone(name) for name in
                             ("epochs_to_target", "fraction_epochs", "half_way_epochs"))
        approach = np.where((target == NEVER) | (half == NEVER), NEVER, target - half)
        plateau = plateau_from(t_f, half, self.initial_cost, self.final_cost, self.band,
                               self.epochs, self.plateau_fraction)
        return {
            "initial_output": self.initial_output,
            "final_output": self.final_output,
            "initial_loss": self.initial_loss,
            "final_loss": self.final_loss,
            "epochs_to_target": target,
            "plateau_epochs": plateau,
            "half_way_epochs": half,
            "approach_epochs": approach,
            "diverged": self.diverged,
        }


def plateau_from(t_f, t_half, initial, final, band, epochs: int, fraction: float) -> np.ndarray:
    """The plateau rule of the module doc, per run: t_f when the way on to half the fall
    came at least PACE_RATIO times as fast as the first ``fraction`` of it, else 0; NEVER
    when t_f is. Before half way (t_half NEVER) the pace up to ``epochs`` stands in.

    One epoch is the rule's resolution: a run that makes the fraction in its first update
    (t_f = 1) did not start slowly, however the later epochs go. (Without this, a loss
    falling fastest at first, geometrically at a rate of 30 % an epoch or more, rounds to
    t_f = 1, t_half = 2 and meets the pace test exactly: a one-epoch "plateau".) A run
    that makes the fraction only at the last epoch, or half way in the same epoch as the
    fraction, came the rest of the way as fast as can be: its plateau is t_f."""
    with np.errstate(divide="ignore", invalid="ignore"):
        made = (initial - final) / (initial - band)
        until = np.where(t_half == NEVER, epochs, t_half)
        covered = np.where(t_half == NEVER, made, HALF_WAY)
        # Pace after t_f >= PACE_RATIO times the pace before it, cross-multiplied.
        slow_start = (covered - fraction) * t_f >= PACE_RATIO * fraction * (until - t_f)
    slow_start &= t_f > 1
    return np.where(t_f == NEVER, NEVER, np.where(slow_start, t_f, 0))
