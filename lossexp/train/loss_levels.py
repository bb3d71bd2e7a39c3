"""Loss levels for the plateau milestones: how far a run's loss must fall, and, for a model
with one output on one sample, where on the z axis it gets there.

A run's loss falls from C(0) towards ``C_band``, its value with every output on the edge of
the target band (y + tolerance on the side the output starts from). Milestone f is reached
once the loss has made the fraction f of that fall: C(t) < C(0) - f (C(0) - C_band). The
level depends on the loss only through differences and ratios of its values, so adding a
constant to the loss, or scaling it (and the learning rate inversely), leaves it where it was.

With one output on one sample (the notes' neuron) the loss is a function of the output's
pre-activation z alone. When the target lies at an edge of the output's range (y = 0 or 1
for the sigmoid) its sublevel sets are half-lines in z: crossing the level is crossing one
value z* on the way from z(0) towards the target. ``z_crossings`` finds z* from the loss's
and the activation's closed forms where they have them (the quadratic cost and
cross-entropy on a sigmoid or tanh output: the compiled kernel's cases among them), so the
kernel, which never evaluates the loss, and the engine test the same thing:
sign * z < sign * z*. Elsewhere, a target inside the output's range included (its sublevel
sets are intervals, which an overshooting run can jump across), the tracker tests the loss
itself, every epoch.
"""

from __future__ import annotations

import numpy as np

from lossexp.train.engine import Network, Step


def band_loss(network: Network, step: Step, y, tolerance: float) -> np.ndarray:
    """C_band per run: the cost with each prediction at y + tolerance on its starting side."""
    y = np.asarray(y, dtype=np.float64)
    a = step.activations[-1]
    pred = a[..., : y.shape[-1]]
    side = np.where(pred < y, -1.0, 1.0)
    edge = np.concatenate([y + side * tolerance, a[..., y.shape[-1]:]], axis=2)
    return _descended_cost(network, edge, y, step.params.loss_params)


def descended_cost(network: Network, step: Step, y) -> np.ndarray:
    """The cost whose fall the milestones follow, per run: the loss (``step.loss``), or the
    cost a rule descends where that differs (the naive rule's |a - y|; Loss.descended)."""
    if network.loss.descended() is network.loss:
        return step.loss
    return _descended_cost(network, step.activations[-1], np.asarray(y, dtype=np.float64),
                           step.params.loss_params)


def _descended_cost(network: Network, a, y, loss_params) -> np.ndarray:
    per_element = network.loss.descended().value(network.loss_input(a, loss_params), y)
    per_sample = per_element.sum(axis=2)
    return per_sample.mean(axis=1) if network.reduction == "mean" else per_sample.sum(axis=1)


def levels(initial: np.ndarray, band: np.ndarray, fraction: float) -> np.ndarray:
    """C(0) - f (C(0) - C_band); +inf where the start is already as low (reached at once)."""
    level = initial - fraction * (initial - band)
    return np.where(initial <= band, np.inf, level)


def one_output_one_sample(network: Network, step: Step) -> bool:
    """Whether the cost is a function of the output's z alone (nothing learned by the loss)."""
    return step.zs[-1].shape[1:] == (1, 1) and not step.params.loss_params


def has_z_crossings(network: Network, y) -> bool:
    """Whether ``z_crossings`` finds the levels of this network's loss for target y."""
    y = float(np.asarray(y, dtype=np.float64).reshape(-1)[0])
    return (_target_at_an_edge(network, y)
            and network.loss.descended().residual_at(np.ones(1), y, np.ones(1)) is not None
            and network.output_activation.inverse(np.full(1, 0.5)) is not None)


def _target_at_an_edge(network: Network, y: float) -> bool:
    """Whether the output can reach y from one side only (y = 0 or 1 for the sigmoid). Then
    a loss level's sublevel set in z is a half-line, and crossing its one end is reaching
    it. For a target inside the output's range it is an interval around the target, which
    a run that overshoots (an identity output at a large learning rate) can jump across:
    there the loss itself is tested."""
    return y in network.output_activation.output_bounds


def z_crossings(network: Network, z0: np.ndarray, y, level: np.ndarray, output=None):
    """(sign, bound) per run, the level crossed once sign * z < bound; None where the loss
    or the output activation has no closed form to find z* with (the tracker then tests
    the loss itself). ``output``: the activation at z0, where the caller has it.

    sign is +1 where z must fall to lower the cost and -1 where it must rise, and
    bound = sign * z*; a level already met at z0 gives bound +inf, one never met -inf.
    """
    act = network.output_activation
    y = float(np.asarray(y, dtype=np.float64).reshape(-1)[0])
    if not _target_at_an_edge(network, y):
        return None
    with np.errstate(all="ignore"):
        side = np.where((act.value(z0) if output is None else output) < y, -1.0, 1.0)
        residual = network.loss.descended().residual_at(level, y, side)
        if residual is None:
            return None
        z_star = act.inverse(y + side * residual)
        if z_star is None:
            return None
        sign = np.where(z0 > z_star, 1.0, -1.0)
        bound = np.where(np.isfinite(z_star), sign * z_star, -np.inf)
        bound = np.where(np.isinf(level), np.inf, bound)  # met at the start
    return sign, np.where(np.isfinite(z0), bound, -np.inf)
