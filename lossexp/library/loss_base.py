"""The base of every loss, and the elementwise helpers losses share.

Conventions (see ``lossexp.library.losses`` for the whole list): ``value(pred, target)`` is
the per-element loss and ``grad(pred, target)`` its derivative in the prediction, both
elementwise; reduction is the caller's.
"""

from __future__ import annotations

import math

import numpy as np

from lossexp.library import parameters
from lossexp.schema import Locator


class Loss(parameters.Parameterised):
    """A loss: ``value`` and ``grad`` elementwise in (pred, target), plus its description."""

    kind = "loss"
    formula = ""   # the value, in the prediction a and the target y (default parameters)
    gradient = ""  # d value / d a
    note = ""      # variants, conventions, what the loss fits
    # The range of predictions the loss is defined on (cross-entropies read probabilities).
    output_bounds = (-math.inf, math.inf)
    heads_per_target = 1    # model output columns the loss reads per target column
    learned_per_target = 0  # columns per target the loss learns itself (see module doc)
    # False for signed_error only: its grad is the naive rule's step, sign(value) * d value/da.
    grad_is_derivative = True
    # Output layers that fuse this loss with an activation into one stable form in z
    # (lossexp.library.fused); training uses one when the model's output activation fits.
    fused_layers: tuple = ()

    def residual_at(self, level, y, side):
        """|a - y| at which the loss of one prediction a = y + side |a - y| (side +1 or -1,
        elementwise) equals ``level``, where the loss knows how to find it; else None."""
        return None

    def descended(self) -> Loss:
        """The cost whose fall training makes: this loss, unless its ``grad`` is not its
        value's derivative (signed_error's steps descend |a - y|). The plateau measures
        follow the fall of this cost."""
        return self

    def residual_gains(self) -> tuple[float, float] | None:
        """(g1, g2) when, for a single output, dC/da = (g1 (a - y)) g2 computed in that
        order: the form the compiled sweep kernel takes (lossexp.train.neuron_kernel).
        None for a loss of any other form."""
        return None

    def value(self, pred, target):
        raise NotImplementedError

    def grad(self, pred, target):
        raise NotImplementedError

    def columns(self, n_targets: int) -> int:
        """How many model output columns this loss needs for ``n_targets`` target columns."""
        return self.heads_per_target * n_targets

    @classmethod
    def check_params(cls, params: dict, path, loc: Locator) -> None:
        """Rules that tie the parameters together (a schema validate hook: ``loc.fail``)."""

    def columns_problem(self, n_columns: int) -> tuple[str, str] | None:
        """(parameter, problem) if the parameters do not fit ``n_columns`` model outputs."""
        return None

    def learned_summary(self, learned: np.ndarray, mse=None) -> dict:
        """What summary.json reports of the values the loss learned for one run (the
        ``learned_per_target`` columns per target), given each output's final mean squared
        error when known; nothing for most losses."""
        return {}

    def range_problem(self, act) -> str | None:
        """Why the outputs of activation ``act`` may fall outside the predictions this loss
        is defined on (cross-entropy after tanh), or None when they cannot."""
        lo, hi = self.output_bounds
        a_lo, a_hi = act.output_bounds
        if a_lo < lo or a_hi > hi:
            return (f"{self.name} reads outputs in {interval(self.output_bounds)} but "
                    f"{act.name} gives {act.output_range}")
        return None


def interval(bounds) -> str:
    """(lo, hi) as text: 'all reals', '[0, 1]', '[0, inf)'."""
    lo, hi = bounds
    if math.isinf(lo) and math.isinf(hi):
        return "all reals"
    return f"{'(' if math.isinf(lo) else '['}{lo:g}, {hi:g}{')' if math.isinf(hi) else ']'}"


def _residual(pred, target):
    return np.subtract(pred, target, dtype=np.float64)


def _ratio(num, den):
    """num / den, taking 0 / 0 as 0 and x / 0 as +-inf, without warnings."""
    num, den = np.broadcast_arrays(np.asarray(num, np.float64), np.asarray(den, np.float64))
    out = np.array(np.where(num == 0, 0.0, np.copysign(np.inf, num)))
    np.divide(num, den, out=out, where=den != 0)
    return out


def _xlogy(x, y):
    """x log y elementwise, with 0 log 0 = 0 (and x log 0 = -inf for x > 0)."""
    x, y = np.broadcast_arrays(np.asarray(x, np.float64), np.asarray(y, np.float64))
    log_y = np.log(y, out=np.full(y.shape, -np.inf), where=y > 0)
    return np.multiply(x, log_y, out=np.zeros(x.shape), where=x != 0)
