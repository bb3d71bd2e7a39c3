"""What theory predicts for one neuron on one sample: the run as a flow of z.

Gradient descent gives w the step -lr delta x and b the step -lr delta, with delta = dC/dz
(lossexp.train.engine's output delta), so z = w x + b moves by -lr (1 + x^2) delta(z) per
epoch: the run is a one-dimensional map of z alone. In continuous time

    dz/dt = -lr (1 + x^2) delta(z),   t(z) = integral from z0 to z of dz' / (dz'/dt),

and the epochs of each milestone are t at the z where it is met. For the quadratic cost on a
sigmoid near saturation (a ~ 1, y = 0), delta ~ e^-z and t ~ (e^z0 - e^z) / (lr (1 + x^2)):
the plateau grows exponentially with how deep the start is saturated.

The milestones are the ones ``lossexp.train.outcome`` measures, with the same definitions,
applied to the predicted curve. The discrete map follows the flow closely while lr delta'
is small: within a few per cent for the shipped quadratic configs. It departs where one
epoch moves z by a sizeable part of the distance to the next milestone: large lr, and
cross-entropy's first epochs from a saturated start, where delta ~ 1. Where a step
overshoots so far that the map is unstable, |1 + d(dz/dt)/dz| > 1 on the way to the target
(an identity output at lr (1 + x^2) > 2: each step flips z past y and further out), the
run oscillates or blows up where the flow glides in, and there is no prediction (None).
Where one epoch moves the output further than the target band is wide, the run can step
over the band back and forth for ever: no epoch to target is predicted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lossexp.train.engine import Network
from lossexp.train.loss_levels import levels
from lossexp.train.outcome import HALF_WAY, plateau_from

GRID_POINTS = 40_001
FAR = 40.0  # how far past z0 the flow is followed, at most, in units of z


@dataclass(frozen=True)
class Prediction:
    """Predicted epochs (continuous time) of each milestone; None where never met."""

    plateau_epochs: float | None
    half_way_epochs: float | None
    epochs_to_target: float | None

    def as_summary(self) -> dict:
        return {f"predicted_{k}": None if v is None else round(v, 1)
                for k, v in vars(self).items()}


def _flow(network: Network, z, x: float, y: float, lr: float) -> np.ndarray:
    """dz/dt at each z."""
    z3 = z.reshape(1, -1, 1)
    a3 = network.output_activation.value(z3)
    delta = network.output_delta(z3, a3, np.full((1, 1), y))
    return -lr * (1.0 + x * x) * delta.reshape(-1)


def predict(network: Network, *, z0: float, x: float, y: float, lr: float, epochs: int,
            tolerance: float, plateau_fraction: float,
            grid_points: int = GRID_POINTS) -> Prediction | None:
    """The flow's milestones for a neuron starting at z0 (one sample x -> y), integrated
    over ``grid_points`` values of z (fewer: faster and coarser, as for a figure); None
    where the steps overshoot too far for the flow to describe them (module doc)."""
    with np.errstate(all="ignore"):
        speed0 = _flow(network, np.array([z0]), x, y, lr)[0]
        if not np.isfinite(speed0) or speed0 == 0:
            return Prediction(None, None, None)
        z = z0 + np.sign(speed0) * np.linspace(0.0, FAR, grid_points)
        speed = _flow(network, z, x, y, lr)
        # Follow the flow until it stops or turns (a minimum of the cost): no further.
        moving = np.sign(speed) == np.sign(speed0)
        end = int(np.argmin(moving)) if not moving.all() else z.size
        z, speed = z[:end], speed[:end]
        if z.size > 1 and _overshoots(network, z, speed, y):
            return None
        steps = np.diff(z) * 0.5 * (1.0 / speed[1:] + 1.0 / speed[:-1])
        t = np.concatenate([[0.0], np.cumsum(steps)])
        z3 = z.reshape(-1, 1, 1)
        a = network.output_activation.value(z3)
        yy = np.full((1, 1), y)
        descended = network.loss.descended()  # the cost whose fall is measured
        cost = (network.cost(z3, a, yy) if descended is network.loss
                else descended.value(a, yy).reshape(-1))
        edge = y + (-1.0 if a[0, 0, 0] < y else 1.0) * tolerance
        band = descended.value(np.full((1, 1, 1), edge), yy).reshape(-1)[0]
        residual = np.abs(a.reshape(-1) - y)

    def when(values: np.ndarray, level: float) -> float | None:
        """The time the flow brings ``values`` (falling along it) below ``level``,
        interpolated between grid points; None past ``epochs``."""
        hits = np.flatnonzero(values < level)
        if not hits.size:
            return None
        i = hits[0]
        if i == 0:
            return 0.0
        share = (values[i - 1] - level) / (values[i - 1] - values[i])
        moment = float(t[i - 1] + share * (t[i] - t[i - 1]))
        return moment if moment <= epochs else None

    target = when(residual, tolerance)
    if target is not None and _steps_over_the_band(network, z, a.reshape(-1), speed, y,
                                                   tolerance):
        target = None  # the flow glides into the band; whole steps may never land in it
    reached = [when(cost, levels(np.array([cost[0]]), np.array([band]), f)[0])
               for f in (plateau_fraction, HALF_WAY)]
    final = np.interp(epochs, t, cost) if t[-1] >= epochs else cost[-1]
    as_epoch = [np.array([-1.0 if r is None else r]) for r in reached]
    plateau = plateau_from(as_epoch[0], as_epoch[1], np.array([cost[0]]), np.array([final]),
                           np.array([band]), epochs, plateau_fraction)[0]
    return Prediction(None if plateau < 0 else float(plateau), reached[1], target)


def _steps_over_the_band(network: Network, z, a, speed, y: float, tolerance: float) -> bool:
    """Whether one epoch moves the output by more than the target band is wide (2 x
    tolerance) where the flow enters it: a run can then jump from one side of the band to
    the other for ever (the naive rule's steps of lr (1 + x^2) on an identity output). A
    target at an edge of the output's range has a band on one side only, never jumped."""
    if y in network.output_activation.output_bounds:
        return False
    i = int(np.flatnonzero(np.abs(a - y) < tolerance)[0])
    if i == 0:
        return False
    slope = (a[i] - a[i - 1]) / (z[i] - z[i - 1])  # da/dz there
    return bool(abs(speed[i - 1] * slope) > 2 * tolerance)


def _overshoots(network: Network, z: np.ndarray, speed: np.ndarray, y: float) -> bool:
    """Whether the map z -> z + dz/dt is unstable somewhere along the path: a step from
    there lands further from where the flow settles than it started. Never for a target at
    an edge of the output's range (y = 0 or 1 for the sigmoid): the flow settles nowhere
    short of it, and a step past the target is no step beyond it (cross-entropy at lr 4.5
    reaches it in one epoch)."""
    if y in network.output_activation.output_bounds:
        return False
    slope = np.gradient(speed, z)
    return bool(np.any(slope < -2.0))


def neuron_prediction(network: Network, x, y, params, cfg: dict) -> Prediction | None:
    """The prediction for a resolved run config of one neuron on one sample, else None
    (another model, or steps the flow cannot describe)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if len(network.activations) != 1 or x.shape != (1, 1) or y.shape != (1, 1) \
            or params.loss_params or cfg["train"]["batch_size"] not in (None,):
        return None
    z0 = float(x[0, 0] * params.weights[0][0, 0, 0] + params.biases[0][0, 0])
    tr, target = cfg["train"], cfg["target"]
    return predict(network, z0=z0, x=float(x[0, 0]), y=float(y[0, 0]), lr=tr["lr"],
                   epochs=tr["epochs"], tolerance=target["tolerance"],
                   plateau_fraction=target["plateau_fraction"])
