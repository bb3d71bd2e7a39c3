"""Loss levels for the plateau milestones: how far a run's loss must fall, and, for a model
with one output on one sample, where on the z axis it gets there.

A run's loss falls from C(0) towards ``C_band``, its value with every output on the edge of
the target band (y + tolerance on the side the output starts from). Milestone f is reached
once the loss has made the fraction f of that fall: C(t) < C(0) - f (C(0) - C_band). The
level depends on the loss only through differences and ratios of its values, so adding a
constant to the loss, or scaling it (and the learning rate inversely), leaves it where it was.

With one output on one sample (the notes' neuron) the loss is a function of the output's
pre-activation z alone, and its sublevel sets are intervals: crossing the level is crossing
one value z* on the way from z(0) towards the target. ``z_crossings`` finds z* by bisection on
the network's own cost, so the compiled sweep kernel, which never evaluates the loss, and
the engine test the same thing: sign * z < sign * z*, with sign = -1 where the cost falls
as z grows and +1 where it falls as z shrinks.
"""

from __future__ import annotations

import numpy as np

from lossexp.train.engine import Network, Step

BRACKET_DOUBLINGS = 1100  # from a step of 1 to past the float range
BISECTIONS = 200


def band_loss(network: Network, step: Step, y, tolerance: float) -> np.ndarray:
    """C_band per run: the cost with each prediction at y + tolerance on its starting side."""
    y = np.asarray(y, dtype=np.float64)
    a = step.activations[-1]
    pred = a[..., : y.shape[-1]]
    side = np.where(pred < y, -1.0, 1.0)
    edge = np.concatenate([y + side * tolerance, a[..., y.shape[-1]:]], axis=2)
    per_element = network.loss.value(network.loss_input(edge, step.params.loss_params), y)
    per_sample = per_element.sum(axis=2)
    return per_sample.mean(axis=1) if network.reduction == "mean" else per_sample.sum(axis=1)


def levels(initial: np.ndarray, band: np.ndarray, fraction: float) -> np.ndarray:
    """C(0) - f (C(0) - C_band); +inf where the start is already as low (reached at once)."""
    level = initial - fraction * (initial - band)
    return np.where(initial <= band, np.inf, level)


def one_output_one_sample(network: Network, step: Step) -> bool:
    """Whether the cost is a function of the output's z alone (nothing learned by the loss)."""
    return step.zs[-1].shape[1:] == (1, 1) and not step.params.loss_params


def _cost_at(network: Network, z: np.ndarray, y) -> np.ndarray:
    z = z.reshape(-1, 1, 1)
    return network.cost(z, network.output_activation.value(z), y)


def bisect(network: Network, near: np.ndarray, far: np.ndarray, below: np.ndarray,
           level: np.ndarray, y: np.ndarray) -> None:
    """Close in on the crossing, in place: for each run ``below`` (cost(far) < level <=
    cost(near)), halve [near, far] until the midpoint is one of its ends, or BISECTIONS
    times. (lossexp.train.neuron_kernel has a compiled twin, bit for bit the same.)"""
    for _ in range(BISECTIONS):
        mid = 0.5 * (near + far)
        moved = below & (mid != near) & (mid != far)
        if not moved.any():
            break
        lower = _cost_at(network, mid, y) < level
        far[...] = np.where(moved & lower, mid, far)
        near[...] = np.where(moved & ~lower, mid, near)


def z_crossings(network: Network, z0: np.ndarray, y, level: np.ndarray, *, bisection=None):
    """(sign, bound) per run: the level is crossed once sign * z < bound.

    sign is minus the way z must move to lower the cost, and bound = sign * z*; a level
    already met at z0 gives bound +inf, one the cost never reaches on that side -inf.
    ``bisection`` replaces ``bisect`` (same arguments, same bits).
    """
    y = np.asarray(y, dtype=np.float64)
    with np.errstate(all="ignore"):
        here = _cost_at(network, z0, y)
        ahead = _cost_at(network, z0 + 1e-6 * np.maximum(1.0, np.abs(z0)), y)
        direction = np.where(ahead < here, 1.0, -1.0)
        # Bracket: step away from z0 in the downhill direction, doubling, until below the level.
        far, step_size = z0.copy(), np.ones_like(z0)
        below = np.zeros(z0.shape, dtype=bool)
        for _ in range(BRACKET_DOUBLINGS):
            todo = ~below & np.isfinite(far)
            if not todo.any():
                break
            far[todo] = z0[todo] + direction[todo] * step_size[todo]
            below[todo] = _cost_at(network, far[todo], y) < level[todo]
            step_size[todo] *= 2.0
        (bisection or bisect)(network, z0.copy(), far, below, level, y)
    sign = -direction
    bound = np.where(below, sign * far, -np.inf)
    bound = np.where(here < level, np.inf, bound)
    return sign, np.where(np.isfinite(z0), bound, -np.inf)
