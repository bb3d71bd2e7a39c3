"""Loss functions: each a small object with an elementwise ``value`` and ``grad``.

Conventions, as in optax and scikit-learn's ``_loss``:
- ``value(pred, target)`` returns the per-element loss, same shape as ``pred``;
  ``grad(pred, target)`` returns d value / d pred, elementwise. ``a`` is the prediction
  (the network's output), ``y`` the target, ``r = a - y`` the residual.
- Reduction is the caller's: ``reduce(values, "mean" | "sum" | "none")``. The training
  engine sums a sample's losses over its outputs and then takes the mean (or the sum)
  over samples.
- Hyperparameters are keyword-only, declared in ``params`` as schema specs and validated
  when the loss is built; configs are validated by the same specs.
- Constants that do not depend on the prediction are dropped (gaussian_nll leaves out
  log(2 pi) / 2).
- Where a loss pairs with an output activation into a simpler, stable expression in the
  pre-activation z (sigmoid + cross-entropy), that fused form lives in ``lossexp.library.fused``.

Two losses read more than one column per target. ``gaussian_nll`` with
``heteroscedastic: true`` reads (mu_1..mu_K, s_1..s_K), s = log sigma^2, from the model.
``uncertainty_weighted`` reads the same layout, but learns s_k itself, one per output and
shared by every sample: the engine appends those learned columns to the model's output.
"""

from __future__ import annotations

import math

import numpy as np

from lossexp.errors import LossexpError, lookup
from lossexp.library import parameters
from lossexp.library.fused import SigmoidCrossEntropy, SoftmaxCrossEntropy
from lossexp.library.likelihood import GaussianNLL, UncertaintyWeighted
from lossexp.library.loss_base import Loss, _ratio, _residual, _xlogy
from lossexp.schema import ListOf, Number, Text

REDUCTIONS = ("mean", "sum", "none")


class Quadratic(Loss):
    name = "quadratic"
    formula = "(a - y)^2 / 2"
    gradient = "a - y"
    note = "convention plain: (a - y)^2, gradient 2 (a - y); weights: w_k times output k"
    params = {
        "convention": Text(default="half", choices=("half", "plain"),
                           doc="half: (a - y)^2 / 2, whose gradient is a - y; plain: (a - y)^2"),
        "weights": ListOf(Number(gt=0), default=None, nullable=True, min_len=1,
                          doc="per-output weights w_k for multi-output regression"),
    }

    def __init__(self, *, convention: str = "half", weights=None):
        self._set_params({"convention": convention,
                          "weights": None if weights is None else list(weights)})
        self._scale = 0.5 if self.convention == "half" else 1.0

    def residual_gains(self):
        # grad is r (half) or 2 r (plain), times the output's weight: a factor of 1 leaves
        # every bit as it was, so the kernel's (g1 r) g2 is bitwise the same.
        return (1.0 if self.convention == "half" else 2.0,
                1.0 if self.weights is None else float(self.weights[0]))

    def residual_at(self, level, y, side):
        weight = 1.0 if self.weights is None else float(self.weights[0])
        return np.sqrt(np.asarray(level, dtype=np.float64) / (self._scale * weight))

    def columns_problem(self, n_columns):
        if self.weights is not None and len(self.weights) != n_columns:
            outputs = "1 output" if n_columns == 1 else f"{n_columns} outputs"
            return "weights", (f"has {len(self.weights)} weights, one per output, but the "
                               f"model has {outputs}")
        return None

    def _per_output(self, values):
        """Column k of ``values`` times weights[k] (no weights: unchanged)."""
        if self.weights is None:
            return values
        problem = self.columns_problem(values.shape[-1])
        if problem:
            raise LossexpError(f"loss {self.name!r}: {problem[0]}: {problem[1]}")
        return values * np.asarray(self.weights, dtype=np.float64)

    def value(self, pred, target):
        r = _residual(pred, target)
        return self._per_output(self._scale * (r * r))

    def grad(self, pred, target):
        r = _residual(pred, target)
        return self._per_output(r if self.convention == "half" else 2.0 * r)


