"""Loss functions: each a small object with an elementwise ``value`` and ``grad``.

Conventions, as in optax and scikit-learn's ``_loss``:
- ``value(pred, target)`` returns the per-element loss, same shape as ``pred``;
  ``grad(pred, target)`` returns d value / d pred, elementwise.
- Reduction is the caller's: ``reduce(values, "mean" | "sum" | "none")``. The training
  engine sums a sample's losses over its outputs and then takes the mean (or the sum)
  over samples.
- Hyperparameters are keyword-only and validated when the loss is built.
- Where a loss pairs with an output activation into a simpler, stable expression in the
  pre-activation z (sigmoid + cross-entropy), that fused form lives in ``lossexp.fused``.
"""

from __future__ import annotations

import numpy as np

from lossexp.registry import lookup
from lossexp.schema import Text

# Probabilities are kept this far from 0 and 1 in the probability-space forms of the
# cross-entropies, so log() stays finite; training uses the logit forms in lossexp.fused.
_PROB_EPS = 1e-300


class Loss:
    name = ""
    formula = ""
    gradient = ""
    params: dict = {}

    def value(self, pred, target):
        raise NotImplementedError

    def grad(self, pred, target):
        raise NotImplementedError

    def __repr__(self):
        args = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.params)
        return f"{type(self).__name__}({args})"


class Quadratic(Loss):
    name = "quadratic"
    formula = "(a - y)^2 / 2   (convention: plain -> (a - y)^2)"
    gradient = "a - y   (plain: 2 (a - y))"
    params = {"convention": Text(default="half", choices=("half", "plain"),
                                 doc="half: (a - y)^2 / 2; plain: (a - y)^2")}

    def __init__(self, *, convention: str = "half"):
        if convention not in ("half", "plain"):
            raise ValueError(f"quadratic convention must be 'half' or 'plain', got {convention!r}")
        self.convention = convention
        self._scale = 0.5 if convention == "half" else 1.0

    def value(self, pred, target):
        r = np.subtract(pred, target)
        return self._scale * (r * r)

    def grad(self, pred, target):
        return (2.0 * self._scale) * np.subtract(pred, target)


class CrossEntropy(Loss):
    name = "cross_entropy"
    formula = "-(y log a + (1 - y) log(1 - a))"
    gradient = "(a - y) / (a (1 - a))"

    def value(self, pred, target):
        a = np.clip(pred, _PROB_EPS, 1.0)
        one_minus_a = np.clip(1.0 - np.asarray(pred), _PROB_EPS, 1.0)
        return -(target * np.log(a) + (1.0 - np.asarray(target)) * np.log(one_minus_a))

    def grad(self, pred, target):
        a = np.clip(pred, _PROB_EPS, 1.0 - 2.0**-53)
        return (a - target) / (a * (1.0 - a))


class CategoricalCrossEntropy(Loss):
    name = "categorical_cross_entropy"
    formula = "-sum_k y_k log p_k"
    gradient = "-y_k / p_k"

    def value(self, pred, target):
        return -(target * np.log(np.clip(pred, _PROB_EPS, 1.0)))

    def grad(self, pred, target):
        return -np.asarray(target) / np.clip(pred, _PROB_EPS, 1.0)


LOSSES: dict[str, type[Loss]] = {
    cls.name: cls for cls in (Quadratic, CrossEntropy, CategoricalCrossEntropy)
}

REDUCTIONS = ("mean", "sum", "none")


def names() -> list[str]:
    return list(LOSSES)


def get(name: str, **params) -> Loss:
    """The loss registered as ``name``, built with keyword-only ``params``."""
    return lookup(LOSSES, name, "loss")(**params)


def reduce(values, how: str = "mean"):
    """Reduce elementwise losses: ``mean`` or ``sum`` over all elements, or ``none``."""
    if how == "mean":
        return np.mean(values)
    if how == "sum":
        return np.sum(values)
    if how == "none":
        return values
    raise ValueError(f"reduction must be one of {', '.join(REDUCTIONS)}, got {how!r}")