class CrossEntropy(Loss):
    """Binary cross-entropy of a probability a. Paired with a sigmoid output, training
    uses the fused logit form in ``lossexp.library.fused`` instead (stable, delta = a - y)."""

    name = "cross_entropy"
    formula = "-(y log a + (1 - y) log(1 - a))"
    gradient = "(a - y) / (a (1 - a))"
    note = "a in (0, 1); after a sigmoid, training uses the fused logit form"
    output_bounds = (0.0, 1.0)
    fused_layers = (SigmoidCrossEntropy,)

    def residual_at(self, level, y, side):
        level = np.asarray(level, dtype=np.float64)
        if y in (0.0, 1.0):  # C = -log(1 - |a - y|): |a - y| = 1 - e^-C
            return -np.expm1(-level)
        # A soft target: C rises from its minimum at a = y to infinity at 0 and 1, so on
        # either side it meets the level once. Bisection on that side, to the last bit.
        near = np.zeros(np.shape(level))
        far = np.where(np.asarray(side) > 0, 1.0 - y, y)
        for _ in range(1100):
            mid = 0.5 * (near + far)
            if not np.any((mid != near) & (mid != far)):
                break
            above = self.value(y + side * mid, y) >= level
            far, near = np.where(above, mid, far), np.where(above, near, mid)
        return far

    def value(self, pred, target):
        a, y = np.asarray(pred, np.float64), np.asarray(target, np.float64)
        return -(_xlogy(y, a) + _xlogy(1.0 - y, 1.0 - a))

    def grad(self, pred, target):
        a, y = np.broadcast_arrays(np.asarray(pred, np.float64), np.asarray(target, np.float64))
        # At a = 0 or 1 the derivative's two terms (1 - y)/(1 - a) - y/a are taken apart,
        # with the 0 log 0 = 0 convention: finite where the target agrees, +-inf where not.
        out = np.array(_ratio(1.0 - y, 1.0 - a) - _ratio(y, a))
        inside = (a > 0) & (a < 1)
        # Overflow here means the true gradient exceeds the float range: inf is its value.
        with np.errstate(over="ignore"):
            np.divide(a - y, a * (1.0 - a), out=out, where=inside)
        return out


class CategoricalCrossEntropy(Loss):
    """Cross-entropy of a distribution p over the last axis. Paired with softmax, training
    uses the fused log-softmax form (delta = p - y)."""

    name = "categorical_cross_entropy"
    formula = "-y_k log p_k"
    gradient = "-y_k / p_k"
    note = "p a distribution over the outputs; after a softmax, training uses the fused form"
    output_bounds = (0.0, 1.0)
    fused_layers = (SoftmaxCrossEntropy,)

    def columns_problem(self, n_columns):
        if n_columns < 2:  # -y log a: 0 for y = 0 whatever a is, and nothing to learn
            return "name", ("categorical_cross_entropy compares a distribution over two or "
                            "more classes, but the model has 1 output; for one output use "
                            "cross_entropy")
        return None

    def value(self, pred, target):
        return -_xlogy(target, pred)

    def grad(self, pred, target):
        return -_ratio(target, pred)


class MAE(Loss):
    name = "mae"
    formula = "|a - y|"
    gradient = "sign(a - y)"
    note = "subgradient 0 at a = y; fits the median"

    def value(self, pred, target):
        return np.abs(_residual(pred, target))

    def grad(self, pred, target):
        return np.sign(_residual(pred, target))


def _huber(r, delta):
    # m = min(|r|, delta) gives r^2/2 inside and delta (|r| - delta/2) outside, and never
    # squares a large residual.
    m = np.minimum(np.abs(r), delta)
    return m * (np.abs(r) - 0.5 * m)


class Huber(Loss):
    name = "huber"
    formula = "(a - y)^2 / 2 if |a - y| <= delta, else delta (|a - y| - delta / 2)"
    gradient = "clip(a - y, -delta, delta)"
    note = "quadratic near the target, linear beyond delta: an outlier pulls with at most delta"
    params = {"delta": Number(default=1.0, gt=0, doc="where the quadratic turns linear")}

    def __init__(self, *, delta: float = 1.0):
        self._set_params({"delta": delta})

    def value(self, pred, target):
        return _huber(_residual(pred, target), self.delta)

    def grad(self, pred, target):
        return np.clip(_residual(pred, target), -self.delta, self.delta)


class SmoothL1(Loss):
    """Huber divided by its threshold: slope 1 outside |r| < beta, as in object detection."""

    name = "smooth_l1"
    formula = "(a - y)^2 / (2 beta) if |a - y| < beta, else |a - y| - beta / 2"
    gradient = "clip((a - y) / beta, -1, 1)"
    note = "huber(delta = beta) / beta"
    params = {"beta": Number(default=1.0, gt=0,
                             doc="width of the quadratic zone (use mae for beta = 0)")}

    def __init__(self, *, beta: float = 1.0):
        self._set_params({"beta": beta})

    def value(self, pred, target):
        return _huber(_residual(pred, target), self.beta) / self.beta

    def grad(self, pred, target):
        return np.clip(_residual(pred, target), -self.beta, self.beta) / self.beta


class LogCosh(Loss):
    name = "log_cosh"
    formula = "log cosh(a - y)"
    gradient = "tanh(a - y)"
    note = "like (a - y)^2 / 2 near 0 and |a - y| - log 2 far out; smooth everywhere"

    def value(self, pred, target):
        r = _residual(pred, target)
        # cosh overflows past |r| = 710; log cosh r = logaddexp(r, -r) - log 2 never does.
        return np.logaddexp(r, -r) - math.log(2.0)

    def grad(self, pred, target):
        return np.tanh(_residual(pred, target))


class Quantile(Loss):
    """The pinball loss, minimised by the q-th quantile of y (q = 0.5: half the MAE)."""

    name = "quantile"
    formula = "max(q (y - a), (q - 1) (y - a))"
    gradient = "1 - q if a > y, -q if a < y"
    note = "the pinball loss: fits the q-th quantile of y"
    params = {"q": Number(default=0.5, gt=0, lt=1, doc="the quantile to fit")}

    def __init__(self, *, q: float = 0.5):
        self._set_params({"q": q})

    def value(self, pred, target):
        e = -_residual(pred, target)  # y - a
        return np.maximum(self.q * e, (self.q - 1.0) * e)

    def grad(self, pred, target):
        r = _residual(pred, target)
        return np.where(r < 0, -self.q, np.where(r > 0, 1.0 - self.q, 0.0))


class SignedError(Loss):
    """The notes' "naive" rule: Cost = y - a, descended with its sign flipped by the
    sign of the error, so it moves the output towards y from either side.

    Not a distance (the value is negative when a > y). ``grad`` is the step the rule
    takes, sign(y - a) * d(y - a)/da = sign(a - y): the subgradient of |a - y|, so the
    rule's trajectory is MAE's subgradient descent, step for step.
    """

    name = "signed_error"
    formula = "y - a"
    gradient = "sign(a - y)"
    note = ("the course notes' naive rule, the error itself as the cost: its step is "
            "sign(y - a) d(y - a)/da, not d value/da; the same steps as mae")
    grad_is_derivative = False

    def descended(self) -> Loss:
        return MAE()

    def value(self, pred, target):
        return -_residual(pred, target)

    def grad(self, pred, target):
        cost = self.value(pred, target)
        d_cost = -1.0  # d(y - a)/da
        return np.sign(cost) * d_cost


LOSSES: dict[str, type[Loss]] = {
    cls.name: cls for cls in (Quadratic, CrossEntropy, CategoricalCrossEntropy, MAE, Huber,
                              SmoothL1, LogCosh, Quantile, GaussianNLL, UncertaintyWeighted,
                              SignedError)
}


def names() -> list[str]:
    return list(LOSSES)


def get(name: str, **params) -> Loss:
    """The loss registered as ``name``, built with keyword-only ``params``.

    Raises ``LossexpError`` for an unknown name (naming the close matches) or a bad
    parameter (naming the parameter and the value given).
    """
    cls = lookup(LOSSES, name, "loss")
    checked = parameters.checked(f"loss {name!r}", cls.params, params)
    return cls(**checked)


def reduce(values, how: str = "mean"):
    """Reduce elementwise losses: ``mean`` or ``sum`` over all elements, or ``none``."""
    if how == "mean":
        return np.mean(values)
    if how == "sum":
        return np.sum(values)
    if how == "none":
        return values
    raise ValueError(f"reduction must be one of {', '.join(REDUCTIONS)}, got {how!r}")
